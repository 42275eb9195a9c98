-- The two service-only RPCs behind the `track` and `lead-capture` edge functions (BLUEPRINT §6.1,
-- §6.2). Each request is ONE call, so ONE transaction: either everything it carries is written or
-- nothing is. They never raise for a refusal the caller must answer (unknown key, wrong origin, rate
-- limit): they return {"status": …} so that what must persist (the rate-limit counter) persists.
--
-- The edge functions validate with zod and parse URLs, user agents and click ids; these functions only
-- resolve the site, check the origin and write. Batch shape: supabase/functions/track/handler.ts.

-- ---- track ----------------------------------------------------------------------------------------

create function lead._refusal(site lead.domains, origin text) returns text
language plpgsql immutable set search_path = ''
as $$
begin
  if site.id is null then
    return 'unknown_site_key';
  elsif not site.is_active then
    return 'site_inactive';
  elsif origin is null or not (origin = any (site.allowed_origins)) then
    return 'origin_not_allowed';
  end if;
  return null;
end
$$;
comment on function lead._refusal(lead.domains, text) is
  'Why a request with this site (null when the key is unknown) and Origin is refused: unknown_site_key, site_inactive or origin_not_allowed (not in allowed_origins); null when it is not.';

create function lead._visitor_from_request(company_id uuid, domain_id uuid, client_ip text, user_agent text) returns text
language plpgsql security definer set search_path = ''
as $$
declare
  visitor_key bytea;
begin
  select s.visitor_key into visitor_key from lead.tracking_settings s where s.company_id = _visitor_from_request.company_id;
  if visitor_key is null then
    insert into lead.tracking_settings as s (company_id) values (_visitor_from_request.company_id)
    on conflict on constraint tracking_settings_pkey do update set company_id = s.company_id
    returning s.visitor_key into visitor_key;
  end if;
  return 'h.' || left(encode(extensions.hmac(convert_to(coalesce(client_ip, '') || E'\n' || coalesce(user_agent, '') || E'\n' || domain_id::text, 'UTF8'),
                                              visitor_key, 'sha256'), 'hex'), 40);
end
$$;
comment on function lead._visitor_from_request(uuid, uuid, text, text) is
  'Fallback visitor id (seed 003: hash of IP + user agent + domain) as h.<40 hex>: an HMAC-SHA-256 keyed by the company''s tracking secret, so it cannot be recomputed outside the database.';

