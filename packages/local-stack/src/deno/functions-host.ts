// Local stand-in for Supabase's edge runtime. Serves /<name>/… by running <functions dir>/<name>/index.ts
// — the file Supabase deploys — in worker processes of its own (function-worker.ts). A worker serves
// requests concurrently, as a hosted isolate does under the edge runtime's per_worker policy: one worker
// serves every request of its function until it retires, and its successor (started in the background
// as it nears retirement) takes over. Every invocation is measured against the hosted limits (PLATFORMS.md "Supabase
// edge functions"; docs/decisions/0007-functions-host-limits.md):
//   CPU time  — utime+stime of the worker's main thread (/proc/<pid>/task/<pid>/stat) during the request
//               (with other requests in flight on the same worker, their CPU is charged to it too: never
//               less than the request's own):
//               the thread that runs the isolate's JavaScript and its event loop, which is what Supabase's
//               edge runtime counts (a CLOCK_THREAD_CPUTIME_ID timer on the isolate's thread); V8's
//               background GC and compiler threads are not charged there either. The whole process's
//               CPU is logged beside it (process_cpu_ms) to show what those threads added;
//   memory    — the worker's peak RSS (/proc/<pid>/status VmHWM, reset through clear_refs when an idle
//               worker takes a request), which includes Deno's own ~32 MB baseline and whatever other
//               requests in flight hold: stricter than Supabase, never looser;
//   idle time — no complete response within 150 s.
// Over a limit the worker is killed and its callers get Supabase's answer (546 WORKER_LIMIT, or 504 for
// the idle timeout), as when the hosted runtime terminates an isolate. Each invocation is appended as one JSON line to RASTRO_FUNCTIONS_LOG.
// The gateway in front has already applied verify_jwt; the path keeps the /<name> prefix, as on Supabase.
// Started by packages/local-stack with the project env (SUPABASE_URL, keys, DB URL, …), which every
// worker inherits minus the host's own RASTRO_FUNCTIONS_* settings.

const hostSettings = [
  'RASTRO_FUNCTIONS_PORT',
  'RASTRO_FUNCTION_DIRS',
  'RASTRO_FUNCTIONS_CONFIG',
  'RASTRO_FUNCTIONS_LOG',
  'RASTRO_FUNCTIONS_IDLE_TIMEOUT_MS',
  'RASTRO_FUNCTIONS_WORKER_DENO',
];
const port = Number(Deno.env.get('RASTRO_FUNCTIONS_PORT'));
const dirs = (Deno.env.get('RASTRO_FUNCTION_DIRS') ?? '').split(':').filter(Boolean);
const denoConfig = Deno.env.get('RASTRO_FUNCTIONS_CONFIG') ?? '';
const invocationLog = Deno.env.get('RASTRO_FUNCTIONS_LOG') ?? '';
const workerScript = new URL('./function-worker.ts', import.meta.url).pathname;
/** The Deno that runs the functions: the release Supabase's edge runtime is built on (see stack.ts). */
const workerDeno = Deno.env.get('RASTRO_FUNCTIONS_WORKER_DENO') || Deno.execPath();
/** A test may shorten the idle timeout (never lengthen it: a local limit may only be stricter). */
const idleTimeoutSetting = Number(Deno.env.get('RASTRO_FUNCTIONS_IDLE_TIMEOUT_MS'));

/** Supabase's hosted limits per request (free plan for the wall clock; paid plans allow 400 s). */
const limits = {
  cpuMs: 2_000,
  memoryBytes: 256 * 1024 * 1024,
  idleTimeoutMs: idleTimeoutSetting > 0 ? Math.min(idleTimeoutSetting, 150_000) : 150_000,
  /** An isolate that has used half of its CPU or memory budget finishes its request and retires. */
  softFraction: 0.5,
  workerLifetimeMs: 150_000,
};
const pollMs = 50;
const bootTimeoutMs = 60_000;
const clockTicksPerSecond = 100; // USER_HZ: the unit of /proc/<pid>/stat utime and stime on Linux

type LimitHit = 'cpu' | 'memory' | 'idle_timeout';

/** A request in flight on a worker: where its measurements started and what they have reached. */
type Meter = {
  cpuStart: number;
  cpuUsed: number;
  processCpuStart: number;
  processCpuUsed: number;
  peakBytes: number;
  hit: LimitHit | null;
};

