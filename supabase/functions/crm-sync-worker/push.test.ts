// crm-sync-worker, push mode, end to end against the stack's database and the platform sandbox.
import type pg from 'pg';
import { closeDbPool } from '../_shared/db.ts';
import { sealDinamizeCredentials } from '../_shared/integration-credentials.ts';
import {
  clearDinamizeFaults,
  codeModes,
  recordedFor,
  registerAccount,
  sandboxContacts,
  seedContacts,
  setDinamizeFaults,
  setDinamizeMode,
  setTokenSettings,
  uniqueClientCode,
} from '../_shared/testing/dinamize-sandbox.ts';
import {
  changeLeadQuietly,
  createCompany,
  createDinamizeIntegration,
  dropCompany,
  env,
  hasStack,
  insertLeadQuietly,
  insertSyncedLead,
  leadSync,
  makeVisibleNow,
  messageState,
  openDb,
  pauseCrmSyncCron,
  resumeCrmSyncCron,
  serviceRoleRequest,
  waitFor,
} from '../_shared/testing/crm-fixtures.ts';
import { assert, assertBetween, assertEquals } from '../_shared/testing/assert.ts';
import { handler } from './handler.ts';
import { backoffSeconds, configRetrySeconds, maxAttempts } from './push.ts';

type RunResult = { processed: number; succeeded: number; failed: number; retried: number };

async function runWorker(body: Record<string, unknown> = {}): Promise<RunResult> {
  const response = await handler(serviceRoleRequest({ maxRuntimeMs: 10_000, ...body }));
  const result = await response.json();
  assertEquals(response.status, 200, `worker answer ${JSON.stringify(result)}`);
  return result;
}

const secondsFromNow = (date: Date | null) => (date!.getTime() - Date.now()) / 1000;

/** A company with an active Dinamize integration (its own sandbox account); cron paused meanwhile. */
function workerTest(
  name: string,
  fn: (context: { db: pg.Pool; companyId: string; clientCode: string }) => Promise<void>,
  options: { cron?: 'paused' | 'running' } = {},
) {
  Deno.test({
    name,
    ignore: !hasStack,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const db = openDb();
      const clientCode = uniqueClientCode();
      const companyId = await createCompany(db, 'Dinamize Push');
      if (options.cron !== 'running') await pauseCrmSyncCron(db);
      try {
        await createDinamizeIntegration(db, companyId, { clientCode, customFields: { phone: 'cmp4' } });
        await fn({ db, companyId, clientCode });
      } finally {
        await clearDinamizeFaults();
        await setTokenSettings({});
        await setDinamizeMode({});
        await dropCompany(db, companyId);
        if (options.cron !== 'running') await resumeCrmSyncCron(db);
        await db.end();
        await closeDbPool();
      }
    },
  });
}

Deno.test('backoff: 60 s doubling to an hour, with at most 10 % jitter', () => {
  assertEquals([1, 2, 3, 7, 8, 12].map((attempt) => backoffSeconds(attempt, 0)), [60, 120, 240, 3600, 3600, 3600]);
  assertEquals(backoffSeconds(1, 1), 66);
});

workerTest(
  'push: a lead created with sync on reaches Dinamize through the trigger and its kick (scenarios A and C)',
  async ({ db, companyId, clientCode }) => {
    const leadId = await insertSyncedLead(db, companyId, {
      email: 'ana@exemplo.com.br',
      name: 'Ana',
      phone: '+5511999990000',
    });
    const synced = await waitFor('lead_sync synced after the kick', async () => {
      const row = await leadSync(db, leadId);
      return row.status === 'synced' && row;
    });
    const [contact] = await sandboxContacts(clientCode);
    assertEquals([contact.email, contact.name, contact.external_code, contact.custom_fields], [
      'ana@exemplo.com.br',
      'Ana',
      leadId,
      { cmp4: '+5511999990000' },
    ]);
    assertEquals([synced.external_id, synced.last_operation, synced.attempts], [contact.code, 'add', 1], 'lead_sync');

    await db.query(`update lead.leads set name = 'Ana Maria' where id = $1`, [leadId]);
    await waitFor('the update pushed', async () => (await sandboxContacts(clientCode))[0].name === 'Ana Maria');
    const updated = await waitFor('lead_sync synced again', async () => {
      const row = await leadSync(db, leadId);
      return row.status === 'synced' && row.last_operation === 'update' && row;
    });
    assertEquals(updated.external_id, contact.code, 'same contact');
    assertEquals((await sandboxContacts(clientCode)).length, 1, 'still one contact');
    const { rows: [integration] } = await db.query('select status from ops.integrations where company_id = $1', [
      companyId,
    ]);
    assertEquals(integration.status, 'connected', 'integration status after a good authentication');
  },
  { cron: 'running' },
);

