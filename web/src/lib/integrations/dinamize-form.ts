// The Dinamize settings form: posted fields → the integrations function's contracts, and zod issues →
// one message per form field. The password is never kept in what goes back to the page.
import { m } from '#lib/paraglide/messages.js';
import { dinamizeMappableLeadFields, type IntegrationUpsert } from '@rastro/contracts/integrations.ts';
import type { z } from 'zod';

export const CREDENTIAL_FIELDS = ['user', 'password', 'client_code'] as const;

/** Form field of a custom-field mapping, e.g. custom_phone. */
export function customFieldName(field: (typeof dinamizeMappableLeadFields)[number]): string {
	return `custom_${field}`;
}

export interface DinamizeForm {
	/** What to validate with IntegrationUpsertSchema. */
	upsert: Record<string, unknown>;
	/** What to validate with IntegrationTestRequestSchema (credentials only when all were typed). */
	test: Record<string, unknown>;
	/** Posted values without the password, to fill the form again. */
	values: Record<string, string>;
	errors: Record<string, string>;
}

export function readDinamizeForm(form: FormData): DinamizeForm {
	const text = (name: string) => String(form.get(name) ?? '').trim();
	const values: Record<string, string> = {
		contact_list_code: text('contact_list_code'),
		display_name: text('display_name'),
		user: text('user'),
		client_code: text('client_code'),
		sync_enabled: form.get('sync_enabled') === 'on' ? 'on' : ''
	};
	const customFields: Record<string, string> = {};
	for (const field of dinamizeMappableLeadFields) {
		const code = text(customFieldName(field));
		values[customFieldName(field)] = code;
		if (code) customFields[field] = code;
	}

	const password = String(form.get('password') ?? '');
	const typed = { user: values.user!, password, client_code: values.client_code! };
	const someTyped = Object.values(typed).some((value) => value !== '');
	const errors: Record<string, string> = {};
	if (someTyped) {
		for (const name of CREDENTIAL_FIELDS) {
			if (typed[name] === '') errors[name] = m.dinamize_error_all_three();
		}
	}
	const credentials = someTyped ? { credentials: typed } : {};

	return {
		upsert: {
			provider: 'dinamize',
			display_name: values.display_name || null,
			sync_enabled: values.sync_enabled === 'on',
			settings: { contact_list_code: values.contact_list_code, custom_fields: customFields },
			...credentials
		},
		test: { provider: 'dinamize', ...credentials },
		values,
		errors
	};
}

/** The form field an issue of IntegrationUpsertSchema / IntegrationTestRequestSchema belongs to. */
function formField(path: readonly PropertyKey[]): string {
	const [first, second, third] = path.map(String);
	if (first === 'credentials' && second) return second;
	if (first === 'settings' && second === 'custom_fields' && third) return `custom_${third}`;
	if (first === 'settings' && second) return second;
	return first ?? 'form';
}

export function dinamizeFieldErrors(error: z.ZodError): Record<string, string> {
	const errors: Record<string, string> = {};
	for (const issue of error.issues) {
		const field = formField(issue.path);
		errors[field] ??= issue.code === 'too_small' ? m.form_error_required() : issue.message.charAt(0).toUpperCase() + issue.message.slice(1);
	}
	return errors;
}

export type { IntegrationUpsert };
