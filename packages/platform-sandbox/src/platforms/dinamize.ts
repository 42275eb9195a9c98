// Dinamize (e-mail marketing, seed 004), served under /dinamize (DINAMIZE_URL=<sandbox>/dinamize).
//
// What is documented (Dinamize's API reference at panel.dinamize.com/apidoc, as summarised by third
// parties; see docs/decisions/0002-dinamize-gateway.md): every call is a POST with a JSON body
// (`application/json; charset=utf-8`); answers are HTTP 200 with the envelope
// `{ code, code_detail, body, request_unique, warning }`, code "480001" meaning success; `POST /auth`
// takes `{ user, password, client_code }` and returns `body["auth-token"]`, sent back in the
// `auth-token` header; a token dies after 1 hour without use or 24 hours after issue, and there is no
// refresh call (authenticate again); auth refusals are 240002 (no password), 240003 (no user), 240004
// (wrong user or password), 240029 (bad client code); the rate limit (60 calls a minute) answers code
// 240024 with `body["retry-after"]` in seconds, as a string ("17" in seed 004). Contacts live in
// lists (`contact-list_code`); `/emkt/contact/add` returns the new contact's `code`,
// `/emkt/contact/update` takes `contact_code`, `/emkt/contact/search` pages with
// `page_number`/`page_size` (≤ 10,000) and `search: [{ field, operator, value }]`, answering
// `{ next, items }`; dates are "YYYY-MM-DD HH:MM:SS".
//
// Assumed here (not documented; the gateway maps the same assumptions in one file,
// supabase/functions/_shared/dinamize.ts):
// - Codes for answers the reference does not list repeat an HTTP status inside the HTTP-200 envelope:
//   "401" token missing, invalid or expired; "400" malformed request; "404" unknown contact;
//   "409" the e-mail already exists in the list. A server failure is a real HTTP 500 (code "500"),
//   and an unknown route a real HTTP 404.
// - Dates are Brasília time (UTC−03:00; Brazil has had no daylight saving time since 2019).
// - Strictness: unknown body fields are refused, and codes and page fields must be digit strings
//   (the form the reference's examples use). Stricter than Dinamize, so works-here ⇒ works-there.
// - Mode (POST /__sandbox/platforms/dinamize/mode): `codes: "unknown"` answers the assumed situations
//   (token refused, unknown contact, duplicate e-mail, malformed request) with codes no client knows
//   (299901, 299904, 299909, 299900), so tests show the gateway does not depend on the assumed ones;
//   `successDetail: "Sucesso"` is the detail real clients see on success; `retryAfter: "number"` sends
//   the rate limit's retry-after as a JSON number instead of a string.
// - Tokens have the shape real clients see: 5 digits, 6 digits, 1–2 digits and 48 base64 characters
//   (with + and /), dot-separated. `search` also takes `cmpN` custom fields (text operators), and
//   `custom_filter`, a list of `{ field: cmpN, operator, value }` (its exact form is not documented).
// - Any list code exists. An account (client code) accepts any user and password until the test
//   registers one through the control API; after that only the registered pair authenticates.
import { randomBytes, randomInt } from 'node:crypto';
import { isPlainObject, json } from '../platform.ts';
import type { Platform, PlatformControl, PlatformRequest, PlatformResponse, Route } from '../platform.ts';

export const dinamizeCodes = {
  success: '480001',
  passwordRequired: '240002',
  userRequired: '240003',
  invalidCredentials: '240004',
  rateLimited: '240024',
  invalidClientCode: '240029',
  // Assumed (see the header comment).
  invalidRequest: '400',
  invalidToken: '401',
  contactNotFound: '404',
  duplicateEmail: '409',
  serverError: '500',
} as const;

const brasiliaOffsetMs = -3 * 60 * 60 * 1000;
const datePattern = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** A Dinamize date ("YYYY-MM-DD HH:MM:SS", Brasília time) for an instant. */
export function formatDinamizeDate(instant: Date): string {
  return new Date(instant.getTime() + brasiliaOffsetMs).toISOString().slice(0, 19).replace('T', ' ');
}

/** The instant a Dinamize date stands for, or null when the text is not one. */
export function parseDinamizeDate(text: string): Date | null {
  const match = datePattern.exec(text);
  if (!match) return null;
  const [, year, month, day, hour, minute, second] = match.map(Number);
  const utc = Date.UTC(year, month - 1, day, hour, minute, second) - brasiliaOffsetMs;
  const instant = new Date(utc);
  return formatDinamizeDate(instant) === text ? instant : null;
}

