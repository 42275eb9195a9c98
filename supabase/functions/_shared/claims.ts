// Reading the caller's JWT claims. Functions with verify_jwt = true only run after Supabase's gateway
// (or the local stack's) has checked the signature and expiry, so here the payload is decoded, not
// re-verified. Anything that acts on a company re-checks membership and role in the database
// (core.current_company_id / core.has_company_role), so a removed member loses access at once.
import { HttpError } from './errors.ts';

export type JwtClaims = Record<string, unknown> & { role?: unknown; sub?: unknown };

/** The claims of the bearer token, or a 401 when there is none or it is not a JWT. */
export function bearerClaims(req: Request): JwtClaims {
  const header = req.headers.get('authorization') ?? '';
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (!token) throw new HttpError(401, 'missing_authorization', 'Send the access token as Authorization: Bearer <jwt>');
  const payload = token.split('.')[1];
  if (!payload || token.split('.').length !== 3) {
    throw new HttpError(401, 'invalid_jwt', 'The access token is not a JWT');
  }
  try {
    const json = atob(payload.replaceAll('-', '+').replaceAll('_', '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    const claims: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (char) => char.charCodeAt(0))));
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new Error('not an object');
    return claims as JwtClaims;
  } catch {
    throw new HttpError(401, 'invalid_jwt', 'The access token payload is not readable');
  }
}

/** For workers: only the service role (pg_cron and enqueue kicks call with the service-role key). */
export function requireServiceRole(req: Request): void {
  if (bearerClaims(req).role !== 'service_role') {
    throw new HttpError(403, 'service_role_required', 'Only the service role may run this worker');
  }
}
