// Labels of the conversions module's stored values (statuses, skip reasons, platforms, token states),
// and the match-quality advice, in the active locale.
import { m } from '#lib/paraglide/messages.js';
import type { ConversionPlatform, DeliveryStatus, SkipReason } from '@rastro/contracts/conversions.ts';

export const STATUS_LABELS: Record<DeliveryStatus, () => string> = {
	pending: m.conversions_status_pending,
	processing: m.conversions_status_processing,
	sent: m.conversions_status_sent,
	failed: m.conversions_status_failed,
	skipped: m.conversions_status_skipped
};

export const REASON_LABELS: Record<SkipReason, () => string> = {
	no_click_id: m.conversions_reason_no_click_id,
	outside_window: m.conversions_reason_outside_window,
	no_active_pixel: m.conversions_reason_no_active_pixel,
	duplicate: m.conversions_reason_duplicate
};

export const PLATFORM_LABELS: Record<ConversionPlatform, () => string> = {
	meta: m.conversions_platform_meta,
	google_ads: m.conversions_platform_google_ads,
	tiktok: m.conversions_platform_tiktok,
	linkedin: m.conversions_platform_linkedin,
	webhook: m.conversions_platform_webhook
};

export const TOKEN_LABELS: Record<string, () => string> = {
	missing: m.conversions_token_missing,
	unverified: m.conversions_token_unverified,
	valid: m.conversions_token_valid,
	invalid: m.conversions_token_invalid
};

export const ALERT_LABELS: Record<string, () => string> = {
	token_invalid: m.conversions_alert_token_invalid,
	dead_letters: m.conversions_alert_dead_letters,
	platform_failing: m.conversions_alert_platform_failing
};

export type MatchQualityRow = {
	platform: ConversionPlatform;
	destination_id: string | null;
	conversions: number;
	sent: number;
	failed: number;
	waiting: number;
	skipped_no_click_id: number;
	skipped_outside_window: number;
	skipped_no_active_pixel: number;
	skipped_duplicate: number;
	share_with_click_id: number | string;
	share_with_email: number | string;
	share_with_phone: number | string;
};

/** What to do about a platform's match quality (one line per weakness, or "good coverage"). */
export function matchAdvice(row: MatchQualityRow): string[] {
	const advice: string[] = [];
	if (Number(row.share_with_click_id) < 0.5) advice.push(m.conversions_advice_click_ids());
	if (Number(row.share_with_email) < 0.5) advice.push(m.conversions_advice_email());
	if (row.skipped_no_active_pixel > 0) advice.push(m.conversions_advice_no_destination());
	if (row.skipped_outside_window > 0) advice.push(m.conversions_advice_window());
	return advice.length > 0 ? advice : [m.conversions_advice_ok()];
}
