// pg_cron really runs jobs in the local cluster (preloaded, background workers on) and a job can
// call an edge function through pg_net, which is how every worker is scheduled. pg_cron 1.4 has minute
// granularity, so this waits for the next minute boundary (≤ 65 s).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dbUrl = process.env.DB_URL ?? '';

describe.skipIf(!dbUrl)('pg_cron in the local stack', () => {
  let db: pg.Client;
  const jobName = `test-cron-echo-${process.pid}`;

  beforeAll(async () => {
    db = new pg.Client({ connectionString: dbUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.query('select cron.unschedule(jobid) from cron.job where jobname = $1', [jobName]).catch(() => undefined);
    await db.end();
  });

  it('runs a scheduled job that calls a function through net.http_post', { timeout: 90_000 }, async () => {
    const settings = await db.query(`select current_setting('cron.use_background_workers') as bg, current_setting('shared_preload_libraries') as preload`);
    expect(settings.rows[0]).toMatchObject({ bg: 'on' });
    expect(settings.rows[0].preload).toContain('pg_cron');

    const marker = `cron-${Date.now()}`;
    await db.query(`select cron.schedule($1, '* * * * *', $2)`, [jobName, `select ops.invoke_edge_function('echo', '{"marker":"${marker}"}'::jsonb)`]);
    const deadline = Date.now() + 80_000;
    let found = false;
    while (!found && Date.now() < deadline) {
      const { rowCount } = await db.query(`select 1 from net._http_response where status_code = 200 and content like $1`, [`%${marker}%`]);
      found = (rowCount ?? 0) > 0;
      if (!found) await new Promise((r) => setTimeout(r, 1000));
    }
    const runs = await db.query(`select d.status from cron.job_run_details d join cron.job j using (jobid) where j.jobname = $1`, [jobName]);
    expect(runs.rows.map((r) => r.status)).toContain('succeeded');
    expect(found).toBe(true);
  });
});
