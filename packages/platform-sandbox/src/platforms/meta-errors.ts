// Meta Graph API error answers: `{ error: { message, type, code, error_subcode?, is_transient?,
// error_user_title?, error_user_msg?, fbtrace_id } }`. Gateways classify on `error.code` (190 token,
// 4/17/341/613 throttling, 100 invalid parameter, 10 and 200–299 permissions), never on the HTTP
// status: Graph answers throttling with 400 (sometimes 403), not 429, and sends no Retry-After.
import { randomBytes } from 'node:crypto';
import { json } from '../platform.ts';
import type { PlatformErrors, PlatformRequest, PlatformResponse } from '../platform.ts';

export type MetaErrorFields = {
  message: string;
  code: number;
  type?: string;
  subcode?: number;
  isTransient?: boolean;
  userTitle?: string;
  userMessage?: string;
};

export function metaError(status: number, fields: MetaErrorFields): PlatformResponse {
  const error: Record<string, unknown> = { message: fields.message, type: fields.type ?? 'OAuthException', code: fields.code };
  if (fields.subcode !== undefined) error.error_subcode = fields.subcode;
  if (fields.isTransient !== undefined) error.is_transient = fields.isTransient;
  if (fields.userTitle !== undefined) error.error_user_title = fields.userTitle;
  if (fields.userMessage !== undefined) error.error_user_msg = fields.userMessage;
  error.fbtrace_id = newTraceId();
  return json(status, { error });
}

/** Meta's support id for a request; opaque, short, URL-safe. */
export function newTraceId(): string {
  return randomBytes(8).toString('base64url');
}

/** Code 100 with the details in the user title/message fields, the way CAPI reports a bad event. */
export function invalidParameter(userTitle: string, userMessage: string, subcode?: number): PlatformResponse {
  return metaError(400, { message: 'Invalid parameter', code: 100, subcode, isTransient: false, userTitle, userMessage });
}

/** Graph reads the token from `?access_token=`, a body field of that name, or `Authorization: Bearer|OAuth`. */
export function accessTokenOf(request: PlatformRequest): string | null {
  const fromQuery = request.query.get('access_token');
  if (fromQuery) return fromQuery;
  const body = request.body;
  if (typeof body === 'object' && body !== null && 'access_token' in body) {
    const fromBody = (body as { access_token: unknown }).access_token;
    if (typeof fromBody === 'string' && fromBody !== '') return fromBody;
  }
  const authorization = request.headers.authorization;
  const fromHeader = authorization ? /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(authorization) : null;
  return fromHeader ? fromHeader[1] : null;
}

export function missingAccessToken(): PlatformResponse {
  return metaError(400, { message: 'An access token is required for this request.', code: 104 });
}

export const metaErrors: PlatformErrors = {
  notFound: (request) =>
    metaError(404, {
      message: `Unsupported ${request.method.toLowerCase()} request: the sandbox serves no Meta route for ${request.path}`,
      type: 'GraphMethodException',
      code: 100,
    }),
  invalidToken: () =>
    metaError(400, { message: 'Error validating access token: the session has expired.', code: 190, subcode: 463 }),
  rateLimited: () => metaError(400, { message: '(#4) Application request limit reached', code: 4, isTransient: true }),
  serverError: () =>
    metaError(500, { message: 'An unexpected error occurred; retry the request later.', code: 2, isTransient: true }),
};
