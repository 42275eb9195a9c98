// Shared by the create and edit actions: validation with the lead contracts, and the answer for a
// refused form (values kept, one message per field, the lead that already has the e-mail).
import { m } from '#lib/paraglide/messages.js';
import type { Database } from '@rastro/contracts';
import type { SupabaseClient } from '@supabase/supabase-js';
import { fail } from '@sveltejs/kit';
import type { z } from 'zod';
import { fieldErrorsOf, readLeadForm, type FieldErrors, type LeadFormValues } from '../leads/form.ts';

export interface LeadFormFailure {
	values: LeadFormValues;
	errors: FieldErrors;
	message: string;
	duplicateId?: string | null;
}

export function refused(status: number, failure: LeadFormFailure) {
	return fail(status, failure);
}

/** Reads and validates the posted form; `ok: false` carries the ready-made failure. */
export function validateLeadForm<S extends z.ZodType>(form: FormData, schema: S) {
	const { input, errors, values } = readLeadForm(form);
	const parsed = schema.safeParse(input);
	const allErrors = { ...(parsed.success ? {} : fieldErrorsOf(parsed.error)), ...errors };
	if (!parsed.success || Object.keys(errors).length > 0) {
		return { ok: false as const, failure: refused(400, { values, errors: allErrors, message: m.form_check_fields() }) };
	}
	return { ok: true as const, data: parsed.data as z.output<S>, values };
}

/** The LIKE pattern matching `text` exactly (case-insensitive with ilike): wildcards escaped. */
function likeLiteral(text: string): string {
	return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The current company's lead with this e-mail (case-insensitive), as the unique index sees it. */
export async function leadIdByEmail(supabase: SupabaseClient<Database>, email: string): Promise<string | null> {
	const { data } = await supabase.schema('lead').from('leads').select('id').ilike('email', likeLiteral(email.trim())).limit(1);
	return data?.[0]?.id ?? null;
}

export async function duplicateEmail(supabase: SupabaseClient<Database>, values: LeadFormValues) {
	return refused(409, {
		values,
		errors: { email: m.lead_form_error_duplicate_email() },
		message: m.lead_form_duplicate_email(),
		duplicateId: await leadIdByEmail(supabase, values.email ?? '')
	});
}

/** The lead form has no integration fields: `extra` (Dinamize custom fields…) is never written from it. */
export function formColumns<T extends { extra?: unknown }>(data: T): Omit<T, 'extra'> {
	const columns: Partial<T> = { ...data };
	delete columns.extra;
	return columns as Omit<T, 'extra'>;
}
