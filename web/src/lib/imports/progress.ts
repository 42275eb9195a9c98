// What an import's progress bar shows. The file is read (parsed) slice by slice while the rows found so
// far are already being applied, so until the last slice is read the number of rows in the file is not
// known: the bar then estimates the whole from the share of the file read, and the words say exactly
// what is known (bytes read, rows found, rows processed). Once the file is read it is rows done of
// rows in the file, as exact as before.
import type { LeadImport } from '#lib/leads/types.ts';
import { formatCount, percent } from '#lib/format.ts';

export type ImportProgressInput = Pick<
	LeadImport,
	'status' | 'rows_total' | 'rows_done' | 'rows_failed' | 'file_size_bytes' | 'bytes_parsed' | 'rows_parsed'
>;

export type ImportProgressView = {
	/** Whole percent for the bar, 0–100. */
	percent: number;
	/** Still reading the file (rows_total unknown). */
	reading: boolean;
	/** For screen readers: the percent and what it counts. */
	valueText: string;
	/** The sentence under the bar. */
	counts: string;
};

/** "512 KB", "12.4 MB" (decimal units, as file managers show them). */
export function formatBytes(bytes: number): string {
	if (bytes <= 0) return '0 KB';
	if (bytes < 1_000_000) return `${formatCount(Math.max(1, Math.round(bytes / 1000)))} KB`;
	return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

export function importProgress(item: ImportProgressInput): ImportProgressView {
	const size = Number(item.file_size_bytes);
	const read = Number(item.bytes_parsed);
	if (item.status === 'parsing' || item.status === 'queued') {
		const share = size > 0 ? Math.min(1, read / size) : 0;
		// Rows done of the rows the whole file is estimated to hold (rows found so far ÷ share read).
		const estimate = item.rows_parsed > 0 ? Math.min(99, Math.floor(share * (item.rows_done / item.rows_parsed) * 100)) : 0;
		const readPercent = Math.floor(share * 100);
		const counts =
			`Reading the file: ${formatBytes(read)} of ${formatBytes(size)} (${readPercent} %); ` +
			`${formatCount(item.rows_done)} of ${formatCount(item.rows_parsed)} rows found so far processed`;
		return {
			percent: estimate,
			reading: true,
			valueText: `about ${estimate} %, ${readPercent} % of the file read, ${formatCount(item.rows_done)} rows processed`,
			counts
		};
	}
	const done = item.status === 'completed' ? 100 : percent(item.rows_done, item.rows_total);
	const total = item.rows_total === null ? 'unknown' : formatCount(item.rows_total);
	return {
		percent: done,
		reading: false,
		valueText: `${done} %, ${formatCount(item.rows_done)} of ${total} rows`,
		counts: `${formatCount(item.rows_done)} of ${item.rows_total === null ? '…' : formatCount(item.rows_total)} rows processed`
	};
}
