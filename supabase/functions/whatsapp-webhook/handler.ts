// whatsapp-webhook: Meta's WhatsApp Cloud API webhook (BLUEPRINT §6.4, seed 002; decision 0013).
// No Supabase JWT (verify_jwt = false):
//   GET  ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=… → 200 with the challenge when the token
//        is WHATSAPP_VERIFY_TOKEN, 403 otherwise.
//   POST X-Hub-Signature-256: sha256=<hex HMAC-SHA256(raw body, WHATSAPP_APP_SECRET)>, checked over the
//        raw bytes in constant time (WebCrypto verify) before anything is parsed; a missing or wrong
//        signature is 401 and nothing is stored. Then the inbound messages of every change are handed
//        to Postgres in ONE call (lead.ingest_whatsapp_messages): idempotent on the wamid, last touch
//        with expiry and history, enrichment queued on meta_enrichment. Status callbacks and unknown
//        phone number ids are answered 200 and ignored (Meta retries anything that is not 2xx).
import {
  WhatsappInboundMessageSchema,
  type WhatsappIngestMessage,
  type WhatsappIngestResult,
  type WhatsappWebhook,
  whatsappWebhookMaxBytes,
  whatsappWebhookMaxMessages,
  WhatsappWebhookSchema,
} from '@rastro/contracts/whatsapp.ts';
import { dbPool } from '../_shared/db.ts';
import { HttpError, toErrorResponse } from '../_shared/errors.ts';
import { decodeUtf8, discardBody, parseJsonText, readCappedBytes, validateIntake } from '../_shared/web-intake.ts';

const encoder = new TextEncoder();
/** A refused body is read and dropped up to this size before answering (see discardBody). */
const drainBytes = 1024 * 1024;
const signatureShape = /^sha256=([0-9a-fA-F]{64})$/;
let cachedKey: { secret: string; key: CryptoKey } | null = null;

export async function handler(req: Request): Promise<Response> {
  try {
    if (req.method === 'GET') return verifySubscription(new URL(req.url));
    if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'GET (verification) or POST (events)');
    const secret = Deno.env.get('WHATSAPP_APP_SECRET');
    if (!secret) throw new HttpError(503, 'not_configured', 'WHATSAPP_APP_SECRET is not set');
    const signature = signatureShape.exec(req.headers.get('x-hub-signature-256') ?? '');
    if (!signature) {
      throw new HttpError(401, 'signature_missing', 'X-Hub-Signature-256: sha256=<hex HMAC-SHA256> is required');
    }
    const raw = await readCappedBytes(req, whatsappWebhookMaxBytes, { drainUpTo: drainBytes });
    if (!(await signatureHolds(secret, signature[1], raw))) {
      throw new HttpError(401, 'signature_invalid', 'The signature does not match the body');
    }
    const body = validateIntake(parseJsonText(decodeUtf8(raw)), WhatsappWebhookSchema);
    const { messages, statuses, skipped } = inboundMessages(body);
    if (messages.length === 0) {
      return Response.json({ received: 0, stored: 0, statuses, skipped });
    }
    const { rows: [row] } = await dbPool().query<{ result: WhatsappIngestResult }>(
      'select lead.ingest_whatsapp_messages($1::jsonb) as result',
      [JSON.stringify(messages)],
    );
    return Response.json({ ...row.result, statuses, skipped });
  } catch (error) {
    await discardBody(req, drainBytes);
    return toErrorResponse(error);
  }
}

function verifySubscription(url: URL): Response {
  const expected = Deno.env.get('WHATSAPP_VERIFY_TOKEN');
  const token = url.searchParams.get('hub.verify_token');
  const challenge = url.searchParams.get('hub.challenge');
  if (
    !expected || url.searchParams.get('hub.mode') !== 'subscribe' || token === null || challenge === null ||
    !sameText(token, expected)
  ) {
    return Response.json({ error: { code: 'verification_failed', message: 'Unknown verify token' } }, { status: 403 });
  }
  return new Response(challenge, { status: 200, headers: { 'content-type': 'text/plain' } });
}

/** HMAC-SHA256 of the raw bytes compared in constant time (WebCrypto's verify). */
async function signatureHolds(secret: string, hex: string, raw: Uint8Array<ArrayBuffer>): Promise<boolean> {
  if (cachedKey?.secret !== secret) {
    const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'verify',
    ]);
    cachedKey = { secret, key };
  }
  const expected = new Uint8Array(32);
  for (let i = 0; i < 32; i++) expected[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return await crypto.subtle.verify('HMAC', cachedKey.key, expected, raw);
}

function sameText(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/**
 * Every inbound message of every change, with its number and the sender's profile name. Messages that
 * do not have the fields Meta documents (from, id, timestamp) are counted as skipped, not stored.
 */
export function inboundMessages(body: WhatsappWebhook): {
  messages: WhatsappIngestMessage[];
  statuses: number;
  skipped: number;
} {
  const messages: WhatsappIngestMessage[] = [];
  let statuses = 0;
  let skipped = 0;
  for (const entry of body.entry) {
    for (const change of entry.changes) {
      const value = change.value;
      statuses += value.statuses?.length ?? 0;
      if (!value.messages?.length) continue;
      const phoneNumberId = value.metadata?.phone_number_id;
      const names = new Map((value.contacts ?? []).map((c) => [c.wa_id, c.profile?.name ?? null]));
      for (const candidate of value.messages) {
        const parsed = WhatsappInboundMessageSchema.safeParse(candidate);
        if (!parsed.success || !phoneNumberId || messages.length >= whatsappWebhookMaxMessages) {
          skipped++;
          continue;
        }
        const message = parsed.data;
        messages.push({
          phone_number_id: phoneNumberId,
          wamid: message.id,
          from: message.from,
          sent_at: Number(message.timestamp),
          type: message.type ?? null,
          contact_name: names.get(message.from) ?? null,
          referral: message.referral ?? null,
        });
      }
    }
  }
  return { messages, statuses, skipped };
}
