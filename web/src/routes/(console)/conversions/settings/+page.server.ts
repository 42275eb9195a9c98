// Conversion destinations and mapping: Meta pixels (token write-only, through conversion-settings,
// which seals it), platform accounts (credentials likewise), "send test event", the business event →
// conversion mapping and the attribution windows (plain PostgREST writes: RLS lets admins only).
import { error, fail } from '@sveltejs/kit';
import {
	conversionPlatforms,
	UpsertPixelConfigSchema,
	UpsertPlatformAccountSchema
} from '@rastro/contracts/conversions.ts';
import { adminRoles } from '@rastro/contracts/tenancy.ts';
import { m } from '#lib/paraglide/messages.js';
import { callFunction } from '#lib/server/edge-functions.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { module, role } = await openModule(event, 'conversions');
	const db = event.locals.supabase.schema('core_marketing');
	const [pixels, accounts, mappings, windows] = await Promise.all([
		db.from('pixel_config_details').select('id, name, pixel_id, has_access_token, token_status, token_error, test_event_code, is_active').order('created_at'),
		db
			.from('platform_accounts')
			.select('id, platform, name, account_ref, login_customer_id, has_credentials, credentials_status, status_message, is_active')
			.order('created_at'),
		db.from('conversion_mappings').select('*').order('business_event'),
		db.from('attribution_windows').select('platform, click_window_days, upload_limit_days, require_click_id').order('platform')
	]);
	for (const part of [pixels, accounts, mappings, windows]) {
		if (part.error) {
			console.error(part.error);
			error(503, m.error_save_failed());
		}
	}
	return {
		module,
		isAdmin: role !== null && (adminRoles as readonly string[]).includes(role),
		pixels: pixels.data ?? [],
		accounts: accounts.data ?? [],
		mappings: mappings.data ?? [],
		windows: windows.data ?? [],
		platforms: conversionPlatforms
	};
};

const text = (form: FormData, key: string) => {
	const value = String(form.get(key) ?? '').trim();
	return value === '' ? undefined : value;
};
const issues = (error: { issues: Array<{ path: PropertyKey[] }> }) =>
	m.conversions_form_invalid({ issues: error.issues.map((i) => i.path.join('.')).join(', ') });

async function token(locals: App.Locals): Promise<string> {
	const { session } = await locals.safeGetSession();
	if (!session) error(401);
	return session.access_token;
}

export const actions: Actions = {
	savePixel: async ({ request, locals }) => {
		const form = await request.formData();
		const parsed = UpsertPixelConfigSchema.safeParse({
			id: text(form, 'id'),
			name: text(form, 'name'),
			pixel_id: text(form, 'pixel_id'),
			access_token: text(form, 'access_token'),
			test_event_code: text(form, 'test_event_code') ?? null,
			is_active: form.get('is_active') === 'on'
		});
		if (!parsed.success) return fail(400, { message: issues(parsed.error) });
		const result = await callFunction(await token(locals), { path: 'conversion-settings/pixels', method: 'PUT', json: parsed.data });
		return result.ok ? { message: m.conversions_saved() } : fail(result.status, { message: result.message });
	},
	saveAccount: async ({ request, locals }) => {
		const form = await request.formData();
		const platform = text(form, 'platform');
		const accessToken = text(form, 'access_token');
		const developerToken = text(form, 'developer_token');
		const secret = text(form, 'secret');
		const credentials =
			platform === 'google_ads'
				? accessToken || developerToken
					? { access_token: accessToken, developer_token: developerToken }
					: undefined
				: platform === 'webhook'
					? secret
						? { secret }
						: undefined
					: accessToken
						? { access_token: accessToken }
						: undefined;
		const parsed = UpsertPlatformAccountSchema.safeParse({
			id: text(form, 'id'),
			platform,
			name: text(form, 'name'),
			account_ref: text(form, 'account_ref'),
			...(platform === 'google_ads' ? { login_customer_id: text(form, 'login_customer_id') ?? null } : {}),
			...(credentials ? { credentials } : {}),
			is_active: form.get('is_active') === 'on'
		});
		if (!parsed.success) return fail(400, { message: issues(parsed.error) });
		const result = await callFunction(await token(locals), { path: 'conversion-settings/accounts', method: 'PUT', json: parsed.data });
		return result.ok ? { message: m.conversions_saved() } : fail(result.status, { message: result.message });
	},
	testEvent: async ({ request, locals }) => {
		const form = await request.formData();
		const result = await callFunction(await token(locals), {
			path: 'conversion-settings/test-event',
			method: 'POST',
			json: { pixel_config_id: String(form.get('id') ?? '') }
		});
		if (!result.ok) return fail(result.status, { message: result.message });
		const body = result.body as { ok: boolean; error: string | null };
		return { message: body.ok ? m.conversions_test_ok() : m.conversions_test_failed({ error: body.error ?? '' }) };
	},
	saveMapping: async ({ request, locals }) => {
		const form = await request.formData();
		const event = String(form.get('business_event') ?? '');
		const { error: failed } = await locals.supabase
			.schema('core_marketing')
			.from('conversion_mappings')
			.update({
				conversion_name: text(form, 'conversion_name'),
				is_active: form.get('is_active') === 'on',
				send_value: form.get('send_value') === 'on',
				meta_event_name: text(form, 'meta_event_name') ?? null,
				google_conversion_action_id: text(form, 'google_conversion_action_id') ?? null,
				tiktok_event_name: text(form, 'tiktok_event_name') ?? null,
				linkedin_rule_id: text(form, 'linkedin_rule_id') ?? null,
				send_to_webhook: form.get('send_to_webhook') === 'on'
			})
			.eq('business_event', event);
		return failed ? fail(400, { message: failed.message }) : { message: m.conversions_saved() };
	},
	saveWindow: async ({ request, locals }) => {
		const form = await request.formData();
		const upload = text(form, 'upload_limit_days');
		const { error: failed } = await locals.supabase
			.schema('core_marketing')
			.from('attribution_windows')
			.update({
				click_window_days: Number(text(form, 'click_window_days')),
				upload_limit_days: upload === undefined ? null : Number(upload),
				require_click_id: form.get('require_click_id') === 'on'
			})
			.eq('platform', String(form.get('platform') ?? ''));
		return failed ? fail(400, { message: failed.message }) : { message: m.conversions_saved() };
	}
};
