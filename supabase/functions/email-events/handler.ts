// email-events: delivery, bounce and complaint webhooks (verify_jwt = false; each shape carries its own
// signature, checked on the raw body before it is parsed; decision 0012).
//   POST /email-events           the generic shape, for any relay or a forwarder of one:
//        header X-Rastro-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(EMAIL_EVENTS_SECRET, "<t>.<body>")>
//        body {"events": [{"id", "type": delivered|bounce|complaint, "bounce_kind": soft|hard (bounces),
//              "message": <signed message token, as in X-Rastro-Message>, "occurred_at": ISO 8601}]}
//        Strict: an event naming no message of ours fails the batch (422 unknown_message).
//   POST /email-events/sendgrid  SendGrid's Event Webhook with Signed Event Webhook enabled:
//        headers X-Twilio-Email-Event-Webhook-Signature (base64 ECDSA P-256/SHA-256 over timestamp + body)
//        and X-Twilio-Email-Event-Webhook-Timestamp; public key SENDGRID_WEBHOOK_PUBLIC_KEY (base64 SPKI).
//        Body: an array of events; the message is found by the rastro_mid unique arg the sender sets
//        (X-SMTPAPI). delivered → delivered; bounce type "bounce" → hard, "blocked" → soft; spamreport →
//        complaint; other events (ours are tracked by email-tracking) and mail we did not send are ignored.
// Signatures older or newer than 5 minutes are refused (replays); bodies over 512 KB are refused.
import { z } from 'zod';
import { dbPool } from '../_shared/db.ts';
import { verifyId } from '../_shared/email-ids.ts';
import { HttpError, toErrorResponse } from '../_shared/errors.ts';

const maxBodyBytes = 512 * 1024;
const toleranceSeconds = 300;
const encoder = new TextEncoder();

export type EmailEventsOptions = {
  /** The generic shape's shared secret (default EMAIL_EVENTS_SECRET). */
  secret?: string;
  /** SendGrid's verification key, base64 SPKI (default SENDGRID_WEBHOOK_PUBLIC_KEY). */
  sendgridPublicKey?: string;
  now?: () => number;
};

type ProviderEvent = {
  message_public_id?: string;
  provider_message_id?: string;
  type: 'delivered' | 'bounce' | 'complaint';
  bounce_kind: 'soft' | 'hard' | null;
  provider_event_id: string;
  occurred_at: string;
  detail: Record<string, unknown>;
};

const recent = (now: number) =>
  z.iso.datetime({ offset: true }).refine((value) => {
    const at = Date.parse(value);
    return at > now - 365 * 86_400_000 && at < now + 86_400_000;
  }, 'must lie within the last year and not more than a day ahead');

const GenericEventSchema = (now: number) =>
  z.object({
    id: z.string().min(1).max(200),
    type: z.enum(['delivered', 'bounce', 'complaint']),
    bounce_kind: z.enum(['soft', 'hard']).optional(),
    message: z.string().length(54),
    occurred_at: recent(now),
    reason: z.string().max(1000).optional(),
  }).strict().refine(
    (e) => (e.type === 'bounce') === (e.bounce_kind !== undefined),
    'bounce_kind goes with bounces only',
  );

const GenericBodySchema = (now: number) =>
  z.object({ events: z.array(GenericEventSchema(now)).min(1).max(500) }).strict();

const SendGridEventSchema = z.object({
  event: z.string().max(50),
  sg_event_id: z.string().min(1).max(200),
  sg_message_id: z.string().max(300).optional(),
  timestamp: z.number().int().positive(),
  type: z.string().max(50).optional(),
  reason: z.string().max(2000).optional(),
  rastro_mid: z.uuid().optional(),
}).loose();
const SendGridBodySchema = z.array(SendGridEventSchema).min(1).max(5000);