workerTest(
  'push: one run drains the queue, answers its counts and records the run and every call (each new lead searched by e-mail first)',
  async ({ db, companyId }) => {
    const first = await insertLeadQuietly(db, companyId, { email: 'um@exemplo.com.br' });
    const second = await insertLeadQuietly(db, companyId, { email: 'dois@exemplo.com.br' });
    const result = await runWorker();
    assertEquals(result, { processed: 2, succeeded: 2, failed: 0, retried: 0 }, 'counts');
    for (const lead of [first, second]) {
      assertEquals((await leadSync(db, lead.leadId)).status, 'synced', 'lead_sync');
      assertEquals((await messageState(db, lead.msgId)).where, 'archive', 'message archived');
    }
    const { rows: [run] } = await db.query(
      `select processed, succeeded, failed, retried, finished_at is not null as finished from ops.worker_runs where worker = 'crm-sync-worker' order by id desc limit 1`,
    );
    assertEquals(run, { processed: 2, succeeded: 2, failed: 0, retried: 0, finished: true }, 'worker_runs');
    const { rows: calls } = await db.query(
      `select operation, success, lead_id, request::text as request from ops.integrations_log where company_id = $1 order by id`,
      [companyId],
    );
    assertEquals(calls.map((call) => [call.operation, call.success]), [
      ['auth', true],
      ['contact_search', true],
      ['contact_add', true],
      ['contact_search', true],
      ['contact_add', true],
    ], 'calls logged');
    assertEquals(
      calls.slice(1).map((call) => call.lead_id),
      [first.leadId, first.leadId, second.leadId, second.leadId],
      'calls carry their lead',
    );
    const logged = calls.map((call) => call.request).join(' ');
    assert(
      !logged.includes('sandbox-password') && !logged.includes('um@exemplo.com.br'),
      `no secret or full e-mail in the log: ${logged}`,
    );
  },
);

workerTest(
  'push: a lead changed twice before the worker ran is pushed as one contact (searched by e-mail, added, then updated)',
  async ({ db, companyId, clientCode }) => {
    const lead = await insertLeadQuietly(db, companyId, { name: 'Primeiro' });
    const second = await changeLeadQuietly(db, lead.leadId, 'Segundo');
    assertEquals(await runWorker(), { processed: 2, succeeded: 2, failed: 0, retried: 0 }, 'both messages');
    assertEquals(
      (await sandboxContacts(clientCode)).map((contact) => contact.name),
      ['Segundo'],
      'one contact with the latest name',
    );
    assertEquals((await recordedFor(clientCode)).map((request) => request.path), [
      '/auth',
      '/emkt/contact/search',
      '/emkt/contact/add',
      '/emkt/contact/update',
    ], 'search, add, then update the same contact');
    assertEquals((await leadSync(db, lead.leadId)).status, 'synced', 'synced');
    assertEquals((await messageState(db, second)).where, 'archive', 'archived');
  },
);

