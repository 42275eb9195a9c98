// LinkedIn Marketing API (Conversions API), served under /linkedin (LINKEDIN_URL=<sandbox>/linkedin).
// Errors are `{ status, serviceErrorCode?, code, message }` with the same HTTP status.
//
// POST /rest/conversionEvents (PLATFORMS.md): headers LinkedIn-Version (YYYYMM),
// X-Restli-Protocol-Version 2.0.0 and a bearer token; one event, or with X-RestLi-Method BATCH_CREATE
// `{ elements: [...] }` (at most 5,000, unverified). A bad element refuses the request with 400 and
// names `elements[i]`; events older than 90 days are refused (unverified, from integrations).
import { randomUUID } from 'node:crypto';
import { isPlainObject, json } from '../platform.ts';
import type { Platform, PlatformRequest, PlatformResponse, Route } from '../platform.ts';

const maxElements = 5000;
const maxAgeMs = 90 * 24 * 60 * 60 * 1000;
const idTypes = ['SHA256_EMAIL', 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID', 'ACXIOM_ID', 'ORACLE_MOAT_ID'];

function conversionEvents(request: PlatformRequest): PlatformResponse {
  if (!/^Bearer\s+\S+$/i.test(request.headers.authorization ?? '')) return linkedin.errors.invalidToken(request);
  if (!/^\d{6}$/.test(String(request.headers['linkedin-version'] ?? ''))) {
    return linkedinError(400, 'VERSION_MISSING', 'A LinkedIn-Version header (YYYYMM) is required.');
  }
  if (request.headers['x-restli-protocol-version'] !== '2.0.0') {
    return linkedinError(400, 'INVALID_PROTOCOL_VERSION', 'X-Restli-Protocol-Version must be 2.0.0.');
  }
  const batch = String(request.headers['x-restli-method'] ?? '').toUpperCase() === 'BATCH_CREATE';
  const body = request.body;
  const elements = batch ? (isPlainObject(body) && Array.isArray(body.elements) ? body.elements : null) : [body];
  if (!elements || elements.length === 0 || elements.length > maxElements) {
    return linkedinError(400, 'INVALID_BODY', `BATCH_CREATE takes { elements: [...] } with 1 to ${maxElements} events.`);
  }
  for (const [index, element] of elements.entries()) {
    const problem = elementProblem(element, request.receivedAt.getTime());
    if (problem) return linkedinError(422, 'UNPROCESSABLE_ENTITY', `${batch ? `elements[${index}]` : 'body'}: ${problem}`);
  }
  if (!batch) return json(201, null, { 'x-restli-id': randomUUID() });
  return json(200, { elements: elements.map(() => ({ status: 201 })) });
}

function elementProblem(element: unknown, nowMs: number): string | null {
  if (!isPlainObject(element)) return 'an event must be an object.';
  if (typeof element.conversion !== 'string' || !/^urn:lla:llaPartnerConversion:\d+$/.test(element.conversion)) {
    return 'conversion must be urn:lla:llaPartnerConversion:{ruleId}.';
  }
  const at = element.conversionHappenedAt;
  if (typeof at !== 'number' || !Number.isInteger(at) || at < 1e12) return 'conversionHappenedAt must be epoch milliseconds.';
  if (at < nowMs - maxAgeMs) return 'conversionHappenedAt is older than 90 days.';
  if (at > nowMs + 3600_000) return 'conversionHappenedAt is in the future.';
  const value = element.conversionValue;
  if (value !== undefined) {
    if (!isPlainObject(value) || typeof value.currencyCode !== 'string' || !/^[A-Z]{3}$/.test(value.currencyCode)
      || typeof value.amount !== 'string' || !/^\d+(\.\d+)?$/.test(value.amount)) {
      return 'conversionValue must be { currencyCode (ISO 4217), amount (decimal string) }.';
    }
  }
  if (element.eventId !== undefined && typeof element.eventId !== 'string') return 'eventId must be a string.';
  const user = element.user;
  if (!isPlainObject(user) || !Array.isArray(user.userIds) || user.userIds.length === 0) return 'user.userIds needs at least one id.';
  for (const id of user.userIds) {
    if (!isPlainObject(id) || !idTypes.includes(id.idType as string) || typeof id.idValue !== 'string' || id.idValue === '') {
      return `each user id needs idType (${idTypes.join(', ')}) and idValue.`;
    }
    if (id.idType === 'SHA256_EMAIL' && !/^[0-9a-f]{64}$/.test(id.idValue)) return 'SHA256_EMAIL must be SHA-256 hex.';
  }
  return null;
}

const routes: Route[] = [{ method: 'POST', path: '/rest/conversionEvents', handler: conversionEvents }];

function linkedinError(status: number, code: string, message: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>): PlatformResponse {
  return json(status, { status, ...extra, code, message }, headers);
}

export const linkedin: Platform = {
  name: 'linkedin',
  envVar: 'LINKEDIN_URL',
  routes,
  errors: {
    notFound: (request) => linkedinError(404, 'NOT_FOUND', `The sandbox serves no LinkedIn route for ${request.method} ${request.path}.`),
    invalidToken: () => linkedinError(401, 'INVALID_ACCESS_TOKEN', 'Invalid or expired access token.', { serviceErrorCode: 65600 }),
    rateLimited: (_request, retryAfterSeconds) =>
      linkedinError(429, 'TOO_MANY_REQUESTS', 'Rate limit reached for this resource.', {}, { 'retry-after': String(retryAfterSeconds) }),
    serverError: () => linkedinError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error; retry later.'),
  },
};