export function createEmailEventsHandler(options: EmailEventsOptions = {}): (req: Request) => Promise<Response> {
  return async (req) => {
    try {
      const route = /\/email-events(\/sendgrid)?\/?$/.exec(new URL(req.url).pathname);
      if (!route) throw new HttpError(404, 'route_not_found', 'Use /email-events or /email-events/sendgrid');
      if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'Use POST', { allowed: ['POST'] });
      const body = await readBody(req);
      const now = options.now?.() ?? Date.now();
      const events = route[1]
        ? await sendgridEvents(req, body, now, options.sendgridPublicKey ?? Deno.env.get('SENDGRID_WEBHOOK_PUBLIC_KEY'))
        : await genericEvents(req, body, now, options.secret ?? Deno.env.get('EMAIL_EVENTS_SECRET'));
      if (events.length === 0) return Response.json({ recorded: 0, duplicates: 0, unknown: 0, ignored: true });
      const { rows: [row] } = await dbPool().query<{ result: Record<string, number> }>(
        'select mtrk.record_provider_events($1::jsonb, $2) as result',
        [JSON.stringify(events), !route[1]],
      ).catch((error: { code?: string; hint?: string; detail?: string }) => {
        if (error.code === 'PT422' && error.hint === 'unknown_message') {
          throw new HttpError(422, 'unknown_message', 'Some events name no message sent by Rastro', {
            positions: error.detail,
          });
        }
        throw error;
      });
      return Response.json(row.result);
    } catch (error) {
      return toErrorResponse(error);
    }
  };
}

async function readBody(req: Request): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > maxBodyBytes) throw new HttpError(413, 'body_too_large', `At most ${maxBodyBytes} bytes`);
  if (!req.body) return '';
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBodyBytes) {
      await reader.cancel();
      throw new HttpError(413, 'body_too_large', `At most ${maxBodyBytes} bytes`);
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return new TextDecoder().decode(bytes);
}

function checkTimestamp(seconds: number, now: number): void {
  if (!Number.isFinite(seconds) || Math.abs(now / 1000 - seconds) > toleranceSeconds) {
    throw new HttpError(401, 'stale_signature', "The signature's timestamp is more than 5 minutes away");
  }
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new HttpError(400, 'invalid_json', 'The request body must be JSON');
  }
}

function contractError(error: z.ZodError): HttpError {
  const issues = error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  return new HttpError(422, 'validation_failed', 'The events do not match the contract', issues);
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The X-Rastro-Signature value for a body (also what a sender of the generic shape computes). */
export async function signGenericBody(secret: string, body: string, timestampSeconds: number): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  return `t=${timestampSeconds},v1=${
    hex(await crypto.subtle.sign('HMAC', key, encoder.encode(`${timestampSeconds}.${body}`)))
  }`;
}

