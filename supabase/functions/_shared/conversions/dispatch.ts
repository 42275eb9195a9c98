// The dispatch engine of both conversion workers (meta-queue-worker: Meta; platform-sync-worker:
// Google Ads, TikTok, LinkedIn, webhook), on the shared runtime (../worker.ts, decision 0005).
// Per batch of queue messages:
//   1. one query loads every delivery with its conversion, mapping and window; one per destination
//      kind loads the pixels / accounts, whose secrets are opened once each;
//   2. messages whose delivery is already terminal are archived (a redelivery after a crash, or a
//      duplicate message): a delivery is sent at most once per message and never moved back;
//      deliveries past the platform's upload limit are skipped `outside_window`;
//   3. the rest are marked `processing` and grouped by destination, in requests of the platform's
//      maximum (Meta 1,000 events); an item the gateway cannot build is failed on its own, and an item
//      the platform refuses inside a batch is split out and the rest resent (never sinking the batch);
//   4. each request's outcome is ONE settlement: record_dispatch (deliveries, dispatch_log rows,
//      domain events, token state) and the messages' fate (archive, dead letter, visibility timeout)
//      commit together.
// Retries: 5xx, timeouts and throttling come back after Retry-After when the platform sends one,
// else after the backoff with jitter; the `maxAttempts`-th failed attempt fails the delivery and
// dead-letters its message. An invalid token (Meta 190, HTTP 401) marks the pixel/account invalid,
// fails its deliveries and stops sending to it.
import { ConversionMessageSchema } from '@rastro/contracts';
import type pg from 'pg';
import { DecryptionError } from '../crypto.ts';
import { dbPool } from '../db.ts';
import type { Queue, QueueMessage } from '../queue.ts';
import {
  type Backoff,
  backoffSeconds,
  describe,
  type QueueWorker,
  settle,
  type Settlement,
  type Verdict,
} from '../worker.ts';
import {
  type DeliveryRow,
  type Destination,
  type Gateway,
  gateways,
  type HttpAnswer,
  type Outcome,
} from './gateways.ts';
import { openAccountCredentials, openPixelToken } from './secrets.ts';
import type { AccountPlatform } from '@rastro/contracts';

export type DispatchSettings = {
  workerName: string;
  functionName: string;
  queue: Queue;
  batchSize: number;
  visibilitySeconds: number;
  /** HTTP attempts of one delivery before it fails. */
  maxAttempts: number;
  backoff: Backoff;
  /** Per request. */
  timeoutMs: number;
  env: (name: string) => string | undefined;
  fetch?: typeof fetch;
};

/** What record_dispatch takes for one delivery. */
type DeliveryOutcome = {
  delivery_id: string;
  status: 'sent' | 'pending' | 'failed' | 'skipped';
  skip_reason?: string;
  error?: string | null;
  status_code?: number | null;
  trace_id?: string | null;
  next_attempt_at?: string | null;
  attempted: boolean;
};

type Attempt = {
  company_id: string;
  platform: string;
  pixel_config_id: string | null;
  platform_account_id: string | null;
  delivery_ids: string[];
  worker: string;
  status_code: number | null;
  outcome: 'sent' | 'partial' | 'retry' | 'failed' | 'token_invalid';
  request: Record<string, unknown>;
  response_body: unknown;
  response_headers: Record<string, string>;
  error: string | null;
  trace_id: string | null;
  duration_ms: number;
};

type TokenState = {
  pixel_config_id?: string;
  platform_account_id?: string;
  status: 'valid' | 'invalid';
  error?: string;
};

type Job = { message: QueueMessage; row: DeliveryRow };

/** Request bodies in dispatch_log keep at most this many items (the count is always kept). */
const loggedItems = 50;
const loggedHeaders = ['content-type', 'retry-after', 'x-fb-trace-id', 'request-id', 'x-li-uuid', 'x-restli-id'];

