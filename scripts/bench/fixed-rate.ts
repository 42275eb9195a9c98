// An open-loop load generator for `npm run bench`: requests leave at a fixed rate whatever the server
// does, each on a free connection or a new one, and each latency is counted from the moment the
// generator sent it, waits for a connection and connecting included (decision 0015). autocannon,
// which the throughput benches use, has no such mode: its `overallRate` lets each connection send its
// share of a second back to back as fast as answers come, then idle until the next second, so
// "500 requests/s" arrives as a burst at 20 connections during the first part of every second
// (tests/bench/fixed-rate.test.ts shows both).
//
// The generator runs on a worker thread of its own, so its timers are not held up by what the calling
// process does meanwhile (the local gateway shares the bench process); requests go over keep-alive
// connections, opened as needed up to `maxConnections` (more than that wait for one, and that wait is
// part of their latency). Like an HTTP client (undici, browsers), it does not reuse a connection the
// server may be closing: one idle for longer than the server's `Keep-Alive: timeout` less a second
// (4 s when it sends none), or one it answered without keep-alive, is closed and a new one opened.
// Reusing such a connection loses the request in flight when the server's close crosses it, which
// counted as errors in the bench while nothing was wrong with the server.
import net from 'node:net';
import { HTTPParser } from 'http-parser-js';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

export type FixedRateOptions = {
  origin: string;
  /** Paths used in turn, one per request. */
  paths: string[];
  headers?: Record<string, string>;
  method?: 'GET' | 'HEAD';
  rate: number;
  durationSeconds: number;
  maxConnections?: number;
  /** A request not answered within this many ms counts as a timeout. */
  timeoutMs?: number;
};

export type FixedRateResult = {
  /** Requests due in the run (rate × duration). */
  sent: number;
  answered: number;
  /** Answered per second of the run, counted until the last answer. */
  rate: number;
  /** Milliseconds from the moment each request left to its complete answer, sorted. */
  latenciesMs: number[];
  p50: number;
  p90: number;
  p99: number;
  max: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Connections opened in all. */
  connections: number;
  /** How late the generator sent requests after they were due (its own lag): p99 and most. */
  lagP99Ms: number;
  maxLagMs: number;
};

