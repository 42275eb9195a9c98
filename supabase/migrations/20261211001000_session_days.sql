-- The tracking dashboard's daily chart without reading every session of the range on each view
-- (decision 0010, "Sessions per day").
--
-- analytics.daily_web_traffic counted sessions per company day from the raw sessions of the whole
-- range: linear in the sessions (30,000 demo sessions: ~20 ms; a busy site's millions over 90 days:
-- seconds on every view). Now:
--   lead.session_days                sessions per company day and site, every session (touched or not),
--                                    for the days before the company's rolled_until in
--                                    lead.session_landing_rollups (the same state, the same time zone)
--   lead.roll_up_session_landings()  the hourly job fills it in the same run and transaction as the
--                                    landing days, so the two always cover the same days
--   analytics.daily_web_traffic      whole rolled days from the table, the rest (the range's partial first
--                                    day, days not rolled yet, today, a time zone that no longer matches)
--                                    from the raw rows; converting sessions ("leads") always from the raw
--                                    rows through the index on (company_id, converted, started_at), since a
--                                    session converts whenever its lead is captured, possibly days later,
--                                    and converting sessions are few. Same columns, same answers.
create table lead.session_days (
  company_id uuid not null references core.companies (id) on delete cascade,
  day date not null,
  domain_id uuid not null,
  sessions bigint not null check (sessions > 0),
  primary key (company_id, day, domain_id),
  constraint session_days_domain_fkey foreign key (company_id, domain_id)
    references lead.domains (company_id, id) on delete cascade
);
create index idx_session_days_company_id_domain_id on lead.session_days (company_id, domain_id);
comment on table lead.session_days is
  'Sessions per company day (in lead.session_landing_rollups.time_zone) and site, for the days before the company''s rolled_until. Written only by lead.roll_up_session_landings(); read by analytics.daily_web_traffic.';

alter table lead.session_days enable row level security;
create policy "members read their company's session days" on lead.session_days
  for select to authenticated using (company_id = (select core.current_company_id()));
revoke all on lead.session_days from public, anon, authenticated, service_role;
grant select on lead.session_days to authenticated, service_role;

create or replace function lead.roll_up_session_landings(rebuild boolean default false) returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  companies uuid[];
  zones text[];
  from_days date[];
  to_days date[];
begin
  -- one run at a time (pg_cron and a seed may overlap)
  perform pg_advisory_xact_lock(hashtext('lead.roll_up_session_landings'));

  -- Per company: from the day it was rolled until (none: from the start), to the company day that
  -- contains now() - 1 hour (the days before it are over, with an hour for transactions in flight).
  select coalesce(array_agg(w.company_id), '{}'), coalesce(array_agg(w.tz), '{}'),
         coalesce(array_agg(w.from_day), '{}'), coalesce(array_agg(w.to_day), '{}')
    into companies, zones, from_days, to_days
  from (
    select c.id as company_id, c.time_zone as tz,
           case when rebuild or r.company_id is null or r.time_zone <> c.time_zone then null else r.rolled_until end as from_day,
           ((now() - interval '1 hour') at time zone c.time_zone)::date as to_day
    from core.companies c
    left join lead.session_landing_rollups r on r.company_id = c.id
  ) w
  where w.from_day is null or w.from_day < w.to_day;

  if cardinality(companies) = 0 then
    return 0;
  end if;

  -- cut again from the start: a first run, a changed time zone, a rebuild
  delete from lead.session_landing_days d
  using unnest(companies, from_days) as w (company_id, from_day)
  where d.company_id = w.company_id and w.from_day is null;
  delete from lead.session_days d
  using unnest(companies, from_days) as w (company_id, from_day)
  where d.company_id = w.company_id and w.from_day is null;
  -- every session, touched or not, by the company day it started on (analytics.daily_web_traffic)
  insert into lead.session_days (company_id, day, domain_id, sessions)
  select s.company_id, (s.started_at at time zone w.tz)::date, s.domain_id, count(*)
  from unnest(companies, zones, from_days, to_days) as w (company_id, tz, from_day, to_day)
  join lead.sessions s
    on s.company_id = w.company_id
   and s.started_at >= coalesce(w.from_day::timestamp at time zone w.tz, '-infinity')
   and s.started_at < w.to_day::timestamp at time zone w.tz
  group by 1, 2, 3;

  insert into lead.session_landing_days (company_id, day, domain_id, utm_source, utm_medium, utm_campaign, utm_content,
                                         utm_term, sessions)
  select l.company_id, l.day, l.domain_id, l.utm_source, l.utm_medium, l.utm_campaign, l.utm_content, l.utm_term, count(*)
  from (
    select distinct on (s.company_id, s.id)
           s.company_id, (s.started_at at time zone w.tz)::date as day, s.domain_id,
           t.utm_source, t.utm_medium, t.utm_campaign, t.utm_content, t.utm_term
    from unnest(companies, zones, from_days, to_days) as w (company_id, tz, from_day, to_day)
    join lead.sessions s
      on s.company_id = w.company_id
     and s.started_at >= coalesce(w.from_day::timestamp at time zone w.tz, '-infinity')
     and s.started_at < w.to_day::timestamp at time zone w.tz
    join lead.utm_touches t
      on t.company_id = s.company_id and t.session_id = s.id
     and t.touched_at >= coalesce(w.from_day::timestamp at time zone w.tz, '-infinity') - interval '1 day'
     and t.touched_at < ((s.started_at at time zone w.tz)::date + 1)::timestamp at time zone w.tz
    order by s.company_id, s.id, t.touched_at
  ) l
  group by l.company_id, l.day, l.domain_id, l.utm_source, l.utm_medium, l.utm_campaign, l.utm_content, l.utm_term;

  insert into lead.session_landing_rollups as r (company_id, time_zone, rolled_until, rolled_at)
  select w.company_id, w.tz, w.to_day, now()
  from unnest(companies, zones, to_days) as w (company_id, tz, to_day)
  on conflict (company_id) do update
    set time_zone = excluded.time_zone, rolled_until = excluded.rolled_until, rolled_at = excluded.rolled_at;

  return cardinality(companies);
