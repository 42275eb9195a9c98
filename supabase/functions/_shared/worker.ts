// The one runtime of every queue worker (see docs/decisions/0005-worker-runtime.md):
// * the endpoint: POST only (405), service role only (403), the run's counts as the answer;
// * run bookkeeping: a row in ops.worker_runs at the start, counts, problems, CPU time and why the run
//   stopped at the end — also when the run throws;
// * the drain loop: read a batch, hand it to the worker, settle every message, until the queue has
//   nothing visible or the invocation's budget (wall time, CPU time, messages) is spent;
// * settling: each Settlement is one transaction holding the worker's domain write and what happens
//   to its messages (archive, ops.dead_letter, a visibility timeout), so the two commit together;
// * retries: backoff with jitter; a message read more than `maxReads` times is given up
//   (dead-lettered) before the worker sees it again;
// * chaining: a run stopped by its budget while work was left kicks the next invocation
//   (ops.invoke_edge_function, sent by pg_net after commit) instead of waiting for pg_cron.
import process from 'node:process';
import type pg from 'pg';
import { requireServiceRole } from './claims.ts';
import { dbPool, inTransaction } from './db.ts';
import { HttpError, toErrorResponse } from './errors.ts';
import type { Queue, QueueMessage } from './queue.ts';

export type RunCounts = { processed: number; succeeded: number; failed: number; retried: number };

/**
 * What becomes of one message:
 * succeeded → archived · skipped → archived, nothing to do (counted as processed only) ·
 * failed → ops.dead_letter (terminal) · retry → visible again after `delaySeconds` (default: the
 * worker's backoff for its read count) · released → visible again at once, not counted (the run
 * stopped before working on it).
 */
export type Verdict =
  | { outcome: 'succeeded' }
  | { outcome: 'skipped' }
  | { outcome: 'failed'; error: string }
  | { outcome: 'retry'; error: string; delaySeconds?: number }
  | { outcome: 'released' };

/** One transaction: the domain write (if any), then the verdicts of its messages. */
export type Settlement = {
  verdicts: Array<{ message: QueueMessage; verdict: Verdict }>;
  write?: (tx: pg.PoolClient) => Promise<unknown>;
};

export function settle(message: QueueMessage, verdict: Verdict, write?: Settlement['write']): Settlement {
  return { verdicts: [{ message, verdict }], write };
}

/** What a message handler sees of the run. */
export type RunContext = {
  worker: string;
  /** True once the invocation's wall or CPU budget is spent: start no new work. */
  outOfBudget(): boolean;
};

/** Work on one message at a time (messages of one batch run concurrently). */
export type MessageWork = {
  handle(message: QueueMessage, run: RunContext): Promise<Settlement> | Settlement;
  /** The terminal settlement of a message read more than maxReads times (default: dead letter only). */
  giveUp?(message: QueueMessage, reason: string, run: RunContext): Promise<Settlement> | Settlement;
};

/**
 * One MessageWork per message kind, chosen by `kindOf` (e.g. a `kind` field): a queue that carries
 * several kinds of message keeps one worker. A kind nobody handles is dead-lettered.
 */
export function byKind(kindOf: (message: QueueMessage) => string, works: Record<string, MessageWork>): MessageWork {
  const workFor = (message: QueueMessage) => Object.hasOwn(works, kindOf(message)) ? works[kindOf(message)] : null;
  const unknownKind = (message: QueueMessage) =>
    settle(message, { outcome: 'failed', error: `message ${message.msg_id} has unknown kind ${kindOf(message)}` });
  return {
    handle: (message, run) => workFor(message)?.handle(message, run) ?? unknownKind(message),
    giveUp: (message, reason, run) => {
      const work = workFor(message);
      if (!work) return unknownKind(message);
      return work.giveUp?.(message, reason, run) ?? settle(message, { outcome: 'failed', error: reason });
    },
  };
}

export type Backoff = { baseSeconds: number; capSeconds: number; jitter: number };

