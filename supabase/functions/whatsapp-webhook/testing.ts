// Fixtures for whatsapp-webhook tests, fuzz and bench: a company with a WhatsApp number, seed 002's
// webhook payload (with a wamid, the number's metadata and a contact), signed like Meta signs it.
import type pg from 'pg';

export const appSecret = () => {
  const secret = Deno.env.get('WHATSAPP_APP_SECRET');
  if (!secret) throw new Error('WHATSAPP_APP_SECRET is not set (the stack sets it for functions and tests)');
  return secret;
};

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

export async function signedPost(
  raw: string | Uint8Array,
  options: { secret?: string; signature?: string | null } = {},
): Promise<Request> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature = options.signature === undefined
    ? await hubSignature(options.secret ?? appSecret(), raw)
    : options.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  return new Request('http://functions.local/whatsapp-webhook', {
    method: 'POST',
    headers,
    body: raw as BodyInit,
  });
}

export type WhatsappFixture = { companyId: string; numberId: string; phoneNumberId: string; wabaId: string };

/** A company with one active number (random phone number id, so runs never collide). */
export async function createWhatsappCompany(
  db: pg.Client,
  slug: string,
  expirationDays?: number,
): Promise<WhatsappFixture> {
  const phoneNumberId = String(100000000000000 + Math.floor(Math.random() * 899999999999999));
  const wabaId = String(200000000000000 + Math.floor(Math.random() * 799999999999999));
  const { rows: [row] } = await db.query<{ company_id: string; number_id: string }>(
    `with c as (insert into core.companies (name, slug) values ($1, $1) returning id)
     insert into core_marketing.whatsapp_numbers (company_id, phone_number_id, whatsapp_business_account_id, label)
     select id, $2, $3, 'Test number' from c returning company_id, id as number_id`,
    [slug, phoneNumberId, wabaId],
  );
  if (expirationDays !== undefined) {
    await db.query(
      `insert into core_marketing.whatsapp_settings (company_id, ticket_expiration_days) values ($1, $2)`,
      [
        row.company_id,
        expirationDays,
      ],
    );
  }
  return { companyId: row.company_id, numberId: row.number_id, phoneNumberId, wabaId };
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

/** How many rows the webhook wrote for a company (tickets, tracking, history, messages, leads, queued enrichments). */
export async function whatsappFootprint(db: pg.Client, companyId: string): Promise<Record<string, number>> {
  const { rows: [row] } = await db.query<Record<string, number>>(
    `select (select count(*)::int from lead.tickets where company_id = $1) as tickets,
            (select count(*)::int from lead.ticket_tracking where company_id = $1) as tracking,
            (select count(*)::int from lead.attribution_history where company_id = $1) as history,
            (select count(*)::int from lead.whatsapp_messages where company_id = $1) as messages,
            (select count(*)::int from lead.leads where company_id = $1) as leads,
            (select count(*)::int from pgmq.q_meta_enrichment where message ->> 'company_id' = $1::text) as enrichments`,
    [companyId],
  );
  return row;
}
