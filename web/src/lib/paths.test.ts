import { describe, expect, it } from 'vitest';
import { localPath } from './paths.ts';

describe('localPath', () => {
	it('keeps paths on this site, with their query', () => {
		expect(localPath('/leads')).toBe('/leads');
		expect(localPath('/leads?page=2')).toBe('/leads?page=2');
	});

	it.each([null, undefined, '', 'leads', 'https://evil.example', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)'])(
		'falls back for %s',
		(value) => {
			expect(localPath(value)).toBe('/');
			expect(localPath(value, '/login')).toBe('/login');
		}
	);
});
