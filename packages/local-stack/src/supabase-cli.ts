// The Supabase CLI commands that work without Docker, wrapped for the stack, tests and scripts.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { binDir, repoRoot } from './config.ts';

export const typedSchemas = ['public', 'core', 'core_marketing', 'mtrk', 'lead', 'ops', 'analytics'];

function supabase(args: string[]): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(join(binDir, 'supabase'), [...args, '--workdir', repoRoot], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, SUPABASE_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', NO_COLOR: '1' },
  });
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** Applies supabase/migrations; the CLI records them in supabase_migrations.schema_migrations. */
export function applyMigrations(dbUrl: string, log: (m: string) => void): void {
  const result = supabase(['migration', 'up', `--remote=${dbUrl}`, '--yes']);
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.status !== 0) {
    const errors = output.split('\n').filter((l) => /error|failed/i.test(l)).slice(0, 10).join('\n');
    throw new Error(`supabase migration up failed:\n${errors || output}`);
  }
  const applied = output.split('\n').filter((l) => l.startsWith('Applying migration')).length;
  log(applied > 0 ? `applied ${applied} migration(s)` : 'migrations up to date');
}

/** TypeScript types of the exposed schemas, exactly as `supabase gen types typescript` prints them. */
export function generateTypes(dbUrl: string): string {
  const result = supabase(['gen', 'types', 'typescript', `--remote=${dbUrl}`, '--schema', typedSchemas.join(','), '--log-level', 'error']);
  if (result.status !== 0) throw new Error(`supabase gen types failed:\n${result.stderr}`);
  const start = result.stdout.indexOf('export type Json');
  if (start < 0) throw new Error(`unexpected supabase gen types output:\n${result.stdout.slice(0, 500)}`);
  return result.stdout.slice(start).trimEnd() + '\n';
}

/** plpgsql_check over the app schemas; returns the CLI's report and whether it found errors. */
export function lintDatabase(dbUrl: string): { clean: boolean; report: string } {
  const result = supabase(['db', 'lint', `--remote=${dbUrl}`, '--schema', typedSchemas.join(','), '--level', 'error', '--fail-on', 'error']);
  const report = `${result.stdout}\n${result.stderr}`.trim();
  return { clean: result.status === 0 && /No schema errors found/.test(report), report };
}
