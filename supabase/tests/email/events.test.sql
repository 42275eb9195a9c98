-- mtrk.events is append-only for everyone but the schema owner (authenticated and service_role are
-- refused update, delete and truncate), and its inserts keep the aggregates the dashboards read:
-- unique opens/clicks once per message, machine events apart, CTA ranking, contact deliverability.
begin;
\ir ../_helpers/install.psql
select plan(24);

select tests.create_user('ana@a.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.add_member(tests.company_id('empresa-a'), 'ana@a.test', 'owner');

create temp table fx (campaign uuid, m1 bigint, m2 bigint, m3 bigint, l1 bigint, l2 bigint) on commit drop;
grant select on fx to authenticated, service_role;
insert into fx (campaign) values (tests.email_campaign(tests.company_id('empresa-a'), 3));
update fx set m1 = tests.email_message(campaign, 'c1@x.test'), m2 = tests.email_message(campaign, 'c2@x.test'),
              m3 = tests.email_message(campaign, 'c3@x.test');
update fx set l1 = tests.email_link(m1, 1), l2 = tests.email_link(m1, 2);

-- One statement with a day of events; one more statement later.
insert into mtrk.events (company_id, campaign_id, message_id, contact_id, link_id, type, bounce_kind, is_machine, machine_reason, source, occurred_at)
select m.company_id, m.campaign_id, m.id, m.contact_id, v.link_id, v.type, v.kind, v.machine, case when v.machine then 'image proxy' end, 'simulator',
       now() - interval '1 hour' + v.at
from fx
cross join lateral (values
  (fx.m1, null::bigint, 'sent', null::text, false, interval '0'), (fx.m2, null, 'sent', null, false, interval '0'), (fx.m3, null, 'sent', null, false, interval '0'),
  (fx.m1, null, 'delivered', null, false, interval '1 minute'), (fx.m2, null, 'delivered', null, false, interval '1 minute'),
  (fx.m1, null, 'open', null, true, interval '2 minutes'), (fx.m1, null, 'open', null, false, interval '5 minutes'),
  (fx.m1, null, 'open', null, false, interval '6 minutes'), (fx.m1, fx.l1, 'click', null, false, interval '7 minutes'),
  (fx.m1, fx.l1, 'click', null, false, interval '8 minutes'), (fx.m2, null, 'open', null, true, interval '3 minutes'),
  (fx.m3, null, 'bounce', 'hard', false, interval '1 minute'), (fx.m2, null, 'complaint', null, false, interval '9 minutes')
) as v (message_id, link_id, type, kind, machine, at)
join mtrk.messages m on m.id = v.message_id;
insert into mtrk.events (company_id, campaign_id, message_id, contact_id, link_id, type, source)
select m.company_id, m.campaign_id, m.id, m.contact_id, fx.l2, 'click', 'tracking' from fx join mtrk.messages m on m.id = fx.m1
union all
select m.company_id, m.campaign_id, m.id, m.contact_id, null, 'open', 'tracking' from fx join mtrk.messages m on m.id = fx.m1;

select results_eq($$select sent, delivered, opens, unique_opens, clicks, unique_clicks, machine_opens, hard_bounces, complaints
                    from mtrk.campaign_metrics where campaign_id = (select campaign from fx)$$,
  $$values (3, 2, 3, 1, 3, 1, 2, 1, 1)$$, 'campaign totals: unique opens/clicks once per message, machine opens apart');
select results_eq($$select opens, clicks, machine_opens, status, first_open_at is not null from mtrk.messages where id = (select m1 from fx)$$,
  $$values (3, 3, 1, 'sent', true)$$, 'per-message (per-contact) counters');
select results_eq($$select position, clicks, unique_clicks from mtrk.campaign_ctas where campaign_id = (select campaign from fx) order by position$$,
  $$values (1, 2, 1), (2, 1, 1)$$, 'CTA ranking: clicks and unique clicks per CTA');
select is((select status from mtrk.contacts where email = 'c3@x.test'), 'bounced', 'a hard bounce marks the contact bounced');
select is((select status from mtrk.contacts where email = 'c2@x.test'), 'complained', 'a complaint marks the contact complained');
select isnt_empty($$select 1 from ops.suppression_list where email = 'c2@x.test' and reason = 'complaint'$$, 'and suppresses its address');
select results_eq($$select sum(delivered)::int, sum(unique_opens)::int from mtrk.campaign_metrics_daily where campaign_id = (select campaign from fx)$$,
  $$values (2, 1)$$, 'daily aggregates follow');
select is((select ctr from mtrk.campaign_dashboard where campaign_id = (select campaign from fx)), 0.5000, 'CTR = unique clicks / delivered');
select is((select ctor from mtrk.campaign_dashboard where campaign_id = (select campaign from fx)), 1.0000, 'CTOR = unique clicks / unique opens');

-- Soft bounces: the third suppresses the contact.
update mtrk.contacts set status = 'active' where email = 'c3@x.test';
insert into mtrk.events (company_id, campaign_id, message_id, contact_id, type, bounce_kind, source)
select m.company_id, m.campaign_id, m.id, m.contact_id, 'bounce', 'soft', 'webhook' from fx join mtrk.messages m on m.id = fx.m3, generate_series(1, 2);
select is((select status from mtrk.contacts where email = 'c3@x.test'), 'active', 'two soft bounces: still active');
insert into mtrk.events (company_id, campaign_id, message_id, contact_id, type, bounce_kind, source)
select m.company_id, m.campaign_id, m.id, m.contact_id, 'bounce', 'soft', 'webhook' from fx join mtrk.messages m on m.id = fx.m3;
select is((select status from mtrk.contacts where email = 'c3@x.test'), 'suppressed', 'the third soft bounce suppresses the contact');
select isnt_empty($$select 1 from ops.suppression_list where email = 'c3@x.test' and reason = 'soft_bounce_limit'$$, 'and lists its address');

-- Append-only.
select tests.authenticate_as('ana@a.test');
select isnt_empty('select 1 from mtrk.events', 'a member reads the company''s events');
select throws_ok('update mtrk.events set is_machine = true', '42501', null, 'authenticated cannot update events');
select throws_ok('delete from mtrk.events', '42501', null, 'authenticated cannot delete events');
select throws_ok('truncate mtrk.events', '42501', null, 'authenticated cannot truncate events');
select throws_ok(format($$insert into mtrk.events (company_id, campaign_id, message_id, contact_id, type, source) values (%L, %L, %s, gen_random_uuid(), 'open', 'tracking')$$,
  tests.company_id('empresa-a'), (select campaign from fx), (select m1 from fx)), '42501', null, 'authenticated cannot insert events');
select tests.authenticate_as_service_role();
select throws_ok('update mtrk.events set is_machine = true', '42501', null, 'service_role cannot update events');
select throws_ok('delete from mtrk.events', '42501', null, 'service_role cannot delete events');
select throws_ok('truncate mtrk.events', '42501', null, 'service_role cannot truncate events');
select throws_ok(format('update partitions.%I set is_machine = true', 'mtrk_events_y' || to_char(now(), 'YYYY"m"MM')), '42501', null, 'service_role cannot go around through a partition');
select tests.clear_authentication();

-- Even with the privilege granted by mistake, the trigger refuses non-owners.
grant update, delete on mtrk.events to service_role;
select tests.authenticate_as_service_role();
select throws_ok('update mtrk.events set is_machine = true', '42501', 'mtrk.events is append-only: update is refused', 'the trigger refuses an update a grant would allow');
select throws_ok('delete from mtrk.events', '42501', 'mtrk.events is append-only: delete is refused', 'the trigger refuses a delete a grant would allow');
select tests.clear_authentication();
select is((select count(*)::int from mtrk.events where company_id = tests.company_id('empresa-a')), 18, 'every event is still there');

select * from finish();
rollback;
