import { m } from '#lib/paraglide/messages.js';
import { error, fail } from '@sveltejs/kit';
import { ConvertToOpportunityInputSchema } from '@rastro/contracts/leads.ts';
import { apiErrorMessage } from '#lib/api-errors.ts';
import { formatDateTime } from '#lib/format.ts';
import { isUuid } from '#lib/leads/filters.ts';
import { fieldErrorsOf, parseAmount } from '#lib/leads/form.ts';
import { canWriteLeads } from '#lib/roles.ts';
import { loadDirectory } from '#lib/server/directory.ts';
import { AUDIT_ENTRIES_SHOWN, loadLeadDetail } from '#lib/server/lead-detail.ts';
import { loadLeadJourney } from '#lib/server/lead-journey.ts';
import { loadStages } from '#lib/server/pipeline.ts';
import { errorCode, isNotAllowed } from '#lib/server/postgrest-errors.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { module, role } = await openModule(event, 'leads');
	const { supabase } = event.locals;
	if (!isUuid(event.params.id)) error(404, m.lead_error_no_such_lead());

	const [detail, stages, members, journey] = await Promise.all([
		loadLeadDetail(supabase, event.params.id),
		loadStages(supabase),
		loadDirectory(supabase),
		loadLeadJourney(supabase, event.params.id)
	]).catch((cause) => {
		console.error(cause);
		error(503, m.lead_error_load_failed());
	});
	// Another company's lead reads as absent too (RLS): nothing tells it exists.
	if (!detail) error(404, m.lead_error_not_in_company());

	return { module, ...detail, stages, members, journey, auditLimit: AUDIT_ENTRIES_SHOWN, canWrite: canWriteLeads(role) };
};

export const actions: Actions = {
	move: async ({ request, params, locals }) => {
		const form = await request.formData();
		const values = { stage_id: String(form.get('stage_id') ?? ''), reason: String(form.get('reason') ?? '').trim() };
		if (!isUuid(values.stage_id)) {
			return fail(400, { action: 'move' as const, message: m.move_error_choose_stage(), values });
		}
		if (values.reason.length > 1000) {
			return fail(400, { action: 'move' as const, message: m.move_error_reason_too_long(), values });
		}

		const { data, error: moveError } = await locals.supabase
			.schema('lead')
			.rpc('move_to_stage', { lead_id: params.id, stage_id: values.stage_id, reason: values.reason || undefined });
		if (moveError) {
			const code = errorCode(moveError);
			const message =
				code === 'stage_not_active' || code === 'lead_not_found'
					? apiErrorMessage(code)!
					: isNotAllowed(moveError)
						? m.move_error_role()
						: m.move_error_failed();
			if (!code && !isNotAllowed(moveError)) console.error('move_to_stage failed', moveError);
			return fail(code === 'lead_not_found' ? 404 : 422, { action: 'move' as const, message, values });
		}
		// A role RLS does not let update leads gets no row back rather than an error.
		if (!data?.id) {
			return fail(403, { action: 'move' as const, message: m.move_error_role(), values });
		}
		const { data: stage } = await locals.supabase
			.schema('lead')
			.from('pipeline_stages')
			.select('name')
			.eq('id', data.stage_id)
			.maybeSingle();
		return { action: 'move' as const, moved: stage?.name ?? m.move_new_stage() };
	},

	convert: async ({ request, params, locals }) => {
		const form = await request.formData();
		const values = Object.fromEntries(
			['title', 'stage_id', 'value', 'expected_close_date', 'reason'].map((key) => [key, String(form.get(key) ?? '')])
		);
		const amount = parseAmount(values.value ?? '');
		if (amount === undefined) {
			return fail(400, {
				action: 'convert' as const,
				message: m.form_check_fields(),
				errors: { value: m.lead_form_error_amount() },
				values
			});
		}
		const parsed = ConvertToOpportunityInputSchema.safeParse({
			lead_id: params.id,
			stage_id: values.stage_id,
			value: amount,
			title: values.title?.trim() || undefined,
			expected_close_date: values.expected_close_date || undefined,
			reason: values.reason?.trim() || undefined
		});
		if (!parsed.success) {
			return fail(400, {
				action: 'convert' as const,
				message: m.form_check_fields(),
				errors: fieldErrorsOf(parsed.error),
				values
			});
		}

		// A blank value means "keep the lead's value" (the RPC's default), not "no value".
		const { value, ...rest } = parsed.data;
		const { error: convertError } = await locals.supabase
			.schema('lead')
			.rpc('convert_to_opportunity', { ...rest, ...(value === null || value === undefined ? {} : { value }) });
		if (!convertError) return { action: 'convert' as const, converted: true };

		const code = errorCode(convertError);
		if (code === 'lead_already_converted') {
			const { data: lead } = await locals.supabase
				.schema('lead')
				.from('leads')
				.select('converted_at, converted_to_opportunity_id')
				.eq('id', params.id)
				.maybeSingle();
			return fail(409, {
				action: 'convert' as const,
				code,
				message: m.convert_already_on({ date: formatDateTime(lead?.converted_at) }),
				opportunityId: lead?.converted_to_opportunity_id ?? null,
				values
			});
		}
		const known = ['lead_not_found', 'stage_not_active', 'owner_not_member', 'not_allowed'];
		if (!code || !known.includes(code)) console.error('convert_to_opportunity failed', convertError);
		return fail(code === 'not_allowed' ? 403 : code === 'lead_not_found' ? 404 : 422, {
			action: 'convert' as const,
			code: code ?? 'convert_failed',
			message: (code && known.includes(code) ? apiErrorMessage(code) : null) ?? m.convert_error_failed(),
			values
		});
	}
};
