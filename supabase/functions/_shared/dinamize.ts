// The one place that knows how Dinamize's API looks. Everything else talks in our terms
// (credentials, a contact, "push this lead", "contacts inserted since") and gets typed results.
//
// Base URL: env DINAMIZE_URL (the local stack points it at the platform sandbox), default
// https://api.dinamize.com. Why each shape is believed to be right: docs/decisions/0002-dinamize-gateway.md.
//
// Documented (Dinamize's reference at panel.dinamize.com/apidoc, via third-party summaries; seed 004):
//   Every call: POST, `content-type: application/json; charset=utf-8`, JSON body. Every answer the API
//   gives: HTTP 200 and `{ code, code_detail, body, request_unique, warning }`; code "480001" = success.
//   POST /auth                 { user, password, client_code }          → body { "auth-token", manager }
//     refusals: 240002 no password, 240003 no user, 240004 wrong user/password, 240029 bad client code
//     The token goes back in the `auth-token` header. It dies after 1 h without use or 24 h after
//     issue; there is no refresh call: authenticate again.
//   POST /emkt/contact/add     { "contact-list_code", email, name?, external_code?, custom_fields? }
//                                                                       → body { code }
//   POST /emkt/contact/update  { contact_code, "contact-list_code", email?, name?, external_code?, custom_fields? }
//   POST /emkt/contact/search  { "contact-list_code", page_number, page_size (≤ 10000),
//                                search: [{ field, operator, value }], order: [{ field, type }] }
//                                                                       → body { next, items: [{ code, email, name, external_code, insert_date, custom_fields, … }] }
//     Codes and page numbers are sent as digit strings, as in the reference's examples.
//     Dates are "YYYY-MM-DD HH:MM:SS"; `insert_date` takes <, >, <=, >=.
//   Rate limit (60 calls a minute): code 240024 with body { "retry-after": "17" } (seconds, a string).
//
// Assumed (seen in no client that ran against Dinamize; kept in `assumedCodes` below, the one place):
//   - The gateway never depends on them: any non-success answer it does not recognise to a call that
//     needs a token is logged (integrations_log: code, outcome "unrecognised"), answered by signing in
//     again and repeating the call once; only then is it a failure. Add-or-update searches the e-mail
//     first, so a duplicate never depends on a "409".
//   - HTTP 5xx, a body that is not the envelope, a network error: a server failure (retried later).
//     HTTP 429 with Retry-After is read as a rate limit too, in case a proxy answers for Dinamize.
//   - Dates are Brasília time (UTC−03:00, no daylight saving time since 2019).
//   The token is opaque (real ones look like 12345.123456.12.<48 base64 characters>; never checked),
//   and `code_detail` ("Sucesso" for real clients) is only ever shown, never parsed.

// The contracts name the same assumed codes (the console words the check's findings by these names).
import type { DinamizeAssumedCodeName } from '@rastro/contracts';

/** Codes seen in real clients' answers (success) and in the reference's auth section. */
export const dinamizeCodes = {
  success: '480001',
  passwordRequired: '240002',
  userRequired: '240003',
  invalidCredentials: '240004',
  invalidClientCode: '240029',
} as const;

/**
 * Codes we only assume (from one written survey whose real credentials were still pending). Each is
 * a shortcut: when Dinamize answers something else, the generic path (sign in again, repeat once;
 * search the e-mail) still gets the contact right. Correct them here, and in decision 0002, when a
 * real account shows otherwise (`POST /integrations/test` reports which ones it met).
 */
export const assumedCodes = {
  /** Assumed: rate limit, with body["retry-after"] in seconds (a string in the survey; numbers accepted). */
  rateLimited: '240024',
  /** Assumed: missing, unknown or expired token (HTTP 401/403 read the same way). */
  invalidToken: '401',
  /** Assumed: the contact code is not in the list (update → search the e-mail, then add). */
  contactNotFound: '404',
  /** Assumed: the e-mail is already in the list (add → search the e-mail and update that contact). */
  duplicateEmail: '409',
  /** Assumed: malformed request (permanent, not repeated). */
  invalidRequest: '400',
} as const satisfies Record<DinamizeAssumedCodeName, string>;

const credentialCodes: readonly string[] = [
  dinamizeCodes.passwordRequired,
  dinamizeCodes.userRequired,
  dinamizeCodes.invalidCredentials,
  dinamizeCodes.invalidClientCode,
];

