import type { SupabaseClient } from '@supabase/supabase-js';
import type { SessionState } from '#lib/server/session.ts';

declare global {
	namespace App {
		interface Locals {
			/** Per-request client carrying the signed-in user's JWT: every query runs under RLS. */
			supabase: SupabaseClient;
			/** The validated session, user and tenant claims; computed once per request. */
			safeGetSession(): Promise<SessionState>;
		}
	}
}

export {};
