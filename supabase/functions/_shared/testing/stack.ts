// Helpers for Deno tests that run against the throw-away stack `npm test` boots (scripts/test.ts passes
// DB_URL, API_URL, ANON_KEY, SERVICE_ROLE_KEY and the functions' own env). Tests that need the stack
// use `stackTest`, which skips them when the stack is not there (plain `deno test`).
import pg from 'pg';

export const stackEnv = {
  dbUrl: Deno.env.get('DB_URL') ?? '',
  apiUrl: Deno.env.get('API_URL') ?? '',
  anonKey: Deno.env.get('ANON_KEY') ?? '',
  serviceRoleKey: Deno.env.get('SERVICE_ROLE_KEY') ?? '',
};

const hasStack = Boolean(stackEnv.dbUrl && stackEnv.apiUrl && Deno.env.get('SUPABASE_DB_URL'));

/** A test against the running stack: skipped without one; pools and sockets may outlive a single test. */
export function stackTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, ignore: !hasStack, sanitizeOps: false, sanitizeResources: false, fn });
}

export const demoUsers = {
  admin: { email: 'admin@demo.rastro.local', password: 'demo-admin-pass' },
  viewer: { email: 'viewer@demo.rastro.local', password: 'demo-viewer-pass' },
  otherCompanyAdmin: { email: 'admin@outra.rastro.local', password: 'outra-admin-pass' },
} as const;

/** Signs in through the gateway's /auth/v1 like the console does; returns the access token. */
export async function signIn(user: { email: string; password: string }): Promise<string> {
  const res = await fetch(`${stackEnv.apiUrl}/auth/v1/token?grant_type=password`, {
    method: 'POST',
    headers: { apikey: stackEnv.anonKey, 'content-type': 'application/json' },
    body: JSON.stringify(user),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`sign-in of ${user.email} failed: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token as string;
}

let client: pg.Client | null = null;

/** One superuser connection for arranging and inspecting data (bypasses RLS). */
export async function adminDb(): Promise<pg.Client> {
  if (client) return client;
  client = new pg.Client({ connectionString: stackEnv.dbUrl });
  await client.connect();
  return client;
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}
