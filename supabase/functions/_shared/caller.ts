// Who is calling a function with verify_jwt = true. The token's signature and expiry were checked
// before the request reached the function (Supabase's edge gateway, or the local gateway, both driven
// by config.toml), so here only the payload is read — never use this in a verify_jwt = false function.
import type { CompanyRole } from '@rastro/contracts';
import { HttpError } from './errors.ts';

export type CallerClaims = Record<string, unknown> & {
  role?: string;
  sub?: string;
  company_id?: string;
  company_role?: string;
};

function bearerClaims(req: Request): CallerClaims {
  const token = /^Bearer\s+(\S+)$/i.exec(req.headers.get('authorization') ?? '')?.[1];
  const payload = token?.split('.')[1];
  if (!payload) {
    throw new HttpError(401, 'missing_authorization', 'Send the access token as "Authorization: Bearer <token>"');
  }
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
    if (typeof claims === 'object' && claims !== null && !Array.isArray(claims)) return claims as CallerClaims;
  } catch {
    // falls through to the 401 below
  }
  throw new HttpError(401, 'invalid_jwt', 'The access token cannot be read');
}

/**
 * Claims of a signed-in member acting for their current company with one of `roles`. The database
 * checks membership and role again (RLS, security-definer RPCs): this only answers early and clearly.
 */
export function memberClaims(
  req: Request,
  roles: readonly CompanyRole[],
): CallerClaims & { sub: string; company_id: string } {
  const claims = bearerClaims(req);
  if (claims.role !== 'authenticated' || typeof claims.sub !== 'string') {
    throw new HttpError(401, 'not_a_user', 'Sign in: this function needs a user access token');
  }
  if (typeof claims.company_id !== 'string') {
    throw new HttpError(403, 'no_company', 'Your account is not a member of any company');
  }
  if (!roles.includes(claims.company_role as CompanyRole)) {
    throw new HttpError(403, 'forbidden', `This needs one of the roles ${roles.join(', ')}`);
  }
  return claims as CallerClaims & { sub: string; company_id: string };
}

/** For workers: only the service role (pg_cron and enqueue kicks through ops.invoke_edge_function). */
export function requireServiceRole(req: Request): void {
  if (bearerClaims(req).role !== 'service_role') {
    throw new HttpError(
      403,
      'service_role_only',
      'This worker is called by pg_cron and queue kicks with the service role key',
    );
  }
}
