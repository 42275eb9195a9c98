// meta-oauth: multi-profile Facebook Login for Business (seed 002 sprint 2), for admins, called by the
// console with the user's JWT (verify_jwt = true).
//   GET    /meta-oauth/connections       the company's connected profiles (never a token)
//   POST   /meta-oauth/connect           MetaConnectStart → { url, expires_at }: Meta's dialog URL with a
//                                        signed state bound to company and user (10 min), the scopes
//                                        ads_read, ads_management, business_management
//   POST   /meta-oauth/connections       MetaOAuthCallback { code, state } (what the dialog sent back to the
//                                        console's /meta-ads/callback page) → code → token → long-lived
//                                        token → /me and /me/permissions → the connection, upserted per
//                                        Facebook user (a reconnect renews an EXPIRED profile)
//   DELETE /meta-oauth/connections/{id}  disconnects a profile (its ad account settings go with it)
// Env: META_APP_ID, META_APP_SECRET, META_GRAPH_URL, META_OAUTH_DIALOG_URL, META_GRAPH_VERSION,
// META_OAUTH_REDIRECT_URL (default RASTRO_CONSOLE_URL + /meta-ads/callback), RASTRO_ENCRYPTION_KEY.
import {
  type MetaConnectStart,
  MetaConnectStartSchema,
  type MetaOAuthCallback,
  MetaOAuthCallbackSchema,
  metaRequiredScopes,
} from '@rastro/contracts';
import { HttpError, toErrorResponse } from '../_shared/errors.ts';
import { readJsonBody } from '../_shared/json-body.ts';
import { adminCaller, asAdmin, asService, type Caller } from '../_shared/meta/caller.ts';
import { type GraphClient, graphClient, GraphError } from '../_shared/meta/graph.ts';
import { sealConnectionToken } from '../_shared/meta/secrets.ts';
import { signState, verifyState } from './state.ts';

const connectionColumns =
  `id, fb_user_id, fb_user_name, has_access_token, token_expires_at, granted_scopes, status, status_message,
   connected_at, updated_at, active_ad_accounts`;

function appSettings() {
  const appId = Deno.env.get('META_APP_ID');
  const appSecret = Deno.env.get('META_APP_SECRET');
  if (!appId || !appSecret) throw new HttpError(503, 'meta_app_not_configured', 'META_APP_ID and META_APP_SECRET are not set');
  const consoleUrl = Deno.env.get('RASTRO_CONSOLE_URL') ?? '';
  const redirectUri = Deno.env.get('META_OAUTH_REDIRECT_URL') ?? `${consoleUrl.replace(/\/+$/, '')}/meta-ads/callback`;
  if (!/^https?:\/\//.test(redirectUri)) {
    throw new HttpError(503, 'meta_redirect_not_configured', 'Set META_OAUTH_REDIRECT_URL or RASTRO_CONSOLE_URL');
  }
  return { appId, appSecret, redirectUri };
}

export async function handler(req: Request): Promise<Response> {
  try {
    const path = new URL(req.url).pathname;
    const route = /\/meta-oauth\/(connect|connections)(?:\/([^/]+))?\/?$/.exec(path);
    if (!route) throw new HttpError(404, 'route_not_found', 'Use /connect or /connections');
    const [, name, id] = route;
    const allowed = name === 'connect' ? ['POST'] : id ? ['DELETE'] : ['GET', 'POST'];
    if (!allowed.includes(req.method)) {
      throw new HttpError(405, 'method_not_allowed', `Use ${allowed.join(' or ')}`, { allowed });
    }
    const caller = adminCaller(req);
    if (name === 'connect') {
      return Response.json(await connect(caller, await readJsonBody(req, MetaConnectStartSchema, { emptyAs: {} })));
    }
    if (id) return Response.json(await disconnect(caller, id));
    if (req.method === 'GET') return Response.json({ connections: await listConnections(caller) });
    return Response.json(await callback(caller, await readJsonBody(req, MetaOAuthCallbackSchema), graphClient()));
  } catch (error) {
    return toErrorResponse(error);
  }
}

function listConnections(caller: Caller) {
  return asAdmin(caller, async (client) =>
    (await client.query(`select ${connectionColumns} from core_marketing.meta_connection_details order by connected_at, id`)).rows
  );
}

