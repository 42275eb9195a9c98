// Turns ops.audit_log entries into what the lead page's activity list shows: who did what, and for
// changes, each changed field with its value before and after, in words rather than ids.
import { m } from '#lib/paraglide/messages.js';
import type { Json } from '@rastro/contracts';
import { workerDatabaseRole } from '@rastro/contracts/tenancy.ts';
import { formatDateTime, formatMoney } from '../format.ts';
import { getLocale } from '../paraglide/runtime.js';
import { fieldLabel, label, ORIGIN_LABELS, stageLabel, STATUS_LABELS } from './labels.ts';

/** Columns that say nothing to a person reading the trail (ids, hashes, bookkeeping). */
const HIDDEN_KEYS = new Set([
	'id',
	'company_id',
	'lead_id',
	'created_at',
	'created_by',
	'updated_at',
	'email_hash',
	'phone_hash',
	'email_domain'
]);

/** Fields shown for a created row, in this order, when they have a value. */
const CREATED_KEYS = ['name', 'email', 'phone', 'title', 'origin', 'status', 'stage_id', 'owner_id', 'value', 'score'];

export interface AuditChange {
	field: string;
	label: string;
	before: string;
	after: string;
}

export interface AuditLine {
	id: number;
	kind: 'insert' | 'update' | 'delete';
	summary: string;
	actor: string;
	when: string;
	changes: AuditChange[];
}

export interface AuditNames {
	stageName(id: string): string | undefined;
	memberEmail(id: string): string | undefined;
}

interface AuditEntryLike {
	id: number;
	table_name: string;
	action: string;
	before: Json | null;
	after: Json | null;
	actor: string | null;
	actor_role: string | null;
	occurred_at: string;
}

function asObject(value: Json | null): Record<string, Json | undefined> {
	return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

export function auditValue(field: string, value: Json | undefined, names: AuditNames): string {
	if (value === null || value === undefined || value === '') return '—';
	if (typeof value === 'boolean') return value ? m.common_yes() : m.common_no();
	if (typeof value === 'string') {
		if (field === 'stage_id') return names.stageName(value) === undefined ? m.audit_removed_stage() : stageLabel(names.stageName(value));
		if (field === 'owner_id') return names.memberEmail(value) ?? m.audit_former_member();
		if (field === 'status') return label(STATUS_LABELS, value);
		if (field === 'origin') return label(ORIGIN_LABELS, value);
		if (field === 'converted_to_opportunity_id') return m.audit_opportunity_created();
		if (field.endsWith('_at')) return formatDateTime(value);
		return value;
	}
	if (typeof value === 'number') return field === 'value' ? formatMoney(value) : String(value);
	return JSON.stringify(value);
}

function subject(table: string): string {
	return table === 'opportunities' ? m.lead_field_converted_to_opportunity_id() : table === 'leads' ? m.leads_column_lead() : fieldLabel(table);
}

export function actorName(entry: Pick<AuditEntryLike, 'actor' | 'actor_role'>, names: AuditNames): string {
	if (entry.actor) return names.memberEmail(entry.actor) ?? m.common_former_member();
	// No user: a worker (import, Dinamize sync) or an operator working directly in the database.
	return entry.actor_role === workerDatabaseRole ? m.timeline_automatic() : m.audit_system();
}

export function describeAuditEntry(entry: AuditEntryLike, names: AuditNames): AuditLine {
	const before = asObject(entry.before);
	const after = asObject(entry.after);
	const what = subject(entry.table_name);
	const kind: AuditLine['kind'] = entry.action === 'insert' || entry.action === 'delete' ? entry.action : 'update';
	const base = { id: entry.id, kind, actor: actorName(entry, names), when: formatDateTime(entry.occurred_at) };

	if (entry.action === 'insert') {
		const changes = CREATED_KEYS.filter((key) => after[key] !== undefined && after[key] !== null).map((key) => ({
			field: key,
			label: fieldLabel(key),
			before: '—',
			after: auditValue(key, after[key], names)
		}));
		return { ...base, summary: m.audit_created({ what }), changes };
	}
	if (entry.action === 'delete') {
		return { ...base, summary: m.audit_deleted({ what }), changes: [] };
	}
	const changes = Object.keys(after)
		.filter((key) => !HIDDEN_KEYS.has(key))
		.sort((a, b) => fieldLabel(a).localeCompare(fieldLabel(b), getLocale()))
		.map((key) => ({
			field: key,
			label: fieldLabel(key),
			before: auditValue(key, before[key], names),
			after: auditValue(key, after[key], names)
		}));
	const summary = changes.length === 1 ? m.audit_field_changed({ field: changes[0]!.label }) : m.audit_updated({ what });
	return { ...base, summary, changes };
}
