// The shared queue and worker runtime against the test stack's real database: a queue of its own per
// test (created and dropped here), so pg_cron and the deployed workers never touch these messages.
import process from 'node:process';
import type pg from 'pg';
import { assert, assertBetween, assertEquals } from './testing/assert.ts';
import { adminDb, eventually, stackTest } from './testing/stack.ts';
import { Queue, type QueueMessage } from './queue.ts';
import {
  backoffSeconds,
  byKind,
  type MessageWork,
  type QueueWorker,
  recordRun,
  runQueueWorker,
  settle,
} from './worker.ts';

type Fixture = { db: pg.Client; queue: Queue; worker: string; effects: string };

/** A fresh queue, a table the workers' domain writes go to, and a unique worker name. */
async function withQueue(body: (fixture: Fixture) => Promise<void>): Promise<void> {
  const db = await adminDb();
  const suffix = crypto.randomUUID().slice(0, 8);
  const queue = new Queue(`runtime_test_${suffix}`);
  const effects = `public.runtime_test_effects_${suffix}`;
  await db.query('select pgmq.create($1)', [queue.name]);
  await db.query(`create table ${effects} (msg_id bigint primary key)`);
  try {
    await body({ db, queue, worker: `runtime-test-${suffix}`, effects });
  } finally {
    await db.query('select pgmq.drop_queue($1)', [queue.name]);
    await db.query(`drop table ${effects}`);
    await db.query('delete from ops.dead_letters where queue_name = $1', [queue.name]);
    await db.query(`delete from ops.worker_runs where worker like 'runtime-test-${suffix}%'`);
  }
}

const secondsFromNow = (date: Date) => (date.getTime() - Date.now()) / 1000;

async function lastRun(db: pg.Client, worker: string) {
  const { rows: [run] } = await db.query(
    `select processed, succeeded, failed, retried, error, stopped_by, cpu_ms, finished_at is not null as finished
     from ops.worker_runs where worker = $1 order by id desc limit 1`,
    [worker],
  );
  return run;
}

Deno.test('backoff: doubling from the base, capped, with at most the given jitter', () => {
  const policy = { baseSeconds: 5, capSeconds: 120, jitter: 0.1 };
  assertEquals([1, 2, 3, 5, 6, 9].map((n) => backoffSeconds(n, policy, 0)), [5, 10, 20, 80, 120, 120], 'no jitter');
  assertEquals(backoffSeconds(6, policy, 1), 132, 'full jitter on the cap');
  assertEquals(backoffSeconds(0, policy, 0), 5, 'attempt 0 counts as the first');
});

stackTest('queue: send, send_batch, read, set_vt, archive, metrics and dead letters with named arguments', async () => {
  await withQueue(async ({ db, queue, worker }) => {
    const { rows: [company] } = await db.query(`select id from core.companies where slug = 'demo-rastro'`);
    const later = await queue.send({ company_id: company.id, n: 0 }, { delaySeconds: 30 });
    const batch = await queue.sendBatch([{ company_id: company.id, n: 1 }, { n: 2 }, { n: 3 }]);
    assertEquals(batch.length, 3, 'one id per message');
    assert(batch.every((id, i) => i === 0 || BigInt(id) > BigInt(batch[i - 1])), `ids in order: ${batch}`);

    const read = await queue.read(60, 2);
    assertEquals(read.map((m) => m.message), [{ company_id: company.id, n: 1 }, { n: 2 }], 'oldest visible first');
    assertEquals(read.map((m) => m.read_ct), [1, 1], 'read counts');
    assertBetween(secondsFromNow(read[0].vt), 55, 61, 'invisible for vt seconds');
    assertEquals((await queue.read(60, 10)).map((m) => m.msg_id), [batch[2]], 'the delayed one stays hidden');

    assertEquals(
      await queue.setVt([{ msgId: read[1].msg_id, seconds: 0 }, { msgId: '999999999', seconds: 0 }]),
      1,
      'set_vt',
    );
    assertEquals((await queue.read(60, 10)).map((m) => m.msg_id), [read[1].msg_id], 'visible again at once');

    assertEquals(await queue.archive([batch[2], '999999999']), 1, 'archive counts what was queued');
    const metrics = await queue.metrics();
    assertEquals([metrics.queue_name, metrics.queue_length, metrics.total_messages], [queue.name, 3, 4], 'metrics');

    assertEquals(
      await queue.deadLetter([{ msgId: read[0].msg_id, error: 'gave up' }, { msgId: later, error: 'x' }], worker),
      2,
      'dead',
    );
    assertEquals(await queue.deadLetter([{ msgId: later, error: 'again' }], worker), 0, 'a dead letter is final');
    const { rows: letters } = await db.query(
      `select msg_id::text, company_id, worker, last_error, read_ct from ops.dead_letters where queue_name = $1 order by msg_id`,
      [queue.name],
    );
    assertEquals(letters, [
      { msg_id: later, company_id: company.id, worker, last_error: 'x', read_ct: 0 },
      { msg_id: read[0].msg_id, company_id: company.id, worker, last_error: 'gave up', read_ct: 1 },
    ], 'ops.dead_letters, attributed by the message company_id');
    const { rows: [left] } = await db.query(`select count(*)::int as n from pgmq.${'q_' + queue.name}`);
    assertEquals(left.n, 1, 'only the message read twice is left');
  });
});

