-- ops.integrations: credentials are write-only for the server (no privilege for authenticated on the
-- ciphertext), admins manage settings, other members only read; sync marks and logs are server-written.
begin;
\ir ../_helpers/install.psql
select plan(13);

select tests.create_user('ana@a.test');
select tests.create_user('sara@a.test');
select tests.create_user('vera@a.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.add_member(tests.company_id('empresa-a'), 'ana@a.test', 'marketing_admin');
select tests.add_member(tests.company_id('empresa-a'), 'sara@a.test', 'sales');
select tests.add_member(tests.company_id('empresa-a'), 'vera@a.test', 'viewer');

select tests.authenticate_as('sara@a.test');
select throws_ok(format($$ insert into ops.integrations (company_id, provider) values (%L, 'dinamize') $$, tests.company_id('empresa-a')),
  '42501', null, 'sales cannot add integrations');

select tests.authenticate_as('ana@a.test');
select lives_ok(format($$ insert into ops.integrations (company_id, provider, display_name, settings) values (%L, 'dinamize', 'Dinamize', '{"list_code": "7"}') $$,
  tests.company_id('empresa-a')), 'admins add an integration');
select throws_ok(format($$ insert into ops.integrations (company_id, provider) values (%L, 'dinamize') $$, tests.company_id('empresa-a')),
  '23505', null, 'one integration per provider and company');
select throws_ok($$ update ops.integrations set credentials_ciphertext = 'plaintext-oops' $$, '42501', null,
  'admins cannot write credentials directly (only the server, encrypted)');
select throws_ok($$ update ops.integrations set status = 'connected' $$, '42501', null, 'admins cannot set the status');
select lives_ok($$ update ops.integrations set sync_enabled = true, settings = '{"list_code": "8"}' $$, 'admins change settings and the sync switch');

-- the server stores encrypted credentials
select tests.authenticate_as_service_role();
update ops.integrations set credentials_ciphertext = 'base64-iv-ciphertext-tag', credentials_updated_at = now(), status = 'connected';

select tests.authenticate_as('vera@a.test');
select throws_ok('select credentials_ciphertext from ops.integrations', '42501', null, 'members cannot read the ciphertext');
select throws_ok('select * from ops.integrations', '42501', null, 'select * is refused too: list the columns');
select results_eq($$ select provider, has_credentials, sync_enabled, status, settings from ops.integrations $$,
  $$ values ('dinamize'::text, true, true, 'connected'::text, '{"list_code": "8"}'::jsonb) $$,
  'members read the rest, including whether credentials are stored');
with changed as (update ops.integrations set sync_enabled = false returning 1)
select is(count(*)::int, 0, 'viewers change nothing') from changed;

select tests.authenticate_as_service_role();
insert into ops.sync_state (company_id, integration_id, sync_type, last_successful_sync)
select company_id, id, 'contacts_pull', '2026-01-01T00:00:00Z' from ops.integrations;
select throws_ok($$ insert into ops.sync_state (company_id, integration_id, sync_type) select company_id, id, 'contacts_pull' from ops.integrations $$,
  '23505', null, 'one mark per integration and sync type');
select tests.authenticate_as('vera@a.test');
select results_eq($$ select sync_type, last_successful_sync from ops.sync_state $$,
  $$ values ('contacts_pull'::text, '2026-01-01T00:00:00Z'::timestamptz) $$, 'members read the sync marks');

select tests.authenticate_as('ana@a.test');
with deleted as (delete from ops.integrations returning 1)
select is(count(*)::int, 1, 'admins remove an integration') from deleted;

select * from finish();
rollback;
