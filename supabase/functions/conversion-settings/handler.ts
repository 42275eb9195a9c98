// conversion-settings: a company's conversion destinations, for admins (owner, backoffice_admin,
// marketing_admin), called server-side by the console with the user's JWT (verify_jwt = true).
//   PUT  /conversion-settings/pixels      UpsertPixelConfig → PixelConfigDetails (the token is sealed,
//                                         stored write-only, never returned; omit it to keep the stored one)
//   PUT  /conversion-settings/accounts    UpsertPlatformAccount → the account without its credentials
//   POST /conversion-settings/test-event  { pixel_config_id } → sends one test event (test_event_code when
//                                         set) with the stored token; answers ok / Meta's error; logged
//   POST /conversion-settings/retry       RetryDeliveries → { requeued, skipped_outside_window }
// The company is the caller's current company (claims re-checked in the database), never a payload field.
import {
  type RetryDeliveries,
  RetryDeliveriesSchema,
  SendTestEventSchema,
  type UpsertPixelConfig,
  UpsertPixelConfigSchema,
  type UpsertPlatformAccount,
  UpsertPlatformAccountSchema,
} from '@rastro/contracts';
import type pg from 'pg';
import { metaGateway } from '../_shared/conversions/gateways.ts';
import { openPixelToken, sealAccountCredentials, sealPixelToken } from '../_shared/conversions/secrets.ts';
import { asUser } from '../_shared/db.ts';
import { HttpError, toErrorResponse } from '../_shared/errors.ts';
import { readJsonBody } from '../_shared/json-body.ts';
import { memberClaims, roleRequired } from '../_shared/member-claims.ts';

type Caller = { claims: Record<string, unknown>; companyId: string };

const pixelColumns =
  `id, name, pixel_id, has_access_token, token_status, token_error, test_event_code, domain, action_source,
  is_active, updated_at`;
const accountColumns =
  `id, platform, name, account_ref, login_customer_id, has_credentials, credentials_status, status_message,
  is_active, updated_at`;

export async function handler(req: Request): Promise<Response> {
  try {
    const route = /\/conversion-settings\/(pixels|accounts|test-event|retry)\/?$/.exec(new URL(req.url).pathname)?.[1];
    if (!route) throw new HttpError(404, 'route_not_found', 'Use /pixels, /accounts, /test-event or /retry');
    const method = route === 'pixels' || route === 'accounts' ? 'PUT' : 'POST';
    if (req.method !== method) throw new HttpError(405, 'method_not_allowed', `Use ${method}`, { allowed: [method] });
    const claims = memberClaims(req, 'admin');
    const caller = { claims, companyId: claims.company_id };
    if (route === 'pixels') {
      return Response.json(await putPixel(caller, await readJsonBody(req, UpsertPixelConfigSchema)));
    }
    if (route === 'accounts') {
      return Response.json(await putAccount(caller, await readJsonBody(req, UpsertPlatformAccountSchema)));
    }
    if (route === 'test-event') {
      return Response.json(await sendTestEvent(caller, (await readJsonBody(req, SendTestEventSchema)).pixel_config_id));
    }
    return Response.json(await retry(caller, await readJsonBody(req, RetryDeliveriesSchema)));
  } catch (error) {
    return toErrorResponse(error);
  }
}

/** As the caller (RLS applies) after the database confirms membership and the admin role. */
function asAdmin<T>(caller: Caller, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return asUser(caller.claims, async (client) => {
    const { rows: [me] } = await client.query<{ company_id: string | null; is_admin: boolean }>(
      'select core.current_company_id() as company_id, core.is_company_admin() as is_admin',
    );
    if (me.company_id !== caller.companyId) {
      throw new HttpError(403, 'not_a_member', 'You are no longer a member of this company');
    }
    if (!me.is_admin) throw roleRequired('admin');
    try {
      return await body(client);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === '23505') throw new HttpError(409, 'already_exists', 'This company already has that destination');
      if (code === '23514') throw new HttpError(422, 'invalid_value', (error as Error).message);
      throw error;
    }
  });
}

/** Writes the sealed secret as service_role (the column is not the caller's), in the caller's transaction. */
async function storeSecret(client: pg.PoolClient, statement: string, values: unknown[]): Promise<void> {
  await client.query('reset role');
  await client.query(statement, values);
  await client.query(`select set_config('role', 'authenticated', true)`);
}

function notFound(what: string): HttpError {
  return new HttpError(404, `${what}_not_found`, `No ${what.replace('_', ' ')} with that id in your company`);
}

function putPixel(caller: Caller, input: UpsertPixelConfig) {
  return asAdmin(caller, async (client) => {
    const values = [
      input.name,
      input.pixel_id,
      input.test_event_code ?? null,
      input.domain ?? null,
      input.action_source,
      input.is_active,
    ];
    const { rows } = input.id
      ? await client.query<{ id: string }>(
        // test_event_code and domain: omitted keeps them, null clears them.
        `update core_marketing.pixel_configs
         set name = $2, test_event_code = case when $8 then $4 else test_event_code end,
             domain = case when $9 then $5 else domain end, action_source = $6, is_active = $7
         where id = $1 and pixel_id = $3 returning id`,
        [input.id, ...values, input.test_event_code !== undefined, input.domain !== undefined],
      )
      : await client.query<{ id: string }>(
        `insert into core_marketing.pixel_configs (company_id, name, pixel_id, test_event_code, domain, action_source, is_active)
         values ($1, $2, $3, $4, $5, $6, $7) returning id`,
        [caller.companyId, ...values],
      );
    if (!rows[0]) throw notFound('pixel');
    const id = rows[0].id;
    if (input.access_token) {
      await storeSecret(
        client,
        `update core_marketing.pixel_configs set access_token_ciphertext = $2, token_status = 'unverified', token_error = null,
           token_updated_at = now() where id = $1`,
        [id, await sealPixelToken(caller.companyId, id, input.access_token)],
      );
    }
    return (await client.query(`select ${pixelColumns} from core_marketing.pixel_config_details where id = $1`, [id]))
      .rows[0];
  });
}

