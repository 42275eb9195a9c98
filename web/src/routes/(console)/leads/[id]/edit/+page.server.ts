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
	if (!canWriteLeads(role)) error(403, 'Your role can look at leads but not change them.');
	if (!isUuid(event.params.id)) error(404, 'There is no such lead.');

	const [{ data: lead, error: loadError }, members] = await Promise.all([
		event.locals.supabase.schema('lead').from('leads').select('*').eq('id', event.params.id).maybeSingle(),
		loadDirectory(event.locals.supabase)
	]);
	if (loadError) {
		console.error(loadError);
		error(503, 'The lead could not be loaded. Try again in a moment.');
	}
	if (!lead) error(404, 'There is no such lead in this company.');

	const text = (value: string | number | null) => (value === null ? '' : String(value));
	return {
		module,
		lead: { id: lead.id, title: lead.name ?? lead.email ?? lead.phone ?? 'Lead', converted: lead.converted_at !== null },
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
			return refused(503, { values: checked.values, errors: {}, message: 'The lead could not be saved. Try again in a moment.' });
		}
		// RLS hides rows a role may not change: no row back means not allowed (or gone).
		if (!data || data.length === 0) {
			return refused(403, { values: checked.values, errors: {}, message: 'This lead cannot be changed with your role.' });
		}
		redirect(303, `/leads/${params.id}`);
	}
};
