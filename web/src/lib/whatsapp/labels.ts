// Labels of the WhatsApp module's stored values (ticket statuses and stages, enrichment states, the
// seed 002 conversion statuses) in the active locale.
import { m } from '#lib/paraglide/messages.js';
import type { TicketStage, TicketStatus } from '@rastro/contracts/whatsapp.ts';

export const STATUS_LABELS: Record<TicketStatus, () => string> = {
	open: m.whatsapp_status_open,
	closed: m.whatsapp_status_closed,
	expired: m.whatsapp_status_expired
};

export const STAGE_LABELS: Record<TicketStage, () => string> = {
	new: m.whatsapp_stage_new,
	qualified: m.whatsapp_stage_qualified,
	won: m.whatsapp_stage_won,
	lost: m.whatsapp_stage_lost
};

export const ENRICHMENT_LABELS: Record<string, () => string> = {
	PENDING: m.whatsapp_enrichment_pending,
	COMPLETED: m.whatsapp_enrichment_completed,
	FAILED: m.whatsapp_enrichment_failed
};

export const CONVERSION_STATUS_LABELS: Record<string, () => string> = {
	PENDING: m.whatsapp_conversion_pending,
	SENT: m.whatsapp_conversion_sent,
	FAILED: m.whatsapp_conversion_failed,
	SKIPPED_NO_CTWA: m.whatsapp_conversion_skipped_no_ctwa,
	SKIPPED_DUPLICATE_LEAD: m.whatsapp_conversion_skipped_duplicate_lead,
	SKIPPED_NO_DATASET: m.whatsapp_conversion_skipped_no_dataset,
	SKIPPED_OUTSIDE_WINDOW: m.whatsapp_conversion_skipped_outside_window
};
