// email-tracking: the public endpoints an e-mail points at (verify_jwt = false; the signed ids are the
// only credential, decision 0012).
//   GET|HEAD /email-tracking/o/<message token>.gif  → 1×1 GIF, never cached; records an open
//   GET|HEAD /email-tracking/c/<link token>         → 302 to the link's registered CTA URL with UTMs and
//                                                     mid / rid appended; records a click
//   POST     /email-tracking/u/<message token>      → RFC 8058 one-click (body List-Unsubscribe=One-Click,
//                                                     form-encoded or multipart): global unsubscribe
//   GET      /email-tracking/u/<message token>      → what the console's unsubscribe page shows (JSON)
//   POST     /email-tracking/u/<message token>      → with a JSON body {scope: global | campaign}: the page's choice
// A token that does not verify, or verifies but names nothing, is 404 and writes nothing; the click
// target is only ever the CTA URL stored in the database (no parameter of the request is used, and a
// request carrying a query string is refused). Opens and clicks by machines are recorded as such.
import { z } from 'zod';
import { dbPool } from '../_shared/db.ts';
import { signId, type TokenKind, type TrackingKey, verifyId } from '../_shared/email-ids.ts';
import { machineReason } from '../_shared/email-machines.ts';
import { errorResponse, HttpError, toErrorResponse } from '../_shared/errors.ts';
import { groupCommit } from '../_shared/group-commit.ts';

const route = /^\/(?:functions\/v1\/)?email-tracking\/(o|c|u)\/([A-Za-z0-9_-]+)(\.gif)?$/;
const maxBodyBytes = 4096;
const pixel = Uint8Array.from(atob('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7'), (c) => c.charCodeAt(0));
const noStore = {
  'cache-control': 'no-store, no-cache, must-revalidate, max-age=0',
  pragma: 'no-cache',
  expires: '0',
};

const PageChoiceSchema = z.object({ scope: z.enum(['global', 'campaign']) }).strict();

export async function handler(req: Request): Promise<Response> {
  try {
    const url = new URL(req.url);
    const match = route.exec(url.pathname);
    if (!match) throw new HttpError(404, 'route_not_found', 'Not a tracking URL');
    const [, kind, token, gif] = match;
    if (url.search !== '') {
      throw new HttpError(400, 'unexpected_query', 'Tracking URLs take no query parameters');
    }
    if (kind === 'o' && gif) return await open(req, token);
    if (kind === 'c' && !gif) return await click(req, token);
    if (kind === 'u' && !gif) return await unsubscribe(req, token);
    throw new HttpError(404, 'route_not_found', 'Not a tracking URL');
  } catch (error) {
    return toErrorResponse(error, noStore);
  }
}

function allow(req: Request, methods: string[]): void {
  if (!methods.includes(req.method)) {
    throw new HttpError(405, 'method_not_allowed', `Use ${methods.join(' or ')}`, { allowed: methods });
  }
}

function verified(kind: TokenKind, token: string, what: string): string {
  const publicId = verifyId(kind, token);
  if (!publicId) throw new HttpError(404, `${what}_not_found`, `No such ${what}`);
  return publicId;
}

function userAgent(req: Request): string | null {
  return req.headers.get('user-agent')?.slice(0, 500) ?? null;
}

type Hit = { id: string; userAgent: string | null; machineReason: string | null };

// Opens and clicks that arrive together are recorded together: one statement for the group, each
// request answered once it has committed (_shared/group-commit.ts). A repeated open or click only
// counts one more, so a group that runs again item by item after a failure is harmless.
const recordOpen = groupCommit<Hit, boolean>(async (hits) => {
  const { rows } = await dbPool().query<{ ord: number }>({
    name: 'email-tracking opens', // prepared once per connection: opens and clicks are the hot path
    text: 'select ord from mtrk.track_opens($1::uuid[], $2::text[], $3::text[])',
    values: columns(hits),
  });
  const found = new Set(rows.map((row) => row.ord));
  return hits.map((_, i) => found.has(i + 1));
});

// Queued opens and clicks reach mtrk.events and the dashboards through a fold (migration
// 20261211000500): asked for here after the answer, at most every 0.5 s per isolate, never inside a
// request's own statement (a fold takes tens of ms). The database decides whether one
// is due; pg_cron folds as well, so a fold that fails here only waits for the next.
const foldEveryMs = 500;
let lastFoldAsked = 0;

function foldSoon(): void {
  const now = Date.now();
  if (now - lastFoldAsked < foldEveryMs) return;
  lastFoldAsked = now;
  const fold = dbPool().query('select mtrk.fold_pending_events_if_due() as folded').then(
    () => undefined,
    (error: Error) => console.error(`email-tracking: the fold did not run (pg_cron will): ${error.message}`),
  );
  // On Supabase the isolate is kept alive for it; locally the worker simply goes on running it.
  (globalThis as { EdgeRuntime?: { waitUntil(promise: Promise<unknown>): void } }).EdgeRuntime?.waitUntil(fold);
}

