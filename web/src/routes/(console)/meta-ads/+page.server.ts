// Meta Ads (seed 002 sprints 2, 3 and 5; decision 0014): the company's connected Facebook profiles,
// the ad accounts they reach (meta-accounts, for admins) with the tracking switch and the dataset
// picker, and ROI per campaign / ad set / ad with a daily spend-vs-revenue chart (analytics.meta_roi,
// analytics.meta_roi_daily). Filters are GET parameters; writes go through the edge functions with the
// user's token, so the functions' checks and RLS scope everything to the current company.
import { error, fail, redirect } from '@sveltejs/kit';
import {
	MetaAdAccountConfigSchema,
	MetaAdAccountIdSchema,
	metaUtmTemplate,
	roiLevels,
	type MetaAdAccountListing,
	type MetaAdAccountsAnswer,
	type RoiLevel
} from '@rastro/contracts/meta-ads.ts';
import { adminRoles } from '@rastro/contracts/tenancy.ts';
import { m } from '#lib/paraglide/messages.js';
import { companyDay } from '#lib/format.ts';
import { callFunction } from '#lib/server/edge-functions.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { Actions, PageServerLoad } from './$types';

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;
const pageSize = 50;


async function accessToken(locals: App.Locals): Promise<string> {
	const { session } = await locals.safeGetSession();
	if (!session) error(401);
	return session.access_token;
}

export const load: PageServerLoad = async (event) => {
	const { module, role } = await openModule(event, 'meta-ads');
	const isAdmin = role !== null && (adminRoles as readonly string[]).includes(role);
	const params = event.url.searchParams;
	const today = companyDay(new Date());
	const filters = {
		from: dayPattern.test(params.get('from') ?? '') ? params.get('from')! : companyDay(new Date(Date.now() - 29 * 86_400_000)),
		to: dayPattern.test(params.get('to') ?? '') ? params.get('to')! : today,
		level: ((roiLevels as readonly string[]).includes(params.get('level') ?? '') ? params.get('level') : 'campaign') as RoiLevel,
		page: Math.max(1, Math.min(10_000, Number.parseInt(params.get('page') ?? '1', 10) || 1))
	};
	if (filters.from > filters.to) [filters.from, filters.to] = [filters.to, filters.from];
	const supabase = event.locals.supabase;
	const range = { from_date: filters.from, to_date: filters.to };
	// The ROI table a page at a time (a company can have more ads than the API's max_rows, 1,000 on
	// Supabase); its totals over every row from analytics.meta_roi_totals.
	const first = (filters.page - 1) * pageSize;
	const [connections, roi, roiTotals, daily] = await Promise.all([
		supabase
			.schema('core_marketing')
			.from('meta_connection_details')
			.select('id, fb_user_id, fb_user_name, status, status_message, token_expires_at, connected_at, active_ad_accounts')
			.order('connected_at'),
		supabase.schema('analytics').rpc('meta_roi', { ...range, level: filters.level }).range(first, first + pageSize - 1),
		supabase.schema('analytics').rpc('meta_roi_totals', { ...range, level: filters.level }).single(),
		supabase.schema('analytics').rpc('meta_roi_daily', range)
	]);
	if (filters.page > 1 && !roiTotals.error && first >= Number(roiTotals.data?.row_count ?? 0)) {
		// past the last page (the data or the level changed): back to the first
		const query = new URLSearchParams(params);
		query.delete('page');
		redirect(303, `${event.url.pathname}?${query}`);
	}
	for (const part of [connections, roi, roiTotals, daily]) {
		if (part.error) {
			console.error('meta ads load failed', part.error);
			error(503, m.meta_ads_error_load());
		}
	}

	let accounts: MetaAdAccountListing[] = [];
	let accountProblems: MetaAdAccountsAnswer['problems'] = [];
	let accountsError: string | null = null;
	let pixelPicker: { ad_account_id: string; connection_id: string; name: string; pixels: Array<{ id: string; name: string }> } | null =
		null;
	if (isAdmin && (connections.data ?? []).length > 0) {
		const token = await accessToken(event.locals);
		const listed = await callFunction(token, { path: 'meta-accounts/ad-accounts' });
		if (listed.ok) {
			const body = listed.body as MetaAdAccountsAnswer;
			accounts = body.accounts;
			accountProblems = body.problems;
		} else {
			accountsError = listed.message;
		}
		const pickFor = params.get('pixels');
		const account = accounts.find((a) => a.ad_account_id === pickFor);
		if (account) {
			const connectionId = params.get('connection') ?? account.connection_id;
			const pixels = await callFunction(token, {
				path: `meta-accounts/ad-accounts/${account.ad_account_id}/pixels`,
				query: { connection_id: connectionId }
			});
			pixelPicker = {
				ad_account_id: account.ad_account_id,
				connection_id: connectionId,
				name: account.name,
				pixels: pixels.ok ? (pixels.body as { pixels: Array<{ id: string; name: string }> }).pixels : []
			};
			if (!pixels.ok) accountsError = pixels.message;
		}
	}

	const rows = roi.data ?? [];
	const sums = roiTotals.data;
	const totals = {
		spend: Number(sums?.spend ?? 0),
		leads: Number(sums?.leads ?? 0),
		conversions: Number(sums?.conversions ?? 0),
		revenue: Number(sums?.revenue ?? 0)
	};
	return {
		module,
		isAdmin,
		filters,
		connections: connections.data ?? [],
		accounts,
		accountProblems,
		accountsError,
		pixelPicker,
		rows,
		pageSize,
		total: Number(sums?.row_count ?? 0),
		daily: daily.data ?? [],
		totals,
		currency: accounts.find((a) => a.is_active)?.currency ?? 'BRL',
		utmTemplate: metaUtmTemplate,
		connected: params.get('connected')
	};
};