type Worker = {
  name: string;
  child: Deno.ChildProcess;
  pid: number;
  port: number;
  /** Requests in flight; a placeholder (still starting) counts one. */
  inFlight: number;
  meters: Set<Meter>;
  poller: ReturnType<typeof setInterval> | undefined;
  /** Why the host killed it, for every request it still had in flight. */
  killedFor: LimitHit | null;
  retired: boolean;
  exited: boolean;
  startedAt: number;
  cpuAtReadyMs: number;
  /** The last reading (sampleWorker): main-thread CPU in ms and RSS in bytes. */
  lastCpuMs: number;
  lastRssBytes: number;
};

const pools = new Map<string, Worker[]>();
const waiting = new Map<string, Array<() => void>>();

function errorResponse(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

/** Supabase's answers when the platform, not the function, ends a request. */
function limitResponse(hit: LimitHit): Response {
  if (hit === 'idle_timeout') {
    return Response.json({
      code: 'IDLE_TIMEOUT',
      message: `Function did not respond within the request idle timeout (${limits.idleTimeoutMs / 1000} s)`,
    }, {
      status: 504,
      headers: { 'sb-error-code': 'IDLE_TIMEOUT' },
    });
  }
  return Response.json({
    code: 'WORKER_LIMIT',
    message: 'Function failed due to not having enough compute resources (please check logs)',
  }, {
    status: 546,
    headers: { 'sb-error-code': 'WORKER_LIMIT' },
  });
}

// ---- /proc measurements ------------------------------------------------------------------------------

/** CPU time of the worker's main thread (the isolate's thread), in ms. */
function cpuMs(pid: number): number {
  return ticksMs(`/proc/${pid}/task/${pid}/stat`);
}

/** CPU time of the whole worker process, all its threads, in ms (logged, not enforced). */
function processCpuMs(pid: number): number {
  return ticksMs(`/proc/${pid}/stat`);
}

function ticksMs(file: string): number {
  const stat = Deno.readTextFileSync(file);
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ": state is field 3, so utime (14) and stime (15) are at indexes 11 and 12.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
}

/** The current and the peak RSS (VmRSS, VmHWM) in bytes, from one read of /proc/<pid>/status. */
function memoryBytes(pid: number): { rss: number; peak: number } {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

/** Resets the peak RSS (VmHWM) to the current RSS, so the next reading is this request's peak. */
function resetPeak(pid: number): void {
  const file = Deno.openSync(`/proc/${pid}/clear_refs`, { write: true });
  try {
    file.writeSync(new TextEncoder().encode('5'));
  } finally {
    file.close();
  }
}

// ---- workers -----------------------------------------------------------------------------------------

function functionEntry(name: string): string | null {
  for (const dir of dirs) {
    const file = `${dir}/${name}/index.ts`;
    try {
      if (Deno.statSync(file).isFile) return file;
    } catch {
      // not in this folder
    }
  }
  return null;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: '127.0.0.1', port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

function workerEnv(): Record<string, string> {
  const env = Deno.env.toObject();
  for (const key of hostSettings) delete env[key];
  return env;
}

/** Forwards the worker's stdout to ours, resolving once it prints its ready line. */
async function pipeUntilReady(worker: Worker, onReady: () => void): Promise<void> {
  let buffered = '';
  let ready = false;
  const encoder = new TextEncoder();
  for await (const chunk of worker.child.stdout.pipeThrough(new TextDecoderStream())) {
    if (ready) {
      await Deno.stdout.write(encoder.encode(chunk));
      continue;
    }
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!ready && line === 'functions-worker ready') {
        ready = true;
        onReady();
      } else {
        await Deno.stdout.write(encoder.encode(`${line}\n`));
      }
    }
    if (ready && buffered) {
      await Deno.stdout.write(encoder.encode(buffered));
      buffered = '';
    }
  }
}

function spawnWorker(name: string, entry: string): Promise<Worker> {
  const workerPort = freePort();
  const child = new Deno.Command(workerDeno, {
    args: [
      'run',
      '--config',
      denoConfig,
      '--allow-net',
      '--allow-env',
      '--allow-read',
      '--allow-sys',
      '--no-prompt',
      workerScript,
      entry,
      String(workerPort),
    ],
    clearEnv: true,
    env: workerEnv(),
    stdin: 'piped',
    stdout: 'piped',
    stderr: 'inherit',
  }).spawn();
  const worker: Worker = {
    name,
    child,
    pid: child.pid,
    port: workerPort,
    inFlight: 1,
    meters: new Set(),
    poller: undefined,
    killedFor: null,
    retired: false,
    exited: false,
    startedAt: Date.now(),
    cpuAtReadyMs: 0,
    lastCpuMs: 0,
    lastRssBytes: 0,
  };
  return new Promise<Worker>((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(worker);
    };
    const timer = setTimeout(() => {
      settle(new Error(`${name} did not start within ${bootTimeoutMs / 1000} s`));
      kill(worker);
    }, bootTimeoutMs);
    pipeUntilReady(worker, () => {
      try {
        worker.cpuAtReadyMs = cpuMs(worker.pid);
        worker.lastCpuMs = worker.cpuAtReadyMs;
        settle(null);
      } catch (error) {
        settle(error as Error);
        kill(worker);
      }
    }).catch((error) => console.error(`functions host: ${name} worker ${worker.pid} output:`, error));
    child.status.then((status) => {
      worker.exited = true;
      removeWorker(worker);
      settle(new Error(`${name} exited with code ${status.code} while starting`));
    });
  });
}

