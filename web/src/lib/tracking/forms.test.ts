import { describe, expect, it } from 'vitest';
import { installSnippet, parseOrigins, parsePageUrl } from './forms.ts';

describe('web-tracking forms', () => {
	it('origins: one per line or comma, cut to the origin, lower case, no duplicates', () => {
		expect(parseOrigins('https://Shop.test/path\nhttps://shop.test, http://localhost:5173')).toEqual({
			ok: true,
			origins: ['https://shop.test', 'http://localhost:5173']
		});
		expect(parseOrigins('shop.test')).toEqual({ ok: false, bad: 'shop.test' });
		expect(parseOrigins('')).toEqual({ ok: true, origins: [] });
	});

	it('page URLs as track matches them', () => {
		expect(parsePageUrl('https://shop.test/lp/?utm_source=x#top')).toBe('https://shop.test/lp');
		expect(parsePageUrl('https://shop.test')).toBe('https://shop.test/');
		expect(parsePageUrl('javascript:alert(1)')).toBeNull();
	});

	it('install snippet names the key and the functions URL', () => {
		expect(installSnippet('https://cdn.test/rastro.js', 'rk_abc', 'https://p.supabase.co/functions/v1')).toBe(
			'<script async src="https://cdn.test/rastro.js" data-site-key="rk_abc" data-endpoint="https://p.supabase.co/functions/v1"></script>'
		);
	});
});