export function conversionQueueWorker(settings: DispatchSettings, chainPayload: Record<string, unknown>): QueueWorker {
  return {
    name: settings.workerName,
    queue: settings.queue,
    batchSize: settings.batchSize,
    visibilitySeconds: settings.visibilitySeconds,
    // A safety net for messages whose runs keep dying (SIGKILL, platform limits) before settling.
    maxReads: settings.maxAttempts * 3,
    backoff: settings.backoff,
    label: (message) => `delivery ${(message.message as { delivery_id?: string })?.delivery_id ?? message.msg_id}`,
    handleBatch: (messages) => dispatchBatch(messages, settings),
    work: {
      handle: (message) => settle(message, { outcome: 'released' }),
      giveUp: (message, reason) => {
        const parsed = ConversionMessageSchema.safeParse(message.message);
        return settle(
          message,
          { outcome: 'failed', error: reason },
          parsed.success
            ? (tx) =>
              recordDispatch(tx, [{
                delivery_id: parsed.data.delivery_id,
                status: 'failed',
                error: reason,
                attempted: false,
              }])
            : undefined,
        );
      },
    },
    chain: { functionName: settings.functionName, payload: chainPayload },
  };
}

async function recordDispatch(
  db: pg.PoolClient | pg.Pool,
  outcomes: DeliveryOutcome[],
  attempts: Attempt[] = [],
  tokens: TokenState[] = [],
): Promise<void> {
  if (outcomes.length === 0 && attempts.length === 0 && tokens.length === 0) return;
  await db.query('select core_marketing.record_dispatch($1::jsonb, $2::jsonb, $3::jsonb)', [
    JSON.stringify(outcomes),
    JSON.stringify(attempts),
    JSON.stringify(tokens),
  ]);
}

export async function dispatchBatch(messages: QueueMessage[], settings: DispatchSettings): Promise<Settlement[]> {
  const immediate: Array<{ message: QueueMessage; verdict: Verdict; outcome?: DeliveryOutcome }> = [];
  const byDelivery = new Map<string, QueueMessage>();
  for (const message of messages) {
    const parsed = ConversionMessageSchema.safeParse(message.message);
    if (!parsed.success) {
      immediate.push({
        message,
        verdict: { outcome: 'failed', error: `message ${message.msg_id} is not a conversion message` },
      });
    } else if (byDelivery.has(parsed.data.delivery_id)) immediate.push({ message, verdict: { outcome: 'skipped' } });
    else byDelivery.set(parsed.data.delivery_id, message);
  }
  const rows = await loadDeliveries([...byDelivery.keys()]);
  const groups = new Map<string, Job[]>();
  const now = Date.now();
  for (const [deliveryId, message] of byDelivery) {
    const row = rows.get(deliveryId);
    if (!row || row.status === 'sent' || row.status === 'skipped' || row.status === 'failed') {
      immediate.push({ message, verdict: { outcome: 'skipped' } }); // deleted, or settled by an earlier run
    } else if (!gateways[row.platform]) {
      immediate.push(failedJob(message, row, `no gateway for platform ${row.platform}`));
    } else if (row.upload_limit_days !== null && row.occurred_at.getTime() < now - row.upload_limit_days * 86_400_000) {
      immediate.push({
        message,
        verdict: { outcome: 'skipped' },
        outcome: {
          delivery_id: row.delivery_id,
          status: 'skipped',
          skip_reason: 'outside_window',
          attempted: false,
          error: `older than the ${row.upload_limit_days}-day upload limit when it could be sent`,
        },
      });
    } else if (row.attempts >= settings.maxAttempts) {
      immediate.push(failedJob(message, row, `gave up after ${row.attempts} attempts`));
    } else {
      const destinationId = row.pixel_config_id ?? row.platform_account_id;
      if (!destinationId) immediate.push(failedJob(message, row, 'its pixel or account was deleted'));
      else groups.set(destinationId, [...(groups.get(destinationId) ?? []), { message, row }]);
    }
  }

  const destinations = await loadDestinations([...groups.entries()].map(([id, jobs]) => ({ id, row: jobs[0].row })));
  const sendable: Job[] = [];
  for (const [id, jobs] of groups) {
    const destination = destinations.get(id);
    if (typeof destination === 'string') {
      for (const job of jobs) immediate.push(failedJob(job.message, job.row, destination));
      groups.delete(id);
    } else sendable.push(...jobs);
  }
  if (sendable.length > 0) {
    await dbPool().query(
      `update core_marketing.conversion_deliveries set status = 'processing'
       where id = any ($1::uuid[]) and status in ('pending', 'processing')`,
      [sendable.map((job) => job.row.delivery_id)],
    );
  }

  const settlements: Settlement[] = [];
  if (immediate.length > 0) {
    const outcomes = immediate.flatMap((entry) => (entry.outcome ? [entry.outcome] : []));
    settlements.push({
      verdicts: immediate.map(({ message, verdict }) => ({ message, verdict })),
      write: outcomes.length > 0 ? (tx) => recordDispatch(tx, outcomes) : undefined,
    });
  }
  const sent = await Promise.all(
    [...groups.entries()].map(([id, jobs]) => sendGroup(destinations.get(id) as Destination, jobs, settings)),
  );
  return [...settlements, ...sent.flat()];
}

