import { describe, expect, it } from 'vitest';
import { companyDay, formatCount, formatDate, formatDateTime, formatMilliseconds, formatMoney, formatSeconds, percent } from './format.ts';

const PT = { locale: 'pt-BR', timeZone: 'America/Sao_Paulo', currency: 'BRL' } as const;
const EN = { locale: 'en', timeZone: 'America/Sao_Paulo', currency: 'BRL' } as const;
// Intl separates the currency sign and its amount with a no-break space.
const nbsp = (text: string) => text.replaceAll('\u00a0', ' ');

describe('formatting', () => {
	it('shows dates and times in the company time zone, in the active language', () => {
		expect(formatDateTime('2026-11-22T06:23:06.105119+00:00', PT)).toBe('22 de nov. de 2026, 03:23');
		expect(formatDateTime('2026-11-22T06:23:06.105119+00:00', EN)).toBe('Nov 22, 2026, 03:23 AM');
		expect(formatDateTime('2026-11-22T06:23:06Z', { ...EN, timeZone: 'UTC' })).toBe('Nov 22, 2026, 06:23 AM');
		expect(formatDate('2026-12-02T02:30:00Z', PT)).toBe('1 de dez. de 2026');
		expect(formatDateTime(null, PT)).toBe('—');
		expect(formatDate('not a date', EN)).toBe('—');
	});

	it('finds the company day an instant falls on', () => {
		expect(companyDay('2026-12-01T23:30:00-03:00', PT)).toBe('2026-12-01');
		expect(companyDay('2026-12-01T23:30:00-03:00', { ...PT, timeZone: 'UTC' })).toBe('2026-12-02');
	});

	it('shows amounts in their own currency, the company default when they carry none', () => {
		expect(nbsp(formatMoney(1234.56, null, PT))).toBe('R$ 1.234,56');
		expect(formatMoney(1234.56, null, EN)).toBe('R$1,234.56');
		expect(formatMoney('250.5', 'USD', EN)).toBe('$250.50');
		expect(nbsp(formatMoney(10, 'USD', PT))).toBe('US$ 10,00');
		expect(formatMoney(10, null, { ...EN, currency: 'EUR' })).toBe('€10.00');
		expect(formatMoney(null, null, PT)).toBe('—');
	});

	it('groups digits the way each language does', () => {
		expect(formatCount(1234567, PT)).toBe('1.234.567');
		expect(formatCount(1234567, EN)).toBe('1,234,567');
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
		expect(formatMilliseconds(1500, EN)).toBe('1.5 s');
		expect(formatMilliseconds(1500, PT)).toBe('1,5 s');
		expect(formatMilliseconds(125_000)).toBe('2 min 5 s');
		expect(formatMilliseconds(null)).toBe('—');
	});
});
