// `npm run test:parity -- [--pgmq DIR] [--pg-net DIR] [--vault DIR] [--pgmq-git URL] [--pg-net-git URL]
//    [--vault-git URL] [--keep] [-- <npm test args>]`
// Runs the whole suite against the real upstream extensions instead of the local stand-ins:
//   1. builds pgmq, pg_net and supabase_vault from the given source folders (or shallow git clones, of
//      their upstream repositories or of the --…-git URL/path given, at the tags the stand-ins mirror) with this machine's PostgreSQL
//      15 development files (postgresql-server-dev-15, libcurl4-openssl-dev, libsodium-dev,
//      build-essential; installed with apt-get when missing and running as root);
//   2. installs them with `make install DESTDIR=…` into a private copy of this machine's PostgreSQL 15
//      (the same binaries, copied under a temporary directory; PostgreSQL finds its share and lib
//      directories relative to its own binary), recording every file the installs added;
//   3. runs scripts/test.ts (what `npm test` runs) with RASTRO_PG_BIN_DIR pointing at that copy, so
//      the stack bootstraps with the real extensions (preloaded, with a Vault root key);
//   4. removes the copy with everything installed into it, checks that the machine's own PostgreSQL
//      has none of the three, and prints the suite's closing line with the upstream versions used.
// The system installation is never written to, so other stacks on the machine keep their stand-ins
// while this runs, and nothing is left behind. Nothing of upstream's code enters the repository.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { pgBinDir, repoRoot } from '../packages/local-stack/src/config.ts';
import { ensurePackages } from '../packages/local-stack/src/os-packages.ts';

const log = (m: string) => console.error(`[parity] ${m}`);

type Upstream = { option: string; name: string; repository: string; tag: string; subdir?: string };
/** The versions the stand-ins mirror (their headers say the same). */
const upstreams: Upstream[] = [
  { option: 'pgmq', name: 'pgmq', repository: 'https://github.com/pgmq/pgmq.git', tag: 'v1.5.1', subdir: 'pgmq-extension' },
  { option: 'pg-net', name: 'pg_net', repository: 'https://github.com/supabase/pg_net.git', tag: 'v0.20.4' },
  { option: 'vault', name: 'supabase_vault', repository: 'https://github.com/supabase/vault.git', tag: 'v0.3.1' },
];
const buildPackages = ['postgresql-server-dev-15', 'libcurl4-openssl-dev', 'libsodium-dev', 'build-essential'] as const;

function run(command: string, args: string[], cwd?: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${(result.stderr || result.stdout).slice(-4000)}`);
  return result.stdout.trim();
}

function filesUnder(dir: string): Set<string> {
  const files = new Set<string>();
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.add(full);
    }
  };
  if (existsSync(dir)) walk(dir);
  return files;
}

/** The source tree to build: the folder given (copied, so its checkout stays clean) or a fresh clone. */
function sourceFor(upstream: Upstream, given: string | undefined, repository: string, work: string): { dir: string; origin: string; commit: string } {
  const checkout = join(work, 'src', upstream.name);
  if (given) {
    cpSync(given, checkout, { recursive: true, filter: (path) => !/\/\.git(\/|$)/.test(path) });
  } else {
    log(`cloning ${repository} at ${upstream.tag}`);
    run('git', ['clone', '--quiet', '--depth', '1', '--branch', upstream.tag, existsSync(repository) ? `file://${repository}` : repository, checkout]);
  }
  const gitDir = given ?? checkout;
  const commit = existsSync(join(gitDir, '.git')) ? run('git', ['-C', gitDir, 'rev-parse', 'HEAD']) : 'not a git checkout';
  const describe = existsSync(join(gitDir, '.git')) ? spawnSync('git', ['-C', gitDir, 'describe', '--tags', '--always', '--dirty'], { encoding: 'utf8' }).stdout.trim() : '';
  const dir = upstream.subdir && existsSync(join(checkout, upstream.subdir, 'Makefile')) ? join(checkout, upstream.subdir) : checkout;
  if (!existsSync(join(dir, 'Makefile'))) throw new Error(`${given ?? upstream.repository}: no Makefile for ${upstream.name}`);
  return { dir, origin: given ?? `${repository} ${upstream.tag}`, commit: describe ? `${commit} (${describe})` : commit };
}

