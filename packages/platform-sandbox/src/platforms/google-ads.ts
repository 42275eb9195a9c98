// Google Ads API (REST), served under /google-ads (GOOGLE_ADS_URL=<sandbox>/google-ads).
// Errors use Google's `{ error: { code, message, status, details } }` (google.rpc.Status); quota
// errors also carry a google.rpc.RetryInfo detail, and the sandbox adds a Retry-After header.
//
// POST /{version}/customers/{customerId}:uploadClickConversions (PLATFORMS.md): OAuth bearer and
// `developer-token` headers, `{ conversions: [...], partialFailure: true }` with 1–2,000 conversions.
// A malformed request is refused whole (400 INVALID_ARGUMENT); a bad conversion is a partial failure:
// HTTP 200, its `results[i]` empty and a `partialFailureError` whose details point at `conversions[i]`.
// Sandbox-only rule (no platform documents it): a gclid starting with "INVALID" is refused as
// UNPARSEABLE_GCLID, so tests can provoke a partial failure with an otherwise valid conversion.
import { randomUUID } from 'node:crypto';
import { isPlainObject, json } from '../platform.ts';
import type { Platform, PlatformRequest, PlatformResponse, Route } from '../platform.ts';

export const maxClickConversionsPerRequest = 2000;
const conversionDateTimeShape = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}:\d{2}$/;
const sha256Shape = /^[0-9a-f]{64}$/;

type ConversionProblem = { index: number; errorCode: Record<string, string>; message: string; field?: string };

function failure(version: string, errors: unknown[]): Record<string, unknown> {
  return {
    '@type': `type.googleapis.com/google.ads.googleads.${version}.errors.GoogleAdsFailure`,
    errors,
    requestId: randomUUID(),
  };
}

function invalidArgument(version: string, errorCode: Record<string, string>, message: string): PlatformResponse {
  return googleError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', [failure(version, [{ errorCode, message }])]);
}

function uploadClickConversions(request: PlatformRequest): PlatformResponse {
  const version = apiVersionOf(request.path);
  const { customerId } = request.params;
  if (!/^v\d+$/.test(request.params.version)) return googleAds.errors.notFound(request);
  if (!/^Bearer\s+\S+$/i.test(request.headers.authorization ?? '')) return googleAds.errors.invalidToken(request);
  if (!request.headers['developer-token']) {
    return invalidArgument(version, { authenticationError: 'DEVELOPER_TOKEN_PARAMETER_MISSING' }, 'The developer-token header is required.');
  }
  const loginCustomerId = request.headers['login-customer-id'];
  if (loginCustomerId !== undefined && !/^\d{10}$/.test(String(loginCustomerId))) {
    return invalidArgument(version, { authenticationError: 'LOGIN_CUSTOMER_ID_PARAMETER_INVALID' }, 'login-customer-id must be 10 digits.');
  }
  if (!/^\d{10}$/.test(customerId)) {
    return invalidArgument(version, { requestError: 'INVALID_CUSTOMER_ID' }, `Invalid customer id '${customerId}'.`);
  }
  const body = request.body;
  if (!isPlainObject(body) || !Array.isArray(body.conversions)) {
    return invalidArgument(version, { requestError: 'BAD_RESOURCE_ID' }, 'The body must be { conversions: [...], partialFailure: true }.');
  }
  if (body.partialFailure !== true) {
    return invalidArgument(version, { requestError: 'INVALID_INPUT' }, 'partialFailure must be true for uploadClickConversions.');
  }
  const conversions = body.conversions as unknown[];
  if (conversions.length === 0 || conversions.length > maxClickConversionsPerRequest) {
    return invalidArgument(version, { requestError: 'TOO_MANY_OPERATIONS' }, `1 to ${maxClickConversionsPerRequest} conversions per request.`);
  }
  const problems = conversions.flatMap((conversion, index) => {
    const problem = conversionProblem(conversion, customerId);
    return problem ? [{ ...problem, index }] : [];
  });
  const failedIndexes = new Set(problems.map((p) => p.index));
  const results = conversions.map((conversion, index) => {
    if (failedIndexes.has(index)) return {};
    const c = conversion as Record<string, unknown>;
    const clickId = ['gclid', 'gbraid', 'wbraid'].find((key) => typeof c[key] === 'string') as string;
    return { [clickId]: c[clickId], conversionAction: c.conversionAction, conversionDateTime: c.conversionDateTime };
  });
  const answer: Record<string, unknown> = { results, jobId: String(Date.now()) };
  if (problems.length > 0) {
    answer.partialFailureError = {
      code: 3,
      message: problems.map((p) => `${p.message}, at conversions[${p.index}]${p.field ? `.${p.field}` : ''}`).join(', '),
      details: [
        failure(version, problems.map((p) => ({
          errorCode: p.errorCode,
          message: p.message,
          location: {
            fieldPathElements: [{ fieldName: 'conversions', index: p.index }, ...(p.field ? [{ fieldName: p.field }] : [])],
          },
        }))),
      ],
    };
  }
  return json(200, answer);
}

