// Seed 002's webhook payload (§2, completed with what Meta always sends: wamid, metadata, contacts) and
// Meta's X-Hub-Signature-256 over it. Runtime-neutral (WebCrypto only): the Deno tests, the bench and
// `npm run demo:whatsapp` (Node) all post exactly this.

export async function hubSignature(secret: string, raw: string | Uint8Array): Promise<string> {
  const bytes = typeof raw === 'string' ? new TextEncoder().encode(raw) : raw;
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    [
      'sign',
    ],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, bytes as Uint8Array<ArrayBuffer>));
  return 'sha256=' + Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
}

export type SeedMessage = {
  wamid?: string;
  from?: string;
  timestamp?: number;
  referral?: Record<string, unknown> | null;
  name?: string;
};

/** Seed 002's payload (§2), completed with what Meta always sends (wamid, metadata, contacts). */
export function seedPayload(phoneNumberId: string, message: SeedMessage = {}): Record<string, unknown> {
  const from = message.from ?? '557998093883';
  const referral = message.referral === undefined
    ? {
      headline: 'Prof Didática',
      ctwa_clid: 'AfeDIj2Ewr2X' + crypto.randomUUID().replaceAll('-', '').slice(0, 12),
      source_id: '120237888636060701',
      source_url: 'https://fb.me/abc',
      source_type: 'ad',
      media_type: 'video',
    }
    : message.referral;
  return {
    object: 'whatsapp_business_account',
    entry: [{
      id: '0',
      changes: [{
        field: 'messages',
        value: {
          messaging_product: 'whatsapp',
          metadata: { display_phone_number: '5511999990000', phone_number_id: phoneNumberId },
          contacts: [{ profile: { name: message.name ?? 'Contato' }, wa_id: from }],
          messages: [{
            from,
            id: message.wamid ?? `wamid.${crypto.randomUUID()}`,
            timestamp: String(message.timestamp ?? 1771407964),
            type: 'text',
            text: { body: 'Olá! Quero saber mais.' },
            ...(referral === null ? {} : { referral }),
          }],
        },
      }],
    }],
  };
}

/** A status callback (sent / delivered / read) for an outbound message. */
export function statusPayload(phoneNumberId: string): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [{
      id: '0',
      changes: [{
        field: 'messages',
        value: {
          messaging_product: 'whatsapp',
          metadata: { display_phone_number: '5511999990000', phone_number_id: phoneNumberId },
          statuses: [{
            id: `wamid.${crypto.randomUUID()}`,
            status: 'delivered',
            timestamp: '1771407964',
            recipient_id: '557998093883',
          }],
        },
      }],
    }],
  };
}

type WebhookMessage = Record<string, unknown> & { referral?: Record<string, string> };

/** The first message of a payload built by seedPayload (tests read its referral or break its fields). */
export function firstMessage(payload: Record<string, unknown>): WebhookMessage {
  const entry = payload.entry as Array<{ changes: Array<{ value: { messages: WebhookMessage[] } }> }>;
  return entry[0].changes[0].value.messages[0];
}