/** The private copy: the system's bin, lib and share trees at the same paths under root. */
function privatePostgres(root: string): { binDir: string; pgConfig: string; sharedir: string } {
  const systemConfig = join(pgBinDir, 'pg_config');
  const [bindir, pkglibdir, sharedir] = run(systemConfig, ['--bindir', '--pkglibdir', '--sharedir']).split('\n');
  for (const dir of new Set([bindir, pkglibdir, sharedir])) {
    mkdirSync(join(root, dir, '..'), { recursive: true });
    cpSync(dir, join(root, dir), { recursive: true, verbatimSymlinks: true });
  }
  const copy = { binDir: join(root, bindir), pgConfig: systemConfig, sharedir: join(root, sharedir) };
  const relocated = run(join(copy.binDir, 'pg_config'), ['--sharedir']);
  if (relocated !== copy.sharedir) throw new Error(`the copied PostgreSQL does not relocate (its sharedir is ${relocated}, expected ${copy.sharedir})`);
  return copy;
}

function defaultVersion(sharedir: string, name: string): string {
  const control = readFileSync(join(sharedir, 'extension', `${name}.control`), 'utf8');
  return /default_version\s*=\s*'([^']+)'/.exec(control)?.[1] ?? '?';
}

async function runSuite(binDirOfCopy: string, args: string[]): Promise<{ code: number; closing: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'test.ts'), ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, RASTRO_PG_BIN_DIR: binDirOfCopy, RASTRO_STAND_INS: '0' },
    });
    let last = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      const lines = chunk.toString().split('\n').filter((line) => line.trim() !== '');
      if (lines.length > 0) last = lines[lines.length - 1];
    });
    child.on('close', (code) => resolve({ code: code ?? 1, closing: last }));
  });
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      ...Object.fromEntries(upstreams.flatMap((u) => [[u.option, { type: 'string' }], [`${u.option}-git`, { type: 'string' }]])),
      keep: { type: 'boolean', default: false },
    } as Record<string, { type: 'string' } | { type: 'boolean'; default: boolean }>,
  });
  ensurePackages(buildPackages, log);
  const work = mkdtempSync(join(tmpdir(), 'rastro-parity-'));
  chmodSync(work, 0o755);
  const root = join(work, 'pg');
  const systemShare = run(join(pgBinDir, 'pg_config'), ['--sharedir']);
  const used: string[] = [];
  let result = { code: 1, closing: '(the suite did not run)' };
  try {
    const copy = privatePostgres(root);
    log(`private copy of ${pgBinDir} under ${root}`);
    for (const upstream of upstreams) {
      const given = values[upstream.option] as string | undefined;
      const source = sourceFor(upstream, given, (values[`${upstream.option}-git`] as string | undefined) ?? upstream.repository, work);
      log(`building ${upstream.name} from ${source.origin}`);
      run('make', [`PG_CONFIG=${copy.pgConfig}`], source.dir);
      const before = filesUnder(root);
      run('make', ['install', `DESTDIR=${root}`, `PG_CONFIG=${copy.pgConfig}`], source.dir);
      const installed = [...filesUnder(root)].filter((file) => !before.has(file));
      if (!existsSync(join(copy.sharedir, 'extension', `${upstream.name}.control`))) throw new Error(`make install of ${upstream.name} installed no ${upstream.name}.control`);
      log(`installed ${upstream.name}: ${installed.length} files (${installed.filter((f) => !f.endsWith('.sql')).map((f) => relative(root, f)).join(', ')} and its SQL scripts)`);
      used.push(`${upstream.name} ${defaultVersion(copy.sharedir, upstream.name)} from ${source.origin}, commit ${source.commit}`);
    }
    result = await runSuite(copy.binDir, positionals);
  } finally {
    if (values.keep) log(`kept ${work} (--keep): RASTRO_PG_BIN_DIR=${join(root, pgBinDir)} runs the stack on it; rm -rf it when done`);
    else {
      rmSync(work, { recursive: true, force: true });
      log('removed the private copy and everything installed into it');
    }
    const leftovers = upstreams.filter((u) => existsSync(join(systemShare, 'extension', `${u.name}.control`))).map((u) => u.name);
    if (leftovers.length > 0) log(`WARNING: the machine's own PostgreSQL has ${leftovers.join(', ')} installed (not by this script)`);
    else log(`${systemShare}/extension has none of pgmq, pg_net, supabase_vault: the machine's PostgreSQL is as before`);
  }
  console.log(['', 'parity run against the real upstream extensions:', ...used.map((u) => `  ${u}`), result.closing].join('\n'));
  return result.code;
}

process.exitCode = await main();
