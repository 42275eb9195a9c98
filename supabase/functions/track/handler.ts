// track: the browser snippet's batches of page views, page leaves and interactions (BLUEPRINT §6.1).
// At most 50 events / 64 KB per request (413), zod contract (422), site key (401) and Origin allow-list
// (403), bots dropped before anything is written (202, status dropped). Everything else is ONE call of
// lead.ingest_tracking_batch, so a batch is written whole or not at all, and a retried batch writes
// nothing twice (client event ids). Answers 202 with what was written.
import {
  clickIdParameters,
  fbcShape,
  fbpShape,
  type TrackAccepted,
  type TrackBatch,
  TrackBatchSchema,
  type TrackDropped,
  type TrackEvent,
  trackMaxBytes,
  trackMaxEvents,
  utmParameters,
} from '@rastro/contracts/tracking.ts';
import { dbPool } from '../_shared/db.ts';
import { HttpError, toErrorResponse } from '../_shared/errors.ts';
import { groupCommit } from '../_shared/group-commit.ts';
import {
  clientIp,
  deviceOf,
  intakeHeaders,
  intakePreflight,
  isBot,
  parseJsonText,
  readCappedText,
  refusalError,
  requireOrigin,
  requirePost,
  validateIntake,
} from '../_shared/web-intake.ts';

const knownParameters = new Set<string>([...utmParameters, ...clickIdParameters, 'mid', 'rid', 'matchtype']);
const printableAscii = /^[\x21-\x7e]+$/;
const midShape = /^[A-Za-z0-9_-]{1,64}$/;

/** Origin and path, no query or fragment, no trailing slash but the root's: how landing_pages.page_url is kept. */
export function pageKey(url: URL): string {
  const path = url.pathname.length > 1 && url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
  return `${url.origin}${path}`;
}

/** A query parameter exactly as sent (click ids are case-sensitive and never decoded). */
function rawParameter(url: URL, name: string): string | null {
  const match = new RegExp(`(?:^|[?&])${name}=([^&#]*)`).exec(url.search);
  return match && match[1] !== '' ? match[1] : null;
}

function hostOf(value: string | undefined): string | null {
  if (!value || !URL.canParse(value)) return null;
  return new URL(value).hostname.replace(/^www\./, '');
}

export type Touch = Record<string, unknown> & { channel: 'paid' | 'campaign' | 'email' | 'referral' | 'direct' };

/** The attribution a page view carries: UTMs, click ids, the e-mail mid, fbc/fbp, outside referrer. */
export function touchOf(url: URL, referrer: string | undefined, at: number, context: TrackBatch['context']): Touch {
  const touch: Record<string, unknown> = {};
  for (const name of utmParameters) {
    const value = url.searchParams.get(name)?.trim();
    if (value) touch[name] = value;
  }
  for (const name of clickIdParameters) {
    const value = rawParameter(url, name);
    if (value && printableAscii.test(value)) touch[name] = value;
  }
  const mid = url.searchParams.get('mid');
  if (mid && midShape.test(mid)) touch.mid = mid;
  const matchType = url.searchParams.get('matchtype');
  if (matchType) touch.match_type = matchType.slice(0, 20);

  // fbc as Meta defines it; the snippet's cookie wins unless this URL brings a different fbclid.
  const cookieFbc = context?.fbc && printableAscii.test(context.fbc) && fbcShape.test(context.fbc) ? context.fbc : null;
  const fbclid = touch.fbclid as string | undefined;
  if (cookieFbc && (!fbclid || cookieFbc.split('.')[3] === fbclid)) touch.fbc = cookieFbc;
  else if (fbclid) touch.fbc = `fb.1.${at >= 1e12 && at < 1e16 ? at : Date.now()}.${fbclid}`;
  if (context?.fbp && printableAscii.test(context.fbp) && fbpShape.test(context.fbp)) touch.fbp = context.fbp;

  const others: Record<string, string> = {};
  let kept = 0;
  for (const [name, value] of url.searchParams) {
    if (knownParameters.has(name) || name.length > 60 || value.length > 500 || kept >= 20) continue;
    others[name] = value;
    kept++;
  }
  touch.url_params = others;

  const referrerHost = hostOf(referrer);
  const external = referrerHost !== null && referrerHost !== url.hostname.replace(/^www\./, '');
  if (referrer) touch.referrer = referrer;
  const hasClickId = clickIdParameters.some((name) => touch[name] !== undefined);
  const hasUtm = utmParameters.some((name) => touch[name] !== undefined);
  const channel = hasClickId
    ? 'paid'
    : touch.mid !== undefined || (touch.utm_medium as string | undefined)?.toLowerCase() === 'email'
    ? 'email'
    : hasUtm
    ? 'campaign'
    : external
    ? 'referral'
    : 'direct';
  return { ...touch, channel };
}

