import { describe, expect, it } from 'vitest';
import { overwriteGetLocale } from '#lib/paraglide/runtime.js';
import { importErrorReason } from './error-reasons.ts';

let locale: 'en' | 'pt-BR' = 'pt-BR';
overwriteGetLocale(() => locale);

describe('rejected-row reasons', () => {
	it('are translated part by part, field names included', () => {
		expect(importErrorReason('email: required; phone: not a phone number (7 to 15 digits)')).toBe(
			'E-mail: obrigatório; Telefone: não é um telefone (de 7 a 15 dígitos)'
		);
		expect(importErrorReason('expected 4 fields like the header, found 3')).toBe('esperava 4 campos como no cabeçalho, encontrou 3');
		locale = 'en';
		expect(importErrorReason('value: not an amount')).toBe('Expected value: not an amount');
		expect(importErrorReason('name: Too big: expected string to have <=300 characters')).toBe('Name: longer than 300 characters');
		locale = 'pt-BR';
	});

	it('keep what they do not know as stored', () => {
		expect(importErrorReason('not imported: chunk 3 could not be applied after 5 attempts')).toBe(
			'not imported: chunk 3 could not be applied after 5 attempts'
		);
	});
});
