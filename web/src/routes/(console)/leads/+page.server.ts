import { m } from '#lib/paraglide/messages.js';
import { error, redirect } from '@sveltejs/kit';
import { hasActiveFilters, leadFiltersQuery, pageCount, parseLeadFilters } from '#lib/leads/filters.ts';
import { canWriteLeads } from '#lib/roles.ts';
import { loadDirectory } from '#lib/server/directory.ts';
import { hasAnyLead, listLeads } from '#lib/server/lead-list.ts';
import { loadStages } from '#lib/server/pipeline.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { module, role } = await openModule(event, 'leads');
	const { supabase } = event.locals;
	const filters = parseLeadFilters(event.url.searchParams);

	const [page, stages, members] = await Promise.all([
		listLeads(supabase, filters),
		loadStages(supabase),
		loadDirectory(supabase)
	]).catch((cause) => {
		console.error(cause);
		error(503, m.leads_error_load_failed());
	});

	if (page.kind === 'past-end') {
		redirect(303, `/leads${leadFiltersQuery(filters, { page: pageCount(page.total, filters.pageSize) })}`);
	}

	const filtering = hasActiveFilters(filters);
	// Only an empty filtered list needs to know whether the company has leads at all.
	const anyLead = page.total > 0 || (filtering && (await hasAnyLead(supabase)));

	return {
		module,
		filters,
		filtering,
		leads: page.rows,
		total: page.total,
		anyLead,
		stages,
		members,
		canWrite: canWriteLeads(role)
	};
};
