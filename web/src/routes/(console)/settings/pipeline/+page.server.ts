import { m } from '#lib/paraglide/messages.js';
import { error, fail } from '@sveltejs/kit';
import { kindFlags, movedOrder, parseProbability, type StageKind } from '#lib/leads/stages.ts';
import { isUuid } from '#lib/leads/filters.ts';
import { loadStages, loadStageTotals } from '#lib/server/pipeline.ts';
import { errorCode, isNotAllowed } from '#lib/server/postgrest-errors.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { PostgrestError } from '@supabase/supabase-js';
import type { Actions, PageServerLoad } from './$types';

const KINDS: readonly StageKind[] = ['open', 'won', 'lost'];

export const load: PageServerLoad = async (event) => {
	const { module } = await openModule(event, 'settings');
	const [stages, totals] = await Promise.all([
		loadStages(event.locals.supabase),
		loadStageTotals(event.locals.supabase)
	]).catch((cause) => {
		console.error(cause);
		error(503, m.stages_error_load_failed());
	});
	return {
		module,
		stages: stages.map((stage) => ({ ...stage, leads: totals.get(stage.id)?.leads ?? 0 }))
	};
};

type StageForm = { name: string; probability: string; kind: string };

function readStageForm(form: FormData): { values: StageForm; errors: Record<string, string> } {
	const values = {
		name: String(form.get('name') ?? '').trim(),
		probability: String(form.get('probability') ?? ''),
		kind: String(form.get('kind') ?? 'open')
	};
	const errors: Record<string, string> = {};
	if (values.name === '') errors.name = m.stages_error_name_required();
	else if (values.name.length > 80) errors.name = m.form_error_max_chars({ max: '80' });
	if (parseProbability(values.probability) === null) errors.probability = m.stages_error_probability();
	if (!(KINDS as readonly string[]).includes(values.kind)) errors.kind = m.stages_error_kind();
	return { values, errors };
}

function writeFailure(action: string, stageId: string | null, writeError: PostgrestError, values?: StageForm) {
	if (writeError.code === '23505') {
		return fail(409, { action, stageId, values, errors: { name: m.stages_error_duplicate() } });
	}
	if (isNotAllowed(writeError) || errorCode(writeError) === 'not_allowed') {
		return fail(403, { action, stageId, values, message: m.stages_error_admins_only() });
	}
	console.error(`pipeline ${action} failed`, writeError);
	return fail(503, { action, stageId, values, message: m.stages_error_change_failed() });
}

export const actions: Actions = {
	add: async ({ request, locals }) => {
		const { values, errors } = readStageForm(await request.formData());
		if (Object.keys(errors).length > 0) return fail(400, { action: 'add', stageId: null, values, errors });

		const { claims } = await locals.safeGetSession();
		if (!claims?.companyId) error(403, m.api_error_no_company());
		const stages = await loadStages(locals.supabase);
		const { error: insertError } = await locals.supabase
			.schema('lead')
			.from('pipeline_stages')
			.insert({
				company_id: claims.companyId,
				name: values.name,
				probability: parseProbability(values.probability)!,
				position: Math.max(-1, ...stages.map((stage) => stage.position)) + 1,
				...kindFlags(values.kind as StageKind)
			});
		if (insertError) return writeFailure('add', null, insertError, values);
		return { action: 'add', added: values.name };
	},

	update: async ({ request, locals }) => {
		const form = await request.formData();
		const stageId = String(form.get('id') ?? '');
		if (!isUuid(stageId)) error(400, m.stages_error_no_such());
		const { values, errors } = readStageForm(form);
		if (Object.keys(errors).length > 0) return fail(400, { action: 'update', stageId, values, errors });

		const { data, error: updateError } = await locals.supabase
			.schema('lead')
			.from('pipeline_stages')
			.update({ name: values.name, probability: parseProbability(values.probability)!, ...kindFlags(values.kind as StageKind) })
			.eq('id', stageId)
			.select('id');
		if (updateError) return writeFailure('update', stageId, updateError, values);
		if (!data?.length) return fail(403, { action: 'update', stageId, values, message: m.stages_error_admins_only() });
		return { action: 'update', stageId, saved: values.name };
	},

	move: async ({ request, locals }) => {
		const form = await request.formData();
		const stageId = String(form.get('id') ?? '');
		const direction = form.get('direction') === 'up' ? 'up' : 'down';
		const stages = await loadStages(locals.supabase);
		const order = movedOrder(
			stages.map((stage) => stage.id),
			stageId,
			direction
		);
		if (!order) return fail(400, { action: 'move', stageId, message: m.stages_error_cannot_move() });

		const { error: reorderError } = await locals.supabase
			.schema('lead')
			.rpc('reorder_pipeline_stages', { stage_ids: order });
		if (reorderError) {
			// Someone else added or removed a stage meanwhile: the page reloads with the current list.
			if (errorCode(reorderError) === 'stage_list_mismatch') {
				return fail(409, { action: 'move', stageId, message: m.api_error_stage_list_mismatch() });
			}
			return writeFailure('move', stageId, reorderError);
		}
		return { action: 'move', stageId };
	},

	toggle: async ({ request, locals }) => {
		const form = await request.formData();
		const stageId = String(form.get('id') ?? '');
		const activate = form.get('active') === 'true';
		const stages = await loadStages(locals.supabase);
		const stage = stages.find((s) => s.id === stageId);
		if (!stage) error(404, m.stages_error_no_such());
		if (!activate && stages.filter((s) => s.is_active).length === 1 && stage.is_active) {
			return fail(409, {
				action: 'toggle',
				stageId,
				message: m.stages_error_keep_one()
			});
		}
		const { data, error: updateError } = await locals.supabase
			.schema('lead')
			.from('pipeline_stages')
			.update({ is_active: activate })
			.eq('id', stageId)
			.select('id');
		if (updateError) return writeFailure('toggle', stageId, updateError);
		if (!data?.length) return fail(403, { action: 'toggle', stageId, message: m.stages_error_admins_only() });
		return { action: 'toggle', stageId };
	}
};