function kill(worker: Worker, reason: LimitHit | null = null): void {
  worker.retired = true; // never handed out again, even before its exit is noticed
  worker.killedFor ??= reason;
  if (worker.exited) return;
  try {
    worker.child.kill('SIGKILL');
  } catch {
    // already gone
  }
}

function removeWorker(worker: Worker): void {
  const pool = pools.get(worker.name) ?? [];
  const index = pool.indexOf(worker);
  if (index >= 0) pool.splice(index, 1);
  wakeOne(worker.name);
}

function wakeOne(name: string): void {
  waiting.get(name)?.shift()?.();
}

function wakeAll(name: string): void {
  for (const resume of waiting.get(name)?.splice(0) ?? []) resume();
}

const live = (w: Worker) => !w.retired && !w.exited && Boolean(w.pid);

/**
 * Which worker serves a request, as the edge runtime's default `per_worker` policy decides it
 * (supabase/edge-runtime, crates/base/src/worker/pool.rs: a new worker is created only when the
 * function has no active one; otherwise an active worker takes the request, busy or not): the
 * function's live worker, or the least busy of two while one hands over to its successor. With none
 * live, the request waits for a new one (a cold start), sharing it with every request that arrives
 * meanwhile. A local boot costs far more than an isolate start on Supabase (~0.2 s of CPU, and under
 * load several hundred ms of wall time), so the successor starts in the background once the active
 * worker has used most of what it may use before retiring, and no request waits on it.
 */
async function acquire(name: string, entry: string): Promise<{ worker: Worker; cold: boolean }> {
  for (;;) {
    const pool = pools.get(name) ?? [];
    pools.set(name, pool);
    const serving = pool.filter(live).sort((a, b) => a.inFlight - b.inFlight || a.startedAt - b.startedAt);
    const starting = pool.some((w) => !w.pid);
    const least = serving[0];
    if (least) {
      if (serving.length === 1 && !starting && nearlySpent(least)) {
        startWorker(name, entry, pool).then((worker) => release(worker), (error) => {
          console.error(`functions host: cannot start the next ${name} worker:`, (error as Error).message);
        });
      }
      least.inFlight++;
      return { worker: least, cold: false };
    }
    if (!starting) return { worker: await startWorker(name, entry, pool), cold: true };
    await new Promise<void>((resolve) => {
      const queue = waiting.get(name) ?? [];
      waiting.set(name, queue);
      queue.push(resolve);
    });
  }
}

/** A new worker in the function's pool, holding one request slot (the caller's, or released at once). */
function startWorker(name: string, entry: string, pool: Worker[]): Promise<Worker> {
  const placeholder = { name, inFlight: 1, retired: false, exited: false } as Worker;
  pool.push(placeholder); // says "starting" while the process boots
  return spawnWorker(name, entry).then((worker) => {
    pool.splice(pool.indexOf(placeholder), 1, worker);
    wakeAll(name); // requests that waited for it can have it now
    return worker;
  }, (error) => {
    removeWorker(placeholder);
    wakeAll(name); // one of them starts another
    throw error;
  });
}

