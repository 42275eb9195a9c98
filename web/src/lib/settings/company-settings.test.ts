import { describe, expect, it } from 'vitest';
import { overwriteGetLocale } from '#lib/paraglide/runtime.js';
import { readCompanySettings, timeZones } from './company-settings.ts';

overwriteGetLocale(() => 'en');

const form = (fields: Record<string, string>) => {
	const data = new FormData();
	for (const [key, value] of Object.entries(fields)) data.set(key, value);
	return data;
};

describe('company settings form', () => {
	it('accepts a known zone, an ISO currency and a console language', () => {
		expect(readCompanySettings(form({ time_zone: 'America/Sao_Paulo', default_currency: 'usd', default_locale: 'en' }))).toEqual({
			ok: true,
			settings: { time_zone: 'America/Sao_Paulo', default_currency: 'USD', default_locale: 'en' }
		});
		expect(timeZones()).toContain('America/Manaus');
		expect(timeZones()[0]).toBe('UTC');
	});

	it('names each field that is wrong', () => {
		const result = readCompanySettings(form({ time_zone: 'Mars/Olympus', default_currency: 'REAL', default_locale: 'de-DE' }));
		expect(result.ok).toBe(false);
		expect(!result.ok && Object.keys(result.errors).sort()).toEqual(['default_currency', 'default_locale', 'time_zone']);
	});
});
