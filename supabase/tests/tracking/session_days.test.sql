-- Sessions per company day (migration 20261211001000): the hourly roll-up fills lead.session_days with
-- every session (touched or not) of the days that ended; analytics.daily_web_traffic reads whole rolled
-- days from it, the rest and every converting session from the raw rows, and answers exactly what it
-- answered from the raw rows alone; a changed time zone or a rebuild cuts the days again; members read
-- their own company's rows only and write none.
begin;
\ir ../_helpers/install.psql
select plan(17);

select tests.create_user('ana@a.test');
select tests.create_user('bruno@b.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.create_company('Empresa B', 'empresa-b');
select tests.add_member(tests.company_id('empresa-a'), 'ana@a.test', 'owner');
select tests.add_member(tests.company_id('empresa-b'), 'bruno@b.test', 'owner');
update core.companies set time_zone = 'America/Sao_Paulo' where id in (tests.company_id('empresa-a'), tests.company_id('empresa-b'));

create temp table fixture (company uuid, domain_a uuid, domain_b uuid, journey uuid, tz text) on commit drop;
grant select on fixture to authenticated;

-- Company A: two sites, 9 company days of sessions at 10:00–10:40 local, half of them without any
-- touch; evenings at 22:30 (the next day in UTC, so a day cut in the wrong zone shows); some sessions
-- converting, one of them days after it started; and today's sessions (never rolled).
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
  insert into lead.sessions (company_id, id, domain_id, journey_id, visitor_id, started_at, last_activity_at, converted)
  select company, format('session-%s-%s', d, n), case when n % 3 = 0 then domain_b else domain_a end, journey, 'visitor-1',
         ((today - d)::timestamp + time '10:00' + make_interval(mins => n * 5)) at time zone tz,
         ((today - d)::timestamp + time '10:00' + make_interval(mins => n * 5)) at time zone tz,
         n = 2
  from generate_series(1, 9) d, generate_series(1, 1 + d % 4) n;
  insert into lead.utm_touches (touched_at, company_id, domain_id, session_id, visitor_id, journey_id, channel, utm_source)
  select s.started_at + interval '1 second', company, s.domain_id, s.id, 'visitor-1', journey, 'paid', 'google'
  from lead.sessions s where s.company_id = company and split_part(s.id, '-', 3)::int % 2 = 1;
  insert into lead.sessions (company_id, id, domain_id, journey_id, visitor_id, started_at, last_activity_at, converted)
  select company, 'evening-' || d, domain_b, journey, 'visitor-1', ((today - d)::timestamp + time '22:30') at time zone tz,
         ((today - d)::timestamp + time '22:30') at time zone tz, d = 4
  from generate_series(2, 7) d;
  insert into lead.sessions (company_id, id, domain_id, journey_id, visitor_id, started_at, last_activity_at)
  values (company, 'today-session', domain_a, journey, 'visitor-1', now() - interval '1 minute', now());
  insert into fixture values (company, domain_a, domain_b, journey, tz);
end
$$;

-- Company B: sessions on the same days, which A must never count.
do $$
declare
  company uuid := tests.company_id('empresa-b');
  domain_b uuid;
  journey uuid;
begin
  insert into lead.domains (company_id, domain_name, domain_url) values (company, 'b', 'https://b-empresa.test') returning id into domain_b;
  insert into lead.visitor_journeys (company_id, domain_id, visitor_id, first_visit_at, last_visit_at)
  values (company, domain_b, 'visitor-b', now() - interval '30 days', now()) returning id into journey;
  insert into lead.sessions (company_id, id, domain_id, journey_id, visitor_id, started_at, last_activity_at, converted)
  select company, 'session-b-' || d, domain_b, journey, 'visitor-b', now() - make_interval(days => d), now() - make_interval(days => d), true
  from generate_series(1, 9) d;
end
$$;

-- The ranges compared: the console's (company days, ending tomorrow), one starting mid-day, one that
-- ends before today, and one site.
create temp table ranges (label text, from_date timestamptz, to_date timestamptz, domain_id uuid) on commit drop;
grant select on ranges to authenticated;
insert into ranges
select 'company days', ((t - 8)::timestamp at time zone f.tz), ((t + 1)::timestamp at time zone f.tz), null::uuid
from fixture f, lateral (select (now() at time zone f.tz)::date as t) x
union all
select 'mid-day start', ((t - 6)::timestamp + time '10:12') at time zone f.tz, now(), null from fixture f, lateral (select (now() at time zone f.tz)::date as t) x
union all
select 'ends before today', ((t - 9)::timestamp at time zone f.tz), ((t - 2)::timestamp at time zone f.tz), null from fixture f, lateral (select (now() at time zone f.tz)::date as t) x
union all
select 'one site', now() - interval '10 days', now(), f.domain_b from fixture f;

create temp table expected on commit drop as
select r.label, p.* from ranges r, analytics.daily_web_traffic(r.from_date, r.to_date, r.domain_id) p where false;
grant select, insert on expected to authenticated;

select tests.authenticate_as('ana@a.test');
insert into expected select r.label, p.* from ranges r, lateral analytics.daily_web_traffic(r.from_date, r.to_date, r.domain_id) p;
select is((select sum(sessions)::int from expected where label = 'company days'),
          (select count(*)::int from lead.sessions s, ranges r where r.label = 'company days' and s.started_at >= r.from_date and s.started_at < r.to_date),
          'the raw answer counts every session of the range, touched or not');
select is((select sum(leads)::int from expected where label = 'company days'),
          (select count(*)::int from lead.sessions s, ranges r where r.label = 'company days' and s.converted and s.started_at >= r.from_date and s.started_at < r.to_date),
          'and every converting session');

-- roll up (pg_cron runs it as the owner)
select tests.clear_authentication();
select ok(lead.roll_up_session_landings() >= 2, 'the run rolls the companies not rolled before');
select is((select sum(sessions)::int from lead.session_days where company_id = (select company from fixture)),
          (select count(*)::int from lead.sessions where company_id = (select company from fixture)
             and started_at < ((now() - interval '1 hour') at time zone 'America/Sao_Paulo')::date::timestamp at time zone 'America/Sao_Paulo'),
          'the session days hold every session of the days that ended, touched or not');
select is((select sessions::int from lead.session_days d, fixture f
           where d.company_id = f.company and d.domain_id = f.domain_b and d.day = (now() at time zone f.tz)::date - 4),
          1, 'a 22:30 session counts on its own company day, not the UTC one (the site has no other that day)');

select tests.authenticate_as('ana@a.test');
select set_eq($$select r.label, p.* from ranges r, lateral analytics.daily_web_traffic(r.from_date, r.to_date, r.domain_id) p$$,
              'select * from expected', 'every range answers the same from the rolled days as from the raw rows');
select results_eq($$select p.* from ranges r, lateral analytics.daily_web_traffic(r.from_date, r.to_date, r.domain_id) p where r.label = 'company days'$$,
                  $$select day, sessions, leads from expected where label = 'company days'$$, 'in the same order, every day present');

-- A session loaded later with an old date is not in the rolled days until they are cut again (the
-- rolled days are read from the table); a session that converts days later counts at once (converting
-- sessions are read raw).
select tests.clear_authentication();
insert into lead.sessions (company_id, id, domain_id, journey_id, visitor_id, started_at, last_activity_at)
select f.company, 'backdated', f.domain_a, f.journey, 'visitor-1', (((now() at time zone f.tz)::date - 5)::timestamp + time '12:00') at time zone f.tz, now()
from fixture f;
update lead.sessions set converted = true where id = 'session-6-1';
select tests.authenticate_as('ana@a.test');
select is((select p.sessions - e.sessions from ranges r, lateral analytics.daily_web_traffic(r.from_date, r.to_date) p
           join expected e on e.label = 'company days' and e.day = p.day
           where r.label = 'company days' and p.day = (now() at time zone 'America/Sao_Paulo')::date - 5),
          0::bigint, 'a rolled day is read from the rollup (the backdated session is not there yet)');
select is((select p.leads - e.leads from ranges r, lateral analytics.daily_web_traffic(r.from_date, r.to_date) p
           join expected e on e.label = 'company days' and e.day = p.day
           where r.label = 'company days' and p.day = (now() at time zone 'America/Sao_Paulo')::date - 6),
          1::bigint, 'a session converting after its day was rolled counts at once');
select tests.clear_authentication();
select is(lead.roll_up_session_landings(rebuild => true), (select count(*)::int from core.companies), 'a rebuild cuts every company again');
select tests.authenticate_as('ana@a.test');
select is((select p.sessions - e.sessions from ranges r, lateral analytics.daily_web_traffic(r.from_date, r.to_date) p
           join expected e on e.label = 'company days' and e.day = p.day
           where r.label = 'company days' and p.day = (now() at time zone 'America/Sao_Paulo')::date - 5),
          1::bigint, 'after the rebuild the backdated session counts');

-- A new time zone: everything is read raw until the next run cuts the days again in the new zone.
select tests.clear_authentication();
update core.companies set time_zone = 'Asia/Tokyo' where id = (select company from fixture);
select tests.authenticate_as('ana@a.test');
create temp table raw_tokyo on commit drop as
select r.label, p.* from ranges r, lateral analytics.daily_web_traffic(r.from_date, r.to_date, r.domain_id) p;
select is((select sum(sessions)::int from raw_tokyo where label = 'one site'),
          (select count(*)::int from lead.sessions s, ranges r where r.label = 'one site' and s.domain_id = r.domain_id
             and s.started_at >= r.from_date and s.started_at < r.to_date),
          'with another time zone the rolled days are not used');
select tests.clear_authentication();
select is(lead.roll_up_session_landings(), 1, 'the next run cuts only that company again');
select tests.authenticate_as('ana@a.test');
select set_eq($$select r.label, p.* from ranges r, lateral analytics.daily_web_traffic(r.from_date, r.to_date, r.domain_id) p$$,
              'select * from raw_tokyo', 'cut in the new zone, every range answers as the raw rows do');

-- Tenancy: A reads its own rows and writes none; B reads none of A's; anon nothing.
select throws_ok(format($$insert into lead.session_days (company_id, day, domain_id, sessions) values (%L, current_date, %L, 1)$$,
                        (select company from fixture), (select domain_a from fixture)), '42501', null, 'A cannot add session days');
select tests.authenticate_as('bruno@b.test');
select is((select count(*)::int from lead.session_days where company_id = (select company from fixture)), 0, 'B reads none of A''s session days');
select tests.authenticate_as_anon();
select throws_ok('select 1 from lead.session_days', '42501', null, 'anon reads nothing');

select * from finish();
rollback;
