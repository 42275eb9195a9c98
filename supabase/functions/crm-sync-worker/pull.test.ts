// crm-sync-worker, pull mode (seed 004 scenario D), against the stack's database and the sandbox.
import type pg from 'pg';
import { closeDbPool } from '../_shared/db.ts';
import { formatDinamizeDate } from '../_shared/dinamize.ts';
import {
  createCompany,
  createDinamizeIntegration,
  dropCompany,
  env,
  hasStack,
  openDb,
  pauseCrmSyncCron,
  resumeCrmSyncCron,
  serviceRoleRequest,
} from '../_shared/testing/crm-fixtures.ts';
import {
  clearDinamizeFaults,
  sandboxContacts,
  seedBulkContacts,
  seedContacts,
  setDinamizeFaults,
  uniqueClientCode,
} from '../_shared/testing/dinamize-sandbox.ts';
import { assert, assertEquals } from '../_shared/testing/assert.ts';
import { handler } from './handler.ts';
import { pullContacts, pullSyncType, pullWorkerName } from './pull.ts';
import { recordRun } from '../_shared/worker.ts';
import { eventually } from '../_shared/testing/stack.ts';

const listCode = '5';
const ago = (seconds: number) => formatDinamizeDate(new Date(Date.now() - seconds * 1000));

async function runPull(): Promise<{ processed: number; succeeded: number; failed: number; retried: number }> {
  const response = await handler(serviceRoleRequest({ mode: 'pull', maxRuntimeMs: 20_000 }));
  const result = await response.json();
  assertEquals(response.status, 200, `pull answer ${JSON.stringify(result)}`);
  return result;
}

async function syncMark(
  db: pg.Pool,
  integrationId: string,
): Promise<{ last_successful_sync: Date | null; last_error: string | null }> {
  const { rows } = await db.query(
    'select last_successful_sync, last_error from ops.sync_state where integration_id = $1 and sync_type = $2',
    [integrationId, pullSyncType],
  );
  return rows[0];
}

/**
 * A company with an active Dinamize integration whose mark is an hour ago. A pull visits every active
 * integration, so the others (other tests' leftovers, demo data) are switched off meanwhile, and the
 * fault counters the test relies on see only this company's calls.
 */
function pullTest(
  name: string,
  fn: (
    context: { db: pg.Pool; companyId: string; integrationId: string; clientCode: string; mark: Date },
  ) => Promise<void>,
) {
  Deno.test({
    name,
    ignore: !hasStack,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const db = openDb();
      const clientCode = uniqueClientCode();
      const companyId = await createCompany(db, 'Dinamize Pull');
      await pauseCrmSyncCron(db);
      const { rows: others } = await db.query<{ id: string }>(
        `update ops.integrations set sync_enabled = false where provider = 'dinamize' and sync_enabled returning id`,
      );
      try {
        const integrationId = await createDinamizeIntegration(db, companyId, {
          clientCode,
          listCode,
          customFields: { phone: 'cmp4', company_name: 'cmp5' },
        });
        const { rows: [{ mark }] } = await db.query<{ mark: Date }>(
          `insert into ops.sync_state (company_id, integration_id, sync_type, last_successful_sync)
           values ($1, $2, $3, date_trunc('second', now()) - interval '1 hour') returning last_successful_sync as mark`,
          [companyId, integrationId, pullSyncType],
        );
        await fn({ db, companyId, integrationId, clientCode, mark });
      } finally {
        await clearDinamizeFaults();
        await dropCompany(db, companyId);
        await db.query('update ops.integrations set sync_enabled = true where id = any($1::uuid[])', [
          others.map((row) => row.id),
        ]);
        await resumeCrmSyncCron(db);
        await db.end();
        await closeDbPool();
      }
    },
  });
}

