import type { SupabaseClient } from '@supabase/supabase-js';
import type { Membership } from '../membership.ts';
import { isCompanyRole, type CompanyRole } from '../roles.ts';

interface MyCompaniesRow {
	company_id: string;
	name: string;
	role: string;
	is_default: boolean;
}

/** The caller's memberships, through `core.my_companies()` (RLS-safe: it only returns the caller's). */
export async function loadMemberships(supabase: SupabaseClient): Promise<Membership[]> {
	const { data, error } = await supabase.schema('core').rpc('my_companies');
	if (error) throw new Error(`core.my_companies failed: ${error.message}`);

	return ((data ?? []) as MyCompaniesRow[])
		.filter((row) => isCompanyRole(row.role))
		.map((row) => ({
			companyId: row.company_id,
			companyName: row.name,
			role: row.role as CompanyRole,
			isDefault: row.is_default
		}));
}