export const defaultDinamizeUrl = 'https://api.dinamize.com';
const defaultTimeoutMs = 10_000;
const defaultRetryAfterSeconds = 60;
const maxRetryAfterSeconds = 3600;
// Renew a little before Dinamize would drop the token (1 h idle, 24 h of age).
const tokenIdleLimitMs = 55 * 60 * 1000;
const tokenAgeLimitMs = 23 * 60 * 60 * 1000;
export const maxPageSize = 10_000;

export type DinamizeCredentials = { user: string; password: string; clientCode: string };

/** A contact in our terms. `customFields` keys are Dinamize field codes (cmp4, cmp5, …). */
export type DinamizeContactInput = {
  email: string;
  name?: string | null;
  externalCode?: string | null;
  customFields?: Record<string, string>;
};

export type DinamizeContact = {
  code: string;
  email: string;
  name: string;
  externalCode: string;
  insertedAt: Date | null;
  customFields: Record<string, unknown>;
};

export type DinamizeFailureKind =
  | 'auth_failed'
  | 'token_expired'
  | 'server_error'
  | 'invalid_request'
  | 'timeout'
  | 'not_found'
  | 'duplicate'
  /** A non-success code that is neither documented nor assumed. */
  | 'unrecognised';

export type DinamizeFailure =
  | { ok: false; kind: 'rate_limited'; retryAfterSeconds: number; code: string | null; detail: string }
  | { ok: false; kind: DinamizeFailureKind; code: string | null; detail: string; httpStatus: number | null };

export type DinamizeResult<T extends object = Record<never, never>> = ({ ok: true } & T) | DinamizeFailure;

export type DinamizeOperation = 'auth' | 'contact_add' | 'contact_update' | 'contact_search';

/** One HTTP exchange, redacted (no password, no token, masked e-mails), for ops.integrations_log. */
export type DinamizeCall = {
  operation: DinamizeOperation;
  path: string;
  httpStatus: number | null;
  code: string | null;
  outcome: 'ok' | 'rate_limited' | DinamizeFailureKind;
  durationMs: number;
  request: Record<string, unknown>;
  detail: string | null;
};

export type DinamizeClientOptions = {
  baseUrl?: string;
  timeoutMs?: number;
  /** Called after every HTTP exchange with its redacted record. */
  onCall?: (call: DinamizeCall) => void;
};

export type DinamizeClient = {
  /** Authenticates now (replacing any cached token): "do these credentials work?". */
  authenticate(): Promise<DinamizeResult>;
  addContact(listCode: string, contact: DinamizeContactInput): Promise<DinamizeResult<{ contactCode: string }>>;
  updateContact(listCode: string, contactCode: string, contact: DinamizeContactInput): Promise<DinamizeResult>;
  findContactByEmail(listCode: string, email: string): Promise<DinamizeResult<{ contact: DinamizeContact | null }>>;
  searchContactsInsertedSince(
    listCode: string,
    since: Date | null,
    page: number,
    pageSize: number,
  ): Promise<DinamizeResult<{ contacts: DinamizeContact[]; hasMore: boolean }>>;
  /**
   * Makes Dinamize hold this contact, idempotently: updates `knownCode` when given; otherwise (or
   * when that update is refused as an unknown contact or with an unrecognised code) searches the
   * e-mail and updates the contact found, adding only when none has it. A message delivered twice
   * therefore never creates two contacts, whatever code Dinamize gives a duplicate.
   */
  pushContact(
    listCode: string,
    contact: DinamizeContactInput,
    knownCode: string | null,
  ): Promise<DinamizeResult<{ contactCode: string; operation: 'added' | 'updated' }>>;
};

export type Envelope = { code: string; code_detail: string; body: unknown };
export type Exchange = { ok: true; body: unknown } | DinamizeFailure;

