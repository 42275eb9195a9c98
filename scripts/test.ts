// `npm test`: a throw-away stack on free ports, then every suite against it, then one closing line
// `N passed, N failed`. Everything is torn down even when a suite or the boot fails.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { binDir, repoRoot } from '../packages/local-stack/src/config.ts';
import { freePort, freePorts } from '../packages/local-stack/src/ports.ts';
import { browserPackages, ensurePackages } from '../packages/local-stack/src/os-packages.ts';
import { startStack, syncConsole, type RunningStack, type StackEnv } from '../packages/local-stack/src/stack.ts';
import { seedDemo } from './seed-demo.ts';
import { generateTypes, lintDatabase } from '../packages/local-stack/src/supabase-cli.ts';

type SuiteResult = { name: string; passed: number; failed: number; seconds: number };
const log = (m: string) => console.error(`[test] ${m}`);
const typesFile = join(repoRoot, 'packages', 'contracts', 'src', 'database.types.ts');

const { values } = parseArgs({ options: { only: { type: 'string', multiple: true }, keep: { type: 'boolean', default: false }, 'deno-filter': { type: 'string' }, 'vitest-filter': { type: 'string' } } });
const wanted = (suite: string) => !values.only || values.only.includes(suite);

function run(command: string, args: string[], env: Record<string, string>, options: { capture?: boolean; cwd?: string } = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd ?? repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!options.capture) process.stdout.write(chunk);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function timed(name: string, body: () => Promise<{ passed: number; failed: number }>): Promise<SuiteResult> {
  const started = Date.now();
  log(`── ${name}`);
  try {
    const { passed, failed } = await body();
    return { name, passed, failed, seconds: (Date.now() - started) / 1000 };
  } catch (error) {
    log(`${name} crashed: ${(error as Error).stack ?? error}`);
    return { name, passed: 0, failed: 1, seconds: (Date.now() - started) / 1000 };
  }
}

