// Reads the header of a CSV file in the browser, before upload, so people map its columns to lead
// fields. Mirrors what leads-import accepts: UTF-8 with or without BOM or Windows-1252 (detected,
// shown, and the person may override it), `,` or `;` between columns (whichever the header line uses
// more of, outside quotes), RFC 4180 quoting. Only the start of the file is read (HEADER_SNIFF_BYTES),
// never the whole file.
import { type CsvEncoding } from '@rastro/contracts/lead-imports.ts';
import { importableLeadFields, type ImportableLeadField } from '@rastro/contracts/leads.ts';
import { m } from '#lib/paraglide/messages.js';

export { detectCsvEncoding } from '@rastro/contracts/lead-imports.ts';

/** The text of a file's first bytes in `encoding`; bytes that are not UTF-8 read as U+FFFD. */
export function decodeCsvPrefix(bytes: Uint8Array, complete: boolean, encoding: CsvEncoding): string {
	// stream: true keeps a character cut by the window for later instead of calling it invalid.
	return new TextDecoder(encoding).decode(bytes, { stream: !complete });
}

export const HEADER_SNIFF_BYTES = 64 * 1024;

export type CsvSeparator = ',' | ';';

export type HeaderSniff =
	| { ok: true; separator: CsvSeparator; columns: string[]; sampleRows: string[][] }
	| { ok: false; problem: string };

/** Splits one logical record starting at `start`; returns its cells and where the next record begins. */
function readRecord(text: string, start: number, separator: CsvSeparator): { cells: string[]; next: number } | null {
	const cells: string[] = [];
	let cell = '';
	let quoted = false;
	let i = start;
	while (i < text.length) {
		const c = text[i];
		if (quoted) {
			if (c === '"' && text[i + 1] === '"') {
				cell += '"';
				i += 2;
				continue;
			}
			if (c === '"') quoted = false;
			else cell += c;
			i += 1;
			continue;
		}
		if (c === '"' && cell === '') quoted = true;
		else if (c === separator) {
			cells.push(cell);
			cell = '';
		} else if (c === '\n' || c === '\r') {
			cells.push(cell);
			return { cells, next: c === '\r' && text[i + 1] === '\n' ? i + 2 : i + 1 };
		} else cell += c;
		i += 1;
	}
	// Ran out of text: a record cut by the sniff window (or an unclosed quote) is not trusted.
	return null;
}

function countOutsideQuotes(line: string, char: string): number {
	let quoted = false;
	let count = 0;
	for (const c of line) {
		if (c === '"') quoted = !quoted;
		else if (!quoted && c === char) count += 1;
	}
	return count;
}

/**
 * The header of a CSV file from its first bytes. `complete` says whether `text` is the whole file
 * (then the last line needs no line break).
 */
export function sniffCsvHeader(text: string, complete = true, sampleSize = 3): HeaderSniff {
	const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
	if (body.includes('\u0000')) return { ok: false, problem: m.imports_header_binary() };
	if (body.includes('\ufffd')) return { ok: false, problem: m.imports_header_not_utf8() };
	const padded = complete && !/[\r\n]$/.test(body) ? `${body}\n` : body;
	const firstLineEnd = padded.search(/[\r\n]/);
	const firstLine = firstLineEnd < 0 ? padded : padded.slice(0, firstLineEnd);
	if (firstLine.trim() === '') {
		return { ok: false, problem: m.imports_header_empty() };
	}

	const separator: CsvSeparator = countOutsideQuotes(firstLine, ';') > countOutsideQuotes(firstLine, ',') ? ';' : ',';
	const header = readRecord(padded, 0, separator);
	if (!header) return { ok: false, problem: m.imports_header_unreadable() };
	const columns = header.cells.map((cell) => cell.trim());
	if (columns.length === 1 && /[\t|]/.test(columns[0] ?? '')) {
		return { ok: false, problem: m.imports_header_other_separator() };
	}
	if (columns.some((column) => column === '')) {
		return { ok: false, problem: m.imports_header_blank_column() };
	}
	const repeated = columns.filter((column, index) => columns.indexOf(column) !== index);
	if (repeated.length > 0) {
		return { ok: false, problem: m.imports_header_repeated({ columns: [...new Set(repeated)].join(', ') }) };
	}

	const sampleRows: string[][] = [];
	let at = header.next;
	while (sampleRows.length < sampleSize && at < padded.length) {
		const record = readRecord(padded, at, separator);
		if (!record) break;
		at = record.next;
		if (record.cells.length === 1 && record.cells[0] === '') continue;
		sampleRows.push(record.cells);
	}
	return { ok: true, separator, columns, sampleRows };
}

/** Header names people use for each lead field (compared lower-case, without accents and punctuation). */
const SYNONYMS: Record<ImportableLeadField, string[]> = {
	email: ['email', 'e-mail', 'mail', 'email address', 'endereco de email', 'correio eletronico'],
	name: ['name', 'nome', 'full name', 'nome completo', 'contact', 'contato'],
	phone: ['phone', 'telefone', 'celular', 'mobile', 'whatsapp', 'fone', 'phone number', 'tel'],
	company_name: ['company', 'company name', 'empresa', 'organization', 'organizacao', 'razao social'],
	job_title: ['job title', 'title', 'cargo', 'position', 'funcao', 'role'],
	message: ['message', 'mensagem', 'notes', 'notas', 'observacoes', 'comment', 'comentario'],
	value: ['value', 'valor', 'amount', 'deal value', 'valor estimado'],
	score: ['score', 'lead score', 'pontuacao', 'nota'],
	external_id: ['external id', 'id externo', 'id', 'codigo', 'code'],
	utm_source: ['utm source', 'source', 'origem', 'fonte'],
	utm_medium: ['utm medium', 'medium', 'midia', 'meio'],
	utm_campaign: ['utm campaign', 'campaign', 'campanha'],
	utm_term: ['utm term', 'term', 'termo'],
	utm_content: ['utm content', 'content', 'conteudo']
};

function simplify(name: string): string {
	return name
		.normalize('NFD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[_\-.]+/g, ' ')
		.replace(/\s+/g, ' ')
		.trim();
}

export type ColumnMapping = Partial<Record<ImportableLeadField, string>>;

/** A first guess at the mapping from the header names; each column feeds at most one field. */
export function guessMapping(columns: readonly string[]): ColumnMapping {
	const mapping: ColumnMapping = {};
	const used = new Set<string>();
	for (const field of importableLeadFields) {
		const names = new Set([field.replaceAll('_', ' '), ...SYNONYMS[field].map(simplify)]);
		const column = columns.find((candidate) => !used.has(candidate) && names.has(simplify(candidate)));
		if (column) {
			mapping[field] = column;
			used.add(column);
		}
	}
	return mapping;
}
