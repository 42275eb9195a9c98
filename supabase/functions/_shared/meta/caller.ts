// The signed-in admin behind a meta-oauth / meta-accounts request, and the two roles its transaction
// switches between: `authenticated` (RLS applies, the default) and service_role for the token columns
// authenticated has no privilege on.
import type pg from 'pg';
import { asUser } from '../db.ts';
import { HttpError } from '../errors.ts';
import { type MemberClaims, memberClaims, roleRequired } from '../member-claims.ts';

export type Caller = { claims: MemberClaims; companyId: string; userId: string };

export function adminCaller(req: Request): Caller {
  const claims = memberClaims(req, 'admin');
  return { claims, companyId: claims.company_id, userId: claims.sub };
}

/** As the caller after the database confirms membership and the admin role. */
export function asAdmin<T>(caller: Caller, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return asUser(caller.claims, async (client) => {
    const { rows: [me] } = await client.query<{ company_id: string | null; is_admin: boolean }>(
      'select core.current_company_id() as company_id, core.is_company_admin() as is_admin',
    );
    if (me.company_id !== caller.companyId) throw new HttpError(403, 'not_a_member', 'You are no longer a member of this company');
    if (!me.is_admin) throw roleRequired('admin');
    return await body(client);
  });
}

/** Runs `body` as service_role inside the caller's transaction, then back to authenticated. */
export async function asService<T>(client: pg.PoolClient, body: () => Promise<T>): Promise<T> {
  await client.query('reset role');
  const result = await body();
  await client.query(`select set_config('role', 'authenticated', true)`);
  return result;
}
