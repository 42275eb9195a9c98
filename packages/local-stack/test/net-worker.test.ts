// pg_net end to end: net.http_* in SQL -> worker -> a real HTTP server -> net._http_response. Runs
// unchanged against the real pg_net 0.20.4 (its C background worker; the stack starts no local worker)
// and against the stand-in (packages/local-stack/src/net-worker.ts, started by the stack). The tests
// also start local workers of their own, beside whichever runs: every assertion holds whoever takes a
// request, so they pin only what pg_net promises. Needs a running stack at DB_URL.
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNetWorker, type NetWorker } from '../src/net-worker.ts';

const databaseUrl = process.env.DB_URL;

type Received = { method: string; url: string; headers: IncomingHttpHeaders; body: string };
type ResponseRow = {
  status_code: number | null;
  content_type: string | null;
  headers: Record<string, string> | null;
  content: string | null;
  timed_out: boolean | null;
  error_msg: string | null;
};

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe.skipIf(!databaseUrl)('net worker (needs DB_URL)', () => {
  const received: Received[] = [];
  const logs: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (req.url?.startsWith('/slow')) {
        setTimeout(() => res.end('too late'), 2000).unref();
        return;
      }
      res.writeHead(201, { 'Content-Type': 'application/json', 'X-Reply': 'yes' });
      res.end(JSON.stringify({ ok: true, path: req.url }));
    });
  });
  let baseUrl: string;
  let db: pg.Client;
  let worker: NetWorker;
  const run = `${process.pid}-${Date.now()}`;
  const testWorkerName = 'rastro-net-worker-test';

  const requestsTo = (path: string): Received[] => received.filter((r) => r.url.startsWith(path));

  // Polls net._http_response until every id has its row; returns the rows in the order of `ids`.
  const waitForResponses = async (ids: string[], timeoutMs = 5000): Promise<ResponseRow[]> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await db.query<ResponseRow & { id: string }>(
        `select id, status_code, content_type, headers, content, timed_out, error_msg
         from net._http_response where id = any($1::bigint[])`,
        [ids],
      );
      if (rows.length === ids.length) return ids.map((id) => rows.find((row) => row.id === id)!);
      if (Date.now() > deadline) throw new Error(`only ${rows.length} of ${ids.length} responses after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const waitForResponse = async (id: string): Promise<ResponseRow> => (await waitForResponses([id]))[0];

  const post = async (path: string, body: object, extra = ''): Promise<string> => {
    const { rows } = await db.query<{ id: string }>(
      `select net.http_post(url := $1, body := $2::jsonb ${extra}) as id`,
      [`${baseUrl}${path}`, JSON.stringify(body)],
    );
    return rows[0].id;
  };

  beforeAll(async () => {
    baseUrl = await listen(server);
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    // A long poll interval: requests below are picked up because NOTIFY wakes the worker.
    worker = await startNetWorker({ databaseUrl: databaseUrl!, pollMs: 60_000, applicationName: testWorkerName, log: (msg) => logs.push(msg) });
  });

  afterAll(async () => {
    await worker?.stop();
    await db?.end();
    server.closeAllConnections();
    server.close();
  });

  it('sends a committed http_post with its body and headers and records the response', async () => {
    const path = `/hook/${run}`;
    const id = await post(path, { event: 'conversion', value: 10 },
      `, headers := '{"Content-Type": "application/json", "Authorization": "Bearer t0k3n"}'::jsonb`);

    const response = await waitForResponse(id);

    const [request] = requestsTo(path);
    expect(request.method).toBe('POST');
    expect(JSON.parse(request.body)).toEqual({ event: 'conversion', value: 10 });
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.authorization).toBe('Bearer t0k3n');
    expect(response).toMatchObject({
      status_code: 201,
      content_type: 'application/json',
      timed_out: false,
      error_msg: null,
    });
    expect(JSON.parse(response.content!)).toEqual({ ok: true, path });
    // Header names as the server sent them (pg_net) or lower-cased (fetch): HTTP names are case-insensitive.
    const replyHeaders = Object.entries(response.headers ?? {}).filter(([name]) => name.toLowerCase() === 'x-reply');
    expect(replyHeaders.map(([, value]) => value)).toEqual(['yes']);
  });

  it('sends GET params as the query string', async () => {
    const path = `/status/${run}`;
    const { rows } = await db.query<{ id: string }>(
      `select net.http_get($1, params := '{"page": "2", "q": "a b"}'::jsonb) as id`,
      [`${baseUrl}${path}`],
    );
    const response = await waitForResponse(rows[0].id);
    expect(response.status_code).toBe(201);
    expect(requestsTo(path).map((r) => [r.method, r.url])).toEqual([['GET', `${path}?q=a%20b&page=2`]]);
  });

  it('does not send a request whose transaction rolled back', async () => {
    const path = `/rolled-back/${run}`;
    await db.query('begin');
    await post(path, {});
    await db.query('rollback');
    const id = await post(`/after-rollback/${run}`, {});
    await waitForResponse(id);
    expect(requestsTo(path)).toEqual([]);
  });

  it('records timed_out when the server answers after timeout_milliseconds', async () => {
    const id = await post(`/slow/${run}`, {}, ', timeout_milliseconds := 200');
    const response = await waitForResponse(id);
    expect(response).toMatchObject({ status_code: null, timed_out: true });
    expect(response.error_msg).toMatch(/Timeout of 200 ms/);
  });

  it('records error_msg when the server cannot be reached', async () => {
    const closed = createServer();
    const closedUrl = await listen(closed);
    closed.close();
    const { rows } = await db.query<{ id: string }>('select net.http_post($1) as id', [`${closedUrl}/nobody-home`]);
    const response = await waitForResponse(rows[0].id);
    // The text is the worker's own (libcurl: "Couldn't connect to server"; fetch: "… ECONNREFUSED").
    expect(response).toMatchObject({ status_code: null, timed_out: false });
    expect(response.error_msg).toEqual(expect.stringMatching(/\S/));
  });

  it('never runs a request twice when two workers share the queue', async () => {
    const second = await startNetWorker({ databaseUrl: databaseUrl!, pollMs: 50, batchSize: 3, applicationName: testWorkerName, log: (msg) => logs.push(msg) });
    try {
      const { rows } = await db.query<{ id: string }>(
        `select net.http_post($1::text || '/' || i) as id from generate_series(1, 30) as i`,
        [`${baseUrl}/shared/${run}`],
      );
      await waitForResponses(rows.map((row) => row.id));
    } finally {
      await second.stop();
    }
    const paths = requestsTo(`/shared/${run}/`).map((r) => r.url);
    expect(paths).toHaveLength(30);
    expect(new Set(paths).size).toBe(30);
  });

  it('the stack serves the queue with one kind of worker: pg_net\'s own with the real extension, else the local one', async () => {
    const { rows: [serving] } = await db.query<{ real_pg_net: boolean; pg_net_workers: number; local_workers: number }>(
      `select exists (select 1 from pg_extension where extname = 'pg_net') as real_pg_net,
              count(*) filter (where application_name like 'pg\\_net %')::integer as pg_net_workers,
              count(*) filter (where application_name = 'rastro-net-worker')::integer as local_workers
       from pg_stat_activity`,
    );
    expect({ pgNetWorkers: serving.pg_net_workers, localWorker: serving.local_workers > 0 })
      .toEqual(serving.real_pg_net ? { pgNetWorkers: 1, localWorker: false } : { pgNetWorkers: 0, localWorker: true });
  });

  it('logged no errors', () => {
    expect(logs).toEqual([]);
  });
});
