import { m } from '#lib/paraglide/messages.js';
import { error } from '@sveltejs/kit';
import { isAdmin } from '#lib/roles.ts';
import { loadStages, loadStageTotals } from '#lib/server/pipeline.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { module, role } = await openModule(event, 'pipeline');
	const { supabase } = event.locals;
	const [stages, totals, opportunities] = await Promise.all([
		loadStages(supabase),
		loadStageTotals(supabase),
		supabase
			.schema('lead')
			.from('opportunities')
			.select('id, lead_id, title, stage_id, value, currency, created_at', { count: 'exact' })
			.order('created_at', { ascending: false })
			.limit(10)
	]).catch((cause) => {
		console.error(cause);
		error(503, m.stages_error_load_failed());
	});
	if (opportunities.error) {
		console.error(opportunities.error);
		error(503, m.stages_error_load_failed());
	}

	const columns = stages
		.map((stage) => ({ ...stage, leads: totals.get(stage.id)?.leads ?? 0, totalValue: totals.get(stage.id)?.totalValue ?? 0 }))
		// An inactive stage still holding leads stays visible; an empty one is only in the settings.
		.filter((stage) => stage.is_active || stage.leads > 0);

	return {
		module,
		columns,
		opportunities: opportunities.data ?? [],
		opportunityCount: opportunities.count ?? 0,
		canManage: isAdmin(role)
	};
};
