-- The ops views: company admins see their own company's queue messages, dead letters and failing
-- integrations, and every worker's last run without its error text; service_role sees everything;
-- admins of another company, viewers, sales and anon see none of company A's.
begin;
\ir ../_helpers/install.psql
select plan(35);

select tests.create_user('ov-admin-a@test.local');
select tests.create_user('ov-viewer-a@test.local');
select tests.create_user('ov-sales-a@test.local');
select tests.create_user('ov-admin-b@test.local');
select tests.create_company('OV A', 'ov-a');
select tests.create_company('OV B', 'ov-b');
select tests.add_member(tests.company_id('ov-a'), 'ov-admin-a@test.local', 'owner');
select tests.add_member(tests.company_id('ov-a'), 'ov-viewer-a@test.local', 'viewer');
select tests.add_member(tests.company_id('ov-a'), 'ov-sales-a@test.local', 'sales');
select tests.add_member(tests.company_id('ov-b'), 'ov-admin-b@test.local', 'marketing_admin');

-- A queue with three messages of A (one delayed, one to be dead-lettered), one of B, one of nobody.
select pgmq.create('ov_test');
create temporary table sent on commit drop as
  select pgmq.send('ov_test', jsonb_build_object('company_id', tests.company_id('ov-a'), 'n', 1)) as a_ready,
         pgmq.send('ov_test', jsonb_build_object('company_id', tests.company_id('ov-a'), 'n', 2), 600) as a_delayed,
         pgmq.send('ov_test', jsonb_build_object('company_id', tests.company_id('ov-a'), 'n', 3)) as a_dead,
         pgmq.send('ov_test', jsonb_build_object('company_id', tests.company_id('ov-b'), 'n', 4)) as b_ready,
         pgmq.send('ov_test', jsonb_build_object('n', 5)) as nobody;
grant select on sent to service_role;

insert into ops.worker_runs (worker, started_at, finished_at, processed, succeeded, failed, retried, error) values
  ('ov-test-worker', now() - interval '2 hours', now() - interval '2 hours' + interval '3 seconds', 4, 4, 0, 0, null),
  ('ov-test-worker', now() - interval '1 minute', now() - interval '1 minute' + interval '1500 milliseconds', 5, 3, 1, 1,
   'lead 42 of company OV B: contact rejected');

insert into ops.integrations (company_id, provider, status, status_message)
values (tests.company_id('ov-a'), 'dinamize', 'error', 'invalid_credentials: 240010 wrong password'),
       (tests.company_id('ov-b'), 'dinamize', 'error', 'credentials_unreadable');
insert into ops.integrations_log (company_id, integration_id, provider, direction, operation, status_code, success, error, occurred_at)
select i.company_id, i.id, 'dinamize', 'outbound', v.operation, v.status_code, v.success, v.error, now() - v.ago
from ops.integrations i
cross join (values ('auth', 200, false, 'credentials refused (240010)', interval '5 minutes'),
                   ('auth', 500, false, 'older failure', interval '1 hour'),
                   ('contact_add', 200, true, null, interval '1 minute')) as v (operation, status_code, success, error, ago)
where i.company_id = tests.company_id('ov-a');

select tests.authenticate_as_service_role();
select ok(ops.dead_letter('ov_test', (select a_dead from sent), 'ov-test-worker', 'gave up after 5 attempts: 422 invalid'), 'service_role dead-letters one of A''s messages');

-- ---- service_role sees every company ---------------------------------------------------------------
select results_eq(
  $$select depth, visible, dead_letters from ops.queue_depth where queue_name = 'ov_test'$$,
  $$values (4::bigint, 3::bigint, 1::bigint)$$,
  'service_role counts every message of the queue (also one that names no company) and its dead letter');
select ok((select oldest_message_age_seconds >= 0 and oldest_enqueued_at is not null and max_read_ct = 0
           from ops.queue_depth where queue_name = 'ov_test'), 'queue_depth gives the oldest message and its age');
select ok((select count(*) from ops.queue_depth where queue_name in ('crm_sync', 'lead_import')) = 2, 'every queue of the project is listed');
select results_eq(
  $$select last_error, outcome, runs_last_24h, error_runs_last_24h, processed, failed, duration_ms from ops.worker_last_runs where worker = 'ov-test-worker'$$,
  $$values ('lead 42 of company OV B: contact rejected'::text, 'error'::text, 2::bigint, 1::bigint, 5, 1, 1500)$$,
  'service_role sees the last run of a worker with its counts and error text');
select is((select count(*) from ops.failing_integrations where company_id in (tests.company_id('ov-a'), tests.company_id('ov-b')))::int, 2,
  'service_role sees both companies'' failing integrations');

-- ---- admin of A ----------------------------------------------------------------------------------
select tests.authenticate_as('ov-admin-a@test.local');
select results_eq(
  $$select depth, visible, dead_letters, max_read_ct from ops.queue_depth where queue_name = 'ov_test'$$,
  $$values (2::bigint, 1::bigint, 1::bigint, 0)$$,
  'an admin counts only their company''s messages (one ready, one delayed) and dead letters');
