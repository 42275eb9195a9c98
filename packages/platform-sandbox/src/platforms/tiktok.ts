// TikTok Events API 2.0 (Business API), served under /tiktok (TIKTOK_URL=<sandbox>/tiktok).
// The Business API wraps every answer in `{ code, message, request_id, data }`, code 0 meaning
// success. Token and throttling refusals come as HTTP 200 with a non-zero code (40105 bad token,
// 40100 too many requests), so a gateway must read `code`, not only the HTTP status; the
// HTTP-200 behaviour is taken from third-party reports, and carries no Retry-After.
import { randomUUID } from 'node:crypto';
import { json } from '../platform.ts';
import type { Platform, PlatformResponse } from '../platform.ts';

function tiktokAnswer(status: number, code: number, message: string): PlatformResponse {
  return json(status, { code, message, request_id: randomUUID().replaceAll('-', ''), data: {} });
}

export const tiktok: Platform = {
  name: 'tiktok',
  envVar: 'TIKTOK_URL',
  routes: [],
  errors: {
    notFound: (request) => tiktokAnswer(404, 40002, `The sandbox serves no TikTok route for ${request.method} ${request.path}.`),
    invalidToken: () => tiktokAnswer(200, 40105, 'The access token is incorrect or has been revoked.'),
    rateLimited: (_request, retryAfterSeconds) =>
      tiktokAnswer(200, 40100, `Too many requests; try again in ${retryAfterSeconds} seconds.`),
    serverError: () => tiktokAnswer(500, 50000, 'System error; retry later.'),
  },
};