function columns(hits: Hit[]): [string[], (string | null)[], (string | null)[]] {
  return [hits.map((hit) => hit.id), hits.map((hit) => hit.userAgent), hits.map((hit) => hit.machineReason)];
}

async function open(req: Request, token: string): Promise<Response> {
  allow(req, ['GET', 'HEAD']);
  const messageId = verified('message', token, 'message');
  const found = await recordOpen({ id: messageId, userAgent: userAgent(req), machineReason: machineReason(req) });
  foldSoon();
  if (!found) throw new HttpError(404, 'message_not_found', 'No such message');
  return new Response(req.method === 'HEAD' ? null : pixel, {
    headers: { 'content-type': 'image/gif', 'content-length': String(pixel.length), ...noStore },
  });
}

type ClickTarget = {
  url: string;
  utm_source: string;
  utm_medium: string;
  utm_campaign: string;
  utm_content: string;
  message_public_id: string;
  contact_public_id: string;
};

/** The registered URL with the campaign's UTMs (those the URL already has win) and mid / rid. */
export function redirectTarget(target: ClickTarget, key?: TrackingKey): string {
  const url = new URL(target.url);
  // Edited apart and written back once: each url.searchParams.set re-serialises the whole query.
  const query = new URLSearchParams(url.search);
  for (const name of ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content'] as const) {
    if (!query.has(name)) query.set(name, target[name]);
  }
  query.set('mid', signId('message', target.message_public_id, key));
  query.set('rid', signId('contact', target.contact_public_id, key));
  url.search = query.toString();
  return url.toString();
}

const recordClick = groupCommit<Hit, ClickTarget | null>(async (hits) => {
  const { rows } = await dbPool().query<ClickTarget & { ord: number }>({
    name: 'email-tracking clicks',
    text: 'select * from mtrk.track_clicks($1::uuid[], $2::text[], $3::text[])',
    values: columns(hits),
  });
  const byPosition = new Map(rows.map((row) => [row.ord, row]));
  return hits.map((_, i) => byPosition.get(i + 1) ?? null);
});

async function click(req: Request, token: string): Promise<Response> {
  allow(req, ['GET', 'HEAD']);
  const linkId = verified('link', token, 'link');
  const target = await recordClick({ id: linkId, userAgent: userAgent(req), machineReason: machineReason(req) });
  foldSoon();
  if (!target) throw new HttpError(404, 'link_not_found', 'No such link');
  return new Response(null, { status: 302, headers: { location: redirectTarget(target), ...noStore } });
}

async function readSmallBody(req: Request): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > maxBodyBytes) throw new HttpError(413, 'body_too_large', `At most ${maxBodyBytes} bytes`);
  const text = await req.text();
  if (new TextEncoder().encode(text).length > maxBodyBytes) {
    throw new HttpError(413, 'body_too_large', `At most ${maxBodyBytes} bytes`);
  }
  return text;
}

/** RFC 8058: the POST body is List-Unsubscribe=One-Click, form-encoded or as a multipart field. */
function isOneClick(contentType: string, body: string): boolean {
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    return new URLSearchParams(body).get('List-Unsubscribe') === 'One-Click';
  }
  if (contentType.startsWith('multipart/form-data')) {
    return /name="List-Unsubscribe"\r?\n\r?\nOne-Click\r?\n/.test(body);
  }
  return false;
}

async function unsubscribe(req: Request, token: string): Promise<Response> {
  allow(req, ['GET', 'POST']);
  const messageId = verified('message', token, 'message');
  if (req.method === 'GET') {
    const { rows: [row] } = await dbPool().query<{ info: unknown }>('select mtrk.unsubscribe_info($1) as info', [
      messageId,
    ]);
    if (!row.info) throw new HttpError(404, 'message_not_found', 'No such message');
    return Response.json(row.info, { headers: noStore });
  }
  const contentType = (req.headers.get('content-type') ?? '').toLowerCase();
  const body = await readSmallBody(req);
  let scope: 'global' | 'campaign';
  let source: 'one_click' | 'page';
  if (contentType.startsWith('application/json')) {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      throw new HttpError(400, 'invalid_json', 'The request body must be JSON');
    }
    const parsed = PageChoiceSchema.safeParse(value);
    if (!parsed.success) throw new HttpError(422, 'invalid_scope', 'scope must be global or campaign');
    scope = parsed.data.scope;
    source = 'page';
  } else if (isOneClick(contentType, body)) {
    scope = 'global';
    source = 'one_click';
  } else {
    throw new HttpError(400, 'not_one_click', 'Send List-Unsubscribe=One-Click (RFC 8058) or a JSON {scope}');
  }
  const { rows: [row] } = await dbPool().query<{ outcome: string }>(
    'select mtrk.unsubscribe($1, $2, $3) as outcome',
    [messageId, scope, source],
  );
  if (row.outcome === 'not_found') throw new HttpError(404, 'message_not_found', 'No such message');
  if (row.outcome === 'already_unsubscribed') {
    return errorResponse(409, 'already_unsubscribed', 'This address is already unsubscribed', { scope }, noStore);
  }
  return Response.json({ status: 'unsubscribed', scope }, { headers: noStore });
}
