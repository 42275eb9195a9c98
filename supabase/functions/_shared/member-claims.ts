// The caller as a member of a company, for functions a signed-in user calls (verify_jwt = true).
import type { CompanyRole } from '@rastro/contracts';
import { bearerClaims, type JwtClaims } from './claims.ts';
import { HttpError } from './errors.ts';

export type MemberClaims = JwtClaims & { sub: string; company_id: string; company_role: CompanyRole };

/**
 * Claims of a signed-in member acting for their current company with one of `roles`. The database
 * checks membership and role again (RLS, security-definer RPCs): this only answers early and clearly.
 */
export function memberClaims(req: Request, roles: readonly CompanyRole[]): MemberClaims {
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
  return claims as MemberClaims;
}
