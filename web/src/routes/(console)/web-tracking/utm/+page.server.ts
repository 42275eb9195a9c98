// UTM performance: sessions → leads → qualified → won revenue by source, medium, campaign, content
// and term under a chosen attribution model (analytics.utm_performance), and sessions and leads per
// day for the chart (analytics.daily_web_traffic). Filters are GET parameters, so a view can be shared.
import { error, redirect } from '@sveltejs/kit';
import { m } from '#lib/paraglide/messages.js';
import { companyDay, companyDayStart } from '#lib/format.ts';
import { openModule } from '#lib/server/require-module.ts';
import { attributionModels, type AttributionModel } from '#lib/tracking/models.ts';
import type { PageServerLoad } from './$types';

const day = /^\d{4}-\d{2}-\d{2}$/;
const pageSize = 50;

export const load: PageServerLoad = async (event) => {
	const { module } = await openModule(event, 'web-tracking');
	const params = event.url.searchParams;
	const today = companyDay(new Date());
	const ninetyDaysAgo = companyDay(new Date(Date.now() - 90 * 86_400_000));
	const filters = {
		from: day.test(params.get('from') ?? '') ? params.get('from')! : ninetyDaysAgo,
		to: day.test(params.get('to') ?? '') ? params.get('to')! : today,
		model: (attributionModels as readonly string[]).includes(params.get('model') ?? '') ? (params.get('model') as AttributionModel) : 'last_non_direct',
		source: params.get('source')?.trim() || '',
		medium: params.get('medium')?.trim() || '',
		campaign: params.get('campaign')?.trim() || '',
		page: Math.max(1, Math.min(10_000, Number.parseInt(params.get('page') ?? '1', 10) || 1))
	};
	const range = { from_date: companyDayStart(filters.from), to_date: new Date(new Date(companyDayStart(filters.to)).getTime() + 86_400_000).toISOString() };
	const analytics = event.locals.supabase.schema('analytics');
	// One page of rows, ranged by PostgREST with the exact count: a company can have more combinations
	// than the API's max_rows (1,000 on Supabase), which would otherwise cut the list short.
	const first = (filters.page - 1) * pageSize;
	const [rows, daily] = await Promise.all([
		analytics
			.rpc(
				'utm_performance',
				{
					...range,
					model: filters.model,
					source: filters.source || undefined,
					medium: filters.medium || undefined,
					campaign: filters.campaign || undefined
				},
				{ count: 'exact' }
			)
			.range(first, first + pageSize - 1),
		analytics.rpc('daily_web_traffic', range)
	]);
	if (rows.error?.code === 'PGRST103' && filters.page > 1) {
		// past the last page (the data or the filters changed): back to the first
		const query = new URLSearchParams(event.url.searchParams);
		query.delete('page');
		redirect(303, `${event.url.pathname}?${query}`);
	}
	if (rows.error || daily.error) {
		console.error('utm performance failed', rows.error ?? daily.error);
		error(503, m.tracking_error_load_failed());
	}
	// The chart's header sums what the chart draws: sessions started and sessions that became leads,
	// per company day, over the whole range.
	const dailyRows = daily.data ?? [];
	const totals = dailyRows.reduce((t, d) => ({ sessions: t.sessions + d.sessions, leads: t.leads + d.leads }), { sessions: 0, leads: 0 });
	return {
		module,
		filters,
		pageSize,
		total: rows.count ?? 0,
		totals,
		rows: rows.data ?? [],
		daily: dailyRows
	};
};
