import type { Database } from '@rastro/contracts';
import type { SupabaseClient } from '@supabase/supabase-js';
import type { FormatSettings } from '#lib/i18n/settings.ts';
import type { SessionState } from '#lib/server/session.ts';

declare global {
	namespace App {
		interface Locals {
			/** Per-request client carrying the signed-in user's JWT: every query runs under RLS. */
			supabase: SupabaseClient<Database>;
			/** The validated session, user and tenant claims; computed once per request. */
			safeGetSession(): Promise<SessionState>;
			/** Language, company time zone and currency of this request (hooks.server.ts, decision 0009). */
			formatting: FormatSettings;
		}
	}
}

export {};