/** Seconds before retry n (1-based): base, doubling, capped, plus up to `jitter` (a fraction) more. */
export function backoffSeconds(attempt: number, policy: Backoff, random: number = Math.random()): number {
  const base = Math.min(policy.baseSeconds * 2 ** Math.max(attempt - 1, 0), policy.capSeconds);
  return Math.round(base * (1 + policy.jitter * random));
}

/** How much one invocation may do before it stops starting new batches. */
export type Budget = {
  /** Wall time, ms. */
  wallMs: number;
  /** CPU time of this process (user + system), ms; ignored where node:process cannot measure it. */
  cpuMs: number;
  /** Messages read. */
  maxMessages: number;
};

export type StopReason = 'drained' | 'wall' | 'cpu' | 'messages' | 'error';

/**
 * Whether node:process reports this process's CPU time. Deno 2.1, the release Supabase's edge runtime
 * is built on, has `process.cpuUsage` but answers zeros (and prints "Not implemented" on every call),
 * so it is asked once, when the module loads: a process that has loaded its modules has used CPU.
 * Where it is not reported, the CPU part of the budget is not checked and the wall-time part bounds
 * an invocation (CPU time of the isolate never exceeds its wall time); the runtime still enforces
 * its own 2 s.
 */
const processCpuReported: boolean = (() => {
  try {
    const probe = process.cpuUsage();
    return probe.user + probe.system > 0;
  } catch {
    return false;
  }
})();

/** CPU time used since the clock started, ms, or null where the runtime does not report it. */
function cpuClock(): () => number | null {
  if (!processCpuReported) return () => null;
  const start = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  };
}

export type BudgetClock = { exhausted(messagesRead: number): StopReason | null; cpuMs(): number | null };

/** Starts measuring an invocation's budget: `exhausted` says which part is spent, if any. */
export function startBudget(budget: Budget): BudgetClock {
  const deadline = Date.now() + budget.wallMs;
  const cpu = cpuClock();
  return {
    exhausted(messagesRead) {
      if (Date.now() >= deadline) return 'wall';
      if ((cpu() ?? 0) >= budget.cpuMs) return 'cpu';
      if (messagesRead >= budget.maxMessages) return 'messages';
      return null;
    },
    cpuMs: cpu,
  };
}

/** What a run reports: counts so far, problems (one line each), why it stopped. */
export type RunState = { runId: string; counts: RunCounts; problems: string[]; stoppedBy: StopReason | null };

const maxProblemLines = 20;

/**
 * Runs `body` as one recorded run of `worker`: a row in ops.worker_runs first, its counts, problems,
 * CPU time and stop reason last — also when `body` throws (the error is recorded, then rethrown).
 */
export async function recordRun(worker: string, body: (state: RunState) => Promise<void>): Promise<RunState> {
  const cpu = cpuClock();
  const { rows: [run] } = await dbPool().query<{ id: string }>(
    'insert into ops.worker_runs (worker) values ($1) returning id',
    [worker],
  );
  const state: RunState = {
    runId: run.id,
    counts: { processed: 0, succeeded: 0, failed: 0, retried: 0 },
    problems: [],
    stoppedBy: null,
  };
  let thrown: unknown = null;
  try {
    await body(state);
  } catch (error) {
    thrown = error;
    state.stoppedBy = 'error';
  }
  const lines = [...new Set(state.problems)];
  if (thrown !== null) lines.unshift(describe(thrown));
  const { counts } = state;
  const cpuMs = cpu();
  await dbPool().query(
    `update ops.worker_runs
     set finished_at = now(), processed = $2, succeeded = $3, failed = $4, retried = $5, error = $6, stopped_by = $7,
         cpu_ms = $8
     where id = $1`,
    [
      run.id,
      counts.processed,
      counts.succeeded,
      counts.failed,
      counts.retried,
      lines.length > 0 ? lines.slice(0, maxProblemLines).join('\n') : null,
      state.stoppedBy,
      cpuMs === null ? null : Math.round(cpuMs),
    ],
  );
  if (thrown !== null) throw thrown;
  return state;
}

