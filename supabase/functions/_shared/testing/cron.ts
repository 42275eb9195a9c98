// pg_cron runs in the test stack as in a project (decision 0001, "pg_cron runs during the tests"). A
// test that must not meet one of its jobs pauses it for its duration.
import type pg from 'pg';

/**
 * Runs `body` with the named pg_cron jobs inactive, once no run of a worker of the same name is
 * unfinished (a run that started just before the pause would still act), and makes them active again
 * afterwards, whatever happened.
 */
export async function withCronPaused<T>(db: pg.Client, jobs: string[], body: () => Promise<T>): Promise<T> {
  await db.query(`update cron.job set active = false where jobname = any($1)`, [jobs]);
  try {
    const deadline = Date.now() + 30_000;
    while (
      (await db.query<{ n: number }>(
        `select count(*)::int as n from ops.worker_runs
         where worker = any($1) and finished_at is null and started_at > now() - interval '10 minutes'`,
        [jobs],
      )).rows[0].n > 0
    ) {
      if (Date.now() > deadline) throw new Error(`a run of ${jobs.join(' / ')} did not finish within 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return await body();
  } finally {
    await db.query(`update cron.job set active = true where jobname = any($1)`, [jobs]);
  }
}
