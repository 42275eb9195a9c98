import { m } from '#lib/paraglide/messages.js';
import { error } from '@sveltejs/kit';
import { isUuid } from '#lib/leads/filters.ts';
import { isImportRunning } from '#lib/leads/labels.ts';
import { loadDirectory } from '#lib/server/directory.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { PageServerLoad } from './$types';

/** Rejected rows listed on the page; the downloadable report has them all. */
const ERRORS_SHOWN = 100;

export const load: PageServerLoad = async (event) => {
	const { module } = await openModule(event, 'leads');
	if (!isUuid(event.params.id)) error(404, m.import_error_no_such());
	event.depends('app:imports');

	const leads = event.locals.supabase.schema('lead');
	const [found, errors, members] = await Promise.all([
		leads.from('lead_imports').select('*').eq('id', event.params.id).maybeSingle(),
		leads
			.from('lead_import_errors')
			.select('id, line_number, reason, raw', { count: 'exact' })
			.eq('import_id', event.params.id)
			.order('line_number')
			.limit(ERRORS_SHOWN),
		loadDirectory(event.locals.supabase)
	]);
	if (found.error || errors.error) {
		console.error(found.error ?? errors.error);
		error(503, m.import_error_load_failed());
	}
	if (!found.data) error(404, m.import_error_not_in_company());

	const item = found.data;
	return {
		module,
		item,
		errors: errors.data ?? [],
		errorCount: errors.count ?? 0,
		errorsShown: ERRORS_SHOWN,
		running: isImportRunning(item.status),
		startedBy: item.created_by ? (members.find((m) => m.userId === item.created_by)?.email ?? m.common_former_member()) : null
	};
};
