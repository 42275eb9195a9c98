-- Tenant isolation of every table issue 3 adds: a member of company A reads A's rows, cannot read,
-- insert, update or delete B's; anon has no access at all. Writes the table does not grant to
-- authenticated fail with 42501 before RLS is even asked; granted ones touch zero rows of B.
begin;
\ir ../_helpers/install.psql
select plan(78);

select tests.create_user('ana@a.test');
select tests.create_user('bruno@b.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.create_company('Empresa B', 'empresa-b');
select tests.add_member(tests.company_id('empresa-a'), 'ana@a.test', 'owner');
select tests.add_member(tests.company_id('empresa-b'), 'bruno@b.test', 'owner');

-- One row of everything in each company, written as the test runner (no RLS).
create temp table fixture (company text, integration_id uuid, lead_id uuid, import_id uuid) on commit drop;
grant select on fixture to authenticated, anon;
do $$
declare
  slug text;
  company uuid;
  integration uuid;
  lead uuid;
  import uuid;
begin
  foreach slug in array array['empresa-a', 'empresa-b'] loop
    company := tests.company_id(slug);
    insert into ops.integrations (company_id, provider, credentials_ciphertext) values (company, 'dinamize', 'ciphertext-' || slug)
    returning id into integration;
    insert into ops.sync_state (company_id, integration_id, sync_type, last_successful_sync) values (company, integration, 'contacts_pull', now());
    insert into ops.integrations_log (company_id, integration_id, provider, direction, operation, success)
    values (company, integration, 'dinamize', 'outbound', 'auth', true);
    insert into lead.leads (company_id, name, email) values (company, 'Lead ' || slug, 'lead@' || slug || '.test') returning id into lead;
    insert into lead.lead_sync (company_id, lead_id, integration_id, status) values (company, lead, integration, 'synced');
    insert into lead.opportunities (company_id, lead_id, title, stage_id)
    values (company, lead, 'Deal ' || slug, (select id from lead.pipeline_stages where company_id = company and name = 'proposal'));
    insert into lead.lead_imports (company_id, file_name, file_size_bytes, mapping) values (company, slug || '.csv', 10, '{}')
    returning id into import;
    insert into lead.lead_import_errors (company_id, import_id, line_number, reason) values (company, import, 2, 'email: required');
    insert into lead.lead_import_chunks (company_id, import_id, chunk_no, rows_in_chunk) values (company, import, 0, 1);
    insert into fixture values (slug, integration, lead, import);
  end loop;
  insert into ops.worker_runs (worker) values ('crm-sync-worker');
end
$$;

select tests.authenticate_as('ana@a.test');

-- ops.audit_log
select isnt_empty(format('select 1 from ops.audit_log where company_id = %L', tests.company_id('empresa-a')), 'audit_log: A reads its own trail');
select is_empty(format('select 1 from ops.audit_log where company_id = %L', tests.company_id('empresa-b')), 'audit_log: A cannot read B''s trail');
select throws_ok(format($$insert into ops.audit_log (company_id, table_schema, table_name, row_id, action, after) values (%L, 'lead', 'leads', gen_random_uuid(), 'insert', '{}')$$, tests.company_id('empresa-b')),
  '42501', null, 'audit_log: nobody inserts audit rows directly');
select throws_ok('update ops.audit_log set actor = null', '42501', null, 'audit_log: nobody rewrites audit rows');
select throws_ok('delete from ops.audit_log', '42501', null, 'audit_log: nobody deletes audit rows');

-- ops.integrations (column grants: never select *)
select isnt_empty(format('select id from ops.integrations where company_id = %L', tests.company_id('empresa-a')), 'integrations: A reads its own');
select is_empty(format('select id from ops.integrations where company_id = %L', tests.company_id('empresa-b')), 'integrations: A cannot read B''s');
select throws_ok(format($$insert into ops.integrations (company_id, provider) values (%L, 'dinamize')$$, tests.company_id('empresa-b')),
  '42501', 'new row violates row-level security policy for table "integrations"', 'integrations: A cannot add one to B');
with changed as (update ops.integrations set sync_enabled = true where company_id = tests.company_id('empresa-b') returning 1)
select is(count(*)::int, 0, 'integrations: A updates none of B''s') from changed;
with changed as (delete from ops.integrations where company_id = tests.company_id('empresa-b') returning 1)
select is(count(*)::int, 0, 'integrations: A deletes none of B''s') from changed;

-- ops.sync_state
select isnt_empty(format('select 1 from ops.sync_state where company_id = %L', tests.company_id('empresa-a')), 'sync_state: A reads its own');
select is_empty(format('select 1 from ops.sync_state where company_id = %L', tests.company_id('empresa-b')), 'sync_state: A cannot read B''s');
select throws_ok(format($$insert into ops.sync_state (company_id, integration_id, sync_type) values (%L, %L, 'x')$$,
  tests.company_id('empresa-b'), (select integration_id from fixture where company = 'empresa-b')), '42501', null, 'sync_state: A cannot insert');
select throws_ok('update ops.sync_state set last_error = null', '42501', null, 'sync_state: A cannot update');
select throws_ok('delete from ops.sync_state', '42501', null, 'sync_state: A cannot delete');

-- ops.integrations_log
select isnt_empty(format('select 1 from ops.integrations_log where company_id = %L', tests.company_id('empresa-a')), 'integrations_log: A reads its own');
select is_empty(format('select 1 from ops.integrations_log where company_id = %L', tests.company_id('empresa-b')), 'integrations_log: A cannot read B''s');
select throws_ok(format($$insert into ops.integrations_log (company_id, provider, direction, operation, success) values (%L, 'dinamize', 'outbound', 'x', true)$$,
  tests.company_id('empresa-b')), '42501', null, 'integrations_log: A cannot insert');
select throws_ok('update ops.integrations_log set error = null', '42501', null, 'integrations_log: A cannot update');
select throws_ok('delete from ops.integrations_log', '42501', null, 'integrations_log: A cannot delete');

-- ops.worker_runs (cross-tenant: service role only)
select throws_ok('select 1 from ops.worker_runs', '42501', null, 'worker_runs: members cannot read worker heartbeats');
select throws_ok($$insert into ops.worker_runs (worker) values ('x')$$, '42501', null, 'worker_runs: members cannot insert');

-- lead.pipeline_stages
select isnt_empty(format('select 1 from lead.pipeline_stages where company_id = %L', tests.company_id('empresa-a')), 'pipeline_stages: A reads its own');
select is_empty(format('select 1 from lead.pipeline_stages where company_id = %L', tests.company_id('empresa-b')), 'pipeline_stages: A cannot read B''s');
select throws_ok(format($$insert into lead.pipeline_stages (company_id, name, position) values (%L, 'sneaky', 9)$$, tests.company_id('empresa-b')),
  '42501', 'new row violates row-level security policy for table "pipeline_stages"', 'pipeline_stages: A cannot add one to B');
with changed as (update lead.pipeline_stages set name = 'hacked' where company_id = tests.company_id('empresa-b') returning 1)
select is(count(*)::int, 0, 'pipeline_stages: A updates none of B''s') from changed;
with changed as (delete from lead.pipeline_stages where company_id = tests.company_id('empresa-b') returning 1)
select is(count(*)::int, 0, 'pipeline_stages: A deletes none of B''s') from changed;

-- lead.leads
select isnt_empty(format('select 1 from lead.leads where company_id = %L', tests.company_id('empresa-a')), 'leads: A reads its own');
select is_empty(format('select 1 from lead.leads where company_id = %L', tests.company_id('empresa-b')), 'leads: A cannot read B''s');
select throws_ok(format($$insert into lead.leads (company_id, email) values (%L, 'x@b.test')$$, tests.company_id('empresa-b')),
  '42501', 'new row violates row-level security policy for table "leads"', 'leads: A cannot add one to B');
select throws_ok(format($$update lead.leads set company_id = %L where company_id = %L$$, tests.company_id('empresa-b'), tests.company_id('empresa-a')),
  '42501', null, 'leads: A cannot move its lead to B');
with changed as (update lead.leads set name = 'hacked' where company_id = tests.company_id('empresa-b') returning 1)
select is(count(*)::int, 0, 'leads: A updates none of B''s') from changed;
with changed as (delete from lead.leads where company_id = tests.company_id('empresa-b') returning 1)
select is(count(*)::int, 0, 'leads: A deletes none of B''s') from changed;

-- lead.lead_stages
select isnt_empty(format('select 1 from lead.lead_stages where company_id = %L', tests.company_id('empresa-a')), 'lead_stages: A reads its own');
select is_empty(format('select 1 from lead.lead_stages where company_id = %L', tests.company_id('empresa-b')), 'lead_stages: A cannot read B''s');
select throws_ok(format($$insert into lead.lead_stages (company_id, lead_id, to_stage_name) values (%L, %L, 'won')$$,
  tests.company_id('empresa-b'), (select lead_id from fixture where company = 'empresa-b')), '42501', null, 'lead_stages: nobody writes history directly');
select throws_ok('update lead.lead_stages set reason = null', '42501', null, 'lead_stages: A cannot update history');
select throws_ok('delete from lead.lead_stages', '42501', null, 'lead_stages: A cannot delete history');

-- lead.opportunities
select isnt_empty(format('select 1 from lead.opportunities where company_id = %L', tests.company_id('empresa-a')), 'opportunities: A reads its own');
select is_empty(format('select 1 from lead.opportunities where company_id = %L', tests.company_id('empresa-b')), 'opportunities: A cannot read B''s');
select throws_ok(format($$insert into lead.opportunities (company_id, lead_id, title, stage_id) values (%L, %L, 'x', %L)$$,
  tests.company_id('empresa-b'), (select lead_id from fixture where company = 'empresa-b'),
  (select id from lead.pipeline_stages where company_id = tests.company_id('empresa-a') limit 1)),
  '42501', null, 'opportunities: only convert_to_opportunity creates them');
with changed as (update lead.opportunities set title = 'hacked' where company_id = tests.company_id('empresa-b') returning 1)
select is(count(*)::int, 0, 'opportunities: A updates none of B''s') from changed;
with changed as (delete from lead.opportunities where company_id = tests.company_id('empresa-b') returning 1)
select is(count(*)::int, 0, 'opportunities: A deletes none of B''s') from changed;

-- lead.lead_sync
select isnt_empty(format('select 1 from lead.lead_sync where company_id = %L', tests.company_id('empresa-a')), 'lead_sync: A reads its own');
select is_empty(format('select 1 from lead.lead_sync where company_id = %L', tests.company_id('empresa-b')), 'lead_sync: A cannot read B''s');
select throws_ok(format($$insert into lead.lead_sync (company_id, lead_id) values (%L, %L)$$,
  tests.company_id('empresa-b'), (select lead_id from fixture where company = 'empresa-b')), '42501', null, 'lead_sync: A cannot insert');
select throws_ok($$update lead.lead_sync set status = 'pending'$$, '42501', null, 'lead_sync: A cannot update');
select throws_ok('delete from lead.lead_sync', '42501', null, 'lead_sync: A cannot delete');

-- lead.lead_imports
select isnt_empty(format('select 1 from lead.lead_imports where company_id = %L', tests.company_id('empresa-a')), 'lead_imports: A reads its own');
select is_empty(format('select 1 from lead.lead_imports where company_id = %L', tests.company_id('empresa-b')), 'lead_imports: A cannot read B''s');
select throws_ok(format($$insert into lead.lead_imports (company_id, file_name, file_size_bytes, mapping) values (%L, 'x.csv', 1, '{}')$$,
  tests.company_id('empresa-b')), '42501', 'new row violates row-level security policy for table "lead_imports"', 'lead_imports: A cannot start one for B');
with changed as (update lead.lead_imports set status = 'cancelled' where company_id = tests.company_id('empresa-b') returning 1)
select is(count(*)::int, 0, 'lead_imports: A cancels none of B''s') from changed;
select throws_ok('delete from lead.lead_imports', '42501', null, 'lead_imports: A cannot delete imports');

-- lead.lead_import_errors
select isnt_empty(format('select 1 from lead.lead_import_errors where company_id = %L', tests.company_id('empresa-a')), 'lead_import_errors: A reads its own');
select is_empty(format('select 1 from lead.lead_import_errors where company_id = %L', tests.company_id('empresa-b')), 'lead_import_errors: A cannot read B''s');
select throws_ok(format($$insert into lead.lead_import_errors (company_id, import_id, line_number, reason) values (%L, %L, 3, 'x')$$,
  tests.company_id('empresa-b'), (select import_id from fixture where company = 'empresa-b')), '42501', null, 'lead_import_errors: A cannot insert');
select throws_ok('update lead.lead_import_errors set reason = null', '42501', null, 'lead_import_errors: A cannot update');
select throws_ok('delete from lead.lead_import_errors', '42501', null, 'lead_import_errors: A cannot delete');

-- lead.lead_import_chunks
select isnt_empty(format('select 1 from lead.lead_import_chunks where company_id = %L', tests.company_id('empresa-a')), 'lead_import_chunks: A reads its own');
select is_empty(format('select 1 from lead.lead_import_chunks where company_id = %L', tests.company_id('empresa-b')), 'lead_import_chunks: A cannot read B''s');
select throws_ok(format($$insert into lead.lead_import_chunks (company_id, import_id, chunk_no, rows_in_chunk) values (%L, %L, 1, 1)$$,
  tests.company_id('empresa-b'), (select import_id from fixture where company = 'empresa-b')), '42501', null, 'lead_import_chunks: A cannot insert');
select throws_ok('update lead.lead_import_chunks set rows_in_chunk = 0', '42501', null, 'lead_import_chunks: A cannot update');
select throws_ok('delete from lead.lead_import_chunks', '42501', null, 'lead_import_chunks: A cannot delete');

-- RPCs cannot reach another company either
select throws_ok(format('select lead.move_to_stage(%L, %L)', (select lead_id from fixture where company = 'empresa-b'),
  (select id from lead.pipeline_stages where company_id = tests.company_id('empresa-b') and name = 'won')),
  'PT404', null, 'move_to_stage: a lead of B is not found for A');

-- what B's rows look like after all that
select tests.clear_authentication();
select is((select count(*)::int from lead.leads where company_id = tests.company_id('empresa-b') and name = 'Lead empresa-b'), 1,
  'B''s lead is untouched');
select is((select count(*)::int from lead.pipeline_stages where company_id = tests.company_id('empresa-b')), 6, 'B''s stages are untouched');

-- anon: no privilege on any of these tables
select tests.authenticate_as_anon();
select throws_ok('select 1 from ops.audit_log', '42501', null, 'anon cannot read audit_log');
select throws_ok('select id from ops.integrations', '42501', null, 'anon cannot read integrations');
select throws_ok('select 1 from ops.sync_state', '42501', null, 'anon cannot read sync_state');
select throws_ok('select 1 from ops.integrations_log', '42501', null, 'anon cannot read integrations_log');
select throws_ok('select 1 from lead.pipeline_stages', '42501', null, 'anon cannot read pipeline_stages');
select throws_ok('select 1 from lead.leads', '42501', null, 'anon cannot read leads');
select throws_ok('select 1 from lead.lead_stages', '42501', null, 'anon cannot read lead_stages');
select throws_ok('select 1 from lead.opportunities', '42501', null, 'anon cannot read opportunities');
select throws_ok('select 1 from lead.lead_sync', '42501', null, 'anon cannot read lead_sync');
select throws_ok('select 1 from lead.lead_imports', '42501', null, 'anon cannot read lead_imports');
select throws_ok('select 1 from lead.lead_import_errors', '42501', null, 'anon cannot read lead_import_errors');
select throws_ok('select 1 from lead.lead_import_chunks', '42501', null, 'anon cannot read lead_import_chunks');

select * from finish();
rollback;
