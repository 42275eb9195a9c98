// A private PostgreSQL 15 cluster for the stack: created once under the state dir, started as a child
// process (so Ctrl-C on `npm start` stops it), configured the way Supabase's image is where it matters.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import pg from 'pg';
import { pgBinDir } from './config.ts';

export const superuserPassword = 'postgres'; // the Supabase CLI's well-known local default; loopback only

type RunAs = { uid?: number; gid?: number };

function postgresAccount(): RunAs {
  if (process.getuid?.() !== 0) return {};
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0) throw new Error('running as root but the postgres OS user does not exist (is postgresql-15 installed?)');
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function ownedByPostgres(path: string, account: RunAs): void {
  mkdirSync(path, { recursive: true });
  if (account.uid !== undefined && account.gid !== undefined) chownSync(path, account.uid, account.gid);
  chmodSync(path, 0o700);
}

function runChecked(command: string, args: string[], options: SpawnSyncOptions & RunAs): void {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
  }
}

/** Where this PostgreSQL looks for extensions (pg_config of the same installation, so a relocated copy answers for itself). */
function installationDirs(): { pkglibdir: string; sharedir: string } {
  const result = spawnSync(join(pgBinDir, 'pg_config'), ['--pkglibdir', '--sharedir'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${join(pgBinDir, 'pg_config')} failed: ${result.stderr}`);
  const [pkglibdir, sharedir] = result.stdout.trim().split('\n');
  return { pkglibdir, sharedir };
}

/** Whether this PostgreSQL has an extension installed (its control file and, when it has one, its library). */
export function extensionInstalled(name: string, library?: string): boolean {
  const { pkglibdir, sharedir } = installationDirs();
  return existsSync(join(sharedir, 'extension', `${name}.control`)) && (!library || existsSync(join(pkglibdir, `${library}.so`)));
}

/** The stand-ins are used even where real extensions are installed when asked to (or RASTRO_STAND_INS=1). */
export function standInsForced(standIns?: boolean): boolean {
  return standIns ?? process.env.RASTRO_STAND_INS === '1';
}

/**
 * Decided at every start, not at initdb: pg_cron and plpgsql_check always; pg_net (its background
 * worker) and supabase_vault (it reads its root key while the server starts) whenever this PostgreSQL
 * has them, so a cluster boots with whatever is installed today.
 */
export function preloadLibraries(standIns?: boolean): string[] {
  const optional = standInsForced(standIns) ? [] : [['pg_net', 'pg_net'], ['supabase_vault', 'supabase_vault']].filter(([name, library]) => extensionInstalled(name, library));
  return ['pg_cron', 'plpgsql_check', ...optional.map(([, library]) => library)];
}

/**
 * The root key real Vault derives its encryption keys from, one per stack folder: 32 random bytes as
 * 64 hex characters in <state>/vault/root.key (mode 600, readable by the postgres account only), handed
 * to the server by a getkey script (vault.getkey_script) as supabase_vault expects. Kept across
 * restarts: secrets stored under it are unreadable with another key.
 */
export function vaultKeyScript(stateDir: string, account: RunAs): string {
  const dir = join(stateDir, 'vault');
  ownedByPostgres(dir, account);
  const keyFile = join(dir, 'root.key');
  const script = join(dir, 'getkey');
  if (/[^\w/.+-]/.test(script)) throw new Error(`Vault's getkey script runs through a shell: the state dir path may only hold letters, digits and _ / . + - (${stateDir})`);
  if (!existsSync(keyFile)) writeFileSync(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  writeFileSync(script, `#!/bin/sh\nexec cat ${keyFile}\n`, { mode: 0o700 });
  for (const file of [keyFile, script]) {
    if (account.uid !== undefined) chownSync(file, account.uid, account.gid!);
  }
  chmodSync(keyFile, 0o600);
  chmodSync(script, 0o700);
  return script;
}

/** Settings decided at every start; passed as -c options, which win over postgresql.conf. */
function startSettings(stateDir: string, account: RunAs, standIns?: boolean): string[] {
  const preload = preloadLibraries(standIns);
  const settings = [`shared_preload_libraries=${preload.join(',')}`];
  if (preload.includes('supabase_vault')) settings.push(`vault.getkey_script=${vaultKeyScript(stateDir, account)}`);
  return settings.flatMap((setting) => ['-c', setting]);
}

export type Cluster = { dataDir: string; socketDir: string; port: number; url: string; stop(): Promise<void> };

export function clusterUrl(port: number, user = 'postgres', password = superuserPassword, database = 'postgres'): string {
  return `postgresql://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** initdb once; later calls reuse the data directory. */
export function initCluster(stateDir: string, port: number, tuning: { durable: boolean }): { dataDir: string; socketDir: string } {
  const account = postgresAccount();
  const dataDir = join(stateDir, 'db');
  const socketDir = join(stateDir, 'run');
  // The state dir must be traversable by the postgres account; its contents stay private.
  mkdirSync(stateDir, { recursive: true });
  chmodSync(stateDir, 0o755);
  ownedByPostgres(socketDir, account);
  chmodSync(socketDir, 0o755);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    ownedByPostgres(dataDir, account);
    const pwfile = join(socketDir, 'initdb.pw');
    writeFileSync(pwfile, superuserPassword, { mode: 0o600 });
    if (account.uid !== undefined) chownSync(pwfile, account.uid, account.gid!);
    runChecked(join(pgBinDir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C.UTF-8'], { ...account, cwd: socketDir });
    appendFileSync(join(dataDir, 'postgresql.conf'), [
      '',
      '# ---- written by packages/local-stack ----',
      "listen_addresses = '127.0.0.1'",
      '# shared_preload_libraries (and vault.getkey_script) are given as -c options at every start',
      "cron.database_name = 'postgres'",
      'cron.use_background_workers = on',
      'max_worker_processes = 32',
      'max_connections = 200',
      "timezone = 'UTC'",
      "log_min_messages = 'warning'",
      ...(tuning.durable ? [] : ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off']),
      '',
    ].join('\n'));
  }
  const confPath = join(dataDir, 'postgresql.auto.conf');
  const conf = existsSync(confPath) ? readFileSync(confPath, 'utf8') : '';
  if (!conf.includes(`port = ${port}`) || !conf.includes(socketDir)) {
    // ALTER SYSTEM's file: the port and socket dir may change between runs (tests use free ports).
    writeFileSync(confPath, `port = ${port}\nunix_socket_directories = '${socketDir}'\n`);
    if (account.uid !== undefined) chownSync(confPath, account.uid, account.gid!);
  }
  return { dataDir, socketDir };
}

export async function startCluster(stateDir: string, port: number, options: { durable: boolean; log: (m: string) => void; standIns?: boolean }): Promise<Cluster> {
  const { dataDir, socketDir } = initCluster(stateDir, port, { durable: options.durable });
  const account = postgresAccount();
  const stalePid = join(dataDir, 'postmaster.pid');
  if (existsSync(stalePid)) {
    const pid = Number(readFileSync(stalePid, 'utf8').split('\n')[0]);
    if (pid > 0 && processAlive(pid)) {
      throw new Error(`Postgres from an earlier run is still running (pid ${pid}, data ${dataDir}). Stop it with: npm run stack -- stop`);
    }
  }
  mkdirSync(join(stateDir, 'logs'), { recursive: true });
  const logFd = openSync(join(stateDir, 'logs', 'postgres.log'), 'a');
  // Own process group: a Ctrl-C in the terminal must not reach Postgres before the services that
  // use it have stopped; the stack stops it last.
  const settings = startSettings(stateDir, account, options.standIns);
  const child: ChildProcess = spawn(join(pgBinDir, 'postgres'), ['-D', dataDir, ...settings], {
    ...account,
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
  });
  const url = clusterUrl(port);
  await waitForConnection(url, child, join(stateDir, 'logs', 'postgres.log'));
  options.log(`postgres 15 ready on 127.0.0.1:${port} (preloaded: ${settings[1].split('=')[1]})`);
  return {
    dataDir,
    socketDir,
    port,
    url,
    stop: () => stopChild(child, 'SIGINT', 30_000),
  };
}

/** Stops a Postgres left running by a supervisor that died without cleaning up. */
export async function stopOrphanCluster(stateDir: string): Promise<boolean> {
  const pidFile = join(stateDir, 'db', 'postmaster.pid');
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!(pid > 0) || !processAlive(pid)) return false;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 30_000;
  while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  return !processAlive(pid);
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForConnection(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`postgres exited with code ${child.exitCode}; last log lines:\n${tail(logFile)}`);
    }
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      return;
    } catch (error) {
      lastError = error;
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`postgres did not accept connections within 60 s: ${String(lastError)}\n${tail(logFile)}`);
}

function tail(file: string, lines = 20): string {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') : '(no log)';
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/** Runs SQL files in order as the superuser, each in its own transaction, stopping at the first error. */
export async function runSqlFiles(url: string, files: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('set client_min_messages = warning'); // re-runs print "already exists, skipping"
  try {
    for (const file of files) {
      try {
        await client.query('begin');
        await client.query(readFileSync(file, 'utf8'));
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw new Error(`${file}: ${(error as Error).message}`);
      }
    }
  } finally {
    await client.end();
  }
}

export function sqlFilesIn(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.sql')).sort().map((f) => join(dir, f));
}

