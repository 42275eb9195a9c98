// What people read for the codes stored in lead.leads, lead.lead_sync and lead.lead_imports.
import type { LeadOrigin, LeadStatus, LeadSyncStatus } from '@rastro/contracts/leads.ts';
import { m } from '#lib/paraglide/messages.js';

// Each label is a getter: read when shown, so it is in the language of the request (decision 0009).
// Stored values stay as they are; only their display is translated.
export const STATUS_LABELS: Record<LeadStatus, string> = {
	get new() { return m.lead_status_new(); },
	get contacted() { return m.lead_status_contacted(); },
	get qualified() { return m.lead_status_qualified(); },
	get converted() { return m.lead_status_converted(); },
	get lost() { return m.lead_status_lost(); }
};

export const ORIGIN_LABELS: Record<LeadOrigin, string> = {
	get manual() { return m.lead_origin_manual(); },
	get csv() { return m.lead_origin_csv(); },
	get dinamize() { return m.lead_origin_dinamize(); },
	get form() { return m.lead_origin_form(); },
	get whatsapp() { return m.lead_origin_whatsapp(); },
	get email() { return m.lead_origin_email(); }
};

export const SYNC_STATUS_LABELS: Record<LeadSyncStatus, string> = {
	get pending() { return m.lead_sync_status_pending(); },
	get synced() { return m.lead_sync_status_synced(); },
	get failed() { return m.lead_sync_status_failed(); }
};

export type ImportStatus = 'queued' | 'parsing' | 'processing' | 'completed' | 'failed' | 'cancelled';

export const IMPORT_STATUS_LABELS: Record<ImportStatus, string> = {
	get queued() { return m.import_status_queued(); },
	get parsing() { return m.import_status_parsing(); },
	get processing() { return m.import_status_processing(); },
	get completed() { return m.import_status_completed(); },
	get failed() { return m.import_status_failed(); },
	get cancelled() { return m.import_status_cancelled(); }
};

/** Imports still moving: the imports pages poll while any is in one of these. */
export function isImportRunning(status: string): boolean {
	return status === 'queued' || status === 'parsing' || status === 'processing';
}

export function label<K extends string>(labels: Record<K, string>, key: string | null | undefined): string {
	return key && key in labels ? labels[key as K] : (key ?? '—');
}

/** Lead fields by the name a person reads (audit trail keys, form errors, import mapping). */
export const FIELD_LABELS: Record<string, string> = {
	get name() { return m.lead_field_name(); },
	get email() { return m.lead_field_email(); },
	get phone() { return m.lead_field_phone(); },
	get company_name() { return m.lead_field_company_name(); },
	get job_title() { return m.lead_field_job_title(); },
	get message() { return m.lead_field_message(); },
	get origin() { return m.lead_field_origin(); },
	get status() { return m.lead_field_status(); },
	get stage_id() { return m.lead_field_stage_id(); },
	get owner_id() { return m.lead_field_owner_id(); },
	get value() { return m.lead_field_value(); },
	get score() { return m.lead_field_score(); },
	get sync_to_crm() { return m.lead_field_sync_to_crm(); },
	get converted_at() { return m.lead_field_converted_at(); },
	get converted_to_opportunity_id() { return m.lead_field_converted_to_opportunity_id(); },
	get external_id() { return m.lead_field_external_id(); },
	get extra() { return m.lead_field_extra(); },
	get utm_source() { return m.lead_field_utm_source(); },
	get utm_medium() { return m.lead_field_utm_medium(); },
	get utm_campaign() { return m.lead_field_utm_campaign(); },
	get utm_term() { return m.lead_field_utm_term(); },
	get utm_content() { return m.lead_field_utm_content(); },
	get email_hash() { return m.lead_field_email_hash(); },
	get phone_hash() { return m.lead_field_phone_hash(); },
	get email_domain() { return m.lead_field_email_domain(); }
};

export function fieldLabel(key: string): string {
	return key in FIELD_LABELS ? FIELD_LABELS[key]! : key.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase());
}

/** The stages Rastro seeds for every company (lead._add_default_pipeline_stages), by stored name. */
const SEEDED_STAGE_LABELS: Record<string, string> = {
	get new() { return m.pipeline_stage_new(); },
	get qualified() { return m.pipeline_stage_qualified(); },
	get proposal() { return m.pipeline_stage_proposal(); },
	get negotiation() { return m.pipeline_stage_negotiation(); },
	get won() { return m.pipeline_stage_won(); },
	get lost() { return m.pipeline_stage_lost(); }
};

/** A stage name as people read it: the seeded stages translated, a company's own names as written. */
export function stageLabel(name: string | null | undefined): string {
	if (!name) return '—';
	if (Object.hasOwn(SEEDED_STAGE_LABELS, name)) return SEEDED_STAGE_LABELS[name]!;
	return name.charAt(0).toUpperCase() + name.slice(1);
}
