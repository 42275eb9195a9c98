import { m } from '#lib/paraglide/messages.js';
import { error, redirect } from '@sveltejs/kit';
import { LeadCreateSchema } from '@rastro/contracts/leads.ts';
import { canWriteLeads } from '#lib/roles.ts';
import { loadDirectory } from '#lib/server/directory.ts';
import { duplicateEmail, formColumns, refused, validateLeadForm } from '#lib/server/lead-write.ts';
import { loadStages } from '#lib/server/pipeline.ts';
import { isDuplicateEmail, isNotAllowed } from '#lib/server/postgrest-errors.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { module, role } = await openModule(event, 'leads');
	if (!canWriteLeads(role)) error(403, m.lead_error_cannot_add());
	const [stages, members] = await Promise.all([loadStages(event.locals.supabase), loadDirectory(event.locals.supabase)]);
	return { module, stages, members };
};

export const actions: Actions = {
	default: async ({ request, locals }) => {
		const checked = validateLeadForm(await request.formData(), LeadCreateSchema);
		if (!checked.ok) return checked.failure;

		const { stage_id: stageId, ...fields } = formColumns(checked.data);
		if (!stageId) {
			return refused(400, { values: checked.values, errors: { stage_id: m.lead_form_error_choose_stage() }, message: m.form_check_fields() });
		}

		const { claims } = await locals.safeGetSession();
		if (!claims?.companyId) error(403, m.api_error_no_company());

		const { data, error: insertError } = await locals.supabase
			.schema('lead')
			.from('leads')
			.insert({ ...fields, stage_id: stageId, company_id: claims.companyId })
			.select('id')
			.single();
		if (isDuplicateEmail(insertError)) return duplicateEmail(locals.supabase, checked.values);
		if (isNotAllowed(insertError)) {
			return refused(403, { values: checked.values, errors: {}, message: m.lead_error_role_add() });
		}
		if (insertError || !data) {
			console.error('creating a lead failed', insertError);
			return refused(503, { values: checked.values, errors: {}, message: m.lead_error_save_failed() });
		}
		redirect(303, `/leads/${data.id}`);
	}
};
