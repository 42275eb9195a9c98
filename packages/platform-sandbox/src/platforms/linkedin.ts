// LinkedIn Marketing API (Conversions API), served under /linkedin (LINKEDIN_URL=<sandbox>/linkedin).
// Errors are `{ status, serviceErrorCode?, code, message }` with the same HTTP status.
import { json } from '../platform.ts';
import type { Platform, PlatformResponse } from '../platform.ts';

function linkedinError(status: number, code: string, message: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>): PlatformResponse {
  return json(status, { status, ...extra, code, message }, headers);
}

export const linkedin: Platform = {
  name: 'linkedin',
  envVar: 'LINKEDIN_URL',
  routes: [],
  errors: {
    notFound: (request) => linkedinError(404, 'NOT_FOUND', `The sandbox serves no LinkedIn route for ${request.method} ${request.path}.`),
    invalidToken: () => linkedinError(401, 'INVALID_ACCESS_TOKEN', 'Invalid or expired access token.', { serviceErrorCode: 65600 }),
    rateLimited: (_request, retryAfterSeconds) =>
      linkedinError(429, 'TOO_MANY_REQUESTS', 'Rate limit reached for this resource.', {}, { 'retry-after': String(retryAfterSeconds) }),
    serverError: () => linkedinError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error; retry later.'),
  },
};