workerTest(
  'push: rate limit 240024 hides the message until retry-after, then it goes through (assumed code 240024)',
  async ({ db, companyId, clientCode }) => {
    const first = await insertLeadQuietly(db, companyId);
    const second = await insertLeadQuietly(db, companyId);
    await setDinamizeFaults({ rateLimit: { count: 1, retryAfterSeconds: 12 } });
    const limited = await runWorker();
    assertEquals(limited, { processed: 2, succeeded: 0, failed: 0, retried: 2 }, 'both wait');
    const firstSync = await leadSync(db, first.leadId);
    assertEquals([firstSync.status, firstSync.attempts], ['pending', 1], 'the limited lead counts an attempt');
    assert(firstSync.last_error?.includes('240024'), `last_error names the code: ${firstSync.last_error}`);
    assertBetween(secondsFromNow(firstSync.next_attempt_at), 4, 12.5, 'next_attempt_at = retry-after');
    assertEquals((await leadSync(db, second.leadId)).attempts, 0, 'the other lead was not even tried');
    for (const lead of [first, second]) {
      const state = await messageState(db, lead.msgId);
      assertEquals(state.where, 'queue', 'still queued');
      assertBetween(secondsFromNow(state.vt), 4, 12.5, 'invisible for retry-after');
    }
    assertEquals(
      (await recordedFor(clientCode)).map((request) => request.fault),
      ['rateLimit'],
      'one call was refused, then the company waited',
    );

    assertEquals(
      await runWorker(),
      { processed: 0, succeeded: 0, failed: 0, retried: 0 },
      'nothing visible before retry-after',
    );
    // Wait until the visibility timeout has passed (read from the queue, not assumed: a loaded machine
    // may have spent seconds on the steps above; 12 s leaves room for them on a shared 2-CPU runner).
    const hiddenFor = Math.max(
      ...await Promise.all(
        [first, second].map(async (lead) => secondsFromNow((await messageState(db, lead.msgId)).vt)),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, hiddenFor * 1000) + 300));
    assertEquals(await runWorker(), { processed: 2, succeeded: 2, failed: 0, retried: 0 }, 'after retry-after');
    assertEquals((await sandboxContacts(clientCode)).length, 2, 'both contacts, once each');
  },
);

workerTest(
  'push: an expired token is renewed inside the run (assumed code 401)',
  async ({ db, companyId, clientCode }) => {
    const leads = [
      await insertLeadQuietly(db, companyId),
      await insertLeadQuietly(db, companyId),
      await insertLeadQuietly(db, companyId),
    ];
    await setTokenSettings({ tokenMaxUses: 1 });
    assertEquals(await runWorker(), { processed: 3, succeeded: 3, failed: 0, retried: 0 }, 'all synced');
    const recorded = await recordedFor(clientCode);
    const refusals = recorded.filter((request) => request.response.code === '401').length;
    assert(refusals >= 2, `tokens expired during the run (${refusals} refusals)`);
    assertEquals(
      recorded.filter((request) => request.path === '/auth').length,
      refusals + 1,
      'one authentication per expired token',
    );
    for (const lead of leads) {
      assertEquals((await leadSync(db, lead.leadId)).attempts, 1, 'a renewed token costs the lead no attempt');
    }
  },
);

workerTest(
  'push: 5xx backs off exponentially and the message is retried later (assumed: HTTP 5xx is transient)',
  async ({ db, companyId, clientCode }) => {
    const lead = await insertLeadQuietly(db, companyId);
    await setDinamizeFaults({ failNext: 1 });
    assertEquals(await runWorker(), { processed: 1, succeeded: 0, failed: 0, retried: 1 }, 'retried');
    const pending = await leadSync(db, lead.leadId);
    assertEquals([pending.status, pending.attempts], ['pending', 1], 'pending after one failure');
    assert(pending.last_error?.startsWith('server_error'), `last_error: ${pending.last_error}`);
    const state = await messageState(db, lead.msgId);
    assertBetween(secondsFromNow(state.vt), 58, 67, 'first backoff 60 s (+ jitter)');
    assertBetween(secondsFromNow(pending.next_attempt_at), 58, 67, 'next_attempt_at matches');

    await makeVisibleNow(db, lead.msgId);
    assertEquals(await runWorker(), { processed: 1, succeeded: 1, failed: 0, retried: 0 }, 'second run succeeds');
    const synced = await leadSync(db, lead.leadId);
    assertEquals([synced.status, synced.attempts, synced.last_error], ['synced', 2, null], 'synced');
    assertEquals((await sandboxContacts(clientCode)).length, 1, 'one contact');
  },
);