export function createDinamizeClient(
  credentials: DinamizeCredentials,
  options: DinamizeClientOptions = {},
): DinamizeClient {
  const baseUrl = (options.baseUrl ?? Deno.env.get('DINAMIZE_URL') ?? defaultDinamizeUrl).replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  let token: { value: string; obtainedAt: number; lastUsedAt: number } | null = null;

  async function exchange(
    operation: DinamizeOperation,
    path: string,
    payload: Record<string, unknown>,
    authToken?: string,
  ): Promise<Exchange> {
    const started = performance.now();
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      accept: 'application/json',
    };
    if (authToken) headers['auth-token'] = authToken;
    let result: Exchange;
    let httpStatus: number | null = null;
    try {
      const response = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(timeoutMs),
      });
      httpStatus = response.status;
      const text = await response.text();
      result = classify(response.status, response.headers, parseEnvelope(text), operation === 'auth');
    } catch (error) {
      result = transportFailure(error, timeoutMs);
    }
    options.onCall?.({
      operation,
      path,
      httpStatus,
      code: result.ok ? dinamizeCodes.success : result.code,
      outcome: result.ok ? 'ok' : result.kind,
      durationMs: Math.round(performance.now() - started),
      request: redactRequest(payload),
      detail: result.ok ? null : result.detail,
    });
    return result;
  }

  async function authenticate(): Promise<DinamizeResult> {
    token = null;
    const answer = await exchange('auth', '/auth', {
      user: credentials.user,
      password: credentials.password,
      client_code: credentials.clientCode,
    });
    if (!answer.ok) return answer;
    const value = isRecord(answer.body) ? answer.body['auth-token'] : undefined;
    if (typeof value !== 'string' || value === '') {
      return failure('server_error', dinamizeCodes.success, 'the auth answer carried no auth-token', null);
    }
    const now = Date.now();
    token = { value, obtainedAt: now, lastUsedAt: now };
    return { ok: true };
  }

  function tokenIsFresh(now: number): boolean {
    return token !== null && now - token.lastUsedAt < tokenIdleLimitMs && now - token.obtainedAt < tokenAgeLimitMs;
  }

  async function withToken(
    operation: DinamizeOperation,
    path: string,
    payload: Record<string, unknown>,
  ): Promise<Exchange> {
    if (token === null || !tokenIsFresh(Date.now())) {
      const auth = await authenticate();
      if (!auth.ok) return auth;
    }
    const current = token!;
    current.lastUsedAt = Date.now();
    return await exchange(operation, path, payload, current.value);
  }

  /**
   * A call with a valid token: authenticates first when needed, and once more when the answer is a
   * refused token or a code we do not recognise (an expired token may answer with any code): the
   * call is repeated once with the new token before its failure is reported.
   */
  async function authorised(
    operation: DinamizeOperation,
    path: string,
    payload: Record<string, unknown>,
  ): Promise<Exchange> {
    const first = await withToken(operation, path, payload);
    if (first.ok || (first.kind !== 'token_expired' && first.kind !== 'unrecognised')) return first;
    token = null;
    return await withToken(operation, path, payload);
  }

  async function addContact(
    listCode: string,
    contact: DinamizeContactInput,
  ): Promise<DinamizeResult<{ contactCode: string }>> {
    const answer = await authorised('contact_add', '/emkt/contact/add', {
      'contact-list_code': listCode,
      ...contactFields(contact),
    });
    if (!answer.ok) return answer;
    const code = isRecord(answer.body) ? answer.body.code : undefined;
    if (typeof code !== 'string' && typeof code !== 'number') {
      return failure('server_error', dinamizeCodes.success, 'the add answer carried no contact code', null);
    }
    return { ok: true, contactCode: String(code) };
  }

  async function updateContact(
    listCode: string,
    contactCode: string,
    contact: DinamizeContactInput,
  ): Promise<DinamizeResult> {
    const answer = await authorised('contact_update', '/emkt/contact/update', {
      contact_code: contactCode,
      'contact-list_code': listCode,
      ...contactFields(contact),
    });
    return answer.ok ? { ok: true } : answer;
  }

  async function search(
    listCode: string,
    criteria: { field: string; operator: string; value: string }[],
    page: number,
    pageSize: number,
  ): Promise<DinamizeResult<{ contacts: DinamizeContact[]; hasMore: boolean }>> {
    if (!Number.isInteger(page) || page < 1 || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > maxPageSize) {
      throw new RangeError(`page must be ≥ 1 and pageSize from 1 to ${maxPageSize}`);
    }
    const answer = await authorised('contact_search', '/emkt/contact/search', {
      'contact-list_code': listCode,
      page_number: String(page),
      page_size: String(pageSize),
      search: criteria,
      // Code breaks ties on the date, so a pull's (insert date, code) keyset pages deterministically.
      order: [{ field: 'insert_date', type: 'ASC' }, { field: 'code', type: 'ASC' }],
    });
    if (!answer.ok) return answer;
    const body = isRecord(answer.body) ? answer.body : {};
    if (!Array.isArray(body.items)) {
      return failure('server_error', dinamizeCodes.success, 'the search answer carried no items', null);
    }
    const contacts = body.items.filter(isRecord).map(toContact).filter((contact): contact is DinamizeContact =>
      contact !== null
    );
    return { ok: true, contacts, hasMore: body.next === true };
  }

  async function findContactByEmail(
    listCode: string,
    email: string,
  ): Promise<DinamizeResult<{ contact: DinamizeContact | null }>> {
    const found = await search(listCode, [{ field: 'email', operator: '=', value: email }], 1, 1);
    if (!found.ok) return found;
    return { ok: true, contact: found.contacts[0] ?? null };
  }

  /** Updates the contact that holds this e-mail (searched unless `found` is given), or adds one when none does. */
  async function addOrUpdateByEmail(
    listCode: string,
    contact: DinamizeContactInput,
    found?: DinamizeResult<{ contact: DinamizeContact | null }>,
  ): Promise<DinamizeResult<{ contactCode: string; operation: 'added' | 'updated' }>> {
    const existing = found ?? await findContactByEmail(listCode, contact.email);
    if (!existing.ok) return existing;
    if (existing.contact) {
      const updated = await updateContact(listCode, existing.contact.code, contact);
      return updated.ok ? { ok: true, contactCode: existing.contact.code, operation: 'updated' } : updated;
    }
    const added = await addContact(listCode, contact);
    if (added.ok) return { ok: true, contactCode: added.contactCode, operation: 'added' };
    if (added.kind !== 'duplicate' && added.kind !== 'unrecognised') return added;
    // Someone added the e-mail between our search and our add: update what is there now.
    const raced = await findContactByEmail(listCode, contact.email);
    if (!raced.ok || !raced.contact) return raced.ok ? added : raced;
    const updated = await updateContact(listCode, raced.contact.code, contact);
    return updated.ok ? { ok: true, contactCode: raced.contact.code, operation: 'updated' } : updated;
  }

  async function pushContact(
    listCode: string,
    contact: DinamizeContactInput,
    knownCode: string | null,
  ): Promise<DinamizeResult<{ contactCode: string; operation: 'added' | 'updated' }>> {
    if (knownCode === null) return await addOrUpdateByEmail(listCode, contact);
    const updated = await updateContact(listCode, knownCode, contact);
    if (updated.ok) return { ok: true, contactCode: knownCode, operation: 'updated' };
    if (updated.kind !== 'not_found' && updated.kind !== 'unrecognised') return updated;
    // The code may be gone (or the e-mail belong to another contact now): go by the e-mail.
    const existing = await findContactByEmail(listCode, contact.email);
    if (!existing.ok) return existing;
    if (existing.contact?.code === knownCode) return updated;
    return await addOrUpdateByEmail(listCode, contact, existing);
  }

  return {
    authenticate,
    addContact,
    updateContact,
    findContactByEmail,
    searchContactsInsertedSince: (listCode, since, page, pageSize) =>
      search(
        listCode,
        since ? [{ field: 'insert_date', operator: '>=', value: formatDinamizeDate(since) }] : [],
        page,
        pageSize,
      ),
    pushContact,
  };
}

