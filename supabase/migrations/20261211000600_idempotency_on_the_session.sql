-- track's idempotency moves from the receipts ledger to the session's own rows (decision 0010,
-- "Idempotency on the session"). Every client event id track writes is a page view or an event of one
-- session, and every batch of a session is applied under that session's row lock (the upsert), so the
-- ids already written are the session's rows with those ids: a new session has none, a returning one
-- is looked up on (company_id, session_id, created_at), the index both tables already have. The ledger
-- cost every batch an insert per event into a table with two B-trees and a foreign key (0.37 of 1.7 ms
-- of a twenty-event batch in the plpgsql profiler) and remembered ids for 7 days only; the rows
-- remember them as long as they exist.
--
-- How the function knows what is new before it writes the session's totals: it reads the session (no
-- lock) and, when there is one, which ids of the batch it already holds. A batch with nothing new (a
-- retry) returns before writing anything. After the session upsert (under the lock), the totals the
-- session had before it are compared with the ones read first: equal means no other batch of the
-- session committed in between, so the first look holds; otherwise (or when the session appeared in
-- between) the ids are read again under the lock and the totals just written corrected.
--
-- Page leaves are not looked up: a leave raises a page's time on page and scroll depth to what it
-- carries (the snippet sends both as running maxima), so applying one twice, or after a later one,
-- changes nothing. A leave that changes nothing is counted among the duplicates.

-- Which of these client ids a session already holds among its page views and events, between its start
-- and `until` (bounds on the partition key, so only the session's months are read). PL/pgSQL, so its
-- plans are kept between calls, and generic, like the function that calls it (migration 20261211000300).
-- Distinct: a session may hold an id twice from before this migration (rows written in the race it fixes).
create function lead._session_client_ids(company uuid, sess text, since timestamptz, until timestamptz, view_ids text[],
                                         event_ids text[], out views text[], out events text[])
language plpgsql stable set search_path = '' set plan_cache_mode = force_generic_plan
as $$
begin
  views := array(select distinct v.client_event_id from lead.page_views v
                 where v.company_id = company and v.session_id = sess and v.created_at >= since and v.created_at <= until
                   and v.client_event_id = any (view_ids));
  events := array(select distinct e.client_event_id from lead.web_events e
                  where e.company_id = company and e.session_id = sess and e.created_at >= since and e.created_at <= until
                    and e.client_event_id = any (event_ids));
end
$$;
revoke execute on function lead._session_client_ids(uuid, text, timestamptz, timestamptz, text[], text[]) from public, anon, authenticated, service_role;

create or replace function lead.ingest_tracking_batch(batch jsonb) returns jsonb
language plpgsql security definer set search_path = '' set plan_cache_mode = force_generic_plan
as $$
declare
  site lead.domains;
  refusal text;
  company uuid;
  now_ts timestamptz := now();
  -- Every row of a session is written after its writer holds the session's lock, and stamped then
  -- (written_at, the clock once the lock is held), so its created_at / touched_at lies between the
  -- session's start (its creator's now(), before it took the lock) and the clock when a later statement
  -- reads it (newest, a second's margin for the touches' microsecond steps). Stamping with now(), as
  -- before, let a batch that waited for a session created after its transaction began write rows older
  -- than the session's start, which lookups bounded by it then missed.
  newest timestamptz := clock_timestamp() + interval '1 second';
  written_at timestamptz;
  view_ids text[];
  event_ids text[];
  known_views text[] := '{}'::text[];
  known_events text[] := '{}'::text[];
  n_leaves_changed integer := 0;
  seen_started timestamptz;
  seen_views integer;
  seen_events integer;
  sess_events_before integer;
  assumed_views integer;
  assumed_events integer;
  visitor text;
  journey uuid;
  sess_id text := batch ->> 'session_id';
  sess_journey uuid;
  sess_started timestamptz;
  sess_views_before integer;
  session_is_new boolean;
  last_signature text;
  first_view jsonb;
  n_views integer := 0;
  n_events integer := 0;
  n_touches integer := 0;
  n_leaves integer := 0;
  journey_sessions integer;
