-- ops.setup_problems(): nothing to report on a correctly set-up stack (the local one included, with its
-- stand-ins); each thing taken away inside this transaction shows up as its own row; only company
-- admins and service_role may ask; no secret value ever comes back.
begin;
\ir ../_helpers/install.psql
select plan(21);

select tests.create_user('sp-admin@test.local');
select tests.create_user('sp-viewer@test.local');
select tests.create_company('SP', 'sp');
select tests.add_member(tests.company_id('sp'), 'sp-admin@test.local', 'backoffice_admin');
select tests.add_member(tests.company_id('sp'), 'sp-viewer@test.local', 'viewer');

-- ---- all is well -----------------------------------------------------------------------------------
select is_empty('select * from ops.setup_problems()', 'no setup problems on this stack (as postgres)');
select tests.authenticate_as_service_role();
select is_empty('select * from ops.setup_problems()', 'service_role may ask, and sees none');
select tests.authenticate_as('sp-admin@test.local');
select is_empty('select * from ops.setup_problems()', 'a company admin may ask, and sees none');
select tests.authenticate_as('sp-viewer@test.local');
select throws_ok('select * from ops.setup_problems()', '42501', null, 'a viewer may not ask');
select tests.authenticate_as_anon();
select throws_ok('select * from ops.setup_problems()', '42501', null, 'anon may not ask');
select tests.clear_authentication();

-- ---- Vault secrets ---------------------------------------------------------------------------------
delete from vault.secrets where name = 'service_role_key';
select results_eq(
  $$select code, subject from ops.setup_problems()$$,
  $$values ('missing_vault_secret'::text, 'service_role_key'::text)$$,
  'a missing service_role_key secret is reported');
select ok((select how_to_fix like '%vault.create_secret(%''service_role_key'')%' from ops.setup_problems()),
  'with the statement that creates it');
select is_empty(
  $$select 1 from ops.setup_problems() p cross join vault.decrypted_secrets s
    where strpos(p.what || p.how_to_fix, s.decrypted_secret) > 0$$,
  'no secret value appears in the report');
delete from vault.secrets where name = 'project_url';
select set_eq(
  $$select subject from ops.setup_problems() where code = 'missing_vault_secret'$$,
  array['project_url', 'service_role_key'],
  'both secrets are reported when both are gone');
select vault.create_secret('https://example.supabase.co', 'project_url');
select vault.create_secret('service-key-for-the-test', 'service_role_key');
select is_empty('select * from ops.setup_problems()', 'creating them again clears the report');

-- ---- cron jobs -------------------------------------------------------------------------------------
select cron.alter_job(j.jobid, active := false) from cron.job j where j.jobname = 'lead-import-worker';
select results_eq(
  $$select code, subject from ops.setup_problems()$$,
  $$values ('inactive_cron_job'::text, 'lead-import-worker'::text)$$,
  'a paused cron job is reported');
-- Every job the migrations scheduled must be known to setup_problems: unscheduling all of them must
-- report exactly them (a new cron.schedule in a migration without its entry fails here).
create temporary table scheduled on commit drop as select jobname from cron.job;
select isnt_empty('select * from scheduled', 'the migrations schedule cron jobs');
select cron.unschedule(jobname) from scheduled;
select set_eq(
  $$select subject from ops.setup_problems() where code = 'missing_cron_job'$$,
  $$select jobname from scheduled$$,
  'unscheduling every cron job of the migrations reports each of them as missing');

-- A job registered in ops.expected_cron_jobs (as a module's migration does) and not scheduled is reported.
insert into ops.expected_cron_jobs (jobname, does, migration)
values ('sp-test-worker', 'nothing in particular, this is a test', '20990101000000_test_only.sql');
select ok(exists (select 1 from ops.setup_problems() where code = 'missing_cron_job' and subject = 'sp-test-worker'
                    and how_to_fix like '%20990101000000_test_only.sql%'),
  'a registered job that is not scheduled is reported, naming its migration');
select tests.authenticate_as('sp-admin@test.local');
select throws_ok('select * from ops.expected_cron_jobs', '42501', null, 'members cannot read the registry directly');
select tests.clear_authentication();

-- ---- extensions ------------------------------------------------------------------------------------
set local client_min_messages = warning; -- the cascade notice names the search index
drop extension pg_trgm cascade;
select results_eq(
  $$select subject from ops.setup_problems() where code = 'missing_extension'$$,
  $$values ('pg_trgm'::text)$$,
  'a missing extension is reported');

-- ---- auth hook -------------------------------------------------------------------------------------
revoke execute on function public.custom_access_token_hook(jsonb) from supabase_auth_admin;
select results_eq(
  $$select code from ops.setup_problems() where subject = 'public.custom_access_token_hook'$$,
  $$values ('auth_hook_not_executable'::text)$$,
  'a hook supabase_auth_admin cannot execute is reported');

-- ---- exposed schemas (only when PostgREST reads them from the database) -----------------------------
select is_empty($$select 1 from ops.setup_problems() where code = 'schema_not_exposed'$$,
  'without pgrst.db_schemas in the database nothing is guessed');
alter role authenticator set pgrst.db_schemas = 'public, core, lead';
select set_eq(
  $$select subject from ops.setup_problems() where code = 'schema_not_exposed'$$,
  array['core_marketing', 'mtrk', 'ops', 'analytics'],
  'schemas missing from pgrst.db_schemas are reported');
alter role authenticator set pgrst.db_schemas = 'public,core,core_marketing,mtrk,lead,ops,analytics,graphql_public';
select is_empty($$select 1 from ops.setup_problems() where code = 'schema_not_exposed'$$,
  'all seven exposed: nothing reported');

-- ---- every row says how to fix it --------------------------------------------------------------------
select is_empty($$select 1 from ops.setup_problems() where coalesce(what, '') = '' or coalesce(how_to_fix, '') = ''$$,
  'every problem says what breaks and how to fix it');

select * from finish();
rollback;
