-- UTM performance without reading every session of the range on each view (decision 0010, "Sessions
-- by landing touch, per day").
--
-- analytics.utm_performance counted sessions by the touch they landed with, from the raw sessions and
-- touches of the whole range: linear in the sessions (~2 µs each here), so 90 days of a busy site
-- (millions of sessions) would take seconds on every page view and reach the API's statement timeout.
-- Now:
--   lead.session_landing_days     sessions per company day (the company's time zone), site and landing
--                                 UTMs (source, medium, campaign, content, term) — only days that are over
--   lead.session_landing_rollups  per company: the days before rolled_until are in the table above, and
--                                 the time zone they were cut in
--   lead.roll_up_session_landings() the hourly pg_cron job: adds the days that ended (an hour ago or more)
--                                 since the last run, set-based for every company at once; a company whose
--                                 time zone changed, or all of them with rebuild => true, are cut again
--   analytics.utm_performance     whole rolled days from the table; what is left (today, a range's partial
--                                 edges, days not rolled yet, a time zone that no longer matches) from the
--                                 raw rows as before. Same columns, same answers.
--
-- A session's landing touch is its earliest touch before the end of the company day it started on (and
-- before the range's end): the same rule on both paths, so a rolled day and the raw rows agree. Sessions
-- are stamped by the server when they are created, so a day that ended an hour ago takes no new session;
-- rows loaded later with old dates (the demo seed) call roll_up_session_landings(rebuild => true).
-- The rollup holds counts and campaign names, no personal data: erasing a person leaves the counts.

create table lead.session_landing_days (
  company_id uuid not null references core.companies (id) on delete cascade,
  day date not null,
  domain_id uuid not null,
  utm_source text,
  utm_medium text,
  utm_campaign text,
  utm_content text,
  utm_term text,
  sessions bigint not null check (sessions > 0),
  constraint session_landing_days_domain_fkey foreign key (company_id, domain_id)
    references lead.domains (company_id, id) on delete cascade
);
create unique index session_landing_days_key on lead.session_landing_days
  (company_id, day, domain_id, utm_source, utm_medium, utm_campaign, utm_content, utm_term) nulls not distinct;
create index idx_session_landing_days_company_id_domain_id on lead.session_landing_days (company_id, domain_id);
comment on table lead.session_landing_days is
  'Sessions per company day (in lead.session_landing_rollups.time_zone), site and landing touch UTMs, for the days before the company''s rolled_until. Written only by lead.roll_up_session_landings(); read by analytics.utm_performance.';

create table lead.session_landing_rollups (
  company_id uuid primary key references core.companies (id) on delete cascade,
  time_zone text not null,
  rolled_until date not null,
  rolled_at timestamptz not null default now()
);
comment on table lead.session_landing_rollups is
  'Per company: lead.session_landing_days holds every company day before rolled_until, cut in time_zone (a company whose time zone changed is cut again by the next run).';

alter table lead.session_landing_days enable row level security;
alter table lead.session_landing_rollups enable row level security;
create policy "members read their company's session landing days" on lead.session_landing_days
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's session landing rollup" on lead.session_landing_rollups
  for select to authenticated using (company_id = (select core.current_company_id()));
revoke all on lead.session_landing_days, lead.session_landing_rollups from public, anon, authenticated, service_role;
grant select on lead.session_landing_days, lead.session_landing_rollups to authenticated, service_role;

create function lead.roll_up_session_landings(rebuild boolean default false) returns integer
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
  'Adds to lead.session_landing_days the company days that ended (an hour ago or more) since the last run, for every company; a company seen for the first time or whose time zone changed, or every company with rebuild => true, is cut again from its first session. Returns the companies rolled. pg_cron job roll-up-session-landings runs it hourly; re-runnable.';
revoke execute on function lead.roll_up_session_landings(boolean) from public, anon, authenticated;
grant execute on function lead.roll_up_session_landings(boolean) to service_role;

select cron.schedule('roll-up-session-landings', '7 * * * *', 'select lead.roll_up_session_landings()');
insert into ops.expected_cron_jobs (jobname, does, migration) values
  ('roll-up-session-landings', 'UTM performance reads each new day of sessions from the raw rows, slower every day',
   '20261211000800_session_landings_by_day.sql');

-- ---- UTM performance over rolled days plus the raw rest -----------------------------------------

create or replace function analytics.utm_performance(
  from_date timestamptz default now() - interval '90 days',
  to_date timestamptz default now(),
  model text default 'last_non_direct',
  domain_id uuid default null,
  source text default null,
  medium text default null,
  campaign text default null
) returns table (
  utm_source text, utm_medium text, utm_campaign text, utm_content text, utm_term text,
  sessions bigint, leads numeric, qualified numeric, won numeric, won_revenue numeric
)
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
  if model not in ('first', 'last', 'last_non_direct', 'linear', 'position') then
    raise exception 'unknown attribution model %', model using errcode = '22023', hint = 'unknown_model';
  end if;
  select c.time_zone, r.rolled_until into tz, rolled_until
  from core.companies c
  left join lead.session_landing_rollups r on r.company_id = c.id and r.time_zone = c.time_zone
  where c.id = company;
  tz := coalesce(tz, 'UTC');
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
  with raw_landing as (
    -- a session counts for the touch it landed with: its earliest before the end of its start day
    select distinct on (t.company_id, t.session_id) t.utm_source, t.utm_medium, t.utm_campaign, t.utm_content, t.utm_term
    from lead.utm_touches t
    join lead.sessions s on s.company_id = t.company_id and s.id = t.session_id
    where ((s.started_at >= from_date and s.started_at < raw_head_end) or (s.started_at >= raw_tail_start and s.started_at < to_date))
      -- the head's sessions land before raw_head_end (a day boundary); the tail's after raw_tail_start
      and ((t.touched_at >= from_date - interval '1 day' and t.touched_at < raw_head_end)
           or (t.touched_at >= raw_tail_start - interval '1 day' and t.touched_at < to_date))
      and t.touched_at < ((s.started_at at time zone tz)::date + 1)::timestamp at time zone tz
      and (utm_performance.domain_id is null or s.domain_id = utm_performance.domain_id)
    order by t.company_id, t.session_id, t.touched_at
  ),
  session_counts as (
    select x.utm_source, x.utm_medium, x.utm_campaign, x.utm_content, x.utm_term, sum(x.n)::bigint as sessions
    from (
      select r.utm_source, r.utm_medium, r.utm_campaign, r.utm_content, r.utm_term, 1 as n from raw_landing r
      union all
      select d.utm_source, d.utm_medium, d.utm_campaign, d.utm_content, d.utm_term, d.sessions
      from lead.session_landing_days d
      where first_day is not null and d.company_id = company and d.day >= first_day and d.day < end_day
        and (utm_performance.domain_id is null or d.domain_id = utm_performance.domain_id)
    ) x
    group by 1, 2, 3, 4, 5
  ),
  credited as (
    select c.utm_source, c.utm_medium, c.utm_campaign, c.utm_content, c.utm_term, c.lead_id,
           case model when 'first' then case when c.is_first then 1.0 else 0 end
                      when 'last' then case when c.is_last then 1.0 else 0 end
                      when 'last_non_direct' then case when c.is_last_non_direct then 1.0 else 0 end
                      when 'linear' then c.linear_credit
                      else c.position_credit end as credit
    from analytics.lead_touch_credit c
    join lead.leads l on l.company_id = c.company_id and l.id = c.lead_id
    where l.created_at >= from_date and l.created_at < to_date
      and (utm_performance.domain_id is null
           or exists (select 1 from lead.sessions s where s.company_id = c.company_id and s.id = c.session_id and s.domain_id = utm_performance.domain_id))
  ),
  outcomes as (
    select cr.utm_source, cr.utm_medium, cr.utm_campaign, cr.utm_content, cr.utm_term,
           sum(cr.credit) as leads,
           sum(cr.credit) filter (where l.status in ('qualified', 'converted') or st.position >= 1) as qualified,
           sum(cr.credit) filter (where st.is_won) as won,
           sum(cr.credit * coalesce(o.value, l.value, 0)) filter (where st.is_won) as won_revenue
    from credited cr
    join lead.leads l on l.id = cr.lead_id
    join lead.pipeline_stages st on st.id = l.stage_id
    left join lead.opportunities o on o.lead_id = l.id
    where cr.credit > 0
    group by 1, 2, 3, 4, 5
  )
  select x.utm_source, x.utm_medium, x.utm_campaign, x.utm_content, x.utm_term, sum(x.sessions)::bigint,
         round(sum(x.leads), 4), round(sum(x.qualified), 4), round(sum(x.won), 4), round(sum(x.won_revenue), 2)
  from (
    select sc.utm_source, sc.utm_medium, sc.utm_campaign, sc.utm_content, sc.utm_term, sc.sessions,
           0::numeric as leads, 0::numeric as qualified, 0::numeric as won, 0::numeric as won_revenue
    from session_counts sc
    union all
    select oc.utm_source, oc.utm_medium, oc.utm_campaign, oc.utm_content, oc.utm_term, 0,
           oc.leads, coalesce(oc.qualified, 0), coalesce(oc.won, 0), coalesce(oc.won_revenue, 0)
    from outcomes oc
  ) x
  where (utm_performance.source is null or x.utm_source = utm_performance.source)
    and (utm_performance.medium is null or x.utm_medium = utm_performance.medium)
    and (utm_performance.campaign is null or x.utm_campaign = utm_performance.campaign)
  group by 1, 2, 3, 4, 5
  order by 6 desc, 1, 2, 3, 4, 5;
end
$$;
comment on function analytics.utm_performance(timestamptz, timestamptz, text, uuid, text, text, text) is
  'UTM performance between from_date and to_date: sessions by the touch they landed with (their earliest touch before the end of the company day they started on; whole rolled days from lead.session_landing_days, the rest from the raw rows), and leads captured in the period, qualified leads and won deals (count and revenue: opportunity value, else lead value) credited to touches under model first | last | last_non_direct | linear | position. Optional filters: site, source, medium, campaign. Security invoker: the caller''s company only. Errors: 22023 unknown_model.';
