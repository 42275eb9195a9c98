import { describe, expect, it } from 'vitest';
import { overwriteGetLocale } from '#lib/paraglide/runtime.js';
import { decodeCsvPrefix, detectCsvEncoding, guessMapping, sniffCsvHeader } from './csv-header.ts';

// The problems are checked in English; the catalogue test checks pt-BR has each of them.
overwriteGetLocale(() => 'en');

/** Latin-1 text as Windows-1252 bytes, the way Excel saves "CSV (separado por vírgulas)". */
const windows1252 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

describe('reading a CSV header in the browser', () => {
	it('reads a comma-separated header and a few sample rows', () => {
		expect(sniffCsvHeader('email,name,phone\na@x.com,Ana,11 99999-0000\nb@x.com,Bia,\n')).toEqual({
			ok: true,
			separator: ',',
			columns: ['email', 'name', 'phone'],
			sampleRows: [
				['a@x.com', 'Ana', '11 99999-0000'],
				['b@x.com', 'Bia', '']
			]
		});
	});

	it('picks ; when the header uses it, strips a BOM and reads CRLF lines', () => {
		const sniff = sniffCsvHeader('\ufeffE-mail;Nome;Valor\r\nana@x.com;"Souza; Ana";1.500,00\r\n');
		expect(sniff).toMatchObject({ ok: true, separator: ';', columns: ['E-mail', 'Nome', 'Valor'] });
		expect(sniff.ok && sniff.sampleRows).toEqual([['ana@x.com', 'Souza; Ana', '1.500,00']]);
	});

	it('keeps quoted separators, doubled quotes and line breaks inside a cell', () => {
		const sniff = sniffCsvHeader('"e-mail","full, name","notes"\nx@y.z,"Ana ""A"" Souza","line 1\nline 2"\n');
		expect(sniff).toMatchObject({ ok: true, columns: ['e-mail', 'full, name', 'notes'] });
		expect(sniff.ok && sniff.sampleRows).toEqual([['x@y.z', 'Ana "A" Souza', 'line 1\nline 2']]);
	});

	it('reads a file without a final line break when it is the whole file', () => {
		expect(sniffCsvHeader('email;nome')).toMatchObject({ ok: true, columns: ['email', 'nome'], sampleRows: [] });
	});

	it('does not trust a record cut by the end of the sniffed window', () => {
		const sniff = sniffCsvHeader('email,name\na@x.com,Ana\nb@x.com,Bi', false);
		expect(sniff.ok && sniff.sampleRows).toEqual([['a@x.com', 'Ana']]);
	});

	it('explains what is wrong with files it cannot use', () => {
		expect(sniffCsvHeader('')).toMatchObject({ ok: false, problem: expect.stringContaining('empty') });
		expect(sniffCsvHeader('\nemail\n')).toMatchObject({ ok: false, problem: expect.stringContaining('first line') });
		expect(sniffCsvHeader('email,,name\n')).toMatchObject({ ok: false, problem: expect.stringContaining('blank') });
		expect(sniffCsvHeader('email,name,email\n')).toMatchObject({ ok: false, problem: expect.stringContaining('email') });
		expect(sniffCsvHeader('email\tname\n')).toMatchObject({ ok: false, problem: expect.stringContaining('separated') });
		expect(sniffCsvHeader('PK\u0003\u0004\u0000\u0000binary')).toMatchObject({ ok: false, problem: expect.stringContaining('CSV') });
	});
});

describe('the encoding of the file', () => {
	it('detects UTF-8, and Windows-1252 when the bytes are not UTF-8', () => {
		const utf8 = new TextEncoder().encode('Nome;E-mail\nJoão;j@x.com\n');
		expect(detectCsvEncoding(utf8, true)).toBe('utf-8');
		expect(detectCsvEncoding(windows1252('Nome;Cidade\nConceição;São José\n'), true)).toBe('windows-1252');
		// A prefix may cut a UTF-8 character in two: that is not held against UTF-8.
		expect(detectCsvEncoding(utf8.subarray(0, 15), false)).toBe('utf-8');
		expect(detectCsvEncoding(utf8.subarray(0, 15), true)).toBe('windows-1252');
	});

	it('decodes the header in the encoding chosen, so a wrong guess shows', () => {
		const bytes = windows1252('Nome;Cidade\nConceição;São José\n');
		const right = sniffCsvHeader(decodeCsvPrefix(bytes, true, 'windows-1252'));
		expect(right.ok && right.sampleRows).toEqual([['Conceição', 'São José']]);
		expect(sniffCsvHeader(decodeCsvPrefix(bytes, true, 'utf-8'))).toMatchObject({ ok: false, problem: expect.stringContaining('Windows-1252') });
		const utf8 = new TextEncoder().encode('Endereço;E-mail\nRua;a@x.com\n');
		expect(sniffCsvHeader(decodeCsvPrefix(utf8, true, 'windows-1252'))).toMatchObject({ ok: true, columns: ['EndereÃ§o', 'E-mail'] });
	});
});

describe('guessing the column mapping', () => {
	it('matches English and Portuguese names, ignoring case, accents and punctuation', () => {
		expect(guessMapping(['E-mail', 'Nome Completo', 'Telefone', 'Empresa', 'Cargo', 'Observações', 'Valor', 'utm_source', 'Campanha'])).toEqual({
			email: 'E-mail',
			name: 'Nome Completo',
			phone: 'Telefone',
			company_name: 'Empresa',
			job_title: 'Cargo',
			message: 'Observações',
			value: 'Valor',
			utm_source: 'utm_source',
			utm_campaign: 'Campanha'
		});
	});

	it('leaves unknown columns unmapped and uses a column once', () => {
		expect(guessMapping(['email', 'shoe size', 'Email Address'])).toEqual({ email: 'email' });
	});
});