/** The RPC's batch: the validated request plus what only the server knows (origin, IP, device). */
export function ingestBatch(
  batch: TrackBatch,
  request: { origin: string; clientIp: string | null; userAgent: string },
): Ingest {
  const pageViews: unknown[] = [];
  const leaves: unknown[] = [];
  const events: unknown[] = [];
  for (const event of batch.events as TrackEvent[]) {
    const url = new URL(event.url);
    if (event.type === 'page_view') {
      pageViews.push({
        id: event.id,
        at: event.at,
        url: event.url,
        page_key: pageKey(url),
        path: url.pathname,
        title: event.title,
        referrer: event.referrer,
        touch: touchOf(url, event.referrer, event.at, batch.context),
      });
    } else if (event.type === 'page_leave') {
      leaves.push(event);
    } else {
      events.push({ ...event, page_key: pageKey(url) });
    }
  }
  return {
    site_key: batch.site_key,
    origin: request.origin,
    session_id: batch.session_id,
    visitor_id: batch.visitor_id,
    context: batch.context,
    client_ip: request.clientIp,
    user_agent: request.userAgent.slice(0, 1000),
    ...deviceOf(request.userAgent),
    page_views: pageViews,
    leaves,
    events,
  };
}

type Ingest = Record<string, unknown> & { site_key: string; visitor_id?: string; session_id: string };

/** Sessions and journeys locked in one order by every group, so two groups never wait on each other in a circle. */
function lockOrder(a: Ingest, b: Ingest): number {
  const key = (x: Ingest) => `${x.site_key}\u0000${x.visitor_id ?? ''}\u0000${x.session_id}`;
  const [ka, kb] = [key(a), key(b)];
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

// The batches an isolate has waiting at the same moment are written by one statement (migration
// 20261211000300; decision 0010). Each request is answered once that statement has committed; a
// group that fails is written again batch by batch, which the client event ids make harmless.
const ingest = groupCommit<Ingest, Record<string, unknown>>(async (batches) => {
  // Sorted (stably: one session's batches keep their order) for the lock order above.
  const order = batches.map((_, i) => i).sort((i, j) => lockOrder(batches[i], batches[j]));
  const { rows: [row] } = await dbPool().query<{ answers: Record<string, unknown>[] }>({
    name: 'track ingest',
    text: 'select lead.ingest_tracking_batches($1::jsonb) as answers',
    values: [JSON.stringify(order.map((i) => batches[i]))],
  });
  // Back in the callers' order; an answer missing for any batch fails the group (each then runs alone).
  if (row.answers.length !== batches.length) {
    throw new Error(`lead.ingest_tracking_batches answered ${row.answers.length} batches for ${batches.length}`);
  }
  const answers = new Array<Record<string, unknown>>(batches.length);
  order.forEach((i, k) => (answers[i] = row.answers[k]));
  return answers;
});

export async function handler(req: Request): Promise<Response> {
  if (req.method === 'OPTIONS') return intakePreflight(req);
  const origin = req.headers.get('origin');
  try {
    requirePost(req);
    const text = await readCappedText(req, trackMaxBytes);
    const batch = parseBatch(text);
    const requestOrigin = requireOrigin(req);
    const userAgent = req.headers.get('user-agent');
    if (isBot(userAgent)) {
      const dropped: TrackDropped = { status: 'dropped', reason: 'bot' };
      return Response.json(dropped, { status: 202, headers: intakeHeaders(origin, false) });
    }
    const result = await ingest(
      ingestBatch(batch, { origin: requestOrigin, clientIp: clientIp(req), userAgent: userAgent! }),
    );
    const refusal = refusalError(String(result.status));
    if (refusal) throw refusal;
    return Response.json(result as TrackAccepted, { status: 202, headers: intakeHeaders(origin, true) });
  } catch (error) {
    const headers = intakeHeaders(origin, false);
    if (error instanceof HttpError && error.status === 405) headers.allow = 'POST, OPTIONS';
    return toErrorResponse(error, headers);
  }
}

/** More than 50 events is "too large" (413) rather than merely invalid, whatever else is wrong. */
function parseBatch(text: string): TrackBatch {
  const value = parseJsonText(text);
  const events = (value as { events?: unknown } | null)?.events;
  if (Array.isArray(events) && events.length > trackMaxEvents) {
    throw new HttpError(413, 'too_many_events', `At most ${trackMaxEvents} events per request`);
  }
  return validateIntake(value, TrackBatchSchema);
}