export type QueueWorker = {
  /** The name in ops.worker_runs and ops.dead_letters. */
  name: string;
  queue: Queue;
  /** Messages per read (and, for `work`, handled concurrently). */
  batchSize: number;
  /** Seconds a read message stays invisible to other readers while this run works on it. */
  visibilitySeconds: number;
  /** A message read more than this many times is given up before it is handled again; none if unset. */
  maxReads?: number;
  /** Retry delay of a `retry` verdict without its own delay, by read count. */
  backoff: Backoff;
  /** Describes a message in problem lines and logs (e.g. "import … chunk 3"); default "message <id>". */
  label?(message: QueueMessage): string;
  /** Either per message (`work`) or per batch (`handleBatch`, for workers that share state in a batch). */
  work?: MessageWork;
  handleBatch?(messages: QueueMessage[], run: RunContext): Promise<Settlement[]>;
  /**
   * The function to kick when the run stopped on its budget with work left, and its request body.
   * Only while fewer than `maxOthers` (default 2) other runs of this worker are still running, so
   * kicks from uploads, pg_cron and chains never pile up into more parallel drains than that.
   */
  chain?: { functionName: string; payload: Record<string, unknown>; maxOthers?: number } | null;
};

/** Drains `spec.queue` within `budget`, recording the run; returns its counts. */
export async function runQueueWorker(spec: QueueWorker, budget: Budget): Promise<RunCounts> {
  const state = await recordRun(spec.name, async (state) => {
    state.stoppedBy = await drain(spec, budget, state);
    if (spec.chain && (state.stoppedBy === 'wall' || state.stoppedBy === 'cpu' || state.stoppedBy === 'messages')) {
      await chainNext(spec.name, spec.chain, state);
    }
  });
  return state.counts;
}

async function drain(spec: QueueWorker, budget: Budget, state: RunState): Promise<StopReason> {
  const clock = startBudget(budget);
  const run: RunContext = { worker: spec.name, outOfBudget: () => clock.exhausted(0) !== null };
  let messagesRead = 0;
  for (;;) {
    const over = clock.exhausted(messagesRead);
    if (over) return over;
    const messages = await spec.queue.read(
      spec.visibilitySeconds,
      Math.min(spec.batchSize, budget.maxMessages - messagesRead),
    );
    if (messages.length === 0) return 'drained';
    messagesRead += messages.length;
    const settlements = await handleMessages(spec, messages, run);
    await Promise.all(settlements.map((settlement) => apply(spec, settlement, state)));
  }
}

async function handleMessages(spec: QueueWorker, messages: QueueMessage[], run: RunContext): Promise<Settlement[]> {
  const overRead = spec.maxReads === undefined ? [] : messages.filter((m) => m.read_ct > spec.maxReads!);
  const fresh = messages.filter((message) => !overRead.includes(message));
  const givenUp = overRead.map((message) =>
    guarded(spec, message, () => {
      const reason = `${label(spec, message)} could not be processed after ${spec.maxReads} attempts`;
      return spec.work?.giveUp?.(message, reason, run) ?? settle(message, { outcome: 'failed', error: reason });
    })
  );
  let handled: Array<Promise<Settlement>>;
  if (spec.handleBatch) {
    handled = fresh.length > 0 ? (await spec.handleBatch(fresh, run)).map((s) => Promise.resolve(s)) : [];
  } else if (spec.work) handled = fresh.map((message) => guarded(spec, message, () => spec.work!.handle(message, run)));
  else throw new Error(`worker ${spec.name} has neither work nor handleBatch`);
  return await Promise.all([...givenUp, ...handled]);
}

/** A message whose handler throws is retried after its backoff (and given up after maxReads). */
async function guarded(
  spec: QueueWorker,
  message: QueueMessage,
  body: () => Promise<Settlement> | Settlement,
): Promise<Settlement> {
  try {
    return await body();
  } catch (error) {
    const problem = `${label(spec, message)}, attempt ${message.read_ct}: ${describe(error)}`;
    console.error(`${spec.name}: ${problem}`);
    return settle(message, { outcome: 'retry', error: problem });
  }
}

