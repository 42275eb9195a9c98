// conversion-settings through the gateway with real user tokens: tokens are write-only (sealed, never
// answered, openable only with the row's context), viewers are refused, bad input is a 4xx with a code;
// "send test event" reaches the sandbox with the pixel's test_event_code and a 190 marks the token invalid.
// Also register_conversion's refusals as PostgREST answers them.
import assert from 'node:assert/strict';
import { openPixelToken } from '../_shared/conversions/secrets.ts';
import { adminDb, demoUsers, signIn, stackEnv, stackTest } from '../_shared/testing/stack.ts';
import { clearSandbox, sandboxRequests, setSandboxFaults } from '../_shared/testing/conversions.ts';

async function call(
  path: string,
  method: string,
  body: unknown,
  user: { email: string; password: string } = demoUsers.admin,
) {
  const res = await fetch(`${stackEnv.apiUrl}/functions/v1/conversion-settings/${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await signIn(user)}`,
      apikey: stackEnv.anonKey,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

stackTest('conversion-settings: write-only pixel token, admins only, test event, bad input', async () => {
  const db = await adminDb();
  const pixelId = String(900_000_000_000 + Math.floor(Math.random() * 1e9));
  const token = 'EAAB-settings-test-token-' + crypto.randomUUID();
  const created = await call('pixels', 'PUT', {
    name: 'Site',
    pixel_id: pixelId,
    access_token: token,
    test_event_code: 'TEST123',
    is_active: true,
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  assert.equal(created.body.has_access_token, true);
  assert.equal(created.body.token_status, 'unverified');
  assert.ok(!JSON.stringify(created.body).includes(token), 'the token is never answered');
  const { rows: [stored] } = await db.query(
    `select company_id, access_token_ciphertext from core_marketing.pixel_configs where id = $1`,
    [created.body.id],
  );
  assert.ok(!stored.access_token_ciphertext.includes(token), 'stored sealed');
  assert.equal(await openPixelToken(stored.company_id, created.body.id, stored.access_token_ciphertext), token);

  const kept = await call('pixels', 'PUT', {
    id: created.body.id,
    name: 'Site renamed',
    pixel_id: pixelId,
    is_active: false,
  });
  assert.deepEqual([kept.status, kept.body.name, kept.body.has_access_token, kept.body.is_active], [
    200,
    'Site renamed',
    true,
    false,
  ], 'omitting the token keeps it');

  for (
    const [what, path, body, status, code] of [
      ['viewer', 'pixels', { name: 'x', pixel_id: '123456789', is_active: true }, 403, 'admin_role_required'],
      ['bad pixel id', 'pixels', { name: 'x', pixel_id: 'abc', is_active: true }, 422, 'validation_failed'],
      ['duplicate pixel', 'pixels', { name: 'x', pixel_id: pixelId, is_active: true }, 409, 'already_exists'],
      [
        'bad customer id',
        'accounts',
        { platform: 'google_ads', name: 'G', account_ref: '12', is_active: true },
        422,
        'validation_failed',
      ],
      ['unknown pixel', 'test-event', { pixel_config_id: crypto.randomUUID() }, 404, 'pixel_not_found'],
      ['bad range', 'retry', { from: '2026-12-01T00:00:00Z' }, 422, 'validation_failed'],
    ] as const
  ) {
    const answer = await call(
      path,
      path === 'pixels' || path === 'accounts' ? 'PUT' : 'POST',
      body,
      what === 'viewer' ? demoUsers.viewer : demoUsers.admin,
    );
    assert.deepEqual([answer.status, answer.body.error?.code], [status, code], what);
  }

  await clearSandbox('meta');
  const test = await call('test-event', 'POST', { pixel_config_id: created.body.id });
  assert.equal(test.status, 200, JSON.stringify(test.body));
  assert.equal(test.body.ok, true);
  const [sent] = await sandboxRequests('meta');
  assert.equal(sent.path, `/v21.0/${pixelId}/events`);
  assert.equal(sent.body.test_event_code, 'TEST123');
  assert.equal(sent.headers.authorization, `Bearer ${token}`);
  assert.equal(
    (await db.query(`select token_status from core_marketing.pixel_configs where id = $1`, [created.body.id])).rows[0]
      .token_status,
    'valid',
  );

  await setSandboxFaults({ platform: 'meta', invalidToken: true });
  const refused = await call('test-event', 'POST', { pixel_config_id: created.body.id });
  await clearSandbox('meta');
  assert.deepEqual([refused.body.ok, refused.body.status], [false, 400]);
  assert.match(refused.body.error, /code 190/);
  const { rows: [after] } = await db.query(
    `select token_status from core_marketing.pixel_config_details where id = $1`,
    [created.body.id],
  );
  assert.equal(after.token_status, 'invalid', 'code 190 marks the token invalid (shown in the console)');
  const { rows: logs } = await db.query(
    `select outcome, request::text as request from core_marketing.dispatch_log where pixel_config_id = $1 order by id`,
    [created.body.id],
  );
  assert.deepEqual(logs.map((l) => l.outcome), ['sent', 'token_invalid']);
  assert.ok(logs.every((l) => !l.request.includes(token)), 'no token in dispatch_log');

  const retried = await call('retry', 'POST', {
    from: '2026-11-01T00:00:00Z',
    to: new Date().toISOString(),
    platform: 'meta',
  });
  assert.equal(retried.status, 200);
  assert.deepEqual(Object.keys(retried.body).sort(), ['requeued', 'skipped_outside_window']);
  await db.query(`delete from core_marketing.pixel_configs where id = $1`, [created.body.id]);
});

stackTest(
  "register_conversion through PostgREST: unknown lead, another company's lead, negative value, bad currency",
  async () => {
    const db = await adminDb();
    const { rows: [other] } = await db.query(
      `insert into lead.leads (company_id, name, email, origin) select id, 'Other', $1, 'csv' from core.companies where slug = 'outra-empresa' returning id`,
      [`other-${crypto.randomUUID().slice(0, 8)}@example.com`],
    );
    const { rows: [mine] } = await db.query(
      `select id from lead.leads where company_id = (select id from core.companies where slug = 'demo-rastro') limit 1`,
    );
    const before = (await db.query(`select count(*)::int as n from core_marketing.conversions`)).rows[0].n;
    const token = await signIn(demoUsers.admin);
    const rpc = async (args: Record<string, unknown>) => {
      const res = await fetch(`${stackEnv.apiUrl}/rest/v1/rpc/register_conversion`, {
        method: 'POST',
        headers: {
          apikey: stackEnv.anonKey,
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-profile': 'core_marketing',
        },
        body: JSON.stringify({ source_table: 'lead.leads', business_event: 'lead_won', ...args }),
      });
      return { status: res.status, body: await res.json() };
    };
    for (
      const [what, args, status, hint] of [
        ['unknown lead', { source_id: crypto.randomUUID() }, 404, 'record_not_found'],
        ["another company's lead", { source_id: other.id }, 404, 'record_not_found'],
        ['negative value', { source_id: mine.id, value: -5, currency: 'BRL' }, 422, 'negative_value'],
        ['bad currency', { source_id: mine.id, value: 5, currency: 'reais' }, 422, 'invalid_currency'],
      ] as const
    ) {
      const answer = await rpc(args);
      assert.deepEqual([answer.status, answer.body.hint], [status, hint], `${what}: ${JSON.stringify(answer.body)}`);
    }
    assert.equal(
      (await db.query(`select count(*)::int as n from core_marketing.conversions`)).rows[0].n,
      before,
      'nothing written',
    );
  },
);
