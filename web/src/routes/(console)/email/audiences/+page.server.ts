import { fail } from '@sveltejs/kit';
import { m } from '#lib/paraglide/messages.js';
import { canWriteEmail, loadAudiences, rpcCode } from '#lib/server/email.ts';
import { loadStages } from '#lib/server/pipeline.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { module, role } = await openModule(event, 'email');
	const [audiences, stages] = await Promise.all([loadAudiences(event.locals.supabase), loadStages(event.locals.supabase)]);
	return { module, canWrite: canWriteEmail(role), audiences, stages };
};

export const actions: Actions = {
	create: async ({ request, locals }) => {
		const form = await request.formData();
		const name = String(form.get('name') ?? '').trim();
		if (!name) return fail(400, { message: m.email_audience_name_required() });
		const { claims } = await locals.safeGetSession();
		if (!claims?.companyId) return fail(403, { message: m.email_read_only() });
		const { error: cause } = await locals.supabase
			.schema('mtrk')
			.from('audiences')
			.insert({ company_id: claims.companyId, name, description: String(form.get('description') ?? '').trim() || null });
		if (cause) return fail(cause.code === '42501' ? 403 : 400, { message: m.error_save_failed() });
		return { done: m.email_audience_created({ name }) };
	},
	addLeads: async ({ request, locals }) => {
		const form = await request.formData();
		const stage = String(form.get('stage_id') ?? '') || null;
		const origin = String(form.get('origin') ?? '') || null;
		const { data, error: cause } = await locals.supabase.schema('mtrk').rpc('add_leads_to_audience', {
			audience_id: String(form.get('audience_id') ?? ''),
			stage_id: stage ?? undefined,
			origin: origin ?? undefined
		});
		if (cause) return fail(400, { message: rpcCode(cause) === 'not_allowed' ? m.email_read_only() : m.error_save_failed() });
		const added = data as { added: number; new_contacts: number };
		return { done: m.email_audience_leads_added({ added: added.added, created: added.new_contacts }) };
	},
	addContacts: async ({ request, locals }) => {
		const form = await request.formData();
		const lines = String(form.get('emails') ?? '')
			.split(/[\n,;]+/)
			.map((line) => line.trim())
			.filter(Boolean);
		if (lines.length === 0 || lines.length > 10000) return fail(400, { message: m.email_audience_emails_required() });
		if (lines.some((line) => !/^[^@\s]+@[^@\s]+$/.test(line))) return fail(400, { message: m.email_audience_emails_invalid() });
		const { data, error: cause } = await locals.supabase.schema('mtrk').rpc('add_contacts_to_audience', {
			audience_id: String(form.get('audience_id') ?? ''),
			contacts: lines.map((email) => ({ email }))
		});
		if (cause) return fail(400, { message: m.error_save_failed() });
		return { done: m.email_audience_contacts_added({ added: (data as { added: number }).added }) };
	}
};
