// E-mail module reads and writes, through PostgREST with the signed-in user's session (RLS decides
// which company's rows; the RPCs re-check roles). Dashboards read aggregates (mtrk.campaign_dashboard,
// campaign_metrics_daily, campaign_ctas) and never scan mtrk.events; only the drill-down lists events,
// 50 at a time from an index (company, campaign, occurred_at).
import type { Database } from '@rastro/contracts';
import type { PostgrestError, SupabaseClient } from '@supabase/supabase-js';
import { error } from '@sveltejs/kit';
import type { CompanyRole } from '../roles.ts';

type Client = SupabaseClient<Database>;
type Mtrk = Database['mtrk'];
export type CampaignRow = Mtrk['Views']['campaign_dashboard']['Row'];
export type CampaignDetail = Mtrk['Tables']['campaigns']['Row'];
export type CtaRow = Mtrk['Tables']['campaign_ctas']['Row'];
export type DailyRow = Mtrk['Tables']['campaign_metrics_daily']['Row'];
export type EventRow = Pick<
	Mtrk['Tables']['events']['Row'],
	'id' | 'type' | 'bounce_kind' | 'is_machine' | 'machine_reason' | 'source' | 'occurred_at'
> & { contact: { email: string } | null; link: { cta: { label: string } | null } | null };