async function genericEvents(
  req: Request,
  body: string,
  now: number,
  secret: string | undefined,
): Promise<ProviderEvent[]> {
  if (!secret) throw new HttpError(503, 'webhook_not_configured', 'EMAIL_EVENTS_SECRET is not set');
  const header = req.headers.get('x-rastro-signature');
  const parts = Object.fromEntries((header ?? '').split(',').map((part) => part.trim().split('=', 2)));
  if (!parts.t || !parts.v1) throw new HttpError(401, 'missing_signature', 'Send X-Rastro-Signature: t=…,v1=…');
  checkTimestamp(Number(parts.t), now);
  const expected = (await signGenericBody(secret, body, Number(parts.t))).split('v1=')[1];
  if (!constantTimeEqual(expected, String(parts.v1).toLowerCase())) {
    throw new HttpError(401, 'invalid_signature', 'The signature does not match the body');
  }
  const parsed = GenericBodySchema(now).safeParse(parseJson(body));
  if (!parsed.success) throw contractError(parsed.error);
  return await Promise.all(parsed.data.events.map(async (event, index): Promise<ProviderEvent> => {
    const messageId = await verifyId('message', event.message);
    if (!messageId) {
      throw new HttpError(422, 'unknown_message', 'Some events name no message sent by Rastro', {
        positions: String(index + 1),
      });
    }
    return {
      message_public_id: messageId,
      type: event.type,
      bounce_kind: event.bounce_kind ?? null,
      provider_event_id: `generic:${event.id}`,
      occurred_at: event.occurred_at,
      detail: event.reason ? { reason: event.reason } : {},
    };
  }));
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** ECDSA signatures come DER-encoded from SendGrid; Web Crypto verifies the raw r‖s form. */
export function derToRawSignature(der: Uint8Array): Uint8Array<ArrayBuffer> {
  const fail = () => {
    throw new HttpError(401, 'invalid_signature', 'The signature is not a DER ECDSA signature');
  };
  if (der[0] !== 0x30 || der.length < 8) fail();
  let offset = der[1] & 0x80 ? 2 + (der[1] & 0x7f) : 2;
  const integer = (): Uint8Array<ArrayBuffer> => {
    if (der[offset] !== 0x02) fail();
    const length = der[offset + 1];
    const value = der.slice(offset + 2, offset + 2 + length);
    offset += 2 + length;
    const trimmed = value[0] === 0 ? value.slice(1) : value;
    if (trimmed.length > 32) fail();
    const padded = new Uint8Array(32);
    padded.set(trimmed, 32 - trimmed.length);
    return padded;
  };
  const r = integer();
  const s = integer();
  const raw = new Uint8Array(64);
  raw.set(r);
  raw.set(s, 32);
  return raw;
}

function fromBase64(text: string, code: string): Uint8Array<ArrayBuffer> {
  try {
    return Uint8Array.from(atob(text.trim()), (c) => c.charCodeAt(0));
  } catch {
    throw new HttpError(401, code, 'Not base64');
  }
}

async function sendgridEvents(req: Request, body: string, now: number, publicKey: string | undefined) {
  if (!publicKey) throw new HttpError(503, 'webhook_not_configured', 'SENDGRID_WEBHOOK_PUBLIC_KEY is not set');
  const signature = req.headers.get('x-twilio-email-event-webhook-signature');
  const timestamp = req.headers.get('x-twilio-email-event-webhook-timestamp');
  if (!signature || !timestamp) throw new HttpError(401, 'missing_signature', 'Send the SendGrid signature headers');
  checkTimestamp(Number(timestamp), now);
  const key = await crypto.subtle.importKey(
    'spki',
    fromBase64(publicKey, 'webhook_not_configured'),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['verify'],
  );
  const valid = await crypto.subtle.verify(
    { name: 'ECDSA', hash: 'SHA-256' },
    key,
    derToRawSignature(fromBase64(signature, 'invalid_signature')),
    encoder.encode(timestamp + body),
  );
  if (!valid) throw new HttpError(401, 'invalid_signature', 'The signature does not match the body');
  const parsed = SendGridBodySchema.safeParse(parseJson(body));
  if (!parsed.success) throw contractError(parsed.error);
  return parsed.data.flatMap((event): ProviderEvent[] => {
    if (!event.rastro_mid) return [];
    const type = event.event === 'delivered'
      ? 'delivered'
      : event.event === 'bounce'
      ? 'bounce'
      : event.event === 'spamreport'
      ? 'complaint'
      : null;
    if (!type) return [];
    const at = event.timestamp * 1000;
    if (at < now - 365 * 86_400_000 || at > now + 86_400_000) return [];
    return [{
      message_public_id: event.rastro_mid,
      type,
      bounce_kind: type === 'bounce' ? (event.type === 'blocked' ? 'soft' : 'hard') : null,
      provider_event_id: `sendgrid:${event.sg_event_id}`,
      occurred_at: new Date(at).toISOString(),
      detail: { provider: 'sendgrid', ...(event.reason ? { reason: event.reason } : {}) },
    }];
  });
}

export const handler = createEmailEventsHandler();
