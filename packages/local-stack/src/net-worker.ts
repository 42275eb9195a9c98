// The local stand-in for pg_net's background worker (see sql/bootstrap/50_pg_net.sql).
// pg_net's worker takes a batch from net.http_request_queue (deleting the rows as it takes them, so
// delivery is at most once), runs the requests concurrently with a per-request timeout, writes one
// net._http_response row per request and expires responses older than pg_net.ttl (6 hours).
// This does the same from Node: it wakes on NOTIFY rastro_net_request (sent, delivered on commit, by the
// net.wake() that every net.http_* calls) and also polls, so a lost notification only delays a request
// by one poll interval. With the real pg_net extension installed the stack does not start it.
import pg from 'pg';

export type NetWorkerOptions = {
  databaseUrl: string;
  /** Poll interval in ms; also how often responses past the TTL are expired. Default 1000. */
  pollMs?: number;
  /** Requests taken per claim, and therefore the most that run at once. Default 32 (pg_net's batch_size is 200). */
  batchSize?: number;
  /** application_name of its connections, so pg_stat_activity shows who serves the queue. Default `rastro-net-worker`. */
  applicationName?: string;
  log?: (msg: string) => void;
};

export type NetWorker = { stop(): Promise<void> };

type QueuedRequest = {
  id: string;
  method: string;
  url: string;
  headers: Record<string, unknown> | null;
  body: Buffer | null;
  timeout_milliseconds: number;
};

type ResponseRow = {
  id: string;
  status_code: number | null;
  content_type: string | null;
  headers: Record<string, string> | null;
  content: string | null;
  timed_out: boolean;
  error_msg: string | null;
};

const notifyChannel = 'rastro_net_request';
const responseTtl = '6 hours';
const maxTimeoutMs = 1_000_000; // outside 1..this a request is answered with an error, as pg_net does

// The claim takes the oldest requests and deletes them in the same statement. SKIP LOCKED means two
// workers (or two stacks on one database) never take the same row.
const claimSql = `
  with taken as (
    select id from net.http_request_queue
    order by id
    limit $1
    for update skip locked
  )
  delete from net.http_request_queue q
  using taken
  where q.id = taken.id
  returning q.id, q.method, q.url, q.headers, q.body, q.timeout_milliseconds`;

const insertResponsesSql = `
  insert into net._http_response (id, status_code, content_type, headers, content, timed_out, error_msg)
  select r.id, r.status_code, r.content_type, r.headers, r.content, r.timed_out, r.error_msg
  from jsonb_to_recordset($1::jsonb) as r(
    id bigint, status_code integer, content_type text, headers jsonb, content text, timed_out boolean, error_msg text)`;

const expireSql = `delete from net._http_response where created < now() - $1::interval`;

export async function startNetWorker(opts: NetWorkerOptions): Promise<NetWorker> {
  const pollMs = opts.pollMs ?? 1000;
  const batchSize = opts.batchSize ?? 32;
  const log = opts.log ?? ((msg: string) => console.error(`[net-worker] ${msg}`));
  const connection = { connectionString: opts.databaseUrl, application_name: opts.applicationName ?? 'rastro-net-worker' };
  const pool = new pg.Pool({ ...connection, max: 2 });
  pool.on('error', (error) => log(`idle database connection failed: ${error.message}`));

  let stopped = false;
  let draining: Promise<void> | null = null;
  let wakeAgain = false;
  let listener: pg.Client | null = null;

  const drain = async (): Promise<void> => {
    for (;;) {
      const { rows } = await pool.query<QueuedRequest>(claimSql, [batchSize]);
      if (rows.length === 0) return;
      const responses = await Promise.all(rows.map(perform));
      await pool.query(insertResponsesSql, [JSON.stringify(responses)]);
      if (rows.length < batchSize || stopped) return;
    }
  };

  // One drain at a time; a wake-up that arrives during a drain makes it run once more afterwards.
  const wake = (): void => {
    if (stopped) return;
    if (draining) {
      wakeAgain = true;
      return;
    }
    draining = drain()
      .catch((error: unknown) => log(`processing the request queue failed: ${describe(error)}`))
      .finally(() => {
        draining = null;
        if (wakeAgain) {
          wakeAgain = false;
          wake();
        }
      });
  };

  const listen = async (): Promise<void> => {
    const client = new pg.Client(connection);
    client.on('notification', wake);
    client.on('error', (error) => {
      log(`LISTEN connection lost (${error.message}); polling until it is back`);
      if (listener === client) listener = null;
      client.end().catch((endError: unknown) => log(`closing the LISTEN connection failed: ${describe(endError)}`));
    });
    await client.connect();
    try {
      await client.query(`listen ${notifyChannel}`);
    } catch (error) {
      await client.end();
      throw error;
    }
    if (stopped) {
      await client.end();
      return;
    }
    listener = client;
  };

  let reconnecting = false;
  const tick = (): void => {
    if (!listener && !reconnecting) {
      reconnecting = true;
      listen()
        .catch((error: unknown) => log(`LISTEN ${notifyChannel} failed: ${describe(error)}`))
        .finally(() => { reconnecting = false; });
    }
    pool.query(expireSql, [responseTtl])
      .catch((error: unknown) => log(`expiring old responses failed: ${describe(error)}`));
    wake();
  };

  await listen();
  const timer = setInterval(tick, pollMs);
  wake(); // requests queued while no worker was running

  return {
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      await draining;
      const closing = listener;
      listener = null;
      await closing?.end();
      await pool.end();
    },
  };
}

async function perform(request: QueuedRequest): Promise<ResponseRow> {
  const failure = (error_msg: string, timed_out = false): ResponseRow => ({
    id: request.id, status_code: null, content_type: null, headers: null, content: null, timed_out, error_msg,
  });
  const timeoutMs = request.timeout_milliseconds;
  if (!(timeoutMs >= 1 && timeoutMs <= maxTimeoutMs)) {
    return failure(`timeout_milliseconds must be between 1 and ${maxTimeoutMs}, got ${timeoutMs}`);
  }
  const headers = new Headers({ 'User-Agent': 'pg_net/rastro-local' });
  try {
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      headers.set(name, typeof value === 'string' ? value : JSON.stringify(value));
    }
    // pg_net follows redirects (CURLOPT_FOLLOWLOCATION), as fetch does by default.
    const response = await fetch(request.url, {
      method: request.method.toUpperCase(),
      headers,
      body: request.body ? new Uint8Array(request.body) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const content = await response.text();
    return {
      id: request.id,
      status_code: response.status,
      content_type: response.headers.get('content-type'),
      headers: Object.fromEntries(response.headers),
      // Postgres text cannot hold NUL; pg_net stops at the first NUL (C string), so do we.
      content: content === '' ? null : content.split('\u0000', 1)[0],
      timed_out: false,
      error_msg: null,
    };
  } catch (error) {
    if (error instanceof DOMException && error.name === 'TimeoutError') {
      return failure(`Timeout of ${timeoutMs} ms reached`, true);
    }
    return failure(describe(error));
  }
}

// fetch reports network failures as "fetch failed" with the real reason (ECONNREFUSED, ENOTFOUND, ...)
// in `cause`; keep both so the response row says what happened.
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