/**
 * Past this share of the CPU or the lifetime it may use before retiring, a worker's successor starts.
 * Memory is a poor early sign (a busy worker's RSS sits at 70-80 % of the soft limit long before
 * anything else is spent, as V8 lets garbage grow), so the successor waits until it is nearly there.
 */
const successorAt = { cpu: 0.7, lifetime: 0.9, memory: 0.95 };

function nearlySpent(worker: Worker): boolean {
  return worker.lastCpuMs - worker.cpuAtReadyMs >= limits.cpuMs * limits.softFraction * successorAt.cpu ||
    worker.lastRssBytes >= limits.memoryBytes * limits.softFraction * successorAt.memory ||
    Date.now() - worker.startedAt >= limits.workerLifetimeMs * successorAt.lifetime;
}

/**
 * Back to the pool, or retired as Supabase retires an isolate past half of a budget or its lifetime: a
 * retired worker takes no new request and exits once its requests in flight are answered.
 */
function release(worker: Worker): void {
  worker.inFlight--;
  if (worker.exited) return;
  // The reading taken as this request's answer arrived (sampleWorker) tells whether the worker is spent.
  if (
    !worker.retired && (
      worker.lastCpuMs - worker.cpuAtReadyMs >= limits.cpuMs * limits.softFraction ||
      worker.lastRssBytes >= limits.memoryBytes * limits.softFraction ||
      Date.now() - worker.startedAt >= limits.workerLifetimeMs
    )
  ) {
    worker.retired = true;
  }
  if (worker.retired && worker.inFlight === 0) retire(worker);
  wakeOne(worker.name);
}

function retire(worker: Worker): void {
  worker.retired = true;
  worker.child.stdin.close().catch(() => kill(worker)); // the worker exits on EOF
  setTimeout(() => kill(worker), 5_000);
}

// Idle workers past their lifetime go, as hosted isolates do.
setInterval(() => {
  for (const pool of pools.values()) {
    for (const worker of pool) {
      if (worker.inFlight === 0 && !worker.retired && worker.pid && Date.now() - worker.startedAt >= limits.workerLifetimeMs) {
        retire(worker);
      }
    }
  }
}, 10_000);

// ---- invocations -------------------------------------------------------------------------------------

type Invocation = {
  ts: string;
  function: string;
  method: string;
  path: string;
  status: number;
  /** Time spent waiting for a worker: a cold start, or every worker of the function busy. */
  wait_ms: number;
  wall_ms: number;
  /** CPU of the isolate's thread during the request: what the 2 s limit is enforced on. */
  cpu_ms: number;
  /** CPU of the whole worker process (V8's background threads included) during the request. */
  process_cpu_ms: number;
  peak_mb: number;
  limit_hit: LimitHit | null;
  cold_start: boolean;
  worker_pid: number | null;
  limits: { cpu_ms: number; memory_mb: number; idle_timeout_ms: number };
};

const summary = new Map<string, { count: number; maxCpuMs: number; maxPeakMb: number; limitHits: number }>();

const logFile = invocationLog ? Deno.openSync(invocationLog, { append: true, create: true }) : null;
const logEncoder = new TextEncoder();

function record(entry: Invocation): void {
  logFile?.writeSync(logEncoder.encode(`${JSON.stringify(entry)}\n`));
  const s = summary.get(entry.function) ?? { count: 0, maxCpuMs: 0, maxPeakMb: 0, limitHits: 0 };
  s.count++;
  s.maxCpuMs = Math.max(s.maxCpuMs, entry.cpu_ms);
  s.maxPeakMb = Math.max(s.maxPeakMb, entry.peak_mb);
  if (entry.limit_hit) s.limitHits++;
  summary.set(entry.function, s);
  // The human line only for what needs a look (every invocation is in the JSON log): under load one
  // line per request cost the host and the stack's log writer more than the request itself.
  if (!entry.cold_start && !entry.limit_hit && entry.status < 500) return;
  console.error(
    `functions host: ${entry.function} ${entry.method} ${entry.path} → ${entry.status} in ${entry.wall_ms} ms, cpu ${entry.cpu_ms} ms, ` +
      `peak ${entry.peak_mb} MB${entry.cold_start ? ' (cold start)' : ''}${
        entry.limit_hit ? ` — LIMIT HIT: ${entry.limit_hit}` : ''
      }`,
  );
}

