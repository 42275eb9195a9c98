// Connections with their opened tokens, for the functions and the worker (service role only), and
// what a refused token does to its connection.
import type pg from 'pg';
import { GraphError } from './graph.ts';
import { openConnectionToken } from './secrets.ts';

export type OpenConnection = { id: string; companyId: string; fbUserId: string; fbUserName: string; token: string };

type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * The company's usable connections (ACTIVE, a token, not past its expiry), oldest first, tokens opened;
 * `ids` narrows them. Must run as service_role (the token column is not authenticated's).
 */
export async function usableConnections(db: Queryable, companyId: string, ids?: string[]): Promise<OpenConnection[]> {
  const { rows } = await db.query<
    { id: string; company_id: string; fb_user_id: string; fb_user_name: string; access_token_ciphertext: string }
  >(
    `select id, company_id, fb_user_id, fb_user_name, access_token_ciphertext
     from core_marketing.meta_connections
     where company_id = $1 and status = 'ACTIVE' and access_token_ciphertext is not null
       and (token_expires_at is null or token_expires_at > now()) and ($2::uuid[] is null or id = any ($2::uuid[]))
     order by created_at, id`,
    [companyId, ids ?? null],
  );
  return await Promise.all(rows.map(async (row) => ({
    id: row.id,
    companyId: row.company_id,
    fbUserId: row.fb_user_id,
    fbUserName: row.fb_user_name,
    token: await openConnectionToken(row.company_id, row.id, row.access_token_ciphertext),
  })));
}

/**
 * A token Meta refused (code 190) marks its connection EXPIRED until the profile is reconnected.
 * (Permission errors concern one object, not the profile: INVALID_SCOPES is decided at connect time
 * from /me/permissions.) Returns whether it marked the connection.
 */
export async function noteRefusal(db: Queryable, connectionId: string, error: unknown): Promise<boolean> {
  if (!(error instanceof GraphError) || error.kind !== 'token') return false;
  await db.query(`select core_marketing.mark_meta_connection($1, 'EXPIRED', $2)`, [connectionId, error.message]);
  return true;
}