pullTest(
  'pull: a chained run (continuePasses) carries on passes under way and starts none',
  async ({ db, integrationId, clientCode }) => {
    await seedContacts(clientCode, listCode, [{
      email: 'espera@exemplo.com.br',
      name: 'Espera',
      insert_date: ago(600),
    }]);
    const before = await passState(db, integrationId);
    const res = await handler(serviceRoleRequest({ mode: 'pull', continuePasses: true }));
    assertEquals(
      await res.json(),
      { processed: 0, succeeded: 0, failed: 0, retried: 0 },
      'no integration had a pass under way',
    );
    assertEquals(await passState(db, integrationId), before, 'no pass started, the mark untouched');
    const { rows: [{ n }] } = await db.query(
      `select count(*)::int as n from lead.leads where email = 'espera@exemplo.com.br'`,
    );
    assertEquals(n, 0, 'nothing pulled');
  },
);

pullTest(
  'pull: a chained run that reaches an integration just after its pass ended starts no new pass',
  async ({ db, companyId, integrationId, clientCode }) => {
    await seedContacts(clientCode, listCode, [{ email: 'tarde@exemplo.com.br', insert_date: ago(600) }]);
    await db.query(
      `update ops.sync_state set pass_started_at = now() - interval '1 minute', pass_pulled = 42, pass_pages = 1
       where integration_id = $1 and sync_type = $2`,
      [integrationId, pullSyncType],
    );
    // Hold the row: the chained run lists the integration (its pass is under way), then waits on the
    // row; meanwhile another run ends the pass.
    const locker = await db.connect();
    let run: Promise<Response> | null = null;
    try {
      await locker.query('begin');
      const { rows: [{ pid }] } = await locker.query('select pg_backend_pid() as pid');
      await locker.query('select 1 from ops.sync_state where integration_id = $1 for update', [integrationId]);
      run = handler(serviceRoleRequest({ mode: 'pull', continuePasses: true }));
      await eventually('the chained run to wait on the pass row', async () =>
        (await db.query(
            `select count(*)::int as n from pg_stat_activity
           where wait_event_type = 'Lock' and query like '%ops.sync_state%' and pid <> $1`,
            [pid],
          )).rows[0].n > 0 || undefined, 60_000);
      await locker.query(
        `update ops.sync_state set last_successful_sync = pass_started_at, pass_started_at = null,
           pass_finished_at = now() where integration_id = $1 and sync_type = $2`,
        [integrationId, pullSyncType],
      );
      await locker.query('commit');
    } finally {
      await locker.query('rollback').catch(() => undefined);
      locker.release();
    }
    const response = await run!;
    assertEquals(response.status, 200, 'the chained run');
    assertEquals((await response.json()).failed, 0, 'nothing failed');
    const state = await passState(db, integrationId);
    assertEquals(
      [state.pass_started_at, Number(state.pass_pulled), state.pass_pages],
      [null, 42, 1],
      'the finished pass and its count are kept; no new pass started',
    );
    const { rows: [{ n }] } = await db.query(`select count(*)::int as n from lead.leads where company_id = $1`, [
      companyId,
    ]);
    assertEquals(n, 0, 'nothing pulled');
  },
);

