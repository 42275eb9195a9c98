// What people read when leads-import refuses a file (codes: packages/contracts/src/lead-imports.ts).
import { ApiErrorSchema } from '@rastro/contracts/errors.ts';

const MESSAGES: Record<string, string> = {
	file_too_large: 'The file is larger than 50 MB. Split it and import each part.',
	not_csv: 'This file is not a CSV text file (UTF-8). Export it again as CSV and retry.',
	missing_header: 'The file is empty or its first line does not name the columns.',
	wrong_separator: 'The columns are not separated by “,” or “;”. Export the file again as CSV.',
	no_rows: 'The file has a header line but no rows to import.',
	editor_role_required: 'Your role cannot import leads.',
	no_company: 'Your account is not a member of any company.'
};

/** A sentence for a refused upload, from the function's `{ error: { code, message } }` answer. */
export function uploadErrorMessage(status: number, body: unknown): string {
	const parsed = ApiErrorSchema.safeParse(body);
	if (parsed.success) {
		const { code, message } = parsed.data.error;
		if (code === 'invalid_mapping') return `The column mapping does not fit the file: ${message}.`;
		return MESSAGES[code] ?? message;
	}
	if (status === 401 || status === 403) return 'Your session ended. Sign in again and retry.';
	if (status === 413) return MESSAGES.file_too_large!;
	return 'The import could not be started. Try again in a moment.';
}
