-- Opens and clicks recorded by email-tracking wait in mtrk.pending_events until mtrk.fold_pending_events
-- moves them into mtrk.events, whose trigger folds them into the aggregates (migration 20261210000100):
-- asked by the function after it has answered, when no fold has run for 0.5 s
-- (mtrk.fold_pending_events_if_due, migration 20261211000500), and from pg_cron. A click's own statement
-- never folds. Nothing is folded twice or lost, a failing fold leaves the events queued, an erased
-- contact's queued events go with it, and nobody but the owner's functions reads or writes the queue.
begin;
\ir ../_helpers/install.psql
select plan(30);

-- pg_cron's mtrk-fold-events runs beside the tests. One that started after this transaction updated
-- fold_state would take the fold's lock, then wait on that row until the rollback, and every fold here
-- would return 0. Holding the lock for the whole transaction (the fold's own try-lock is re-entrant
-- in this session) keeps it away; the wait ends once a fold already running has committed.
select pg_advisory_xact_lock(hashtext('mtrk.fold_pending_events'));

select tests.create_user('ana@a.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.add_member(tests.company_id('empresa-a'), 'ana@a.test', 'owner');

create temp table fx (campaign uuid, m1 bigint, m2 bigint, l1 uuid, l2 uuid, l3 uuid) on commit drop;
insert into fx (campaign) values (tests.email_campaign(tests.company_id('empresa-a'), 2));
update fx set m1 = tests.email_message(campaign, 'c1@x.test'), m2 = tests.email_message(campaign, 'c2@x.test');
update fx set l1 = (select public_id from mtrk.links where id = tests.email_link(m1, 1)),
              l2 = (select public_id from mtrk.links where id = tests.email_link(m1, 2)),
              l3 = (select public_id from mtrk.links where id = tests.email_link(m2, 1));
create function pg_temp.metrics() returns table (clicks int, unique_clicks int, opens int, unique_opens int)
language sql as $f$ select clicks, unique_clicks, opens, unique_opens from mtrk.campaign_metrics where campaign_id = (select campaign from fx) $f$;

-- A lone click after a quiet spell: its statement only queues it; the fold the function asks for next
-- (none ran for 0.5 s) takes it at once.
update mtrk.fold_state set last_folded_at = now() - interval '1 minute';
select is((select url from mtrk.track_click((select l1 from fx), 'Mozilla/5.0', null)), 'https://a.test/1', 'the click answers its URL');
select is((select count(*)::int from mtrk.pending_events), 1, 'its own statement only queues it');
select is(mtrk.fold_pending_events_if_due(), 1, 'the fold asked after the answer takes it');
select results_eq('select * from pg_temp.metrics()', $$values (1, 1, 0, 1)$$, 'and counted: one click, one unique click, a unique open');

-- Within 0.5 s of a fold, clicks and opens wait in the queue; the aggregates do not move.
select is((select url from mtrk.track_click((select l2 from fx), 'Mozilla/5.0', null)), 'https://a.test/2', 'a second click answers');
select ok(mtrk.track_open((select public_id from mtrk.messages where id = (select m2 from fx)), 'Mozilla/5.0', null), 'an open is recorded');
select ok(mtrk.track_open((select public_id from mtrk.messages where id = (select m2 from fx)), 'GoogleImageProxy', 'Gmail image proxy'), 'a machine open is recorded');
select is((select count(*)::int from mtrk.pending_events), 3, 'three events wait');
select is(mtrk.fold_pending_events_if_due(), 0, 'a fold asked within 0.5 s of the last is not due');
select results_eq('select * from pg_temp.metrics()', $$values (1, 1, 0, 1)$$, 'the aggregates have not moved yet');
select is((select count(*)::int from mtrk.events where campaign_id = (select campaign from fx)), 1, 'only the folded click is in mtrk.events yet');

-- The fold takes them all, once.
select is(mtrk.fold_pending_events(), 3, 'the fold takes the three');
select results_eq($$select type, is_machine, source from mtrk.events where campaign_id = (select campaign from fx) order by id$$,
  $$values ('click', false, 'tracking'), ('click', false, 'tracking'), ('open', false, 'tracking'), ('open', true, 'tracking')$$,
  'into the log, as recorded');
select results_eq('select * from pg_temp.metrics()', $$values (2, 1, 1, 2)$$, 'then the campaign counts them: machine open apart, one unique click per message');
select results_eq($$select position, clicks, unique_clicks from mtrk.campaign_ctas where campaign_id = (select campaign from fx) order by position$$,
  $$values (1, 1, 1), (2, 1, 1)$$, 'and the CTAs');
select results_eq($$select machine_opens from mtrk.campaign_metrics where campaign_id = (select campaign from fx)$$, $$values (1)$$, 'machine opens apart');
select is(mtrk.fold_pending_events(), 0, 'a second fold finds nothing');
select is((select last_folded from mtrk.fold_state), 0, 'fold_state says what the last fold did');

-- What other writers insert into mtrk.events (sends, webhooks, the simulator) folds at once.
insert into mtrk.events (company_id, campaign_id, message_id, contact_id, link_id, type, source)
select m.company_id, m.campaign_id, m.id, m.contact_id, null, t, s from fx join mtrk.messages m on m.id = fx.m2,
  (values ('delivered', 'webhook'), ('open', 'simulator')) v (t, s);
select is((select count(*)::int from mtrk.pending_events), 0, 'a direct insert into the log is not queued');
select results_eq('select * from pg_temp.metrics()', $$values (2, 1, 2, 2)$$, 'its open counted at once');

-- A fold that fails leaves the events queued, and a warning says why.
update mtrk.fold_state set last_folded_at = now() - interval '1 minute';
alter table mtrk.campaign_ctas add constraint test_refuses_folds check (clicks < 2) not valid;
select is((select url from mtrk.track_click((select l3 from fx), 'Mozilla/5.0', null)), 'https://a.test/1', 'the click answers');
select is(mtrk.fold_pending_events_if_due(), 0, 'the fold asked after it fails and folds nothing');
select is((select count(*)::int from mtrk.pending_events), 1, 'and the event stays queued for the next fold');
alter table mtrk.campaign_ctas drop constraint test_refuses_folds;
select is(mtrk.fold_pending_events(), 1, 'which takes it');

-- Erasure: a queued event goes with its contact (and so with its message).
select ok(mtrk.track_open((select public_id from mtrk.messages where id = (select m2 from fx)), 'Mozilla/5.0', null), 'one more open waits');
delete from mtrk.contacts where email = 'c2@x.test';
select is((select count(*)::int from mtrk.pending_events), 0, 'deleting the contact removes its queued events');

-- pg_cron folds what a lull leaves: every 5 s where it takes seconds schedules, else every minute.
select results_eq($$select schedule from cron.job where jobname = 'mtrk-fold-events' and command = 'select mtrk.fold_pending_events()'$$,
  $$select case when regexp_split_to_array(extversion, '[.-]')::int[] >= array[1, 5] then '5 seconds' else '* * * * *' end
    from pg_extension where extname = 'pg_cron'$$, 'the minute (or 5-second) fold is scheduled');

-- Nobody reads or writes the queue or its state directly.
select tests.authenticate_as('ana@a.test');
select throws_ok('select 1 from mtrk.pending_events', '42501', null, 'a member cannot read the queue');
select tests.authenticate_as_service_role();
select throws_ok('delete from mtrk.fold_state', '42501', null, 'service_role cannot touch fold_state but through the fold');
select lives_ok('select mtrk.fold_pending_events_if_due()', 'service_role may ask for a fold');
select tests.clear_authentication();

select * from finish();
rollback;
