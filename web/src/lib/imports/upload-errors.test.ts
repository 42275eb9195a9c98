import { describe, expect, it } from 'vitest';
import { overwriteGetLocale } from '#lib/paraglide/runtime.js';
import { uploadErrorMessage } from './upload-errors.ts';

let locale: 'en' | 'pt-BR' = 'en';
overwriteGetLocale(() => locale);

const answer = (code: string, message = 'raw message', details?: unknown) => ({ error: { code, message, details } });

describe('messages for a refused upload', () => {
	it('explains the file problems leads-import reports, from the catalogue, by code', () => {
		expect(uploadErrorMessage(422, answer('wrong_separator'))).toContain('“,” or “;”');
		expect(uploadErrorMessage(413, answer('file_too_large'))).toContain('50 MB');
		expect(uploadErrorMessage(422, answer('no_rows'))).toContain('no rows');
		locale = 'pt-BR';
		expect(uploadErrorMessage(422, answer('no_rows'))).toBe('O arquivo tem a linha de cabeçalho, mas nenhuma linha para importar.');
		locale = 'en';
	});

	it('names the columns a mapping asks for and the file lacks', () => {
		expect(uploadErrorMessage(422, answer('invalid_mapping', 'The mapping names columns the file does not have: Nome', { missing: ['Nome'] }))).toBe(
			'The column mapping does not fit the file: it has no column Nome.'
		);
	});

	it('falls back on the status when the answer is not the error shape', () => {
		expect(uploadErrorMessage(413, null)).toContain('50 MB');
		expect(uploadErrorMessage(401, '<html>')).toContain('Sign in again');
		expect(uploadErrorMessage(502, null)).toContain('Try again');
		expect(uploadErrorMessage(400, answer('something_new', 'Something new happened'))).toBe('Something new happened');
	});
});