type DinamizeSettings = {
  /** A token unused for this long is dead (documented: 1 hour). */
  tokenIdleSeconds: number;
  /** A token this old is dead (documented: 24 hours). */
  tokenMaxAgeSeconds: number;
  /** Sandbox-only: a token dies after this many calls, so tests can expire one between two calls. */
  tokenMaxUses: number | null;
};

const defaultSettings: DinamizeSettings = { tokenIdleSeconds: 3600, tokenMaxAgeSeconds: 86_400, tokenMaxUses: null };

/** How the sandbox answers what is not documented (see the header comment). */
type DinamizeMode = { codes: 'assumed' | 'unknown'; successDetail: 'Success' | 'Sucesso'; retryAfter: 'string' | 'number' };

const defaultMode: DinamizeMode = { codes: 'assumed', successDetail: 'Success', retryAfter: 'string' };

/** What the sandbox answers in `codes: "unknown"` mode instead of each assumed code. */
export const unknownCodes = { invalidRequest: '299900', invalidToken: '299901', contactNotFound: '299904', duplicateEmail: '299909' } as const;

type Token = { clientCode: string; issuedAt: number; lastUsedAt: number; uses: number; expired: boolean };

type Contact = {
  code: string;
  clientCode: string;
  listCode: string;
  email: string;
  name: string;
  externalCode: string;
  insertDate: Date;
  customFields: Record<string, unknown>;
  dateRest: string | null;
};

type State = {
  settings: DinamizeSettings;
  mode: DinamizeMode;
  accounts: Map<string, { user: string; password: string }[]>;
  tokens: Map<string, Token>;
  contacts: Contact[];
  nextContactCode: number;
};

function freshState(): State {
  return { settings: { ...defaultSettings }, mode: { ...defaultMode }, accounts: new Map(), tokens: new Map(), contacts: [], nextContactCode: 100_001 };
}

function answer(code: string, detail: string, body: unknown = {}, status = 200): PlatformResponse {
  return json(status, { code, code_detail: detail, body, request_unique: String(randomInt(100_000, 1_000_000)), warning: [] });
}

const invalid = (detail: string) => answer(dinamizeCodes.invalidRequest, detail);
const ok = (body: unknown) => answer(dinamizeCodes.success, 'Success', body);

const digits = /^\d+$/;
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const customFieldKey = /^cmp\d+$/;
const restDatePattern = /^\d{4}-\d{2}-\d{2}$/;

/** Refuses anything but a JSON object whose keys are all in `allowed`; returns the object or an answer. */
function jsonObject(request: PlatformRequest, allowed: readonly string[]): Record<string, unknown> | PlatformResponse {
  const contentType = String(request.headers['content-type'] ?? '');
  if (!/^application\/json\b/i.test(contentType) || !isPlainObject(request.body)) {
    return invalid('The body must be a JSON object sent as application/json; charset=utf-8.');
  }
  const unknown = Object.keys(request.body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) return invalid(`Unknown field(s): ${unknown.join(', ')}.`);
  return request.body;
}

function isAnswer(value: unknown): value is PlatformResponse {
  return isPlainObject(value) && typeof value.status === 'number' && 'body' in value;
}

function digitString(value: unknown): value is string {
  return typeof value === 'string' && digits.test(value);
}

/** Shared checks of the optional contact fields; returns an error answer or null. */
function contactFieldsProblem(body: Record<string, unknown>): PlatformResponse | null {
  if (body.name !== undefined && (typeof body.name !== 'string' || body.name.length > 255)) return invalid('name must be a string of at most 255 characters.');
  if (body.external_code !== undefined && (typeof body.external_code !== 'string' || body.external_code.length > 255)) {
    return invalid('external_code must be a string of at most 255 characters.');
  }
  if (body.date_rest !== undefined && (typeof body.date_rest !== 'string' || !restDatePattern.test(body.date_rest))) return invalid('date_rest must be YYYY-MM-DD.');
  if (body.custom_fields !== undefined) {
    if (!isPlainObject(body.custom_fields)) return invalid('custom_fields must be an object of cmpN fields.');
    for (const [key, value] of Object.entries(body.custom_fields)) {
      if (!customFieldKey.test(key)) return invalid(`custom_fields: "${key}" is not a field code (cmpN).`);
      const scalar = (item: unknown) => typeof item === 'string' || typeof item === 'number';
      if (!(scalar(value) || (Array.isArray(value) && value.every(scalar)))) return invalid(`custom_fields.${key} must be a string, a number or a list of them.`);
    }
  }
  return null;
}

function validEmail(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 254 && emailPattern.test(value);
}

