// Dinamize settings, through the `integrations` edge function (it encrypts the credentials and never
// returns them), plus what the sync has been doing, read through PostgREST.
import { apiErrorMessage } from '#lib/api-errors.ts';
import { m } from '#lib/paraglide/messages.js';
import { error, fail } from '@sveltejs/kit';
import {
	IntegrationAnswerSchema,
	IntegrationTestAnswerSchema,
	IntegrationTestRequestSchema,
	IntegrationUpsertSchema
} from '@rastro/contracts/integrations.ts';
import { leadSyncStatuses } from '@rastro/contracts/leads.ts';
import { dinamizeFieldErrors, readDinamizeForm } from '#lib/integrations/dinamize-form.ts';
import { callFunction } from '#lib/server/edge-functions.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { Actions, PageServerLoad } from './$types';

async function accessToken(locals: App.Locals): Promise<string> {
	const { session } = await locals.safeGetSession();
	if (!session) error(401, m.api_error_session_ended());
	return session.access_token;
}

export const load: PageServerLoad = async (event) => {
	const { module } = await openModule(event, 'integrations');
	const { supabase } = event.locals;
	const token = await accessToken(event.locals);

	const [answer, calls, marks, ...syncCounts] = await Promise.all([
		callFunction(token, { path: 'integrations', query: { provider: 'dinamize' } }),
		supabase
			.schema('ops')
			.from('integrations_log')
			.select('id, direction, operation, status_code, success, duration_ms, error, occurred_at')
			.eq('provider', 'dinamize')
			.order('occurred_at', { ascending: false })
			.limit(8),
		supabase
			.schema('ops')
			.from('sync_state')
			.select(
				'sync_type, last_successful_sync, last_attempt_at, last_error, pass_started_at, cursor_inserted_at, pass_pulled, pass_pages, last_page_at, pass_finished_at'
			),
		...leadSyncStatuses.map((status) =>
			supabase.schema('lead').from('lead_sync').select('id', { count: 'exact', head: true }).eq('status', status)
		)
	]);
	if (!answer.ok) {
		console.error('integrations GET failed', answer);
		error(answer.status === 403 ? 403 : 503, answer.status === 403 ? (apiErrorMessage(answer.code) ?? answer.message) : m.integrations_error_load_failed());
	}
	const parsed = IntegrationAnswerSchema.safeParse(answer.body);
	if (!parsed.success) error(503, m.integrations_error_unreadable());
	for (const part of [calls, marks, ...syncCounts]) {
		if (part.error) {
			console.error(part.error);
			error(503, m.integrations_error_state_failed());
		}
	}

	return {
		module,
		integration: parsed.data.integration,
		calls: calls.data ?? [],
		marks: marks.data ?? [],
		syncCounts: Object.fromEntries(leadSyncStatuses.map((status, index) => [status, syncCounts[index]?.count ?? 0]))
	};
};

export const actions: Actions = {
	save: async ({ request, locals }) => {
		const form = readDinamizeForm(await request.formData());
		const parsed = IntegrationUpsertSchema.safeParse(form.upsert);
		const errors = { ...(parsed.success ? {} : dinamizeFieldErrors(parsed.error)), ...form.errors };
		if (!parsed.success || Object.keys(form.errors).length > 0) {
			return fail(400, { action: 'save' as const, values: form.values, errors, message: m.form_check_fields() });
		}
		const result = await callFunction(await accessToken(locals), { path: 'integrations', method: 'PUT', json: parsed.data });
		if (!result.ok) {
			return fail(result.status, { action: 'save' as const, values: form.values, errors: {}, message: apiErrorMessage(result.code) ?? result.message });
		}
		return { action: 'save' as const, saved: true, credentialsChanged: 'credentials' in parsed.data };
	},

	test: async ({ request, locals }) => {
		const form = readDinamizeForm(await request.formData());
		const parsed = IntegrationTestRequestSchema.safeParse(form.test);
		if (!parsed.success || Object.keys(form.errors).length > 0) {
			const errors = { ...(parsed.success ? {} : dinamizeFieldErrors(parsed.error)), ...form.errors };
			return fail(400, { action: 'test' as const, values: form.values, errors, message: m.form_check_fields() });
		}
		const result = await callFunction(await accessToken(locals), { path: 'integrations/test', method: 'POST', json: parsed.data });
		if (!result.ok) {
			return fail(result.status, { action: 'test' as const, values: form.values, errors: {}, message: apiErrorMessage(result.code) ?? result.message });
		}
		const answer = IntegrationTestAnswerSchema.safeParse(result.body);
		if (!answer.success) {
			return fail(502, { action: 'test' as const, values: form.values, errors: {}, message: m.integrations_error_test_unreadable() });
		}
		return { action: 'test' as const, values: form.values, test: answer.data };
	}
};
