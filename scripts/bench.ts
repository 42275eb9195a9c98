// `npm run bench`: figures that tests must never assert, each beside a baseline measured in the same
// run on the same throw-away stack (these machines are noisy; absolute times alone mean little).
//   (a) CSV import of 1,000,000 rows through leads-import + lead-import-worker, both served by the
//       functions host as on Supabase: rows/s beside a plain COPY of the same file into an equivalent table;
//   (b) the console's lead list request (filter + sort + page + exact count) on 100,000 leads, beside
//       the same request without the count and a trivial PostgREST request;
//   (c) per edge function, the largest CPU time and peak memory of ONE invocation during (a), beside
//       Supabase's limits (2 s CPU, 256 MB), read from the functions host's invocation log;
//   (d) web tracking (scripts/bench/tracking.ts): track at 20 connections, batches of 20 at 50
//       connections beside COPY, a partition-pruned page-view query, and UTM performance rolled vs raw;
//   (e) conversions (scripts/bench/conversions.ts): dispatch into the sandbox's Meta CAPI beside a bare
//       pgmq loop and BullMQ on Redis, then the 100,000-conversion resilience run;
//   (f) e-mail (scripts/bench/email.ts): generate_messages beside INSERT…SELECT, click redirect beside a 302;
//   (g) WhatsApp (scripts/bench/whatsapp.ts): signed single-message webhook posts at 20 connections beside
//       Meta's GET verification of the same function, then a replay of the same wamids.
// Options: --rows N (default 1,000,000), --list-leads N (default 100,000), --samples N (default 300),
// --page-views N (default 1,000,000; 10,000,000 for the full figure), --tracking-seconds N (default 15),
// --utm-sessions N (default 1,000,000),
// --conversions N (default 100,000), --conversions-resilience N (default 100,000; 0 skips it),
// --email-contacts N, --click-rate N, --click-seconds N,
// --whatsapp-seconds N (default 15),
// --only import|list|tracking|conversions|email|whatsapp (repeatable; default all).
// Loopback only; every loop is bounded.
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, chmodSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { freePorts } from '../packages/local-stack/src/ports.ts';
import { startStack, type RunningStack, type StackEnv } from '../packages/local-stack/src/stack.ts';
import { leadImportMaxBytes } from '../packages/contracts/src/lead-imports.ts';
import { seedDemo } from './seed-demo.ts';
import { benchTracking } from './bench/tracking.ts';
import { benchEmail, removeFunctionDir, staticRedirectFunctionDir } from './bench/email.ts';
import { benchConversions } from './bench/conversions.ts';
import { benchWhatsapp } from './bench/whatsapp.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    'list-leads': { type: 'string', default: '100000' },
    samples: { type: 'string', default: '300' },
    'page-views': { type: 'string', default: '1000000' },
    'utm-sessions': { type: 'string', default: '1000000' },
    'tracking-seconds': { type: 'string', default: '15' },
    only: { type: 'string', multiple: true },
    'email-contacts': { type: 'string', default: '1000000' },
    'click-rate': { type: 'string', default: '500' },
    'click-seconds': { type: 'string', default: '20' },
    conversions: { type: 'string', default: '100000' },
    'conversions-resilience': { type: 'string', default: '100000' },
    'whatsapp-seconds': { type: 'string', default: '15' },
  },
});
const importRows = Number(args.rows);
const listLeads = Number(args['list-leads']);
const samples = Number(args.samples);
const wanted = (section: string) => !args.only || args.only.includes(section);
const log = (m: string) => console.error(`[bench] ${m}`);
const results: Array<[string, string]> = [];
const report = (label: string, value: string) => {
  results.push([label, value]);
  log(`${label}: ${value}`);
};

