// What an import's progress bar shows. The file is read (parsed) slice by slice while the rows found so
// far are already being applied, so until the last slice is read the number of rows in the file is not
// known: the bar then estimates the whole from the share of the file read, and the words say exactly
// what is known (bytes read, rows found, rows processed). Once the file is read it is rows done of
// rows in the file, as exact as before.
import { m } from '#lib/paraglide/messages.js';
import type { LeadImport } from '#lib/leads/types.ts';
import { formatCount, percent } from '#lib/format.ts';
import { formatSettings } from '#lib/i18n/settings.ts';

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
	return `${new Intl.NumberFormat(formatSettings().locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(bytes / 1_000_000)} MB`;
}

export function importProgress(item: ImportProgressInput): ImportProgressView {
	const size = Number(item.file_size_bytes);
	const read = Number(item.bytes_parsed);
	if (item.status === 'parsing' || item.status === 'queued') {
		const share = size > 0 ? Math.min(1, read / size) : 0;
		// Rows done of the rows the whole file is estimated to hold (rows found so far ÷ share read).
		const estimate = item.rows_parsed > 0 ? Math.min(99, Math.floor(share * (item.rows_done / item.rows_parsed) * 100)) : 0;
		const readPercent = Math.floor(share * 100);
		const counts = m.import_progress_reading({
			read: formatBytes(read),
			size: formatBytes(size),
			percent: readPercent,
			done: formatCount(item.rows_done),
			found: formatCount(item.rows_parsed)
		});
		return {
			percent: estimate,
			reading: true,
			valueText: m.import_progress_reading_value({ estimate, percent: readPercent, done: formatCount(item.rows_done) }),
			counts
		};
	}
	const done = item.status === 'completed' ? 100 : percent(item.rows_done, item.rows_total);
	const total = item.rows_total === null ? m.import_progress_unknown() : formatCount(item.rows_total);
	return {
		percent: done,
		reading: false,
		valueText: m.import_progress_value({ percent: done, done: formatCount(item.rows_done), total }),
		counts: m.import_progress_counts({ done: formatCount(item.rows_done), total: item.rows_total === null ? '…' : formatCount(item.rows_total) })
	};
}
