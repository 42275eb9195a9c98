// The caller as a member of a company, for functions a signed-in user calls (verify_jwt = true): the
// one claims check of every such function. A role set (named once in @rastro/contracts, the same as
// core.is_company_editor() / is_company_admin() in SQL) has one 403 code, answered both when the token's
// role is not in it and when the database, checking again, refuses the member.
import { adminRoles, type CompanyRole, editorRoles } from '@rastro/contracts';
import { bearerClaims, type JwtClaims } from './claims.ts';
import { HttpError } from './errors.ts';

export type MemberClaims = JwtClaims & { sub: string; company_id: string; company_role: CompanyRole };

/** editor: writes leads, opportunities and imports. admin: the company's set-up (stages, integrations). */
export const roleSets = {
  editor: { roles: editorRoles, code: 'editor_role_required' },
  admin: { roles: adminRoles, code: 'admin_role_required' },
} as const;

export type RoleSet = keyof typeof roleSets;

/** The 403 of a member outside `set` (also for a refusal the database reports, e.g. RLS or 42501). */
export function roleRequired(set: RoleSet): HttpError {
  const { roles, code } = roleSets[set];
  return new HttpError(403, code, `This needs one of the roles ${roles.join(', ')}`);
}

/**
 * Claims of a signed-in member acting for their current company with a role of `set`. The database
 * checks membership and role again (RLS, security-definer RPCs): this only answers early and clearly.
 */
export function memberClaims(req: Request, set: RoleSet): MemberClaims {
  const claims = bearerClaims(req);
  if (claims.role !== 'authenticated' || typeof claims.sub !== 'string') {
    throw new HttpError(401, 'not_a_user', 'Sign in: this function needs a user access token');
  }
  if (typeof claims.company_id !== 'string') {
    throw new HttpError(403, 'no_company', 'Your account is not a member of any company');
  }
  if (!roleSets[set].roles.includes(claims.company_role as CompanyRole)) throw roleRequired(set);
  return claims as MemberClaims;
}
