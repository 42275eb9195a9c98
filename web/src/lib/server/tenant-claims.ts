import { isCompanyRole, type CompanyRole } from '../roles.ts';

/** The tenant claims the custom access token hook adds to every access token. */
export interface TenantClaims {
	companyId: string | null;
	companyRole: CompanyRole | null;
}

/**
 * Reads `company_id` and `company_role` from an access token's payload. This does not check the
 * signature: only call it with a token the auth server has just accepted (see `validatedSession`).
 */
export function readTenantClaims(accessToken: string): TenantClaims {
	const payload = decodePayload(accessToken);
	const companyId = payload.company_id;
	const companyRole = payload.company_role;
	return {
		companyId: typeof companyId === 'string' && companyId !== '' ? companyId : null,
		companyRole: isCompanyRole(companyRole) ? companyRole : null
	};
}

function decodePayload(token: string): Record<string, unknown> {
	const payload = token.split('.')[1];
	if (!payload) throw new Error('access token is not a JWT');
	const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
	if (typeof claims !== 'object' || claims === null) throw new Error('access token payload is not an object');
	return claims as Record<string, unknown>;
}
