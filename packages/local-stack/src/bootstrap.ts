// The platform bootstrap: what a Supabase project has before any migration runs. Each stand-in file is
// replaced by the real extension when this machine's Postgres has it (pg_available_extensions), so the
// compat layer is only used where the real part cannot be installed.
import { basename, join } from 'node:path';
import pg from 'pg';
import { repoRoot } from './config.ts';
import { runSqlFiles, sqlFilesIn } from './postgres.ts';

export const bootstrapDir = join(repoRoot, 'packages', 'local-stack', 'sql', 'bootstrap');

const realExtensionFor: Record<string, string> = {
  '30_vault.sql': 'supabase_vault',
  '40_pgmq.sql': 'pgmq',
  '50_pg_net.sql': 'pg_net',
};

export type BootstrapResult = { realExtensions: string[]; standIns: string[] };

export async function runPlatformBootstrap(dbUrl: string): Promise<BootstrapResult> {
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  let available: Set<string>;
  try {
    const { rows } = await db.query<{ name: string }>('select name from pg_available_extensions where name = any($1)', [Object.values(realExtensionFor)]);
    available = new Set(rows.map((r) => r.name));
  } finally {
    await db.end();
  }
  const files: string[] = [];
  const result: BootstrapResult = { realExtensions: [], standIns: [] };
  for (const file of sqlFilesIn(bootstrapDir)) {
    const extension = realExtensionFor[basename(file)];
    if (extension && available.has(extension)) {
      result.realExtensions.push(extension);
      continue;
    }
    if (extension) result.standIns.push(extension);
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
