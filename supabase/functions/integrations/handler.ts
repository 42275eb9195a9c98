// integrations: a company's CRM integration settings, for admins (owner, backoffice_admin,
// marketing_admin), called server-side by the console with the user's JWT (verify_jwt = true).
//   GET  /integrations?provider=dinamize  → { integration: view | null } (never the credentials)
//   PUT  /integrations                    → create or replace settings; credentials are encrypted and
//                                           stored write-only (omit them to keep the stored ones)
//   POST /integrations/test               → authenticates against Dinamize with the given or the stored
//                                           credentials, searches one contact of the saved list (read
//                                           only) and reports ok / the error code, and in words which of
//                                           the assumed answers it met (_shared/dinamize-check.ts)
// The company is the caller's current company (JWT claim re-checked in the database), never a payload field.
import {
  type IntegrationAnswer,
  IntegrationProviderSchema,
  type IntegrationTestAnswer,
  type IntegrationTestRequest,
  IntegrationTestRequestSchema,
  type IntegrationUpsert,
  IntegrationUpsertSchema,
  type IntegrationView,
} from '@rastro/contracts';
import type pg from 'pg';
import { DecryptionError } from '../_shared/crypto.ts';
import { asUser } from '../_shared/db.ts';
import { createDinamizeClient, type DinamizeCall, type DinamizeCredentials } from '../_shared/dinamize.ts';
import { runDinamizeCheck } from '../_shared/dinamize-check.ts';
import { HttpError, toErrorResponse } from '../_shared/errors.ts';
import {
  invalidCredentialsMessage,
  openDinamizeCredentials,
  sealDinamizeCredentials,
} from '../_shared/integration-credentials.ts';
import { writeIntegrationCalls } from '../_shared/integrations-log.ts';
import { readJsonBody } from '../_shared/json-body.ts';
import { memberClaims, roleRequired } from '../_shared/member-claims.ts';

type Caller = { claims: Record<string, unknown>; companyId: string };

export async function handler(req: Request): Promise<Response> {
  try {
    const url = new URL(req.url);
    const route = /\/integrations(\/test)?\/?$/.exec(url.pathname);
    if (!route) throw new HttpError(404, 'route_not_found', 'Use /integrations or /integrations/test');
    const isTest = route[1] === '/test';
    const allowed = isTest ? ['POST'] : ['GET', 'PUT'];
    if (!allowed.includes(req.method)) {
      throw new HttpError(405, 'method_not_allowed', `${req.method} is not allowed here; use ${allowed.join(' or ')}`, {
        allowed,
      });
    }
    const caller = adminCaller(req);
    if (isTest) {
      return Response.json(await testIntegration(caller, await readJsonBody(req, IntegrationTestRequestSchema)));
    }
    if (req.method === 'GET') {
      const provider = IntegrationProviderSchema.safeParse(url.searchParams.get('provider'));
      if (!provider.success) throw new HttpError(400, 'invalid_provider', 'Pass ?provider=dinamize');
      return Response.json(await getIntegration(caller));
    }
    return Response.json(await putIntegration(caller, await readJsonBody(req, IntegrationUpsertSchema)));
  } catch (error) {
    return toErrorResponse(error);
  }
}

/** Claims of a signed-in admin of their current company (checked again in the database per request). */
function adminCaller(req: Request): Caller {
  const claims = memberClaims(req, 'admin');
  return { claims, companyId: claims.company_id };
}

/** Runs body as the caller (RLS applies) after the database confirms membership and admin role. */
function asAdmin<T>(caller: Caller, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return asUser(caller.claims, async (client) => {
    const { rows } = await client.query<{ company_id: string | null; is_admin: boolean }>(
      'select core.current_company_id() as company_id, core.is_company_admin() as is_admin',
    );
    if (rows[0].company_id !== caller.companyId) {
      throw new HttpError(403, 'not_a_member', 'You are no longer a member of this company');
    }
    if (!rows[0].is_admin) throw roleRequired('admin');
    return await body(client);
  });
}

const viewColumns =
  `i.id, i.provider, i.display_name, i.settings, i.sync_enabled, i.status, i.status_message, i.has_credentials,
  i.credentials_updated_at, i.updated_at,
  (select s.last_successful_sync from ops.sync_state s where s.integration_id = i.id and s.sync_type = 'contacts_pull') as last_successful_pull`;

type ViewRow = Omit<IntegrationView, 'credentials_updated_at' | 'updated_at' | 'last_successful_pull'> & {
  credentials_updated_at: Date | null;
  updated_at: Date;
  last_successful_pull: Date | null;
};

function toView(row: ViewRow): IntegrationView {
  return {
    ...row,
    credentials_updated_at: row.credentials_updated_at?.toISOString() ?? null,
    updated_at: row.updated_at.toISOString(),
    last_successful_pull: row.last_successful_pull?.toISOString() ?? null,
  };
}

async function readView(client: pg.PoolClient, companyId: string): Promise<IntegrationView | null> {
  const { rows } = await client.query<ViewRow>(
    `select ${viewColumns} from ops.integrations i where i.company_id = $1 and i.provider = 'dinamize'`,
    [companyId],
  );
  return rows[0] ? toView(rows[0]) : null;
}

