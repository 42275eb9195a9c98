// integrations edge function: admins read and write their company's Dinamize settings; credentials
// are write-only and encrypted; /test authenticates against the sandbox.
import type pg from 'pg';
import { decryptSecret } from '../_shared/crypto.ts';
import { closeDbPool } from '../_shared/db.ts';
import {
  createCompany,
  createDinamizeIntegration,
  createMember,
  dropCompany,
  dropUser,
  env,
  hasStack,
  openDb,
  signIn,
  type TestUser,
} from '../_shared/testing/crm-fixtures.ts';
import {
  clearDinamizeFaults,
  codeModes,
  recordedFor,
  registerAccount,
  seedContacts,
  setDinamizeFaults,
  setDinamizeMode,
  uniqueClientCode,
} from '../_shared/testing/dinamize-sandbox.ts';
import { assert, assertEquals } from '../_shared/testing/assert.ts';
import { handler } from './handler.ts';
import { IntegrationTestAnswerSchema } from '@rastro/contracts';

// deno-lint-ignore no-explicit-any -- answers are checked field by field
type Answer = { status: number; body: Record<string, any> };

async function call(token: string | null, method: string, path: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await handler(
    new Request(`http://functions.local${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
  return { status: response.status, body: await response.json() };
}

const settings = { contact_list_code: '12', custom_fields: { phone: 'cmp4' } };

// Tests that count the Dinamize calls of a company keep its sync switched off: the stack's pg_cron pull
// (every 15 minutes) signs in and searches for every company whose sync is on, and its calls would land
// in the same integrations_log and the same sandbox account mid-test. /test does not need the switch.

type Context = { db: pg.Pool; companyId: string; admin: string; viewer: string; clientCode: string };

function integrationsTest(name: string, fn: (context: Context) => Promise<void>) {
  Deno.test({
    name,
    ignore: !hasStack,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const db = openDb();
      const companyId = await createCompany(db, 'Integracoes');
      const users: TestUser[] = [];
      try {
        users.push(await createMember(db, companyId, 'marketing_admin'), await createMember(db, companyId, 'viewer'));
        const [admin, viewer] = await Promise.all(users.map(signIn));
        await fn({ db, companyId, admin, viewer, clientCode: uniqueClientCode() });
      } finally {
        await dropCompany(db, companyId);
        for (const user of users) await dropUser(db, user);
        await db.end();
        await closeDbPool();
      }
    },
  });
}

integrationsTest(
  'integrations: PUT stores settings and encrypted credentials; GET and PUT never return them',
  async ({ db, companyId, admin, clientCode }) => {
    assertEquals(
      (await call(admin, 'GET', '/integrations?provider=dinamize')).body,
      { integration: null },
      'nothing yet',
    );
    const credentials = { user: 'ops@empresa.com.br', password: 'S3nh@-muito-secreta', client_code: clientCode };
    const saved = await call(admin, 'PUT', '/integrations', {
      provider: 'dinamize',
      sync_enabled: true,
      settings,
      credentials,
    });
    assertEquals(saved.status, 200, JSON.stringify(saved.body));
    const view = saved.body.integration;
    assertEquals([view.provider, view.sync_enabled, view.settings, view.status, view.has_credentials], [
      'dinamize',
      true,
      settings,
      'pending',
      true,
    ], 'view');
    assert(
      !JSON.stringify(saved.body).includes('S3nh@') && !('credentials_ciphertext' in view),
      'no credentials in the answer',
    );

    const { rows: [stored] } = await db.query(
      'select credentials_ciphertext, credentials_updated_at from ops.integrations where company_id = $1',
      [companyId],
    );
    assert(
      stored.credentials_ciphertext.startsWith('v1:') && !stored.credentials_ciphertext.includes('S3nh@'),
      'stored encrypted',
    );
    assertEquals(
      JSON.parse(await decryptSecret(stored.credentials_ciphertext, `ops.integrations:${companyId}:dinamize`)),
      credentials,
      'decrypts to what was sent',
    );

    const resaved = await call(admin, 'PUT', '/integrations', {
      provider: 'dinamize',
      sync_enabled: false,
      display_name: 'Dinamize principal',
      settings,
    });
    assertEquals([resaved.status, resaved.body.integration.sync_enabled, resaved.body.integration.has_credentials], [
      200,
      false,
      true,
    ], 'settings changed, credentials kept');
    const { rows: [after] } = await db.query(
      'select credentials_ciphertext, credentials_updated_at from ops.integrations where company_id = $1',
      [companyId],
    );
    assertEquals(after, stored, 'ciphertext untouched without new credentials');
    const read = await call(admin, 'GET', '/integrations?provider=dinamize');
    assertEquals(read.body.integration, resaved.body.integration, 'GET shows the same view');
    const { rows: audit } = await db.query<{ images: string }>(
      `select coalesce(before::text, '') || coalesce(after::text, '') as images from ops.audit_log where company_id = $1 and table_name = 'integrations'`,
      [companyId],
    );
    assert(audit.length >= 2, `the changes are audited (${audit.length} rows)`);
    assert(
      !audit.some((row) => row.images.includes('v1:') || row.images.includes('S3nh@')),
      'the audit trail holds no credentials',
    );
  },
);

integrationsTest(
  'integrations: only admins of the company; bad input is refused precisely',
  async ({ viewer, admin }) => {
    assertEquals((await call(null, 'GET', '/integrations?provider=dinamize')).status, 401, 'no token');
    const asViewer = await call(viewer, 'GET', '/integrations?provider=dinamize');
    assertEquals([asViewer.status, asViewer.body.error.code], [403, 'admin_role_required'], 'viewer');
    const asService = await call(env('SERVICE_ROLE_KEY'), 'GET', '/integrations?provider=dinamize');
    assertEquals(asService.status, 401, 'a service token is not a user');
    assertEquals(
      (await call(admin, 'GET', '/integrations?provider=rdstation')).body.error.code,
      'invalid_provider',
      'unknown provider',
    );
    assertEquals((await call(admin, 'PUT', '/integrations', '{oops')).body.error.code, 'invalid_json', 'not JSON');
    const invalid = await call(admin, 'PUT', '/integrations', {
      provider: 'dinamize',
      sync_enabled: true,
      settings: { contact_list_code: 'lista', custom_fields: { email: 'cmp4' } },
      credentials: { user: 'a', password: '', client_code: '1' },
      company_id: '00000000-0000-0000-0000-000000000000',
    });
    assertEquals([invalid.status, invalid.body.error.code], [422, 'validation_failed'], 'contract');
    assertEquals(invalid.body.error.details.map((issue: { path: string }) => issue.path).sort(), [
      '',
      'credentials.password',
      'settings.contact_list_code',
      'settings.custom_fields',
    ], 'issues name the fields');
    assert(!JSON.stringify(invalid.body).includes('lista'), 'issues do not echo values');
    assertEquals((await call(admin, 'DELETE', '/integrations')).status, 405, 'method');
    assertEquals((await call(admin, 'GET', '/integrations/other')).status, 404, 'route');
  },
);

integrationsTest(
  "integrations: another company's admin sees and changes only their own",
  async ({ db, companyId, admin, clientCode }) => {
    await createDinamizeIntegration(db, companyId, { clientCode });
    const otherCompany = await createCompany(db, 'Concorrente');
    const intruder = await createMember(db, otherCompany, 'owner');
    try {
      const token = await signIn(intruder);
      assertEquals(
        (await call(token, 'GET', '/integrations?provider=dinamize')).body,
        { integration: null },
        'cannot see the first company',
      );
      await call(token, 'PUT', '/integrations', {
        provider: 'dinamize',
        sync_enabled: false,
        settings: { contact_list_code: '99' },
      });
      const mine = (await call(admin, 'GET', '/integrations?provider=dinamize')).body.integration;
      assertEquals([mine.settings.contact_list_code, mine.sync_enabled], ['1', true], 'the first company is untouched');
    } finally {
      await dropCompany(db, otherCompany);
      await dropUser(db, intruder);
    }
  },
);

integrationsTest(
  'integrations: /test authenticates with given or stored credentials and reports the code (and searches the saved list)',
  async ({ db, companyId, admin, clientCode }) => {
    await registerAccount(clientCode, 'ops@empresa.com.br', 'certa');
    const good = await call(admin, 'POST', '/integrations/test', {
      provider: 'dinamize',
      credentials: { user: 'ops@empresa.com.br', password: 'certa', client_code: clientCode },
    });
    assertEquals([good.body.ok, good.body.tested, good.body.error], [true, 'given', undefined], 'given, good');
    assertEquals(
      good.body.check.report[1],
      'No contact list is saved yet, so no search was tried.',
      'nothing to search without saved settings',
    );
    const bad = await call(admin, 'POST', '/integrations/test', {
      provider: 'dinamize',
      credentials: { user: 'ops@empresa.com.br', password: 'errada', client_code: clientCode },
    });
    assertEquals([bad.status, bad.body.ok, bad.body.error.kind, bad.body.error.code], [
      200,
      false,
      'auth_failed',
      '240004',
    ], 'given, bad');

    assertEquals(
      (await call(admin, 'POST', '/integrations/test', { provider: 'dinamize' })).body.error.code,
      'credentials_missing',
      'nothing stored yet',
    );
    await call(admin, 'PUT', '/integrations', {
      provider: 'dinamize',
      sync_enabled: false,
      settings,
      credentials: { user: 'ops@empresa.com.br', password: 'errada', client_code: clientCode },
    });
    const storedBad = await call(admin, 'POST', '/integrations/test', { provider: 'dinamize' });
    assertEquals([storedBad.body.ok, storedBad.body.tested], [false, 'stored'], 'stored, bad');
    const { rows: [failing] } = await db.query(
      'select status, status_message from ops.integrations where company_id = $1',
      [companyId],
    );
    assertEquals(failing.status, 'error', 'a failed test of the stored credentials marks the integration');
    await call(admin, 'PUT', '/integrations', {
      provider: 'dinamize',
      sync_enabled: false,
      settings,
      credentials: { user: 'ops@empresa.com.br', password: 'certa', client_code: clientCode },
    });
    const storedGood = (await call(admin, 'POST', '/integrations/test', { provider: 'dinamize' })).body;
    assertEquals([storedGood.ok, storedGood.tested, storedGood.error], [true, 'stored', undefined], 'stored, good');
    const { rows: [working] } = await db.query('select status from ops.integrations where company_id = $1', [
      companyId,
    ]);
    assertEquals(working.status, 'connected', 'and a good one marks it connected');

    const { rows: calls } = await db.query(
      `select operation, success, request::text as request from ops.integrations_log where company_id = $1 order by id`,
      [companyId],
    );
    assertEquals(calls.map((row) => `${row.operation}:${row.success}`), [
      'auth:true',
      'auth:false',
      'auth:false',
      'auth:true',
      'contact_search:true',
    ], 'every test call logged');
    assert(
      !calls.some((row) => row.request.includes('certa') || row.request.includes('errada')),
      'no password in the log',
    );
    assertEquals(
      (await recordedFor(clientCode)).map((request) => request.path),
      ['/auth', '/auth', '/auth', '/auth', '/emkt/contact/search'],
      'four authentications and one search reached Dinamize',
    );
  },
);

integrationsTest('integrations: through the gateway, verify_jwt refuses a missing token', async ({ admin }) => {
  const url = `${env('API_URL')}/functions/v1/integrations?provider=dinamize`;
  const anonymous = await fetch(url, { headers: { apikey: env('ANON_KEY') } });
  assertEquals(anonymous.status, 401, 'no JWT');
  await anonymous.body?.cancel();
  const signedIn = await fetch(url, { headers: { apikey: env('ANON_KEY'), authorization: `Bearer ${admin}` } });
  assertEquals([signedIn.status, await signedIn.json()], [200, { integration: null }], 'admin');
});

for (const codes of codeModes) {
  integrationsTest(
    `integrations (${codes} codes): /test signs in, searches one contact read-only and reports the assumed answers it met`,
    async ({ db, companyId, admin, clientCode }) => {
      await setDinamizeMode({ codes, successDetail: 'Sucesso' });
      try {
        await createDinamizeIntegration(db, companyId, { clientCode, syncEnabled: false });
        await seedContacts(clientCode, '1', [{ email: 'um@exemplo.com.br' }, { email: 'dois@exemplo.com.br' }]);
        const test = () => call(admin, 'POST', '/integrations/test', { provider: 'dinamize' });

        const plain = await test();
        assertEquals(
          [plain.status, plain.body.ok, plain.body.tested],
          [200, true, 'stored'],
          JSON.stringify(plain.body),
        );
        assertEquals(plain.body.check.steps, [
          { operation: 'auth', code: '480001', outcome: 'ok' },
          { operation: 'contact_search', code: '480001', outcome: 'ok' },
        ]);
        assertEquals(plain.body.check.assumedMet, []);
        // The findings behind the report, as the console reads them (it words them in the reader's language).
        const findings = IntegrationTestAnswerSchema.parse(plain.body).check.findings;
        assertEquals(findings.map((finding) => finding.kind), ['call', 'call', 'not_observed']);
        assertEquals(findings[1], {
          kind: 'call',
          operation: 'contact_search',
          code: '480001',
          outcome: 'ok',
          detail: null,
          assumed: null,
          list: '1',
          searched: 'contact_found',
        });
        assertEquals(plain.body.check.report, [
          'Sign-in answered 480001 (success) as expected.',
          'The search of one contact in list 1 answered 480001 (success) as expected; it returned a contact.',
          'Not observed, so still assumed: the rate-limit (240024), token-expiry (401), unknown-contact (404), duplicate-e-mail (409) and malformed-request (400) codes.',
        ]);
        const [search] = (await recordedFor(clientCode)).filter((request) => request.path === '/emkt/contact/search');
        assertEquals([search.body?.page_size, search.body?.page_number], ['1', '1'], 'one contact, first page');
        assertEquals(
          (await db.query(`select count(*)::int as n from ops.integrations_log where company_id = $1`, [companyId]))
            .rows[0].n,
          2,
          'both calls logged',
        );

        // A rate limit met by the search is named in the report; the credentials stay "connected".
        await setDinamizeFaults({ rateLimit: { count: 1, retryAfterSeconds: 17 } });
        const limited = await test();
        await clearDinamizeFaults();
        assertEquals([limited.body.ok, limited.body.error.kind, limited.body.check.assumedMet], [
          false,
          'rate_limited',
          ['rateLimited'],
        ]);
        assert(
          limited.body.check.report[0].startsWith('Sign-in answered code 240024'),
          `the rate limit is reported: ${limited.body.check.report}`,
        );
        const { rows: [integration] } = await db.query('select status from ops.integrations where company_id = $1', [
          companyId,
        ]);
        assertEquals(integration.status, 'connected', 'from the first, good test');

        // The token refused between sign-in and search: assumed 401 or an unknown code, both reported.
        await setDinamizeFaults({ invalidToken: true });
        const refused = await test();
        await clearDinamizeFaults();
        assertEquals(refused.body.ok, false);
        const refusal = codes === 'assumed' ? '401' : '299901';
        assertEquals(refused.body.check.steps[0], {
          operation: 'auth',
          code: refusal,
          outcome: codes === 'assumed' ? 'auth_failed' : 'unrecognised',
        });
        assertEquals(refused.body.check.assumedMet, codes === 'assumed' ? ['invalidToken'] : []);
        assertEquals(
          refused.body.check.findings[0].assumed,
          codes === 'assumed' ? 'invalidToken' : null,
          'the finding names the assumed code it met',
        );
        assert(
          refused.body.check.report[0].includes(
            codes === 'assumed' ? 'which we assumed means token-expiry' : 'a code we do not know',
          ),
          `the refusal is described: ${refused.body.check.report[0]}`,
        );
        assert(!JSON.stringify(refused.body).includes('sandbox-password'), 'no secret in the answer');
      } finally {
        await setDinamizeMode({});
        await clearDinamizeFaults();
      }
    },
  );
}
