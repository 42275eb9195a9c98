import { LeadCreateSchema, LeadUpdateSchema } from '@rastro/contracts/leads.ts';
import { describe, expect, it } from 'vitest';
import { overwriteGetLocale } from '#lib/paraglide/runtime.js';
import { fieldErrorsOf, parseAmount, readLeadForm } from './form.ts';

// These expectations are written in English; the catalogue test checks pt-BR has the same messages.
overwriteGetLocale(() => 'en');

const STAGE = '6170ae78-1ae3-4c63-8df4-cd6e59be01a0';

function formOf(fields: Record<string, string>): FormData {
	const form = new FormData();
	for (const [key, value] of Object.entries(fields)) form.append(key, value);
	return form;
}

describe('reading the lead form', () => {
	it('turns posted strings into what the create contract takes', () => {
		const { input, errors } = readLeadForm(
			formOf({
				name: ' Ana Souza ',
				email: 'ana@example.com',
				phone: '',
				company_name: 'Souza Ltda',
				job_title: '',
				message: '',
				status: 'contacted',
				stage_id: STAGE,
				owner_id: '',
				value: '1500,50',
				score: '80',
				sync_to_crm_shown: '1',
				sync_to_crm: 'on'
			})
		);
		expect(errors).toEqual({});
		const parsed = LeadCreateSchema.parse(input);
		expect(parsed).toMatchObject({
			name: 'Ana Souza',
			email: 'ana@example.com',
			phone: null,
			status: 'contacted',
			stage_id: STAGE,
			owner_id: null,
			value: 1500.5,
			score: 80,
			sync_to_crm: true,
			origin: 'manual'
		});
	});

	it('reads an unticked sync checkbox as false, and leaves fields the form lacks alone', () => {
		const { input } = readLeadForm(formOf({ name: 'Ana', sync_to_crm_shown: '1' }));
		expect(input).toEqual({ name: 'Ana', sync_to_crm: false });
		expect(LeadUpdateSchema.parse(input)).toEqual({ name: 'Ana', sync_to_crm: false });
	});

	it('reports numbers that are not numbers before validating', () => {
		const { errors, input } = readLeadForm(formOf({ value: '12abc', score: '101.5' }));
		expect(errors).toEqual({
			value: 'Enter an amount such as 1500 or 1,500.50',
			score: 'Enter a whole number from 0 to 100'
		});
		expect(input).toEqual({});
	});

	it('keeps what was posted to fill the form again', () => {
		expect(readLeadForm(formOf({ email: 'not-an-email', value: 'x' })).values).toEqual({ email: 'not-an-email', value: 'x' });
	});
});

describe('errors next to fields', () => {
	it('names the field and says what is wrong in plain words', () => {
		const result = LeadCreateSchema.safeParse(readLeadForm(formOf({ email: 'not-an-email', name: 'x'.repeat(301), score: '150' })).input);
		expect(result.success).toBe(false);
		expect(fieldErrorsOf(result.error!)).toEqual({
			email: 'Invalid e-mail address',
			name: 'Use at most 300 characters',
			score: 'Must be at most 100'
		});
	});

	it('asks for an e-mail or a phone when both are blank', () => {
		const result = LeadCreateSchema.safeParse(readLeadForm(formOf({ name: 'Ana', email: '', phone: '' })).input);
		expect(fieldErrorsOf(result.error!)).toEqual({ email: 'An e-mail or a phone is required' });
	});

	it('refuses a status people cannot set by hand', () => {
		const result = LeadUpdateSchema.safeParse(readLeadForm(formOf({ status: 'converted' })).input);
		expect(fieldErrorsOf(result.error!)).toEqual({ status: 'Choose an option from the list' });
	});
});

describe('amounts as people type them', () => {
	it('reads decimal commas and grouped thousands in either convention', () => {
		expect(parseAmount('1500')).toBe(1500);
		expect(parseAmount('1500,5')).toBe(1500.5);
		expect(parseAmount('1.234,56')).toBe(1234.56);
		expect(parseAmount('1,234.56')).toBe(1234.56);
		expect(parseAmount('1.234.567')).toBe(1234567);
		expect(parseAmount('')).toBeNull();
		expect(parseAmount('1.2.3')).toBeUndefined();
		expect(parseAmount('12,345,6')).toBeUndefined();
	});
});
