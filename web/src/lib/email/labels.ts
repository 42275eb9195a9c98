// Labels of the e-mail module's stored values (decision 0009: map values to message functions once).
import { m } from '../paraglide/messages.js';

export const CAMPAIGN_STATUS: Record<string, () => string> = {
	draft: m.email_campaign_status_draft,
	scheduled: m.email_campaign_status_scheduled,
	sending: m.email_campaign_status_sending,
	sent: m.email_campaign_status_sent,
	paused: m.email_campaign_status_paused,
	cancelled: m.email_campaign_status_cancelled
};

export const CONTACT_STATUS: Record<string, () => string> = {
	active: m.email_contact_status_active,
	suppressed: m.email_contact_status_suppressed,
	bounced: m.email_contact_status_bounced,
	complained: m.email_contact_status_complained
};

export const EVENT_TYPE: Record<string, () => string> = {
	sent: m.email_event_type_sent,
	delivered: m.email_event_type_delivered,
	open: m.email_event_type_open,
	click: m.email_event_type_click,
	bounce: m.email_event_type_bounce,
	complaint: m.email_event_type_complaint,
	unsubscribe: m.email_event_type_unsubscribe
};

export const SUPPRESSION_REASON: Record<string, () => string> = {
	unsubscribe: m.email_suppression_reason_unsubscribe,
	hard_bounce: m.email_suppression_reason_hard_bounce,
	complaint: m.email_suppression_reason_complaint,
	soft_bounce_limit: m.email_suppression_reason_soft_bounce_limit,
	manual: m.email_suppression_reason_manual,
	erasure: m.email_suppression_reason_erasure
};

export const UNSUBSCRIBE_SCOPE: Record<string, () => string> = {
	global: m.email_unsubscribe_scope_global,
	campaign: m.email_unsubscribe_scope_campaign,
	list: m.email_unsubscribe_scope_list
};

export function label(labels: Record<string, () => string>, value: string | null | undefined): string {
	const known = value && Object.hasOwn(labels, value) ? labels[value] : undefined;
	return known ? known() : (value ?? '');
}

export function rate(value: number | null | undefined): string {
	return value === null || value === undefined ? '—' : `${(Number(value) * 100).toFixed(1)}%`;
}

/** An embedded to-one relation, whichever shape PostgREST's types give it. */
export function one<T>(value: T | T[] | null): T | null {
	return Array.isArray(value) ? (value[0] ?? null) : value;
}
