// How dates, amounts and counts read in the console. Dates are shown in UTC (the server renders them
// and has no way to know the reader's zone); the date filters of the leads list use UTC days too.
const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
	day: 'numeric',
	month: 'short',
	year: 'numeric',
	hour: '2-digit',
	minute: '2-digit',
	timeZone: 'UTC'
});
const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const COUNT = new Intl.NumberFormat('en-US');

function asDate(value: string | Date | null | undefined): Date | null {
	if (!value) return null;
	const date = value instanceof Date ? value : new Date(value);
	return Number.isNaN(date.getTime()) ? null : date;
}

/** "22 Nov 2026, 06:23 UTC"; '—' when there is no date. */
export function formatDateTime(value: string | Date | null | undefined): string {
	const date = asDate(value);
	return date ? `${DATE_TIME.format(date)} UTC` : '—';
}

/** "22 Nov 2026"; '—' when there is no date. */
export function formatDate(value: string | Date | null | undefined): string {
	const date = asDate(value);
	return date ? DATE.format(date) : '—';
}

/** An amount in a currency (BRL unless told), e.g. "R$ 1,500.00"; '—' for none. */
export function formatMoney(value: number | string | null | undefined, currency = 'BRL'): string {
	if (value === null || value === undefined || value === '') return '—';
	const amount = typeof value === 'string' ? Number(value) : value;
	if (!Number.isFinite(amount)) return '—';
	return new Intl.NumberFormat('en-US', { style: 'currency', currency, currencyDisplay: 'symbol' }).format(amount);
}

export function formatCount(value: number): string {
	return COUNT.format(value);
}

/** "1 lead", "2 leads". */
export function plural(count: number, one: string, many = `${one}s`): string {
	return `${formatCount(count)} ${count === 1 ? one : many}`;
}

/** Whole percent of done/total, clamped to 0–100 (0 when the total is not known yet). */
export function percent(done: number, total: number | null | undefined): number {
	if (!total || total <= 0) return 0;
	return Math.min(100, Math.max(0, Math.floor((done / total) * 100)));
}

/** A span of time, coarsest two units: "45 s", "3 min 20 s", "2 h 5 min", "3 d 4 h"; '—' for none. */
export function formatSeconds(value: number | null | undefined): string {
	if (value === null || value === undefined || !Number.isFinite(value) || value < 0) return '—';
	const seconds = Math.floor(value);
	const units: readonly (readonly [number, string])[] = [
		[86_400, 'd'],
		[3_600, 'h'],
		[60, 'min'],
		[1, 's']
	];
	const first = units.findIndex(([size]) => seconds >= size);
	const [size, unit] = units[first] ?? [1, 's'];
	const whole = Math.floor(seconds / size);
	const next = units[first + 1];
	const rest = next ? Math.floor((seconds % size) / next[0]) : 0;
	return next && rest > 0 ? `${whole} ${unit} ${rest} ${next[1]}` : `${whole} ${unit}`;
}

/** A duration in milliseconds: "850 ms" below a second, else as formatSeconds; '—' for none. */
export function formatMilliseconds(value: number | null | undefined): string {
	if (value === null || value === undefined || !Number.isFinite(value) || value < 0) return '—';
	if (value < 1000) return `${Math.round(value)} ms`;
	if (value < 60_000) return `${(value / 1000).toFixed(1)} s`;
	return formatSeconds(value / 1000);
}
