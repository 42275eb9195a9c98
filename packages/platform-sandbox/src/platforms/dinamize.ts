// Dinamize (e-mail marketing, seed 004), served under /dinamize (DINAMIZE_URL=<sandbox>/dinamize).
// Dinamize's shapes are not public here (PLATFORMS.md): the envelope `{ code, code_detail, body }`
// is the one the crm gateway maps in one documented file. Only code 240024 (rate limit, with a
// retry-after in seconds, seed 004) is Dinamize's own; other error codes repeat the HTTP status.
import { json } from '../platform.ts';
import type { Platform, PlatformResponse } from '../platform.ts';

export const dinamizeRateLimitCode = '240024';

function dinamizeAnswer(status: number, code: string, detail: string, body: unknown = {}, headers?: Record<string, string>): PlatformResponse {
  return json(status, { code, code_detail: detail, body }, headers);
}

export const dinamize: Platform = {
  name: 'dinamize',
  envVar: 'DINAMIZE_URL',
  routes: [],
  errors: {
    notFound: (request) => dinamizeAnswer(404, '404', `The sandbox serves no Dinamize route for ${request.method} ${request.path}.`),
    invalidToken: () => dinamizeAnswer(401, '401', 'Invalid or expired auth-token.'),
    rateLimited: (_request, retryAfterSeconds) =>
      dinamizeAnswer(
        429,
        dinamizeRateLimitCode,
        `Request limit exceeded; retry after ${retryAfterSeconds} seconds.`,
        { 'retry-after': retryAfterSeconds },
        { 'retry-after': String(retryAfterSeconds) },
      ),
    serverError: () => dinamizeAnswer(500, '500', 'Internal error; retry later.'),
  },
};