function contactItem(contact: Contact): Record<string, unknown> {
  return {
    code: contact.code,
    email: contact.email,
    name: contact.name,
    external_code: contact.externalCode,
    insert_date: formatDinamizeDate(contact.insertDate),
    status: 'V',
    optout: false,
    spam: false,
    total_clicks: '0',
    total_sents: '0',
    total_views: '0',
    custom_fields: contact.customFields,
  };
}

const searchFields = ['name', 'email', 'external_code', 'insert_date', 'status_email'] as const;
const textOperators = ['=', '!=', '*v*', '!*v*', 'v*', '!v*', '*v', '!*v'] as const;
const dateOperators = ['=', '!=', '<', '>', '<=', '>='] as const;
const orderFields = ['code', 'name', 'email', 'external_code', 'insert_date'] as const;

type Filter = (contact: Contact) => boolean;

function textFilter(read: (contact: Contact) => string, operator: string, value: string): Filter {
  const needle = value.toLowerCase();
  const positive: Record<string, (text: string) => boolean> = {
    '=': (text) => text === needle,
    '*v*': (text) => text.includes(needle),
    'v*': (text) => text.startsWith(needle),
    '*v': (text) => text.endsWith(needle),
  };
  const negated = operator.startsWith('!');
  const test = positive[negated ? (operator === '!=' ? '=' : operator.slice(1)) : operator];
  return (contact) => test(read(contact).toLowerCase()) !== negated;
}

function dateFilter(operator: string, value: Date): Filter {
  const at = value.getTime();
  const compare: Record<string, (time: number) => boolean> = {
    '=': (time) => time === at,
    '!=': (time) => time !== at,
    '<': (time) => time < at,
    '>': (time) => time > at,
    '<=': (time) => time <= at,
    '>=': (time) => time >= at,
  };
  // Stored dates have whole seconds only, as Dinamize's format does.
  return (contact) => compare[operator](Math.floor(contact.insertDate.getTime() / 1000) * 1000);
}

/** Whether `order` sorts by insert date ascending first, then (if at all) by code ascending. */
function byInsertDate(order: unknown): boolean {
  if (!Array.isArray(order) || order.length === 0 || order.length > 2) return false;
  const [first, second] = order;
  return isPlainObject(first) && first.field === 'insert_date' && first.type === 'ASC' &&
    (second === undefined || (isPlainObject(second) && second.field === 'code' && second.type === 'ASC'));
}

/** The lowest insert date (ms) a valid search admits through `insert_date >=` or `>`; 0 without one. */
function insertDateFloor(search: unknown): number {
  let floor = 0;
  for (const criterion of Array.isArray(search) ? search : []) {
    if (!isPlainObject(criterion) || criterion.field !== 'insert_date' || typeof criterion.value !== 'string') continue;
    if (criterion.operator !== '>=' && criterion.operator !== '>') continue;
    const instant = parseDinamizeDate(criterion.value);
    if (instant) floor = Math.max(floor, instant.getTime());
  }
  return floor;
}

