// A private PostgreSQL 15 cluster for the stack: created once under the state dir, started as a child
// process (so Ctrl-C on `npm start` stops it), configured the way Supabase's image is where it matters.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncOptions } from 'node:child_process';
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

/** pg_cron always; pg_net only where the real extension is installed (its worker must be preloaded). */
function preloadLibraries(): string[] {
  const hasPgNet = existsSync('/usr/share/postgresql/15/extension/pg_net.control');
  return ['pg_cron', 'plpgsql_check', ...(hasPgNet ? ['pg_net'] : [])];
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
      `shared_preload_libraries = '${preloadLibraries().join(', ')}'`,
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

export async function startCluster(stateDir: string, port: number, options: { durable: boolean; log: (m: string) => void }): Promise<Cluster> {
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
  const child: ChildProcess = spawn(join(pgBinDir, 'postgres'), ['-D', dataDir], {
    ...account,
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
  });
  const url = clusterUrl(port);
  await waitForConnection(url, child, join(stateDir, 'logs', 'postgres.log'));
  options.log(`postgres 15 ready on 127.0.0.1:${port}`);
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

