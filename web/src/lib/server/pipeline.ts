import type { Database } from '@rastro/contracts';
import type { SupabaseClient } from '@supabase/supabase-js';
import type { PipelineStage } from '../leads/types.ts';

/** The current company's stages in pipeline order, active and inactive. */
export async function loadStages(supabase: SupabaseClient<Database>): Promise<PipelineStage[]> {
	const { data, error } = await supabase
		.schema('lead')
		.from('pipeline_stages')
		.select('id, name, position, probability, is_won, is_lost, is_active')
		.order('position')
		.order('name');
	if (error) throw new Error(`loading pipeline stages failed: ${error.message}`);
	return data ?? [];
}

/** Leads per stage id (and their summed value), from lead.stage_totals. */
export async function loadStageTotals(
	supabase: SupabaseClient<Database>
): Promise<Map<string, { leads: number; totalValue: number }>> {
	const { data, error } = await supabase.schema('lead').from('stage_totals').select('stage_id, leads, total_value');
	if (error) throw new Error(`loading stage totals failed: ${error.message}`);
	return new Map((data ?? []).map((row) => [row.stage_id, { leads: row.leads ?? 0, totalValue: Number(row.total_value ?? 0) }]));
}
