// meta-oauth and meta-accounts through the gateway with real user tokens and the sandbox's Graph
// stand-ins: an OAuth round trip adds a second profile (sealed token, never answered), the state is
// bound to company and user, a refused token shows EXPIRED and a reconnect renews it, and the ad
// accounts of both profiles come back merged.
import assert from 'node:assert/strict';
import { openConnectionToken } from '../_shared/meta/secrets.ts';
import { adminDb, demoUsers, stackTest } from '../_shared/testing/stack.ts';
import { callFunction, metaControl, oauthRoundTrip, sandboxProfiles } from '../_shared/testing/meta.ts';

const { thiago, viviane } = sandboxProfiles;

async function demoCompanyId(): Promise<string> {
  const { rows: [row] } = await (await adminDb()).query(`select id from core.companies where slug = 'demo-rastro'`);
  return row.id;
}

stackTest('meta-oauth: a round trip adds a second profile; tokens sealed; state bound; expired → reconnect', async () => {
  const db = await adminDb();
  const companyId = await demoCompanyId();
  await db.query(`delete from core_marketing.meta_connections where company_id = $1 and fb_user_id = $2`, [companyId, viviane.id]);
  const first = await oauthRoundTrip(thiago.id);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.deepEqual(first.dialogUrl.searchParams.get('scope'), 'ads_read,ads_management,business_management');
  const { rows: before } = await db.query(`select fb_user_id from core_marketing.meta_connections where company_id = $1`, [companyId]);

  const second = await oauthRoundTrip(viviane.id);
  assert.equal(second.status, 200, JSON.stringify(second.body));
  assert.equal(second.body.connection.fb_user_name, viviane.name);
  assert.equal(second.body.connection.status, 'ACTIVE');
  assert.equal(second.body.return_to, '/meta-ads');
  assert.equal(second.body.connection.has_access_token, true);
  assert.ok(!('access_token_ciphertext' in second.body.connection));
  const { rows: after } = await db.query(
    `select id, fb_user_id, access_token_ciphertext, token_expires_at from core_marketing.meta_connections where company_id = $1`,
    [companyId],
  );
  assert.equal(after.length, before.length + 1, 'a second profile, not a replacement');
  const stored = after.find((row) => row.fb_user_id === viviane.id)!;
  const token = await openConnectionToken(companyId, stored.id, stored.access_token_ciphertext);
  assert.match(token, /^EAA/);
  assert.ok(!stored.access_token_ciphertext.includes(token), 'sealed at rest');
  assert.ok(stored.token_expires_at.getTime() > Date.now() + 50 * 24 * 3600 * 1000, 'long-lived (~60 days)');

  const list = await callFunction('meta-oauth', '/connections', 'GET');
  assert.equal(list.status, 200);
  assert.ok(!JSON.stringify(list.body).includes(token), 'no token in any answer');
  assert.deepEqual(
    list.body.connections.filter((c: { fb_user_id: string }) => ([thiago.id, viviane.id] as string[]).includes(c.fb_user_id)).map((c: { fb_user_name: string }) => c.fb_user_name).sort(),
    [thiago.name, viviane.name],
  );

  // Reconnecting the same Facebook user updates its one row.
  const again = await oauthRoundTrip(viviane.id);
  assert.equal(again.status, 200);
  assert.equal(again.body.connection.id, stored.id);

  // State: another company's admin cannot use this admin's state; a forged or tampered state is refused.
  await metaControl('/login', { fb_user_id: viviane.id });
  const started = await callFunction('meta-oauth', '/connect', 'POST', {});
  const back = new URL((await fetch(started.body.url, { redirect: 'manual' })).headers.get('location')!);
  const stolen = await callFunction('meta-oauth', '/connections', 'POST', {
    code: back.searchParams.get('code'),
    state: back.searchParams.get('state'),
  }, demoUsers.otherCompanyAdmin);
  assert.deepEqual([stolen.status, stolen.body.error.code], [403, 'state_mismatch']);
  const tampered = back.searchParams.get('state')!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
  const forged = await callFunction('meta-oauth', '/connections', 'POST', { code: back.searchParams.get('code'), state: tampered });
  assert.deepEqual([forged.status, forged.body.error.code], [400, 'invalid_state']);
  const used = await callFunction('meta-oauth', '/connections', 'POST', { code: 'AQnot-a-code', state: back.searchParams.get('state') });
  assert.deepEqual([used.status, used.body.error.code], [400, 'meta_oauth_refused']);
  const viewer = await callFunction('meta-oauth', '/connect', 'POST', {}, demoUsers.viewer);
  assert.deepEqual([viewer.status, viewer.body.error.code], [403, 'admin_role_required']);
  const bad = await callFunction('meta-oauth', '/connections', 'POST', { code: 'x' });
  assert.deepEqual([bad.status, bad.body.error.code], [422, 'validation_failed']);

  // Missing permissions show as INVALID_SCOPES.
  const partial = await oauthRoundTrip(viviane.id, demoUsers.admin, { scopes: ['ads_read'] });
  assert.equal(partial.body.connection.status, 'INVALID_SCOPES');
  assert.match(partial.body.connection.status_message, /ads_management/);
  assert.equal((await oauthRoundTrip(viviane.id)).body.connection.status, 'ACTIVE');

  // Meta revokes the token: listing ad accounts marks the profile EXPIRED; a reconnect renews it.
  await metaControl('/expire-tokens', { fb_user_id: viviane.id });
  const accounts = await callFunction('meta-accounts', '/ad-accounts', 'GET');
  assert.equal(accounts.status, 200);
  assert.deepEqual(accounts.body.problems.map((p: { code: string; fb_user_name: string }) => [p.code, p.fb_user_name]), [['token_expired', viviane.name]]);
  const { rows: [expired] } = await db.query(`select status from core_marketing.meta_connections where id = $1`, [stored.id]);
  assert.equal(expired.status, 'EXPIRED');
  const renewed = await oauthRoundTrip(viviane.id);
  assert.deepEqual([renewed.body.connection.id, renewed.body.connection.status], [stored.id, 'ACTIVE']);
});

