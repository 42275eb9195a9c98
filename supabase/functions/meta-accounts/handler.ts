// meta-accounts: the ad accounts a company's profiles reach and which of them are tracked (seed 002
// sprint 3), for admins, called by the console with the user's JWT (verify_jwt = true).
//   GET /meta-accounts/ad-accounts                     every ad account reachable by every usable
//       connection (/me/adaccounts, all pages, the connections concurrently), merged by account id,
//       with the profiles that reach it and the saved settings; a profile whose token Meta refuses is
//       marked EXPIRED and listed under `problems`
//   GET /meta-accounts/ad-accounts/{act_id}/pixels?connection_id=   the account's datasets (adspixels)
//   PUT /meta-accounts/ad-accounts/{act_id}/config     MetaAdAccountConfig { connection_id, is_active,
//       pixel_id? }: the account's name, currency and time zone are read from Meta with that
//       connection's token (so the connection really reaches it) and a pixel must be one of its datasets
import {
  type MetaAdAccountConfig,
  MetaAdAccountConfigSchema,
  MetaAdAccountIdSchema,
  type MetaAdAccountListing,
  type MetaAdAccountsAnswer,
} from '@rastro/contracts';
import type pg from 'pg';
import { HttpError, toErrorResponse } from '../_shared/errors.ts';
import { readJsonBody } from '../_shared/json-body.ts';
import { adminCaller, asAdmin, asService, type Caller } from '../_shared/meta/caller.ts';
import { noteRefusal, type OpenConnection, usableConnections } from '../_shared/meta/connections.ts';
import { type GraphClient, graphClient, GraphError } from '../_shared/meta/graph.ts';

type GraphAccount = {
  id: string;
  name: string;
  account_id: string;
  account_status: number;
  currency: string;
  timezone_name: string;
};
const accountFields = 'id,name,account_id,account_status,currency,timezone_name';

type MergedAccount = Pick<
  MetaAdAccountListing,
  'ad_account_id' | 'account_id' | 'name' | 'currency' | 'timezone_name' | 'account_status' | 'profiles'
>;

export async function handler(req: Request): Promise<Response> {
  try {
    const route = /\/meta-accounts\/ad-accounts(?:\/([^/]+)\/(pixels|config))?\/?$/.exec(new URL(req.url).pathname);
    if (!route) throw new HttpError(404, 'route_not_found', 'Use /ad-accounts, /ad-accounts/{act_id}/pixels or /config');
    const [, accountId, action] = route;
    const method = action === 'config' ? 'PUT' : 'GET';
    if (req.method !== method) throw new HttpError(405, 'method_not_allowed', `Use ${method}`, { allowed: [method] });
    const caller = adminCaller(req);
    const graph = graphClient();
    if (!accountId) return Response.json(await listAccounts(caller, graph));
    const parsedId = MetaAdAccountIdSchema.safeParse(accountId);
    if (!parsedId.success) throw new HttpError(422, 'validation_failed', 'The ad account id looks like act_123');
    if (action === 'pixels') {
      return Response.json(await listPixels(caller, graph, parsedId.data, new URL(req.url).searchParams.get('connection_id')));
    }
    return Response.json(await saveConfig(caller, graph, parsedId.data, await readJsonBody(req, MetaAdAccountConfigSchema)));
  } catch (error) {
    return toErrorResponse(error);
  }
}

/** The usable connections (tokens opened as service_role inside the admin's transaction). */
function openConnections(client: pg.PoolClient, caller: Caller, ids?: string[]): Promise<OpenConnection[]> {
  return asService(client, () => usableConnections(client, caller.companyId, ids));
}

