// Everything the lead page shows, read in parallel under the user's RLS.
import type { Database } from '@rastro/contracts';
import type { SupabaseClient } from '@supabase/supabase-js';
import type { AuditEntry, Lead, LeadSync, Opportunity, StageChange } from '../leads/types.ts';

/** Audit entries shown on the lead page (newest first); older ones stay in ops.audit_log. */
export const AUDIT_ENTRIES_SHOWN = 50;

export interface LeadDetail {
	lead: Lead;
	history: StageChange[];
	audit: AuditEntry[];
	sync: LeadSync | null;
	opportunity: Opportunity | null;
}

export async function loadLeadDetail(supabase: SupabaseClient<Database>, id: string): Promise<LeadDetail | null> {
	const leads = supabase.schema('lead');
	const { data: lead, error } = await leads.from('leads').select('*').eq('id', id).maybeSingle();
	if (error) throw new Error(`loading lead ${id} failed: ${error.message}`);
	if (!lead) return null;

	// The opportunity's own changes (title, expected close date, notes) belong to this lead's story too.
	const rowIds = lead.converted_to_opportunity_id ? [lead.id, lead.converted_to_opportunity_id] : [lead.id];
	const [history, audit, sync, opportunity] = await Promise.all([
		leads.from('lead_stages').select('*').eq('lead_id', id).order('changed_at'),
		supabase
			.schema('ops')
			.from('audit_log')
			.select('*')
			.in('row_id', rowIds)
			.in('table_name', ['leads', 'opportunities'])
			.order('occurred_at', { ascending: false })
			.order('id', { ascending: false })
			.limit(AUDIT_ENTRIES_SHOWN),
		leads.from('lead_sync').select('*').eq('lead_id', id).maybeSingle(),
		lead.converted_to_opportunity_id
			? leads.from('opportunities').select('*').eq('id', lead.converted_to_opportunity_id).maybeSingle()
			: Promise.resolve({ data: null, error: null })
	]);
	for (const part of [history, audit, sync, opportunity]) {
		if (part.error) throw new Error(`loading lead ${id} failed: ${part.error.message}`);
	}
	return {
		lead,
		history: history.data ?? [],
		audit: audit.data ?? [],
		sync: sync.data ?? null,
		opportunity: opportunity.data ?? null
	};
}
