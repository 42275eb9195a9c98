// The lead form (create and edit): from the posted form fields to the object the zod contracts
// validate, and from zod's issues to one message per field, shown next to it.
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
	if (!/^\d+([.,]\d{1,2})?$/.test(compact)) return undefined;
	return Number(compact.replace(',', '.'));
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
		if (amount === undefined) errors.value = 'Enter an amount such as 1500 or 1500.50';
		else input.value = amount;
	}
	if ('score' in values) {
		const score = parseScore(values.score ?? '');
		if (score === undefined) errors.score = 'Enter a whole number from 0 to 100';
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
				? `Use at most ${issue.maximum} characters`
				: `Must be at most ${issue.maximum}`;
		case 'too_small':
			return issue.origin === 'string' ? 'Required' : `Must be at least ${issue.minimum}`;
		case 'invalid_format':
			return 'Choose an option from the list';
		case 'invalid_value':
			return 'Choose an option from the list';
		case 'invalid_type':
			return issue.expected === 'number' ? 'Enter a number' : 'Required';
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
