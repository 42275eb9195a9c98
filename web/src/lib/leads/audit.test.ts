import { describe, expect, it } from 'vitest';
import { overwriteGetLocale } from '#lib/paraglide/runtime.js';
import { workerDatabaseRole } from '@rastro/contracts/tenancy.ts';
import { describeAuditEntry, type AuditNames } from './audit.ts';

// These expectations are written in English; the pt-BR text is checked by the e2e suite.
overwriteGetLocale(() => 'en');

const names: AuditNames = {
	stageName: (id) => ({ s1: 'new', s2: 'qualified' })[id],
	memberEmail: (id) => ({ u1: 'ana@demo.test' })[id]
};

const entry = {
	id: 7,
	table_name: 'leads',
	actor: 'u1',
	actor_role: 'authenticated',
	occurred_at: '2026-11-22T10:05:00Z'
};

describe('the activity list of a lead', () => {
	it('shows each changed field before and after, in words', () => {
		const line = describeAuditEntry(
			{
				...entry,
				action: 'update',
				before: { stage_id: 's1', value: null, status: 'new', sync_to_crm: false, email_hash: 'aa' },
				after: { stage_id: 's2', value: 1500, status: 'contacted', sync_to_crm: true, email_hash: 'bb' }
			},
			names
		);
		expect(line).toEqual({
			id: 7,
			kind: 'update',
			summary: 'Lead updated',
			actor: 'ana@demo.test',
			when: 'Nov 22, 2026, 07:05 AM',
			changes: [
				{ field: 'value', label: 'Expected value', before: '—', after: 'R$1,500.00' },
				{ field: 'stage_id', label: 'Stage', before: 'New', after: 'Qualified' },
				{ field: 'status', label: 'Status', before: 'New', after: 'Contacted' },
				{ field: 'sync_to_crm', label: 'Sync to Dinamize', before: 'No', after: 'Yes' }
			]
		});
	});

	it('names a single change in the summary', () => {
		const line = describeAuditEntry({ ...entry, action: 'update', before: { name: 'Ana' }, after: { name: 'Ana Souza' } }, names);
		expect(line.summary).toBe('Name changed');
		expect(line.changes).toEqual([{ field: 'name', label: 'Name', before: 'Ana', after: 'Ana Souza' }]);
	});

	it('lists the main fields of a created row', () => {
		const line = describeAuditEntry(
			{
				...entry,
				table_name: 'opportunities',
				action: 'insert',
				before: null,
				after: { id: 'o1', title: 'Ana Souza', stage_id: 's2', value: 900, owner_id: 'gone', currency: 'BRL' }
			},
			names
		);
		expect(line.summary).toBe('Opportunity created');
		expect(line.changes.map((c) => [c.label, c.after])).toEqual([
			['Title', 'Ana Souza'],
			['Stage', 'Qualified'],
			['Owner', 'a former member'],
			['Expected value', 'R$900.00']
		]);
	});

	it('says who acted when no member did', () => {
		const base = { ...entry, action: 'update', before: { name: 'a' }, after: { name: 'b' } };
		expect(describeAuditEntry({ ...base, actor: null, actor_role: workerDatabaseRole }, names).actor).toBe('Rastro (automatic)');
		expect(describeAuditEntry({ ...base, actor: 'u9' }, names).actor).toBe('A former member');
	});
});