/** The q-quantile (0 < q ≤ 1) of sorted values: the smallest value with at least q of all at or below it. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Runs the load on a worker thread and resolves with its figures. */
export function fireAtFixedRate(options: FixedRateOptions): Promise<FixedRateResult> {
  if (!(options.rate > 0) || !(options.durationSeconds > 0) || options.paths.length === 0) {
    throw new RangeError('rate and durationSeconds must be positive and paths must not be empty');
  }
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: options });
    let settled = false;
    worker.once('message', (message: { result?: FixedRateResult; error?: string }) => {
      settled = true;
      if (message.result) resolve(message.result);
      else reject(new Error(`the fixed-rate generator failed: ${message.error}`));
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the fixed-rate generator exited with ${code} before answering`));
    });
  });
}

type Pending = { index: number; dueAt: number; sentAt: number };
type Connection = {
  socket: net.Socket;
  parser: InstanceType<typeof HTTPParser>;
  current: (Pending & { status: number; keepAlive: boolean }) | null;
  /** When it last became idle, and for how long after that it may still be reused (ms). */
  idleSince: number;
  reusableForMs: number;
};
type ResponseHead = { statusCode: number; headers: string[]; shouldKeepAlive: boolean };

/** Reuse limit without a hint from the server (Node's servers close idle connections after 5 s). */
const defaultReusableForMs = 4000;

/** How long an idle connection may be reused, from a response's Keep-Alive header (timeout less 1 s). */
export function reusableFor(headers: string[]): number {
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (headers[i].toLowerCase() !== 'keep-alive') continue;
    const timeout = /(?:^|[,\s])timeout=(\d+)/i.exec(headers[i + 1]);
    if (timeout) return Math.max(0, Number(timeout[1]) * 1000 - 1000);
  }
  return defaultReusableForMs;
}

async function generate(options: FixedRateOptions): Promise<FixedRateResult> {
  const { origin, paths, headers = {}, method = 'GET', rate, durationSeconds } = options;
  const maxConnections = options.maxConnections ?? 256;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const target = new URL(origin);
  // Requests are written as prepared bytes on plain sockets and answers read with http-parser-js (what
  // autocannon does): node:http's client costs this thread ~0.4 ms a request on these machines,
  // autocannon's way a quarter of that, and the bench's CPU is taken from what it measures.
  const head = Object.entries({ host: target.host, ...headers }).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  const requests = paths.map((path) => Buffer.from(`${method} ${path} HTTP/1.1\r\n${head}\r\n`));
  const intervalMs = 1000 / rate;
  const total = Math.round(rate * durationSeconds);
  const latencies: number[] = [];
  const lags: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let timeouts = 0;
  let answered = 0;
  let settled = 0;
  let opened = 0;
  let connections = 0;
  let lastAnswerAt = 0;
  const idle: Connection[] = [];
  const queued: Pending[] = [];
  let resolveAll: () => void = () => {};
  const done = new Promise<void>((resolve) => (resolveAll = resolve));

  const settle = () => {
    settled++;
    if (settled === total) resolveAll();
  };
  const write = (connection: Connection, pending: Pending) => {
    connection.current = { ...pending, status: 0, keepAlive: true };
    connection.socket.setTimeout(timeoutMs);
    connection.socket.write(requests[pending.index % requests.length]);
  };
  const next = (connection: Connection) => {
    const pending = queued.shift();
    if (pending) write(connection, pending);
    else {
      connection.idleSince = performance.now();
      idle.push(connection);
    }
  };
  /** The most recently used idle connection the server is not about to close; stale ones are closed. */
  const reusable = (): Connection | undefined => {
    const now = performance.now();
    for (let connection = idle.pop(); connection; connection = idle.pop()) {
      if (now - connection.idleSince < connection.reusableForMs) return connection;
      connection.socket.destroy(); // 'close' takes it out of the count
    }
    return undefined;
  };
  const open = (first: Pending) => {
    opened++;
    connections++;
    const socket = net.connect({ host: target.hostname, port: Number(target.port), noDelay: true });
    const parser = new HTTPParser(HTTPParser.RESPONSE);
    // The request it opens for is this connection's from the start, so a failed connect fails it.
    const connection: Connection = {
      socket,
      parser,
      current: { ...first, status: 0, keepAlive: true },
      idleSince: 0,
      reusableForMs: defaultReusableForMs,
    };
    parser[HTTPParser.kOnHeadersComplete] = (info: ResponseHead) => {
      if (!connection.current) return;
      connection.current.status = info.statusCode;
      connection.current.keepAlive = info.shouldKeepAlive;
      connection.reusableForMs = reusableFor(info.headers);
    };
    parser[HTTPParser.kOnMessageComplete] = () => {
      const current = connection.current;
      if (!current) return;
      connection.current = null;
      socket.setTimeout(0);
      const now = performance.now();
      latencies.push(now - current.sentAt);
      statuses[current.status] = (statuses[current.status] ?? 0) + 1;
      answered++;
      lastAnswerAt = now;
      settle();
      if (current.keepAlive) next(connection);
      else socket.destroy(); // the server closes it: 'close' opens another for a waiting request
    };
    socket.on('data', (chunk: Buffer) => parser.execute(chunk));
    socket.on('timeout', () => {
      if (connection.current) timeouts++;
      socket.destroy(new Error('timeout'));
    });
    // A broken connection fails the request it carried (if any) and leaves the pool.
    socket.on('close', () => {
      const index = idle.indexOf(connection);
      if (index >= 0) idle.splice(index, 1);
      opened--;
      if (connection.current) {
        connection.current = null;
        errors++;
        settle();
      }
      const waiting = queued.shift();
      if (waiting) open(waiting);
    });
    socket.on('error', () => {}); // 'close' follows and counts it
    socket.once('connect', () => {
      socket.setTimeout(timeoutMs);
      socket.write(requests[first.index % requests.length]);
    });
  };
  const send = (pending: Pending) => {
    lags.push(pending.sentAt - pending.dueAt);
    const connection = reusable();
    if (connection) write(connection, pending);
    else if (opened < maxConnections) open(pending);
    else queued.push(pending);
  };

  const started = performance.now();
  let due = 0;
  // Sends what is due, then sleeps until the next one is due. A timer wakes up to about a
  // millisecond late (never spins: a spin would take most of a core from what is measured), so each
  // latency is counted from the moment its request left, and the lag from when it was due is
  // reported beside it.
  const tick = () => {
    const now = performance.now();
    while (due < total && started + due * intervalMs <= now) {
      send({ index: due, dueAt: started + due * intervalMs, sentAt: now });
      due++;
    }
    if (due < total) setTimeout(tick, Math.max(1, Math.ceil(started + due * intervalMs - performance.now())));
  };
  tick();
  await done;
  for (const connection of idle) connection.socket.destroy();
  latencies.sort((a, b) => a - b);
  lags.sort((a, b) => a - b);
  const elapsedSeconds = Math.max((lastAnswerAt || performance.now()) - started, 1) / 1000;
  return {
    sent: total,
    answered,
    rate: answered / elapsedSeconds,
    latenciesMs: latencies,
    p50: quantile(latencies, 0.5),
    p90: quantile(latencies, 0.9),
    p99: quantile(latencies, 0.99),
    max: latencies[latencies.length - 1] ?? 0,
    statuses,
    errors,
    timeouts,
    connections,
    lagP99Ms: quantile(lags, 0.99),
    maxLagMs: lags[lags.length - 1] ?? 0,
  };
}

if (!isMainThread && parentPort && (workerData as FixedRateOptions | undefined)?.paths) {
  const port = parentPort;
  generate(workerData as FixedRateOptions).then(
    (result) => port.postMessage({ result }),
    (error: Error) => port.postMessage({ error: error?.stack ?? String(error) }),
  );
}