stackTest(
  'worker: each settlement commits its domain write with its messages; failures retry or dead-letter',
  async () => {
    await withQueue(async ({ db, queue, worker, effects }) => {
      const effect = (message: QueueMessage) => (tx: pg.PoolClient) =>
        tx.query(`insert into ${effects} (msg_id) values ($1)`, [message.msg_id]);
      const works: Record<string, MessageWork> = {
        ok: { handle: (m) => settle(m, { outcome: 'succeeded' }, effect(m)) },
        fail: { handle: (m) => settle(m, { outcome: 'failed', error: 'this one cannot be done' }, effect(m)) },
        boom: {
          handle: (m) =>
            settle(m, { outcome: 'succeeded' }, async (tx) => {
              await effect(m)(tx);
              await tx.query('select 1 / 0');
            }),
        },
        throws: {
          handle: () => {
            throw new Error('the handler itself broke');
          },
        },
        old: {
          handle: (m) => settle(m, { outcome: 'succeeded' }),
          giveUp: (m, reason) => settle(m, { outcome: 'failed', error: reason }, effect(m)),
        },
      };
      const [ok, fail, boom, nope, old, throws] = await queue.sendBatch(
        ['ok', 'fail', 'boom', 'nope', 'old', 'throws'].map((kind) => ({ kind })),
      );
      await db.query(`update pgmq.${'q_' + queue.name} set read_ct = 3 where msg_id = $1`, [old]);
      const spec: QueueWorker = {
        name: worker,
        queue,
        batchSize: 10,
        visibilitySeconds: 60,
        maxReads: 3,
        backoff: { baseSeconds: 30, capSeconds: 600, jitter: 0 },
        work: byKind((m) => String((m.message as { kind: string }).kind), works),
        chain: { functionName: 'echo', payload: { marker: worker } },
      };
      const counts = await runQueueWorker(spec, { wallMs: 10_000, cpuMs: 10_000, maxMessages: 100 });
      assertEquals(counts, { processed: 6, succeeded: 1, failed: 3, retried: 2 }, 'counts');

      const { rows: written } = await db.query(`select msg_id::text from ${effects} order by msg_id`);
      assertEquals(
        written.map((r) => r.msg_id),
        [ok, fail, old],
        'domain writes that committed (not the one that threw)',
      );
      const { rows: letters } = await db.query(
        `select msg_id::text, worker, last_error from ops.dead_letters where queue_name = $1 order by msg_id`,
        [queue.name],
      );
      assertEquals(letters.map((l) => l.msg_id), [fail, nope, old], 'dead letters');
      assertEquals(letters[0].last_error, 'this one cannot be done', 'the verdict error');
      assert(letters[1].last_error.includes('unknown kind nope'), `unknown kind: ${letters[1].last_error}`);
      assertEquals(letters[2].last_error, `message ${old} could not be processed after 3 attempts`, 'given up');
      const { rows: queued } = await db.query(
        `select msg_id::text, vt from pgmq.${'q_' + queue.name} order by msg_id`,
      );
      assertEquals(queued.map((q) => q.msg_id), [boom, throws], 'left: the failed write and the broken handler');
      for (const q of queued) assertBetween(secondsFromNow(q.vt), 28, 31, 'they come back after their backoff');
      const { rows: archived } = await db.query(`select msg_id::text from pgmq.${'a_' + queue.name} order by msg_id`);
      assertEquals(archived.map((a) => a.msg_id), [ok, fail, nope, old], 'archived: succeeded and dead letters');

      const run = await lastRun(db, worker);
      assertEquals(
        [run.processed, run.succeeded, run.failed, run.retried, run.stopped_by, run.finished],
        [6, 1, 3, 2, 'drained', true],
        'ops.worker_runs',
      );
      assert(run.cpu_ms >= 0, `cpu_ms recorded: ${run.cpu_ms}`);
      assert(
        ['division by zero', 'the handler itself broke', '(dead letter)'].every((p) => run.error.includes(p)),
        `problems: ${run.error}`,
      );
    });
  },
);

