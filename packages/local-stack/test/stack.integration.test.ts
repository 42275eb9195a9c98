// Acceptance of the local stack through its public surface: the gateway URL and keys a Supabase
// project would give you. Runs against the stack scripts/test.ts boots (env API_URL, DB_URL, …).
import { createClient } from '@supabase/supabase-js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../src/jwt.ts';

const env = {
  api: process.env.API_URL ?? '',
  db: process.env.DB_URL ?? '',
  anon: process.env.ANON_KEY ?? '',
  service: process.env.SERVICE_ROLE_KEY ?? '',
  secret: process.env.JWT_SECRET ?? '',
};
const hasStack = env.api !== '' && env.db !== '';

async function signIn(email: string, password: string): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${env.api}/auth/v1/token?grant_type=password`, {
    method: 'POST',
    headers: { apikey: env.anon, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return { status: res.status, body: await res.json() };
}

async function companiesAs(token: string | null): Promise<{ status: number; names: string[] }> {
  const headers: Record<string, string> = { apikey: env.anon, 'accept-profile': 'core' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${env.api}/rest/v1/companies?select=name&order=name`, { headers });
  const body = await res.json();
  return { status: res.status, names: Array.isArray(body) ? body.map((r: { name: string }) => r.name) : body };
}

describe.skipIf(!hasStack)('local stack: REST + auth through the gateway', () => {
  it('anon key alone reads no company', async () => {
    expect(await companiesAs(null)).toEqual({ status: 200, names: [] });
  });

  it('each demo admin reads exactly their own company', async () => {
    const demo = await signIn('admin@demo.rastro.local', 'demo-admin-pass');
    const outra = await signIn('admin@outra.rastro.local', 'outra-admin-pass');
    expect(demo.status).toBe(200);
    expect(await companiesAs(demo.body.access_token)).toEqual({ status: 200, names: ['Demo Rastro'] });
    expect(await companiesAs(outra.body.access_token)).toEqual({ status: 200, names: ['Outra Empresa'] });
  });

  it('wrong password → 400 invalid_grant', async () => {
    const res = await signIn('admin@demo.rastro.local', 'not-the-password');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
    expect(res.body.error_code).toBe('invalid_credentials');
  });

  it('malformed and expired JWTs → 401 from PostgREST', async () => {
    expect((await companiesAs('not.a.jwt')).status).toBe(401);
    const expired = signJwt({ role: 'authenticated', sub: '00000000-0000-0000-0000-000000000000', exp: Math.floor(Date.now() / 1000) - 60 }, env.secret);
    expect((await companiesAs(expired)).status).toBe(401);
  });

  it('requests without an apikey are refused by the gateway', async () => {
    const res = await fetch(`${env.api}/rest/v1/companies`, { headers: { 'accept-profile': 'core' } });
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('no_api_key');
  });
});

describe.skipIf(!hasStack)('local stack: supabase-js under Node', () => {
  it('signs in, reads through .schema("core"), refreshes with rotation, signs out', async () => {
    const client = createClient(env.api, env.anon, { auth: { persistSession: false, autoRefreshToken: false } });
    const { data: signedIn, error } = await client.auth.signInWithPassword({ email: 'admin@demo.rastro.local', password: 'demo-admin-pass' });
    expect(error).toBeNull();
    const { data: companies } = await client.schema('core').from('companies').select('name');
    expect(companies).toEqual([{ name: 'Demo Rastro' }]);

    const { data: user } = await client.auth.getUser();
    expect(user.user?.email).toBe('admin@demo.rastro.local');

    const firstRefresh = signedIn.session!.refresh_token;
    const { data: refreshed, error: refreshError } = await client.auth.refreshSession();
    expect(refreshError).toBeNull();
    expect(refreshed.session!.refresh_token).not.toBe(firstRefresh);
    const claims = JSON.parse(Buffer.from(refreshed.session!.access_token.split('.')[1], 'base64url').toString());
    expect(claims.company_role).toBe('marketing_admin');

    const { error: signOutError } = await client.auth.signOut();
    expect(signOutError).toBeNull();
    const afterSignOut = await fetch(`${env.api}/auth/v1/user`, { headers: { apikey: env.anon, authorization: `Bearer ${refreshed.session!.access_token}` } });
    expect(afterSignOut.status).toBe(403);
  });

  it('wrong password surfaces as an AuthApiError with status 400', async () => {
    const client = createClient(env.api, env.anon, { auth: { persistSession: false } });
    const { error } = await client.auth.signInWithPassword({ email: 'viewer@demo.rastro.local', password: 'wrong' });
    expect(error?.status).toBe(400);
    expect(error?.message).toBe('Invalid login credentials');
  });

  it('refresh tokens are stored hashed, never in plain text', async () => {
    const { body } = await signIn('viewer@demo.rastro.local', 'demo-viewer-pass');
    const db = new pg.Client({ connectionString: env.db });
    await db.connect();
    try {
      const plain = await db.query('select 1 from auth.refresh_tokens where token = $1', [body.refresh_token]);
      expect(plain.rowCount).toBe(0);
    } finally {
      await db.end();
    }
  });
});

