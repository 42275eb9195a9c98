-- Sessions by landing touch, per company day (migration 20261211000800): the hourly roll-up adds the
-- days that ended; analytics.utm_performance reads whole rolled days from it and the rest from the raw
-- rows, and answers exactly what it answered from the raw rows alone; a changed time zone or a rebuild
-- cuts the days again; the roll-up is re-runnable; members read their own company's rows only and
-- write none.
begin;
\ir ../_helpers/install.psql
select plan(24);

select tests.create_user('ana@a.test');
select tests.create_user('bruno@b.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.create_company('Empresa B', 'empresa-b');
select tests.add_member(tests.company_id('empresa-a'), 'ana@a.test', 'owner');
select tests.add_member(tests.company_id('empresa-b'), 'bruno@b.test', 'owner');
update core.companies set time_zone = 'America/Sao_Paulo' where id in (tests.company_id('empresa-a'), tests.company_id('empresa-b'));

create temp table fixture (company uuid, domain_a uuid, domain_b uuid, journey uuid, tz text) on commit drop;
grant select on fixture to authenticated;

-- Company A: two sites, 8 company days of sessions (10:00–10:40 local), a few per day on four
-- campaigns, some with a second touch later (the first one is what counts), one session whose only
-- touch comes after its day ended (counted on neither path), and today's sessions (never rolled).
do $$
declare
  company uuid := tests.company_id('empresa-a');
  tz text := 'America/Sao_Paulo';
  today date := (now() at time zone 'America/Sao_Paulo')::date;
  domain_a uuid;
  domain_b uuid;
  journey uuid;
begin
  insert into lead.domains (company_id, domain_name, domain_url) values (company, 'a', 'https://a.test') returning id into domain_a;
  insert into lead.domains (company_id, domain_name, domain_url) values (company, 'b', 'https://b.test') returning id into domain_b;
  insert into lead.visitor_journeys (company_id, domain_id, visitor_id, first_visit_at, last_visit_at)
  values (company, domain_a, 'visitor-1', now() - interval '30 days', now()) returning id into journey;
  insert into lead.sessions (company_id, id, domain_id, journey_id, visitor_id, started_at, last_activity_at)
  select company, format('session-%s-%s', d, n), case when n % 3 = 0 then domain_b else domain_a end, journey, 'visitor-1',
         ((today - d)::timestamp + time '10:00' + make_interval(mins => n * 5)) at time zone tz,
         ((today - d)::timestamp + time '10:00' + make_interval(mins => n * 5)) at time zone tz
  from generate_series(1, 8) d, generate_series(1, 1 + d % 4) n;
  insert into lead.utm_touches (touched_at, company_id, domain_id, session_id, visitor_id, journey_id, channel,
                                utm_source, utm_medium, utm_campaign, utm_content, utm_term)
  select s.started_at + interval '1 second', company, s.domain_id, s.id, 'visitor-1', journey,
         case when n % 4 = 3 then 'direct' else 'paid' end,
         (array['google', 'facebook', 'tiktok', null])[1 + n % 4], (array['cpc', 'paid_social', 'cpc', null])[1 + n % 4],
         (array['bf', 'bf', 'launch', null])[1 + n % 4], case when n % 2 = 0 then 'ad-' || d end, null
  from lead.sessions s, lateral (select split_part(s.id, '-', 2)::int as d, split_part(s.id, '-', 3)::int as n) k
  where s.company_id = company;
  -- second touches later the same day: not the landing
  insert into lead.utm_touches (touched_at, company_id, domain_id, session_id, visitor_id, journey_id, channel, utm_source, utm_medium, utm_campaign)
  select s.started_at + interval '20 minutes', company, s.domain_id, s.id, 'visitor-1', journey, 'paid', 'linkedin', 'cpc', 'second'
  from lead.sessions s where s.company_id = company and s.id like 'session-%-1';
  -- evenings: 22:30 in São Paulo is the next day in UTC, so a day cut in the wrong zone shows
  insert into lead.sessions (company_id, id, domain_id, journey_id, visitor_id, started_at, last_activity_at)
  select company, 'evening-' || d, domain_a, journey, 'visitor-1', ((today - d)::timestamp + time '22:30') at time zone tz,
         ((today - d)::timestamp + time '22:30') at time zone tz
  from generate_series(2, 6) d;
  insert into lead.utm_touches (touched_at, company_id, domain_id, session_id, visitor_id, journey_id, channel, utm_source, utm_medium, utm_campaign)
  select s.started_at + interval '1 second', company, s.domain_id, s.id, 'visitor-1', journey, 'paid', 'google', 'cpc', 'evening'
  from lead.sessions s where s.company_id = company and s.id like 'evening-%';
  -- a session at 23:50 whose only touch is at 00:10 the next day
  insert into lead.sessions (company_id, id, domain_id, journey_id, visitor_id, started_at, last_activity_at)
  values (company, 'late-touch', domain_a, journey, 'visitor-1', ((today - 3)::timestamp + time '23:50') at time zone tz,
          ((today - 2)::timestamp + time '00:10') at time zone tz);
  insert into lead.utm_touches (touched_at, company_id, domain_id, session_id, visitor_id, journey_id, channel, utm_source, utm_medium, utm_campaign)
  values (((today - 2)::timestamp + time '00:10') at time zone tz, company, domain_a, 'late-touch', 'visitor-1', journey, 'paid',
          'bing', 'cpc', 'midnight');
  -- today: a minute ago
  insert into lead.sessions (company_id, id, domain_id, journey_id, visitor_id, started_at, last_activity_at)
  values (company, 'today-session', domain_a, journey, 'visitor-1', now() - interval '1 minute', now());
  insert into lead.utm_touches (touched_at, company_id, domain_id, session_id, visitor_id, journey_id, channel, utm_source, utm_medium, utm_campaign)
  values (now() - interval '1 minute', company, domain_a, 'today-session', 'visitor-1', journey, 'paid', 'google', 'cpc', 'today');
  insert into fixture values (company, domain_a, domain_b, journey, tz);
end
$$;

-- The ranges compared: the console's (company days, ending tomorrow), one starting mid-day, one that
-- ends before today, one site, one source, and one model that reads the leads' side.
create temp table ranges (label text, from_date timestamptz, to_date timestamptz, model text, domain_id uuid, source text) on commit drop;
grant select on ranges to authenticated;
insert into ranges
select 'company days', ((t - 7)::timestamp at time zone f.tz), ((t + 1)::timestamp at time zone f.tz), 'last_non_direct', null::uuid, null
from fixture f, lateral (select (now() at time zone f.tz)::date as t) x
union all
select 'mid-day start', ((t - 6)::timestamp + time '10:12') at time zone f.tz, now(), 'linear', null, null from fixture f, lateral (select (now() at time zone f.tz)::date as t) x
union all
select 'ends before today', ((t - 8)::timestamp at time zone f.tz), ((t - 2)::timestamp at time zone f.tz), 'first', null, null from fixture f, lateral (select (now() at time zone f.tz)::date as t) x
union all
select 'one site', now() - interval '10 days', now(), 'position', f.domain_b, null from fixture f
union all
select 'one source', now() - interval '10 days', now(), 'last', null, 'google' from fixture f;

create temp table expected on commit drop as
select r.label, p.* from ranges r, analytics.utm_performance(r.from_date, r.to_date, r.model, r.domain_id, r.source) p where false;
grant select, insert, delete on expected to authenticated;

select tests.authenticate_as('ana@a.test');
insert into expected
select r.label, p.* from ranges r, lateral analytics.utm_performance(r.from_date, r.to_date, r.model, r.domain_id, r.source) p;
select ok((select count(*) from expected where label = 'company days') >= 5, 'the raw answer has rows to compare');
select is((select sum(sessions)::int from expected where label = 'company days'),
          (select count(*)::int from lead.sessions s, ranges r where r.label = 'company days' and s.started_at >= r.from_date and s.started_at < r.to_date) - 1,
          'every session but the one whose only touch came the next day is counted by its landing touch');
select is((select sessions::int from expected where label = 'company days' and utm_campaign = 'second'), null,
          'a later touch of a session is not its landing');

-- roll up (pg_cron runs it as the owner)
select tests.clear_authentication();
select ok(lead.roll_up_session_landings() >= 2, 'the first run rolls the companies not rolled before');
select is((select count(*)::int from lead.session_landing_rollups where company_id in (tests.company_id('empresa-a'), tests.company_id('empresa-b'))),
          2, 'both companies have their state');
select is((select rolled_until from lead.session_landing_rollups where company_id = (select company from fixture)),
          ((now() - interval '1 hour') at time zone 'America/Sao_Paulo')::date, 'rolled until the company day of an hour ago');
select is((select sum(sessions)::int from lead.session_landing_days where company_id = (select company from fixture)),
          (select count(*)::int from lead.sessions where company_id = (select company from fixture)
             and started_at < ((now() - interval '1 hour') at time zone 'America/Sao_Paulo')::date::timestamp at time zone 'America/Sao_Paulo') - 1,
          'the rolled days hold the sessions of the days that ended, by landing touch');
create temp table rolled_once on commit drop as select * from lead.session_landing_days;
select is(lead.roll_up_session_landings(), 0, 'a second run has nothing to add');
select set_eq('select * from lead.session_landing_days', 'select * from rolled_once', 'and leaves the rolled days as they were');

select tests.authenticate_as('ana@a.test');
select set_eq(
  $$select r.label, p.* from ranges r, lateral analytics.utm_performance(r.from_date, r.to_date, r.model, r.domain_id, r.source) p$$,
  'select * from expected',
  'every range answers the same from the rolled days as from the raw rows');
select results_eq(
  $$select p.* from ranges r, lateral analytics.utm_performance(r.from_date, r.to_date, r.model, r.domain_id, r.source) p where r.label = 'company days'$$,
  $$select utm_source, utm_medium, utm_campaign, utm_content, utm_term, sessions, leads, qualified, won, won_revenue from expected where label = 'company days'$$,
  'in the same order');

-- A session loaded later with an old date is not in the rolled days until they are cut again: proof
-- that rolled days are read from the table, not from the raw rows.
select tests.clear_authentication();
insert into lead.sessions (company_id, id, domain_id, journey_id, visitor_id, started_at, last_activity_at)
select f.company, 'backdated', f.domain_a, f.journey, 'visitor-1', (((now() at time zone f.tz)::date - 4)::timestamp + time '12:00') at time zone f.tz, now()
from fixture f;
insert into lead.utm_touches (touched_at, company_id, domain_id, session_id, visitor_id, journey_id, channel, utm_source, utm_medium, utm_campaign)
select s.started_at, s.company_id, s.domain_id, s.id, s.visitor_id, s.journey_id, 'paid', 'google', 'cpc', 'backdated'
from lead.sessions s where s.id = 'backdated';
select tests.authenticate_as('ana@a.test');
select is((select sessions from ranges r, lateral analytics.utm_performance(r.from_date, r.to_date) p where r.label = 'company days' and p.utm_campaign = 'backdated'),
          null, 'a rolled day is read from the rollup (the backdated session is not there yet)');
select tests.clear_authentication();
select is(lead.roll_up_session_landings(rebuild => true), (select count(*)::int from core.companies), 'a rebuild cuts every company again');
select tests.authenticate_as('ana@a.test');
select is((select sessions from ranges r, lateral analytics.utm_performance(r.from_date, r.to_date) p where r.label = 'company days' and p.utm_campaign = 'backdated'),
          1::bigint, 'after the rebuild the backdated session counts');

-- A new time zone: the rolled days no longer fit the company's days, so everything is read raw until
-- the next run cuts them again in the new zone.
select tests.clear_authentication();
update core.companies set time_zone = 'Asia/Tokyo' where id = (select company from fixture);
insert into lead.sessions (company_id, id, domain_id, journey_id, visitor_id, started_at, last_activity_at)
select f.company, 'backdated-2', f.domain_a, f.journey, 'visitor-1', now() - interval '5 days', now() from fixture f;
insert into lead.utm_touches (touched_at, company_id, domain_id, session_id, visitor_id, journey_id, channel, utm_source, utm_medium, utm_campaign)
select s.started_at, s.company_id, s.domain_id, s.id, s.visitor_id, s.journey_id, 'paid', 'google', 'cpc', 'backdated-2'
from lead.sessions s where s.id = 'backdated-2';
select tests.authenticate_as('ana@a.test');
select is((select sessions from analytics.utm_performance(now() - interval '10 days', now()) p where p.utm_campaign = 'backdated-2'),
          1::bigint, 'with another time zone the rolled days are not used');
create temp table raw_tokyo on commit drop as
select r.label, p.* from ranges r, lateral analytics.utm_performance(r.from_date, r.to_date, r.model, r.domain_id, r.source) p;
select tests.clear_authentication();
select is(lead.roll_up_session_landings(), 1, 'the next run cuts only that company again');
select is((select time_zone from lead.session_landing_rollups where company_id = (select company from fixture)), 'Asia/Tokyo', 'in its new zone');
select tests.authenticate_as('ana@a.test');
select set_eq(
  $$select r.label, p.* from ranges r, lateral analytics.utm_performance(r.from_date, r.to_date, r.model, r.domain_id, r.source) p$$,
  'select * from raw_tokyo',
  'cut in the new zone, every range answers as the raw rows do');

-- Tenancy: A reads its own rows, writes none; B reads none of A's; anon nothing.
select isnt_empty('select 1 from lead.session_landing_days', 'A reads its rolled days');
select throws_ok(format($$insert into lead.session_landing_days (company_id, day, domain_id, sessions) values (%L, current_date, %L, 1)$$,
                        (select company from fixture), (select domain_a from fixture)), '42501', null, 'A cannot add rolled days');
select throws_ok('update lead.session_landing_days set sessions = sessions + 1', '42501', null, 'A cannot change them');
select throws_ok('delete from lead.session_landing_rollups', '42501', null, 'A cannot delete its rollup state');
select tests.authenticate_as('bruno@b.test');
select is((select count(*)::int from lead.session_landing_days) + (select count(*)::int from lead.session_landing_rollups where company_id = (select company from fixture)),
          0, 'B reads none of A''s rolled days or state');
select tests.authenticate_as_anon();
select throws_ok('select 1 from lead.session_landing_days', '42501', null, 'anon reads nothing');

select * from finish();
rollback;