export const actions: Actions = {
	connect: async ({ locals }) => {
		const result = await callFunction(await accessToken(locals), {
			path: 'meta-oauth/connect',
			method: 'POST',
			json: { return_to: '/meta-ads' }
		});
		if (!result.ok) return fail(result.status, { message: result.message });
		// Meta's dialog (the sandbox's locally): the one external place this page sends a person to.
		const dialog = new URL((result.body as { url: string }).url);
		if (dialog.protocol !== 'https:' && dialog.protocol !== 'http:') return fail(502, { message: m.meta_ads_error_load() });
		redirect(303, dialog.toString(), { external: [dialog.origin] });
	},
	disconnect: async ({ request, locals }) => {
		const form = await request.formData();
		const id = String(form.get('connection_id') ?? '');
		const name = String(form.get('name') ?? '').slice(0, 200);
		if (!MetaAdAccountConfigSchema.shape.connection_id.safeParse(id).success) return fail(400, { message: m.meta_ads_form_invalid() });
		const result = await callFunction(await accessToken(locals), { path: `meta-oauth/connections/${id}`, method: 'DELETE' });
		if (!result.ok) return fail(result.status, { message: result.message });
		return { message: m.meta_ads_disconnected({ name }) };
	},
	saveAccount: async ({ request, locals }) => {
		const form = await request.formData();
		const accountId = String(form.get('ad_account_id') ?? '');
		const pixel = String(form.get('pixel_id') ?? '');
		const input = {
			connection_id: String(form.get('connection_id') ?? ''),
			is_active: form.get('is_active') === 'true',
			...(form.has('pixel_id') ? { pixel_id: pixel === '' ? null : pixel } : {})
		};
		const parsed = MetaAdAccountConfigSchema.safeParse(input);
		if (!parsed.success || !MetaAdAccountIdSchema.safeParse(accountId).success) {
			return fail(400, { message: m.meta_ads_form_invalid() });
		}
		const result = await callFunction(await accessToken(locals), {
			path: `meta-accounts/ad-accounts/${accountId}/config`,
			method: 'PUT',
			json: parsed.data
		});
		if (!result.ok) return fail(result.status, { message: result.message });
		const saved = result.body as { account_name: string; is_active: boolean; pixel_name: string | null };
		return {
			message: saved.is_active
				? m.meta_ads_account_enabled({ name: saved.account_name, pixel: saved.pixel_name ?? m.meta_ads_no_pixel() })
				: m.meta_ads_account_disabled({ name: saved.account_name })
		};
	}
};
