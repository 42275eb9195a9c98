// A company's own conversion service (seed 000's external micro-service), served under
// /conversion-service: the destination of Rastro's signed conversion webhook. Not a real platform; it
// enforces Rastro's own webhook contract (docs/decisions/0011-conversions.md):
//   POST /conversions  body { conversions: [...] } (1–1,000), header
//   X-Rastro-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the shared secret>
// → 202 { accepted, reference }. A missing or malformed signature is refused with 401; once a test has
// registered the secret (control POST /secret { secret }) a wrong one is refused too.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { isPlainObject, json } from '../platform.ts';
import type { Platform, PlatformRequest, PlatformResponse } from '../platform.ts';

function serviceError(status: number, code: string, message: string, headers?: Record<string, string>): PlatformResponse {
  return json(status, { error: { code, message } }, headers);
}

export function createConversionService(): Platform {
  let secret: string | null = null;

  function receive(request: PlatformRequest): PlatformResponse {
    const header = String(request.headers['x-rastro-signature'] ?? '');
    const parts = /^t=(\d{9,11}),v1=([0-9a-f]{64})$/.exec(header);
    if (!parts) return serviceError(401, 'signature_missing', 'X-Rastro-Signature: t=<seconds>,v1=<hex HMAC-SHA256> is required.');
    if (secret !== null) {
      const expected = createHmac('sha256', secret).update(`${parts[1]}.${request.rawBody}`).digest();
      if (!timingSafeEqual(expected, Buffer.from(parts[2], 'hex'))) return serviceError(401, 'signature_invalid', 'The signature does not match.');
    }
    const body = request.body;
    if (!isPlainObject(body) || !Array.isArray(body.conversions) || body.conversions.length === 0 || body.conversions.length > 1000) {
      return serviceError(400, 'invalid_body', 'The body must be { conversions: [...] } with 1 to 1,000 conversions.');
    }
    for (const [index, conversion] of body.conversions.entries()) {
      if (!isPlainObject(conversion) || typeof conversion.delivery_id !== 'string' || typeof conversion.event_id !== 'string') {
        return serviceError(400, 'invalid_conversion', `conversions[${index}] needs delivery_id and event_id.`);
      }
    }
    return json(202, { accepted: body.conversions.length, reference: randomUUID() });
  }

  return {
    name: 'conversion-service',
    envVar: 'CONVERSION_SERVICE_URL',
    routes: [{ method: 'POST', path: '/conversions', handler: receive }],
    errors: {
      notFound: (request) => serviceError(404, 'not_found', `No route for ${request.method} ${request.path}.`),
      invalidToken: () => serviceError(401, 'signature_invalid', 'The signature does not match.'),
      rateLimited: (_request, retryAfterSeconds) =>
        serviceError(429, 'rate_limited', 'Slow down.', { 'retry-after': String(retryAfterSeconds) }),
      serverError: () => serviceError(503, 'unavailable', 'The conversion service is unavailable.'),
    },
    control: {
      '/secret': {
        POST: (input) => {
          if (!isPlainObject(input) || typeof input.secret !== 'string' || input.secret.length < 32) {
            return json(422, { error: { code: 'invalid_secret', message: 'POST { secret } of 32 characters or more' } });
          }
          secret = input.secret;
          return json(200, { ok: true });
        },
        DELETE: () => {
          secret = null;
          return json(200, { ok: true });
        },
      },
    },
  };
}
