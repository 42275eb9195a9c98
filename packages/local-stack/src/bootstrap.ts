// The platform bootstrap: what a Supabase project has before any migration runs. Each stand-in file is
// replaced by the real extension when this machine's PostgreSQL has it installed, so the stand-ins are
// only used where the real part cannot be installed. A cluster remembers which implementation it was
// bootstrapped with (pg_extension for a real one, the schema comment a stand-in writes for itself);
// when that differs from what this PostgreSQL offers now, the cluster is recreated, saying why.
import { readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import pg from 'pg';
import { repoRoot } from './config.ts';
import { extensionInstalled, runSqlFiles, sqlFilesIn, standInsForced, startCluster, type Cluster } from './postgres.ts';

export const bootstrapDir = join(repoRoot, 'packages', 'local-stack', 'sql', 'bootstrap');

type Part = { file: string; extension: string; schema: string; library?: string };

/** The three platform parts that have both a stand-in and a real extension. */
const parts: Part[] = [
  { file: '30_vault.sql', extension: 'supabase_vault', schema: 'vault', library: 'supabase_vault' },
  { file: '40_pgmq.sql', extension: 'pgmq', schema: 'pgmq' },
  { file: '50_pg_net.sql', extension: 'pg_net', schema: 'net', library: 'pg_net' },
];

/** `stand-ins`: use the stand-ins even where the real extensions are installed (RASTRO_STAND_INS=1). */
export type PlatformChoice = { standIns?: boolean };

export type BootstrapResult = { realExtensions: string[]; standIns: string[] };

const standInMarker = /^Local stand-in for (\S+ \S+)/;

/** The real extensions to use: installed on this PostgreSQL (control file and library) and not overridden. */
export function realExtensionsToUse(choice: PlatformChoice = {}): string[] {
  if (standInsForced(choice.standIns)) return [];
  return parts.filter((part) => extensionInstalled(part.extension, part.library)).map((part) => part.extension);
}

/** "stand-in for pgmq 1.5.1", read from the schema comment the stand-in file sets. */
function standInIdentity(part: Part): string {
  const sql = readFileSync(join(bootstrapDir, part.file), 'utf8');
  const comment = new RegExp(`comment on schema ${part.schema} is '([^']*)'`).exec(sql)?.[1] ?? '';
  const mirrors = standInMarker.exec(comment)?.[1];
  if (!mirrors) throw new Error(`${part.file} must comment its schema with "Local stand-in for <extension> <version>"`);
  return `the stand-in for ${mirrors}`;
}

/** What each part would be bootstrapped with now, keyed by extension name. */
async function wantedImplementations(db: pg.Client, real: string[]): Promise<Map<string, string>> {
  const { rows } = await db.query<{ name: string; default_version: string }>(
    'select name, default_version from pg_available_extensions where name = any($1)', [real]);
  const versions = new Map(rows.map((row) => [row.name, row.default_version]));
  return new Map(parts.map((part) => [
    part.extension,
    versions.has(part.extension) ? `the ${part.extension} ${versions.get(part.extension)} extension` : standInIdentity(part),
  ]));
}

/** What each part of an existing cluster was bootstrapped with; absent for a part not bootstrapped yet. */
async function currentImplementations(db: pg.Client): Promise<Map<string, string>> {
  const { rows } = await db.query<{ extension: string; extversion: string | null; has_schema: boolean; comment: string | null }>(
    `select p.extension, e.extversion, n.oid is not null as has_schema, obj_description(n.oid, 'pg_namespace') as comment
     from unnest($1::text[], $2::text[]) as p(extension, schema)
     left join pg_extension e on e.extname = p.extension
     left join pg_namespace n on n.nspname = p.schema`,
    [parts.map((part) => part.extension), parts.map((part) => part.schema)],
  );
  const current = new Map<string, string>();
  for (const row of rows) {
    if (row.extversion) current.set(row.extension, `the ${row.extension} ${row.extversion} extension`);
    else if (row.has_schema) {
      const mirrors = standInMarker.exec(row.comment ?? '')?.[1];
      current.set(row.extension, mirrors ? `the stand-in for ${mirrors}` : 'an earlier stand-in (no version recorded)');
    }
  }
  return current;
}

/** One sentence per part whose implementation in the cluster differs from what would be used now. */
export async function implementationChanges(dbUrl: string, choice: PlatformChoice = {}): Promise<string[]> {
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  try {
    const wanted = await wantedImplementations(db, realExtensionsToUse(choice));
    const current = await currentImplementations(db);
    return parts
      .filter((part) => current.has(part.extension) && current.get(part.extension) !== wanted.get(part.extension))
      .map((part) => `${part.schema}: the cluster has ${current.get(part.extension)}, this PostgreSQL offers ${wanted.get(part.extension)}`);
  } finally {
    await db.end();
  }
}

export async function runPlatformBootstrap(dbUrl: string, choice: PlatformChoice = {}): Promise<BootstrapResult> {
  const real = new Set(realExtensionsToUse(choice));
  const files: string[] = [];
  const result: BootstrapResult = { realExtensions: [], standIns: [] };
  for (const file of sqlFilesIn(bootstrapDir)) {
    const part = parts.find((p) => p.file === basename(file));
    if (part && real.has(part.extension)) {
      result.realExtensions.push(part.extension);
      continue;
    }
    if (part) result.standIns.push(part.extension);
    files.push(file);
  }
  await runSqlFiles(dbUrl, files);
  if (result.realExtensions.length > 0) {
    const client = new pg.Client({ connectionString: dbUrl });
    await client.connect();
    try {
      for (const name of result.realExtensions) await client.query(`create extension if not exists ${pg.escapeIdentifier(name)} cascade`);
    } finally {
      await client.end();
    }
  }
  return result;
}

/**
 * Starts the stack folder's cluster and bootstraps it. A cluster bootstrapped with other platform parts
 * than this PostgreSQL offers now (stand-ins ↔ real extensions, or another version) cannot be
 * converted in place (`relation "meta" already exists`, `schema net is not a member of extension`):
 * it is recreated after logging why. Its data is lost; secrets.json and the Vault key stay, and
 * whoever seeds (npm start, npm test) seeds the new cluster.
 */
export async function startBootstrappedCluster(
  stateDir: string,
  port: number,
  options: { durable: boolean; log: (m: string) => void } & PlatformChoice,
): Promise<{ cluster: Cluster; bootstrap: BootstrapResult }> {
  let cluster = await startCluster(stateDir, port, options);
  try {
    const changes = await implementationChanges(cluster.url, options);
    if (changes.length > 0) {
      options.log(`rebuilding the database in ${join(stateDir, 'db')}: it was bootstrapped with other platform parts than this PostgreSQL offers now (${changes.join('; ')}). Its data is lost; secrets.json and the Vault key are kept.`);
      await cluster.stop();
      rmSync(join(stateDir, 'db'), { recursive: true, force: true });
      cluster = await startCluster(stateDir, port, options);
    }
    return { cluster, bootstrap: await runPlatformBootstrap(cluster.url, options) };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