workerTest(
  'push: a Dinamize outage never loses a pending sync (queued until N attempts, then a visible dead letter; assumed: an outage answers HTTP 5xx)',
  async ({ db, companyId, clientCode }) => {
    const lead = await insertLeadQuietly(db, companyId);
    await setDinamizeFaults({ errorRate: 1 });
    for (let attempt = 1; attempt < maxAttempts; attempt++) {
      assertEquals(await runWorker(), { processed: 1, succeeded: 0, failed: 0, retried: 1 }, `run ${attempt}`);
      const row = await leadSync(db, lead.leadId);
      assertEquals([row.status, row.attempts], ['pending', attempt], `lead_sync after run ${attempt}`);
      const state = await messageState(db, lead.msgId);
      assertEquals(state.where, 'queue', `message still queued after run ${attempt}`);
      assertBetween(
        secondsFromNow(state.vt),
        backoffSeconds(attempt, 0) - 2,
        backoffSeconds(attempt, 1) + 1,
        `backoff after run ${attempt}`,
      );
      await makeVisibleNow(db, lead.msgId);
    }
    assertEquals(
      await runWorker(),
      { processed: 1, succeeded: 0, failed: 1, retried: 0 },
      `run ${maxAttempts} gives up`,
    );
    const dead = await leadSync(db, lead.leadId);
    assertEquals([dead.status, dead.attempts], ['failed', maxAttempts], 'failed after N attempts');
    assert(dead.last_error?.includes(`gave up after ${maxAttempts} attempts`), `last_error: ${dead.last_error}`);
    assertEquals((await messageState(db, lead.msgId)).where, 'archive', 'the dead letter stays in the archive');
    const { rows: letters } = await db.query(
      `select company_id, worker, read_ct, last_error from ops.dead_letters where queue_name = 'crm_sync' and msg_id = $1`,
      [lead.msgId],
    );
    assertEquals(letters.length, 1, 'one row in ops.dead_letters, written with lead_sync failed');
    assertEquals([letters[0].company_id, letters[0].worker, letters[0].read_ct], [
      companyId,
      'crm-sync-worker',
      maxAttempts,
    ]);
    assert(
      letters[0].last_error.includes(`gave up after ${maxAttempts} attempts`),
      `last_error: ${letters[0].last_error}`,
    );

    await clearDinamizeFaults();
    const { rows: [{ redriven }] } = await db.query('select lead.redrive_failed_crm_sync($1) as redriven', [companyId]);
    assertEquals(redriven, 1, 're-driven');
    await waitFor(
      'the re-driven sync',
      async () => (await leadSync(db, lead.leadId)).status === 'synced' || (await runWorker(), false),
      15_000,
    );
    assertEquals((await sandboxContacts(clientCode)).length, 1, 'the contact arrived once');
  },
);

workerTest(
  'push: refused credentials mark the integration and stop calls for the company in this run',
  async ({ db, companyId, clientCode }) => {
    await registerAccount(clientCode, 'integracao@empresa.com.br', 'the-real-password');
    const leads = [await insertLeadQuietly(db, companyId), await insertLeadQuietly(db, companyId)];
    assertEquals(await runWorker(), { processed: 2, succeeded: 0, failed: 0, retried: 2 }, 'both wait');
    assertEquals(
      (await recordedFor(clientCode)).map((request) => request.path),
      ['/auth'],
      'one refused authentication, no more calls',
    );
    const { rows: [integration] } = await db.query(
      'select status, status_message from ops.integrations where company_id = $1',
      [companyId],
    );
    assertEquals(integration.status, 'error', 'integration status');
    assert(
      integration.status_message.startsWith('invalid_credentials: 240004'),
      `status_message: ${integration.status_message}`,
    );
    for (const lead of leads) {
      const row = await leadSync(db, lead.leadId);
      assertEquals([row.status, row.attempts], ['pending', 0], 'pending, no attempt charged to the lead');
      assertBetween(
        secondsFromNow((await messageState(db, lead.msgId)).vt),
        configRetrySeconds - 60,
        configRetrySeconds + 1,
        'waits for new credentials',
      );
    }

    // What PUT /integrations does with new credentials: store them, then release the waiting messages
    // (which kicks the worker).
    const ciphertext = await sealDinamizeCredentials(companyId, {
      user: 'integracao@empresa.com.br',
      password: 'the-real-password',
      client_code: clientCode,
    });
    await db.query(
      `update ops.integrations set credentials_ciphertext = $2, status = 'pending', status_message = null where company_id = $1`,
      [companyId, ciphertext],
    );
    const { rows: [{ released }] } = await db.query('select lead.release_crm_sync($1) as released', [companyId]);
    assertEquals(released, 2, 'the waiting messages are released');
    for (const lead of leads) {
      await waitFor(
        'synced with the new credentials',
        async () => (await leadSync(db, lead.leadId)).status === 'synced' || (await runWorker(), false),
        15_000,
      );
    }
  },
);

