import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime, formatMilliseconds, formatMoney, formatSeconds, percent, plural } from './format.ts';

describe('formatting', () => {
	it('shows dates and times in UTC', () => {
		expect(formatDateTime('2026-11-22T06:23:06.105119+00:00')).toBe('22 Nov 2026, 06:23 UTC');
		expect(formatDate('2026-11-22T23:59:00-03:00')).toBe('23 Nov 2026');
		expect(formatDateTime(null)).toBe('—');
		expect(formatDate('not a date')).toBe('—');
	});

	it('shows amounts in reais by default', () => {
		expect(formatMoney(1500)).toBe('R$1,500.00');
		expect(formatMoney('250.5')).toBe('R$250.50');
		expect(formatMoney(10, 'USD')).toBe('$10.00');
		expect(formatMoney(null)).toBe('—');
	});

	it('counts with the right noun', () => {
		expect(plural(1, 'lead')).toBe('1 lead');
		expect(plural(1000, 'lead')).toBe('1,000 leads');
		expect(plural(2, 'entry', 'entries')).toBe('2 entries');
	});

	it('reports progress as a whole, clamped percentage', () => {
		expect(percent(997, 1000)).toBe(99);
		expect(percent(1000, 1000)).toBe(100);
		expect(percent(5, null)).toBe(0);
		expect(percent(12, 10)).toBe(100);
	});

	it('shows spans of time in their two coarsest units', () => {
		expect(formatSeconds(0)).toBe('0 s');
		expect(formatSeconds(45)).toBe('45 s');
		expect(formatSeconds(200)).toBe('3 min 20 s');
		expect(formatSeconds(7_500)).toBe('2 h 5 min');
		expect(formatSeconds(3_600)).toBe('1 h');
		expect(formatSeconds(3 * 86_400 + 4 * 3_600 + 59)).toBe('3 d 4 h');
		expect(formatSeconds(null)).toBe('—');
		expect(formatSeconds(-1)).toBe('—');
		expect(formatMilliseconds(850)).toBe('850 ms');
		expect(formatMilliseconds(1500)).toBe('1.5 s');
		expect(formatMilliseconds(125_000)).toBe('2 min 5 s');
		expect(formatMilliseconds(null)).toBe('—');
	});
});
