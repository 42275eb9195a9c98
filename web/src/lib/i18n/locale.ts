// Which language a request is answered in (decision 0009): the person's own choice (kept on their
// profile), else the first language of the browser's Accept-Language that the console speaks, else
// the current company's default, else pt-BR (the catalogue's base locale).
import { baseLocale, isLocale, locales, type Locale } from '#lib/paraglide/runtime.js';

export { baseLocale, locales, type Locale };

export function asLocale(value: string | null | undefined): Locale | null {
	return value && isLocale(value) ? value : null;
}

/**
 * The best console language for an Accept-Language header, or null when it asks for none we have.
 * Exact tags win over a language match ("pt-PT" → pt-BR, "en-GB" → en); q=0 means "not this one".
 */
export function localeFromAcceptLanguage(header: string | null | undefined): Locale | null {
	if (!header) return null;
	const ranges = header
		.split(',')
		.map((part, order) => {
			const [tag = '', ...params] = part.trim().split(';');
			const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
			const weight = q ? Number(q.slice(2)) : 1;
			return { tag: tag.trim().toLowerCase(), weight: Number.isFinite(weight) ? weight : 0, order };
		})
		.filter((range) => range.tag && range.tag !== '*' && range.weight > 0)
		.sort((a, b) => b.weight - a.weight || a.order - b.order);

	for (const { tag } of ranges) {
		const exact = locales.find((locale) => locale.toLowerCase() === tag);
		if (exact) return exact;
		const language = tag.split('-')[0];
		const sameLanguage = locales.find((locale) => locale.toLowerCase().split('-')[0] === language);
		if (sameLanguage) return sameLanguage;
	}
	return null;
}

export type LocaleInputs = {
	/** core.user_profiles.locale: what the person chose in the header switcher. */
	chosen: string | null | undefined;
	acceptLanguage: string | null | undefined;
	/** core.companies.default_locale of the current company. */
	companyDefault: string | null | undefined;
};

export function resolveLocale({ chosen, acceptLanguage, companyDefault }: LocaleInputs): Locale {
	return asLocale(chosen) ?? localeFromAcceptLanguage(acceptLanguage) ?? asLocale(companyDefault) ?? baseLocale;
}
