// lead-capture: a form on a tracked site (the snippet's form helper, or any page posting the same JSON)
// becomes a lead (BLUEPRINT §6.2). zod contract (422), site key (401), Origin allow-list (403), a
// per-IP limit per site and minute (429 with retry-after), a honeypot field (answered like a success,
// nothing written). The e-mail and phone are checked with the one shared normaliser
// (@rastro/contracts/hashing.ts; the database hashes them with its twin, tested on the same vectors),
// the business-e-mail flag comes from a maintained free-mail domain list (email-providers, ISC).
// Everything is ONE call of lead.capture_web_lead: dedupe by (company, e-mail), touches, score, links.
import { normalizeEmail, normalizePhone } from '@rastro/contracts/hashing.ts';
import { type LeadCaptureAccepted, leadCaptureMaxBytes, LeadCaptureSchema } from '@rastro/contracts/tracking.ts';
import freeMailDomains from 'email-providers/all.json' with { type: 'json' };
import { dbPool } from '../_shared/db.ts';
import { HttpError, toErrorResponse } from '../_shared/errors.ts';
import {
  clientIp,
  intakeHeaders,
  intakePreflight,
  parseJsonText,
  readCappedText,
  refusalError,
  requireOrigin,
  requirePost,
  validateIntake,
} from '../_shared/web-intake.ts';

const freeMail = new Set<string>(freeMailDomains as string[]);

/** False for addresses at free/consumer mail providers (gmail.com, uol.com.br, …), true otherwise. */
export function isBusinessEmail(normalizedEmail: string): boolean {
  const domain = normalizedEmail.slice(normalizedEmail.lastIndexOf('@') + 1);
  return !freeMail.has(domain);
}

export type LeadCaptureOptions = { ratePerMinute?: number };

let ipKey: Promise<CryptoKey> | null = null;
/** The client IP as an HMAC (keyed from RASTRO_ENCRYPTION_KEY): the rate limit never stores addresses. */
async function ipHash(ip: string | null): Promise<string> {
  const secret = Deno.env.get('RASTRO_ENCRYPTION_KEY');
  if (!secret) throw new Error('RASTRO_ENCRYPTION_KEY is not set');
  ipKey ??= crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(`rate-limit:${secret}`),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    [
      'sign',
    ],
  );
  const mac = await crypto.subtle.sign('HMAC', await ipKey, new TextEncoder().encode(ip ?? 'unknown'));
  return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function createLeadCaptureHandler(options: LeadCaptureOptions = {}) {
  const ratePerMinute = options.ratePerMinute ?? Number(Deno.env.get('LEAD_CAPTURE_RATE_PER_MINUTE') ?? 10);
  return async function handler(req: Request): Promise<Response> {
    if (req.method === 'OPTIONS') return intakePreflight(req);
    const origin = req.headers.get('origin');
    try {
      requirePost(req);
      const capture = validateIntake(parseJsonText(await readCappedText(req, leadCaptureMaxBytes)), LeadCaptureSchema);
      const email = normalizeEmail(capture.email);
      if (email === null) throw new HttpError(422, 'invalid_email', 'The e-mail address is not valid');
      if (capture.phone !== undefined && capture.phone.trim() !== '' && normalizePhone(capture.phone) === null) {
        throw new HttpError(422, 'invalid_phone', 'The phone number must have 7 to 15 digits, with its country code');
      }
      const requestOrigin = requireOrigin(req);
      const blank = (
        value: string | undefined,
      ) => (value === undefined || value.trim() === '' ? undefined : value.trim());
      const { rows } = await dbPool().query<{ result: { status: string; retry_after?: number } }>(
        'select lead.capture_web_lead($1::jsonb) as result',
        [JSON.stringify({
          site_key: capture.site_key,
          origin: requestOrigin,
          ip_hash: await ipHash(clientIp(req)),
          rate_limit: ratePerMinute,
          session_id: capture.session_id,
          visitor_id: capture.visitor_id,
          email: capture.email.trim(),
          name: blank(capture.name),
          phone: blank(capture.phone),
          company: blank(capture.company),
          message: blank(capture.message),
          form_location: blank(capture.form_location),
          page_url: capture.page_url,
          consent: capture.consent,
          mid: capture.mid,
          website: capture.website,
          is_business_email: isBusinessEmail(email),
        })],
      );
      const result = rows[0].result;
      const refusal = refusalError(result.status);
      if (refusal) throw refusal;
      if (result.status === 'rate_limited') {
        throw new HttpError(429, 'rate_limited', 'Too many submissions from this address; try again shortly', {
          retry_after: Math.max(1, result.retry_after ?? 60),
        });
      }
      const accepted: LeadCaptureAccepted = { status: 'accepted' };
      return Response.json(accepted, { status: 202, headers: intakeHeaders(origin, true) });
    } catch (error) {
      const headers: Record<string, string> = intakeHeaders(origin, false);
      if (error instanceof HttpError && error.status === 405) headers.allow = 'POST, OPTIONS';
      if (error instanceof HttpError && error.status === 429) {
        headers['retry-after'] = String((error.details as { retry_after: number }).retry_after);
      }
      return toErrorResponse(error, headers);
    }
  };
}

export const handler = createLeadCaptureHandler();