async function listAccounts(caller: Caller, graph: GraphClient): Promise<MetaAdAccountsAnswer> {
  const { connections, saved } = await asAdmin(caller, async (client) => ({
    connections: await openConnections(client, caller),
    saved: (await client.query(
      `select a.id, a.ad_account_id, a.connection_id, a.account_name, a.currency, a.timezone_name, a.pixel_id, a.pixel_name,
              a.is_active, a.insights_synced_at, a.insights_error
       from core_marketing.meta_ad_accounts a`,
    )).rows,
  }));
  const answers = await Promise.all(connections.map(async (connection) => {
    try {
      const accounts = await graph.pages<GraphAccount>('/me/adaccounts', { fields: accountFields, limit: '100' }, connection.token, {
        maxPages: 20,
      });
      return { connection, accounts, error: null as GraphError | null };
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
      return { connection, accounts: [] as GraphAccount[], error };
    }
  }));
  const refused = answers.filter((answer) => answer.error?.kind === 'token');
  if (refused.length > 0) {
    await asAdmin(caller, (client) =>
      asService(client, async () => {
        for (const answer of refused) await noteRefusal(client, answer.connection.id, answer.error);
      })
    );
  }

  const merged = new Map<string, MergedAccount>();
  for (const { connection, accounts } of answers) {
    for (const account of accounts) {
      const entry: MergedAccount = merged.get(account.id) ?? {
        ad_account_id: account.id,
        account_id: account.account_id,
        name: account.name,
        currency: account.currency,
        timezone_name: account.timezone_name,
        account_status: account.account_status,
        profiles: [],
      };
      entry.profiles.push({ connection_id: connection.id, fb_user_name: connection.fbUserName });
      merged.set(account.id, entry);
    }
  }
  const savedById = new Map(saved.map((row) => [row.ad_account_id as string, row]));
  const reachable = [...merged.values()].map((entry): MetaAdAccountListing => {
    const config = savedById.get(entry.ad_account_id);
    const usable = entry.profiles.map((p) => p.connection_id);
    return {
      ...entry,
      reachable: true,
      config_id: config?.id ?? null,
      connection_id: config && usable.includes(config.connection_id) ? config.connection_id : usable[0],
      is_active: config?.is_active ?? false,
      pixel_id: config?.pixel_id ?? null,
      pixel_name: config?.pixel_name ?? null,
      insights_synced_at: config?.insights_synced_at ?? null,
      insights_error: config?.insights_error ?? null,
    };
  });
  // Saved accounts no usable profile reaches any more stay visible (their tracking cannot run).
  const unreachable = saved.filter((row) => !merged.has(row.ad_account_id)).map((row): MetaAdAccountListing => ({
    ad_account_id: row.ad_account_id,
    account_id: String(row.ad_account_id).slice(4),
    name: row.account_name,
    currency: row.currency,
    timezone_name: row.timezone_name,
    account_status: null,
    profiles: [],
    reachable: false,
    config_id: row.id,
    connection_id: row.connection_id,
    is_active: row.is_active,
    pixel_id: row.pixel_id,
    pixel_name: row.pixel_name,
    insights_synced_at: row.insights_synced_at,
    insights_error: row.insights_error,
  }));
  return {
    accounts: [...reachable, ...unreachable].sort((a, b) => a.name.localeCompare(b.name)),
    problems: answers.filter((answer) => answer.error).map((answer) => ({
      connection_id: answer.connection.id,
      fb_user_name: answer.connection.fbUserName,
      code: answer.error!.kind === 'token' ? 'token_expired' : 'meta_error',
      message: answer.error!.message,
    })),
  };
}

/** The connection to read an account with: the one named (it must be the company's and usable). */
async function connectionFor(caller: Caller, connectionId: string | null, accountId: string): Promise<OpenConnection> {
  return await asAdmin(caller, async (client) => {
    let id = connectionId;
    if (id === null) {
      const { rows: [row] } = await client.query<{ connection_id: string }>(
        'select connection_id from core_marketing.meta_ad_accounts where ad_account_id = $1',
        [accountId],
      );
      id = row?.connection_id ?? null;
    }
    if (id === null) throw new HttpError(422, 'connection_required', 'Name the profile (connection_id) that reaches this account');
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new HttpError(422, 'validation_failed', 'connection_id must be a uuid');
    const [connection] = await openConnections(client, caller, [id]);
    if (!connection) throw new HttpError(404, 'connection_not_usable', 'No active profile with that id in your company; reconnect it');
    return connection;
  });
}

