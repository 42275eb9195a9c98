-- crm-sync-worker's cron jobs, and the two server-side levers on the crm_sync queue:
-- lead.release_crm_sync (held-back messages visible now) and lead.redrive_failed_crm_sync (dead
-- letters back to pending with a fresh message). Both kick the worker and are service_role's alone.
begin;
\ir ../_helpers/install.psql
select plan(18);

select tests.create_company('Empresa A', 'crm-a');
select tests.create_company('Empresa B', 'crm-b');
select tests.create_company('Empresa C', 'crm-c');
insert into ops.integrations (company_id, provider, sync_enabled, credentials_ciphertext, settings)
select tests.company_id(slug), 'dinamize', slug <> 'crm-c', 'ciphertext', '{"contact_list_code": "1"}'
from unnest(array['crm-a', 'crm-b', 'crm-c']) as slug;

select vault.create_secret('http://127.0.0.1:9', 'project_url') where not exists (select 1 from vault.decrypted_secrets where name = 'project_url');
select vault.create_secret('test-key', 'service_role_key') where not exists (select 1 from vault.decrypted_secrets where name = 'service_role_key');

create temp table kicks on commit drop as select coalesce(max(id), 0) as before from net.http_request_queue;
create function pg_temp.new_kicks() returns bigint language sql as $$
  select count(*) from net.http_request_queue where id > (select before from kicks) and url like '%/functions/v1/crm-sync-worker'
$$;
create function pg_temp.message_of(email text) returns setof pgmq.q_crm_sync language sql as $$
  select q.* from pgmq.q_crm_sync q join lead.leads l on l.id = (q.message ->> 'lead_id')::uuid where l.email = message_of.email
$$;

-- ---- cron jobs --------------------------------------------------------------------------------------

select is(
  (select string_agg(jobname || ' ' || schedule, '; ' order by jobname) from cron.job where jobname like 'crm-sync-%'),
  'crm-sync-pull */15 * * * *; crm-sync-push * * * * *',
  'push every minute, pull every 15 minutes, as named jobs');
select ok((select command from cron.job where jobname = 'crm-sync-push') like $$%ops.invoke_edge_function('crm-sync-worker', '{"mode": "push"}'%$$,
  'the push job calls crm-sync-worker in push mode through ops.invoke_edge_function');
select ok((select command from cron.job where jobname = 'crm-sync-pull') like $$%ops.invoke_edge_function('crm-sync-worker', '{"mode": "pull"}'%$$,
  'the pull job calls it in pull mode');

-- ---- privileges -----------------------------------------------------------------------------------

select ok(has_function_privilege('service_role', 'lead.release_crm_sync(uuid)', 'execute'), 'service_role may release');
select ok(has_function_privilege('service_role', 'lead.redrive_failed_crm_sync(uuid)', 'execute'), 'service_role may re-drive');
select ok(not has_function_privilege('authenticated', 'lead.release_crm_sync(uuid)', 'execute')
          and not has_function_privilege('anon', 'lead.release_crm_sync(uuid)', 'execute'), 'clients may not release');
select ok(not has_function_privilege('authenticated', 'lead.redrive_failed_crm_sync(uuid)', 'execute')
          and not has_function_privilege('anon', 'lead.redrive_failed_crm_sync(uuid)', 'execute'), 'clients may not re-drive');

-- ---- release ----------------------------------------------------------------------------------------

insert into lead.leads (company_id, email, sync_to_crm)
values (tests.company_id('crm-a'), 'a1@x.test', true), (tests.company_id('crm-b'), 'b1@x.test', true);
-- The worker put both off for five minutes (refused credentials, say).
do $$ begin
  perform pgmq.set_vt('crm_sync', m.msg_id, 300)
  from (select msg_id from pg_temp.message_of('a1@x.test') union all select msg_id from pg_temp.message_of('b1@x.test')) m;
end $$;
truncate kicks;
insert into kicks select coalesce(max(id), 0) from net.http_request_queue;

select is(lead.release_crm_sync(tests.company_id('crm-a')), 1, 'release counts the company''s waiting messages');
select ok((select vt <= clock_timestamp() from pg_temp.message_of('a1@x.test')), 'its message is visible now');
select ok((select vt > clock_timestamp() + interval '200 seconds' from pg_temp.message_of('b1@x.test')), 'another company''s message keeps waiting');
select is(pg_temp.new_kicks(), 1::bigint, 'and the worker is kicked');
select is(lead.release_crm_sync(tests.company_id('crm-c')), 0, 'nothing to release: 0, no error');

-- ---- re-drive -----------------------------------------------------------------------------------------

-- Dead letters: lead_sync failed and the message archived, in A and B (and C, whose integration is off).
insert into lead.leads (company_id, email, sync_to_crm) values (tests.company_id('crm-c'), 'c1@x.test', true);
insert into lead.lead_sync (company_id, lead_id, provider, status, attempts)
select company_id, id, 'dinamize', 'failed', 8 from lead.leads where email = 'c1@x.test';
update lead.lead_sync set status = 'failed', attempts = 8, last_error = 'server_error: gave up', external_id = '123'
where lead_id = (select id from lead.leads where email = 'a1@x.test');
update lead.lead_sync set status = 'failed', attempts = 8, last_error = 'server_error: gave up'
where lead_id = (select id from lead.leads where email = 'b1@x.test');
do $$ begin
  perform pgmq.archive('crm_sync', m.msg_id)
  from (select msg_id from pg_temp.message_of('a1@x.test') union all select msg_id from pg_temp.message_of('b1@x.test')) m;
end $$;
truncate kicks;
insert into kicks select coalesce(max(id), 0) from net.http_request_queue;

select is(lead.redrive_failed_crm_sync(tests.company_id('crm-a')), 1, 're-drive of one company');
select results_eq(
  $$ select s.status, s.attempts, s.last_error, m.message ->> 'operation', (m.message ->> 'lead_sync_id')::uuid = s.id
     from lead.lead_sync s join lead.leads l on l.id = s.lead_id join pg_temp.message_of('a1@x.test') m on true
     where l.email = 'a1@x.test' $$,
  $$ values ('pending'::text, 0, null::text, 'update'::text, true) $$,
  'back to pending with attempts 0 and a fresh update message naming the row');
select is(pg_temp.new_kicks(), 1::bigint, 'the worker is kicked');
select is((select s.status from lead.lead_sync s join lead.leads l on l.id = s.lead_id where l.email = 'b1@x.test'), 'failed',
  'another company''s dead letter is left alone');
select is(lead.redrive_failed_crm_sync(), 1, 'without a company: every active integration''s dead letters (B), not C''s (sync off)');
select is((select s.status from lead.lead_sync s join lead.leads l on l.id = s.lead_id where l.email = 'c1@x.test'), 'failed',
  'C stays failed while its integration is off');

select * from finish();
rollback;
