// Conversions benchmark (called from scripts/bench.ts), three loops measured in the same run:
//   (1) dispatch: N conversions registered set-based (one statement wins N leads), then sent to the
//       sandbox's Meta Conversions API by meta-queue-worker in the functions host (batches of 1,000
//       events, chained invocations as on Supabase) — conversions/min until every delivery is sent;
//   (2) baseline: a bare pgmq loop on the same database — send_batch 1,000 → read 1,000 → archive;
//   (3) baseline: BullMQ on Redis (127.0.0.1:6379) — addBulk 1,000 no-op jobs → a worker processes
//       them → completed (acked), same N.
// Reported as rates and both ratios. Then, unless --conversions-resilience 0, the resilience run
// (supabase/functions/meta-queue-worker/resilience.test.ts) with 100,000 conversions.
import { execFileSync, spawn } from 'node:child_process';
import pg from 'pg';
import { Queue as BullQueue, Worker as BullWorker } from 'bullmq';
import { Redis as IORedis } from 'ioredis';
import { binDir, repoRoot } from '../../packages/local-stack/src/config.ts';
import type { RunningStack } from '../../packages/local-stack/src/stack.ts';

type Report = (label: string, value: string) => void;
type Log = (message: string) => void;

const perMinute = (n: number, ms: number) => `${Math.round((n / ms) * 60_000).toLocaleString('en-US')}/min`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function dispatch(stack: RunningStack, db: pg.Client, n: number, log: Log): Promise<{ ms: number; registerMs: number; invocations: number }> {
  const slug = `bench-conversions-${Date.now().toString(36)}`;
  const { rows: [company] } = await db.query<{ id: string }>(`insert into core.companies (name, slug) values ($1, $1) returning id`, [slug]);
  // Meta only: the purchase mapping's TikTok event would add skipped deliveries that send nothing.
  await db.query(`update core_marketing.conversion_mappings set tiktok_event_name = null where company_id = $1`, [company.id]);
  const { rows: [pixel] } = await db.query<{ id: string }>(
    `insert into core_marketing.pixel_configs (company_id, name, pixel_id, is_active) values ($1, 'Bench', '4440000000001', true) returning id`,
    [company.id],
  );
  // Sealed exactly as conversion-settings does, by the functions' own module (in Deno, with the stack's key).
  const sealed = execFileSync(
    `${binDir}/deno`,
    [
      'eval',
      '--config',
      'deno.json',
      `import { sealPixelToken } from './supabase/functions/_shared/conversions/secrets.ts';
       console.log(await sealPixelToken(${JSON.stringify(company.id)}, ${JSON.stringify(pixel.id)}, 'EAAB-bench-token-0123456789'));`,
    ],
    { cwd: repoRoot, env: { ...process.env, RASTRO_ENCRYPTION_KEY: stack.functionEnv.RASTRO_ENCRYPTION_KEY, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }, encoding: 'utf8' },
  ).trim();
  await db.query(`update core_marketing.pixel_configs set access_token_ciphertext = $2, token_status = 'unverified' where id = $1`, [pixel.id, sealed]);
  await db.query(
    `insert into lead.leads (company_id, name, email, phone, fbclid, origin, value)
     select $1, 'Bench ' || g, 'c' || g || '@bench-conversions.test', '+5511' || lpad(g::text, 9, '0'), 'fbclid.' || g, 'csv', 100 + g % 900
     from generate_series(1, $2::int) g`,
    [company.id, n],
  );
  const registerStarted = performance.now();
  await db.query('begin');
  await db.query(`select set_config('rastro.defer_conversion_kick', 'on', true)`);
  await db.query(`update lead.leads set stage_id = (select id from lead.pipeline_stages where company_id = $1 and is_won) where company_id = $1`, [
    company.id,
  ]);
  await db.query('commit');
  const registerMs = performance.now() - registerStarted;

  const sent = async () =>
    (await db.query<{ n: number }>(`select count(*)::int as n from core_marketing.conversion_deliveries where company_id = $1 and status = 'sent'`, [
      company.id,
    ])).rows[0].n;
  const invoke = () =>
    fetch(`${stack.env.API_URL}/functions/v1/meta-queue-worker`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.env.SERVICE_ROLE_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ trigger: 'bench', maxRuntimeMs: 50_000 }),
    }).then((res) => res.body?.cancel()).catch(() => undefined);
  const started = performance.now();
  let invocations = 0;
  let last = 0;
  let lastProgressAt = started;
  // Three invocations side by side (the runtime's chain guard allows three drains); each chains itself
  // while work is left, and another is started whenever none is running (as pg_cron would).
  for (let i = 0; i < 3; i++, invocations++) void invoke();
  for (;;) {
    const done = await sent();
    if (done >= n) break;
    if (done > last) {
      last = done;
      lastProgressAt = performance.now();
    }
    if (performance.now() - lastProgressAt > 120_000) throw new Error(`dispatch stalled at ${done} of ${n}`);
    const { rows: [running] } = await db.query<{ n: number }>(
      `select count(*)::int as n from ops.worker_runs where worker = 'meta-queue-worker' and finished_at is null and started_at > now() - interval '2 minutes'`,
    );
    if (running.n === 0) {
      invocations++;
      void invoke();
    }
    await sleep(250);
  }
  const ms = performance.now() - started;
  const { rows: [runs] } = await db.query<{ n: number }>(
    `select count(*)::int as n from ops.worker_runs where worker = 'meta-queue-worker' and started_at >= now() - make_interval(secs => $1)`,
    [Math.ceil(ms / 1000) + 1],
  );
  log(`dispatch: ${n} conversions sent in ${(ms / 1000).toFixed(1)} s by ${runs.n} worker runs (${invocations} started by the bench)`);
  return { ms, registerMs, invocations: runs.n };
}