create function lead.ingest_tracking_batch(batch jsonb) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  site lead.domains;
  refusal text;
  company uuid;
  now_ts timestamptz := now();
  fresh text[];
  total_ids integer;
  visitor text;
  journey uuid;
  sess_id text := batch ->> 'session_id';
  sess_journey uuid;
  sess_started timestamptz;
  sess_views_before integer;
  session_is_new boolean;
  earlier_sessions integer;
  last_signature text;
  first_view jsonb;
  n_views integer := 0;
  n_events integer := 0;
  n_touches integer := 0;
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

  visitor := coalesce(batch ->> 'visitor_id', lead._visitor_from_request(company, site.id, batch ->> 'client_ip', batch ->> 'user_agent'));

  insert into lead.visitor_journeys as j (company_id, domain_id, visitor_id, first_visit_at, last_visit_at)
  values (company, site.id, visitor, now_ts, now_ts)
  on conflict on constraint one_journey_per_visitor_and_site do update set last_visit_at = greatest(j.last_visit_at, excluded.last_visit_at)
  returning j.id into journey;

  select e into first_view
  from jsonb_array_elements(coalesce(batch -> 'page_views', '[]')) with ordinality as x (e, n)
  order by (e ->> 'at')::bigint, n
  limit 1;

  -- The upsert locks the session row until commit: batches of one session are applied one at a time,
  -- so view orders and totals never interleave.
  insert into lead.sessions as s (company_id, id, domain_id, journey_id, visitor_id, first_page_id, landing_url, referrer,
                                  device, browser, os, started_at, last_activity_at, metadata)
  values (company, sess_id, site.id, journey, visitor,
          (select p.id from lead.landing_pages p where p.domain_id = site.id and p.page_url = first_view ->> 'page_key' and p.is_active),
          first_view ->> 'url', nullif(first_view ->> 'referrer', ''),
          batch ->> 'device', batch ->> 'browser', batch ->> 'os', now_ts, now_ts,
          jsonb_strip_nulls(jsonb_build_object('language', batch #>> '{context,language}', 'screen', batch #>> '{context,screen}',
                                               'timezone', batch #>> '{context,timezone}')))
  on conflict on constraint sessions_pkey do update set last_activity_at = greatest(s.last_activity_at, excluded.last_activity_at)
  returning s.journey_id, s.started_at, s.total_page_views, (s.xmax = 0) into sess_journey, sess_started, sess_views_before, session_is_new;

  if session_is_new then
    update lead.visitor_journeys j set total_sessions = j.total_sessions + 1
    where j.id = sess_journey
    returning j.total_sessions - 1 into earlier_sessions;
    update lead.sessions s set return_visits = earlier_sessions where s.company_id = company and s.id = sess_id;
  else
    select row (t.channel, t.utm_source, t.utm_medium, t.utm_campaign, t.utm_id, t.utm_term, t.utm_content, t.gclid, t.gbraid,
                t.wbraid, t.fbclid, t.ttclid, t.li_fat_id, t.msclkid, t.mid, t.referrer_host)::text
      into last_signature
    from (select u.*, substring(u.referrer from '^[a-z]+://([^/:?#]+)') as referrer_host
          from lead.utm_touches u
          where u.company_id = company and u.session_id = sess_id and u.touched_at >= sess_started
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
      and v.client_event_id <> all (fresh);
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
  update lead.page_views v
  set time_on_page = (l.e ->> 'time_on_page')::integer,
      scroll_depth = greatest(v.scroll_depth, (l.e ->> 'scroll_depth')::integer)
  from jsonb_array_elements(coalesce(batch -> 'leaves', '[]')) as l (e)
  where l.e ->> 'id' = any (fresh)
    and v.company_id = company and v.session_id = sess_id and v.client_event_id = l.e ->> 'view_id' and v.created_at >= sess_started;

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

  update lead.sessions s
  set total_page_views = s.total_page_views + n_views, total_events = s.total_events + n_events
  where s.company_id = company and s.id = sess_id and (n_views > 0 or n_events > 0);
  if n_views > 0 then
    update lead.visitor_journeys j set total_page_views = j.total_page_views + n_views where j.id = sess_journey;
  end if;
  -- "last event seen" for the console, written at most once a minute per site
  update lead.domains d set last_event_at = now_ts
  where d.id = site.id and (d.last_event_at is null or d.last_event_at < now_ts - interval '1 minute');

  return jsonb_build_object('status', 'accepted', 'page_views', n_views, 'events', n_events, 'touches', n_touches,
                            'duplicates', total_ids - cardinality(fresh));
end
$$;
comment on function lead.ingest_tracking_batch(jsonb) is
  'track''s one call: resolves the site key and checks the Origin, then in one transaction writes the journey, session, touches, page views (with order and exit flag), page leaves (time on page, scroll depth) and interaction events of a batch, skipping client event ids already received. Returns {status: accepted, page_views, events, touches, duplicates} or {status: unknown_site_key | site_inactive | origin_not_allowed} with nothing written. Service role only.';

-- ---- lead-capture ---------------------------------------------------------------------------------

create table lead.capture_rate_limits (
  domain_id uuid not null references lead.domains (id) on delete cascade,
  ip_hash text not null,
  window_start timestamptz not null,
  hits integer not null default 1,
  primary key (domain_id, ip_hash, window_start)
);
comment on table lead.capture_rate_limits is
  'Form submissions per site, per client IP (an HMAC, never the address) and per minute: lead-capture''s rate limit. Pruned daily. Service role only.';
alter table lead.capture_rate_limits enable row level security;
grant select, insert, update, delete on lead.capture_rate_limits to service_role;

create function lead.lead_score(is_business_email boolean, has_phone boolean, has_company boolean, has_message boolean,
                                page_views integer, sessions integer, channels text[]) returns integer
language sql immutable parallel safe set search_path = ''
as $$
  select least(100,
      case when is_business_email then 30 else 0 end
    + case when has_phone then 15 else 0 end
    + case when has_company then 10 else 0 end
    + case when has_message then 10 else 0 end
    + 2 * least(coalesce(page_views, 0), 10)
    + case when sessions > 1 then 5 else 0 end
    + case when channels && array['paid', 'campaign', 'email'] then 10 else 0 end)
$$;
comment on function lead.lead_score(boolean, boolean, boolean, boolean, integer, integer, text[]) is
  'Documented web lead score, 0–100 (docs/decisions/0010): business e-mail 30, phone 15, company 10, message 10, 2 per page view of the journey up to 20, a return visitor 5, any paid/campaign/e-mail touch 10.';

create function lead.capture_web_lead(capture jsonb) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  site lead.domains;
  refusal text;
  company uuid;
  hits integer;
  hit_limit integer := coalesce((capture ->> 'rate_limit')::integer, 10);
  sess lead.sessions;
  j lead.visitor_journeys;
  first_touch lead.utm_touches;
  last_touch lead.utm_touches;
  journey_mid text;
  channels text[];
  captured uuid;
  business boolean := (capture ->> 'is_business_email')::boolean;
begin
  select d.* into site from lead.domains d where d.site_key = capture ->> 'site_key';
  refusal := lead._refusal(site, capture ->> 'origin');
  if refusal is not null then
    return jsonb_build_object('status', refusal);
  end if;
  company := site.company_id;

  insert into lead.capture_rate_limits as r (domain_id, ip_hash, window_start)
  values (site.id, coalesce(capture ->> 'ip_hash', ''), date_trunc('minute', now()))
  on conflict on constraint capture_rate_limits_pkey do update set hits = r.hits + 1
  returning r.hits into hits;
  if hits > hit_limit then
    return jsonb_build_object('status', 'rate_limited',
                              'retry_after', ceil(extract(epoch from date_trunc('minute', now()) + interval '1 minute' - now()))::integer);
  end if;
  if nullif(capture ->> 'website', '') is not null then
    return jsonb_build_object('status', 'accepted'); -- honeypot filled in: a bot; nothing is written
  end if;

  if capture ->> 'session_id' is not null then
    select s.* into sess from lead.sessions s where s.company_id = company and s.id = capture ->> 'session_id';
  end if;
  if sess.id is not null then
    select v.* into j from lead.visitor_journeys v where v.id = sess.journey_id;
  elsif capture ->> 'visitor_id' is not null then
    select v.* into j from lead.visitor_journeys v
    where v.company_id = company and v.domain_id = site.id and v.visitor_id = capture ->> 'visitor_id';
  end if;
  if j.id is not null then
    select t.* into first_touch from lead.utm_touches t
    where t.company_id = company and t.journey_id = j.id and t.touched_at >= j.first_visit_at
    order by t.touched_at limit 1;
    select t.* into last_touch from lead.utm_touches t
    where t.company_id = company and t.journey_id = j.id and t.touched_at >= j.first_visit_at
    order by t.touched_at desc limit 1;
    select (array_agg(t.mid order by t.touched_at desc) filter (where t.mid is not null))[1], array_agg(distinct t.channel)
      into journey_mid, channels
    from lead.utm_touches t
    where t.company_id = company and t.journey_id = j.id and t.touched_at >= j.first_visit_at;
  end if;

  insert into lead.leads as l (
    company_id, name, email, phone, company_name, message, origin, form_location, session_id, utm_touch_id, landing_page_id,
    utm_source, utm_medium, utm_campaign, utm_term, utm_content, utm_id, gclid, fbclid, ttclid, li_fat_id, referrer, landing_page_url,
    is_business_email, time_to_conversion_seconds, score, email_mid, first_touch_id, first_touch_at, last_touch_id, last_touch_at, extra)
  values (
    company, capture ->> 'name', capture ->> 'email', capture ->> 'phone', capture ->> 'company', capture ->> 'message', 'form',
    capture ->> 'form_location', sess.id, first_touch.id, sess.first_page_id,
    first_touch.utm_source, first_touch.utm_medium, first_touch.utm_campaign, first_touch.utm_term, first_touch.utm_content,
    first_touch.utm_id, first_touch.gclid, first_touch.fbclid, first_touch.ttclid, first_touch.li_fat_id, first_touch.referrer,
    coalesce(sess.landing_url, capture ->> 'page_url'), business,
    case when j.id is not null then greatest(0, extract(epoch from now() - j.first_visit_at))::integer end,
    lead.lead_score(business, capture ->> 'phone' is not null, capture ->> 'company' is not null, capture ->> 'message' is not null,
                    j.total_page_views, j.total_sessions, coalesce(channels, '{}')),
    coalesce(capture ->> 'mid', journey_mid), first_touch.id, first_touch.touched_at, last_touch.id, last_touch.touched_at,
    jsonb_strip_nulls(jsonb_build_object('consent', (capture ->> 'consent')::boolean,
                                         'consent_at', case when (capture ->> 'consent')::boolean then now() end,
                                         'captured_on', capture ->> 'page_url')))
  on conflict (company_id, lower(email)) do update set
    name = coalesce(excluded.name, l.name),
    phone = coalesce(excluded.phone, l.phone),
    company_name = coalesce(excluded.company_name, l.company_name),
    message = coalesce(excluded.message, l.message),
    form_location = coalesce(excluded.form_location, l.form_location),
    session_id = coalesce(excluded.session_id, l.session_id),
    is_business_email = excluded.is_business_email,
    score = greatest(excluded.score, l.score),
    email_mid = coalesce(excluded.email_mid, l.email_mid),
    utm_touch_id = coalesce(l.utm_touch_id, excluded.utm_touch_id),
    first_touch_id = case when l.first_touch_id is null then excluded.first_touch_id else l.first_touch_id end,
    first_touch_at = case when l.first_touch_id is null then excluded.first_touch_at else l.first_touch_at end,
    last_touch_id = case when excluded.last_touch_id is null then l.last_touch_id else excluded.last_touch_id end,
    last_touch_at = case when excluded.last_touch_id is null then l.last_touch_at else excluded.last_touch_at end,
    time_to_conversion_seconds = coalesce(l.time_to_conversion_seconds, excluded.time_to_conversion_seconds),
    extra = l.extra || excluded.extra
  returning l.id into captured;

  if j.id is not null then
    update lead.utm_touches t set lead_id = captured
    where t.company_id = company and t.journey_id = j.id and t.touched_at >= j.first_visit_at and t.lead_id is null;
    update lead.sessions s set lead_id = captured, converted = (s.id = sess.id) or s.converted
    where s.company_id = company and s.journey_id = j.id and (s.lead_id is null or s.id = sess.id);
    update lead.visitor_journeys v
    set converted = true, lead_id = captured, conversion_session_id = coalesce(v.conversion_session_id, sess.id)
    where v.id = j.id;
  end if;
  return jsonb_build_object('status', 'accepted');
end
$$;
comment on function lead.capture_web_lead(jsonb) is
  'lead-capture''s one call: checks site key and Origin, counts the submission against the per-IP minute limit, then (unless the honeypot is filled) creates or updates the lead of (company, e-mail) with its session, first and last touch of the journey, e-mail mid, business-e-mail flag, time to conversion and lead.lead_score, and links the journey''s sessions and touches to it. Returns {status: accepted | rate_limited (retry_after) | unknown_site_key | site_inactive | origin_not_allowed}. Service role only.';

-- The daily prune also forgets rate-limit windows older than a day.
create or replace function lead.prune_tracking_receipts(older_than interval default interval '7 days') returns bigint
language plpgsql security definer set search_path = ''
as $$
declare
  pruned bigint;
begin
  delete from lead.tracking_receipts r where r.received_at < now() - older_than;
  get diagnostics pruned = row_count;
  delete from lead.capture_rate_limits r where r.window_start < now() - interval '1 day';
  return pruned;
end
$$;

revoke execute on function lead._refusal(lead.domains, text), lead._visitor_from_request(uuid, uuid, text, text),
  lead.ingest_tracking_batch(jsonb), lead.capture_web_lead(jsonb) from public, anon, authenticated;
grant execute on function lead.ingest_tracking_batch(jsonb), lead.capture_web_lead(jsonb) to service_role;
revoke execute on function lead.lead_score(boolean, boolean, boolean, boolean, integer, integer, text[]) from public;
grant execute on function lead.lead_score(boolean, boolean, boolean, boolean, integer, integer, text[]) to authenticated, service_role;
