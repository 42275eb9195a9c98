import type { Database } from '@rastro/contracts';
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Member } from '../leads/types.ts';
import { isCompanyRole, type CompanyRole } from '../roles.ts';

/** The current company's members, through core.member_directory() (only that company's, by e-mail). */
export async function loadDirectory(supabase: SupabaseClient<Database>): Promise<Member[]> {
	const { data, error } = await supabase.schema('core').rpc('member_directory');
	if (error) throw new Error(`core.member_directory failed: ${error.message}`);
	return (data ?? [])
		.filter((row) => isCompanyRole(row.role))
		.map((row) => ({ userId: row.user_id, email: row.email, role: row.role as CompanyRole }));
}
