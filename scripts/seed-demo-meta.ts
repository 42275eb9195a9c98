// Demo Meta Ads data for "Demo Rastro" (issue 9b; decision 0014), made the way a person would: the demo
// admin connects the sandbox's first Facebook profile through the real OAuth round trip (meta-oauth
// seals the token), tracks two of its ad accounts with a dataset (meta-accounts), and the insights
// sync backfills 28 days of spend from the sandbox (meta-sync-worker), so the console, the sandbox and
// the database agree. Idempotent: skipped while the demo company's profile is active (an expired one is reconnected).
import pg from 'pg';
import type { StackEnv } from '../packages/local-stack/src/stack.ts';
import { sandboxAdsOfAccount, sandboxMetaProfiles } from '../packages/platform-sandbox/src/server.ts';

const demoAdmin = { email: 'admin@demo.rastro.local', password: 'demo-admin-pass' };
/** The tracked accounts and their datasets (the sandbox's; see meta-graph.ts). */
export const demoMetaAccounts = [
  { adAccountId: 'act_1000000001', pixelId: '1234567890124' },
  { adAccountId: 'act_1000000002', pixelId: null },
] as const;

async function json(response: Response, what: string): Promise<Record<string, unknown>> {
  const body = await response.json() as Record<string, unknown>;
  if (!response.ok) throw new Error(`${what}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/**
 * The demo's Meta web traffic carries the ad id the way the UTM template sends it (utm_term = ad id):
 * each Facebook / Instagram touch without a term gets one of the "Conversões Site" ads of the tracked
 * accounts, so web leads join spend in ROI. Idempotent (only touches without a term).
 */
async function tagDemoTouches(db: pg.Client): Promise<void> {
  const adIds = demoMetaAccounts.flatMap((account) =>
    sandboxAdsOfAccount(account.adAccountId).filter((ad) => ad.name.includes('Conversões Site')).map((ad) => ad.id)
  );
  await db.query(
    `update lead.utm_touches t set utm_term = ($1::text[])[1 + abs(hashtext(t.id::text)) % cardinality($1::text[])]
     where t.company_id = (select id from core.companies where slug = 'demo-rastro')
       and t.utm_source in ('facebook', 'instagram') and t.utm_term is null`,
    [adIds],
  );
}

export async function seedDemoMeta(env: StackEnv, db: pg.Client): Promise<boolean> {
  await tagDemoTouches(db);
  const { rows: [existing] } = await db.query(
    `select 1 from core_marketing.meta_connections c join core.companies co on co.id = c.company_id
     where co.slug = 'demo-rastro' and c.fb_user_id = $1 and c.status = 'ACTIVE'`,
    [sandboxMetaProfiles[0].id],
  );
  if (existing) return false;
  const signIn = await json(
    await fetch(`${env.API_URL}/auth/v1/token?grant_type=password`, {
      method: 'POST',
      headers: { apikey: env.ANON_KEY, 'content-type': 'application/json' },
      body: JSON.stringify(demoAdmin),
    }),
    'demo admin sign-in',
  );
  const call = async (path: string, method: string, body?: unknown) =>
    json(
      await fetch(`${env.API_URL}/functions/v1/${path}`, {
        method,
        headers: { authorization: `Bearer ${signIn.access_token}`, apikey: env.ANON_KEY, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
      path,
    );
  await json(
    await fetch(`${env.SANDBOX_URL}/__sandbox/platforms/meta/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fb_user_id: sandboxMetaProfiles[0].id }),
    }),
    'sandbox login',
  );
  const { url } = await call('meta-oauth/connect', 'POST', { return_to: '/meta-ads' }) as { url: string };
  const dialog = await fetch(url, { redirect: 'manual' });
  await dialog.body?.cancel();
  const back = new URL(dialog.headers.get('location') ?? 'http://missing.invalid');
  const { connection } = await call('meta-oauth/connections', 'POST', {
    code: back.searchParams.get('code'),
    state: back.searchParams.get('state'),
  }) as { connection: { id: string } };
  for (const account of demoMetaAccounts) {
    await call(`meta-accounts/ad-accounts/${account.adAccountId}/config`, 'PUT', {
      connection_id: connection.id,
      is_active: true,
      ...(account.pixelId ? { pixel_id: account.pixelId } : {}),
    });
  }
  // The first insights sync of both accounts (28 days), now rather than at the next daily run.
  await db.query(
    `select pgmq.send(queue_name => 'meta_insights', msg => jsonb_build_object('company_id', a.company_id, 'meta_ad_account_id', a.id))
     from core_marketing.meta_ad_accounts a where a.connection_id = $1 and a.is_active`,
    [connection.id],
  );
  await json(
    await fetch(`${env.API_URL}/functions/v1/meta-sync-worker`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.SERVICE_ROLE_KEY}`, apikey: env.ANON_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ trigger: 'seed-demo', job: 'insights' }),
    }),
    'meta-sync-worker',
  );
  return true;
}
