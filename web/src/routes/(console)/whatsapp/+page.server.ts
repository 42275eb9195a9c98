// WhatsApp (issue 9, decision 0013): the company's tickets (paged, filters by status and stage), one
// ticket's attribution (ctwa_clid, ad / ad set / campaign as enrichment named them, enrichment state),
// its attribution history and conversions (LeadSubmitted / Purchase with the seed statuses), moving a
// ticket to qualified or won (lead.move_ticket), and the settings: the company's numbers and
// ticket_expiration_days. Everything goes through PostgREST with the user's token (RLS: the current
// company; editors move tickets, admins change settings).
import { error, fail } from '@sveltejs/kit';
import {
	MoveTicketSchema,
	ticketExpirationDaysDefault,
	ticketStages,
	ticketStatuses,
	UpsertWhatsappNumberSchema,
	WhatsappSettingsSchema
} from '@rastro/contracts/whatsapp.ts';
import { adminRoles, editorRoles } from '@rastro/contracts/tenancy.ts';
import { m } from '#lib/paraglide/messages.js';
import { openModule } from '#lib/server/require-module.ts';
import { errorCode, isNotAllowed } from '#lib/server/postgrest-errors.ts';
import type { Actions, PageServerLoad } from './$types';

const PAGE_SIZE = 25;
const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function pick<T extends string>(value: string | null, allowed: readonly T[]): T | null {
	return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

export const load: PageServerLoad = async (event) => {
	const { module, role } = await openModule(event, 'whatsapp');
	const { supabase } = event.locals;
	const params = event.url.searchParams;
	const filters = { status: pick(params.get('status'), ticketStatuses), stage: pick(params.get('stage'), ticketStages) };
	const page = Math.max(1, Number(params.get('page')) || 1);
	const ticketId = uuidShape.test(params.get('ticket') ?? '') ? params.get('ticket') : null;
	const lead = supabase.schema('lead');
	const marketing = supabase.schema('core_marketing');

	let list = lead
		.from('tickets')
		.select(
			'id, status, stage, deal_value, currency, contact_name, contact_wa_id, last_message_at, opened_at, ticket_tracking(ctwa_clid, meta_ad_id, meta_ad_name, meta_campaign_name, meta_enrichment_status)',
			{ count: 'exact' }
		)
		.order('last_message_at', { ascending: false })
		.order('id')
		.range((page - 1) * PAGE_SIZE, page * PAGE_SIZE - 1);
	if (filters.status) list = list.eq('status', filters.status);
	if (filters.stage) list = list.eq('stage', filters.stage);

	const none = Promise.resolve({ data: null, error: null });
	const [tickets, numbers, settings, datasets, ticket, history, conversions] = await Promise.all([
		list,
		marketing
			.from('whatsapp_numbers')
			.select('id, phone_number_id, whatsapp_business_account_id, display_phone_number, label, pixel_config_id, is_active')
			.order('created_at'),
		marketing.from('whatsapp_settings').select('ticket_expiration_days').maybeSingle(),
		marketing.from('pixel_config_details').select('id, name, pixel_id, is_active').order('created_at'),
		ticketId
			? lead
					.from('tickets')
					.select(
						'id, status, stage, deal_value, currency, contact_name, contact_wa_id, opened_at, last_message_at, closed_at, lead_id, ticket_tracking(*)'
					)
					.eq('id', ticketId)
					.maybeSingle()
			: none,
		ticketId
			? lead.from('attribution_history').select('id, old_ad_id, new_ad_id, old_ctwa_clid, new_ctwa_clid, changed_at').eq('ticket_id', ticketId).order('changed_at')
			: none,
		ticketId
			? lead
					.from('ticket_conversions')
					.select('conversion_id, event_name, event_id, status, value, currency, last_error, fbtrace_id, sent_at, occurred_at')
					.eq('ticket_id', ticketId)
					.order('occurred_at')
			: none
	]);
	for (const part of [tickets, numbers, settings, datasets, ticket, history, conversions]) {
		if (part.error) {
			console.error(part.error);
			error(503, m.error_save_failed());
		}
	}
	return {
		module,
		canMove: role !== null && (editorRoles as readonly string[]).includes(role),
		isAdmin: role !== null && (adminRoles as readonly string[]).includes(role),
		filters,
		page,
		pageSize: PAGE_SIZE,
		total: tickets.count ?? 0,
		tickets: tickets.data ?? [],
		numbers: numbers.data ?? [],
		expirationDays: settings.data?.ticket_expiration_days ?? ticketExpirationDaysDefault,
		datasets: datasets.data ?? [],
		ticketId,
		ticket: ticket.data,
		history: history.data ?? [],
		conversions: conversions.data ?? []
	};
};

const issues = (list: { path: PropertyKey[] }[]) => list.map((i) => i.path.join('.')).join(', ');

export const actions: Actions = {
	move: async ({ request, locals }) => {
		const form = await request.formData();
		const rawValue = String(form.get('deal_value') ?? '').trim().replace(',', '.');
		const parsed = MoveTicketSchema.safeParse({
			ticket_id: String(form.get('ticket_id') ?? ''),
			stage: String(form.get('stage') ?? ''),
			deal_value: rawValue === '' ? null : Number(rawValue),
			...(form.get('currency') ? { currency: String(form.get('currency')).trim().toUpperCase() } : {})
		});
		if (!parsed.success) return fail(400, { message: m.whatsapp_form_invalid({ issues: issues(parsed.error.issues) }) });
		const { data, error: rpcError } = await locals.supabase.schema('lead').rpc('move_ticket', {
			ticket_id: parsed.data.ticket_id,
			stage: parsed.data.stage,
			deal_value: parsed.data.deal_value ?? undefined,
			currency: parsed.data.currency ?? undefined
		});
		if (rpcError) {
			const code = errorCode(rpcError);
			if (code === 'ticket_not_found') return fail(404, { message: m.whatsapp_ticket_not_found() });
			return fail(400, { message: m.whatsapp_move_failed({ code: code ?? rpcError.message }) });
		}
		const result = data as { stage: string; conversions: { event_name: string; status: string }[] };
		return {
			message: m.whatsapp_moved({
				conversions: result.conversions.map((c) => `${c.event_name}: ${c.status}`).join(', ') || m.whatsapp_no_conversions()
			})
		};
	},
	saveNumber: async ({ request, locals }) => {
		const form = await request.formData();
		const parsed = UpsertWhatsappNumberSchema.safeParse({
			...(form.get('id') ? { id: String(form.get('id')) } : {}),
			phone_number_id: String(form.get('phone_number_id') ?? ''),
			whatsapp_business_account_id: String(form.get('whatsapp_business_account_id') ?? ''),
			display_phone_number: String(form.get('display_phone_number') ?? '').trim() || null,
			label: String(form.get('label') ?? ''),
			pixel_config_id: String(form.get('pixel_config_id') ?? '') || null,
			is_active: form.get('is_active') === 'on'
		});
		if (!parsed.success) return fail(400, { message: m.whatsapp_form_invalid({ issues: issues(parsed.error.issues) }) });
		const { id, phone_number_id, ...changes } = parsed.data;
		const db = locals.supabase.schema('core_marketing').from('whatsapp_numbers');
		const { claims } = await locals.safeGetSession();
		if (!claims?.companyId) return fail(403, { message: m.api_error_no_company() });
		const companyId = claims.companyId;
		const { error: writeError } = id
			? await db.update(changes).eq('id', id)
			: await db.insert({ ...changes, phone_number_id, company_id: companyId });
		if (writeError) {
			console.error(writeError);
			if (isNotAllowed(writeError)) return fail(403, { message: m.whatsapp_admins_only() });
			if (writeError.code === '23505') return fail(409, { message: m.whatsapp_number_taken() });
			return fail(400, { message: m.whatsapp_move_failed({ code: writeError.message }) });
		}
		return { message: m.whatsapp_number_saved() };
	},
	saveSettings: async ({ request, locals }) => {
		const form = await request.formData();
		const parsed = WhatsappSettingsSchema.safeParse({ ticket_expiration_days: Number(form.get('ticket_expiration_days')) });
		if (!parsed.success) return fail(400, { message: m.whatsapp_form_invalid({ issues: issues(parsed.error.issues) }) });
		const { claims } = await locals.safeGetSession();
		if (!claims?.companyId) return fail(403, { message: m.api_error_no_company() });
		const companyId = claims.companyId;
		const { error: writeError } = await locals.supabase
			.schema('core_marketing')
			.from('whatsapp_settings')
			.upsert({ company_id: companyId, ticket_expiration_days: parsed.data.ticket_expiration_days }, { onConflict: 'company_id' });
		if (writeError) {
			console.error(writeError);
			if (isNotAllowed(writeError)) return fail(403, { message: m.whatsapp_admins_only() });
			return fail(400, { message: m.whatsapp_move_failed({ code: writeError.message }) });
		}
		return { message: m.whatsapp_settings_saved() };
	}
};
