import { m } from '#lib/paraglide/messages.js';
import { fail, redirect } from '@sveltejs/kit';
import type { PostgrestError } from '@supabase/supabase-js';
import { canOpenPath } from '#lib/navigation.ts';
import { localPath } from '#lib/paths.ts';
import { readTenantClaims } from '#lib/server/tenant-claims.ts';
import type { Actions } from './$types';

const SWITCH_PATH = '/switch-company';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const actions: Actions = {
	default: async ({ request, locals }) => {
		const form = await request.formData();
		const targetCompanyId = String(form.get('company_id') ?? '');
		const returnTo = localPath(form.get('return_to'));

		if (!UUID.test(targetCompanyId)) {
			return fail(400, { message: m.switcher_error_choose() });
		}
		const { claims: currentClaims } = await locals.safeGetSession();
		if (currentClaims?.companyId === targetCompanyId) redirect(303, returnTo);

		const { error } = await locals.supabase
			.schema('core')
			.rpc('switch_company', { target_company_id: targetCompanyId });
		if (error) {
			return fail(error.code === '42501' ? 403 : 502, { message: switchErrorMessage(error) });
		}

		// The access token still carries the old company until the auth server issues a new one.
		const { data, error: refreshError } = await locals.supabase.auth.refreshSession();
		if (refreshError || !data.session) {
			return fail(502, {
				message: m.switcher_error_refresh()
			});
		}
		const claims = readTenantClaims(data.session.access_token);
		if (claims.companyId !== targetCompanyId) {
			return fail(502, { message: m.switcher_error_stale() });
		}

		const returnPath = returnTo.split('?')[0] ?? '/';
		const goesBack = returnPath !== SWITCH_PATH && canOpenPath(claims.companyRole, returnPath);
		redirect(303, goesBack ? returnTo : '/');
	}
};

function switchErrorMessage(error: PostgrestError): string {
	if (error.hint === 'not_a_member') return m.switcher_error_not_a_member();
	if (error.hint === 'not_authenticated') return m.switcher_error_session_expired();
	console.error('core.switch_company failed', error);
	return m.switcher_error_generic();
}