function getIntegration(caller: Caller): Promise<IntegrationAnswer> {
  return asAdmin(caller, async (client) => ({ integration: await readView(client, caller.companyId) }));
}

async function putIntegration(caller: Caller, input: IntegrationUpsert): Promise<IntegrationAnswer> {
  const ciphertext = input.credentials ? await sealDinamizeCredentials(caller.companyId, input.credentials) : null;
  return asAdmin(caller, async (client) => {
    // Settings as the caller, so RLS and the column grants decide what they may change.
    const { rows } = await client.query<{ id: string }>(
      `insert into ops.integrations as i (company_id, provider, display_name, settings, sync_enabled)
       values ($1, $2, $3, $4, $5)
       on conflict (company_id, provider) do update
         set display_name = excluded.display_name, settings = excluded.settings, sync_enabled = excluded.sync_enabled
       returning i.id`,
      [caller.companyId, input.provider, input.display_name ?? null, input.settings, input.sync_enabled],
    );
    if (ciphertext !== null) {
      // The ciphertext column is service_role's alone: leave the caller's role for this one statement's
      // transaction tail. The row was just written under the caller's RLS, in this same transaction.
      await client.query('reset role');
      await client.query(
        `update ops.integrations
         set credentials_ciphertext = $2, credentials_updated_at = now(), status = 'pending', status_message = null
         where id = $1`,
        [rows[0].id, ciphertext],
      );
      // Messages held back while the old credentials failed can go now.
      await client.query('select lead.release_crm_sync($1)', [caller.companyId]);
      await client.query(`select set_config('role', 'authenticated', true)`);
    }
    return { integration: await readView(client, caller.companyId) };
  });
}

async function testIntegration(caller: Caller, input: IntegrationTestRequest): Promise<IntegrationTestAnswer> {
  const stored = input.credentials ? null : await storedCredentials(caller);
  const credentials: DinamizeCredentials = input.credentials
    ? { user: input.credentials.user, password: input.credentials.password, clientCode: input.credentials.client_code }
    : stored!.credentials;
  const calls: DinamizeCall[] = [];
  const listCode = await savedListCode(caller);
  const client = createDinamizeClient(credentials, { onCall: (call) => calls.push(call) });
  const { ok, failure, check } = await runDinamizeCheck(client, calls, listCode);
  const tested = input.credentials ? 'given' : 'stored';
  const answer: IntegrationTestAnswer = failure ? { ok, tested, error: failure, check } : { ok, tested, check };
  const authFailure = calls.find((call) => call.operation === 'auth' && call.outcome !== 'ok');

  await asAdmin(caller, async (client) => {
    await client.query('reset role');
    const integrationId = stored?.integrationId ??
      (await client.query<{ id: string }>(
        `select id from ops.integrations where company_id = $1 and provider = 'dinamize'`,
        [caller.companyId],
      )).rows[0]?.id ??
      null;
    await writeIntegrationCalls(
      client,
      calls.map((call) => ({ ...call, companyId: caller.companyId, integrationId, leadId: null })),
    );
    // Only a test of the stored credentials says something about the integration's state, and only
    // the sign-in decides it (a failed search is reported, not held against the credentials).
    const status = !stored ? null : !authFailure ? 'connected' : authFailure.outcome === 'auth_failed' ? 'error' : null;
    if (stored && status) {
      await client.query(`update ops.integrations set status = $2, status_message = $3 where id = $1`, [
        stored.integrationId,
        status,
        authFailure ? invalidCredentialsMessage(authFailure.code, authFailure.detail ?? '') : null,
      ]);
    }
  });
  return answer;
}

/** The saved integration's contact list, when its settings name one. */
async function savedListCode(caller: Caller): Promise<string | null> {
  return await asAdmin(caller, async (client) => {
    const { rows } = await client.query<{ list_code: string | null }>(
      `select settings->>'contact_list_code' as list_code from ops.integrations where company_id = $1 and provider = 'dinamize'`,
      [caller.companyId],
    );
    return rows[0]?.list_code || null;
  });
}

async function storedCredentials(caller: Caller): Promise<{ integrationId: string; credentials: DinamizeCredentials }> {
  const row = await asAdmin(caller, async (client) => {
    await client.query('reset role');
    const { rows } = await client.query<{ id: string; credentials_ciphertext: string | null }>(
      `select id, credentials_ciphertext from ops.integrations where company_id = $1 and provider = 'dinamize'`,
      [caller.companyId],
    );
    return rows[0];
  });
  if (!row?.credentials_ciphertext) {
    throw new HttpError(
      409,
      'credentials_missing',
      'No Dinamize credentials are stored for this company; send them or save them first',
    );
  }
  try {
    return {
      integrationId: row.id,
      credentials: await openDinamizeCredentials(caller.companyId, row.credentials_ciphertext),
    };
  } catch (error) {
    if (error instanceof DecryptionError) {
      throw new HttpError(
        409,
        'credentials_unreadable',
        'The stored credentials cannot be decrypted (was RASTRO_ENCRYPTION_KEY changed?); save them again',
      );
    }
    throw error;
  }
}