function contactFields(contact: DinamizeContactInput): Record<string, unknown> {
  const fields: Record<string, unknown> = { email: contact.email };
  if (contact.name) fields.name = contact.name;
  if (contact.externalCode) fields.external_code = contact.externalCode;
  if (contact.customFields && Object.keys(contact.customFields).length > 0) fields.custom_fields = contact.customFields;
  return fields;
}

function toContact(item: Record<string, unknown>): DinamizeContact | null {
  const code = item.code;
  if ((typeof code !== 'string' && typeof code !== 'number') || typeof item.email !== 'string') return null;
  return {
    code: String(code),
    email: item.email,
    name: typeof item.name === 'string' ? item.name : '',
    externalCode: typeof item.external_code === 'string' ? item.external_code : '',
    insertedAt: typeof item.insert_date === 'string' ? parseDinamizeDate(item.insert_date) : null,
    customFields: isRecord(item.custom_fields) ? item.custom_fields : {},
  };
}

function parseEnvelope(text: string): Envelope | null {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isRecord(parsed) || (typeof parsed.code !== 'string' && typeof parsed.code !== 'number')) return null;
    return {
      code: String(parsed.code),
      code_detail: typeof parsed.code_detail === 'string' ? parsed.code_detail : '',
      body: parsed.body,
    };
  } catch {
    return null;
  }
}