stackTest(
  'worker: a run stopped by its budget kicks the next one, unless two others still run; a drained run does not',
  async () => {
    await withQueue(async ({ db, queue, worker }) => {
      const spec = (marker: string): QueueWorker => ({
        name: worker,
        queue,
        batchSize: 2,
        visibilitySeconds: 60,
        backoff: { baseSeconds: 1, capSeconds: 1, jitter: 0 },
        work: { handle: (m) => settle(m, { outcome: 'succeeded' }) },
        chain: { functionName: 'echo', payload: { marker } },
      });
      const run = (marker: string, maxMessages: number) =>
        runQueueWorker(spec(`${worker}-${marker}`), { wallMs: 10_000, cpuMs: 10_000, maxMessages });

      await queue.sendBatch([{ n: 1 }]);
      assertEquals((await run('drained', 10)).processed, 1, 'drained run');
      assertEquals((await lastRun(db, worker)).stopped_by, 'drained', 'stopped_by drained');

      await queue.sendBatch([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
      assertEquals((await run('stopped', 3)).processed, 3, 'three of five, the third read alone');
      assertEquals((await lastRun(db, worker)).stopped_by, 'messages', 'stopped_by messages');
      assertEquals((await queue.metrics()).queue_length, 2, 'two left for the next run');

      // Two other runs of the worker still running: they chain themselves, this one does not.
      await db.query(`insert into ops.worker_runs (worker) values ($1), ($1)`, [worker]);
      assertEquals((await run('crowded', 1)).processed, 1, 'one more');
      await db.query(`delete from ops.worker_runs where worker = $1 and finished_at is null`, [worker]);
      assertEquals((await run('alone-again', 1)).processed, 1, 'and the last');

      // pg_net delivers kicks after commit, in order; the echo fixture answers with the body it got.
      const markers = async () => {
        const { rows } = await db.query<{ body: string }>(
          `select content::jsonb ->> 'body' as body from net._http_response where content like $1`,
          [`%${worker}%`],
        );
        return rows.map((row) => JSON.parse(row.body) as { marker: string; trigger: string });
      };
      const kicked = await eventually('the chained kicks', async () => {
        const found = await markers();
        return found.some((body) => body.marker === `${worker}-alone-again`) ? found : undefined;
      }, 30_000);
      assertEquals(
        kicked.map((body) => `${body.marker.slice(worker.length + 1)} ${body.trigger}`).sort(),
        ['alone-again chain', 'stopped chain'],
        'kicked by the runs that stopped on their budget, with trigger chain; not by the drained or crowded one',
      );
    });
  },
);

stackTest('worker: the CPU budget stops a run after the batch that spent it', async () => {
  await withQueue(async ({ db, queue, worker }) => {
    // Spends CPU time (not wall time: a busy machine may deschedule the loop).
    const burn = (ms: number) => {
      const start = process.cpuUsage();
      const spent = () => {
        const used = process.cpuUsage(start);
        return (used.user + used.system) / 1000;
      };
      while (spent() < ms) Math.sqrt(Math.random());
    };
    await queue.sendBatch([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const counts = await runQueueWorker({
      name: worker,
      queue,
      batchSize: 1,
      visibilitySeconds: 60,
      backoff: { baseSeconds: 1, capSeconds: 1, jitter: 0 },
      work: {
        handle: (m) => {
          burn(30);
          return settle(m, { outcome: 'succeeded' });
        },
      },
    }, { wallMs: 10_000, cpuMs: 20, maxMessages: 100 });
    assert(counts.processed <= 1, `at most the batch that spent the budget: ${counts.processed}`);
    const run = await lastRun(db, worker);
    assertEquals(run.stopped_by, 'cpu', 'stopped_by cpu');
    assert(run.cpu_ms >= 20, `cpu_ms ${run.cpu_ms}`);
  });
});

stackTest('worker: a run that throws is recorded with its error and counts so far', async () => {
  await withQueue(async ({ db, worker }) => {
    let thrown: unknown = null;
    try {
      await recordRun(worker, (state) => {
        state.counts.processed = 2;
        state.counts.succeeded = 2;
        state.problems.push('a first problem');
        return Promise.reject(new Error('the database went away'));
      });
    } catch (error) {
      thrown = error;
    }
    assertEquals((thrown as Error)?.message, 'the database went away', 'rethrown');
    const run = await lastRun(db, worker);
    assertEquals([run.processed, run.succeeded, run.stopped_by, run.error, run.finished], [
      2,
      2,
      'error',
      'the database went away\na first problem',
      true,
    ], 'recorded');
  });
});
