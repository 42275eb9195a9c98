// The lead form (create and edit): from the posted form fields to the object the zod contracts
// validate, and from zod's issues to one message per field, shown next to it.
import { m } from '#lib/paraglide/messages.js';
import type { z } from 'zod';

/** Text inputs of the lead form, posted as is (the contracts trim them and read blank as "none"). */
export const LEAD_TEXT_FIELDS = ['name', 'email', 'phone', 'company_name', 'job_title', 'message'] as const;

export type LeadFormValues = Record<string, string>;
export type FieldErrors = Record<string, string>;

export interface LeadFormInput {
	/** The object to validate with LeadCreateSchema or LeadUpdateSchema. */
	input: Record<string, unknown>;
	/** Problems found before validation (numbers that are not numbers). */
	errors: FieldErrors;
	/** What was posted, to fill the form again when it is refused. */
	values: LeadFormValues;
}

/** An amount as people type it: 1500, 1500.5 or 1500,50; null when blank, undefined when not an amount. */
export function parseAmount(raw: string): number | null | undefined {
	const compact = raw.trim().replace(/\s/g, '');
	if (compact === '') return null;
	// 1500 | 1500.5 | 1500,50 (a decimal comma, as people type in Brazil)
	if (/^\d+([.,]\d{1,2})?$/.test(compact)) return Number(compact.replace(',', '.'));
	// With thousands grouped: 1.234,56 as in pt-BR, 1,234.56 as in English.
	if (/^\d{1,3}(\.\d{3})+(,\d{1,2})?$/.test(compact)) return Number(compact.replaceAll('.', '').replace(',', '.'));
	if (/^\d{1,3}(,\d{3})+(\.\d{1,2})?$/.test(compact)) return Number(compact.replaceAll(',', ''));
	return undefined;
}

function parseScore(raw: string): number | null | undefined {
	const trimmed = raw.trim();
	if (trimmed === '') return null;
	return /^\d{1,3}$/.test(trimmed) ? Number(trimmed) : undefined;
}

/**
 * Reads the posted lead form. Fields that are not in the form stay out of `input`, so an edit only
 * touches what the form shows; `sync_to_crm` is a checkbox and counts as posted when `sync_to_crm_shown` is.
 */
export function readLeadForm(form: FormData): LeadFormInput {
	const values: LeadFormValues = {};
	for (const [key, value] of form.entries()) if (typeof value === 'string') values[key] = value;

	const input: Record<string, unknown> = {};
	const errors: FieldErrors = {};
	for (const field of LEAD_TEXT_FIELDS) if (field in values) input[field] = values[field];
	if (values.status) input.status = values.status;
	if (values.stage_id) input.stage_id = values.stage_id;
	if ('owner_id' in values) input.owner_id = values.owner_id === '' ? null : values.owner_id;
	if ('value' in values) {
		const amount = parseAmount(values.value ?? '');
		if (amount === undefined) errors.value = m.lead_form_error_amount();
		else input.value = amount;
	}
	if ('score' in values) {
		const score = parseScore(values.score ?? '');
		if (score === undefined) errors.score = m.lead_form_error_score();
		else input.score = score;
	}
	if ('sync_to_crm_shown' in values) input.sync_to_crm = values.sync_to_crm === 'on';
	return { input, errors, values };
}

function sentence(message: string): string {
	return message.charAt(0).toUpperCase() + message.slice(1);
}

/** A message for one zod issue that reads well next to a form field. */
export function issueMessage(issue: z.core.$ZodIssue): string {
	switch (issue.code) {
		case 'too_big':
			return issue.origin === 'string'
				? m.form_error_max_chars({ max: String(issue.maximum) })
				: m.form_error_max({ max: String(issue.maximum) });
		case 'too_small':
			return issue.origin === 'string' ? m.form_error_required() : m.form_error_min({ min: String(issue.minimum) });
		case 'invalid_format':
			return m.form_error_choose();
		case 'invalid_value':
			return m.form_error_choose();
		case 'invalid_type':
			return issue.expected === 'number' ? m.form_error_number() : m.form_error_required();
		default:
			return sentence(issue.message);
	}
}

/** The first problem of each field (the top-level field of the issue's path). */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
	const errors: FieldErrors = {};
	for (const issue of error.issues) {
		const field = String(issue.path[0] ?? 'form');
		errors[field] ??= issueMessage(issue);
	}
	return errors;
}