/** Bodies up to this declared size are read here and passed on whole; larger ones stream through. */
const smallBodyBytes = 64 * 1024;

/**
 * The caller's body for the worker: a small one (declared Content-Length up to 64 KB: every tracking
 * batch, webhook and API call) as bytes, which costs the host and the worker less than piping a
 * stream per request; anything larger, or of unknown length, as the stream it came as, so a function
 * may refuse it (413) before it has all arrived.
 */
async function smallBodyOrStream(req: Request): Promise<BodyInit | null> {
  if (!req.body) return null;
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isInteger(declared) && declared >= 0 && declared <= smallBodyBytes) return await req.arrayBuffer();
  return req.body;
}

/** Statuses whose response has no body (Fetch spec): a 204 preflight must pass through as a 204. */
const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);

const hopByHop = [
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-connection',
  'content-length',
];

async function invoke(name: string, entry: string, req: Request): Promise<Response> {
  const url = new URL(req.url);
  const started = performance.now();
  const base = {
    ts: new Date().toISOString(),
    function: name,
    method: req.method,
    path: url.pathname, // never the query string or headers: they may carry credentials
    limits: {
      cpu_ms: limits.cpuMs,
      memory_mb: limits.memoryBytes / 1024 / 1024,
      idle_timeout_ms: limits.idleTimeoutMs,
    },
  };
  let acquired: { worker: Worker; cold: boolean };
  try {
    acquired = await acquire(name, entry);
  } catch (error) {
    console.error(`functions host: cannot start ${name}:`, (error as Error).message);
    const response = errorResponse(500, 'function_boot_error', `Function "${name}" failed to load; see the stack log`);
    record({
      ...base,
      status: 500,
      wait_ms: Math.round(performance.now() - started),
      wall_ms: 0,
      cpu_ms: 0,
      process_cpu_ms: 0,
      peak_mb: 0,
      limit_hit: null,
      cold_start: true,
      worker_pid: null,
    });
    return response;
  }
  const { worker, cold } = acquired;
  const requestStarted = performance.now();
  const meter: Meter = { cpuStart: 0, cpuUsed: 0, processCpuStart: 0, processCpuUsed: 0, peakBytes: 0, hit: null };
  const headers = new Headers(req.headers);
  for (const h of hopByHop) headers.delete(h);
  headers.set('accept-encoding', 'identity'); // the host's own server compresses for the caller
  let response: Response;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  try {
    startMeter(worker, meter);
    idleTimer = setTimeout(() => {
      meter.hit ??= 'idle_timeout';
      kill(worker, 'idle_timeout');
    }, limits.idleTimeoutMs);
    const upstream = await fetch(`http://127.0.0.1:${worker.port}${url.pathname}${url.search}`, {
      method: req.method,
      headers,
      body: await smallBodyOrStream(req),
      redirect: 'manual',
    });
    // Buffered in full, so the measurement covers everything the function did for this response and
    // an over-limit function never gets a response out before it is stopped.
    const body = await upstream.arrayBuffer();
    sampleWorker(worker);
    const outHeaders = new Headers(upstream.headers);
    for (const h of hopByHop) outHeaders.delete(h);
    // A complete answer is delivered even if another request's limit has just ended the worker.
    response = meter.hit
      ? limitResponse(meter.hit)
      : new Response(req.method === 'HEAD' || nullBodyStatuses.has(upstream.status) ? null : body, {
        status: upstream.status,
        headers: outHeaders,
      });
  } catch (error) {
    sampleWorker(worker);
    // Killed for this request's limit, or for another request's on the same worker (the hosted runtime
    // ends every request of an isolate it terminates).
    meter.hit ??= worker.killedFor;
    if (meter.hit) {
      response = limitResponse(meter.hit);
    } else {
      console.error(
        `functions host: ${name} worker ${worker.pid} failed during the request:`,
        (error as Error).message,
      );
      response = errorResponse(500, 'internal_error', 'The function failed unexpectedly; see the stack log');
      kill(worker);
    }
  } finally {
    clearTimeout(idleTimer);
    stopMeter(worker, meter);
  }
  const hit = meter.hit;
  if (hit && worker.killedFor === hit) {
    console.error(
      `functions host: ${name} worker ${worker.pid} killed: over the ${
        hit === 'cpu' ? '2 s CPU' : hit === 'memory' ? '256 MB memory' : `${limits.idleTimeoutMs / 1000} s idle`
      } limit`,
    );
  }
  record({
    ...base,
    status: response.status,
    wait_ms: Math.round(requestStarted - started),
    wall_ms: Math.round(performance.now() - requestStarted),
    cpu_ms: Math.round(meter.cpuUsed),
    process_cpu_ms: Math.round(meter.processCpuUsed),
    peak_mb: Math.round((meter.peakBytes / 1024 / 1024) * 10) / 10,
    limit_hit: hit,
    cold_start: cold,
    worker_pid: worker.pid,
  });
  release(worker);
  return response;
}

