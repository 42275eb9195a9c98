import { error, fail } from '@sveltejs/kit';
import { m } from '#lib/paraglide/messages.js';
import { isManager } from '#lib/roles.ts';
import { openModule } from '#lib/server/require-module.ts';
import { readCompanySettings } from '#lib/settings/company-settings.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { module, role } = await openModule(event, 'settings');
	const { claims } = await event.locals.safeGetSession();
	const { data, error: loadError } = await event.locals.supabase
		.schema('core')
		.from('companies')
		.select('time_zone, default_currency, default_locale')
		.eq('id', claims?.companyId ?? '')
		.maybeSingle();
	if (loadError) {
		console.error('loading the company settings failed', loadError);
		error(503, m.settings_error_load_failed());
	}
	return { module, company: data, canManage: isManager(role) };
};

export const actions: Actions = {
	company: async ({ request, locals }) => {
		const read = readCompanySettings(await request.formData());
		if (!read.ok) return fail(400, { errors: read.errors, values: read.values, message: m.form_check_fields() });

		const { claims } = await locals.safeGetSession();
		// One statement; RLS lets only owners and back-office admins of the current company change it.
		const { data, error: saveError } = await locals.supabase
			.schema('core')
			.from('companies')
			.update(read.settings)
			.eq('id', claims?.companyId ?? '')
			.select('id');
		if (saveError) {
			console.error('saving the company settings failed', saveError);
			return fail(saveError.code === '23514' ? 400 : 503, { values: read.settings, errors: {}, message: m.error_save_failed() });
		}
		if (!data?.length) return fail(403, { values: read.settings, errors: {}, message: m.settings_error_managers_only() });
		return { saved: true };
	}
};
