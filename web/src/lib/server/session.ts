import type { Session, SupabaseClient, User } from '@supabase/supabase-js';
import { readTenantClaims, type TenantClaims } from './tenant-claims.ts';

export type SessionState =
	| { session: Session; user: User; claims: TenantClaims }
	| { session: null; user: null; claims: null };

const SIGNED_OUT: SessionState = { session: null, user: null, claims: null };

/**
 * The session from the auth cookies, trusted only after the auth server accepts its access token:
 * cookies can be forged, `getUser` cannot. The tenant claims are read from that same token.
 */
export async function validatedSession(supabase: SupabaseClient): Promise<SessionState> {
	const {
		data: { session }
	} = await supabase.auth.getSession();
	if (!session) return SIGNED_OUT;

	const {
		data: { user },
		error
	} = await supabase.auth.getUser(session.access_token);
	if (error || !user) return SIGNED_OUT;

	return { session, user, claims: readTenantClaims(session.access_token) };
}
