// Web tracking: the company's sites (create, allowed origins, key rotation, install snippet, last event
// seen), their landing pages and the A/B tests those pages make up. Reads and writes go through
// PostgREST under the member's RLS; only admins may change anything (the policies say so too).
import { fail } from '@sveltejs/kit';
import { PUBLIC_SUPABASE_URL } from '$app/env/public';
import { m } from '#lib/paraglide/messages.js';
import { isUuid } from '#lib/leads/filters.ts';
import { isAdmin } from '#lib/roles.ts';
import { openModule } from '#lib/server/require-module.ts';
import { parseOrigins, parsePageUrl } from '#lib/tracking/forms.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { module, role } = await openModule(event, 'web-tracking');
	const leads = event.locals.supabase.schema('lead');
	const [domains, pages] = await Promise.all([
		leads.from('domains').select('id, domain_name, domain_url, site_key, allowed_origins, is_active, last_event_at, created_at').order('created_at'),
		leads.from('landing_pages').select('id, domain_id, page_url, page_name, page_variant, is_control, ab_test_id, is_active').order('page_url')
	]);
	if (domains.error || pages.error) throw new Error(`loading sites failed: ${(domains.error ?? pages.error)!.message}`);
	const testIds = [...new Set(pages.data.map((p) => p.ab_test_id).filter((id): id is string => id !== null))];
	const analytics = event.locals.supabase.schema('analytics');
	const tests = await Promise.all(
		testIds.map(async (id) => {
			const { data, error } = await analytics.rpc('ab_test_results', { ab_test_id: id });
			if (error) throw new Error(`A/B results failed: ${error.message}`);
			return { id, variants: data ?? [] };
		})
	);
	return {
		module,
		canAdmin: isAdmin(role),
		domains: domains.data,
		pages: pages.data,
		tests,
		functionsUrl: `${PUBLIC_SUPABASE_URL}/functions/v1`,
		// The local stack serves the built snippet here; on Supabase host it on the site or a CDN (runbook).
		scriptUrl: `${PUBLIC_SUPABASE_URL}/tracker/v1/rastro.js`
	};
};

export const actions: Actions = {
	createDomain: async ({ request, locals }) => {
		const form = await request.formData();
		const values = {
			domain_name: String(form.get('domain_name') ?? '').trim(),
			domain_url: String(form.get('domain_url') ?? '').trim(),
			allowed_origins: String(form.get('allowed_origins') ?? '')
		};
		const origins = parseOrigins(values.allowed_origins || values.domain_url);
		if (!values.domain_name || !/^https?:\/\/[^/\s]+/.test(values.domain_url)) {
			return fail(400, { action: 'createDomain' as const, message: m.tracking_error_domain_fields(), values });
		}
		if (!origins.ok) return fail(400, { action: 'createDomain' as const, message: m.tracking_error_origin({ origin: origins.bad }), values });
		const { claims } = await locals.safeGetSession();
		if (!claims?.companyId) return fail(403, { action: 'createDomain' as const, message: m.api_error_no_company(), values });
		const { error } = await locals.supabase.schema('lead').from('domains').insert({
			company_id: claims.companyId,
			domain_name: values.domain_name,
			domain_url: values.domain_url,
			allowed_origins: origins.origins
		});
		if (error) {
			return fail(error.code === '23505' ? 409 : 422, {
				action: 'createDomain' as const,
				message: error.code === '23505' ? m.tracking_error_domain_exists() : m.tracking_error_save_failed(),
				values
			});
		}
		return { action: 'createDomain' as const, saved: true };
	},

	origins: async ({ request, locals }) => {
		const form = await request.formData();
		const id = String(form.get('domain_id') ?? '');
		const origins = parseOrigins(String(form.get('allowed_origins') ?? ''));
		if (!isUuid(id)) return fail(400, { action: 'origins' as const, message: m.tracking_error_save_failed() });
		if (!origins.ok) return fail(400, { action: 'origins' as const, id, message: m.tracking_error_origin({ origin: origins.bad }) });
		const { data, error } = await locals.supabase
			.schema('lead')
			.from('domains')
			.update({ allowed_origins: origins.origins, is_active: form.get('is_active') === 'on' })
			.eq('id', id)
			.select('id');
		if (error || !data?.length) return fail(error ? 422 : 403, { action: 'origins' as const, id, message: m.tracking_error_save_failed() });
		return { action: 'origins' as const, id, saved: true };
	},

	rotate: async ({ request, locals }) => {
		const form = await request.formData();
		const id = String(form.get('domain_id') ?? '');
		if (!isUuid(id)) return fail(400, { action: 'rotate' as const, message: m.tracking_error_save_failed() });
		const { error } = await locals.supabase.schema('lead').rpc('rotate_site_key', { domain_id: id });
		if (error) return fail(error.code === '42501' ? 403 : 404, { action: 'rotate' as const, id, message: m.tracking_error_rotate_failed() });
		return { action: 'rotate' as const, id, rotated: true };
	},

	createPage: async ({ request, locals }) => {
		const form = await request.formData();
		const values = {
			domain_id: String(form.get('domain_id') ?? ''),
			page_url: String(form.get('page_url') ?? '').trim(),
			page_name: String(form.get('page_name') ?? '').trim(),
			page_variant: String(form.get('page_variant') ?? '').trim(),
			ab_test_id: String(form.get('ab_test_id') ?? '').trim(),
			is_control: form.get('is_control') === 'on'
		};
		const url = parsePageUrl(values.page_url);
		if (!isUuid(values.domain_id) || !url || !values.page_name || (values.ab_test_id !== '' && !isUuid(values.ab_test_id))) {
			return fail(400, { action: 'createPage' as const, message: m.tracking_error_page_fields(), values });
		}
		const { data: domain } = await locals.supabase.schema('lead').from('domains').select('company_id').eq('id', values.domain_id).maybeSingle();
		const { error } = await locals.supabase.schema('lead').from('landing_pages').insert({
			company_id: domain?.company_id ?? '',
			domain_id: values.domain_id,
			page_url: url,
			page_name: values.page_name,
			page_variant: values.page_variant || (values.ab_test_id ? 'A' : null),
			ab_test_id: values.ab_test_id || null,
			is_control: values.ab_test_id ? values.is_control : false
		});
		if (error) return fail(422, { action: 'createPage' as const, message: m.tracking_error_save_failed(), values });
		return { action: 'createPage' as const, saved: true };
	}
};