stackTest('meta-accounts: accounts of both profiles merged, toggle and dataset saved, strict input', async () => {
  const db = await adminDb();
  const companyId = await demoCompanyId();
  for (const profile of [thiago, viviane]) assert.equal((await oauthRoundTrip(profile.id)).status, 200);
  const { rows: connections } = await db.query(
    `select id, fb_user_id from core_marketing.meta_connections where company_id = $1`,
    [companyId],
  );
  const connectionOf = (fbUserId: string) => connections.find((c) => c.fb_user_id === fbUserId)!.id;

  const listed = await callFunction('meta-accounts', '/ad-accounts', 'GET');
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  const byId = new Map(listed.body.accounts.map((a: { ad_account_id: string }) => [a.ad_account_id, a]));
  for (const id of ['act_1000000001', 'act_1000000002', 'act_1000000003', 'act_2000000001']) assert.ok(byId.has(id), id);
  // deno-lint-ignore no-explicit-any
  const shared = byId.get('act_1000000003') as any;
  assert.deepEqual(shared.profiles.map((p: { fb_user_name: string }) => p.fb_user_name).sort(), [thiago.name, viviane.name]);
  // deno-lint-ignore no-explicit-any
  assert.deepEqual((byId.get('act_2000000001') as any).profiles.map((p: { fb_user_name: string }) => p.fb_user_name), [viviane.name]);
  assert.equal(listed.body.accounts.filter((a: { ad_account_id: string }) => a.ad_account_id === 'act_1000000003').length, 1, 'merged');

  const pixels = await callFunction('meta-accounts', `/ad-accounts/act_1000000001/pixels?connection_id=${connectionOf(thiago.id)}`, 'GET');
  assert.equal(pixels.status, 200, JSON.stringify(pixels.body));
  assert.deepEqual(pixels.body.pixels.map((p: { id: string }) => p.id), ['1234567890123', '1234567890124']);
  const notHers = await callFunction('meta-accounts', `/ad-accounts/act_1000000001/pixels?connection_id=${connectionOf(viviane.id)}`, 'GET');
  assert.deepEqual([notHers.status, notHers.body.error.code], [404, 'ad_account_not_reachable']);

  const saved = await callFunction('meta-accounts', '/ad-accounts/act_1000000001/config', 'PUT', {
    connection_id: connectionOf(thiago.id),
    is_active: true,
    pixel_id: '1234567890124',
  });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  assert.deepEqual([saved.body.account_name, saved.body.currency, saved.body.pixel_name, saved.body.is_active], [
    'Prof Didática — Principal',
    'BRL',
    'Dataset WhatsApp',
    true,
  ]);
  const toggled = await callFunction('meta-accounts', '/ad-accounts/act_1000000001/config', 'PUT', {
    connection_id: connectionOf(thiago.id),
    is_active: false,
  });
  assert.deepEqual([toggled.body.is_active, toggled.body.pixel_id], [false, '1234567890124'], 'omitting pixel_id keeps it');
  const relisted = await callFunction('meta-accounts', '/ad-accounts', 'GET');
  // deno-lint-ignore no-explicit-any
  const principal = relisted.body.accounts.find((a: any) => a.ad_account_id === 'act_1000000001');
  assert.deepEqual([principal.is_active, principal.pixel_id], [false, '1234567890124']);

  for (
    const [what, path, body, status, code] of [
      ['foreign pixel', '/ad-accounts/act_1000000001/config', { connection_id: connectionOf(thiago.id), is_active: true, pixel_id: '1234567890126' }, 422, 'pixel_not_in_account'],
      ['unreachable account', '/ad-accounts/act_2000000001/config', { connection_id: connectionOf(thiago.id), is_active: true }, 404, 'ad_account_not_reachable'],
      ['bad account id', '/ad-accounts/123/config', { connection_id: connectionOf(thiago.id), is_active: true }, 422, 'validation_failed'],
      ['unknown connection', '/ad-accounts/act_1000000001/config', { connection_id: crypto.randomUUID(), is_active: true }, 404, 'connection_not_usable'],
      ['extra field', '/ad-accounts/act_1000000001/config', { connection_id: connectionOf(thiago.id), is_active: true, name: 'x' }, 422, 'validation_failed'],
    ] as const
  ) {
    const answer = await callFunction('meta-accounts', path, 'PUT', body);
    assert.deepEqual([answer.status, answer.body.error?.code], [status, code], what);
  }
  const otherCompany = await callFunction('meta-accounts', '/ad-accounts/act_1000000001/config', 'PUT', {
    connection_id: connectionOf(thiago.id),
    is_active: true,
  }, demoUsers.otherCompanyAdmin);
  assert.deepEqual([otherCompany.status, otherCompany.body.error.code], [404, 'connection_not_usable'], "another company's profile is not usable");
  // Leave the demo's account tracked, as seed-demo made it.
  const restored = await callFunction('meta-accounts', '/ad-accounts/act_1000000001/config', 'PUT', {
    connection_id: connectionOf(thiago.id),
    is_active: true,
  });
  assert.equal(restored.status, 200);
});
