import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ConvertToOpportunityInputSchema,
  CrmSyncMessageSchema,
  importRowErrorReason,
  LeadCreateSchema,
  LeadImportMappingSchema,
  LeadImportRowSchema,
  leadOrigins,
  leadRpcErrors,
  leadStatuses,
  LeadUpdateSchema,
} from '../src/index.ts';

const migration = (name: string) =>
  readFileSync(new URL(`../../../supabase/migrations/${name}`, import.meta.url), 'utf8');

describe('LeadCreate / LeadUpdate', () => {
  it('accepts a lead with only an e-mail and fills in the origin', () => {
    expect(LeadCreateSchema.parse({ email: ' maria@example.com ' })).toMatchObject({ email: 'maria@example.com', origin: 'manual' });
  });

  it('needs an e-mail or a phone', () => {
    expect(LeadCreateSchema.safeParse({ name: 'Nobody', email: '', phone: '  ' }).success).toBe(false);
    expect(LeadCreateSchema.safeParse({ phone: '+55 11 98765-4321' }).success).toBe(true);
  });

  it('turns blank text into null and refuses what the database would refuse', () => {
    expect(LeadCreateSchema.parse({ email: 'a@b.co', company_name: '   ' }).company_name).toBeNull();
    expect(LeadCreateSchema.safeParse({ email: 'not an e-mail' }).success).toBe(false);
    expect(LeadCreateSchema.safeParse({ email: 'a@b.co', origin: 'fax' }).success).toBe(false);
    expect(LeadCreateSchema.safeParse({ email: 'a@b.co', score: 101 }).success).toBe(false);
    expect(LeadCreateSchema.safeParse({ email: 'a@b.co', value: -1 }).success).toBe(false);
    expect(LeadCreateSchema.safeParse({ email: 'a@b.co', name: 'x'.repeat(301) }).success).toBe(false);
  });

  it('lets nobody set status converted by hand', () => {
    expect(LeadUpdateSchema.safeParse({ status: 'converted' }).success).toBe(false);
    expect(LeadUpdateSchema.parse({ status: 'contacted' })).toEqual({ status: 'contacted' });
  });

  it('updates only columns members may update', () => {
    expect(Object.keys(LeadUpdateSchema.shape)).not.toContain('origin');
    expect(Object.keys(LeadUpdateSchema.shape)).not.toContain('company_id');
  });
});

describe('ConvertToOpportunityInput', () => {
  const ids = { lead_id: '7d9f3b1e-2c4a-4e8b-9f1d-3a5c7e9b1d2f', stage_id: '1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e' };
  it('takes ids and optional deal fields', () => {
    expect(ConvertToOpportunityInputSchema.parse({ ...ids, value: 2500, expected_close_date: '2026-12-31', currency: 'BRL' })).toMatchObject(ids);
    expect(ConvertToOpportunityInputSchema.safeParse({ ...ids, currency: 'real' }).success).toBe(false);
    expect(ConvertToOpportunityInputSchema.safeParse({ lead_id: 'x', stage_id: ids.stage_id }).success).toBe(false);
  });

  it('names every error code the SQL raises', () => {
    const sql = migration('20261122001500_create_opportunities.sql') + migration('20261122001400_create_leads.sql');
    for (const [code, { sqlstate }] of Object.entries(leadRpcErrors)) {
      expect(sql).toContain(`errcode = '${sqlstate}', hint = '${code}'`);
    }
  });
});

describe('LeadImportMapping', () => {
  it('requires the e-mail column and defaults sync off', () => {
    expect(LeadImportMappingSchema.parse({ columns: { email: 'E-mail', name: 'Nome' } })).toEqual({
      columns: { email: 'E-mail', name: 'Nome' },
      sync_to_crm: false,
    });
    expect(LeadImportMappingSchema.safeParse({ columns: { name: 'Nome' } }).success).toBe(false);
  });

  it('refuses unknown fields and a column mapped twice', () => {
    expect(LeadImportMappingSchema.safeParse({ columns: { email: 'E-mail', password: 'Senha' } }).success).toBe(false);
    expect(LeadImportMappingSchema.safeParse({ columns: { email: 'E-mail', name: 'E-mail' } }).success).toBe(false);
  });
});

describe('LeadImportRow', () => {
  it('cleans a good row: trims, drops empty cells, parses numbers', () => {
    expect(LeadImportRowSchema.parse({
      email: ' Maria@Example.com ', name: ' Maria ', phone: '', value: 'R$ 1.234,56', score: '80', company_name: '',
    })).toEqual({ email: 'Maria@Example.com', name: 'Maria', value: 1234.56, score: 80 });
  });

  it.each([
    ['1234.5', 1234.5],
    ['1234,5', 1234.5],
    ['1,234.56', 1234.56],
    ['1.500', 1500],
    ['R$ 2.000', 2000],
  ])('reads the amount %s as %d', (raw, value) => {
    expect(LeadImportRowSchema.parse({ email: 'a@b.co', value: raw }).value).toBe(value);
  });

  it('explains every problem of a bad row in one reason', () => {
    const result = LeadImportRowSchema.safeParse({ email: 'nope', phone: '123', score: '200', value: 'abc' });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(importRowErrorReason(result.error)).toBe(
      'email: invalid e-mail address; phone: not a phone number (7 to 15 digits); value: not an amount; score: not a whole number from 0 to 100',
    );
  });

  it('requires the e-mail', () => {
    for (const row of [{}, { email: '' }, { email: '   ' }]) {
      const result = LeadImportRowSchema.safeParse(row);
      expect(result.success).toBe(false);
      if (!result.success) expect(importRowErrorReason(result.error)).toBe('email: required');
    }
  });
});

describe('enums and queue messages', () => {
  it('match the check constraints of lead.leads', () => {
    const sql = migration('20261122001400_create_leads.sql');
    expect(sql).toContain(`origin in (${leadOrigins.map((o) => `'${o}'`).join(', ')})`);
    expect(sql).toContain(`status in (${leadStatuses.map((s) => `'${s}'`).join(', ')})`);
  });

  it('describe a crm_sync message', () => {
    const message = {
      lead_id: '7d9f3b1e-2c4a-4e8b-9f1d-3a5c7e9b1d2f',
      company_id: '1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e',
      lead_sync_id: '2b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e',
      provider: 'dinamize',
      operation: 'add',
    };
    expect(CrmSyncMessageSchema.parse(message)).toEqual(message);
  });
});
