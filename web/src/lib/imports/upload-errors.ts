// What people read when leads-import refuses a file: the catalogue's text for the function's
// machine-readable code (codes: packages/contracts/src/lead-imports.ts); the API's English message
// is for developers and shown only for a code the console does not know.
import { ApiErrorSchema } from '@rastro/contracts/errors.ts';
import { apiErrorMessage } from '#lib/api-errors.ts';
import { m } from '#lib/paraglide/messages.js';

/** A sentence for a refused upload, from the function's `{ error: { code, message } }` answer. */
export function uploadErrorMessage(status: number, body: unknown): string {
	const parsed = ApiErrorSchema.safeParse(body);
	if (parsed.success) {
		const { code, message, details } = parsed.data.error;
		if (code === 'invalid_mapping') {
			const missing = (details as { missing?: unknown } | undefined)?.missing;
			return Array.isArray(missing) && missing.length > 0
				? m.api_error_invalid_mapping_missing({ columns: missing.join(', ') })
				: m.api_error_invalid_mapping();
		}
		return apiErrorMessage(code) ?? message;
	}
	if (status === 401 || status === 403) return m.api_error_session_ended();
	if (status === 413) return m.api_error_file_too_large();
	return m.imports_upload_failed();
}
