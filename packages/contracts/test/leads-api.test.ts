// The lead API the console uses, through the gateway as a signed-in member (supabase-js, PostgREST):
// create, list with filters + text search + exact count, move stages, convert, and the HTTP status and
// code of each convert_to_opportunity failure. Runs against the stack npm test boots (demo users).
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadRpcErrors } from '../src/leads.ts';

const env = { api: process.env.API_URL ?? '', anon: process.env.ANON_KEY ?? '' };

async function signedIn(email: string, password: string): Promise<SupabaseClient> {
  const client = createClient(env.api, env.anon, { auth: { persistSession: false, autoRefreshToken: false } });
  const { error } = await client.auth.signInWithPassword({ email, password });
  if (error) throw error;
  return client;
}

describe.skipIf(!env.api)('lead API through PostgREST (needs the stack)', () => {
  let admin: SupabaseClient;
  let viewer: SupabaseClient;
  let companyId: string;
  let stages: Map<string, string>;
  let leadId: string;
  const email = `api-test-${Date.now()}@example.com`;

  beforeAll(async () => {
    admin = await signedIn('admin@demo.rastro.local', 'demo-admin-pass');
    viewer = await signedIn('viewer@demo.rastro.local', 'demo-viewer-pass');
    const { data: companies } = await admin.schema('core').rpc('my_companies');
    companyId = companies.find((c: { is_default: boolean }) => c.is_default).company_id;
    const { data, error } = await admin.schema('lead').from('pipeline_stages').select('id, name').order('position');
    if (error) throw error;
    stages = new Map(data.map((s) => [s.name, s.id]));
  });

  afterAll(async () => {
    if (leadId) await admin.schema('lead').from('leads').delete().eq('id', leadId);
  });

  it('creates a lead and returns it with its hashes', async () => {
    const { data, error, status } = await admin.schema('lead').from('leads')
      .insert({ company_id: companyId, name: 'Conversão Teste API', email: ` ${email.toUpperCase()} `, phone: '+55 (11) 98765-4321', value: 1200 })
      .select('id, email, email_hash, phone_hash, origin, status')
      .single();
    expect(error).toBeNull();
    expect(status).toBe(201);
    expect(data).toMatchObject({ email: email.toUpperCase(), origin: 'manual', status: 'new' });
    expect(data?.email_hash).toMatch(/^[0-9a-f]{64}$/);
    leadId = data!.id;
  });

  it('refuses the same e-mail in another case with 409', async () => {
    const { error, status } = await admin.schema('lead').from('leads').insert({ company_id: companyId, email });
    expect(status).toBe(409);
    expect(error?.code).toBe('23505');
  });

  it('lists with filters, sort, a page and the exact count', async () => {
    const { data, count, error } = await admin.schema('lead').from('leads')
      .select('id, name, email', { count: 'exact' })
      .eq('origin', 'manual')
      .eq('status', 'new')
      .gte('created_at', new Date(Date.now() - 3_600_000).toISOString())
      .order('created_at', { ascending: false })
      .range(0, 24);
    expect(error).toBeNull();
    expect(count).toBeGreaterThanOrEqual(1);
    expect(data?.map((l) => l.id)).toContain(leadId);
  });

  it('searches name and e-mail through search_leads, with filters and the exact count', async () => {
    const { data, count, error } = await admin.schema('lead')
      .rpc('search_leads', { query: 'CONVERSÃO teste' }, { count: 'exact' })
      .select('id, name, origin, created_at') // PostgREST 12 filters and orders an RPC's result only on selected columns (PostgREST#3965)
      .eq('origin', 'manual')
      .order('created_at', { ascending: false })
      .range(0, 24);
    expect(error).toBeNull();
    expect(count).toBe(1);
    expect(data).toMatchObject([{ id: leadId, name: 'Conversão Teste API', origin: 'manual' }]);
    const byEmail = await admin.schema('lead').rpc('search_leads', { query: email.slice(0, 14) }).select('id');
    expect(byEmail.data).toEqual([{ id: leadId }]);
  });

  it('moves the lead through stages with a reason, and the history shows it', async () => {
    const { error } = await admin.schema('lead').rpc('move_to_stage', { lead_id: leadId, stage_id: stages.get('qualified'), reason: 'asked for a demo' });
    expect(error).toBeNull();
    const { data } = await admin.schema('lead').from('lead_stages').select('from_stage_name, to_stage_name, reason').eq('lead_id', leadId).order('changed_at');
    expect(data).toEqual([
      { from_stage_name: null, to_stage_name: 'new', reason: null },
      { from_stage_name: 'new', to_stage_name: 'qualified', reason: 'asked for a demo' },
    ]);
  });

  it('converts the lead and returns both rows', async () => {
    const { data, error } = await admin.schema('lead').rpc('convert_to_opportunity', { lead_id: leadId, stage_id: stages.get('proposal'), value: 5000 });
    expect(error).toBeNull();
    expect(data.lead).toMatchObject({ id: leadId, status: 'converted', stage_id: stages.get('proposal') });
    expect(data.opportunity).toMatchObject({ lead_id: leadId, title: 'Conversão Teste API', value: 5000 });
  });

  it('converting twice is 409 lead_already_converted', async () => {
    const { error, status } = await admin.schema('lead').rpc('convert_to_opportunity', { lead_id: leadId, stage_id: stages.get('won') });
    expect(status).toBe(leadRpcErrors.lead_already_converted.status);
    expect(error).toMatchObject({ code: 'PT409', hint: 'lead_already_converted' });
  });

  it('an unknown lead is 404 lead_not_found', async () => {
    const { error, status } = await admin.schema('lead').rpc('convert_to_opportunity', { lead_id: crypto.randomUUID(), stage_id: stages.get('won') });
    expect(status).toBe(404);
    expect(error).toMatchObject({ code: 'PT404', hint: 'lead_not_found' });
  });

  it('an unknown stage is 422 stage_not_active', async () => {
    const { data: other } = await admin.schema('lead').from('leads').insert({ company_id: companyId, email: `second-${email}` }).select('id').single();
    const { error, status } = await admin.schema('lead').rpc('convert_to_opportunity', { lead_id: other!.id, stage_id: crypto.randomUUID() });
    await admin.schema('lead').from('leads').delete().eq('id', other!.id);
    expect(status).toBe(422);
    expect(error).toMatchObject({ code: 'PT422', hint: 'stage_not_active' });
  });

  it('a viewer is 403 not_allowed', async () => {
    const { error, status } = await viewer.schema('lead').rpc('convert_to_opportunity', { lead_id: leadId, stage_id: stages.get('won') });
    expect(status).toBe(403);
    expect(error).toMatchObject({ code: '42501', hint: 'not_allowed' });
  });

  it('the audit trail of the lead is readable by members', async () => {
    const { data, error } = await viewer.schema('ops').from('audit_log').select('action, actor_role').eq('row_id', leadId).order('id');
    expect(error).toBeNull();
    expect(data?.map((r) => r.action)).toEqual(['insert', 'update', 'update']);
  });
});
