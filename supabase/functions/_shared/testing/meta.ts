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