/** Commits a settlement; when its transaction fails, its messages come back after a backoff instead. */
async function apply(spec: QueueWorker, settlement: Settlement, state: RunState): Promise<void> {
  const { verdicts } = settlement;
  try {
    await inTransaction(async (tx) => {
      await settlement.write?.(tx);
      await spec.queue.archive(
        verdicts.filter(({ verdict }) => verdict.outcome === 'succeeded' || verdict.outcome === 'skipped')
          .map(({ message }) => message.msg_id),
        tx,
      );
      await spec.queue.deadLetter(
        verdicts.flatMap(({ message, verdict }) =>
          verdict.outcome === 'failed' ? [{ msgId: message.msg_id, error: verdict.error }] : []
        ),
        spec.name,
        tx,
      );
      await spec.queue.setVt(
        verdicts.flatMap(({ message, verdict }) =>
          verdict.outcome === 'retry'
            ? [{
              msgId: message.msg_id,
              seconds: verdict.delaySeconds ?? backoffSeconds(message.read_ct, spec.backoff),
            }]
            : verdict.outcome === 'released'
            ? [{ msgId: message.msg_id, seconds: 0 }]
            : []
        ),
        tx,
      );
    });
  } catch (error) {
    // Nothing of it committed: each message is retried after its backoff (the domain write is
    // idempotent, so doing it again later is safe).
    await spec.queue.setVt(
      verdicts.map(({ message }) => ({
        msgId: message.msg_id,
        seconds: backoffSeconds(message.read_ct, spec.backoff),
      })),
    );
    for (const { message, verdict } of verdicts) {
      if (verdict.outcome === 'released') continue;
      const problem = `${label(spec, message)}, attempt ${message.read_ct}: ${describe(error)}`;
      console.error(`${spec.name}: ${problem}`);
      state.problems.push(problem);
      count(state.counts, { outcome: 'retry', error: problem });
    }
    return;
  }
  for (const { verdict } of verdicts) {
    count(state.counts, verdict);
    if (verdict.outcome === 'failed') state.problems.push(`${verdict.error} (dead letter)`);
    else if (verdict.outcome === 'retry') state.problems.push(verdict.error);
  }
}

function count(counts: RunCounts, verdict: Verdict): void {
  if (verdict.outcome === 'released') return;
  counts.processed += 1;
  if (verdict.outcome === 'succeeded') counts.succeeded += 1;
  else if (verdict.outcome === 'failed') counts.failed += 1;
  else if (verdict.outcome === 'retry') counts.retried += 1;
}

function label(spec: QueueWorker, message: QueueMessage): string {
  return spec.label?.(message) ?? `message ${message.msg_id}`;
}

/** How long an unfinished run counts as running (a run killed by the platform never finishes). */
const runningWindow = '10 minutes';

/**
 * Kicks the next invocation unless enough other runs of the worker are still draining (they chain
 * themselves). A kick that cannot be sent is a problem of this run, not a failure.
 */
export async function chainNext(
  worker: string,
  chain: NonNullable<QueueWorker['chain']>,
  state: RunState,
): Promise<void> {
  try {
    await dbPool().query(
      `select ops.invoke_edge_function($1, $2::jsonb)
       where (select count(*) from ops.worker_runs r
              where r.worker = $3 and r.id <> $4 and r.finished_at is null
                and r.started_at > now() - $6::interval) < $5`,
      [
        chain.functionName,
        JSON.stringify({ ...chain.payload, trigger: 'chain' }),
        worker,
        state.runId,
        chain.maxOthers ?? 2,
        runningWindow,
      ],
    );
  } catch (error) {
    state.problems.push(`could not kick the next ${chain.functionName} run: ${describe(error)}`);
  }
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The HTTP face of a worker: POST only, service role only (pg_cron and kicks call with the
 * service-role key), the counts as JSON, errors in the one error shape.
 */
export function workerEndpoint(
  run: (req: Request) => Promise<RunCounts>,
  usage = 'POST to run the worker',
): (req: Request) => Promise<Response> {
  return async (req) => {
    try {
      if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', usage);
      requireServiceRole(req);
      return Response.json(await run(req));
    } catch (error) {
      return toErrorResponse(error);
    }
  };
}
