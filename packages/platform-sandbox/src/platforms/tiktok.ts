// TikTok Events API 2.0 (Business API), served under /tiktok (TIKTOK_URL=<sandbox>/tiktok).
// The Business API wraps every answer in `{ code, message, request_id, data }`, code 0 meaning
// success. Token and throttling refusals come as HTTP 200 with a non-zero code (40105 bad token,
// 40100 too many requests), so a gateway must read `code`, not only the HTTP status; the
// HTTP-200 behaviour is taken from third-party reports, and carries no Retry-After.
//
// POST /open_api/v1.3/event/track/ (PLATFORMS.md): header Access-Token; body { event_source,
// event_source_id, test_event_code?, data: [{ event, event_time (s), event_id?, user, properties?, page? }] }.
// A bad request answers HTTP 200 with code 40002 and the offending `data[i]` in the message (TikTok
// reports parameter errors in the envelope). User e-mail, phone and external_id must be SHA-256 hex,
// as a string or an array of strings (both forms accepted: arrays are unverified). At most 1,000
// events a request (sandbox limit, unverified).
import { randomUUID } from 'node:crypto';
import { isPlainObject, json } from '../platform.ts';
import type { Platform, PlatformRequest, PlatformResponse, Route } from '../platform.ts';

const eventSources = ['web', 'app', 'offline', 'crm'];
const maxEvents = 1000;
const sha256Shape = /^[0-9a-f]{64}$/;

function trackEvents(request: PlatformRequest): PlatformResponse {
  if (!request.headers['access-token']) return tiktokAnswer(200, 40104, 'Access-Token header is required.');
  const problem = batchProblem(request.body, Math.floor(request.receivedAt.getTime() / 1000));
  if (problem) return tiktokAnswer(200, 40002, problem);
  return tiktokAnswer(200, 0, 'OK');
}

function batchProblem(body: unknown, nowSeconds: number): string | null {
  if (!isPlainObject(body)) return 'The body must be a JSON object.';
  if (!eventSources.includes(body.event_source as string)) return `event_source must be one of ${eventSources.join(', ')}.`;
  if (typeof body.event_source_id !== 'string' || body.event_source_id === '') return 'event_source_id (the pixel code) is required.';
  if (body.test_event_code !== undefined && typeof body.test_event_code !== 'string') return 'test_event_code must be a string.';
  if (!Array.isArray(body.data) || body.data.length === 0 || body.data.length > maxEvents) return `data must hold 1 to ${maxEvents} events.`;
  for (const [index, event] of body.data.entries()) {
    const problem = eventProblem(event, nowSeconds);
    if (problem) return `data[${index}]: ${problem}`;
  }
  return null;
}

function eventProblem(event: unknown, nowSeconds: number): string | null {
  if (!isPlainObject(event)) return 'each event must be an object.';
  if (typeof event.event !== 'string' || event.event === '') return 'event is required.';
  if (typeof event.event_time !== 'number' || !Number.isInteger(event.event_time)) return 'event_time must be Unix seconds.';
  if (event.event_time > nowSeconds + 3600) return 'event_time is in the future (milliseconds instead of seconds?).';
  if (event.event_id !== undefined && typeof event.event_id !== 'string') return 'event_id must be a string.';
  if (!isPlainObject(event.user)) return 'user is required.';
  for (const key of ['email', 'phone', 'external_id']) {
    const value = event.user[key];
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    if (!values.every((v) => typeof v === 'string' && sha256Shape.test(v))) return `user.${key} must be SHA-256 hex.`;
  }
  for (const key of ['ttclid', 'ttp', 'ip', 'user_agent']) {
    if (event.user[key] !== undefined && typeof event.user[key] !== 'string') return `user.${key} must be a string.`;
  }
  const properties = event.properties;
  if (properties !== undefined) {
    if (!isPlainObject(properties)) return 'properties must be an object.';
    if (properties.value !== undefined && !(typeof properties.value === 'number' && properties.value >= 0)) return 'properties.value must be a non-negative number.';
    if (properties.currency !== undefined && !(typeof properties.currency === 'string' && /^[A-Z]{3}$/.test(properties.currency))) return 'properties.currency must be an ISO 4217 code.';
    if ((properties.value === undefined) !== (properties.currency === undefined)) return 'properties.value and properties.currency go together.';
  }
  return null;
}

const routes: Route[] = [{ method: 'POST', path: '/open_api/v1.3/event/track/', handler: trackEvents }];

function tiktokAnswer(status: number, code: number, message: string): PlatformResponse {
  return json(status, { code, message, request_id: randomUUID().replaceAll('-', ''), data: {} });
}

export const tiktok: Platform = {
  name: 'tiktok',
  envVar: 'TIKTOK_URL',
  routes,
  errors: {
    notFound: (request) => tiktokAnswer(404, 40002, `The sandbox serves no TikTok route for ${request.method} ${request.path}.`),
    invalidToken: () => tiktokAnswer(200, 40105, 'The access token is incorrect or has been revoked.'),
    rateLimited: (_request, retryAfterSeconds) =>
      tiktokAnswer(200, 40100, `Too many requests; try again in ${retryAfterSeconds} seconds.`),
    serverError: () => tiktokAnswer(500, 50000, 'System error; retry later.'),
  },
};