pullTest(
  'pull: contacts inserted since the mark become leads by e-mail, the mark advances, nothing is pushed back',
  async ({ db, companyId, integrationId, clientCode, mark }) => {
    await db.query(
      `insert into lead.leads (company_id, email, origin) values ($1, 'existente@exemplo.com.br', 'manual')`,
      [companyId],
    );
    const [, newCode] = await seedContacts(clientCode, listCode, [
      { email: 'antigo@exemplo.com.br', name: 'Antigo', insert_date: ago(2 * 86_400) },
      {
        email: 'novo@exemplo.com.br',
        name: 'Novo',
        insert_date: ago(1800),
        custom_fields: { cmp4: '+5511977776666', cmp5: 'ACME' },
      },
      { email: 'EXISTENTE@exemplo.com.br', name: 'Existente', insert_date: ago(1200) },
      { email: 'longo@exemplo.com.br', name: 'L'.repeat(400), insert_date: ago(600) },
    ]);
    const before = new Date(Date.now() - 1000);
    const result = await runPull();
    assertEquals(result, { processed: 1, succeeded: 1, failed: 0, retried: 0 }, 'counts (integrations pulled)');

    const { rows: leads } = await db.query(
      `select l.email, l.name, l.phone, l.company_name, l.origin, l.extra -> 'dinamize' ->> 'contact_code' as code, s.status, s.external_id
     from lead.leads l left join lead.lead_sync s on s.lead_id = l.id
     where l.company_id = $1 order by l.email`,
      [companyId],
    );
    assertEquals(leads.map((lead) => lead.email), [
      'existente@exemplo.com.br',
      'longo@exemplo.com.br',
      'novo@exemplo.com.br',
    ], 'only contacts since the mark');
    const [existing, long, fresh] = leads;
    assertEquals(
      [existing.name, existing.origin, existing.status],
      ['Existente', 'manual', 'synced'],
      'existing lead updated by e-mail, origin kept',
    );
    assertEquals([
      fresh.name,
      fresh.phone,
      fresh.company_name,
      fresh.origin,
      fresh.status,
      fresh.external_id,
      fresh.code,
    ], [
      'Novo',
      '+5511977776666',
      'ACME',
      'dinamize',
      'synced',
      newCode,
      newCode,
    ], 'new lead');
    assertEquals(long.name.length, 300, 'an over-long name is cut to the column limit instead of failing the page');

    const { rows: [{ queued }] } = await db.query(
      `select count(*)::int as queued from pgmq.q_crm_sync where message ->> 'company_id' = $1`,
      [companyId],
    );
    assertEquals(queued, 0, 'pulled leads are not pushed back');
    const after = await syncMark(db, integrationId);
    assert(
      after.last_successful_sync!.getTime() >= before.getTime() &&
        after.last_successful_sync!.getTime() > mark.getTime(),
      `mark advanced to the pull's start: ${after.last_successful_sync?.toISOString()}`,
    );
    assertEquals(after.last_error, null, 'no error');
    const { rows: calls } = await db.query(
      `select operation, success from ops.integrations_log where company_id = $1 order by id`,
      [companyId],
    );
    assertEquals(
      calls.map((call) => `${call.operation}:${call.success}`),
      ['auth:true', 'contact_search:true'],
      'calls logged',
    );
    assertEquals((await sandboxContacts(clientCode)).length, 4, 'the pull changed nothing in Dinamize');
  },
);

pullTest(
  'pull: a failure mid-pull leaves the mark unchanged; the next pull resumes after the last page written and advances it',
  async ({ db, companyId, integrationId, clientCode, mark }) => {
    const contacts = Array.from(
      { length: 501 },
      (_, index) => ({ email: `contato${index}@exemplo.com.br`, insert_date: ago(60) }),
    );
    await seedContacts(clientCode, listCode, contacts);
    // Requests: 1 auth, 2 page one, 3 page two → the third fails (errorRate 1/3 fails exactly every third).
    await setDinamizeFaults({ errorRate: 1 / 3 });
    assertEquals(await runPull(), { processed: 1, succeeded: 0, failed: 1, retried: 0 }, 'first pull fails');
    const failed = await syncMark(db, integrationId);
    assertEquals(failed.last_successful_sync?.toISOString(), mark.toISOString(), 'mark unchanged');
    assert(
      failed.last_error?.startsWith('server_error') && failed.last_error.includes('page 2'),
      `last_error: ${failed.last_error}`,
    );
    const count = async () =>
      (await db.query(`select count(*)::int as n from lead.leads where company_id = $1`, [companyId])).rows[0].n;
    assertEquals(await count(), 500, 'page one was written (writing it again later is harmless)');

    await clearDinamizeFaults();
    assertEquals(await runPull(), { processed: 1, succeeded: 1, failed: 0, retried: 0 }, 'second pull completes');
    const done = await syncMark(db, integrationId);
    assert(done.last_successful_sync!.getTime() > mark.getTime(), 'mark advanced');
    assertEquals(done.last_error, null, 'error cleared');
    assertEquals(await count(), 501, 'every contact, once');
  },
);

