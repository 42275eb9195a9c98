// Conversions ledger: every delivery (filters by status, platform, skip reason), one delivery's
// timeline of HTTP attempts with the platform's answers, retry of a failed delivery and replay of a
// period (through the conversion-settings function), match quality per platform and health alerts.
// Reads go through PostgREST with the user's token, so RLS scopes everything to the current company.
import { error, fail } from '@sveltejs/kit';
import {
	conversionPlatforms,
	deliveryStatuses,
	RetryDeliveriesSchema,
	skipReasons
} from '@rastro/contracts/conversions.ts';
import { adminRoles } from '@rastro/contracts/tenancy.ts';
import { m } from '#lib/paraglide/messages.js';
import { callFunction } from '#lib/server/edge-functions.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { Actions, PageServerLoad } from './$types';

const PAGE_SIZE = 50;

function pick<T extends string>(value: string | null, allowed: readonly T[]): T | null {
	return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

export const load: PageServerLoad = async (event) => {
	const { module, role } = await openModule(event, 'conversions');
	const { supabase } = event.locals;
	const params = event.url.searchParams;
	const filters = {
		status: pick(params.get('status'), deliveryStatuses),
		platform: pick(params.get('platform'), conversionPlatforms),
		reason: pick(params.get('reason'), skipReasons)
	};
	const page = Math.max(1, Number(params.get('page')) || 1);
	const deliveryId = /^[0-9a-f-]{36}$/.test(params.get('delivery') ?? '') ? params.get('delivery') : null;
	const db = supabase.schema('core_marketing');

	let ledger = db
		.from('conversion_deliveries')
		.select(
			'id, platform, status, skip_reason, attempts, last_error, last_status_code, platform_trace_id, updated_at, conversions!inner(event_id, conversion_name, value, currency, occurred_at)',
			{ count: 'exact' }
		)
		.order('created_at', { ascending: false })
		.order('id')
		.range((page - 1) * PAGE_SIZE, page * PAGE_SIZE - 1);
	if (filters.status) ledger = ledger.eq('status', filters.status);
	if (filters.platform) ledger = ledger.eq('platform', filters.platform);
	if (filters.reason) ledger = ledger.eq('skip_reason', filters.reason);

	const [deliveries, alerts, quality, timeline] = await Promise.all([
		ledger,
		db.from('conversion_alerts').select('kind, platform, subject, detail, since').order('since', { ascending: false }),
		db.from('match_quality').select('*').order('platform'),
		deliveryId
			? db
					.from('dispatch_log')
					.select('id, created_at, worker, status_code, outcome, error, trace_id, duration_ms, request, response_body')
					.contains('delivery_ids', [deliveryId])
					.order('created_at')
			: Promise.resolve({ data: [], error: null })
	]);
	for (const part of [deliveries, alerts, quality, timeline]) {
		if (part.error) {
			console.error(part.error);
			error(503, m.error_save_failed());
		}
	}
	return {
		module,
		isAdmin: role !== null && (adminRoles as readonly string[]).includes(role),
		filters,
		page,
		pageSize: PAGE_SIZE,
		total: deliveries.count ?? 0,
		deliveries: deliveries.data ?? [],
		alerts: alerts.data ?? [],
		quality: quality.data ?? [],
		deliveryId,
		timeline: timeline.data ?? []
	};
};

async function retry(locals: App.Locals, input: unknown) {
	const parsed = RetryDeliveriesSchema.safeParse(input);
	if (!parsed.success) return fail(400, { message: m.conversions_form_invalid({ issues: parsed.error.issues.map((i) => i.path.join('.')).join(', ') }) });
	const { session } = await locals.safeGetSession();
	if (!session) error(401);
	const result = await callFunction(session.access_token, { path: 'conversion-settings/retry', method: 'POST', json: parsed.data });
	if (!result.ok) return fail(result.status, { message: result.message });
	const body = result.body as { requeued: number; skipped_outside_window: number };
	return { message: m.conversions_retried({ requeued: body.requeued, skipped: body.skipped_outside_window }) };
}

export const actions: Actions = {
	retry: async ({ request, locals }) => {
		const form = await request.formData();
		return retry(locals, { delivery_ids: [String(form.get('delivery_id') ?? '')] });
	},
	replay: async ({ request, locals }) => {
		const form = await request.formData();
		const toIso = (value: FormDataEntryValue | null) => {
			const date = new Date(String(value ?? ''));
			return Number.isNaN(date.getTime()) ? String(value ?? '') : date.toISOString();
		};
		const platform = String(form.get('platform') ?? '');
		return retry(locals, { from: toIso(form.get('from')), to: toIso(form.get('to')), ...(platform ? { platform } : {}) });
	}
};
