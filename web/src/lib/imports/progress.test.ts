import { describe, expect, it } from 'vitest';
import { overwriteGetLocale } from '#lib/paraglide/runtime.js';
import { formatBytes, importProgress, type ImportProgressInput } from './progress.ts';

// These expectations are written in English; the pt-BR text is checked by the e2e suite.
overwriteGetLocale(() => 'en');

const base: ImportProgressInput = {
	status: 'parsing',
	rows_total: null,
	rows_done: 0,
	rows_failed: 0,
	file_size_bytes: 10_000_000,
	bytes_parsed: 0,
	rows_parsed: 0
};

describe('import progress', () => {
	it('while the file is read, estimates the whole and says what is known', () => {
		const start = importProgress(base);
		expect(start).toMatchObject({ percent: 0, reading: true });
		expect(start.counts).toBe('Reading the file: 0 KB of 10.0 MB (0 %); 0 of 0 rows found so far processed');

		const half = importProgress({ ...base, bytes_parsed: 4_000_000, rows_parsed: 80_000, rows_done: 40_000 });
		expect(half.percent).toBe(20);
		expect(half.counts).toBe('Reading the file: 4.0 MB of 10.0 MB (40 %); 40,000 of 80,000 rows found so far processed');
		expect(half.valueText).toBe('about 20 %, 40 % of the file read, 40,000 rows processed');

		const read = importProgress({ ...base, bytes_parsed: 10_000_000, rows_parsed: 5, rows_done: 5 });
		expect(read.percent).toBe(99);
	});

	it('once the file is read, counts rows done of rows in the file', () => {
		const processing = importProgress({ ...base, status: 'processing', rows_total: 1000, rows_done: 250, bytes_parsed: 10_000_000, rows_parsed: 1000 });
		expect(processing).toEqual({
			percent: 25,
			reading: false,
			valueText: '25 %, 250 of 1,000 rows',
			counts: '250 of 1,000 rows processed'
		});
		expect(importProgress({ ...base, status: 'completed', rows_total: 3, rows_done: 3 }).percent).toBe(100);
		expect(importProgress({ ...base, status: 'failed', rows_total: null, rows_done: 7 }).counts).toBe('7 of … rows processed');
	});

	it('writes sizes as file managers do', () => {
		expect(formatBytes(0)).toBe('0 KB');
		expect(formatBytes(300)).toBe('1 KB');
		expect(formatBytes(512_000)).toBe('512 KB');
		expect(formatBytes(52_428_800)).toBe('52.4 MB');
	});
});
