import { error, fail } from '@sveltejs/kit';
import { ConvertToOpportunityInputSchema } from '@rastro/contracts/leads.ts';
import { formatDateTime } from '#lib/format.ts';
import { isUuid } from '#lib/leads/filters.ts';
import { fieldErrorsOf, parseAmount } from '#lib/leads/form.ts';
import { canWriteLeads } from '#lib/roles.ts';
import { loadDirectory } from '#lib/server/directory.ts';
import { AUDIT_ENTRIES_SHOWN, loadLeadDetail } from '#lib/server/lead-detail.ts';
import { loadStages } from '#lib/server/pipeline.ts';
import { errorCode, isNotAllowed } from '#lib/server/postgrest-errors.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { module, role } = await openModule(event, 'leads');
	const { supabase } = event.locals;
	if (!isUuid(event.params.id)) error(404, 'There is no such lead.');

	const [detail, stages, members] = await Promise.all([
		loadLeadDetail(supabase, event.params.id),
		loadStages(supabase),
		loadDirectory(supabase)
	]).catch((cause) => {
		console.error(cause);
		error(503, 'The lead could not be loaded. Try again in a moment.');
	});
	// Another company's lead reads as absent too (RLS): nothing tells it exists.
	if (!detail) error(404, 'There is no such lead in this company.');

	return { module, ...detail, stages, members, auditLimit: AUDIT_ENTRIES_SHOWN, canWrite: canWriteLeads(role) };
};

export const actions: Actions = {
	move: async ({ request, params, locals }) => {
		const form = await request.formData();
		const values = { stage_id: String(form.get('stage_id') ?? ''), reason: String(form.get('reason') ?? '').trim() };
		if (!isUuid(values.stage_id)) {
			return fail(400, { action: 'move' as const, message: 'Choose the stage to move the lead to.', values });
		}
		if (values.reason.length > 1000) {
			return fail(400, { action: 'move' as const, message: 'Keep the reason under 1,000 characters.', values });
		}

		const { data, error: moveError } = await locals.supabase
			.schema('lead')
			.rpc('move_to_stage', { lead_id: params.id, stage_id: values.stage_id, reason: values.reason || undefined });
		if (moveError) {
			const code = errorCode(moveError);
			const message =
				code === 'stage_not_active'
					? 'That stage is no longer active. Pick another one.'
					: code === 'lead_not_found'
						? 'This lead no longer exists in this company.'
						: isNotAllowed(moveError)
							? 'Your role cannot move leads.'
							: 'The lead could not be moved. Try again in a moment.';
			if (!code && !isNotAllowed(moveError)) console.error('move_to_stage failed', moveError);
			return fail(code === 'lead_not_found' ? 404 : 422, { action: 'move' as const, message, values });
		}
		// A role RLS does not let update leads gets no row back rather than an error.
		if (!data?.id) {
			return fail(403, { action: 'move' as const, message: 'Your role cannot move leads.', values });
		}
		const { data: stage } = await locals.supabase
			.schema('lead')
			.from('pipeline_stages')
			.select('name')
			.eq('id', data.stage_id)
			.maybeSingle();
		return { action: 'move' as const, moved: stage?.name ?? 'the new stage' };
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
				message: 'Check the highlighted fields.',
				errors: { value: 'Enter an amount such as 1500 or 1500.50' },
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
				message: 'Check the highlighted fields.',
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
				message: `It became an opportunity on ${formatDateTime(lead?.converted_at)}; a lead converts only once.`,
				opportunityId: lead?.converted_to_opportunity_id ?? null,
				values
			});
		}
		const messages: Record<string, string> = {
			lead_not_found: 'This lead no longer exists in this company.',
			stage_not_active: 'That stage is no longer active. Pick another one.',
			owner_not_member: 'The owner is no longer a member of this company.',
			not_allowed: 'Your role cannot convert leads.'
		};
		if (!code || !(code in messages)) console.error('convert_to_opportunity failed', convertError);
		return fail(code === 'not_allowed' ? 403 : code === 'lead_not_found' ? 404 : 422, {
			action: 'convert' as const,
			code: code ?? 'convert_failed',
			message: (code && messages[code]) ?? 'The lead could not be converted. Try again in a moment.',
			values
		});
	}
};
