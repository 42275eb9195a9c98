import { m } from '#lib/paraglide/messages.js';
import { error } from '@sveltejs/kit';
import { isImportRunning } from '#lib/leads/labels.ts';
import { canWriteLeads } from '#lib/roles.ts';
import { loadDirectory } from '#lib/server/directory.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { PageServerLoad } from './$types';

/** Imports listed on the page, newest first. */
const IMPORTS_SHOWN = 25;

export const load: PageServerLoad = async (event) => {
	const { module, role } = await openModule(event, 'leads');
	// The page polls this while an import runs (invalidate('app:imports')).
	event.depends('app:imports');
	const [imports, members] = await Promise.all([
		event.locals.supabase
			.schema('lead')
			.from('lead_imports')
			.select('id, file_name, file_size_bytes, bytes_parsed, rows_parsed, status, rows_total, rows_done, rows_failed, rows_inserted, rows_updated, error, created_by, created_at, finished_at')
			.order('created_at', { ascending: false })
			.limit(IMPORTS_SHOWN),
		loadDirectory(event.locals.supabase)
	]);
	if (imports.error) {
		console.error(imports.error);
		error(503, m.imports_error_load_failed());
	}
	const rows = imports.data ?? [];
	return {
		module,
		imports: rows,
		running: rows.some((row) => isImportRunning(row.status)),
		members,
		canWrite: canWriteLeads(role)
	};
};
