// The locale, time zone and currency every formatter in #lib/format.ts uses when not told otherwise.
// On the server they come from the request (hooks.server.ts runs each request inside its own
// settings); in the browser from the page data the root layout received. Decision 0009.
import { baseLocale, getLocale, type Locale } from '#lib/paraglide/runtime.js';

export type FormatSettings = {
	locale: Locale;
	/** IANA zone of the current company (core.companies.time_zone). */
	timeZone: string;
	/** ISO 4217 code of the current company's default currency (core.companies.default_currency). */
	currency: string;
};

export const COMPANY_DEFAULTS = { timeZone: 'America/Sao_Paulo', currency: 'BRL' } as const;

let current: () => FormatSettings = () => ({ locale: getLocale() ?? baseLocale, ...COMPANY_DEFAULTS });

/** Where the settings of "now" come from; set once per runtime (server hook, browser root layout). */
export function overwriteFormatSettings(source: () => FormatSettings): void {
	current = source;
}

export function formatSettings(): FormatSettings {
	return current();
}
