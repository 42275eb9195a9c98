// A stack folder whose platform parts changed (stand-ins ↔ real extensions, or another stand-in
// version) boots by recreating its cluster after saying why, instead of failing in the bootstrap.
// Boots private clusters (Postgres + platform bootstrap only) in temporary state dirs. The stand-in ↔
// real direction needs pgmq, pg_net and supabase_vault installed (npm run test:parity); the stand-in
// version change runs everywhere.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { realExtensionsToUse, startBootstrappedCluster } from '../src/bootstrap.ts';
import type { Cluster } from '../src/postgres.ts';
import { freePorts } from '../src/ports.ts';

const realInstalled = realExtensionsToUse({ standIns: false }).length === 3;
const stateDirs: string[] = [];

function newStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rastro-rebuild-'));
  chmodSync(dir, 0o755);
  stateDirs.push(dir);
  return dir;
}

async function sql<T extends pg.QueryResultRow>(cluster: Cluster, text: string): Promise<T[]> {
  const db = new pg.Client({ connectionString: cluster.url });
  await db.connect();
  try {
    return (await db.query<T>(text)).rows;
  } finally {
    await db.end();
  }
}

/** Starts the folder's cluster, runs body against it and stops it; returns what the boot logged. */
async function boot(stateDir: string, standIns: boolean, body: (cluster: Cluster) => Promise<void> = async () => {}): Promise<string> {
  const logs: string[] = [];
  const { db: port } = await freePorts();
  const { cluster } = await startBootstrappedCluster(stateDir, port, { durable: false, log: (m) => logs.push(m), standIns });
  try {
    await body(cluster);
  } finally {
    await cluster.stop();
  }
  return logs.join('\n');
}

const platformParts = `
  select p.name, e.extversion, obj_description(n.oid, 'pg_namespace') as comment
  from (values ('supabase_vault', 'vault'), ('pgmq', 'pgmq'), ('pg_net', 'net')) as p(name, schema)
  left join pg_extension e on e.extname = p.name
  left join pg_namespace n on n.nspname = p.schema
  order by p.name`;

type PartRow = { name: string; extversion: string | null; comment: string | null };

const queueAndSecretWork = async (cluster: Cluster): Promise<void> => {
  await sql(cluster, `select pgmq.create('rebuild_check')`);
  const [sent] = await sql<{ msg_id: string }>(cluster, `select pgmq.send('rebuild_check', '{"ok": true}') as msg_id`);
  const [secret] = await sql<{ id: string }>(cluster, `select vault.create_secret('rebuild-secret') as id`);
  const [read] = await sql<{ decrypted_secret: string }>(cluster, `select decrypted_secret from vault.decrypted_secrets where id = '${secret.id}'`);
  expect({ sent: sent.msg_id, secret: read.decrypted_secret }).toEqual({ sent: '1', secret: 'rebuild-secret' });
};

afterAll(() => {
  for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
});

describe('a stack folder bootstrapped with other platform parts', () => {
  it('made by an earlier stand-in release is rebuilt with the current stand-ins, saying why', { timeout: 180_000 }, async () => {
    const stateDir = newStateDir();
    await boot(stateDir, true, async (cluster) => {
      // What a folder made before the stand-ins recorded their upstream version looks like.
      await sql(cluster, `comment on schema pgmq is 'Message queues (local stand-in for the pgmq extension).';
                          create table public.left_from_before (id int)`);
    });

    const rebuildLog = await boot(stateDir, true, async (cluster) => {
      expect(await sql(cluster, `select to_regclass('public.left_from_before') as t`)).toEqual([{ t: null }]);
      const parts = await sql<PartRow>(cluster, platformParts);
      expect(parts.map((p) => [p.name, p.extversion, p.comment?.replace(/ \(.*/, '')])).toEqual([
        ['pg_net', null, 'Local stand-in for pg_net 0.20.4'],
        ['pgmq', null, 'Local stand-in for pgmq 1.5.1'],
        ['supabase_vault', null, 'Local stand-in for supabase_vault 0.3.1'],
      ]);
      await queueAndSecretWork(cluster);
    });
    expect(rebuildLog).toContain(
      `rebuilding the database in ${join(stateDir, 'db')}: it was bootstrapped with other platform parts than this PostgreSQL offers now ` +
        '(pgmq: the cluster has an earlier stand-in (no version recorded), this PostgreSQL offers the stand-in for pgmq 1.5.1)');

    // Once rebuilt, the folder boots as it is.
    expect(await boot(stateDir, true)).not.toContain('rebuilding');
  });

  it.skipIf(!realInstalled)('made with the stand-ins is rebuilt with the real extensions once they are installed, and back', { timeout: 240_000 }, async () => {
    const stateDir = newStateDir();
    await boot(stateDir, true);

    const toReal = await boot(stateDir, false, async (cluster) => {
      const parts = await sql<PartRow>(cluster, platformParts);
      expect(parts.map((p) => [p.name, p.extversion])).toEqual([['pg_net', '0.20.4'], ['pgmq', '1.5.1'], ['supabase_vault', '0.3.1']]);
      const [preload] = await sql<{ preload: string }>(cluster, `select current_setting('shared_preload_libraries') as preload`);
      expect(preload.preload.split(',')).toEqual(expect.arrayContaining(['pg_net', 'supabase_vault']));
      await queueAndSecretWork(cluster);
    });
    for (const change of [
      'vault: the cluster has the stand-in for supabase_vault 0.3.1, this PostgreSQL offers the supabase_vault 0.3.1 extension',
      'pgmq: the cluster has the stand-in for pgmq 1.5.1, this PostgreSQL offers the pgmq 1.5.1 extension',
      'net: the cluster has the stand-in for pg_net 0.20.4, this PostgreSQL offers the pg_net 0.20.4 extension',
    ]) expect(toReal).toContain(change);

    // A real Vault secret survives a restart: the per-folder root key is kept.
    await boot(stateDir, false, async (cluster) => {
      expect(await sql(cluster, `select decrypted_secret from vault.decrypted_secrets`)).toEqual([{ decrypted_secret: 'rebuild-secret' }]);
    });

    const toStandIns = await boot(stateDir, true, async (cluster) => {
      const parts = await sql<PartRow>(cluster, platformParts);
      expect(parts.map((p) => p.extversion)).toEqual([null, null, null]);
      await queueAndSecretWork(cluster);
    });
    expect(toStandIns).toContain('pgmq: the cluster has the pgmq 1.5.1 extension, this PostgreSQL offers the stand-in for pgmq 1.5.1');
  });
});
