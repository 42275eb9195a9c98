// What people read for the codes stored in lead.leads, lead.lead_sync and lead.lead_imports.
import type { LeadOrigin, LeadStatus, LeadSyncStatus } from '@rastro/contracts/leads.ts';

export const STATUS_LABELS: Record<LeadStatus, string> = {
	new: 'New',
	contacted: 'Contacted',
	qualified: 'Qualified',
	converted: 'Converted',
	lost: 'Lost'
};

export const ORIGIN_LABELS: Record<LeadOrigin, string> = {
	manual: 'Manual',
	csv: 'CSV import',
	dinamize: 'Dinamize',
	form: 'Web form',
	whatsapp: 'WhatsApp',
	email: 'E-mail'
};

export const SYNC_STATUS_LABELS: Record<LeadSyncStatus, string> = {
	pending: 'Waiting to sync',
	synced: 'Synced',
	failed: 'Sync failed'
};

export type ImportStatus = 'queued' | 'parsing' | 'processing' | 'completed' | 'failed' | 'cancelled';

export const IMPORT_STATUS_LABELS: Record<ImportStatus, string> = {
	queued: 'Queued',
	parsing: 'Reading file',
	processing: 'Importing',
	completed: 'Completed',
	failed: 'Failed',
	cancelled: 'Cancelled'
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
	name: 'Name',
	email: 'E-mail',
	phone: 'Phone',
	company_name: 'Company',
	job_title: 'Job title',
	message: 'Message',
	origin: 'Origin',
	status: 'Status',
	stage_id: 'Stage',
	owner_id: 'Owner',
	value: 'Expected value',
	score: 'Score',
	sync_to_crm: 'Sync to Dinamize',
	converted_at: 'Converted at',
	converted_to_opportunity_id: 'Opportunity',
	external_id: 'External id',
	extra: 'Extra fields',
	utm_source: 'UTM source',
	utm_medium: 'UTM medium',
	utm_campaign: 'UTM campaign',
	utm_term: 'UTM term',
	utm_content: 'UTM content',
	email_hash: 'E-mail hash',
	phone_hash: 'Phone hash',
	email_domain: 'E-mail domain'
};

export function fieldLabel(key: string): string {
	return FIELD_LABELS[key] ?? key.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase());
}

/** A stage name as headings and tables show it: the default stages are stored lower-case ("new"). */
export function stageLabel(name: string | null | undefined): string {
	if (!name) return '—';
	return name.charAt(0).toUpperCase() + name.slice(1);
}