// ---- helpers ----------------------------------------------------------------------------------------

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const perSecond = (n: number, ms: number) => `${Math.round(n / (ms / 1000)).toLocaleString('en-US')} rows/s`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function signIn(env: StackEnv, email: string, password: string): Promise<string> {
  const res = await fetch(`${env.API_URL}/auth/v1/token?grant_type=password`, {
    method: 'POST',
    headers: { apikey: env.ANON_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

// ---- (a) CSV import ---------------------------------------------------------------------------------

/** Writes the benchmark file: email,name,phone; every 1,000th row has an invalid e-mail. */
async function writeCsv(file: string, rows: number): Promise<number> {
  const out = createWriteStream(file);
  const write = (text: string) => new Promise<void>((resolve) => (out.write(text) ? resolve() : out.once('drain', resolve)));
  await write('email,name,phone\n');
  for (let start = 0; start < rows; start += 10_000) {
    let text = '';
    for (let i = start; i < Math.min(rows, start + 10_000); i++) {
      const email = i % 1000 === 999 ? `bad${i}-at-bench.test` : `b${i}@bench.test`;
      text += `${email},Lead ${i},+55119${String(i).padStart(8, '0')}\n`;
    }
    await write(text);
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return statSync(file).size;
}

/** POSTs the file to leads-import through the gateway, streamed from disk with its Content-Length. */
function uploadFile(env: StackEnv, token: string, file: string, size: number): Promise<{ status: number; body: string }> {
  const url = new URL(`${env.API_URL}/functions/v1/leads-import`);
  url.searchParams.set('file_name', 'bench.csv');
  url.searchParams.set('mapping', JSON.stringify({ columns: { email: 'email', name: 'name', phone: 'phone' } }));
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, apikey: env.ANON_KEY, 'content-type': 'text/csv', 'content-length': size },
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

/**
 * Drains a queue the way pg_cron does on Supabase, one invocation of the worker function at a time
 * through the gateway and the functions host (so every invocation is measured and limited), until
 * `done()` says so. Other runs (the upload's kick, chained kicks) drain beside it and may hold the
 * visible messages for a while, so an invocation without progress waits a second before the next.
 * Bounded: stops after `maxIdleMs` without progress (longer than a message's visibility timeout).
 */
async function drainThroughHost(env: StackEnv, name: string, progress: () => Promise<number>, done: () => Promise<boolean>, maxIdleMs = 180_000): Promise<{ invocations: number; statuses: Record<number, number> }> {
  const statuses: Record<number, number> = {};
  let invocations = 0;
  let last = await progress();
  let lastProgressAt = Date.now();
  while (!(await done()) && Date.now() - lastProgressAt < maxIdleMs) {
    const res = await fetch(`${env.API_URL}/functions/v1/${name}`, { method: 'POST', headers: { authorization: `Bearer ${env.SERVICE_ROLE_KEY}`, 'content-type': 'application/json' }, body: '{}' });
    await res.body?.cancel();
    invocations++;
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    const now = await progress();
    if (now > last) {
      last = now;
      lastProgressAt = Date.now();
    } else {
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  return { invocations, statuses };
}

async function benchImport(stack: RunningStack, db: pg.Client, workDir: string): Promise<void> {
  const file = join(workDir, 'bench.csv');
  const size = await writeCsv(file, importRows);
  if (size > leadImportMaxBytes) throw new Error(`the benchmark file is ${size} bytes, over the ${leadImportMaxBytes} limit`);
  log(`wrote ${importRows.toLocaleString('en-US')} rows, ${(size / 1e6).toFixed(1)} MB`);

  // The bench drives the worker itself (pg_cron's minute ticks would only add idle time); the upload's
  // kick still reaches it through pg_net, as on Supabase.
  await db.query(`select cron.unschedule(jobid) from cron.job where jobname = 'lead-import-worker'`);

  const token = await signIn(stack.env, 'admin@demo.rastro.local', 'demo-admin-pass');
  const uploadStarted = Date.now();
  const uploaded = await uploadFile(stack.env, token, file, size);
  const uploadMs = Date.now() - uploadStarted;
  if (uploaded.status !== 202) throw new Error(`upload answered ${uploaded.status}: ${uploaded.body}`);
  const { import_id: importId, slices_total: slices } = JSON.parse(uploaded.body) as { import_id: string; slices_total: number };
  log(`uploaded in ${seconds(uploadMs)}: ${slices} slices stored; parsing and applying…`);

  const progress = setInterval(async () => {
    const { rows } = await db.query('select rows_done, rows_total, rows_parsed, bytes_parsed from lead.lead_imports where id = $1', [importId]).catch(() => ({ rows: [] }));
    const row = rows[0];
    if (row) log(`  ${row.rows_done.toLocaleString('en-US')} / ${row.rows_total === null ? `${row.rows_parsed.toLocaleString('en-US')} found so far (${(Number(row.bytes_parsed) / 1e6).toFixed(1)} MB parsed)` : row.rows_total.toLocaleString('en-US')} rows applied`);
  }, 10_000);
  const workerStarted = Date.now();
  // Progress is bytes parsed (parse steps) plus rows applied (chunks).
  const importRow = async () => (await db.query('select status, rows_done + bytes_parsed as progress from lead.lead_imports where id = $1', [importId])).rows[0];
  const worker = await drainThroughHost(stack.env, 'lead-import-worker', async () => Number((await importRow()).progress), async () => ['completed', 'failed', 'cancelled'].includes((await importRow()).status))
    .finally(() => clearInterval(progress));
  const workerMs = Date.now() - workerStarted;

  const { rows: [done] } = await db.query(
    `select status, rows_total, rows_done, rows_failed, rows_inserted, chunks_total,
            (select count(*) from lead.lead_import_errors where import_id = $1)::int as errors
     from lead.lead_imports where id = $1`,
    [importId],
  );
  if (done.status !== 'completed' || done.rows_done !== importRows) {
    const { rows: runs } = await db.query(
      `select worker, stopped_by, processed, retried, failed, left(error, 300) as error from ops.worker_runs order by id desc limit 5`,
    );
    throw new Error(`import did not complete: ${JSON.stringify(done)}; worker said ${JSON.stringify(worker)}; last runs ${JSON.stringify(runs)}`);
  }
  log(`import completed: ${done.rows_inserted} leads inserted, ${done.errors} rows rejected; ${worker.invocations} worker invocations, statuses ${JSON.stringify(worker.statuses)}`);

  // Baseline: the same file, plain COPY (psql \copy, client-side like the upload) into a table with the
  // same three columns, in the same database.
  const url = new URL(stack.env.DB_URL);
  const copyStarted = Date.now();
  const copy = spawnSync('psql', [
    '-X', '-q', '-v', 'ON_ERROR_STOP=1',
    '-c', 'create table public.bench_copy (email text, name text, phone text)',
    '-c', `\\copy public.bench_copy from '${file}' with (format csv, header true)`,
  ], { env: { ...process.env, PGHOST: url.hostname, PGPORT: url.port, PGUSER: url.username, PGPASSWORD: decodeURIComponent(url.password), PGDATABASE: url.pathname.slice(1) }, encoding: 'utf8' });
  const copyMs = Date.now() - copyStarted;
  if (copy.status !== 0) throw new Error(`COPY failed: ${copy.stderr}`);
  const { rows: [copied] } = await db.query('select count(*)::int as n from public.bench_copy');

  // Second baseline: what the database itself needs for the same upsert — one set-based statement from
  // the copied rows straight into lead.leads (same triggers and indexes), for a fresh company, on a
  // slice of up to 100,000 valid rows.
  const { rows: [baselineCompany] } = await db.query(`insert into core.companies (name, slug) values ('Bench Baseline', 'bench-baseline') returning id`);
  const upsertStarted = Date.now();
  const upserted = await db.query(
    `insert into lead.leads as l (company_id, email, name, phone, origin)
     select $1, c.email, c.name, c.phone, 'csv' from (select * from public.bench_copy limit 100000) c
     where c.email ~ '^[^@[:space:]]+@[^@[:space:]]+$'
     on conflict (company_id, lower(email)) do update set name = coalesce(excluded.name, l.name), phone = coalesce(excluded.phone, l.phone)`,
    [baselineCompany.id],
  );
  const upsertMs = Date.now() - upsertStarted;
  await db.query('drop table public.bench_copy');

  const totalMs = uploadMs + workerMs;
  report(`CSV import, ${importRows.toLocaleString('en-US')} rows (${(size / 1e6).toFixed(1)} MB), ${slices} slices, ${done.chunks_total} chunks`, '');
  report('  upload: stream, check, store slices (leads-import)', `${seconds(uploadMs)}  ${perSecond(importRows, uploadMs)}`);
  report('  apply: parse slices + validate + upsert (lead-import-worker)', `${seconds(workerMs)}  ${perSecond(importRows, workerMs)}`);
  report('  end to end', `${seconds(totalMs)}  ${perSecond(importRows, totalMs)}`);
  report(`  baseline: psql \\copy of the same file (${copied.n.toLocaleString('en-US')} rows)`, `${seconds(copyMs)}  ${perSecond(copied.n, copyMs)}`);
  report('  ratio end to end / COPY', `${(totalMs / copyMs).toFixed(1)}×`);
  report(`  baseline: one INSERT … ON CONFLICT into lead.leads (${upserted.rowCount?.toLocaleString('en-US')} rows, same triggers)`, `${seconds(upsertMs)}  ${perSecond(upserted.rowCount ?? 0, upsertMs)}`);
  report('  ratio worker rate / single-statement upsert rate', `${((importRows / workerMs) / ((upserted.rowCount ?? 0) / upsertMs)).toFixed(2)}×`);
}

// ---- (b) lead list ----------------------------------------------------------------------------------

async function benchLeadList(stack: RunningStack, db: pg.Client): Promise<void> {
  const env = stack.env;
  // A company of its own with exactly listLeads leads (the import above filled another one).
  await db.query(
    `insert into lead.leads (company_id, name, email, phone, origin, status, created_at)
     select c.id, 'Lista ' || g, 'lista' || g || '@bench.test', null,
            (array['manual', 'csv', 'form', 'whatsapp', 'email'])[1 + g % 5],
            (array['new', 'contacted', 'qualified', 'lost', 'new'])[1 + g % 5],
            now() - make_interval(mins => g)
     from core.companies c, generate_series(1, $1::int) g
     where c.slug = 'outra-empresa'`,
    [listLeads],
  );
  await db.query('vacuum analyze lead.leads');
  const { rows: [counts] } = await db.query(
    `select count(*)::int as total, count(*) filter (where status = 'new')::int as new
     from lead.leads l join core.companies c on c.id = l.company_id where c.slug = 'outra-empresa'`,
  );
  const token = await signIn(env, 'admin@outra.rastro.local', 'outra-admin-pass');
  const base = { apikey: env.ANON_KEY, authorization: `Bearer ${token}` };
  const list = `${env.API_URL}/rest/v1/leads?select=id,name,email,phone,status,origin,stage_id,owner_id,created_at&status=eq.new&order=created_at.desc&limit=50`;
  const variants = [
    { name: 'list, status=eq.new, newest 50, Prefer: count=exact', url: list, headers: { ...base, 'accept-profile': 'lead', prefer: 'count=exact' }, expectCount: counts.new },
    { name: 'baseline: same list without the count', url: list, headers: { ...base, 'accept-profile': 'lead' } },
    { name: 'baseline: trivial request (one company row)', url: `${env.API_URL}/rest/v1/companies?select=id&limit=1`, headers: { ...base, 'accept-profile': 'core' } },
  ];
  const timings: number[][] = variants.map(() => []);
  const warmup = 20;
  for (let i = 0; i < warmup + samples; i++) {
    for (const [index, variant] of variants.entries()) {
      const started = performance.now();
      const res = await fetch(variant.url, { headers: variant.headers });
      const rows = (await res.json()) as unknown[];
      const elapsed = performance.now() - started;
      if (res.status !== 200 && res.status !== 206) throw new Error(`${variant.name}: ${res.status}`);
      if (i === 0 && variant.expectCount !== undefined) {
        const total = Number(res.headers.get('content-range')?.split('/')[1]);
        if (total !== variant.expectCount || rows.length !== 50) throw new Error(`${variant.name}: count ${total}, ${rows.length} rows`);
      }
      if (i >= warmup) timings[index].push(elapsed);
    }
  }
  report(`Lead list through PostgREST as a member, ${counts.total.toLocaleString('en-US')} leads in the company (${counts.new.toLocaleString('en-US')} new), ${samples} samples each`, '');
  const p95s: number[] = [];
  for (const [index, variant] of variants.entries()) {
    const sorted = timings[index].sort((a, b) => a - b);
    p95s.push(percentile(sorted, 95));
    report(`  ${variant.name}`, `p50 ${percentile(sorted, 50).toFixed(1)} ms  p95 ${percentile(sorted, 95).toFixed(1)} ms  p99 ${percentile(sorted, 99).toFixed(1)} ms`);
  }
  report('  ratio p95 with count / without count / trivial', `${(p95s[0] / p95s[1]).toFixed(2)}× / ${(p95s[0] / p95s[2]).toFixed(2)}×`);
}

// ---- (c) edge functions against Supabase's limits ---------------------------------------------------

type Invocation = { function: string; status: number; cpu_ms: number; peak_mb: number; limit_hit: string | null; limits: { cpu_ms: number; memory_mb: number } };

/** Byte length of the invocation log now: what a later report starts from. */
function invocationLogOffset(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}

/**
 * Per function, the largest CPU time and peak memory of one invocation among those the functions host
 * logged since `fromOffset`, beside Supabase's limits, with a verdict.
 */
function reportFunctionLimits(file: string, fromOffset: number, during: string): void {
  const lines = existsSync(file) ? readFileSync(file).subarray(fromOffset).toString('utf8').split('\n').filter(Boolean) : [];
  const byFunction = new Map<string, Invocation[]>();
  for (const line of lines) {
    const invocation = JSON.parse(line) as Invocation;
    byFunction.set(invocation.function, [...(byFunction.get(invocation.function) ?? []), invocation]);
  }
  report(`Edge functions against Supabase's limits per invocation, during ${during} (functions host log)`, byFunction.size === 0 ? 'no invocations' : '');
  for (const [name, invocations] of [...byFunction].sort(([a], [b]) => a.localeCompare(b))) {
    const cpu = Math.max(...invocations.map((i) => i.cpu_ms));
    const peak = Math.max(...invocations.map((i) => i.peak_mb));
    const { cpu_ms: cpuLimit, memory_mb: memoryLimit } = invocations[0].limits;
    const hits = invocations.filter((i) => i.limit_hit);
    const over = hits.length > 0 || cpu > cpuLimit || peak > memoryLimit;
    const verdict = over ? `OVER the limits (${hits.length} of ${invocations.length} stopped: ${[...new Set(hits.map((i) => i.limit_hit))].join(', ') || 'none'})` : 'under the limits';
    report(`  ${name} (${invocations.length} invocations)`, `max CPU ${cpu} ms / ${cpuLimit} ms  max peak ${peak} MB / ${memoryLimit} MB  ${verdict}`);
  }
}

// ---- main -------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'rastro-bench-'));
  chmodSync(stateDir, 0o755);
  const workDir = mkdtempSync(join(tmpdir(), 'rastro-bench-files-'));
  let stack: RunningStack | null = null;
  let db: pg.Client | null = null;
  const extraFunctions = staticRedirectFunctionDir();
  try {
    const ports = await freePorts();
    stack = await startStack({ stateDir, ports, withConsole: false, durable: true, log, extraFunctionDirs: [extraFunctions] });
    await seedDemo(stack.env, log);
    db = new pg.Client({ connectionString: stack.env.DB_URL });
    await db.connect();
    const cpus = readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? 0;
    log(`stack up (${cpus} CPUs); running benchmarks`);
    const invocationsBefore = invocationLogOffset(stack.functionInvocationLog);
    // An import that fails (e.g. a function stopped at a limit) is reported, and the rest still runs.
    if (wanted('import')) {
      await benchImport(stack, db, workDir).catch((error: Error) => report('CSV import FAILED', error.message.slice(0, 400)));
      reportFunctionLimits(stack.functionInvocationLog, invocationsBefore, `the ${importRows.toLocaleString('en-US')}-row import and its queue drain`);
    }
    if (wanted('list')) await benchLeadList(stack, db);
    if (wanted('tracking')) {
      await benchTracking(stack, db, report, { pageViews: Number(args['page-views']), utmSessions: Number(args['utm-sessions']), seconds: Number(args['tracking-seconds']), workDir, log })
        .catch((error: Error) => report('web tracking FAILED', error.message.slice(0, 400)));
    }
    if (wanted('email')) {
      await benchEmail(stack, db, report, {
        contacts: Number(args['email-contacts']),
        clickRate: Number(args['click-rate']),
        clickSeconds: Number(args['click-seconds']),
      }).catch((error: Error) => report('e-mail FAILED', error.message.slice(0, 400)));
    }
    if (wanted('conversions')) {
      const before = invocationLogOffset(stack.functionInvocationLog);
      await benchConversions(stack, db, { conversions: Number(args.conversions), resilience: Number(args['conversions-resilience']) }, report, log)
        .catch((error: Error) => report('Conversions FAILED', error.message.slice(0, 400)));
      reportFunctionLimits(stack.functionInvocationLog, before, 'the conversions dispatch');
    }
    if (wanted('whatsapp')) {
      const before = invocationLogOffset(stack.functionInvocationLog);
      await benchWhatsapp(stack, db, report, { seconds: Number(args['whatsapp-seconds']) })
        .catch((error: Error) => report('WhatsApp FAILED', error.message.slice(0, 400)));
      reportFunctionLimits(stack.functionInvocationLog, before, 'the WhatsApp webhook load');
    }
  } finally {
    await db?.end();
    await stack?.stop();
    rmSync(workDir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
    removeFunctionDir(extraFunctions);
  }
  const width = Math.max(...results.map(([label]) => label.length));
  console.log(['', ...results.map(([label, value]) => (value ? `${label.padEnd(width)}  ${value}` : label))].join('\n'));
}

await main();
