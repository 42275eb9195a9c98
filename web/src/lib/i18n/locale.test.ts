import { describe, expect, it } from 'vitest';
import { localeFromAcceptLanguage, resolveLocale } from './locale.ts';

describe('console language', () => {
	it('reads the browser languages in order of preference', () => {
		expect(localeFromAcceptLanguage('pt-BR,pt;q=0.9,en-US;q=0.8,en;q=0.7')).toBe('pt-BR');
		expect(localeFromAcceptLanguage('en-US,en;q=0.9')).toBe('en');
		expect(localeFromAcceptLanguage('en;q=0.5, pt-BR;q=0.8')).toBe('pt-BR');
		expect(localeFromAcceptLanguage('pt-PT')).toBe('pt-BR');
		expect(localeFromAcceptLanguage('fr-FR, en-GB;q=0.4')).toBe('en');
	});

	it('finds nothing for a browser that asks for neither language', () => {
		expect(localeFromAcceptLanguage('de-DE')).toBeNull();
		expect(localeFromAcceptLanguage('de-DE,de;q=0.9,*;q=0.5')).toBeNull();
		expect(localeFromAcceptLanguage('en;q=0, de')).toBeNull();
		expect(localeFromAcceptLanguage('')).toBeNull();
		expect(localeFromAcceptLanguage(null)).toBeNull();
	});

	it('follows the person, then the browser, then the company', () => {
		expect(resolveLocale({ chosen: 'en', acceptLanguage: 'pt-BR', companyDefault: 'pt-BR' })).toBe('en');
		expect(resolveLocale({ chosen: null, acceptLanguage: 'en-US', companyDefault: 'pt-BR' })).toBe('en');
		expect(resolveLocale({ chosen: null, acceptLanguage: 'de-DE', companyDefault: 'pt-BR' })).toBe('pt-BR');
		expect(resolveLocale({ chosen: null, acceptLanguage: 'de-DE', companyDefault: 'en' })).toBe('en');
		expect(resolveLocale({ chosen: 'xx', acceptLanguage: null, companyDefault: null })).toBe('pt-BR');
	});
});
