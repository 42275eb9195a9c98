// Helpers for the Meta Ads tests against the stack: the sandbox's Meta controls, calls to the
// meta-oauth / meta-accounts functions as a demo user, and a whole OAuth round trip through the
// sandbox's dialog (what the browser and the console's callback page do).
import { demoUsers, signIn, stackEnv } from './stack.ts';
import { sandboxUrl } from './conversions.ts';

// deno-lint-ignore no-explicit-any -- answers are checked field by field by the tests
type Json = any;

export const sandboxProfiles = {
  thiago: { id: '10000000000001', name: 'Thiago Gontijo' },
  viviane: { id: '10000000000002', name: 'Viviane Borges' },
} as const;

export async function metaControl(path: string, body?: unknown, method = 'POST'): Promise<Json> {
  const res = await fetch(`${sandboxUrl}/__sandbox/platforms/meta${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await res.json();
  if (!res.ok) throw new Error(`sandbox meta control ${path}: ${res.status} ${JSON.stringify(answer)}`);
  return answer;
}

export async function callFunction(
  name: string,
  path: string,
  method: string,
  body?: unknown,
  user: { email: string; password: string } = demoUsers.admin,
): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${stackEnv.apiUrl}/functions/v1/${name}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await signIn(user)}`,
      apikey: stackEnv.anonKey,
      'content-type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** connect → the sandbox dialog approved by `fbUserId` → the callback with its code and state. */
export async function oauthRoundTrip(
  fbUserId: string,
  user: { email: string; password: string } = demoUsers.admin,
  login: { scopes?: string[] } = {},
): Promise<{ status: number; body: Json; dialogUrl: URL }> {
  await metaControl('/login', { fb_user_id: fbUserId, ...login });
  const started = await callFunction('meta-oauth', '/connect', 'POST', { return_to: '/meta-ads' }, user);
  if (started.status !== 200) throw new Error(`connect: ${started.status} ${JSON.stringify(started.body)}`);
  const dialogUrl = new URL(started.body.url);
  const dialog = await fetch(dialogUrl, { redirect: 'manual' });
  await dialog.body?.cancel();
  const back = new URL(dialog.headers.get('location') ?? 'http://missing.invalid');
  const answer = await callFunction('meta-oauth', '/connections', 'POST', {
    code: back.searchParams.get('code'),
    state: back.searchParams.get('state'),
  }, user);
  return { ...answer, dialogUrl };
}

/** A company with one connection (a sandbox profile's seeded token, sealed as meta-oauth seals it) and active ad accounts. */
export async function metaFixture(
  db: import('pg').default.Client,
  companyId: string,
  fbUserId: string,
  adAccountIds: string[],
): Promise<{ connectionId: string; accountIds: Record<string, string> }> {
  const { sealConnectionToken } = await import('../meta/secrets.ts');
  const { rows: [connection] } = await db.query<{ id: string }>(
    `insert into core_marketing.meta_connections (company_id, fb_user_id, fb_user_name, token_expires_at, granted_scopes)
     values ($1, $2, 'Fixture profile', now() + interval '50 days', array['ads_read', 'ads_management', 'business_management'])
     returning id`,
    [companyId, fbUserId],
  );
  await db.query(`update core_marketing.meta_connections set access_token_ciphertext = $2 where id = $1`, [
    connection.id,
    await sealConnectionToken(companyId, connection.id, `EAAsandbox${fbUserId}longlived`),
  ]);
  const accountIds: Record<string, string> = {};
  for (const adAccountId of adAccountIds) {
    const { rows: [account] } = await db.query<{ id: string }>(
      `insert into core_marketing.meta_ad_accounts (company_id, connection_id, ad_account_id, account_name, currency, timezone_name, is_active)
       values ($1, $2, $3, $3, 'BRL', 'America/Sao_Paulo', true) returning id`,
      [companyId, connection.id, adAccountId],
    );
    accountIds[adAccountId] = account.id;
  }
  return { connectionId: connection.id, accountIds };
}

/** Runs meta-sync-worker once with the service-role key; answers its counts. */
export async function runMetaSyncWorker(body: Record<string, unknown>): Promise<Json> {
  const res = await fetch(`${stackEnv.apiUrl}/functions/v1/meta-sync-worker`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stackEnv.serviceRoleKey}`, apikey: stackEnv.anonKey, 'content-type': 'application/json' },
    body: JSON.stringify({ trigger: 'test', ...body }),
  });
  const answer = await res.json();
  if (!res.ok) throw new Error(`meta-sync-worker: ${res.status} ${JSON.stringify(answer)}`);
  return answer;
}
