// The company settings form (Settings → Language, time zone and currency): what it offers and how a
// posted form is checked before core.companies is updated. The database checks the same rules again
// (time_zone_is_known, default_currency_is_iso_4217, default_locale_is_supported).
import { isLocale, type Locale } from '#lib/paraglide/runtime.js';
import { m } from '#lib/paraglide/messages.js';

export type CompanySettings = { time_zone: string; default_currency: string; default_locale: Locale };

/** Currencies offered first; any other ISO 4217 code Intl knows is accepted too. */
export const COMMON_CURRENCIES = ['BRL', 'USD', 'EUR', 'ARS', 'CLP', 'COP', 'MXN', 'PEN', 'UYU', 'PYG', 'GBP'] as const;

/** Every IANA zone this runtime knows (the browser's and Postgres' lists agree on the common ones). */
export function timeZones(): string[] {
	return ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')];
}

function isCurrency(code: string): boolean {
	return /^[A-Z]{3}$/.test(code) && (Intl.supportedValuesOf('currency') as string[]).includes(code);
}

export function readCompanySettings(form: FormData):
	| { ok: true; settings: CompanySettings }
	| { ok: false; errors: Partial<Record<keyof CompanySettings, string>>; values: Record<string, string> } {
	const values = {
		time_zone: String(form.get('time_zone') ?? '').trim(),
		default_currency: String(form.get('default_currency') ?? '').trim().toUpperCase(),
		default_locale: String(form.get('default_locale') ?? '')
	};
	const errors: Partial<Record<keyof CompanySettings, string>> = {};
	if (!timeZones().includes(values.time_zone)) errors.time_zone = m.settings_error_time_zone();
	if (!isCurrency(values.default_currency)) errors.default_currency = m.settings_error_currency();
	if (!isLocale(values.default_locale)) errors.default_locale = m.language_error_unsupported();
	if (Object.keys(errors).length > 0) return { ok: false, errors, values };
	return { ok: true, settings: values as CompanySettings };
}