workerTest(
  'push: leads that cannot be sent fail at once, and foreign or broken messages are archived',
  async ({ db, companyId }) => {
    const noEmail = await insertLeadQuietly(db, companyId, { email: null, phone: '+5511988887777' });
    const optedOut = await insertLeadQuietly(db, companyId);
    await db.query('update lead.leads set sync_to_crm = false where id = $1', [optedOut.leadId]);
    const otherCompany = await createCompany(db, 'Outra');
    try {
      const { rows: [forged] } = await db.query(
        `select pgmq.send('crm_sync', jsonb_build_object('lead_id', s.lead_id, 'company_id', $2::text, 'lead_sync_id', s.id,
                                                        'provider', 'dinamize', 'operation', 'add'))::text as msg_id
         from lead.lead_sync s where s.lead_id = $1`,
        [noEmail.leadId, otherCompany],
      );
      const { rows: [garbage] } = await db.query(`select pgmq.send('crm_sync', '{"hello": "world"}')::text as msg_id`);
      const result = await runWorker();
      assertEquals(result, { processed: 4, succeeded: 0, failed: 3, retried: 0 }, 'counts');
      const row = await leadSync(db, noEmail.leadId);
      assertEquals([row.status, row.last_error], ['failed', 'lead_has_no_email'], 'no e-mail: failed');
      const off = await leadSync(db, optedOut.leadId);
      assertEquals([off.status, off.last_error], ['failed', 'lead_sync_turned_off'], 'sync turned off since: not sent');
      for (const msgId of [noEmail.msgId, optedOut.msgId, forged.msg_id, garbage.msg_id]) {
        assertEquals(
          (await messageState(db, msgId)).where,
          'archive',
          'archived',
        );
      }
      const { rows: letters } = await db.query(
        `select msg_id::text, last_error from ops.dead_letters where queue_name = 'crm_sync' and msg_id = any($1::bigint[]) order by msg_id`,
        [[noEmail.msgId, optedOut.msgId, forged.msg_id, garbage.msg_id]],
      );
      assertEquals(letters, [
        { msg_id: noEmail.msgId, last_error: 'lead_has_no_email' },
        { msg_id: optedOut.msgId, last_error: 'lead_sync_turned_off' },
        { msg_id: garbage.msg_id, last_error: 'invalid_message' },
      ], 'the failures are dead letters; the foreign message is only archived');
    } finally {
      await dropCompany(db, otherCompany);
    }
  },
);

workerTest('push: only the service role may run the worker', async () => {
  const anon = await handler(
    new Request('http://functions.local/crm-sync-worker', {
      method: 'POST',
      headers: { authorization: `Bearer ${env('ANON_KEY')}` },
    }),
  );
  assertEquals([anon.status, (await anon.json()).error.code], [403, 'service_role_required'], 'anon key');
  const get = await handler(
    new Request('http://functions.local/crm-sync-worker', {
      headers: { authorization: `Bearer ${env('SERVICE_ROLE_KEY')}` },
    }),
  );
  assertEquals(get.status, 405, 'GET');
  const bad = await handler(serviceRoleRequest({ mode: 'sideways' }));
  assertEquals(bad.status, 422, 'unknown mode');
});