end
$$;
comment on function lead.roll_up_session_landings(boolean) is
  'Adds to lead.session_landing_days and lead.session_days the company days that ended (an hour ago or more) since the last run, for every company; a company seen for the first time or whose time zone changed, or every company with rebuild => true, is cut again from its first session. Returns the companies rolled. pg_cron job roll-up-session-landings runs it hourly; re-runnable.';

create or replace function analytics.daily_web_traffic(from_date timestamptz default now() - interval '90 days',
                                                       to_date timestamptz default now(), domain_id uuid default null)
returns table (day date, sessions bigint, leads bigint)
language plpgsql stable security invoker set search_path = ''
as $$
declare
  company uuid := core.current_company_id();
  tz text;
  rolled_until date;
  first_day date;   -- the first company day that starts at or after from_date
  end_day date;     -- the rolled days used are [first_day, end_day)
  raw_head_end timestamptz := to_date;   -- raw rows: [from_date, raw_head_end) and [raw_tail_start, to_date)
  raw_tail_start timestamptz := to_date;
begin
  -- company days (core.company_day, decision 0009): the caller's company time zone
  select c.time_zone, r.rolled_until into tz, rolled_until
  from core.companies c
  left join lead.session_landing_rollups r on r.company_id = c.id and r.time_zone = c.time_zone
  where c.id = company;
  tz := coalesce(tz, 'America/Sao_Paulo');
  if rolled_until is not null then
    first_day := (from_date at time zone tz)::date;
    if first_day::timestamp at time zone tz < from_date then
      first_day := first_day + 1;
    end if;
    end_day := least((to_date at time zone tz)::date, rolled_until);
    if first_day < end_day then
      raw_head_end := first_day::timestamp at time zone tz;
      raw_tail_start := end_day::timestamp at time zone tz;
    end if;
  end if;
  if raw_head_end = to_date then
    first_day := null;   -- nothing rolled in range: every session from the raw rows
  end if;

  return query
  with days as (
    select d::date as day
    from generate_series((from_date at time zone tz)::date, ((to_date - interval '1 microsecond') at time zone tz)::date, interval '1 day') d
  ),
  counted as (
    select (s.started_at at time zone tz)::date as day, count(*) as sessions
    from lead.sessions s
    where s.company_id = company
      and ((s.started_at >= from_date and s.started_at < raw_head_end) or (s.started_at >= raw_tail_start and s.started_at < to_date))
      and (daily_web_traffic.domain_id is null or s.domain_id = daily_web_traffic.domain_id)
    group by 1
    union all
    select d.day, sum(d.sessions)::bigint
    from lead.session_days d
    where first_day is not null and d.company_id = company and d.day >= first_day and d.day < end_day
      and (daily_web_traffic.domain_id is null or d.domain_id = daily_web_traffic.domain_id)
    group by 1
  ),
  converting as (
    select (s.started_at at time zone tz)::date as day, count(*) as leads
    from lead.sessions s
    where s.company_id = company and s.converted and s.started_at >= from_date and s.started_at < to_date
      and (daily_web_traffic.domain_id is null or s.domain_id = daily_web_traffic.domain_id)
    group by 1
  )
  select days.day, coalesce(c.sessions, 0)::bigint, coalesce(v.leads, 0)::bigint
  from days
  left join (select x.day, sum(x.sessions) as sessions from counted x group by x.day) c on c.day = days.day
  left join converting v on v.day = days.day
  order by days.day;
end
$$;
comment on function analytics.daily_web_traffic(timestamptz, timestamptz, uuid) is
  'Sessions and converting sessions (a lead captured) per company day (the company''s time zone), every day of the range present: whole days that ended from lead.session_days, the rest and every converting session from the raw rows. Security invoker.';

-- Companies already rolled get their session days now (the next hourly run would only add new days).
select lead.roll_up_session_landings(rebuild => true);
