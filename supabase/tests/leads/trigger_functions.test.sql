-- `supabase db lint` skips trigger functions (plpgsql_check needs the table they run on), so this
-- checks the ones issue 3 adds, each against its table and transition tables.
begin;
\ir ../_helpers/install.psql
create extension if not exists plpgsql_check;
select plan(9);

create function pg_temp.trigger_issues(fn regprocedure, rel regclass, old_table text default null, new_table text default null)
returns setof text language sql as $$
  select message from plpgsql_check_function_tb(fn, rel, oldtable => old_table, newtable => new_table)
$$;

select is_empty($$ select * from pg_temp.trigger_issues('ops._audit_row_change()', 'lead.leads', 'old_rows', 'new_rows') $$,
  'ops._audit_row_change is clean on lead.leads');
select is_empty($$ select * from pg_temp.trigger_issues('ops._audit_row_change()', 'ops.integrations', 'old_rows', 'new_rows') $$,
  'ops._audit_row_change is clean on ops.integrations');
select is_empty($$ select * from pg_temp.trigger_issues('lead._create_default_pipeline_stages()', 'core.companies', null, 'new_companies') $$,
  'lead._create_default_pipeline_stages is clean');
select is_empty($$ select * from pg_temp.trigger_issues('lead._prepare_lead()', 'lead.leads') $$, 'lead._prepare_lead is clean');
select is_empty($$ select * from pg_temp.trigger_issues('lead._record_stage_change()', 'lead.leads', 'old_rows', 'new_rows') $$,
  'lead._record_stage_change is clean');
select is_empty($$ select * from pg_temp.trigger_issues('lead._enqueue_crm_sync()', 'lead.leads', 'old_rows', 'new_rows') $$,
  'lead._enqueue_crm_sync is clean');
select is_empty($$ select * from pg_temp.trigger_issues('lead._share_stage_with_lead()', 'lead.opportunities') $$,
  'lead._share_stage_with_lead is clean');
select is_empty($$ select * from pg_temp.trigger_issues('lead._share_stage_with_opportunity()', 'lead.leads') $$,
  'lead._share_stage_with_opportunity is clean');
select is_empty($$ select * from pg_temp.trigger_issues('lead._advance_import_status()', 'lead.lead_imports') $$,
  'lead._advance_import_status is clean');

select * from finish();
rollback;