/** Turns one answer into our terms; on the auth call a token refusal means the credentials failed. */
export function classify(status: number, headers: Headers, envelope: Envelope | null, isAuthCall: boolean): Exchange {
  const code = envelope?.code ?? null;
  const detail = envelope?.code_detail || `HTTP ${status}`;
  if (status >= 500) return failure('server_error', code, detail, status);
  if (status === 429 || code === assumedCodes.rateLimited) {
    return {
      ok: false,
      kind: 'rate_limited',
      retryAfterSeconds: retryAfterSeconds(envelope?.body, headers),
      code,
      detail,
    };
  }
  if (status === 401 || status === 403 || code === assumedCodes.invalidToken) {
    return failure(isAuthCall ? 'auth_failed' : 'token_expired', code, detail, status);
  }
  if (status < 200 || status > 299) return failure('invalid_request', code, detail, status);
  if (!envelope) return failure('server_error', null, 'the answer is not a Dinamize envelope', status);
  if (code === dinamizeCodes.success) return { ok: true, body: envelope.body };
  if (credentialCodes.includes(envelope.code)) return failure('auth_failed', code, detail, status);
  if (code === assumedCodes.contactNotFound) return failure('not_found', code, detail, status);
  if (code === assumedCodes.duplicateEmail) return failure('duplicate', code, detail, status);
  if (code === assumedCodes.invalidRequest) return failure('invalid_request', code, detail, status);
  return failure('unrecognised', code, detail, status);
}

function failure(
  kind: DinamizeFailureKind,
  code: string | null,
  detail: string,
  httpStatus: number | null,
): DinamizeFailure {
  return { ok: false, kind, code, detail, httpStatus };
}

function transportFailure(error: unknown, timeoutMs: number): DinamizeFailure {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return failure('timeout', null, `no answer within ${timeoutMs} ms`, null);
  }
  return failure(
    'server_error',
    null,
    `network error: ${error instanceof Error ? error.message : String(error)}`,
    null,
  );
}

/** Seconds to wait: the body's "retry-after" (a number or a numeric string), else a Retry-After header, else 60 s. */
export function retryAfterSeconds(body: unknown, headers: Headers): number {
  const candidates = [isRecord(body) ? body['retry-after'] : undefined, headers.get('retry-after')];
  for (const candidate of candidates) {
    const seconds = typeof candidate === 'number'
      ? candidate
      : typeof candidate === 'string' && /^\d+(\.\d+)?$/.test(candidate.trim())
      ? Number(candidate)
      : NaN;
    if (Number.isFinite(seconds) && seconds >= 0) {
      return Math.min(Math.max(Math.ceil(seconds), 1), maxRetryAfterSeconds);
    }
  }
  return defaultRetryAfterSeconds;
}

/** What may be logged of a request: never the password or a token; e-mails masked; no names. */
function redactRequest(payload: Record<string, unknown>): Record<string, unknown> {
  const redacted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (key === 'password') redacted[key] = '[redacted]';
    else if (key === 'user' || key === 'email') {
      redacted[key] = typeof value === 'string' ? maskEmail(value) : '[redacted]';
    } else if (key === 'name' || key === 'external_code') redacted[key] = '[present]';
    else if (key === 'custom_fields' && isRecord(value)) redacted[key] = Object.keys(value);
    else if (key === 'search' && Array.isArray(value)) {
      redacted[key] = value.map((criterion) =>
        isRecord(criterion) && criterion.field === 'email'
          ? { ...criterion, value: maskEmail(String(criterion.value)) }
          : criterion
      );
    } else redacted[key] = value;
  }
  return redacted;
}

export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const brasiliaOffsetMs = -3 * 60 * 60 * 1000;
const dinamizeDatePattern = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** "YYYY-MM-DD HH:MM:SS" in Brasília time (assumed to be Dinamize's zone), truncated to the second. */
export function formatDinamizeDate(instant: Date): string {
  return new Date(instant.getTime() + brasiliaOffsetMs).toISOString().slice(0, 19).replace('T', ' ');
}

export function parseDinamizeDate(text: string): Date | null {
  const match = dinamizeDatePattern.exec(text);
  if (!match) return null;
  const [, year, month, day, hour, minute, second] = match.map(Number);
  const instant = new Date(Date.UTC(year, month - 1, day, hour, minute, second) - brasiliaOffsetMs);
  return formatDinamizeDate(instant) === text ? instant : null;
}
