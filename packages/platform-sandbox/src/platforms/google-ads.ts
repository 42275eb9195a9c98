// Google Ads API (REST), served under /google-ads (GOOGLE_ADS_URL=<sandbox>/google-ads).
// Errors use Google's `{ error: { code, message, status, details } }` (google.rpc.Status); quota
// errors also carry a google.rpc.RetryInfo detail, and the sandbox adds a Retry-After header.
import { randomUUID } from 'node:crypto';
import { json } from '../platform.ts';
import type { Platform, PlatformResponse } from '../platform.ts';

function googleError(code: number, status: string, message: string, details?: unknown[], headers?: Record<string, string>): PlatformResponse {
  const error: Record<string, unknown> = { code, message, status };
  if (details) error.details = details;
  return json(code, { error }, headers);
}

/** The API version the caller used (`/v20/customers/…`); Google names its error types after it. */
function apiVersionOf(path: string): string {
  return /^\/(v\d+)\//.exec(path)?.[1] ?? 'v20';
}

export const googleAds: Platform = {
  name: 'google-ads',
  envVar: 'GOOGLE_ADS_URL',
  routes: [],
  errors: {
    notFound: (request) => googleError(404, 'NOT_FOUND', `The sandbox serves no Google Ads route for ${request.method} ${request.path}.`),
    invalidToken: () =>
      googleError(401, 'UNAUTHENTICATED', 'The request carries no valid OAuth 2 access token (missing, invalid or expired).'),
    rateLimited: (request, retryAfterSeconds) =>
      googleError(
        429,
        'RESOURCE_EXHAUSTED',
        'Too many requests; retry after the given delay.',
        [
          {
            '@type': `type.googleapis.com/google.ads.googleads.${apiVersionOf(request.path)}.errors.GoogleAdsFailure`,
            errors: [{ errorCode: { quotaError: 'RESOURCE_TEMPORARILY_EXHAUSTED' }, message: 'Too many requests.' }],
            requestId: randomUUID(),
          },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryAfterSeconds}s` },
        ],
        { 'retry-after': String(retryAfterSeconds) },
      ),
    serverError: () => googleError(500, 'INTERNAL', 'Internal error encountered.'),
  },
};