function failedJob(message: QueueMessage, row: DeliveryRow, error: string) {
  return {
    message,
    verdict: { outcome: 'failed', error: `delivery ${row.delivery_id}: ${error}` } as Verdict,
    outcome: { delivery_id: row.delivery_id, status: 'failed', error, attempted: false } as DeliveryOutcome,
  };
}

async function loadDeliveries(ids: string[]): Promise<Map<string, DeliveryRow>> {
  if (ids.length === 0) return new Map();
  const { rows } = await dbPool().query<DeliveryRow>(
    `select d.id as delivery_id, d.company_id, d.conversion_id, d.platform, d.status, d.attempts, d.pixel_config_id,
            d.platform_account_id, d.click_id, v.event_id, v.conversion_name, v.value::text as value, v.currency, v.occurred_at,
            v.fbc, v.fbp, v.gclid, v.gbraid, v.wbraid, v.ttclid, v.li_fat_id, v.ctwa_clid, v.messaging_channel,
            v.whatsapp_business_account_id, v.email_hash, v.phone_hash,
            v.external_id_hash, v.client_user_agent, v.event_source_url, m.meta_event_name, m.google_conversion_action_id,
            m.tiktok_event_name, m.linkedin_rule_id, w.upload_limit_days
     from core_marketing.conversion_deliveries d
     join core_marketing.conversions v on v.id = d.conversion_id
     left join core_marketing.conversion_mappings m on m.company_id = v.company_id and m.business_event = v.business_event
     left join core_marketing.attribution_windows w on w.company_id = d.company_id and w.platform = d.platform
     where d.id = any ($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((row) => [row.delivery_id, row]));
}

/** Each destination opened, or why its deliveries cannot be sent. */
async function loadDestinations(
  wanted: Array<{ id: string; row: DeliveryRow }>,
): Promise<Map<string, Destination | string>> {
  const result = new Map<string, Destination | string>();
  if (wanted.length === 0) return result;
  const { rows } = await dbPool().query<{
    id: string;
    company_id: string;
    platform: string;
    ref: string;
    login_customer_id: string | null;
    graph_version: string;
    test_event_code: string | null;
    action_source: string;
    ciphertext: string | null;
    is_active: boolean;
    token_status: string;
  }>(
    `select p.id, p.company_id, 'meta' as platform, p.pixel_id as ref, null as login_customer_id, p.graph_version,
            p.test_event_code, p.action_source, p.access_token_ciphertext as ciphertext, p.is_active, p.token_status
     from core_marketing.pixel_configs p where p.id = any ($1::uuid[])
     union all
     select a.id, a.company_id, a.platform, a.account_ref, a.login_customer_id, 'v21.0', null, 'system_generated',
            a.credentials_ciphertext, a.is_active, a.credentials_status
     from core_marketing.platform_accounts a where a.id = any ($1::uuid[])`,
    [wanted.map((w) => w.id)],
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  for (const { id, row: delivery } of wanted) {
    const row = byId.get(id);
    if (!row || row.company_id !== delivery.company_id) result.set(id, 'its pixel or account was deleted');
    else if (!row.is_active) result.set(id, `${row.platform} destination ${row.ref} is inactive`);
    else if (row.token_status === 'invalid') {
      result.set(id, `${row.platform} destination ${row.ref}: the platform refused its token; save a new one`);
    } else if (!row.ciphertext) result.set(id, `${row.platform} destination ${row.ref} has no token`);
    else {
      try {
        const secret = row.platform === 'meta'
          ? await openPixelToken(row.company_id, row.id, row.ciphertext)
          : await openAccountCredentials(row.company_id, row.id, row.platform as AccountPlatform, row.ciphertext);
        result.set(id, {
          id,
          companyId: row.company_id,
          platform: row.platform,
          ref: row.ref,
          loginCustomerId: row.login_customer_id,
          graphVersion: row.graph_version,
          testEventCode: row.test_event_code,
          actionSource: row.action_source,
          secret,
        });
      } catch (error) {
        result.set(
          id,
          error instanceof DecryptionError
            ? `${row.platform} destination ${row.ref}: its stored secret does not open (${error.message})`
            : `${row.platform} destination ${row.ref}: ${describe(error)}`,
        );
      }
    }
  }
  return result;
}

/** Sends one destination's jobs in requests of the platform's size; one settlement per request. */
async function sendGroup(destination: Destination, jobs: Job[], settings: DispatchSettings): Promise<Settlement[]> {
  const gateway = gateways[destination.platform];
  const size = Math.min(gateway.maxBatch, settings.batchSize);
  const settlements: Settlement[] = [];
  let tokenRefused: string | null = null;
  for (let start = 0; start < jobs.length; start += size) {
    const chunk = jobs.slice(start, start + size);
    if (tokenRefused !== null) {
      const error = tokenRefused;
      const outcomes = chunk.map((job) => ({
        delivery_id: job.row.delivery_id,
        status: 'failed' as const,
        error,
        attempted: false,
      }));
      settlements.push({
        verdicts: chunk.map(({ message }) => ({ message, verdict: { outcome: 'failed', error } as Verdict })),
        write: (tx) => recordDispatch(tx, outcomes),
      });
      continue;
    }
    const result = await sendChunk(gateway, destination, chunk, settings);
    if (result.tokenRefused) tokenRefused = result.tokenRefused;
    settlements.push(result.settlement);
  }
  return settlements;
}

async function sendChunk(
  gateway: Gateway,
  destination: Destination,
  chunk: Job[],
  settings: DispatchSettings,
): Promise<{ settlement: Settlement; tokenRefused: string | null }> {
  const verdicts: Array<{ message: QueueMessage; verdict: Verdict }> = [];
  const outcomes: DeliveryOutcome[] = [];
  const attempts: Attempt[] = [];
  const tokens: TokenState[] = [];
  const fail = (job: Job, error: string, attempted: boolean, statusCode: number | null = null) => {
    verdicts.push({
      message: job.message,
      verdict: { outcome: 'failed', error: `delivery ${job.row.delivery_id}: ${error}` },
    });
    outcomes.push({ delivery_id: job.row.delivery_id, status: 'failed', error, attempted, status_code: statusCode });
  };

  let pending: Array<{ job: Job; item: Record<string, unknown> }> = [];
  for (const job of chunk) {
    const built = gateway.build(job.row, destination);
    if (built.ok) pending.push({ job, item: built.item });
    else fail(job, `not sendable: ${built.error}`, false);
  }
  let tokenRefused: string | null = null;
  // An item the platform refuses whole-request is split out and the rest sent again (bounded).
  for (let round = 0; pending.length > 0 && round < 10; round++) {
    const { outcome, attempt } = await attemptOnce(gateway, destination, pending, settings);
    attempts.push(attempt);
    if (outcome.kind === 'invalid_item' && outcome.index < pending.length) {
      fail(pending[outcome.index].job, outcome.error, true, attempt.status_code);
      pending = pending.filter((_, index) => index !== outcome.index);
      continue;
    }
    if (outcome.kind === 'sent') {
      const refused = new Map(outcome.failures.map((f) => [f.index, f.error]));
      for (const [index, { job }] of pending.entries()) {
        const error = refused.get(index);
        if (error !== undefined) fail(job, error, true, attempt.status_code);
        else {
          verdicts.push({ message: job.message, verdict: { outcome: 'succeeded' } });
          outcomes.push({
            delivery_id: job.row.delivery_id,
            status: 'sent',
            trace_id: outcome.traceId,
            status_code: attempt.status_code,
            attempted: true,
          });
        }
      }
      tokens.push(tokenState(destination, 'valid'));
    } else if (outcome.kind === 'token_invalid') {
      tokenRefused = outcome.error;
      tokens.push(tokenState(destination, 'invalid', outcome.error));
      for (const { job } of pending) fail(job, outcome.error, true, attempt.status_code);
    } else if (outcome.kind === 'retry') {
      for (const { job } of pending) {
        const attemptNo = job.row.attempts + 1;
        if (attemptNo >= settings.maxAttempts) {
          fail(
            job,
            `${outcome.error} (attempt ${attemptNo} of ${settings.maxAttempts}: giving up)`,
            true,
            attempt.status_code,
          );
          continue;
        }
        const delaySeconds = outcome.delaySeconds ?? backoffSeconds(attemptNo, settings.backoff);
        verdicts.push({
          message: job.message,
          verdict: { outcome: 'retry', error: `delivery ${job.row.delivery_id}: ${outcome.error}`, delaySeconds },
        });
        outcomes.push({
          delivery_id: job.row.delivery_id,
          status: 'pending',
          error: outcome.error,
          status_code: attempt.status_code,
          next_attempt_at: new Date(Date.now() + delaySeconds * 1000).toISOString(),
          attempted: true,
        });
      }
    } else {
      for (const { job } of pending) fail(job, outcome.error, true, attempt.status_code);
    }
    pending = [];
  }
  for (const { job } of pending) fail(job, 'too many refused items in one batch', true);
  return {
    settlement: { verdicts, write: (tx) => recordDispatch(tx, outcomes, attempts, tokens) },
    tokenRefused,
  };
}

function tokenState(destination: Destination, status: 'valid' | 'invalid', error?: string): TokenState {
  return destination.platform === 'meta'
    ? { pixel_config_id: destination.id, status, error }
    : { platform_account_id: destination.id, status, error };
}

async function attemptOnce(
  gateway: Gateway,
  destination: Destination,
  pending: Array<{ job: Job; item: Record<string, unknown> }>,
  settings: DispatchSettings,
): Promise<{ outcome: Outcome; attempt: Attempt }> {
  const items = pending.map((p) => p.item);
  const { url, init, logged } = await gateway.request(items, destination, settings.env);
  const started = performance.now();
  let answer: HttpAnswer | null = null;
  let outcome: Outcome;
  try {
    const response = await (settings.fetch ?? fetch)(url, { ...init, signal: AbortSignal.timeout(settings.timeoutMs) });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    answer = { status: response.status, headers: response.headers, body };
    outcome = gateway.interpret(answer, items.length);
  } catch (error) {
    outcome = { kind: 'retry', error: `${gateway.platform} request failed: ${describe(error)}` };
  }
  const attempt: Attempt = {
    company_id: destination.companyId,
    platform: gateway.platform,
    pixel_config_id: destination.platform === 'meta' ? destination.id : null,
    platform_account_id: destination.platform === 'meta' ? null : destination.id,
    delivery_ids: pending.map((p) => p.job.row.delivery_id),
    worker: settings.workerName,
    status_code: answer?.status ?? null,
    outcome: outcome.kind === 'sent'
      ? (outcome.failures.length > 0 ? 'partial' : 'sent')
      : outcome.kind === 'invalid_item'
      ? 'failed'
      : outcome.kind,
    request: truncateLogged(logged, items.length),
    response_body: answer?.body ?? null,
    response_headers: answer ? pickHeaders(answer.headers) : {},
    error: outcome.kind === 'sent' ? null : outcome.error,
    trace_id: outcome.kind === 'sent' ? outcome.traceId : traceOf(answer),
    duration_ms: Math.round(performance.now() - started),
  };
  return { outcome, attempt };
}

function traceOf(answer: HttpAnswer | null): string | null {
  const body = answer?.body as { error?: { fbtrace_id?: unknown }; request_id?: unknown } | null;
  const trace = body?.error?.fbtrace_id ?? body?.request_id;
  return typeof trace === 'string' ? trace : null;
}

function pickHeaders(headers: Headers): Record<string, string> {
  return Object.fromEntries(loggedHeaders.flatMap((name) => (headers.has(name) ? [[name, headers.get(name)!]] : [])));
}

/** The logged request with its item array cut to `loggedItems` (the count is kept). */
function truncateLogged(logged: Record<string, unknown>, count: number): Record<string, unknown> {
  const body = logged.body as Record<string, unknown>;
  const key = ['data', 'conversions', 'elements'].find((k) => Array.isArray(body?.[k]));
  if (!key || count <= loggedItems) return { ...logged, items: count };
  return {
    ...logged,
    items: count,
    truncated: true,
    body: { ...body, [key]: (body[key] as unknown[]).slice(0, loggedItems) },
  };
}
