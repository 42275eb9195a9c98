// What people read for the machine-readable codes the API answers with (edge functions'
// `{error: {code, message}}`, and the hints of the RPCs' exceptions). The API's own messages are in
// English for developers; the console shows these instead (decision 0009).
import { m } from '#lib/paraglide/messages.js';

const MESSAGES: Record<string, () => string> = {
	invalid_request: m.api_error_invalid_request,
	bad_mapping_json: m.api_error_invalid_mapping,
	invalid_mapping: m.api_error_invalid_mapping,
	file_too_large: m.api_error_file_too_large,
	not_csv: m.api_error_not_csv,
	missing_header: m.api_error_missing_header,
	wrong_separator: m.api_error_wrong_separator,
	no_rows: m.api_error_no_rows,
	editor_role_required: m.api_error_editor_role_required,
	admin_role_required: m.api_error_admin_role_required,
	no_company: m.api_error_no_company,
	missing_authorization: m.api_error_session_ended,
	invalid_jwt: m.api_error_session_ended,
	not_a_user: m.api_error_session_ended,
	not_authenticated: m.api_error_session_ended,
	not_a_member: m.api_error_not_a_member,
	invalid_json: m.api_error_invalid_request,
	validation_failed: m.api_error_validation_failed,
	invalid_provider: m.api_error_invalid_request,
	lead_not_found: m.api_error_lead_not_found,
	lead_already_converted: m.api_error_lead_already_converted,
	already_converted: m.api_error_lead_already_converted,
	stage_not_active: m.api_error_stage_not_active,
	stage_list_mismatch: m.api_error_stage_list_mismatch,
	not_allowed: m.api_error_not_allowed,
	owner_not_member: m.api_error_owner_not_member,
	unsupported_locale: m.language_error_unsupported,
	import_not_found: m.api_error_import_not_found,
	function_unreachable: m.api_error_unreachable,
	unexpected_answer: m.api_error_unreachable
};

/** The catalogue's sentence for an API error code, or null for a code the console does not know. */
export function apiErrorMessage(code: string | null | undefined): string | null {
	const message = code ? MESSAGES[code] : undefined;
	return message ? message() : null;
}
