import { fail } from '@sveltejs/kit';
import { m } from '#lib/paraglide/messages.js';
import { canWriteEmail, EVENT_TYPES, type EventType, loadCampaign, rpcCode } from '#lib/server/email.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { module, role } = await openModule(event, 'email');
	const requested = event.url.searchParams.get('events');
	const eventType = EVENT_TYPES.includes(requested as EventType) ? (requested as EventType) : null;
	return {
		module,
		canWrite: canWriteEmail(role),
		eventType,
		...(await loadCampaign(event.locals.supabase, event.params.id, eventType))
	};
};

const ERRORS: Record<string, () => string> = {
	campaign_not_found: m.api_error_campaign_not_found,
	campaign_not_generatable: m.api_error_campaign_not_generatable,
	campaign_not_sendable: m.api_error_campaign_not_sendable,
	campaign_has_no_messages: m.api_error_campaign_has_no_messages,
	campaign_not_sending: m.api_error_campaign_not_sending,
	not_allowed: m.email_read_only
};

function refused(code: string | null) {
	const known = code && Object.hasOwn(ERRORS, code) ? ERRORS[code] : undefined;
	const message = known ? known() : m.error_save_failed();
	return fail(code === 'not_allowed' ? 403 : code === 'campaign_not_found' ? 404 : 409, { message });
}

export const actions: Actions = {
	generate: async ({ locals, params }) => {
		const { data, error: cause } = await locals.supabase.schema('mtrk').rpc('generate_messages', { campaign_id: params.id });
		if (cause) return refused(rpcCode(cause));
		const made = data as { messages: number; links: number };
		return { done: m.email_generated({ messages: made.messages, links: made.links }) };
	},
	send: async ({ locals, params, request }) => {
		const form = await request.formData();
		const transport = form.get('transport') === 'simulator' ? 'simulator' : 'smtp';
		const hours = Math.min(72, Math.max(1, Number(form.get('hours') ?? 6) || 6));
		const { error: cause } = await locals.supabase
			.schema('mtrk')
			.rpc('start_sending', { campaign_id: params.id, transport, simulation_hours: hours });
		if (cause) return refused(rpcCode(cause));
		return { done: transport === 'simulator' ? m.email_simulation_started() : m.email_sending_started() };
	},
	pause: async ({ locals, params }) => {
		const { error: cause } = await locals.supabase.schema('mtrk').rpc('pause_sending', { campaign_id: params.id });
		if (cause) return refused(rpcCode(cause));
		return { done: m.email_paused() };
	}
};