select is((select depth from ops.queue_depth where queue_name = 'crm_sync'), 0::bigint, 'an admin sees every queue, with their own depth');
select results_eq(
  $$select queue_name, company_id, dead_letters, last_worker, last_error from ops.dead_letter_summary$$,
  $$values ('ov_test'::text, tests.company_id('ov-a'), 1::bigint, 'ov-test-worker'::text, 'gave up after 5 attempts: 422 invalid'::text)$$,
  'an admin sees their dead letter per queue with its last error');
select results_eq(
  $$select last_error, outcome, processed, succeeded, failed, retried from ops.worker_last_runs where worker = 'ov-test-worker'$$,
  $$values (null::text, 'error'::text, 5, 3, 1, 1)$$,
  'an admin sees the last run''s counts and outcome but not its error text');
select results_eq(
  $$select company_id, status_message, last_failed_operation, last_failed_status_code, last_failed_error from ops.failing_integrations$$,
  $$values (tests.company_id('ov-a'), 'invalid_credentials: 240010 wrong password'::text, 'auth'::text, 200, 'credentials refused (240010)'::text)$$,
  'an admin sees their failing integration with its latest failing call');
select is((select count(*) from ops.queue_depth_rows() where queue_name = 'ov_test' and depth = 2)::int, 1,
  'calling the row function directly gives the same scope');

-- ---- admin of B: none of A's ---------------------------------------------------------------------
select tests.authenticate_as('ov-admin-b@test.local');
select results_eq(
  $$select depth, visible, dead_letters from ops.queue_depth where queue_name = 'ov_test'$$,
  $$values (1::bigint, 1::bigint, 0::bigint)$$,
  'the admin of B counts only B''s message and none of A''s dead letters');
select is((select count(*) from ops.dead_letter_summary)::int, 0, 'the admin of B sees no dead letters of A');
select is((select count(*) from ops.dead_letters where queue_name = 'ov_test')::int, 0, 'nor in ops.dead_letters');
select is((select count(*) from ops.failing_integrations where company_id = tests.company_id('ov-a'))::int, 0,
  'the admin of B sees none of A''s failing integrations');
select results_eq($$select company_id, last_failed_error from ops.failing_integrations$$,
  $$values (tests.company_id('ov-b'), null::text)$$, 'only B''s own, which has no logged call');
select is((select last_error from ops.worker_last_runs where worker = 'ov-test-worker'), null::text,
  'the admin of B does not see the error text that names a record');

-- ---- viewer and sales of A: nothing --------------------------------------------------------------
select tests.authenticate_as('ov-viewer-a@test.local');
select is((select count(*) from ops.queue_depth)::int, 0, 'a viewer sees no queue');
select is((select count(*) from ops.dead_letter_summary)::int, 0, 'a viewer sees no dead letters');
select is((select count(*) from ops.worker_last_runs)::int, 0, 'a viewer sees no worker runs');
select is((select count(*) from ops.failing_integrations)::int, 0, 'a viewer sees no failing integrations (though members read ops.integrations)');
select is((select count(*) from ops.queue_depth_rows())::int, 0, 'nor through the row functions directly');
select is((select count(*) from ops.worker_last_run_rows())::int, 0, 'nor the worker runs row function');
select ok(not ops.caller_sees_all_companies(), 'an authenticated member does not see all companies');

select tests.authenticate_as('ov-sales-a@test.local');
select is((select count(*) from ops.queue_depth)::int, 0, 'sales sees no queue');
select is((select count(*) from ops.worker_last_runs)::int, 0, 'sales sees no worker runs');
select is((select count(*) from ops.failing_integrations)::int, 0, 'sales sees no failing integrations');

-- ---- anon: no privilege --------------------------------------------------------------------------
select tests.authenticate_as_anon();
select throws_ok('select * from ops.queue_depth', '42501', null, 'anon cannot read queue_depth');
select throws_ok('select * from ops.dead_letter_summary', '42501', null, 'anon cannot read dead_letter_summary');
select throws_ok('select * from ops.worker_last_runs', '42501', null, 'anon cannot read worker_last_runs');
select throws_ok('select * from ops.failing_integrations', '42501', null, 'anon cannot read failing_integrations');
select throws_ok('select * from ops.queue_depth_rows()', '42501', null, 'anon cannot call queue_depth_rows');

-- ---- a removed membership cuts access at once -----------------------------------------------------
select tests.clear_authentication();
delete from core.company_members where user_id = tests.get_user_id('ov-admin-a@test.local');
select tests.authenticate_as('ov-admin-a@test.local');
select is((select count(*) from ops.queue_depth)::int, 0, 'a removed admin sees no queue');
select is((select count(*) from ops.worker_last_runs)::int, 0, 'nor worker runs');

select * from finish();
rollback;
