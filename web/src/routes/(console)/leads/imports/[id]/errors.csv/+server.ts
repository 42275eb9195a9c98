// The error report of an import as a CSV download: every rejected row with its line number, reason and
// raw cells. Read page by page (PostgREST answers at most max_rows per request), keyset on line number.
import { m } from '#lib/paraglide/messages.js';
import { error } from '@sveltejs/kit';
import { isUuid } from '#lib/leads/filters.ts';
import { mappedColumns, reportColumns, reportFileName, reportLines, type ImportErrorRow } from '#lib/imports/error-report.ts';
import type { RequestHandler } from './$types';

const PAGE = 1000;

export const GET: RequestHandler = async ({ params, locals }) => {
	if (!isUuid(params.id)) error(404, m.import_error_no_such());
	const leads = locals.supabase.schema('lead');
	const { data: item, error: loadError } = await leads
		.from('lead_imports')
		.select('file_name, mapping')
		.eq('id', params.id)
		.maybeSingle();
	if (loadError) error(503, m.import_error_report_failed());
	if (!item) error(404, m.import_error_not_in_company());

	// All rows first: the report's columns are the union of every rejected row's cells. Error lists are
	// small next to the file (one row per rejected line), so holding them is fine.
	const rows: ImportErrorRow[] = [];
	let after = 0;
	for (;;) {
		const { data, error: pageError } = await leads
			.from('lead_import_errors')
			.select('line_number, reason, raw')
			.eq('import_id', params.id)
			.gt('line_number', after)
			.order('line_number')
			.limit(PAGE);
		if (pageError) error(503, m.import_error_report_failed());
		const page = (data ?? []).map((row) => ({ ...row, raw: row.raw as Record<string, unknown> | null }));
		rows.push(...page);
		if (page.length < PAGE) break;
		after = page.at(-1)!.line_number;
	}

	const lines = reportLines(rows, reportColumns(rows, mappedColumns(item.mapping)));
	const name = reportFileName(item.file_name);
	// A BOM so spreadsheet programs read the accents right.
	return new Response(`\ufeff${lines.join('')}`, {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="${name}"; filename*=UTF-8''${encodeURIComponent(name)}`,
			'cache-control': 'private, no-store'
		}
	});
};
