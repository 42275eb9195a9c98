// Shapes the leads pages pass from their server loads to their components.
import type { Database } from '@rastro/contracts';
import type { CompanyRole } from '../roles.ts';

type LeadTables = Database['lead']['Tables'];

/** A member of the current company, as owner pickers and "who did it" lines show them. */
export interface Member {
	userId: string;
	email: string;
	role: CompanyRole;
}

export type PipelineStage = Pick<
	LeadTables['pipeline_stages']['Row'],
	'id' | 'name' | 'position' | 'probability' | 'is_won' | 'is_lost' | 'is_active'
>;

export type LeadListRow = Pick<
	LeadTables['leads']['Row'],
	| 'id'
	| 'name'
	| 'email'
	| 'phone'
	| 'company_name'
	| 'status'
	| 'origin'
	| 'stage_id'
	| 'owner_id'
	| 'value'
	| 'score'
	| 'created_at'
	| 'updated_at'
	| 'converted_at'
>;

export type Lead = LeadTables['leads']['Row'];
export type StageChange = LeadTables['lead_stages']['Row'];
export type Opportunity = LeadTables['opportunities']['Row'];
export type LeadSync = LeadTables['lead_sync']['Row'];
export type AuditEntry = Database['ops']['Tables']['audit_log']['Row'];
export type LeadImport = LeadTables['lead_imports']['Row'];
export type LeadImportError = LeadTables['lead_import_errors']['Row'];
