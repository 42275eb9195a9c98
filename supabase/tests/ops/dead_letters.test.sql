-- ops.dead_letter moves a message off its queue into ops.dead_letters; company admins read only their
-- own company's dead letters, viewers and other companies none; the role-set helpers match contracts.
begin;
\ir ../_helpers/install.psql
select plan(14);

select tests.create_user('dl-admin-a@test.local');
select tests.create_user('dl-viewer-a@test.local');
select tests.create_user('dl-admin-b@test.local');
select tests.create_user('dl-sales-a@test.local');
select tests.create_company('DL A', 'dl-a');
select tests.create_company('DL B', 'dl-b');
select tests.add_member(tests.company_id('dl-a'), 'dl-admin-a@test.local', 'marketing_admin');
select tests.add_member(tests.company_id('dl-a'), 'dl-viewer-a@test.local', 'viewer');
select tests.add_member(tests.company_id('dl-a'), 'dl-sales-a@test.local', 'sales');
select tests.add_member(tests.company_id('dl-b'), 'dl-admin-b@test.local', 'owner');

select pgmq.create('dl_test');
create temporary table sent on commit drop as
  select pgmq.send('dl_test', jsonb_build_object('company_id', tests.company_id('dl-a'), 'n', 1)) as a,
         pgmq.send('dl_test', jsonb_build_object('n', 2)) as untenanted;
grant select on sent to service_role;

select tests.authenticate_as_service_role();
select is((select count(*) from pgmq.read('dl_test', 0, 10))::int, 2, 'both messages are read once');
select ok(ops.dead_letter('dl_test', (select a from sent), 'test-worker', 'gave up after 8 attempts'), 'dead_letter answers true for a queued message');
select ok(not ops.dead_letter('dl_test', (select a from sent), 'test-worker', 'again'), 'a second dead_letter of the same message answers false');
select ok(ops.dead_letter('dl_test', (select untenanted from sent), 'test-worker', 'no company'), 'a message without company_id is dead-lettered too');
select is((select count(*) from pgmq.metrics('dl_test') where queue_length = 0)::int, 1, 'the queue is empty afterwards');
select is((select count(*) from pgmq.a_dl_test)::int, 2, 'dead-lettered messages are archived');
select results_eq(
  $$select read_ct, last_error, worker, company_id from ops.dead_letters where queue_name = 'dl_test' and message ->> 'n' = '1'$$,
  $$values (1, 'gave up after 8 attempts', 'test-worker', tests.company_id('dl-a'))$$,
  'the dead letter keeps its read count, error, worker and company');

select tests.authenticate_as('dl-admin-a@test.local');
select is((select count(*) from ops.dead_letters where queue_name = 'dl_test')::int, 1, 'an admin reads only their company''s dead letter');
select ok(core.is_company_admin() and core.is_company_editor() and not core.is_company_manager(), 'marketing_admin is admin and editor, not manager');
select throws_ok($$select ops.dead_letter('dl_test', 1, 'x', 'y')$$, '42501', null, 'members cannot dead-letter');

select tests.authenticate_as('dl-viewer-a@test.local');
select is((select count(*) from ops.dead_letters)::int, 0, 'a viewer of the same company reads no dead letters');
select ok(not core.is_company_admin() and not core.is_company_editor(), 'viewer is in no write role set');

select tests.authenticate_as('dl-sales-a@test.local');
select ok(core.is_company_editor() and not core.is_company_admin(), 'sales is editor only');

select tests.authenticate_as('dl-admin-b@test.local');
select is((select count(*) from ops.dead_letters where queue_name = 'dl_test')::int, 0, 'the other company''s owner reads none of them');

select * from finish();
rollback;