pullTest(
  'pull: refused credentials fail the pull, keep the mark and mark the integration (assumed: 401 on /auth is a refusal)',
  async ({ db, integrationId, mark }) => {
    await setDinamizeFaults({ invalidToken: true });
    assertEquals(await runPull(), { processed: 1, succeeded: 0, failed: 1, retried: 0 }, 'pull fails');
    const state = await syncMark(db, integrationId);
    assertEquals(state.last_successful_sync?.toISOString(), mark.toISOString(), 'mark unchanged');
    const { rows: [integration] } = await db.query(
      'select status, status_message from ops.integrations where id = $1',
      [integrationId],
    );
    assertEquals(integration.status, 'error', 'integration status');
    assert(
      integration.status_message.startsWith('invalid_credentials'),
      `status_message: ${integration.status_message}`,
    );
  },
);

/** The pull's progress as the console reads it. */
async function passState(db: pg.Pool, integrationId: string) {
  const { rows: [state] } = await db.query<
    {
      pass_started_at: Date | null;
      pass_pulled: string;
      pass_pages: number;
      pass_finished_at: Date | null;
      last_error: string | null;
    }
  >(
    `select pass_started_at, pass_pulled, pass_pages, pass_finished_at, last_error
     from ops.sync_state where integration_id = $1 and sync_type = $2`,
    [integrationId, pullSyncType],
  );
  return state;
}

/**
 * Pull runs (through the handler, each its own recorded run) until the pass has reached the end. Once
 * the pass is under way the runs only carry it on (continuePasses, as chained runs do): a run started
 * just after a chained run finished the pass must not start the next pass and reset its count.
 */
async function pullUntilFinished(
  db: pg.Pool,
  integrationId: string,
  maxRuntimeMs: number,
  via: 'handler' | 'functions host' = 'handler',
): Promise<number> {
  const finished = (state: { pass_started_at: Date | null; pass_finished_at: Date | null }) =>
    state.pass_started_at === null && state.pass_finished_at !== null;
  for (let runs = 0; runs <= 5000; runs++) {
    const state = await passState(db, integrationId);
    if (finished(state)) return runs;
    const continuePasses = state.pass_started_at !== null;
    const request = serviceRoleRequest({ mode: 'pull', maxRuntimeMs, continuePasses });
    // Through the functions host, each run is held to the hosted limits (2 s CPU, 256 MB): over them, 546.
    const response = via === 'handler' ? await handler(request) : await fetch(
      `${env('API_URL')}/functions/v1/crm-sync-worker`,
      { method: 'POST', headers: request.headers, body: await request.text(), signal: AbortSignal.timeout(140_000) },
    );
    const counts = await response.json();
    assertEquals(response.status, 200, `pull answer ${JSON.stringify(counts)}`);
    assertEquals(counts.failed, 0, `run ${runs + 1} failed: ${JSON.stringify(await passState(db, integrationId))}`);
  }
  throw new Error('the pass did not finish in 5000 runs');
}

type Invocation = {
  ts: string;
  function: string;
  status: number;
  cpu_ms: number;
  peak_mb: number;
  limit_hit: string | null;
  limits: { cpu_ms: number; memory_mb: number };
};

/** The functions host's log of crm-sync-worker requests since a time (FUNCTION_INVOCATION_LOG, JSON lines). */
async function pullInvocationsSince(since: Date): Promise<Invocation[]> {
  const text = await Deno.readTextFile(env('FUNCTION_INVOCATION_LOG'));
  return text.split('\n').filter((line) => line.includes('"crm-sync-worker"')).map((line) =>
    JSON.parse(line) as Invocation
  ).filter((call) => call.function === 'crm-sync-worker' && new Date(call.ts) >= since);
}

/** One recorded pull run in this process, which never chains the next. */
async function unchainedPull(wallMs: number, pageSize: number): Promise<void> {
  await recordRun(pullWorkerName, async (state) => {
    state.stoppedBy = await pullContacts({ wallMs, cpuMs: 10_000, maxMessages: 1000 }, state, { pageSize });
  });
}

/** Waits until no pull run is unfinished (chained runs of earlier tests end by themselves). */
async function noPullRunning(db: pg.Pool): Promise<void> {
  const running = async () =>
    (await db.query(
      `select count(*)::int as n from ops.worker_runs where worker = $1 and finished_at is null and started_at > now() - interval '10 minutes'`,
      [pullWorkerName],
    )).rows[0].n;
  while (await running() > 0) await new Promise((resolve) => setTimeout(resolve, 100));
}

