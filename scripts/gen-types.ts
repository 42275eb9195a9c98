// `npm run gen:types`: regenerates packages/contracts/src/database.types.ts from the migrations, using
// the running dev stack if there is one, else a throw-away stack. `npm test` fails when they differ.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../packages/local-stack/src/config.ts';
import { freePorts } from '../packages/local-stack/src/ports.ts';
import { clusterUrl, startCluster } from '../packages/local-stack/src/postgres.ts';
import { runPlatformBootstrap } from '../packages/local-stack/src/bootstrap.ts';
import { applyMigrations, generateTypes } from '../packages/local-stack/src/supabase-cli.ts';
import { runningEnv } from './seed-demo.ts';

const target = join(repoRoot, 'packages', 'contracts', 'src', 'database.types.ts');
const log = (m: string) => console.error(`[gen:types] ${m}`);

const running = runningEnv();
if (running) {
  writeFileSync(target, generateTypes(running.DB_URL));
} else {
  // Only Postgres is needed: bootstrap + migrations on a temporary cluster.
  const stateDir = mkdtempSync(join(tmpdir(), 'rastro-types-'));
  chmodSync(stateDir, 0o755);
  const { db } = await freePorts();
  const cluster = await startCluster(stateDir, db, { durable: false, log });
  try {
    await runPlatformBootstrap(cluster.url);
    applyMigrations(clusterUrl(db), log);
    writeFileSync(target, generateTypes(cluster.url));
  } finally {
    await cluster.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
log(`wrote ${target}`);