begin
  select d.* into site from lead.domains d where d.site_key = batch ->> 'site_key';
  refusal := lead._refusal(site, batch ->> 'origin');
  if refusal is not null then
    return jsonb_build_object('status', refusal);
  end if;
  company := site.company_id;

  select coalesce((select array_agg(e ->> 'id') from jsonb_array_elements(coalesce(batch -> 'page_views', '[]')) e), '{}'),
         coalesce((select array_agg(e ->> 'id') from jsonb_array_elements(coalesce(batch -> 'events', '[]')) e), '{}'),
         jsonb_array_length(coalesce(batch -> 'leaves', '[]'))
    into view_ids, event_ids, n_leaves;

  -- Idempotency, first look (no lock): which ids of this batch the session already holds and, for a
  -- batch with nothing else new, whether its leaves would change anything.
  select s.started_at, s.total_page_views, s.total_events into seen_started, seen_views, seen_events
  from lead.sessions s where s.company_id = company and s.id = sess_id;
  if found then
    select k.views, k.events into known_views, known_events
    from lead._session_client_ids(company, sess_id, seen_started, newest, view_ids, event_ids) k;
    if cardinality(known_views) = cardinality(view_ids) and cardinality(known_events) = cardinality(event_ids) then
      if n_leaves > 0 then
        select count(*)::integer into n_leaves_changed
        from jsonb_array_elements(batch -> 'leaves') as l (e)
        join lead.page_views v
          on v.company_id = company and v.session_id = sess_id and v.client_event_id = l.e ->> 'view_id'
         and v.created_at >= seen_started and v.created_at <= newest
        where coalesce((l.e ->> 'time_on_page')::integer, -1) > coalesce(v.time_on_page, -1)
           or coalesce((l.e ->> 'scroll_depth')::integer, -1) > coalesce(v.scroll_depth, -1);
      end if;
      if n_leaves_changed = 0 then
        return jsonb_build_object('status', 'accepted', 'page_views', 0, 'events', 0, 'touches', 0,
                                  'duplicates', cardinality(view_ids) + cardinality(event_ids) + n_leaves);
      end if;
      n_leaves_changed := 0;
    end if;
  end if;
  n_views := cardinality(view_ids) - cardinality(known_views);
  n_events := cardinality(event_ids) - cardinality(known_events);
  assumed_views := n_views;
  assumed_events := n_events;

  visitor := coalesce(batch ->> 'visitor_id', lead._visitor_from_request(company, site.id, batch ->> 'client_ip', batch ->> 'user_agent'));

  insert into lead.visitor_journeys as j (company_id, domain_id, visitor_id, first_visit_at, last_visit_at)
  values (company, site.id, visitor, now_ts, now_ts)
  on conflict on constraint one_journey_per_visitor_and_site do update set last_visit_at = greatest(j.last_visit_at, excluded.last_visit_at)
  returning j.id, j.total_sessions into journey, journey_sessions;

  select e into first_view
  from jsonb_array_elements(coalesce(batch -> 'page_views', '[]')) with ordinality as x (e, n)
  order by (e ->> 'at')::bigint, n
  limit 1;

  -- The upserts lock the journey's and the session's rows until commit: batches of one visitor are
  -- applied one at a time, so view orders, return visits and totals never interleave. A new session's
  -- return visits are the journey's sessions before it (read under that lock).
  insert into lead.sessions as s (company_id, id, domain_id, journey_id, visitor_id, first_page_id, landing_url, referrer,
                                  device, browser, os, started_at, last_activity_at, metadata, return_visits,
                                  total_page_views, total_events)
  values (company, sess_id, site.id, journey, visitor,
          (select p.id from lead.landing_pages p where p.domain_id = site.id and p.page_url = first_view ->> 'page_key' and p.is_active),
          first_view ->> 'url', nullif(first_view ->> 'referrer', ''),
          batch ->> 'device', batch ->> 'browser', batch ->> 'os', now_ts, now_ts,
          jsonb_strip_nulls(jsonb_build_object('language', batch #>> '{context,language}', 'screen', batch #>> '{context,screen}',
                                               'timezone', batch #>> '{context,timezone}')),
          journey_sessions, n_views, n_events)
  on conflict on constraint sessions_pkey do update
    set last_activity_at = greatest(s.last_activity_at, excluded.last_activity_at),
        total_page_views = s.total_page_views + excluded.total_page_views,
        total_events = s.total_events + excluded.total_events
  returning s.journey_id, s.started_at, s.total_page_views - n_views, s.total_events - n_events, (s.xmax = 0)
    into sess_journey, sess_started, sess_views_before, sess_events_before, session_is_new;
  written_at := clock_timestamp();
  newest := written_at + interval '1 second';

  -- Idempotency, under the lock: when another batch of this session committed after the first look (the
  -- totals moved, or the session appeared), read the ids again and correct the totals just written.
  if not session_is_new
     and (seen_started is null or sess_views_before <> seen_views or sess_events_before <> seen_events) then
    select k.views, k.events into known_views, known_events
    from lead._session_client_ids(company, sess_id, sess_started, newest, view_ids, event_ids) k;
    n_views := cardinality(view_ids) - cardinality(known_views);
    n_events := cardinality(event_ids) - cardinality(known_events);
    if n_views <> assumed_views or n_events <> assumed_events then
      update lead.sessions s
      set total_page_views = s.total_page_views - (assumed_views - n_views),
          total_events = s.total_events - (assumed_events - n_events)
      where s.company_id = company and s.id = sess_id;
    end if;
  end if;

  if session_is_new or n_views > 0 then
    update lead.visitor_journeys j
    set total_sessions = j.total_sessions + case when session_is_new then 1 else 0 end,
        total_page_views = j.total_page_views + n_views
    where j.id = sess_journey;
  end if;
  if not session_is_new then
    select row (t.channel, t.utm_source, t.utm_medium, t.utm_campaign, t.utm_id, t.utm_term, t.utm_content, t.gclid, t.gbraid,
                t.wbraid, t.fbclid, t.ttclid, t.li_fat_id, t.msclkid, t.mid, t.referrer_host)::text
      into last_signature
    from (select u.*, substring(u.referrer from '^[a-z]+://([^/:?#]+)') as referrer_host
          from lead.utm_touches u
          where u.company_id = company and u.session_id = sess_id and u.touched_at >= sess_started
            and u.touched_at <= newest
          order by u.touched_at desc
          limit 1) t;
  end if;

  -- the session's exit page so far stops being one when this batch brings newer pages (before they are
  -- written, so no id filter is needed)
  if n_views > 0 and sess_views_before > 0 then
    update lead.page_views v set exit_page = false
    where v.company_id = company and v.session_id = sess_id and v.exit_page and v.created_at >= sess_started
      and v.created_at <= newest;
  end if;

  -- page views, in the order the browser saw them
  with pv as (
    select e, (e ->> 'at')::bigint as at_ms, row_number() over (order by (e ->> 'at')::bigint, n) as rn
    from jsonb_array_elements(coalesce(batch -> 'page_views', '[]')) with ordinality as x (e, n)
    where e ->> 'id' <> all (known_views)
  ),
  views as (
    insert into lead.page_views (company_id, domain_id, session_id, page_id, client_event_id, page_url, page_path, page_title,
                                 referrer, view_order, exit_page, occurred_at, created_at)
    select company, site.id, sess_id, p.id, pv.e ->> 'id', pv.e ->> 'url', pv.e ->> 'path', pv.e ->> 'title',
           nullif(pv.e ->> 'referrer', ''), sess_views_before + pv.rn, pv.rn = max(pv.rn) over (),
           to_timestamp(pv.at_ms / 1000.0), written_at
    from pv
    left join lead.landing_pages p on p.domain_id = site.id and p.page_url = pv.e ->> 'page_key' and p.is_active
    returning 1
  )
  select count(*)::integer into n_views from views;

  -- Touches: the first page of a new session always makes one (direct when it carries nothing); a later
  -- page makes one when it carries UTMs, click ids, an e-mail mid or an outside referrer that differ
  -- from the session's previous touch.
  with candidates as (
    select e, t, rn,
           row (t ->> 'channel', t ->> 'utm_source', t ->> 'utm_medium', t ->> 'utm_campaign', t ->> 'utm_id', t ->> 'utm_term',
                t ->> 'utm_content', t ->> 'gclid', t ->> 'gbraid', t ->> 'wbraid', t ->> 'fbclid', t ->> 'ttclid', t ->> 'li_fat_id',
                t ->> 'msclkid', t ->> 'mid', substring(t ->> 'referrer' from '^[a-z]+://([^/:?#]+)'))::text as signature
    from (
      select x.e, x.e -> 'touch' as t, row_number() over (order by (x.e ->> 'at')::bigint, x.n) as rn
      from jsonb_array_elements(coalesce(batch -> 'page_views', '[]')) with ordinality as x (e, n)
      where x.e ->> 'id' <> all (known_views)
    ) v
    where (t ->> 'channel') <> 'direct' or (session_is_new and rn = 1)
  ),
  ordered as (
    select c.*, lag(c.signature, 1, last_signature) over (order by c.rn) as previous_signature from candidates c
  ),
  touched as (
    insert into lead.utm_touches (touched_at, company_id, domain_id, session_id, visitor_id, journey_id, page_id, channel,
                                  utm_source, utm_medium, utm_campaign, utm_id, utm_term, utm_content, gclid, gbraid, wbraid,
                                  fbclid, fbc, fbp, ttclid, li_fat_id, msclkid, mid, device, match_type, referrer, page_url,
                                  url_params, user_agent, client_ip, created_at)
    select written_at + make_interval(secs => o.rn / 1e6), company, site.id, sess_id, visitor, sess_journey, p.id, o.t ->> 'channel',
           o.t ->> 'utm_source', o.t ->> 'utm_medium', o.t ->> 'utm_campaign', o.t ->> 'utm_id', o.t ->> 'utm_term', o.t ->> 'utm_content',
           o.t ->> 'gclid', o.t ->> 'gbraid', o.t ->> 'wbraid', o.t ->> 'fbclid', o.t ->> 'fbc', o.t ->> 'fbp', o.t ->> 'ttclid',
           o.t ->> 'li_fat_id', o.t ->> 'msclkid', o.t ->> 'mid', batch ->> 'device', o.t ->> 'match_type',
           nullif(o.t ->> 'referrer', ''), o.e ->> 'url', coalesce(o.t -> 'url_params', '{}'),
           batch ->> 'user_agent', (batch ->> 'client_ip')::inet, written_at
    from ordered o
    left join lead.landing_pages p on p.domain_id = site.id and p.page_url = o.e ->> 'page_key' and p.is_active
    where o.signature is distinct from o.previous_signature or (session_is_new and o.rn = 1)
    returning 1
  )
  select count(*)::integer into n_touches from touched;

  -- time on page and scroll depth of the pages left: running maxima, so a leave applied twice, or after a
  -- later one, changes nothing
  if n_leaves > 0 then
    update lead.page_views v
    set time_on_page = greatest(v.time_on_page, (l.e ->> 'time_on_page')::integer),
        scroll_depth = greatest(v.scroll_depth, (l.e ->> 'scroll_depth')::integer)
    from jsonb_array_elements(batch -> 'leaves') as l (e)
    where v.company_id = company and v.session_id = sess_id and v.client_event_id = l.e ->> 'view_id' and v.created_at >= sess_started
      and v.created_at <= newest
      and (coalesce((l.e ->> 'time_on_page')::integer, -1) > coalesce(v.time_on_page, -1)
           or coalesce((l.e ->> 'scroll_depth')::integer, -1) > coalesce(v.scroll_depth, -1));
    get diagnostics n_leaves_changed = row_count;
  end if;

  if n_events > 0 then
    with events as (
      insert into lead.web_events (company_id, domain_id, session_id, page_id, client_event_id, event_type, event_category, event_action,
                                   event_label, event_value, element_id, element_class, event_data, page_url, occurred_at, created_at)
      select company, site.id, sess_id, p.id, x.e ->> 'id', x.e ->> 'type', x.e ->> 'category', x.e ->> 'action', x.e ->> 'label',
             (x.e ->> 'value')::numeric, x.e ->> 'element_id', x.e ->> 'element_class', coalesce(x.e -> 'data', '{}'), x.e ->> 'url',
             to_timestamp((x.e ->> 'at')::bigint / 1000.0), written_at
      from jsonb_array_elements(coalesce(batch -> 'events', '[]')) as x (e)
      left join lead.landing_pages p on p.domain_id = site.id and p.page_url = x.e ->> 'page_key' and p.is_active
      where x.e ->> 'id' <> all (known_events)
      returning 1
    )
    select count(*)::integer into n_events from events;
  end if;

  -- "last event seen" for the console, written at most once a minute per site (the site row read above
  -- says whether it is due, so most batches do not touch it)
  if site.last_event_at is null or site.last_event_at < now_ts - interval '1 minute' then
    update lead.domains d set last_event_at = now_ts
    where d.id = site.id and (d.last_event_at is null or d.last_event_at < now_ts - interval '1 minute');
  end if;

  return jsonb_build_object('status', 'accepted', 'page_views', n_views, 'events', n_events, 'touches', n_touches,
                            'duplicates', cardinality(known_views) + cardinality(known_events) + n_leaves - n_leaves_changed);
end
$$;
comment on function lead.ingest_tracking_batch(jsonb) is
  'Writes one track batch (session, journey, touches, page views, leaves, events) in one transaction; idempotent on client event ids, which it looks up among the session''s own page views and events (a retry writes nothing). Service only.';

-- the ledger and its housekeeping go
select cron.unschedule('prune-tracking-receipts');
delete from ops.expected_cron_jobs where jobname = 'prune-tracking-receipts';
drop function lead.prune_tracking_receipts(interval);
drop table lead.tracking_receipts;
