// crm-sync-worker, pull mode (seed 004 scenario D), against the stack's database and the sandbox.
import type pg from 'pg';
import { closeDbPool } from '../_shared/db.ts';
import { formatDinamizeDate } from '../_shared/dinamize.ts';
import {
  createCompany,
  createDinamizeIntegration,
  dropCompany,
  hasStack,
  openDb,
  pauseCrmSyncCron,
  resumeCrmSyncCron,
  serviceRoleRequest,
} from '../_shared/testing/crm-fixtures.ts';
import {
  clearDinamizeFaults,
  sandboxContacts,
  seedContacts,
  setDinamizeFaults,
  uniqueClientCode,
} from '../_shared/testing/dinamize-sandbox.ts';
import { assert, assertEquals } from '../_shared/testing/assert.ts';
import { handler } from './handler.ts';
import { pullSyncType } from './pull.ts';

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
  'pull: a failure mid-pull leaves the mark unchanged; the next pull completes and advances it',
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
  'pull: refused credentials fail the pull, keep the mark and mark the integration',
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
