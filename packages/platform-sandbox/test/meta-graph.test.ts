// The Meta Graph stand-ins: the OAuth dialog and both exchanges, profiles, paged ad accounts, datasets,
// ad hierarchy and daily insights — and their refusals in Graph's error shape.
import { describe, expect, test } from 'vitest';
import { sandboxMetaApp, sandboxMetaProfiles, sandboxMetaSeedToken } from '../src/platforms/meta-graph.ts';
import { call, postJson, setFaults, useSandbox } from './helpers.ts';

const sandbox = useSandbox();
const graph = (path: string, params: Record<string, string>) =>
  call(`${sandbox.url}/meta/v21.0${path}?${new URLSearchParams(params)}`, { redirect: 'manual' });
const [thiago, viviane] = sandboxMetaProfiles;
const redirectUri = 'http://console.example/meta-ads/callback';

async function dialogCode(params: Record<string, string> = {}): Promise<URL> {
  const answer = await graph('/dialog/oauth', {
    client_id: sandboxMetaApp.appId,
    redirect_uri: redirectUri,
    state: 'signed-state',
    scope: 'ads_read,ads_management,business_management',
    ...params,
  });
  expect(answer.status).toBe(302);
  return new URL(answer.headers.get('location')!);
}

describe('Meta Graph stand-ins', () => {
  test('OAuth: dialog → code → short token → long-lived token → /me of the profile that approved', async () => {
    await call(`${sandbox.url}/__sandbox/platforms/meta`, { method: 'DELETE' });
    await postJson(`${sandbox.url}/__sandbox/platforms/meta/login`, { fb_user_id: viviane.id });
    const back = await dialogCode();
    expect(back.origin + back.pathname).toBe(redirectUri);
    expect(back.searchParams.get('state')).toBe('signed-state');
    const code = back.searchParams.get('code')!;
    const app = { client_id: sandboxMetaApp.appId, client_secret: sandboxMetaApp.appSecret };

    const wrongRedirect = await graph('/oauth/access_token', { ...app, redirect_uri: 'http://elsewhere/cb', code });
    expect([wrongRedirect.status, wrongRedirect.body.error.code, wrongRedirect.body.error.error_subcode]).toEqual([400, 100, 36008]);
    const wrongSecret = await graph('/oauth/access_token', { ...app, client_secret: 'nope', redirect_uri: redirectUri, code });
    expect([wrongSecret.status, wrongSecret.body.error.code]).toEqual([400, 1]);

    const short = await graph('/oauth/access_token', { ...app, redirect_uri: redirectUri, code });
    expect(short.status).toBe(200);
    expect(short.body.token_type).toBe('bearer');
    const reused = await graph('/oauth/access_token', { ...app, redirect_uri: redirectUri, code });
    expect(reused.body.error.error_subcode).toBe(36009);

    const long = await graph('/oauth/access_token', { ...app, grant_type: 'fb_exchange_token', fb_exchange_token: short.body.access_token });
    expect(long.status).toBe(200);
    expect(long.body.expires_in).toBeGreaterThan(50 * 24 * 3600);
    const me = await graph('/me', { fields: 'id,name', access_token: long.body.access_token });
    expect(me.body).toEqual({ id: viviane.id, name: viviane.name });
    const permissions = await graph('/me/permissions', { access_token: long.body.access_token });
    expect(permissions.body.data.every((p: { status: string }) => p.status === 'granted')).toBe(true);
  });

  test('OAuth refusals: wrong app, unknown scope, denied dialog, expired token cannot be exchanged', async () => {
    await call(`${sandbox.url}/__sandbox/platforms/meta`, { method: 'DELETE' });
    const badApp = await graph('/dialog/oauth', { client_id: '1', redirect_uri: redirectUri });
    expect([badApp.status, badApp.body.error.code]).toEqual([400, 101]);
    const badScope = await graph('/dialog/oauth', { client_id: sandboxMetaApp.appId, redirect_uri: redirectUri, scope: 'ads_read,email_all' });
    expect(badScope.body.error.message).toContain('email_all');
    await postJson(`${sandbox.url}/__sandbox/platforms/meta/login`, { fb_user_id: thiago.id, deny: true });
    const denied = await dialogCode();
    expect([denied.searchParams.get('error'), denied.searchParams.get('code')]).toEqual(['access_denied', null]);

    const expired = await postJson(`${sandbox.url}/__sandbox/platforms/meta/expire-tokens`, { fb_user_id: thiago.id });
    expect(expired.body.expired).toBeGreaterThan(0);
    const exchange = await graph('/oauth/access_token', {
      client_id: sandboxMetaApp.appId,
      client_secret: sandboxMetaApp.appSecret,
      grant_type: 'fb_exchange_token',
      fb_exchange_token: sandboxMetaSeedToken(thiago.id),
    });
    expect([exchange.status, exchange.body.error.code, exchange.body.error.error_subcode]).toEqual([400, 190, 463]);
    const me = await graph('/me', { access_token: sandboxMetaSeedToken(thiago.id) });
    expect(me.body.error.code).toBe(190);
    const none = await graph('/me', {});
    expect(none.body.error.code).toBe(104);
  });

  test('ad accounts are paged with paging.next and differ per profile; datasets per account', async () => {
    await call(`${sandbox.url}/__sandbox/platforms/meta`, { method: 'DELETE' });
    const fields = 'id,name,account_id,account_status,currency,timezone_name';
    const first = await graph('/me/adaccounts', { fields, limit: '2', access_token: sandboxMetaSeedToken(thiago.id) });
    expect(first.body.data.map((a: { id: string }) => a.id)).toEqual(['act_1000000001', 'act_1000000002']);
    expect(first.body.data[0]).toEqual({
      id: 'act_1000000001',
      name: 'Prof Didática — Principal',
      account_id: '1000000001',
      account_status: 1,
      currency: 'BRL',
      timezone_name: 'America/Sao_Paulo',
    });
    const second = await call(first.body.paging.next);
    expect(second.body.data.map((a: { id: string }) => a.id)).toEqual(['act_1000000003']);
    expect(second.body.paging.next).toBeUndefined();
    const other = await graph('/me/adaccounts', { fields: 'id', access_token: sandboxMetaSeedToken(viviane.id) });
    expect(other.body.data.map((a: { id: string }) => a.id)).toEqual(['act_1000000003', 'act_2000000001']);
    const unknownField = await graph('/me/adaccounts', { fields: 'id,owner_secret', access_token: sandboxMetaSeedToken(viviane.id) });
    expect([unknownField.status, unknownField.body.error.code]).toEqual([400, 100]);

    const pixels = await graph('/act_1000000001/adspixels', { fields: 'id,name', access_token: sandboxMetaSeedToken(thiago.id) });
    expect(pixels.body.data).toEqual([{ id: '1234567890123', name: 'Pixel Principal' }, { id: '1234567890124', name: 'Dataset WhatsApp' }]);
    const notHers = await graph('/act_1000000001/adspixels', { fields: 'id,name', access_token: sandboxMetaSeedToken(viviane.id) });
    expect([notHers.body.error.code, notHers.body.error.error_subcode]).toEqual([100, 33]);
  });

  test("an ad's hierarchy: seed 002's source_id resolves to its ad set and campaign", async () => {
    const ad = await graph('/120237888636060701', {
      fields: 'name,adset{id,name},campaign{id,name},account_id',
      access_token: sandboxMetaSeedToken(thiago.id),
    });
    expect(ad.status).toBe(200);
    expect(ad.body).toMatchObject({
      id: '120237888636060701',
      name: 'Anúncio 1 — Leads WhatsApp',
      account_id: '1000000001',
      adset: { id: '120237888636050701', name: 'Conjunto Leads WhatsApp' },
      campaign: { id: '120237888636040701' },
    });
    const wrongSub = await graph('/120237888636060701', { fields: 'adset{id,budget}', access_token: sandboxMetaSeedToken(thiago.id) });
    expect(wrongSub.body.error.code).toBe(100);
    const hidden = await graph('/120237888636060701', { fields: 'name', access_token: sandboxMetaSeedToken(viviane.id) });
    expect(hidden.body.error.error_subcode).toBe(33);
  });

  test('insights: daily rows per ad, paged, the same figures on every read, strict parameters', async () => {
    const token = sandboxMetaSeedToken(thiago.id);
    const params = {
      level: 'ad',
      fields: 'ad_id,ad_name,adset_id,adset_name,campaign_id,campaign_name,spend,impressions,clicks',
      time_range: JSON.stringify({ since: '2026-11-25', until: '2026-11-27' }),
      time_increment: '1',
      limit: '5',
      access_token: token,
    };
    const rows: any[] = [];
    let answer = await graph('/act_1000000001/insights', params);
    let pages = 1;
    rows.push(...answer.body.data);
    while (answer.body.paging?.next) {
      answer = await call(answer.body.paging.next);
      rows.push(...answer.body.data);
      pages += 1;
    }
    expect(rows).toHaveLength(3 * 4); // 3 days × 4 ads
    expect(pages).toBe(3);
    expect(new Set(rows.map((r) => `${r.ad_id}:${r.date_start}`)).size).toBe(12);
    expect(rows[0]).toMatchObject({ date_start: '2026-11-25', date_stop: '2026-11-25' });
    expect(rows[0].spend).toMatch(/^\d+\.\d{2}$/);
    const again = await graph('/act_1000000001/insights', { ...params, limit: '500' });
    expect(again.body.data).toEqual(rows);

    for (
      const [broken, subcode] of [
        [{ level: 'campaign' }, undefined],
        [{ time_increment: 'all_days' }, undefined],
        [{ time_range: '{"since":"2026-11-27","until":"2026-11-25"}' }, 1487534],
        [{ time_range: 'last week' }, undefined],
        [{ fields: 'spend,revenue' }, undefined],
      ] as const
    ) {
      const refused = await graph('/act_1000000001/insights', { ...params, ...broken });
      expect(refused.status, JSON.stringify(broken)).toBe(400);
      expect(refused.body.error.code).toBe(100);
      if (subcode) expect(refused.body.error.error_subcode).toBe(subcode);
    }
  });

  test('faults apply to the Graph routes in Meta error shape', async () => {
    await setFaults(sandbox.url, { platform: 'meta', failNext: 1, rateLimit: { count: 1, retryAfterSeconds: 1 } });
    const limited = await graph('/me', { access_token: sandboxMetaSeedToken(thiago.id) });
    expect([limited.status, limited.body.error.code]).toEqual([400, 4]);
    const failed = await graph('/me', { access_token: sandboxMetaSeedToken(thiago.id) });
    expect(failed.status).toBe(500);
    const fine = await graph('/me', { access_token: sandboxMetaSeedToken(thiago.id) });
    expect(fine.body.id).toBe(thiago.id);
  });
});