async function barePgmq(db: pg.Client, n: number): Promise<number> {
  const queue = `bench_bare_${Date.now().toString(36)}`;
  await db.query(`select pgmq.create($1)`, [queue]);
  const batch = 1000;
  const started = performance.now();
  for (let done = 0; done < n; done += batch) {
    const size = Math.min(batch, n - done);
    await db.query(
      `select pgmq.send_batch($1, array(select jsonb_build_object('delivery_id', gen_random_uuid(), 'company_id', gen_random_uuid(), 'platform', 'meta') from generate_series(1, $2::int)))`,
      [queue, size],
    );
    const { rows } = await db.query<{ msg_id: string }>(`select msg_id::text from pgmq.read($1, 30, $2)`, [queue, size]);
    await db.query(`select pgmq.archive($1, $2::bigint[])`, [queue, rows.map((r) => r.msg_id)]);
  }
  const ms = performance.now() - started;
  await db.query(`select pgmq.drop_queue($1)`, [queue]);
  return ms;
}

async function bullmqOnRedis(n: number): Promise<number> {
  const connection = new IORedis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  const name = `rastro-bench-${Date.now().toString(36)}`;
  const queue = new BullQueue(name, { connection });
  let completed = 0;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const workerConnection = connection.duplicate();
  const worker = new BullWorker(name, async () => undefined, { connection: workerConnection, concurrency: 100, autorun: false });
  worker.on('completed', () => {
    completed += 1;
    if (completed >= n) resolveDone();
  });
  try {
    const started = performance.now();
    void worker.run();
    for (let added = 0; added < n; added += 1000) {
      const size = Math.min(1000, n - added);
      await queue.addBulk(Array.from({ length: size }, (_, i) => ({
        name: 'noop',
        data: { delivery_id: `${added + i}`, platform: 'meta' },
        opts: { removeOnComplete: true, removeOnFail: true },
      })));
    }
    await done;
    return performance.now() - started;
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    // Connections passed in are the caller's to close (left open, they keep the bench process alive).
    workerConnection.disconnect();
    connection.disconnect();
  }
}

export async function benchConversions(stack: RunningStack, db: pg.Client, options: { conversions: number; resilience: number }, report: Report, log: Log): Promise<void> {
  const n = options.conversions;
  const { ms, registerMs, invocations } = await dispatch(stack, db, n, log);
  const pgmqMs = await barePgmq(db, n);
  let bullMs: number | null = null;
  try {
    bullMs = await bullmqOnRedis(n);
  } catch (error) {
    report('  BullMQ on Redis FAILED (is Redis running on 127.0.0.1:6379?)', (error as Error).message.slice(0, 200));
  }
  report(`Conversions, ${n.toLocaleString('en-US')} to Meta CAPI in the sandbox (batches of 1,000, functions host)`, '');
  report('  register set-based (one statement wins every lead)', `${(registerMs / 1000).toFixed(1)} s  ${perMinute(n, registerMs)}`);
  report(`  dispatch: queued → sent (${invocations} worker runs)`, `${(ms / 1000).toFixed(1)} s  ${perMinute(n, ms)}  (aim > 100,000/min)`);
  report('  baseline: bare pgmq send_batch → read → archive, 1,000 a round', `${(pgmqMs / 1000).toFixed(1)} s  ${perMinute(n, pgmqMs)}`);
  if (bullMs !== null) report('  baseline: BullMQ on Redis addBulk → process → ack (no-op jobs)', `${(bullMs / 1000).toFixed(1)} s  ${perMinute(n, bullMs)}`);
  report('  ratio dispatch / bare pgmq', `${(pgmqMs / ms).toFixed(2)}×`);
  if (bullMs !== null) {
    report('  ratio dispatch / BullMQ', `${(bullMs / ms).toFixed(2)}×`);
    report('  ratio bare pgmq / BullMQ (the Postgres queue batching vs Redis)', `${(bullMs / pgmqMs).toFixed(2)}×`);
  }

  if (options.resilience > 0) {
    log(`resilience run with ${options.resilience} conversions`);
    const started = performance.now();
    // Asynchronously: the sandbox and the rest of the stack run in this process and must keep answering.
    const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        `${binDir}/deno`,
        ['test', '--config', 'deno.json', '--allow-net', '--allow-env', '--allow-read', '--allow-sys', '--allow-run', 'supabase/functions/meta-queue-worker/resilience.test.ts'],
        {
          cwd: repoRoot,
          env: { ...process.env, ...stack.env, ...stack.functionEnv, RESILIENCE_CONVERSIONS: String(options.resilience), NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    const output = `${result.stdout}\n${result.stderr}`;
    const json = /------- output -------\n([\s\S]*?)\n----- output end -----/.exec(output)?.[1];
    const summary = json ? JSON.parse(json) : null;
    report(
      `Resilience, ${options.resilience.toLocaleString('en-US')} conversions, 20 % 5xx + 5 % rate limits + 3 SIGKILLs`,
      result.status === 0 ? `passed in ${((performance.now() - started) / 1000).toFixed(0)} s` : `FAILED (see output above)`,
    );
    if (summary) {
      for (const row of summary.deliveries) report(`  ${row.platform} ${row.status}`, `${row.n.toLocaleString('en-US')} (${row.attempts} attempts)`);
      report('  resends with the same event_id (Meta / Google)', `${summary.sandbox.meta.duplicate_event_ids} / ${summary.sandbox.google_ads.duplicate_event_ids}`);
    } else {
      console.error(output.slice(-4000));
    }
  }
}
