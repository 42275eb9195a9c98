// The leads list query: filters, sort and one page, with the exact count PostgREST computes in the same
// request (Prefer: count=exact). Every condition lands on an index of lead.leads (see its migration):
// company_id first (RLS adds it), then status / stage / origin / owner / created_at. A text search
// goes through lead.search_leads, whose trigram index RLS would otherwise keep unused (see
// 20261122001800_create_lead_search.sql); the same filters, order and range then apply to its rows.
import type { Database } from '@rastro/contracts';
import type { SupabaseClient } from '@supabase/supabase-js';
import type { LeadListRow } from '../leads/types.ts';
import { createdBounds, pageRange, UNASSIGNED, type LeadFilters } from '../leads/filters.ts';

export const LEAD_LIST_COLUMNS =
	'id, name, email, phone, company_name, status, origin, stage_id, owner_id, value, score, created_at, updated_at, converted_at';

export type LeadPage =
	| { kind: 'page'; rows: LeadListRow[]; total: number }
	/** The page asked for lies past the last one (e.g. after filtering); `total` says how many there are. */
	| { kind: 'past-end'; total: number };

// PostgREST 12 filters and orders an RPC's rows only on selected columns, so the list selects every
// column it filters or sorts on (LEAD_LIST_COLUMNS does).
function filtered(supabase: SupabaseClient<Database>, filters: LeadFilters, columns: string, head = false) {
	const leads = supabase.schema('lead');
	let query = filters.q
		? leads.rpc('search_leads', { query: filters.q }, { count: 'exact', head, get: true }).select(columns)
		: leads.from('leads').select(columns, { count: 'exact', head });
	if (filters.statuses.length === 1) query = query.eq('status', filters.statuses[0]!);
	else if (filters.statuses.length > 1) query = query.in('status', filters.statuses);
	if (filters.stageId) query = query.eq('stage_id', filters.stageId);
	if (filters.origin) query = query.eq('origin', filters.origin);
	if (filters.owner === UNASSIGNED) query = query.is('owner_id', null);
	else if (filters.owner) query = query.eq('owner_id', filters.owner);
	const { gte, lt } = createdBounds(filters);
	if (gte) query = query.gte('created_at', gte);
	if (lt) query = query.lt('created_at', lt);
	return query;
}

export async function listLeads(supabase: SupabaseClient<Database>, filters: LeadFilters): Promise<LeadPage> {
	const [from, to] = pageRange(filters.page, filters.pageSize);
	const ascending = !filters.sort.descending;
	const { data, count, error, status } = await filtered(supabase, filters, LEAD_LIST_COLUMNS)
		.order(filters.sort.column, { ascending, nullsFirst: false })
		// Ties (same name, same day) keep one order, so no lead shows on two pages or none.
		.order('id', { ascending })
		.range(from, to);

	if (status === 416 || error?.code === 'PGRST103') {
		const counted = await filtered(supabase, filters, 'id', true);
		if (counted.error) throw new Error(`counting leads failed: ${counted.error.message}`);
		return { kind: 'past-end', total: counted.count ?? 0 };
	}
	if (error) throw new Error(`listing leads failed: ${error.message}`);
	return { kind: 'page', rows: (data ?? []) as unknown as LeadListRow[], total: count ?? 0 };
}

/** Whether the company has any lead at all (tells "nothing matches" from "nothing yet"). */
export async function hasAnyLead(supabase: SupabaseClient<Database>): Promise<boolean> {
	const { data, error } = await supabase.schema('lead').from('leads').select('id').limit(1);
	if (error) throw new Error(`checking for leads failed: ${error.message}`);
	return (data ?? []).length > 0;
}