/** Every lead of the company is a Dinamize contact, once, linked once. */
async function assertEachContactOnce(db: pg.Pool, companyId: string, contacts: number): Promise<void> {
  const { rows: [counts] } = await db.query(
    `select count(*)::int as leads, count(*) filter (where l.origin = 'dinamize')::int as from_dinamize,
            count(distinct lower(l.email))::int as emails, count(distinct s.external_id)::int as codes,
            count(s.id)::int as linked
     from lead.leads l left join lead.lead_sync s on s.lead_id = l.id where l.company_id = $1`,
    [companyId],
  );
  assertEquals(counts, {
    leads: contacts,
    from_dinamize: contacts,
    emails: contacts,
    codes: contacts,
    linked: contacts,
  }, 'each contact exactly once');
}

pullTest(
  'pull: a first pull of 300,000 contacts completes across several runs, each contact once',
  async ({ db, companyId, integrationId, clientCode }) => {
    const contacts = 300_000;
    // pullTest paused pg_cron's 15-minute pull, which would start the next pass while this one is read
    // back (the test runs for minutes): only this test's runs and their chained runs pull.
    // Seven contacts share each second, so pages end in the middle of a second (ties on the date).
    await seedBulkContacts(clientCode, listCode, { count: contacts, firstInsertDate: ago(3 * 86_400), perSecond: 7 });
    await db.query('update ops.sync_state set last_successful_sync = null where integration_id = $1', [
      integrationId,
    ]);
    const started = new Date();
    const runs = await pullUntilFinished(db, integrationId, 2_000, 'functions host');
    assert(runs >= 2, `the pass spanned several runs (${runs})`);
    // Every invocation of the pull (ours and the chained ones) stayed inside the hosted limits.
    const invocations = await eventually('the functions host to log every run', async () => {
      const logged = await pullInvocationsSince(started);
      return logged.length >= runs ? logged : undefined;
    });
    assertEquals(invocations.filter((call) => call.status !== 200 || call.limit_hit !== null), [], 'no limit hit');
    const most = (field: 'cpu_ms' | 'peak_mb') => Math.max(...invocations.map((call) => call[field]));
    console.log(
      `300,000-contact pull: ${runs} runs of ours, ${invocations.length} invocations in all; most CPU ${
        most('cpu_ms')
      } ms of ${invocations[0].limits.cpu_ms}, most memory ${most('peak_mb')} MB of ${
        invocations[0].limits.memory_mb
      }`,
    );
    const finished = await passState(db, integrationId);
    // A run chained by the last budget-stopped run may start after the pass ended: it only carries on
    // passes under way (continuePasses), so it must not start the next pass and reset the count.
    await noPullRunning(db);
    const state = await passState(db, integrationId);
    assertEquals(
      state.pass_finished_at?.getTime(),
      finished.pass_finished_at?.getTime(),
      'no chained run started a new pass',
    );
    assertEquals(
      [Number(state.pass_pulled), state.last_error],
      [contacts, null],
      'progress counts every contact once',
    );
    await assertEachContactOnce(db, companyId, contacts);
    const { rows: [{ n }] } = await db.query(
      `select count(*)::int as n from ops.worker_runs where worker = $1 and stopped_by in ('wall', 'cpu')
     and started_at > now() - interval '1 day'`,
      [pullWorkerName],
    );
    assert(n >= 1, 'runs stopped by their budget mid-pass');
  },
);