// ---- measuring requests in flight ----------------------------------------------------------------------

/**
 * Starts a request's measurements. The peak RSS is reset only when the worker was idle: a reset while
 * other requests are in flight would hide their peaks, so a request's peak is the worker's since it
 * last had nothing to do (never less than the request's own).
 */
function startMeter(worker: Worker, meter: Meter): void {
  if (worker.meters.size === 0) resetPeak(worker.pid);
  meter.cpuStart = cpuMs(worker.pid);
  meter.processCpuStart = processCpuMs(worker.pid);
  worker.meters.add(meter);
  worker.poller ??= setInterval(() => sampleWorker(worker), pollMs);
}

function stopMeter(worker: Worker, meter: Meter): void {
  worker.meters.delete(meter);
  if (worker.meters.size === 0 && worker.poller !== undefined) {
    clearInterval(worker.poller);
    worker.poller = undefined;
  }
}

/** One reading of the worker for every request it has in flight; over a limit, the worker is killed. */
function sampleWorker(worker: Worker): void {
  if (worker.exited || worker.meters.size === 0) return;
  let reason: LimitHit | null = null;
  try {
    const cpu = cpuMs(worker.pid);
    const processCpu = processCpuMs(worker.pid);
    const { rss, peak } = memoryBytes(worker.pid);
    worker.lastCpuMs = cpu;
    worker.lastRssBytes = rss;
    for (const meter of worker.meters) {
      meter.cpuUsed = cpu - meter.cpuStart;
      meter.processCpuUsed = processCpu - meter.processCpuStart;
      meter.peakBytes = Math.max(meter.peakBytes, peak);
      // 2 s of CPU per request, as Supabase documents it; an isolate past half of its budget is retired
      // (see release), so a request never starts on a nearly spent one.
      if (!meter.hit && meter.cpuUsed > limits.cpuMs) meter.hit = 'cpu';
      if (!meter.hit && meter.peakBytes > limits.memoryBytes) meter.hit = 'memory';
      reason ??= meter.hit;
    }
  } catch {
    // the process is gone; its exit is handled by the requests' own fetch failing
  }
  if (reason) kill(worker, reason);
}

function shutdown(): void {
  for (const [name, s] of summary) {
    console.error(
      `functions host summary: ${name}: ${s.count} invocations, max cpu ${s.maxCpuMs} ms / ${limits.cpuMs}, ` +
        `max peak ${s.maxPeakMb} MB / ${limits.memoryBytes / 1024 / 1024}, ${s.limitHits} over a limit`,
    );
  }
  for (const pool of pools.values()) for (const worker of pool) if (worker.pid) kill(worker);
  Deno.exit(0);
}
Deno.addSignalListener('SIGTERM', shutdown);
Deno.addSignalListener('SIGINT', shutdown);

Deno.serve(
  { port, hostname: '127.0.0.1', onListen: () => console.log(`functions host listening on ${port}`) },
  (req) => {
    const name = new URL(req.url).pathname.split('/')[1] ?? '';
    if (!/^[A-Za-z0-9-][A-Za-z0-9_-]*$/.test(name)) {
      return errorResponse(
        404,
        'function_not_found',
        'Function not found',
      );
    }
    const entry = functionEntry(name);
    if (!entry) return errorResponse(404, 'function_not_found', `Function "${name}" does not exist`);
    return invoke(name, entry, req);
  },
);
