import { m } from '#lib/paraglide/messages.js';
import { error, redirect } from '@sveltejs/kit';
import { LeadUpdateSchema } from '@rastro/contracts/leads.ts';
import { isUuid } from '#lib/leads/filters.ts';
import { canWriteLeads } from '#lib/roles.ts';
import { loadDirectory } from '#lib/server/directory.ts';
import { duplicateEmail, formColumns, refused, validateLeadForm } from '#lib/server/lead-write.ts';
import { isDuplicateEmail } from '#lib/server/postgrest-errors.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { module, role } = await openModule(event, 'leads');
	if (!canWriteLeads(role)) error(403, m.leads_read_only());
	if (!isUuid(event.params.id)) error(404, m.lead_error_no_such_lead());

	const [{ data: lead, error: loadError }, members] = await Promise.all([
		event.locals.supabase.schema('lead').from('leads').select('*').eq('id', event.params.id).maybeSingle(),
		loadDirectory(event.locals.supabase)
	]);
	if (loadError) {
		console.error(loadError);
		error(503, m.lead_error_load_failed());
	}
	if (!lead) error(404, m.lead_error_not_in_company());

	const text = (value: string | number | null) => (value === null ? '' : String(value));
	return {
		module,
		lead: { id: lead.id, title: lead.name ?? lead.email ?? lead.phone ?? m.leads_column_lead(), converted: lead.converted_at !== null },
		values: {
			name: text(lead.name),
			email: text(lead.email),
			phone: text(lead.phone),
			company_name: text(lead.company_name),
			job_title: text(lead.job_title),
			message: text(lead.message),
			status: lead.status,
			owner_id: text(lead.owner_id),
			value: text(lead.value),
			score: text(lead.score),
			sync_to_crm: lead.sync_to_crm ? 'on' : ''
		},
		members
	};
};

export const actions: Actions = {
	default: async ({ request, params, locals }) => {
		const checked = validateLeadForm(await request.formData(), LeadUpdateSchema);
		if (!checked.ok) return checked.failure;

		const { data, error: updateError } = await locals.supabase
			.schema('lead')
			.from('leads')
			.update(formColumns(checked.data))
			.eq('id', params.id)
			.select('id');
		if (isDuplicateEmail(updateError)) return duplicateEmail(locals.supabase, checked.values);
		if (updateError) {
			console.error('updating a lead failed', updateError);
			return refused(503, { values: checked.values, errors: {}, message: m.lead_error_save_failed() });
		}
		// RLS hides rows a role may not change: no row back means not allowed (or gone).
		if (!data || data.length === 0) {
			return refused(403, { values: checked.values, errors: {}, message: m.lead_error_role_change() });
		}
		redirect(303, `/leads/${params.id}`);
	}
};
