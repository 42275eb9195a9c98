// The downloadable error report of an import: one CSV line per rejected row with its line number in the
// uploaded file, the reason, and the row's cells as read, so the file can be fixed and imported again.
import { importableLeadFields } from '@rastro/contracts/leads.ts';

export interface ImportErrorRow {
	line_number: number;
	reason: string;
	/** header → cell as read; absent for rows the CSV reader could not split. */
	raw: Record<string, unknown> | null;
}

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** One CSV cell (RFC 4180): quoted when it holds a comma, quote, line break or edge spaces. */
export function csvCell(value: unknown): string {
	const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
	return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(cells: readonly unknown[]): string {
	return `${cells.map(csvCell).join(',')}\r\n`;
}

/**
 * The report's columns after line and reason: the file's columns in their original order when known
 * (`header`), then any other column a row carried, in first-seen order.
 */
export function reportColumns(rows: readonly ImportErrorRow[], header: readonly string[] = []): string[] {
	const columns = [...header];
	const known = new Set(columns);
	for (const row of rows) {
		for (const key of Object.keys(row.raw ?? {})) {
			if (!known.has(key)) {
				known.add(key);
				columns.push(key);
			}
		}
	}
	return columns;
}

export const REPORT_FIXED_COLUMNS = ['line', 'reason'] as const;

/** The report's lines (header line first) for rows already fetched; a UTF-8 BOM is the caller's to add. */
export function reportLines(rows: readonly ImportErrorRow[], columns: readonly string[]): string[] {
	return [
		csvLine([...REPORT_FIXED_COLUMNS, ...columns]),
		...rows.map((row) => csvLine([row.line_number, row.reason, ...columns.map((column) => row.raw?.[column] ?? '')]))
	];
}

/** A safe download name: "leads-november.csv" → "leads-november-errors.csv". */
export function reportFileName(fileName: string): string {
	const base = fileName.replace(/\.csv$/i, '').replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^-+|-+$/g, '');
	return `${base || 'import'}-errors.csv`;
}

/**
 * The file columns an import's mapping (lead.lead_imports.mapping) used, in lead-field order (e-mail,
 * name, phone, …): jsonb does not keep the order the file had them in.
 */
export function mappedColumns(mapping: unknown): string[] {
	const columns = (mapping as { columns?: Record<string, unknown> } | null)?.columns ?? {};
	return importableLeadFields.map((field) => columns[field]).filter((column): column is string => typeof column === 'string');
}