function putAccount(caller: Caller, input: UpsertPlatformAccount) {
  return asAdmin(caller, async (client) => {
    const login = input.platform === 'google_ads' ? input.login_customer_id ?? null : null;
    const { rows } = input.id
      ? await client.query<{ id: string }>(
        `update core_marketing.platform_accounts set name = $2, login_customer_id = $3, is_active = $4
         where id = $1 and platform = $5 and account_ref = $6 returning id`,
        [input.id, input.name, login, input.is_active, input.platform, input.account_ref],
      )
      : await client.query<{ id: string }>(
        `insert into core_marketing.platform_accounts (company_id, platform, name, account_ref, login_customer_id, is_active)
         values ($1, $2, $3, $4, $5, $6) returning id`,
        [caller.companyId, input.platform, input.name, input.account_ref, login, input.is_active],
      );
    if (!rows[0]) throw notFound('platform_account');
    const id = rows[0].id;
    if (input.credentials) {
      await storeSecret(
        client,
        `update core_marketing.platform_accounts set credentials_ciphertext = $2, credentials_status = 'unverified',
           status_message = null where id = $1`,
        [id, await sealAccountCredentials(caller.companyId, id, input.credentials)],
      );
    }
    return (await client.query(`select ${accountColumns} from core_marketing.platform_accounts where id = $1`, [id]))
      .rows[0];
  });
}

async function sendTestEvent(caller: Caller, pixelConfigId: string) {
  const pixel = await asAdmin(caller, async (client) => {
    const { rows: [visible] } = await client.query(`select id from core_marketing.pixel_config_details where id = $1`, [
      pixelConfigId,
    ]);
    if (!visible) throw notFound('pixel');
    await client.query('reset role');
    const { rows: [row] } = await client.query(
      `select id, company_id, pixel_id, graph_version, test_event_code, action_source, access_token_ciphertext
       from core_marketing.pixel_configs where id = $1`,
      [pixelConfigId],
    );
    await client.query(`select set_config('role', 'authenticated', true)`);
    return row;
  });
  if (!pixel.access_token_ciphertext) throw new HttpError(422, 'no_token', 'Save an access token for this pixel first');
  const destination = {
    id: pixel.id,
    companyId: pixel.company_id,
    platform: 'meta',
    ref: pixel.pixel_id,
    loginCustomerId: null,
    graphVersion: pixel.graph_version,
    testEventCode: pixel.test_event_code,
    actionSource: 'system_generated',
    secret: await openPixelToken(pixel.company_id, pixel.id, pixel.access_token_ciphertext),
  };
  const event = {
    event_name: 'Lead',
    event_time: Math.floor(Date.now() / 1000),
    event_id: `test-${crypto.randomUUID()}`,
    action_source: 'system_generated',
    user_data: { external_id: [await sha256(`rastro-test-${pixel.id}`)] },
  };
  const { url, init, logged } = await metaGateway.request([event], destination, (name) => Deno.env.get(name));
  const started = performance.now();
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // kept as text
  }
  const outcome = metaGateway.interpret({ status: response.status, headers: response.headers, body }, 1);
  const ok = outcome.kind === 'sent';
  const error = outcome.kind === 'sent' ? null : outcome.error;
  await asAdmin(caller, async (client) => {
    await client.query('reset role');
    await client.query(
      `select core_marketing.record_dispatch('[]'::jsonb, $1::jsonb, $2::jsonb)`,
      [
        JSON.stringify([{
          company_id: pixel.company_id,
          platform: 'meta',
          pixel_config_id: pixel.id,
          platform_account_id: null,
          delivery_ids: [],
          worker: 'conversion-settings:test-event',
          status_code: response.status,
          outcome: ok
            ? 'sent'
            : outcome.kind === 'retry'
            ? 'retry'
            : outcome.kind === 'token_invalid'
            ? 'token_invalid'
            : 'failed',
          request: logged,
          response_body: body,
          response_headers: {},
          error,
          trace_id: ok ? outcome.traceId : null,
          duration_ms: Math.round(performance.now() - started),
        }]),
        JSON.stringify(
          ok
            ? [{ pixel_config_id: pixel.id, status: 'valid' }]
            : outcome.kind === 'token_invalid'
            ? [{ pixel_config_id: pixel.id, status: 'invalid', error }]
            : [],
        ),
      ],
    );
    await client.query(`select set_config('role', 'authenticated', true)`);
  });
  return {
    ok,
    status: response.status,
    test_event_code: pixel.test_event_code,
    fbtrace_id: ok ? outcome.traceId : null,
    error,
  };
}

function retry(caller: Caller, input: RetryDeliveries) {
  return asAdmin(caller, async (client) => {
    const args: unknown[] = 'delivery_ids' in input
      ? [input.delivery_ids, null, null, null]
      : [null, input.from, input.to, input.platform ?? null];
    const { rows: [row] } = await client.query<{ result: { requeued: number; skipped_outside_window: number } }>(
      'select core_marketing.retry_deliveries($1::uuid[], $2::timestamptz, $3::timestamptz, $4) as result',
      args,
    );
    return row.result;
  });
}

async function sha256(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
