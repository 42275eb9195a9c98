// pg_cron runs in the test stack as in a project (decision 0001, "pg_cron runs during the tests"). A
// test that must not meet one of its jobs pauses it for its duration.
import type pg from 'pg';

type Db = Pick<pg.Pool, 'query'>;

/** How long after a job's start its invocation may still be on its way (pg_net's queue, the host). */
const dispatchGraceSeconds = 3;

/**
 * Makes the named pg_cron jobs inactive, then waits until none of their runs can still act: no run of
 * the jobs is starting or running in pg_cron, none started in the last few seconds (its request may
 * still be between pg_net and the functions host), and no run of `workers` (their names in
 * ops.worker_runs; by default the job names) is unfinished. Throws, with the jobs active again, when
 * that takes longer than a worker's longest run (60 s, the wall time pg_cron's invocations allow).
 */
export async function pauseCron(db: Db, jobs: string[], workers: string[] = jobs): Promise<void> {
  await db.query(`update cron.job set active = false where jobname = any($1)`, [jobs]);
  try {
    const deadline = Date.now() + 75_000;
    for (;;) {
      const { rows: [busy] } = await db.query<{ cron: number; runs: number }>(
        `select
           (select count(*)::int from cron.job_run_details d join cron.job j on j.jobid = d.jobid
            where j.jobname = any($1) and d.start_time > now() - interval '10 minutes'
              and (d.status in ('starting', 'running') or d.start_time > now() - make_interval(secs => $3))) as cron,
           (select count(*)::int from ops.worker_runs
            where worker = any($2) and finished_at is null and started_at > now() - interval '10 minutes') as runs`,
        [jobs, workers, dispatchGraceSeconds],
      );
      if (busy.cron === 0 && busy.runs === 0) return;
      if (Date.now() > deadline) {
        throw new Error(`${jobs.join(' / ')}: a run was still under way 75 s after the pause`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await resumeCron(db, jobs);
    throw error;
  }
}

/** Makes the named pg_cron jobs active again. */
export async function resumeCron(db: Db, jobs: string[]): Promise<void> {
  await db.query(`update cron.job set active = true where jobname = any($1)`, [jobs]);
}

/** Runs `body` with the named jobs paused (see pauseCron), and makes them active again afterwards. */
export async function withCronPaused<T>(
  db: Db,
  jobs: string[],
  body: () => Promise<T>,
  workers: string[] = jobs,
): Promise<T> {
  await pauseCron(db, jobs, workers);
  try {
    return await body();
  } finally {
    await resumeCron(db, jobs);
  }
}