for (const codes of codeModes) {
  const modeTest = (name: string, fn: Parameters<typeof workerTest>[1]) =>
    workerTest(`push (${codes} codes): ${name}`, async (context) => {
      await setDinamizeMode({ codes, successDetail: 'Sucesso' });
      await fn(context);
    });

  modeTest('an expired token is renewed once and the push succeeds', async ({ db, companyId, clientCode }) => {
    const lead = await insertLeadQuietly(db, companyId);
    await setTokenSettings({ tokenMaxUses: 1 });
    assertEquals(await runWorker(), { processed: 1, succeeded: 1, failed: 0, retried: 0 }, 'synced');
    const refusal = codes === 'assumed' ? '401' : '299901';
    const recorded = await recordedFor(clientCode);
    assertEquals(
      recorded.map((request) => `${request.path}:${request.response.code}`),
      [
        '/auth:480001',
        '/emkt/contact/search:480001',
        `/emkt/contact/add:${refusal}`,
        '/auth:480001',
        '/emkt/contact/add:480001',
      ],
      'the refused add is repeated once with a new token',
    );
    const row = await leadSync(db, lead.leadId);
    assertEquals([row.status, row.attempts, row.last_operation], ['synced', 1, 'add'], 'lead_sync');
    assertEquals((await sandboxContacts(clientCode)).length, 1, 'one contact');
    const { rows: logged } = await db.query(
      `select operation, response->>'code' as code, response->>'outcome' as outcome from ops.integrations_log
       where company_id = $1 and not success`,
      [companyId],
    );
    assertEquals(
      logged,
      [{ operation: 'contact_add', code: refusal, outcome: codes === 'assumed' ? 'token_expired' : 'unrecognised' }],
      'the refusal code is logged',
    );
  });

  modeTest('a duplicate e-mail ends as one updated contact, not two', async ({ db, companyId, clientCode }) => {
    const [code] = await seedContacts(clientCode, '1', [{ email: 'ana@exemplo.com.br', name: 'Ana (Dinamize)' }]);
    const lead = await insertLeadQuietly(db, companyId, { email: 'ana@exemplo.com.br', name: 'Ana Rastro' });
    assertEquals(await runWorker(), { processed: 1, succeeded: 1, failed: 0, retried: 0 }, 'synced');
    const contacts = await sandboxContacts(clientCode);
    assertEquals(
      contacts.map((contact) => [contact.code, contact.email, contact.name, contact.external_code]),
      [[code, 'ana@exemplo.com.br', 'Ana Rastro', lead.leadId]],
      'one contact, updated with the lead',
    );
    const row = await leadSync(db, lead.leadId);
    assertEquals([row.status, row.external_id, row.last_operation], ['synced', code, 'update'], 'lead_sync');
  });

  for (const retryAfter of ['string', 'number'] as const) {
    modeTest(
      `retry-after: ${retryAfter === 'string' ? '"17"' : '17'} delays the message by 17 s`,
      async ({ db, companyId, clientCode }) => {
        await setDinamizeMode({ codes, retryAfter });
        const lead = await insertLeadQuietly(db, companyId);
        await setDinamizeFaults({ rateLimit: { count: 1, retryAfterSeconds: 17 } });
        assertEquals(await runWorker(), { processed: 1, succeeded: 0, failed: 0, retried: 1 }, 'waits');
        const sent = (await recordedFor(clientCode)).find((request) => request.fault === 'rateLimit');
        assertEquals(sent?.response.body['retry-after'], retryAfter === 'string' ? '17' : 17, 'what the sandbox sent');
        // Measured from the sandbox's answer, not from now: a loaded machine may take seconds to get here.
        // The upper bound leaves room for the run's own latency and still excludes the 60 s backoff.
        const answeredAt = new Date(sent!.receivedAt).getTime();
        const secondsAfterAnswer = (date: Date | null) => (date!.getTime() - answeredAt) / 1000;
        assertBetween(secondsAfterAnswer((await messageState(db, lead.msgId)).vt), 16.5, 22, 'invisible for 17 s');
        assertBetween(
          secondsAfterAnswer((await leadSync(db, lead.leadId)).next_attempt_at),
          16.5,
          22,
          'next_attempt_at',
        );
      },
    );
  }
}
