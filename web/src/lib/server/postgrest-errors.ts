import type { PostgrestError } from '@supabase/supabase-js';

/**
 * The machine code of an RPC error. Our SQL raises with the code in `hint` (e.g. lead_already_converted)
 * and an SQLSTATE PTxyz that PostgREST answers as HTTP xyz; constraint violations carry their name in
 * the message instead.
 */
export function errorCode(error: PostgrestError | null): string | null {
	if (!error) return null;
	return error.hint && /^[a-z][a-z0-9_]*$/.test(error.hint) ? error.hint : null;
}

/** Unique e-mail per company: idx_leads_company_id_lower_email. */
export function isDuplicateEmail(error: PostgrestError | null): boolean {
	return error?.code === '23505' && error.message.includes('idx_leads_company_id_lower_email');
}

/** Row level security refused the write (the role may not make it). */
export function isNotAllowed(error: PostgrestError | null): boolean {
	return error?.code === '42501';
}