pullTest(
  'pull: a worker SIGKILLed mid-page loses and duplicates nothing; the next run redoes that page',
  async ({ db, companyId, integrationId, clientCode }) => {
    const contacts = 20_000;
    await seedBulkContacts(clientCode, listCode, { count: contacts, firstInsertDate: ago(86_400), perSecond: 3 });
    await db.query('update ops.sync_state set last_successful_sync = null where integration_id = $1', [integrationId]);
    // A few pages in first (runs that do not chain), so the worker is killed in the middle of a pass;
    // then no other pull run (another test's chained one) may be about when the child starts.
    while ((await passState(db, integrationId)).pass_pages < 3) await unchainedPull(300, 500);
    await noPullRunning(db);
    const before = await passState(db, integrationId);
    // Hold lead_sync so the child's next page stops inside its transaction: fetched, cursor row
    // locked, not committed — then kill the child there.
    const locker = await db.connect();
    let child: Deno.ChildProcess | null = null;
    try {
      await locker.query('begin');
      await locker.query('lock table lead.lead_sync in share row exclusive mode');
      child = new Deno.Command(Deno.execPath(), {
        args: [
          'run',
          '--config',
          new URL('../../../deno.json', import.meta.url).pathname,
          '-A',
          new URL('../_shared/testing/crm-pull-child.ts', import.meta.url).pathname,
          '500',
        ],
        stdout: 'null',
        stderr: 'null',
      }).spawn();
      const blocked = async () =>
        (await db.query(
          `select count(*)::int as n from pg_stat_activity
           where wait_event_type = 'Lock' and query like '%apply_crm_pull_page%' and pid <> pg_backend_pid()`,
        )).rows[0].n;
      while (await blocked() === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      child.kill('SIGKILL');
      const status = await child.status;
      assertEquals(status.signal, 'SIGKILL', 'the worker was killed');
      child = null;
    } finally {
      if (child) {
        child.kill('SIGKILL');
        await child.status;
      }
      await locker.query('rollback');
      locker.release();
    }
    // The killed worker's backend finishes its statement, finds the client gone and rolls back.
    while (
      (await db.query(
        `select count(*)::int as n from pg_stat_activity where query like '%apply_crm_pull_page%' and state <> 'idle' and pid <> pg_backend_pid()`,
      ))
        .rows[0].n > 0
    ) await new Promise((resolve) => setTimeout(resolve, 50));
    const killed = await passState(db, integrationId);
    assertEquals(killed.pass_pages, before.pass_pages, 'the killed page was not applied');
    await db.query(
      `update ops.worker_runs set finished_at = now(), error = 'killed by the test' where worker = $1 and finished_at is null`,
      [pullWorkerName],
    );
    await pullUntilFinished(db, integrationId, 20_000);
    const state = await passState(db, integrationId);
    assertEquals(Number(state.pass_pulled), contacts, 'progress counts every contact once');
    await assertEachContactOnce(db, companyId, contacts);
  },
);

pullTest(
  'pull: two runs at once on one company never both apply a page',
  async ({ db, companyId, integrationId, clientCode }) => {
    const contacts = 10_000;
    await seedBulkContacts(clientCode, listCode, { count: contacts, firstInsertDate: ago(86_400), perSecond: 5 });
    await db.query('update ops.sync_state set last_successful_sync = null where integration_id = $1', [integrationId]);
    await Promise.all([unchainedPull(600_000, 200), unchainedPull(600_000, 200)]);
    await pullUntilFinished(db, integrationId, 20_000);
    const state = await passState(db, integrationId);
    assertEquals(Number(state.pass_pulled), contacts, 'no page counted twice');
    await assertEachContactOnce(db, companyId, contacts);
  },
);

pullTest(
  'pull: a run stopped by its budget mid-pass kicks the next, and the chain finishes the pass by itself',
  async ({ db, companyId, integrationId, clientCode }) => {
    const contacts = 3_000;
    await seedBulkContacts(clientCode, listCode, { count: contacts, firstInsertDate: ago(86_400), perSecond: 4 });
    await db.query('update ops.sync_state set last_successful_sync = null where integration_id = $1', [integrationId]);
    await noPullRunning(db);
    // The smallest budget: every run reads its one page, stops and kicks the next (pg_net → functions host).
    const response = await handler(serviceRoleRequest({ mode: 'pull', maxRuntimeMs: 100 }));
    assertEquals(response.status, 200, 'the first run');
    await response.body?.cancel();
    const state = await eventually('the chained runs to finish the pass', async () => {
      const current = await passState(db, integrationId);
      return current.pass_started_at === null && current.pass_finished_at !== null ? current : undefined;
    }, 300_000);
    assertEquals([Number(state.pass_pulled), state.last_error], [contacts, null], 'every contact once');
    await assertEachContactOnce(db, companyId, contacts);
    await noPullRunning(db);
  },
);