export const EVENT_TYPES = ['sent', 'delivered', 'open', 'click', 'bounce', 'complaint', 'unsubscribe'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const EDITORS: readonly CompanyRole[] = ['owner', 'backoffice_admin', 'marketing_admin', 'sales'];
export const canWriteEmail = (role: CompanyRole | null) => role !== null && EDITORS.includes(role);

function failed(what: string, cause: PostgrestError | null): never {
	console.error(`e-mail: ${what} failed`, cause);
	error(503, `Could not load ${what}`);
}

export async function loadCampaigns(supabase: Client): Promise<CampaignRow[]> {
	const { data, error: cause } = await supabase
		.schema('mtrk')
		.from('campaign_dashboard')
		.select('*')
		.order('created_at', { ascending: false })
		.limit(100);
	if (cause || !data) failed('campaigns', cause);
	return data;
}

export async function loadAudiences(supabase: Client) {
	const { data, error: cause } = await supabase
		.schema('mtrk')
		.from('audiences')
		.select('id, name, description, created_at, audience_contacts(count)')
		.order('name')
		.limit(500);
	if (cause || !data) failed('audiences', cause);
	return data.map((a) => ({
		id: a.id,
		name: a.name,
		description: a.description,
		members: (a.audience_contacts as unknown as Array<{ count: number }>)[0]?.count ?? 0
	}));
}

export async function loadCampaign(supabase: Client, id: string, eventType: EventType | null) {
	const mtrk = supabase.schema('mtrk');
	let events = mtrk
		.from('events')
		.select('id, type, bounce_kind, is_machine, machine_reason, source, occurred_at, contact:contacts(email), link:links(cta:campaign_ctas(label))')
		.eq('campaign_id', id)
		.order('occurred_at', { ascending: false })
		.limit(50);
	if (eventType) events = events.eq('type', eventType);
	const [campaign, dashboard, ctas, daily, audiences, chosen, recent] = await Promise.all([
		mtrk.from('campaigns').select('*').eq('id', id).maybeSingle(),
		mtrk.from('campaign_dashboard').select('*').eq('campaign_id', id).maybeSingle(),
		mtrk.from('campaign_ctas').select('*').eq('campaign_id', id).order('unique_clicks', { ascending: false }).order('position'),
		mtrk.from('campaign_metrics_daily').select('*').eq('campaign_id', id).order('day'),
		loadAudiences(supabase),
		mtrk.from('campaign_audiences').select('audience_id').eq('campaign_id', id),
		events
	]);
	if (campaign.error) failed('the campaign', campaign.error);
	if (!campaign.data) error(404, 'Campaign not found');
	if (dashboard.error || ctas.error || daily.error || chosen.error || recent.error) {
		failed('the campaign', dashboard.error ?? ctas.error ?? daily.error ?? chosen.error ?? recent.error);
	}
	const { data: eligible, error: eligibleError } = await mtrk.rpc('eligible_count', { campaign_id: id });
	if (eligibleError) failed('the eligible count', eligibleError);
	const { count: generated, error: countError } = await mtrk
		.from('messages')
		.select('id', { count: 'exact', head: true })
		.eq('campaign_id', id);
	if (countError) failed('the messages', countError);
	const chosenIds = new Set((chosen.data ?? []).map((row) => row.audience_id));
	return {
		campaign: campaign.data,
		dashboard: dashboard.data,
		ctas: ctas.data ?? [],
		daily: daily.data ?? [],
		audiences: audiences.filter((a) => chosenIds.has(a.id)),
		events: (recent.data ?? []) as unknown as EventRow[],
		eligible: eligible ?? 0,
		generated: generated ?? 0
	};
}

export async function loadContacts(supabase: Client, search: string | null) {
	let query = supabase
		.schema('mtrk')
		.from('contacts')
		.select('id, email, name, status, soft_bounces, lead_id, created_at')
		.order('created_at', { ascending: false })
		.limit(100);
	if (search) query = query.ilike('email', `%${search.replace(/[%_\\]/g, (c) => `\\${c}`)}%`);
	const { data, error: cause } = await query;
	if (cause || !data) failed('contacts', cause);
	return data;
}

export async function loadContact(supabase: Client, id: string) {
	const mtrk = supabase.schema('mtrk');
	const [contact, messages, events, unsubscribes] = await Promise.all([
		mtrk.from('contacts').select('*').eq('id', id).maybeSingle(),
		mtrk
			.from('messages')
			.select('id, status, transport, sent_at, delivered_at, first_open_at, first_click_at, opens, clicks, machine_opens, machine_clicks, campaign:campaigns(id, name)')
			.eq('contact_id', id)
			.order('id', { ascending: false })
			.limit(50),
		mtrk
			.from('events')
			.select('id, type, bounce_kind, is_machine, machine_reason, source, occurred_at, campaign:campaigns(name)')
			.eq('contact_id', id)
			.order('occurred_at', { ascending: false })
			.limit(50),
		mtrk.from('unsubscribes').select('id, scope, source, created_at, campaign:campaigns(name)').eq('contact_id', id)
	]);
	if (contact.error) failed('the contact', contact.error);
	if (!contact.data) error(404, 'Contact not found');
	if (messages.error || events.error || unsubscribes.error) failed('the contact', messages.error ?? events.error ?? unsubscribes.error);
	return { contact: contact.data, messages: messages.data ?? [], events: events.data ?? [], unsubscribes: unsubscribes.data ?? [] };
}

export async function loadSuppression(supabase: Client) {
	const [suppressed, unsubscribes] = await Promise.all([
		supabase.schema('ops').from('suppression_list').select('id, email, reason, note, created_at').order('created_at', { ascending: false }).limit(200),
		supabase
			.schema('mtrk')
			.from('unsubscribes')
			.select('id, scope, source, created_at, contact:contacts(email), campaign:campaigns(name)')
			.order('created_at', { ascending: false })
			.limit(200)
	]);
	if (suppressed.error || unsubscribes.error) failed('the suppression list', suppressed.error ?? unsubscribes.error);
	return { suppressed: suppressed.data ?? [], unsubscribes: unsubscribes.data ?? [] };
}

/** The machine code PostgREST carries in `hint` for our RPC errors (PT404/PT409 …). */
export function rpcCode(cause: PostgrestError | null): string | null {
	if (!cause) return null;
	if (cause.hint && /^[a-z][a-z0-9_]*$/.test(cause.hint)) return cause.hint;
	return cause.code === '42501' ? 'not_allowed' : 'unexpected';
}
