// The language and formatting settings of one request (decision 0009), read in one round trip.
import type { Database } from '@rastro/contracts';
import type { SupabaseClient } from '@supabase/supabase-js';
import { resolveLocale } from '#lib/i18n/locale.ts';
import { COMPANY_DEFAULTS, type FormatSettings } from '#lib/i18n/settings.ts';

type StoredSettings = Database['core']['Functions']['my_console_settings']['Returns'][number];

/** core.my_console_settings() for a signed-in member; null signed out. Throws when the read fails. */
export async function loadConsoleSettings(supabase: SupabaseClient<Database>): Promise<StoredSettings> {
	const { data, error } = await supabase.schema('core').rpc('my_console_settings').single();
	if (error) throw new Error(`core.my_console_settings failed: ${error.message}`, { cause: error });
	return data;
}

export function requestSettings(stored: StoredSettings | null, acceptLanguage: string | null): FormatSettings {
	return {
		locale: resolveLocale({ chosen: stored?.locale, acceptLanguage, companyDefault: stored?.company_default_locale }),
		timeZone: stored?.time_zone ?? COMPANY_DEFAULTS.timeZone,
		currency: stored?.currency ?? COMPANY_DEFAULTS.currency
	};
}
