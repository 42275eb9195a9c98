import { IntegrationTestRequestSchema, IntegrationUpsertSchema } from '@rastro/contracts/integrations.ts';
import { describe, expect, it } from 'vitest';
import { overwriteGetLocale } from '#lib/paraglide/runtime.js';
import { dinamizeFieldErrors, readDinamizeForm } from './dinamize-form.ts';

// These expectations are written in English; the catalogue test checks pt-BR has the same messages.
overwriteGetLocale(() => 'en');

function formOf(fields: Record<string, string>): FormData {
	const form = new FormData();
	for (const [key, value] of Object.entries(fields)) form.append(key, value);
	return form;
}

describe('the Dinamize settings form', () => {
	it('builds the upsert with settings, custom fields and all three credentials', () => {
		const read = readDinamizeForm(
			formOf({
				contact_list_code: ' 12 ',
				custom_phone: 'cmp4',
				custom_status: '',
				sync_enabled: 'on',
				user: 'ops@empresa.com.br',
				password: 's3nha',
				client_code: '123456'
			})
		);
		expect(read.errors).toEqual({});
		expect(IntegrationUpsertSchema.parse(read.upsert)).toEqual({
			provider: 'dinamize',
			display_name: null,
			sync_enabled: true,
			settings: { contact_list_code: '12', custom_fields: { phone: 'cmp4' } },
			credentials: { user: 'ops@empresa.com.br', password: 's3nha', client_code: '123456' }
		});
		expect(IntegrationTestRequestSchema.parse(read.test)).toEqual({
			provider: 'dinamize',
			credentials: { user: 'ops@empresa.com.br', password: 's3nha', client_code: '123456' }
		});
	});

	it('keeps the stored credentials when none are typed, and tests those', () => {
		const read = readDinamizeForm(formOf({ contact_list_code: '7' }));
		expect(read.upsert).not.toHaveProperty('credentials');
		expect(read.test).toEqual({ provider: 'dinamize' });
		expect(IntegrationUpsertSchema.parse(read.upsert).sync_enabled).toBe(false);
	});

	it('asks for all three credentials once one is typed', () => {
		expect(readDinamizeForm(formOf({ contact_list_code: '7', user: 'ops@x.com' })).errors).toEqual({
			password: 'Fill in all three to change the credentials',
			client_code: 'Fill in all three to change the credentials'
		});
	});

	it('never sends the password back to the page', () => {
		expect(readDinamizeForm(formOf({ password: 'secret', user: 'u' })).values).not.toHaveProperty('password');
	});

	it('puts contract errors next to the form fields', () => {
		const read = readDinamizeForm(
			formOf({ contact_list_code: 'abc', custom_job_title: 'field9', user: 'u@x.com', password: 'p', client_code: '12a' })
		);
		const result = IntegrationUpsertSchema.safeParse(read.upsert);
		expect(dinamizeFieldErrors(result.error!)).toEqual({
			contact_list_code: 'A code of digits',
			custom_job_title: 'A Dinamize field code such as cmp4',
			client_code: 'A code of digits'
		});
	});
});