describe.skipIf(!hasStack)('local stack: functions', () => {
  let db: pg.Client;
  beforeAll(async () => {
    db = new pg.Client({ connectionString: env.db });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
  });

  it('unknown function → 404 JSON', async () => {
    const res = await fetch(`${env.api}/functions/v1/no-such-function`, { method: 'POST', headers: { authorization: `Bearer ${env.anon}` } });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('function_not_found');
  });

  it('verify_jwt: missing, malformed and expired tokens → 401; a valid key passes with the /<name> path', async () => {
    expect((await fetch(`${env.api}/functions/v1/echo`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${env.api}/functions/v1/echo`, { method: 'POST', headers: { authorization: 'Bearer x.y' } })).status).toBe(401);
    const expired = signJwt({ role: 'anon', exp: Math.floor(Date.now() / 1000) - 1 }, env.secret);
    const expiredRes = await fetch(`${env.api}/functions/v1/echo`, { method: 'POST', headers: { authorization: `Bearer ${expired}` } });
    expect(expiredRes.status).toBe(401);
    expect((await expiredRes.json()).error.code).toBe('jwt_expired');
    const ok = await fetch(`${env.api}/functions/v1/echo/sub?x=1`, { method: 'POST', headers: { authorization: `Bearer ${env.anon}` }, body: 'hi' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ path: '/echo/sub', query: { x: '1' }, body: 'hi', env: { supabaseUrl: true, serviceKey: true } });
  });

  it('a pg_cron-style net.http_post reaches the function and the response lands in net._http_response', async () => {
    const { rows } = await db.query(
      `select net.http_post(url := $1, body := '{"from":"pg_cron"}'::jsonb, headers := jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || $2::text)) as id`,
      [`${env.api}/functions/v1/echo`, env.service],
    );
    const id = rows[0].id;
    let response: { status_code: number; content: string } | undefined;
    for (let i = 0; i < 100 && !response; i++) {
      const found = await db.query('select status_code, content from net._http_response where id = $1', [id]);
      response = found.rows[0];
      if (!response) await new Promise((r) => setTimeout(r, 100));
    }
    expect(response?.status_code).toBe(200);
    const echoed = JSON.parse(response!.content);
    expect(echoed).toMatchObject({ method: 'POST', path: '/echo', authorization: true });
    expect(JSON.parse(echoed.body)).toEqual({ from: 'pg_cron' });
  });

  it('ops.invoke_edge_function calls a function with the Vault-held URL and service key', async () => {
    const { rows } = await db.query(`select ops.invoke_edge_function('echo', '{"kick":true}'::jsonb) as id`);
    let response: { status_code: number; content: string } | undefined;
    for (let i = 0; i < 100 && !response; i++) {
      response = (await db.query('select status_code, content from net._http_response where id = $1', [rows[0].id])).rows[0];
      if (!response) await new Promise((r) => setTimeout(r, 100));
    }
    expect(response?.status_code).toBe(200);
    const echoed = JSON.parse(response!.content);
    expect(echoed).toMatchObject({ path: '/echo', authorization: true });
    expect(JSON.parse(echoed.body)).toEqual({ kick: true });
  });
});