async function pgTap(env: StackEnv): Promise<{ passed: number; failed: number }> {
  const db = new pg.Client({ connectionString: env.DB_URL });
  await db.connect();
  await db.query('create extension if not exists pgtap with schema extensions');
  await db.end();
  const url = new URL(env.DB_URL);
  const { code, output } = await run('pg_prove', ['--ext', '.sql', '-r', '--timer', '--failures', 'supabase/tests'], {
    PGHOST: url.hostname, PGPORT: url.port, PGUSER: url.username, PGPASSWORD: decodeURIComponent(url.password), PGDATABASE: url.pathname.slice(1),
  });
  // Summary lines: "Tests=77" overall; per broken file "(… Tests: 15 Failed: 2)" and
  // "Parse errors: Bad plan.  You planned 20 tests but ran 15." (tests that never ran count as failed).
  const total = Number(/Tests=(\d+)/.exec(output)?.[1] ?? 0);
  const failedRun = [...output.matchAll(/\(Wstat: \d+.*?Tests: \d+ Failed: (\d+)\)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  const neverRan = [...output.matchAll(/You planned (\d+) tests? but ran (\d+)/g)].reduce((sum, m) => sum + Math.max(1, Number(m[1]) - Number(m[2])), 0);
  const noTests = [...output.matchAll(/No subtests run/g)].length;
  // The helpers live inside each file's transaction (supabase/tests/_helpers/install.psql): none may remain.
  const after = new pg.Client({ connectionString: env.DB_URL });
  await after.connect();
  const { rows: [leftover] } = await after.query<{ left_behind: boolean }>(`select exists (select 1 from pg_namespace where nspname = 'tests') as left_behind`);
  await after.end();
  if (leftover.left_behind) log('pgTAP left a `tests` schema in the database: a test file committed its helpers');
  const failed = failedRun + neverRan + noTests + (leftover.left_behind ? 1 : 0);
  return { passed: Math.max(0, total - failedRun) + (leftover.left_behind ? 0 : 1), failed: failed === 0 && code !== 0 ? 1 : failed };
}

async function dbLint(env: StackEnv): Promise<{ passed: number; failed: number }> {
  const { clean, report } = lintDatabase(env.DB_URL);
  console.log(report);
  if (!clean) log('supabase db lint reported errors (plpgsql_check); see above');
  return clean ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
}

async function typesMatch(env: StackEnv): Promise<{ passed: number; failed: number }> {
  const generated = generateTypes(env.DB_URL);
  const committed = existsSync(typesFile) ? readFileSync(typesFile, 'utf8') : '';
  if (committed === generated) return { passed: 1, failed: 0 };
  const out = join(repoRoot, 'test-results', 'database.types.generated.ts');
  writeFileSync(out, generated);
  log(`${relative(repoRoot, typesFile)} does not match the migrations (fresh output in ${relative(repoRoot, out)}); run: npm run gen:types`);
  return { passed: 0, failed: 1 };
}

/** The TypeScript of the tools, packages and tests (tsc), and the console's (svelte-check): one test each. */
async function typecheck(): Promise<{ passed: number; failed: number }> {
  syncConsole(); // svelte-check reads web's generated tsconfig and the compiled messages
  let passed = 0;
  for (const [command, args, cwd] of [
    [join(binDir, 'tsc'), ['-p', 'tsconfig.json', '--noEmit'], repoRoot],
    [join(binDir, 'svelte-check'), ['--threshold', 'error', '--output', 'human'], join(repoRoot, 'web')],
  ] as const) {
    const { code } = await run(command, [...args], {}, { cwd });
    if (code === 0) passed++;
    else log(`${relative(repoRoot, command)} found type errors; see above`);
  }
  return { passed, failed: 2 - passed };
}

async function denoTests(env: StackEnv, functionEnv: Record<string, string>, functionInvocationLog: string): Promise<{ passed: number; failed: number }> {
  const { code, output } = await run(join(binDir, 'deno'), ['test', '--config', 'deno.json', '--allow-net', '--allow-env', '--allow-read', '--allow-sys', '--allow-run', ...(values['deno-filter'] ? ['--filter', values['deno-filter']] : []), 'supabase/functions/'], { ...env, ...functionEnv, FUNCTION_INVOCATION_LOG: functionInvocationLog, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' });
  const summary = /(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(output);
  if (!summary) {
    if (/No test modules found/.test(output)) return { passed: 0, failed: 0 };
    return { passed: 0, failed: 1 };
  }
  const failed = Number(summary[2]);
  return { passed: Number(summary[1]), failed: failed === 0 && code !== 0 ? 1 : failed };
}

async function vitest(env: StackEnv, functionInvocationLog: string, smtpSinkPort: number): Promise<{ passed: number; failed: number }> {
  syncConsole(); // the web unit tests compile against web's generated tsconfig
  const report = join(repoRoot, 'test-results', 'vitest.json');
  const { code } = await run(join(binDir, 'vitest'), ['run', ...(values['vitest-filter'] ? [values['vitest-filter']] : []), '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], { ...env, CHROMIUM_PATH: '/usr/bin/chromium', FUNCTION_INVOCATION_LOG: functionInvocationLog, SMTP_SINK_PORT: String(smtpSinkPort) });
  if (!existsSync(report)) return { passed: 0, failed: 1 };
  const json = JSON.parse(readFileSync(report, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    testResults: Array<{ status: string; assertionResults: unknown[] }>;
  };
  // A file that failed to load has no assertions but must still count as a failure.
  const brokenFiles = json.testResults.filter((file) => file.status === 'failed' && file.assertionResults.length === 0).length;
  const failed = json.numFailedTests + brokenFiles;
  return { passed: json.numPassedTests, failed: failed === 0 && code !== 0 ? 1 : failed };
}

async function main(): Promise<number> {
  const started = Date.now();
  rmSync(join(repoRoot, 'test-results'), { recursive: true, force: true });
  mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
  ensurePackages(browserPackages, log);
  const stateDir = mkdtempSync(join(tmpdir(), 'rastro-test-'));
  chmodSync(stateDir, 0o755);
  let stack: RunningStack | null = null;
  const results: SuiteResult[] = [];
  const smtpSinkPort = await freePort(); // the e-mail e2e listens here (SMTP_SINK_PORT)
  try {
    stack = await startStack({
      stateDir,
      ports: await freePorts(),
      withConsole: wanted('vitest'),
      durable: false,
      smtpSinkPort,
      log,
      extraFunctionDirs: [join(repoRoot, 'packages', 'local-stack', 'test', 'fixtures', 'functions')],
    });
    log(`stack booted in ${(stack.timings.total / 1000).toFixed(1)} s (${Object.entries(stack.timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`).join(', ')})`);
    await seedDemo(stack.env, log);
    const env = stack.env;
    if (wanted('pgtap')) results.push(await timed('pgTAP (pg_prove)', () => pgTap(env)));
    if (wanted('lint')) results.push(await timed('supabase db lint', () => dbLint(env)));
    if (wanted('types')) results.push(await timed('database types up to date', () => typesMatch(env)));
    if (wanted('typecheck')) results.push(await timed('typecheck (tsc, svelte-check)', () => typecheck()));
    if (wanted('deno')) results.push(await timed('Deno tests', () => denoTests(env, stack!.functionEnv, stack!.functionInvocationLog)));
    if (wanted('vitest')) results.push(await timed('vitest (unit, integration, e2e)', () => vitest(env, stack!.functionInvocationLog, smtpSinkPort)));
  } catch (error) {
    log(`stack failed to boot: ${(error as Error).stack ?? error}`);
    results.push({ name: 'stack boot', passed: 0, failed: 1, seconds: 0 });
  } finally {
    if (stack) await stack.stop();
    if (!values.keep) rmSync(stateDir, { recursive: true, force: true });
  }
  for (const r of results) log(`${r.name.padEnd(34)} ${String(r.passed).padStart(5)} passed ${String(r.failed).padStart(3)} failed  ${r.seconds.toFixed(1)} s`);
  log(`wall time ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const passed = results.reduce((s, r) => s + r.passed, 0);
  const failed = results.reduce((s, r) => s + r.failed, 0);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

process.exitCode = await main();