/** Meta refused: a refused token marks the connection; unreachable accounts are 404; others 502/422. */
async function graphFailed(caller: Caller, connection: OpenConnection, error: unknown, what: string): Promise<never> {
  if (!(error instanceof GraphError)) throw error;
  if (error.kind === 'token') {
    await asAdmin(caller, (client) => asService(client, () => noteRefusal(client, connection.id, error)));
    throw new HttpError(409, 'token_expired', `Meta refused ${connection.fbUserName}'s token; reconnect the profile`);
  }
  if (error.kind === 'not_found' || error.kind === 'permission') {
    throw new HttpError(404, 'ad_account_not_reachable', `${connection.fbUserName} cannot read ${what}`);
  }
  if (error.retryable) throw new HttpError(502, 'meta_unavailable', 'Meta did not answer; try again');
  throw new HttpError(422, 'meta_refused', error.message);
}

async function pixelsOf(graph: GraphClient, connection: OpenConnection, accountId: string) {
  return await graph.pages<{ id: string; name: string }>(`/${accountId}/adspixels`, { fields: 'id,name', limit: '100' }, connection.token, {
    maxPages: 10,
  });
}

async function listPixels(caller: Caller, graph: GraphClient, accountId: string, connectionId: string | null) {
  const connection = await connectionFor(caller, connectionId, accountId);
  try {
    return { ad_account_id: accountId, connection_id: connection.id, pixels: await pixelsOf(graph, connection, accountId) };
  } catch (error) {
    return await graphFailed(caller, connection, error, `the datasets of ${accountId}`);
  }
}

async function saveConfig(caller: Caller, graph: GraphClient, accountId: string, input: MetaAdAccountConfig) {
  const connection = await connectionFor(caller, input.connection_id, accountId);
  let account: GraphAccount;
  let pixelName: string | null = null;
  try {
    account = await graph.get<GraphAccount>(`/${accountId}`, { fields: accountFields }, connection.token);
    if (input.pixel_id) {
      const pixel = (await pixelsOf(graph, connection, accountId)).find((p) => p.id === input.pixel_id);
      if (!pixel) throw new HttpError(422, 'pixel_not_in_account', `Dataset ${input.pixel_id} is not one of ${accountId}'s datasets`);
      pixelName = pixel.name;
    }
  } catch (error) {
    if (error instanceof HttpError) throw error;
    return await graphFailed(caller, connection, error, accountId);
  }
  return await asAdmin(caller, async (client) => {
    const { rows: [row] } = await client.query(
      `insert into core_marketing.meta_ad_accounts (company_id, connection_id, ad_account_id, account_name, currency, timezone_name,
                                                    account_status, pixel_id, pixel_name, is_active)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       on conflict (company_id, ad_account_id) do update
         set connection_id = excluded.connection_id, account_name = excluded.account_name, currency = excluded.currency,
             timezone_name = excluded.timezone_name, account_status = excluded.account_status,
             pixel_id = case when $11 then excluded.pixel_id else meta_ad_accounts.pixel_id end,
             pixel_name = case when $11 then excluded.pixel_name else meta_ad_accounts.pixel_name end,
             is_active = excluded.is_active
       returning id, ad_account_id, connection_id, account_name, currency, timezone_name, pixel_id, pixel_name, is_active`,
      [
        caller.companyId,
        connection.id,
        accountId,
        String(account.name).slice(0, 300),
        /^[A-Z]{3}$/.test(account.currency) ? account.currency : null,
        account.timezone_name ? String(account.timezone_name).slice(0, 80) : null,
        Number.isInteger(account.account_status) ? account.account_status : null,
        input.pixel_id ?? null,
        pixelName,
        input.is_active,
        input.pixel_id !== undefined,
      ],
    );
    return row;
  });
}
