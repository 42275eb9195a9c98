-- Enqueue on lead insert/update: with sync_to_crm and an active Dinamize integration, lead_sync goes
-- pending and one crm_sync message per lead is sent, then crm-sync-worker is kicked; never for other
-- companies' integrations, inactive ones, non-CRM changes, or writes of a Dinamize pull.
begin;
\ir ../_helpers/install.psql
select plan(17);

select tests.create_user('sara@a.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.create_company('Empresa B', 'empresa-b');
select tests.add_member(tests.company_id('empresa-a'), 'sara@a.test', 'sales');
-- B has an active integration, A none yet
insert into ops.integrations (company_id, provider, sync_enabled, credentials_ciphertext)
values (tests.company_id('empresa-b'), 'dinamize', true, 'ciphertext');

-- The kick needs the Vault secrets the stack writes at start; make sure they exist (rolled back).
select vault.create_secret('http://127.0.0.1:9', 'project_url') where not exists (select 1 from vault.decrypted_secrets where name = 'project_url');
select vault.create_secret('test-key', 'service_role_key') where not exists (select 1 from vault.decrypted_secrets where name = 'service_role_key');

create temp table queued on commit drop as select coalesce(max(msg_id), 0) as before from pgmq.q_crm_sync;
create temp table kicks on commit drop as
  select coalesce(max(id), 0) as before from net.http_request_queue;
create function pg_temp.new_messages() returns setof jsonb language sql as $$
  select message from pgmq.q_crm_sync where msg_id > (select before from queued) order by msg_id
$$;
create function pg_temp.new_kicks() returns bigint language sql as $$
  select count(*) from net.http_request_queue where id > (select before from kicks) and url like '%/functions/v1/crm-sync-worker'
$$;

select tests.authenticate_as('sara@a.test');
insert into lead.leads (company_id, name, email, sync_to_crm) values (tests.company_id('empresa-a'), 'Sem CRM', 'no-crm@x.test', true);
select tests.clear_authentication();
select is_empty('select * from pg_temp.new_messages()', 'no message while the company has no integration');
select is_empty(format('select 1 from lead.lead_sync where company_id = %L', tests.company_id('empresa-a')), 'and no lead_sync row');

insert into ops.integrations (company_id, provider, sync_enabled, credentials_ciphertext)
values (tests.company_id('empresa-a'), 'dinamize', false, 'ciphertext');
select tests.authenticate_as('sara@a.test');
insert into lead.leads (company_id, email, sync_to_crm) values (tests.company_id('empresa-a'), 'disabled@x.test', true);
select tests.clear_authentication();
select is_empty('select * from pg_temp.new_messages()', 'no message while the integration has sync disabled');

update ops.integrations set sync_enabled = true where company_id = tests.company_id('empresa-a');

-- scenario A: create with sync on
select tests.authenticate_as('sara@a.test');
insert into lead.leads (company_id, name, email, sync_to_crm) values (tests.company_id('empresa-a'), 'Maria', 'maria@x.test', true);
insert into lead.leads (company_id, name, email, sync_to_crm) values (tests.company_id('empresa-a'), 'Local', 'local@x.test', false);
select tests.clear_authentication();
select results_eq(
  $$ select m ->> 'operation', (m ->> 'lead_id')::uuid, (m ->> 'company_id')::uuid, m ->> 'provider' from pg_temp.new_messages() m $$,
  format($$ values ('add'::text, %L::uuid, %L::uuid, 'dinamize'::text) $$,
         (select id from lead.leads where email = 'maria@x.test'), tests.company_id('empresa-a')),
  'creating a lead with sync on sends one add message with lead, company and provider (and none for sync off)');
select is((select (m ->> 'lead_sync_id')::uuid from pg_temp.new_messages() m),
  (select id from lead.lead_sync where lead_id = (select id from lead.leads where email = 'maria@x.test')),
  'the message names the lead_sync row');
select results_eq(
  $$ select s.status, s.attempts, s.integration_id, s.company_id from lead.lead_sync s
     where s.lead_id = (select id from lead.leads where email = 'maria@x.test') $$,
  format($$ values ('pending'::text, 0, %L::uuid, %L::uuid) $$,
         (select id from ops.integrations where company_id = tests.company_id('empresa-a')), tests.company_id('empresa-a')),
  'the lead''s lead_sync row is pending, attached to the company''s own integration');
select is(pg_temp.new_kicks(), 1::bigint, 'the crm-sync-worker is kicked');

-- the worker pushed it: it now has an external id
update lead.lead_sync set status = 'synced', external_id = 'dz-1', synced_at = now(), attempts = 1
where lead_id = (select id from lead.leads where email = 'maria@x.test');
update queued set before = (select coalesce(max(msg_id), 0) from pgmq.q_crm_sync);

-- scenario C: update
select tests.authenticate_as('sara@a.test');
update lead.leads set score = 80, stage_id = (select id from lead.pipeline_stages where company_id = tests.company_id('empresa-a') and name = 'qualified')
where email = 'maria@x.test';
select tests.clear_authentication();
select is_empty('select * from pg_temp.new_messages()', 'score and stage changes are not pushed');

select tests.authenticate_as('sara@a.test');
update lead.leads set name = 'Maria Souza' where email = 'maria@x.test';
select tests.clear_authentication();
select results_eq($$ select m ->> 'operation' from pg_temp.new_messages() m $$, $$ values ('update'::text) $$,
  'changing a contact field of a synced lead sends an update');
select results_eq(
  $$ select status, attempts, external_id from lead.lead_sync where lead_id = (select id from lead.leads where email = 'maria@x.test') $$,
  $$ values ('pending'::text, 0, 'dz-1'::text) $$,
  'its lead_sync goes back to pending with attempts reset, keeping the external id');

update queued set before = (select coalesce(max(msg_id), 0) from pgmq.q_crm_sync);
select tests.authenticate_as('sara@a.test');
update lead.leads set sync_to_crm = true where email = 'local@x.test';
select tests.clear_authentication();
select results_eq($$ select m ->> 'operation', (m ->> 'lead_id')::uuid from pg_temp.new_messages() m $$,
  format($$ values ('add'::text, %L::uuid) $$, (select id from lead.leads where email = 'local@x.test')),
  'turning sync on for an existing lead sends an add');

-- one statement, many leads: one message each, one kick
update queued set before = (select coalesce(max(msg_id), 0) from pgmq.q_crm_sync);
update kicks set before = (select coalesce(max(id), 0) from net.http_request_queue);
insert into lead.leads (company_id, email, sync_to_crm)
select tests.company_id('empresa-a'), 'bulk' || g || '@x.test', true from generate_series(1, 50) g;
select is((select count(*)::int from pg_temp.new_messages()), 50, 'a 50-row insert sends 50 messages');
select is(pg_temp.new_kicks(), 1::bigint, 'and kicks the worker once');

-- a Dinamize pull does not push its own writes back
update queued set before = (select coalesce(max(msg_id), 0) from pgmq.q_crm_sync);
select tests.authenticate_as_service_role();
select is(
  lead.apply_crm_pull((select id from ops.integrations where company_id = tests.company_id('empresa-a')),
    '[{"external_id": "dz-9", "email": "Pulled@x.test", "name": "Pulled"},
      {"external_id": "dz-1", "email": "maria@x.test", "phone": "+55 11 91234-5678"},
      {"external_id": "dz-0", "email": "not an e-mail"}]'::jsonb),
  '{"inserted": 1, "updated": 1, "skipped": 1, "linked": 2}'::jsonb,
  'apply_crm_pull inserts and updates by e-mail and skips contacts without a valid e-mail');
select tests.clear_authentication();
select is_empty('select * from pg_temp.new_messages()', 'writes of a pull are not pushed back');
select results_eq(
  $$ select l.origin, l.sync_to_crm, s.external_id, s.status from lead.leads l join lead.lead_sync s on s.lead_id = l.id where l.email = 'Pulled@x.test' $$,
  $$ values ('dinamize'::text, true, 'dz-9'::text, 'synced'::text) $$,
  'a pulled contact becomes a dinamize lead linked to its contact, synced');
select is((select phone from lead.leads where email = 'maria@x.test'), '+55 11 91234-5678', 'a pulled contact updates the lead with that e-mail');

select * from finish();
rollback;