function conversionProblem(conversion: unknown, customerId: string): Omit<ConversionProblem, 'index'> | null {
  if (!isPlainObject(conversion)) return { errorCode: { requestError: 'INVALID_INPUT' }, message: 'A conversion must be an object.' };
  const clickIds = ['gclid', 'gbraid', 'wbraid'].filter((key) => conversion[key] !== undefined);
  if (clickIds.length !== 1 || typeof conversion[clickIds[0]] !== 'string' || conversion[clickIds[0]] === '') {
    return { errorCode: { conversionUploadError: 'INVALID_CONVERSION_ACTION_TYPE' }, message: 'Exactly one of gclid, gbraid or wbraid is required.', field: 'gclid' };
  }
  if (String(conversion[clickIds[0]]).startsWith('INVALID')) {
    return { errorCode: { conversionUploadError: 'UNPARSEABLE_GCLID' }, message: 'The click id could not be decoded.', field: clickIds[0] };
  }
  const action = conversion.conversionAction;
  if (typeof action !== 'string' || !new RegExp(`^customers/${customerId}/conversionActions/\\d+$`).test(action)) {
    return { errorCode: { conversionUploadError: 'INVALID_CONVERSION_ACTION' }, message: `conversionAction must be customers/${customerId}/conversionActions/{id}.`, field: 'conversion_action' };
  }
  if (typeof conversion.conversionDateTime !== 'string' || !conversionDateTimeShape.test(conversion.conversionDateTime)) {
    return { errorCode: { dateError: 'INVALID_STRING_DATE_TIME_SECONDS_WITH_OFFSET' }, message: 'conversionDateTime must be "yyyy-mm-dd hh:mm:ss+hh:mm" (the time zone is required).', field: 'conversion_date_time' };
  }
  const when = Date.parse(conversion.conversionDateTime.replace(' ', 'T'));
  if (!Number.isFinite(when) || when > Date.now() + 10 * 60 * 1000) {
    return { errorCode: { conversionUploadError: 'CONVERSION_PRECEDES_EVENT' }, message: 'conversionDateTime is not a valid past date-time.', field: 'conversion_date_time' };
  }
  if (conversion.conversionValue !== undefined && !(typeof conversion.conversionValue === 'number' && Number.isFinite(conversion.conversionValue) && conversion.conversionValue >= 0)) {
    return { errorCode: { fieldError: 'INVALID_VALUE' }, message: 'conversionValue must be a non-negative number.', field: 'conversion_value' };
  }
  if (conversion.currencyCode !== undefined && !(typeof conversion.currencyCode === 'string' && /^[A-Z]{3}$/.test(conversion.currencyCode))) {
    return { errorCode: { conversionUploadError: 'INVALID_CURRENCY_CODE' }, message: 'currencyCode must be an ISO 4217 code.', field: 'currency_code' };
  }
  if (conversion.orderId !== undefined && typeof conversion.orderId !== 'string') {
    return { errorCode: { fieldError: 'INVALID_VALUE' }, message: 'orderId must be a string.', field: 'order_id' };
  }
  const identifiers = conversion.userIdentifiers;
  if (identifiers !== undefined) {
    if (!Array.isArray(identifiers) || identifiers.length > 5) {
      return { errorCode: { collectionSizeError: 'TOO_MANY' }, message: 'At most 5 userIdentifiers.', field: 'user_identifiers' };
    }
    for (const identifier of identifiers) {
      const value = isPlainObject(identifier) ? identifier.hashedEmail ?? identifier.hashedPhoneNumber : undefined;
      if (typeof value !== 'string' || !sha256Shape.test(value)) {
        return { errorCode: { offlineUserDataJobError: 'INVALID_SHA256_FORMAT' }, message: 'userIdentifiers must carry a lowercase hex SHA-256 hashedEmail or hashedPhoneNumber.', field: 'user_identifiers' };
      }
    }
  }
  return null;
}

const routes: Route[] = [
  { method: 'POST', path: '/{version}/customers/{customerId}:uploadClickConversions', handler: uploadClickConversions },
];

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
  routes,
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