async function connect(caller: Caller, input: MetaConnectStart) {
  const app = appSettings();
  // The database confirms the admin before a state is handed out.
  await asAdmin(caller, async () => {});
  const state = await signState({ companyId: caller.companyId, userId: caller.userId, returnTo: input.return_to ?? '/meta-ads' });
  const { dialogUrl, version } = graphClient().settings;
  const url = new URL(`${dialogUrl}/${version}/dialog/oauth`);
  url.searchParams.set('client_id', app.appId);
  url.searchParams.set('redirect_uri', app.redirectUri);
  url.searchParams.set('state', state);
  url.searchParams.set('scope', metaRequiredScopes.join(','));
  url.searchParams.set('response_type', 'code');
  return { url: url.toString(), redirect_uri: app.redirectUri };
}

/** A Graph refusal during the exchange as a 4xx (the person can try again) or 502 (Meta failed). */
function exchangeFailed(step: string, error: unknown): never {
  if (error instanceof GraphError) {
    if (error.retryable) throw new HttpError(502, 'meta_unavailable', `Meta did not complete ${step}; try again`);
    throw new HttpError(400, 'meta_oauth_refused', `Meta refused ${step}: ${error.message}`);
  }
  throw error;
}

async function callback(caller: Caller, input: MetaOAuthCallback, graph: GraphClient) {
  const app = appSettings();
  const verified = await verifyState(input.state);
  if (!verified.ok) {
    throw new HttpError(400, verified.reason === 'expired' ? 'state_expired' : 'invalid_state',
      verified.reason === 'expired' ? 'The connection took too long; start again' : 'The OAuth state is not one we issued');
  }
  if (verified.state.companyId !== caller.companyId || verified.state.userId !== caller.userId) {
    throw new HttpError(403, 'state_mismatch', 'This connection was started by someone else or for another company');
  }
  const short = await graph.get<{ access_token: string }>('/oauth/access_token', {
    client_id: app.appId,
    redirect_uri: app.redirectUri,
    client_secret: app.appSecret,
    code: input.code,
  }, null).catch((error) => exchangeFailed('the authorization code', error));
  const long = await graph.get<{ access_token: string; expires_in?: number }>('/oauth/access_token', {
    grant_type: 'fb_exchange_token',
    client_id: app.appId,
    client_secret: app.appSecret,
    fb_exchange_token: short.access_token,
  }, null).catch((error) => exchangeFailed('the long-lived token', error));
  const [profile, permissions] = await Promise.all([
    graph.get<{ id: string; name: string }>('/me', { fields: 'id,name' }, long.access_token),
    graph.get<{ data: Array<{ permission: string; status: string }> }>('/me/permissions', {}, long.access_token),
  ]).catch((error) => exchangeFailed('the profile', error));
  if (typeof profile.id !== 'string' || !/^\d{1,25}$/.test(profile.id) || typeof profile.name !== 'string') {
    throw new HttpError(502, 'meta_unexpected_answer', 'Meta answered /me without a usable id and name');
  }
  const granted = (permissions.data ?? []).filter((p) => p.status === 'granted').map((p) => p.permission);
  const missing = metaRequiredScopes.filter((scope) => !granted.includes(scope));
  const expiresAt = long.expires_in ? new Date(Date.now() + long.expires_in * 1000).toISOString() : null;

  return await asAdmin(caller, async (client) => {
    const id = await asService(client, async () => {
      const { rows: [row] } = await client.query<{ id: string }>(
        `insert into core_marketing.meta_connections (company_id, fb_user_id, fb_user_name, connected_by)
         values ($1, $2, $3, $4)
         on conflict (company_id, fb_user_id) do update set fb_user_name = excluded.fb_user_name, connected_by = excluded.connected_by
         returning id`,
        [caller.companyId, profile.id, profile.name.slice(0, 200), caller.userId],
      );
      await client.query(
        `update core_marketing.meta_connections
         set access_token_ciphertext = $2, token_expires_at = $3, granted_scopes = $4, status = $5, status_message = $6,
             connected_at = now()
         where id = $1`,
        [
          row.id,
          await sealConnectionToken(caller.companyId, row.id, long.access_token),
          expiresAt,
          granted,
          missing.length === 0 ? 'ACTIVE' : 'INVALID_SCOPES',
          missing.length === 0 ? null : `Permissions not granted: ${missing.join(', ')}; reconnect and allow them`,
        ],
      );
      return row.id;
    });
    const { rows: [connection] } = await client.query(
      `select ${connectionColumns} from core_marketing.meta_connection_details where id = $1`,
      [id],
    );
    return { connection, return_to: verified.state.returnTo };
  });
}

function disconnect(caller: Caller, id: string) {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new HttpError(404, 'connection_not_found', 'No profile with that id in your company');
  return asAdmin(caller, async (client) => {
    const { rowCount } = await client.query('delete from core_marketing.meta_connections where id = $1', [id]);
    if (!rowCount) throw new HttpError(404, 'connection_not_found', 'No profile with that id in your company');
    return { deleted: id };
  });
}
