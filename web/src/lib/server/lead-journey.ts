// The web journey of a lead for its page: the touches, page views and events of the sessions that
// led to it, in the order they happened. Read under the member's RLS (another company's rows never come).
import type { Database } from '@rastro/contracts';
import type { SupabaseClient } from '@supabase/supabase-js';

export type JourneyItem =
	| { kind: 'touch'; at: string; sessionId: string; channel: string; source: string | null; medium: string | null; campaign: string | null; clickId: string | null }
	| { kind: 'page'; at: string; sessionId: string; path: string; title: string | null; order: number; seconds: number | null }
	| { kind: 'event'; at: string; sessionId: string; type: string; action: string | null; label: string | null };

/** At most this many items are shown (the newest journeys are short; demo ones have a handful). */
export const JOURNEY_ITEMS_SHOWN = 200;

export async function loadLeadJourney(supabase: SupabaseClient<Database>, leadId: string): Promise<JourneyItem[]> {
	const leads = supabase.schema('lead');
	const { data: sessions, error } = await leads.from('sessions').select('id, started_at').eq('lead_id', leadId).order('started_at').limit(50);
	if (error) throw new Error(`loading the lead's sessions failed: ${error.message}`);
	if (!sessions.length) return [];
	const ids = sessions.map((s) => s.id);
	const since = sessions[0]!.started_at; // lets Postgres skip the months before the journey
	const [touches, views, events] = await Promise.all([
		leads.from('utm_touches').select('touched_at, session_id, channel, utm_source, utm_medium, utm_campaign, gclid, fbclid, ttclid, li_fat_id, msclkid')
			.eq('lead_id', leadId).order('touched_at').limit(JOURNEY_ITEMS_SHOWN),
		leads.from('page_views').select('created_at, session_id, page_path, page_title, view_order, time_on_page')
			.in('session_id', ids).gte('created_at', since).order('created_at').limit(JOURNEY_ITEMS_SHOWN),
		leads.from('web_events').select('created_at, session_id, event_type, event_action, event_label')
			.in('session_id', ids).gte('created_at', since).order('created_at').limit(JOURNEY_ITEMS_SHOWN)
	]);
	const failed = touches.error ?? views.error ?? events.error;
	if (failed) throw new Error(`loading the lead's journey failed: ${failed.message}`);
	const items: JourneyItem[] = [
		...(touches.data ?? []).map((t) => ({
			kind: 'touch' as const, at: t.touched_at, sessionId: t.session_id, channel: t.channel, source: t.utm_source, medium: t.utm_medium,
			campaign: t.utm_campaign, clickId: t.gclid ? 'gclid' : t.fbclid ? 'fbclid' : t.ttclid ? 'ttclid' : t.li_fat_id ? 'li_fat_id' : t.msclkid ? 'msclkid' : null
		})),
		...(views.data ?? []).map((v) => ({
			kind: 'page' as const, at: v.created_at, sessionId: v.session_id, path: v.page_path, title: v.page_title, order: v.view_order, seconds: v.time_on_page
		})),
		...(events.data ?? []).map((e) => ({
			kind: 'event' as const, at: e.created_at, sessionId: e.session_id, type: e.event_type, action: e.event_action, label: e.event_label
		}))
	];
	// a touch and the page view it came with share a moment: the touch first
	const rank = { touch: 0, page: 1, event: 2 };
	return items.sort((a, b) => a.at.localeCompare(b.at) || rank[a.kind] - rank[b.kind]).slice(0, JOURNEY_ITEMS_SHOWN);
}