/** Index of the first contact (sorted by insert date) whose whole-second insert date is at or after `at`. */
function firstAtOrAfter(sorted: Contact[], at: number): number {
  let [low, high] = [0, sorted.length];
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (Math.floor(sorted[middle].insertDate.getTime() / 1000) * 1000 < at) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A custom field's value as text (a list as its items joined by commas); empty when unset. */
function customFieldText(contact: Contact, field: string): string {
  const value = contact.customFields[field];
  return Array.isArray(value) ? value.join(',') : value === undefined || value === null ? '' : String(value);
}

/** `search` (standard fields and cmpN) or `custom_filter` (cmpN only): filters, or the refusal. */
function parseSearch(search: unknown, key: 'search' | 'custom_filter' = 'search'): Filter[] | PlatformResponse {
  if (search === undefined) return [];
  if (!Array.isArray(search)) return invalid(`${key} must be a list of { field, operator, value }.`);
  const filters: Filter[] = [];
  for (const [index, criterion] of search.entries()) {
    if (!isPlainObject(criterion) || Object.keys(criterion).some((key) => !['field', 'operator', 'value'].includes(key))) {
      return invalid(`${key}[${index}] must be { field, operator, value }.`);
    }
    const { field, operator, value } = criterion;
    const known = typeof field === 'string' && (customFieldKey.test(field) || (key === 'search' && (searchFields as readonly string[]).includes(field)));
    if (!known) return invalid(`${key}[${index}].field must be ${key === 'search' ? `one of ${searchFields.join(', ')} or ` : ''}a custom field code (cmpN).`);
    if (typeof value !== 'string') return invalid(`${key}[${index}].value must be a string.`);
    if (field === 'insert_date') {
      if (typeof operator !== 'string' || !(dateOperators as readonly string[]).includes(operator)) return invalid(`search[${index}].operator for dates must be one of ${dateOperators.join(' ')}.`);
      const instant = parseDinamizeDate(value);
      if (!instant) return invalid(`search[${index}].value must be a date as YYYY-MM-DD HH:MM:SS.`);
      filters.push(dateFilter(operator, instant));
      continue;
    }
    if (typeof operator !== 'string' || !(textOperators as readonly string[]).includes(operator)) return invalid(`${key}[${index}].operator must be one of ${textOperators.join(' ')}.`);
    const text = field as string;
    const read: (contact: Contact) => string = customFieldKey.test(text)
      ? (contact) => customFieldText(contact, text)
      : field === 'name'
      ? (contact) => contact.name
      : field === 'email'
      ? (contact) => contact.email
      : field === 'external_code'
      ? (contact) => contact.externalCode
      : () => 'V';
    filters.push(textFilter(read, operator, value));
  }
  return filters;
}

function parseOrder(order: unknown): ((a: Contact, b: Contact) => number) | PlatformResponse {
  const byCode = (a: Contact, b: Contact) => Number(a.code) - Number(b.code);
  if (order === undefined) return byCode;
  if (!Array.isArray(order)) return invalid('order must be a list of { field, type }.');
  const comparators: ((a: Contact, b: Contact) => number)[] = [];
  for (const [index, item] of order.entries()) {
    if (!isPlainObject(item) || typeof item.field !== 'string' || !(orderFields as readonly string[]).includes(item.field) || (item.type !== 'ASC' && item.type !== 'DESC')) {
      return invalid(`order[${index}] must be { field: ${orderFields.join(' | ')}, type: ASC | DESC }.`);
    }
    const sign = item.type === 'DESC' ? -1 : 1;
    const field = item.field;
    const key = (contact: Contact): string | number =>
      field === 'code' ? Number(contact.code) : field === 'insert_date' ? contact.insertDate.getTime() : field === 'external_code' ? contact.externalCode : contact[field as 'name' | 'email'];
    comparators.push((a, b) => {
      const [left, right] = [key(a), key(b)];
      return left < right ? -sign : left > right ? sign : 0;
    });
  }
  comparators.push(byCode);
  return (a, b) => {
    for (const compare of comparators) {
      const result = compare(a, b);
      if (result !== 0) return result;
    }
    return 0;
  };
}

/** A token in the shape real clients see: `<5 digits>.<6 digits>.<1–2 digits>.<48 base64 characters>`. */
function newToken(): string {
  const number = (length: number) => Array.from({ length }, () => randomInt(10)).join('');
  return `${number(5)}.${number(6)}.${number(1 + randomInt(2))}.${randomBytes(36).toString('base64')}`;
}

export function createDinamize(): Platform {
  let state = freshState();

  /** Applies the mode to an answer: unknown codes instead of the assumed ones, the success detail text. */
  function inMode(response: PlatformResponse): PlatformResponse {
    const body = response.body;
    if (!isPlainObject(body) || typeof body.code !== 'string') return response;
    const { codes, successDetail } = state.mode;
    if (body.code === dinamizeCodes.success) return { ...response, body: { ...body, code_detail: successDetail } };
    const situation = (Object.keys(unknownCodes) as (keyof typeof unknownCodes)[]).find((name) => dinamizeCodes[name] === body.code);
    if (codes === 'unknown' && situation && response.status === 200) return { ...response, body: { ...body, code: unknownCodes[situation] } };
    return response;
  }

  /** The account a request's auth-token belongs to, or the refusal to send. */
  function authorise(request: PlatformRequest): string | PlatformResponse {
    const header = request.headers['auth-token'];
    const value = Array.isArray(header) ? header[0] : header;
    const token = value ? state.tokens.get(value) : undefined;
    if (!token || token.expired) return answer(dinamizeCodes.invalidToken, 'Invalid or expired auth-token.');
    const now = Date.now();
    const { tokenIdleSeconds, tokenMaxAgeSeconds, tokenMaxUses } = state.settings;
    const dead = now - token.lastUsedAt > tokenIdleSeconds * 1000 || now - token.issuedAt > tokenMaxAgeSeconds * 1000 ||
      (tokenMaxUses !== null && token.uses >= tokenMaxUses);
    if (dead) {
      token.expired = true;
      return answer(dinamizeCodes.invalidToken, 'Invalid or expired auth-token.');
    }
    token.lastUsedAt = now;
    token.uses += 1;
    return token.clientCode;
  }

  function auth(request: PlatformRequest): PlatformResponse {
    const body = jsonObject(request, ['user', 'password', 'client_code']);
    if (isAnswer(body)) return body;
    if (typeof body.user !== 'string' || body.user.trim() === '') return answer(dinamizeCodes.userRequired, 'Username is required');
    if (typeof body.password !== 'string' || body.password === '') return answer(dinamizeCodes.passwordRequired, 'Password is required');
    if (!digitString(body.client_code)) return answer(dinamizeCodes.invalidClientCode, 'Client code is invalid');
    const registered = state.accounts.get(body.client_code);
    if (registered && !registered.some((account) => account.user === body.user && account.password === body.password)) {
      return answer(dinamizeCodes.invalidCredentials, 'Username or password are invalid');
    }
    const token = newToken();
    const now = Date.now();
    state.tokens.set(token, { clientCode: body.client_code, issuedAt: now, lastUsedAt: now, uses: 0, expired: false });
    return ok({ 'auth-token': token, manager: true });
  }

  // Each list's contacts by (insert date, code), rebuilt when contacts were added since (insert
  // dates never change afterwards); the keyset search reads it.
  const insertDateIndex = new Map<string, { state: State; size: number; sorted: Contact[] }>();
  function sortedByInsertDate(clientCode: string, listCode: string): Contact[] {
    const key = `${clientCode}/${listCode}`;
    const cached = insertDateIndex.get(key);
    if (cached && cached.state === state && cached.size === state.contacts.length) return cached.sorted;
    const sorted = listContacts(clientCode, listCode).sort((a, b) =>
      a.insertDate.getTime() - b.insertDate.getTime() || Number(a.code) - Number(b.code)
    );
    insertDateIndex.set(key, { state, size: state.contacts.length, sorted });
    return sorted;
  }

  function listContacts(clientCode: string, listCode: string): Contact[] {
    return state.contacts.filter((contact) => contact.clientCode === clientCode && contact.listCode === listCode);
  }

  function emailTaken(clientCode: string, listCode: string, email: string, exceptCode?: string): boolean {
    const wanted = email.toLowerCase();
    return listContacts(clientCode, listCode).some((contact) => contact.email.toLowerCase() === wanted && contact.code !== exceptCode);
  }

  function insertContact(fields: Omit<Contact, 'code'>): Contact {
    const contact = { ...fields, code: String(state.nextContactCode++) };
    state.contacts.push(contact);
    return contact;
  }

  function add(request: PlatformRequest): PlatformResponse {
    const clientCode = authorise(request);
    if (isAnswer(clientCode)) return clientCode;
    const body = jsonObject(request, ['email', 'name', 'external_code', 'contact-list_code', 'date_rest', 'custom_fields']);
    if (isAnswer(body)) return body;
    const listCode = body['contact-list_code'];
    if (!digitString(listCode)) return invalid('contact-list_code is required (a code of digits, as a string).');
    if (!validEmail(body.email)) return invalid('email is required and must be an e-mail address.');
    const problem = contactFieldsProblem(body);
    if (problem) return problem;
    if (emailTaken(clientCode, listCode, body.email)) return answer(dinamizeCodes.duplicateEmail, 'The e-mail already exists in this list.');
    const contact = insertContact({
      clientCode,
      listCode,
      email: body.email,
      name: (body.name as string | undefined) ?? '',
      externalCode: (body.external_code as string | undefined) ?? '',
      insertDate: new Date(Math.floor(Date.now() / 1000) * 1000),
      customFields: (body.custom_fields as Record<string, unknown> | undefined) ?? {},
      dateRest: (body.date_rest as string | undefined) ?? null,
    });
    return ok({ code: contact.code });
  }

  function update(request: PlatformRequest): PlatformResponse {
    const clientCode = authorise(request);
    if (isAnswer(clientCode)) return clientCode;
    const body = jsonObject(request, ['contact_code', 'contact-list_code', 'email', 'name', 'external_code', 'date_rest', 'custom_fields']);
    if (isAnswer(body)) return body;
    const listCode = body['contact-list_code'];
    if (!digitString(body.contact_code)) return invalid('contact_code is required (a code of digits, as a string).');
    if (!digitString(listCode)) return invalid('contact-list_code is required (a code of digits, as a string).');
    if (body.email !== undefined && !validEmail(body.email)) return invalid('email must be an e-mail address.');
    const problem = contactFieldsProblem(body);
    if (problem) return problem;
    const contact = listContacts(clientCode, listCode).find((candidate) => candidate.code === body.contact_code);
    if (!contact) return answer(dinamizeCodes.contactNotFound, 'Contact not found in this list.');
    if (typeof body.email === 'string' && emailTaken(clientCode, listCode, body.email, contact.code)) {
      return answer(dinamizeCodes.duplicateEmail, 'The e-mail already exists in this list.');
    }
    if (typeof body.email === 'string') contact.email = body.email;
    if (typeof body.name === 'string') contact.name = body.name;
    if (typeof body.external_code === 'string') contact.externalCode = body.external_code;
    if (typeof body.date_rest === 'string') contact.dateRest = body.date_rest;
    if (isPlainObject(body.custom_fields)) contact.customFields = { ...contact.customFields, ...body.custom_fields };
    return ok({});
  }

  function search(request: PlatformRequest): PlatformResponse {
    const clientCode = authorise(request);
    if (isAnswer(clientCode)) return clientCode;
    const body = jsonObject(request, ['contact-list_code', 'page_number', 'page_size', 'status_contact', 'search', 'custom_filter', 'order']);
    if (isAnswer(body)) return body;
    const listCode = body['contact-list_code'];
    if (!digitString(listCode)) return invalid('contact-list_code is required (a code of digits, as a string).');
    const pageNumber = body.page_number === undefined ? 1 : digitString(body.page_number) ? Number(body.page_number) : NaN;
    const pageSize = body.page_size === undefined ? 10 : digitString(body.page_size) ? Number(body.page_size) : NaN;
    if (!(pageNumber >= 1)) return invalid('page_number must be a positive number, as a string.');
    if (!(pageSize >= 1 && pageSize <= 10_000)) return invalid('page_size must be from 1 to 10000, as a string.');
    if (body.status_contact !== undefined && body.status_contact !== 'REST_ONLY' && body.status_contact !== 'NO_REST') {
      return invalid('status_contact must be REST_ONLY or NO_REST.');
    }
    const standard = parseSearch(body.search);
    if (isAnswer(standard)) return standard;
    const custom = parseSearch(body.custom_filter, 'custom_filter');
    if (isAnswer(custom)) return custom;
    const filters = [...standard, ...custom];
    const order = parseOrder(body.order);
    if (isAnswer(order)) return order;
    const today = formatDinamizeDate(new Date()).slice(0, 10);
    const resting = (contact: Contact) => contact.dateRest !== null && contact.dateRest >= today;
    const wanted = (contact: Contact) =>
      (body.status_contact === undefined || (body.status_contact === 'REST_ONLY') === resting(contact)) &&
      filters.every((filter) => filter(contact));
    const start = (pageNumber - 1) * pageSize;
    const keyset = byInsertDate(body.order) ? insertDateFloor(body.search) : null;
    if (keyset !== null) {
      // Paging by insert date (a pull's keyset): start at the first contact the date bound admits, in
      // the list's (insert date, code) index, and read only as far as this page — each page costs its
      // own size, not the list's.
      const sorted = sortedByInsertDate(clientCode, listCode);
      const items: Contact[] = [];
      let skipped = 0;
      let next = false;
      for (let index = firstAtOrAfter(sorted, keyset); index < sorted.length; index++) {
        if (!wanted(sorted[index])) continue;
        if (skipped < start) skipped++;
        else if (items.length < pageSize) items.push(sorted[index]);
        else {
          next = true;
          break;
        }
      }
      return ok({ next, items: items.map(contactItem) });
    }
    const matching = listContacts(clientCode, listCode).filter(wanted).sort(order);
    return ok({ next: start + pageSize < matching.length, items: matching.slice(start, start + pageSize).map(contactItem) });
  }

  const routes: Route[] = ([
    { method: 'POST', path: '/auth', handler: auth },
    { method: 'POST', path: '/emkt/contact/add', handler: add },
    { method: 'POST', path: '/emkt/contact/update', handler: update },
    { method: 'POST', path: '/emkt/contact/search', handler: search },
  ] as const).map((route) => ({ ...route, handler: (request: PlatformRequest) => inMode(route.handler(request)) }));

  return {
    name: 'dinamize',
    envVar: 'DINAMIZE_URL',
    routes,
    errors: {
      notFound: (request) => answer('404', `The sandbox serves no Dinamize route for ${request.method} ${request.path}.`, {}, 404),
      invalidToken: () => inMode(answer(dinamizeCodes.invalidToken, 'Invalid or expired auth-token.')),
      rateLimited: (_request, retryAfterSeconds) =>
        answer(dinamizeCodes.rateLimited, 'Requests limit exceeded', {
          'retry-after': state.mode.retryAfter === 'number' ? retryAfterSeconds : String(retryAfterSeconds),
        }),
      serverError: () => answer(dinamizeCodes.serverError, 'Internal error; retry later.', {}, 500),
    },
    control: dinamizeControl({
      current: () => state,
      reset: () => {
        state = freshState();
      },
      insertContact,
      emailTaken,
    }),
  };
}

function controlError(status: number, code: string, message: string, details?: unknown): PlatformResponse {
  return json(status, { error: details === undefined ? { code, message } : { code, message, details } });
}

/**
 * `/__sandbox/platforms/dinamize`: GET the state (settings, accounts without passwords, contacts,
 * live token count; `?client_code=` narrows contacts to one account), DELETE to reset everything;
 * POST `/settings` replaces the token knobs as a whole; POST `/mode` replaces the answer mode as a
 * whole (`{ codes?: assumed|unknown, successDetail?: Success|Sucesso, retryAfter?: string|number }`); POST `/accounts` registers
 * `{ client_code, user, password }`; POST `/contacts` seeds `{ client_code, contact_list_code,
 * contacts: [{ email, name?, external_code?, insert_date?, custom_fields? }] }` (insert_date in
 * Dinamize's format, to place contacts in the past); POST `/expire-tokens` kills every token issued
 * so far, as an hour of inactivity would.
 */
type StateAccess = {
  current: () => State;
  reset: () => void;
  insertContact: (fields: Omit<Contact, 'code'>) => Contact;
  emailTaken: (clientCode: string, listCode: string, email: string) => boolean;
};

function dinamizeControl({ current, reset, insertContact, emailTaken }: StateAccess): PlatformControl {
  const describe = (query?: URLSearchParams) => {
    const state = current();
    const clientCode = query?.get('client_code') ?? null;
    return json(200, {
      settings: state.settings,
      mode: state.mode,
      accounts: [...state.accounts].flatMap(([code, list]) => list.map((account) => ({ client_code: code, user: account.user }))),
      contacts: state.contacts
        .filter((contact) => clientCode === null || contact.clientCode === clientCode)
        .map((contact) => ({ ...contactItem(contact), client_code: contact.clientCode, contact_list_code: contact.listCode })),
      liveTokens: [...state.tokens.values()].filter((token) => !token.expired).length,
    });
  };

  return {
    '': {
      GET: (_body, query) => describe(query),
      DELETE: () => {
        reset();
        return describe();
      },
    },
    '/settings': {
      POST: (body) => {
        if (!isPlainObject(body)) return controlError(422, 'invalid_settings', 'send { tokenIdleSeconds?, tokenMaxAgeSeconds?, tokenMaxUses? }');
        const issues = Object.keys(body).filter((key) => !(key in defaultSettings)).map((key) => `unknown setting "${key}"`);
        const seconds = (key: 'tokenIdleSeconds' | 'tokenMaxAgeSeconds') =>
          body[key] === undefined || (Number.isInteger(body[key]) && (body[key] as number) >= 0) ? null : `${key} must be a non-negative integer`;
        for (const key of ['tokenIdleSeconds', 'tokenMaxAgeSeconds'] as const) {
          const issue = seconds(key);
          if (issue) issues.push(issue);
        }
        if (body.tokenMaxUses !== undefined && body.tokenMaxUses !== null && !(Number.isInteger(body.tokenMaxUses) && (body.tokenMaxUses as number) >= 1)) {
          issues.push('tokenMaxUses must be a positive integer or null');
        }
        if (issues.length > 0) return controlError(422, 'invalid_settings', 'the Dinamize settings are not valid', issues);
        current().settings = { ...defaultSettings, ...body } as DinamizeSettings;
        return json(200, { settings: current().settings });
      },
    },
    '/mode': {
      GET: () => json(200, { mode: current().mode }),
      POST: (body) => {
        const choices: Record<keyof DinamizeMode, readonly string[]> = {
          codes: ['assumed', 'unknown'],
          successDetail: ['Success', 'Sucesso'],
          retryAfter: ['string', 'number'],
        };
        if (!isPlainObject(body)) return controlError(422, 'invalid_mode', 'send { codes?, successDetail?, retryAfter? }');
        const issues = Object.entries(body).flatMap(([key, value]) =>
          !(key in choices) ? [`unknown mode "${key}"`] : choices[key as keyof DinamizeMode].includes(value as string) ? [] : [`${key} must be one of ${choices[key as keyof DinamizeMode].join(', ')}`]
        );
        if (issues.length > 0) return controlError(422, 'invalid_mode', 'the Dinamize mode is not valid', issues);
        current().mode = { ...defaultMode, ...body } as DinamizeMode;
        return json(200, { mode: current().mode });
      },
    },
    '/accounts': {
      POST: (body) => {
        if (!isPlainObject(body) || !digitString(body.client_code) || typeof body.user !== 'string' || typeof body.password !== 'string') {
          return controlError(422, 'invalid_account', 'send { client_code (digits), user, password }');
        }
        const list = current().accounts.get(body.client_code) ?? [];
        current().accounts.set(body.client_code, [...list.filter((account) => account.user !== body.user), { user: body.user, password: body.password }]);
        return json(200, { client_code: body.client_code, user: body.user });
      },
    },
    '/contacts': {
      POST: (body) => {
        if (!isPlainObject(body) || !digitString(body.client_code) || !digitString(body.contact_list_code) || !Array.isArray(body.contacts)) {
          return controlError(422, 'invalid_contacts', 'send { client_code, contact_list_code, contacts: [...] }');
        }
        const codes: string[] = [];
        for (const [index, item] of body.contacts.entries()) {
          const insertDate = isPlainObject(item) && typeof item.insert_date === 'string' ? parseDinamizeDate(item.insert_date) : new Date(Math.floor(Date.now() / 1000) * 1000);
          if (!isPlainObject(item) || !validEmail(item.email) || !insertDate) {
            return controlError(422, 'invalid_contacts', `contacts[${index}] needs an e-mail and, if given, insert_date as YYYY-MM-DD HH:MM:SS`);
          }
          if (emailTaken(body.client_code, body.contact_list_code, item.email)) {
            return controlError(422, 'invalid_contacts', `contacts[${index}]: the e-mail already exists in this list`);
          }
          const contact = insertContact({
            clientCode: body.client_code,
            listCode: body.contact_list_code,
            email: item.email,
            name: typeof item.name === 'string' ? item.name : '',
            externalCode: typeof item.external_code === 'string' ? item.external_code : '',
            insertDate,
            customFields: isPlainObject(item.custom_fields) ? item.custom_fields : {},
            dateRest: null,
          });
          codes.push(contact.code);
        }
        return json(200, { codes });
      },
    },
    '/contacts/bulk': {
      // Many contacts generated here, in memory (a 300,000-contact list in one request): e-mails
      // <email_prefix><n>@<email_domain>, n from 1, insert dates from first_insert_date on, per_second
      // contacts sharing each second (ties on the date, as an import into Dinamize makes).
      POST: (body) => {
        const usage = 'send { client_code, contact_list_code, count (1..1000000), first_insert_date (YYYY-MM-DD HH:MM:SS), per_second? (1..10000), email_prefix?, email_domain? }';
        if (!isPlainObject(body) || !digitString(body.client_code) || !digitString(body.contact_list_code)) return controlError(422, 'invalid_contacts', usage);
        const count = body.count;
        const perSecond = body.per_second ?? 1;
        const first = typeof body.first_insert_date === 'string' ? parseDinamizeDate(body.first_insert_date) : null;
        const prefix = body.email_prefix ?? 'contato';
        const domain = body.email_domain ?? 'exemplo.com.br';
        if (
          !Number.isInteger(count) || (count as number) < 1 || (count as number) > 1_000_000 || !first ||
          !Number.isInteger(perSecond) || (perSecond as number) < 1 || (perSecond as number) > 10_000 ||
          typeof prefix !== 'string' || typeof domain !== 'string' || !validEmail(`${prefix}1@${domain}`)
        ) return controlError(422, 'invalid_contacts', usage);
        const { client_code: clientCode, contact_list_code: listCode } = body;
        const taken = new Set(current().contacts.filter((c) => c.clientCode === clientCode && c.listCode === listCode).map((c) => c.email.toLowerCase()));
        const emailOf = (n: number) => `${prefix}${n}@${domain}`;
        for (let n = 1; n <= (count as number); n++) {
          if (taken.has(emailOf(n).toLowerCase())) return controlError(422, 'invalid_contacts', `${emailOf(n)} already exists in this list`);
        }
        let firstCode = '';
        let lastCode = '';
        for (let n = 1; n <= (count as number); n++) {
          const contact = insertContact({
            clientCode,
            listCode,
            email: emailOf(n),
            name: `Contato ${n}`,
            externalCode: '',
            insertDate: new Date(first.getTime() + Math.floor((n - 1) / (perSecond as number)) * 1000),
            customFields: {},
            dateRest: null,
          });
          if (n === 1) firstCode = contact.code;
          lastCode = contact.code;
        }
        return json(200, { count, first_code: firstCode, last_code: lastCode });
      },
    },
    '/expire-tokens': {
      POST: () => {
        let expired = 0;
        for (const token of current().tokens.values()) {
          if (!token.expired) expired++;
          token.expired = true;
        }
        return json(200, { expired });
      },
    },
  };
}
