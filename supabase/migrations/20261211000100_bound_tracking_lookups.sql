-- lead.ingest_tracking_batch: the three lookups of a session's earlier rows (its last touch, its exit
-- page, the pages a leave names) get an upper bound on the partition key as well as the lower one
-- (the session's start). The function's statements run on generic plans, pruned when they run: with
-- only `>= started`, every partition kept ahead (next months, empty) was opened, locked and scanned on
-- each batch of a returning session. The exit-page update on the dev stack (16 partitions, generic
-- plan): 4 partitions scanned before, 1 now; that statement alone under pgbench (one client): 0.60 →
-- 0.42 ms. The bound is an hour past the batch's now(): a batch of the same session that committed
-- while this one waited on the session row may carry a later now(). Same rows, same answer.

create or replace function lead.ingest_tracking_batch(batch jsonb) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  site lead.domains;
  refusal text;
  company uuid;
  now_ts timestamptz := now();
  -- Rows of this session are at most as new as this batch, give or take a batch of the same session
  -- that committed while this one waited for the session's lock (its now() may be later than ours).
  newest timestamptz := now() + interval '1 hour';
  fresh text[];
  total_ids integer;
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

  -- Idempotency: only client event ids never seen for this site are written.
  with ids as (
    select e ->> 'id' as id from jsonb_array_elements(coalesce(batch -> 'page_views', '[]')) e
    union all select e ->> 'id' from jsonb_array_elements(coalesce(batch -> 'leaves', '[]')) e
    union all select e ->> 'id' from jsonb_array_elements(coalesce(batch -> 'events', '[]')) e
  ),
  counted as (select count(*)::integer as n from ids),
  received as (
    insert into lead.tracking_receipts (domain_id, client_event_id)
    select distinct site.id, ids.id from ids
    on conflict on constraint tracking_receipts_pkey do nothing
    returning client_event_id
  )
  select coalesce((select array_agg(r.client_event_id) from received r), '{}'), (select n from counted)
    into fresh, total_ids;
  if cardinality(fresh) = 0 then
    return jsonb_build_object('status', 'accepted', 'page_views', 0, 'events', 0, 'touches', 0, 'duplicates', total_ids);
  end if;

  -- What this batch adds, known before anything is written (receipts already dropped the repeats), so
  -- the session's and the journey's totals are set in the statements that lock them.
  select count(*) filter (where k = 'v'), count(*) filter (where k = 'e'), count(*) filter (where k = 'l')
    into n_views, n_events, n_leaves
  from (select 'v' as k, e ->> 'id' as id from jsonb_array_elements(coalesce(batch -> 'page_views', '[]')) e
        union all select 'e', e ->> 'id' from jsonb_array_elements(coalesce(batch -> 'events', '[]')) e
        union all select 'l', e ->> 'id' from jsonb_array_elements(coalesce(batch -> 'leaves', '[]')) e) x
  where x.id = any (fresh);

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
  returning s.journey_id, s.started_at, s.total_page_views - n_views, (s.xmax = 0)
    into sess_journey, sess_started, sess_views_before, session_is_new;

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

  -- page views, in the order the browser saw them
  with pv as (
    select e, (e ->> 'at')::bigint as at_ms, row_number() over (order by (e ->> 'at')::bigint, n) as rn
    from jsonb_array_elements(coalesce(batch -> 'page_views', '[]')) with ordinality as x (e, n)
    where e ->> 'id' = any (fresh)
  ),
  views as (
    insert into lead.page_views (company_id, domain_id, session_id, page_id, client_event_id, page_url, page_path, page_title,
                                 referrer, view_order, exit_page, occurred_at, created_at)
    select company, site.id, sess_id, p.id, pv.e ->> 'id', pv.e ->> 'url', pv.e ->> 'path', pv.e ->> 'title',
           nullif(pv.e ->> 'referrer', ''), sess_views_before + pv.rn, pv.rn = max(pv.rn) over (),
           to_timestamp(pv.at_ms / 1000.0), now_ts
    from pv
    left join lead.landing_pages p on p.domain_id = site.id and p.page_url = pv.e ->> 'page_key' and p.is_active
    returning 1
  )
  select count(*)::integer into n_views from views;

  if n_views > 0 and sess_views_before > 0 then
    update lead.page_views v set exit_page = false
    where v.company_id = company and v.session_id = sess_id and v.exit_page and v.created_at >= sess_started
      and v.created_at <= newest and v.client_event_id <> all (fresh);
  end if;

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
      where x.e ->> 'id' = any (fresh)
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
    select now_ts + make_interval(secs => o.rn / 1e6), company, site.id, sess_id, visitor, sess_journey, p.id, o.t ->> 'channel',
           o.t ->> 'utm_source', o.t ->> 'utm_medium', o.t ->> 'utm_campaign', o.t ->> 'utm_id', o.t ->> 'utm_term', o.t ->> 'utm_content',
           o.t ->> 'gclid', o.t ->> 'gbraid', o.t ->> 'wbraid', o.t ->> 'fbclid', o.t ->> 'fbc', o.t ->> 'fbp', o.t ->> 'ttclid',
           o.t ->> 'li_fat_id', o.t ->> 'msclkid', o.t ->> 'mid', batch ->> 'device', o.t ->> 'match_type',
           nullif(o.t ->> 'referrer', ''), o.e ->> 'url', coalesce(o.t -> 'url_params', '{}'),
           batch ->> 'user_agent', (batch ->> 'client_ip')::inet, now_ts
    from ordered o
    left join lead.landing_pages p on p.domain_id = site.id and p.page_url = o.e ->> 'page_key' and p.is_active
    where o.signature is distinct from o.previous_signature or (session_is_new and o.rn = 1)
    returning 1
  )
  select count(*)::integer into n_touches from touched;

  -- time on page and scroll depth of the pages left
  if n_leaves > 0 then
    update lead.page_views v
    set time_on_page = (l.e ->> 'time_on_page')::integer,
        scroll_depth = greatest(v.scroll_depth, (l.e ->> 'scroll_depth')::integer)
    from jsonb_array_elements(coalesce(batch -> 'leaves', '[]')) as l (e)
    where l.e ->> 'id' = any (fresh)
      and v.company_id = company and v.session_id = sess_id and v.client_event_id = l.e ->> 'view_id' and v.created_at >= sess_started
      and v.created_at <= newest;
  end if;

  if n_events > 0 then
    with events as (
      insert into lead.web_events (company_id, domain_id, session_id, page_id, client_event_id, event_type, event_category, event_action,
                                   event_label, event_value, element_id, element_class, event_data, page_url, occurred_at, created_at)
      select company, site.id, sess_id, p.id, x.e ->> 'id', x.e ->> 'type', x.e ->> 'category', x.e ->> 'action', x.e ->> 'label',
             (x.e ->> 'value')::numeric, x.e ->> 'element_id', x.e ->> 'element_class', coalesce(x.e -> 'data', '{}'), x.e ->> 'url',
             to_timestamp((x.e ->> 'at')::bigint / 1000.0), now_ts
      from jsonb_array_elements(coalesce(batch -> 'events', '[]')) as x (e)
      left join lead.landing_pages p on p.domain_id = site.id and p.page_url = x.e ->> 'page_key' and p.is_active
      where x.e ->> 'id' = any (fresh)
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
                            'duplicates', total_ids - cardinality(fresh));
end
$$;
