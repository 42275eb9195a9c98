import { describe, expect, it } from 'vitest';
import { csvCell, mappedColumns, reportColumns, reportFileName, reportLines, type ImportErrorRow } from './error-report.ts';

const rows: ImportErrorRow[] = [
	{ line_number: 4, reason: 'email: invalid e-mail address', raw: { 'E-mail': 'not-an-email', Nome: 'Ana, "A"' } },
	{ line_number: 9, reason: 'score: not a whole number from 0 to 100', raw: { 'E-mail': 'b@x.com', Nome: 'Bia', Extra: 'x' } },
	{ line_number: 12, reason: 'row: unclosed quote', raw: null }
];

describe('the import error report', () => {
	it('quotes cells only when CSV needs it', () => {
		expect(csvCell('plain')).toBe('plain');
		expect(csvCell('a,b')).toBe('"a,b"');
		expect(csvCell('say "hi"')).toBe('"say ""hi"""');
		expect(csvCell('two\nlines')).toBe('"two\nlines"');
		expect(csvCell(' padded')).toBe('" padded"');
		expect(csvCell(42)).toBe('42');
		expect(csvCell(null)).toBe('');
	});

	it('orders columns as the file had them, then any others', () => {
		expect(reportColumns(rows, ['Nome', 'E-mail'])).toEqual(['Nome', 'E-mail', 'Extra']);
		expect(reportColumns(rows)).toEqual(['E-mail', 'Nome', 'Extra']);
	});

	it('writes line number, reason and the raw cells of every rejected row', () => {
		expect(reportLines(rows, ['E-mail', 'Nome', 'Extra']).join('')).toBe(
			'line,reason,E-mail,Nome,Extra\r\n' +
				'4,email: invalid e-mail address,not-an-email,"Ana, ""A""",\r\n' +
				'9,score: not a whole number from 0 to 100,b@x.com,Bia,x\r\n' +
				'12,row: unclosed quote,,,\r\n'
		);
	});

	it('puts the mapped columns first, e-mail leading', () => {
		expect(mappedColumns({ columns: { name: 'Nome', value: 'Valor', email: 'E-mail' }, sync_to_crm: false })).toEqual([
			'E-mail',
			'Nome',
			'Valor'
		]);
		expect(mappedColumns(null)).toEqual([]);
	});

	it('names the download after the uploaded file', () => {
		expect(reportFileName('leads novembro.CSV')).toBe('leads-novembro-errors.csv');
		expect(reportFileName('../../etc/passwd')).toBe('..-..-etc-passwd-errors.csv');
		expect(reportFileName('"";')).toBe('import-errors.csv');
	});
});
