import { fail } from '@sveltejs/kit';
import { m } from '#lib/paraglide/messages.js';
import { isAdmin } from '#lib/roles.ts';
import { loadSuppression } from '#lib/server/email.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { module, role } = await openModule(event, 'email');
	return { module, canManage: isAdmin(role), ...(await loadSuppression(event.locals.supabase)) };
};

export const actions: Actions = {
	add: async ({ request, locals }) => {
		const form = await request.formData();
		const email = String(form.get('email') ?? '').trim();
		if (!/^[^@\s]+@[^@\s]+$/.test(email)) return fail(400, { message: m.email_audience_emails_invalid() });
		const { claims } = await locals.safeGetSession();
		if (!claims?.companyId) return fail(403, { message: m.email_read_only() });
		const { error: cause } = await locals.supabase
			.schema('ops')
			.from('suppression_list')
			.insert({ company_id: claims.companyId, email, reason: 'manual', note: String(form.get('note') ?? '').trim() || null });
		if (cause?.code === '23505') return fail(409, { message: m.email_suppression_already() });
		if (cause) return fail(cause.code === '42501' ? 403 : 400, { message: m.error_save_failed() });
		return { done: m.email_suppression_added({ email }) };
	},
	remove: async ({ request, locals }) => {
		const form = await request.formData();
		const { error: cause, count } = await locals.supabase
			.schema('ops')
			.from('suppression_list')
			.delete({ count: 'exact' })
			.eq('id', String(form.get('id') ?? ''))
			.eq('reason', 'manual');
		if (cause || !count) return fail(403, { message: m.email_suppression_remove_refused() });
		return { done: m.email_suppression_removed() };
	}
};
