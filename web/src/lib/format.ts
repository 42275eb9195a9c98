// How dates, amounts and counts read in the console: Intl for the active locale, times in the current
// company's time zone, money in the value's own currency (the company's default when it has none).
// Every function takes the settings of the request (#lib/i18n/settings.ts) unless given others.
import { formatSettings, type FormatSettings } from '#lib/i18n/settings.ts';

type Settings = Partial<FormatSettings>;
type DateInput = string | Date | null | undefined;

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();

function settingsWith(overrides: Settings | undefined): FormatSettings {
	return { ...formatSettings(), ...overrides };
}

function dateFormat(kind: 'dateTime' | 'date', { locale, timeZone }: FormatSettings): Intl.DateTimeFormat {
	const key = `${kind}|${locale}|${timeZone}`;
	let format = cache.get(key) as Intl.DateTimeFormat | undefined;
	if (!format) {
		const time = kind === 'dateTime' ? ({ hour: '2-digit', minute: '2-digit' } as const) : {};
		format = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', ...time, timeZone });
		cache.set(key, format);
	}
	return format;
}

function numberFormat(locale: string, currency?: string): Intl.NumberFormat {
	const key = `number|${locale}|${currency ?? ''}`;
	let format = cache.get(key) as Intl.NumberFormat | undefined;
	if (!format) {
		format = new Intl.NumberFormat(locale, currency ? { style: 'currency', currency, currencyDisplay: 'symbol' } : {});
		cache.set(key, format);
	}
	return format;
}

function asDate(value: DateInput): Date | null {
	if (!value) return null;
	const date = value instanceof Date ? value : new Date(value);
	return Number.isNaN(date.getTime()) ? null : date;
}

/** "22 de nov. de 2026, 03:23" / "Nov 22, 2026, 03:23 AM" in the company's time zone; '—' for none. */
export function formatDateTime(value: DateInput, settings?: Settings): string {
	const date = asDate(value);
	return date ? dateFormat('dateTime', settingsWith(settings)).format(date) : '—';
}

/** "22 de nov. de 2026" / "Nov 22, 2026": the company day the instant falls on; '—' for none. */
export function formatDate(value: DateInput, settings?: Settings): string {
	const date = asDate(value);
	return date ? dateFormat('date', settingsWith(settings)).format(date) : '—';
}

/**
 * An amount in its own currency ("R$ 1.234,56" in pt-BR, "R$1,234.56" in en); the company's default
 * currency when the value carries none. '—' for none. Never add amounts of different currencies.
 */
export function formatMoney(value: number | string | null | undefined, currency?: string | null, settings?: Settings): string {
	if (value === null || value === undefined || value === '') return '—';
	const amount = typeof value === 'string' ? Number(value) : value;
	if (!Number.isFinite(amount)) return '—';
	const { locale, currency: companyCurrency } = settingsWith(settings);
	return numberFormat(locale, currency || companyCurrency).format(amount);
}

/** "1.234" / "1,234". */
export function formatCount(value: number, settings?: Settings): string {
	return numberFormat(settingsWith(settings).locale).format(value);
}

/** The calendar day (YYYY-MM-DD) an instant falls on in the company's time zone. */
export function companyDay(value: string | Date, settings?: Settings): string {
	const { timeZone } = settingsWith(settings);
	const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(value));
	const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
	return `${part('year')}-${part('month')}-${part('day')}`;
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
export function formatMilliseconds(value: number | null | undefined, settings?: Settings): string {
	if (value === null || value === undefined || !Number.isFinite(value) || value < 0) return '—';
	if (value < 1000) return `${Math.round(value)} ms`;
	if (value < 60_000) {
		const seconds = new Intl.NumberFormat(settingsWith(settings).locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
		return `${seconds.format(value / 1000)} s`;
	}
	return formatSeconds(value / 1000);
}
