-- Web attribution as SQL the analytics layer and the console read (issue 7, BLUEPRINT §3 analytics):
--   analytics.lead_touch_credit      one row per (lead, touch before the capture): position, linear and
--                                    position-based (40/20/40) credit, first / last / last non-direct flags
--   analytics.lead_attribution       one row per lead: its first, last and last non-direct touch
--   analytics.utm_performance(...)   sessions → leads → qualified → won revenue by source, medium,
--                                    campaign, content and term, under a chosen attribution model
--   analytics.ab_test_results(test)  per variant: sessions, conversions, rate with a 95 % Wilson interval,
--                                    lift and z against the control, a significance flag, won revenue
-- Views are security_invoker and functions security invoker: RLS on the lead tables decides what a
-- caller sees (members: their company's rows), so nothing here can leak another company's data.
--
-- Credit models (a lead with n touches, ordered by touched_at, only those up to its capture):
--   first / last / last_non_direct: 1 to that touch (last_non_direct falls back to the last touch when
--   every touch is direct); linear: 1/n each; position (40/20/40): n = 1 → 1; n = 2 → 0.5 each;
--   n ≥ 3 → 0.4 first, 0.4 last, 0.2 / (n − 2) to each middle touch.

create view analytics.lead_touch_credit with (security_invoker = true) as
with ordered as (
  select t.company_id, t.lead_id, t.id as touch_id, t.touched_at, t.channel, t.utm_source, t.utm_medium, t.utm_campaign,
         t.utm_content, t.utm_term, t.session_id, t.page_id,
         row_number() over w as touch_position,
         count(*) over (partition by t.company_id, t.lead_id) as touches,
         max(case when t.channel <> 'direct' then t.touched_at end) over (partition by t.company_id, t.lead_id) as last_non_direct_at
  from lead.utm_touches t
  join lead.leads l on l.company_id = t.company_id and l.id = t.lead_id
  where t.lead_id is not null and t.touched_at <= l.created_at + interval '1 minute'
  window w as (partition by t.company_id, t.lead_id order by t.touched_at, t.id)
)
select o.company_id, o.lead_id, o.touch_id, o.touched_at, o.touch_position, o.touches, o.channel, o.utm_source, o.utm_medium,
       o.utm_campaign, o.utm_content, o.utm_term, o.session_id, o.page_id,
       o.touch_position = 1 as is_first,
       o.touch_position = o.touches as is_last,
       coalesce(o.touched_at = o.last_non_direct_at and o.channel <> 'direct', o.last_non_direct_at is null and o.touch_position = o.touches)
         as is_last_non_direct,
       1.0 / o.touches as linear_credit,
       case when o.touches = 1 then 1.0
            when o.touches = 2 then 0.5
            when o.touch_position = 1 or o.touch_position = o.touches then 0.4
            else 0.2 / (o.touches - 2) end as position_credit
from ordered o;
comment on view analytics.lead_touch_credit is
  'Each touch of a lead up to its capture, with its position and its credit under every model: is_first, is_last, is_last_non_direct (1 or 0), linear_credit (1/n), position_credit (40/20/40). Security invoker: RLS applies.';

create view analytics.lead_attribution with (security_invoker = true) as
select l.company_id, l.id as lead_id, l.created_at as captured_at,
       f.touch_id as first_touch_id, f.channel as first_channel, f.utm_source as first_source, f.utm_medium as first_medium,
       f.utm_campaign as first_campaign,
       la.touch_id as last_touch_id, la.channel as last_channel, la.utm_source as last_source, la.utm_medium as last_medium,
       la.utm_campaign as last_campaign,
       nd.touch_id as last_non_direct_touch_id, nd.channel as last_non_direct_channel, nd.utm_source as last_non_direct_source,
       nd.utm_medium as last_non_direct_medium, nd.utm_campaign as last_non_direct_campaign,
       coalesce(f.touches, 0) as touches
from lead.leads l
left join analytics.lead_touch_credit f on f.company_id = l.company_id and f.lead_id = l.id and f.is_first
left join analytics.lead_touch_credit la on la.company_id = l.company_id and la.lead_id = l.id and la.is_last
left join analytics.lead_touch_credit nd on nd.company_id = l.company_id and nd.lead_id = l.id and nd.is_last_non_direct;
comment on view analytics.lead_attribution is
  'Per lead: first touch, last touch and last non-direct touch (the last touch when all are direct), with channel, source, medium and campaign. Security invoker: RLS applies.';

create function analytics.utm_performance(
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
begin
  if model not in ('first', 'last', 'last_non_direct', 'linear', 'position') then
    raise exception 'unknown attribution model %', model using errcode = '22023', hint = 'unknown_model';
  end if;
  return query
  with session_touch as (
    -- a session counts for the touch it landed with
    select distinct on (t.company_id, t.session_id) t.utm_source, t.utm_medium, t.utm_campaign, t.utm_content, t.utm_term
    from lead.utm_touches t
    join lead.sessions s on s.company_id = t.company_id and s.id = t.session_id
    where s.started_at >= from_date and s.started_at < to_date
      and t.touched_at >= from_date - interval '1 day' and t.touched_at < to_date
      and (utm_performance.domain_id is null or s.domain_id = utm_performance.domain_id)
    order by t.company_id, t.session_id, t.touched_at
  ),
  session_counts as (
    select st.utm_source, st.utm_medium, st.utm_campaign, st.utm_content, st.utm_term, count(*) as sessions
    from session_touch st group by 1, 2, 3, 4, 5
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
  'UTM performance between from_date and to_date: sessions by the touch they landed with, and leads captured in the period, qualified leads and won deals (count and revenue: opportunity value, else lead value) credited to touches under model first | last | last_non_direct | linear | position. Optional filters: site, source, medium, campaign. Security invoker: the caller''s company only. Errors: 22023 unknown_model.';

create function analytics.daily_web_traffic(from_date timestamptz default now() - interval '90 days', to_date timestamptz default now(),
                                            domain_id uuid default null)
returns table (day date, sessions bigint, leads bigint)
language sql stable security invoker set search_path = ''
as $$
  with days as (
    select d::date as day from generate_series(date_trunc('day', from_date), date_trunc('day', to_date), interval '1 day') d
  ),
  s as (
    select date_trunc('day', x.started_at)::date as day, count(*) as sessions, count(*) filter (where x.converted) as leads
    from lead.sessions x
    where x.started_at >= from_date and x.started_at < to_date
      and (daily_web_traffic.domain_id is null or x.domain_id = daily_web_traffic.domain_id)
    group by 1
  )
  select days.day, coalesce(s.sessions, 0), coalesce(s.leads, 0) from days left join s on s.day = days.day order by days.day
$$;
comment on function analytics.daily_web_traffic(timestamptz, timestamptz, uuid) is
  'Sessions and converting sessions (a lead captured) per UTC day, every day of the range present. Security invoker.';

create function analytics.ab_test_results(ab_test_id uuid)
returns table (
  page_id uuid, page_name text, page_variant text, is_control boolean, sessions bigint, conversions bigint,
  conversion_rate numeric, ci_low numeric, ci_high numeric, lift numeric, z_score numeric, significant boolean,
  won bigint, won_revenue numeric
)
language sql stable security invoker set search_path = ''
as $$
  with variants as (
    select p.id, p.page_name, p.page_variant, p.is_control, p.company_id
    from lead.landing_pages p where p.ab_test_id = ab_test_results.ab_test_id
  ),
  counted as (
    select v.id, count(s.id) as sessions, count(s.id) filter (where s.converted) as conversions,
           count(distinct l.id) filter (where st.is_won) as won,
           coalesce(sum(coalesce(o.value, l.value, 0)) filter (where st.is_won and s.converted), 0) as won_revenue
    from variants v
    left join lead.sessions s on s.company_id = v.company_id and s.first_page_id = v.id
    left join lead.leads l on s.converted and l.company_id = s.company_id and l.id = s.lead_id
    left join lead.pipeline_stages st on st.id = l.stage_id
    left join lead.opportunities o on o.lead_id = l.id
    group by v.id
  ),
  rates as (
    select v.*, c.sessions, c.conversions, c.won, c.won_revenue,
           case when c.sessions > 0 then c.conversions::numeric / c.sessions end as p
    from variants v join counted c on c.id = v.id
  ),
  control as (select r.sessions, r.conversions, r.p from rates r where r.is_control limit 1)
  select r.id, r.page_name, r.page_variant, r.is_control, r.sessions, r.conversions,
         round(r.p, 6),
         -- Wilson score interval, 95 % (z = 1.96)
         round(case when r.sessions > 0 then
           (r.p + 1.9208 / r.sessions - 1.96 * sqrt(r.p * (1 - r.p) / r.sessions + 0.9604 / (r.sessions::numeric * r.sessions))) / (1 + 3.8416 / r.sessions) end, 6),
         round(case when r.sessions > 0 then
           (r.p + 1.9208 / r.sessions + 1.96 * sqrt(r.p * (1 - r.p) / r.sessions + 0.9604 / (r.sessions::numeric * r.sessions))) / (1 + 3.8416 / r.sessions) end, 6),
         round(case when not r.is_control and c.p > 0 then (r.p - c.p) / c.p end, 6),
         -- two-proportion z test against the control, pooled
         round(z.z, 4),
         case when r.is_control then null else coalesce(abs(z.z) >= 1.96, false) end,
         r.won, round(r.won_revenue, 2)
  from rates r
  left join control c on true
  left join lateral (
    select case when not r.is_control and r.sessions > 0 and c.sessions > 0 then
                  (r.p - c.p) / nullif(sqrt(((r.conversions + c.conversions)::numeric / (r.sessions + c.sessions))
                                             * (1 - (r.conversions + c.conversions)::numeric / (r.sessions + c.sessions))
                                             * (1.0 / r.sessions + 1.0 / c.sessions)), 0) end as z
  ) z on true
  order by r.is_control desc, r.page_variant
$$;
comment on function analytics.ab_test_results(uuid) is
  'A/B test of landing pages sharing ab_test_id: per variant the sessions that landed on it, conversions (sessions that captured a lead), conversion rate with a 95 % Wilson interval, lift and pooled two-proportion z against the control, significant when |z| >= 1.96, and the won deals and revenue of the leads it converted. Security invoker.';

revoke execute on function analytics.utm_performance(timestamptz, timestamptz, text, uuid, text, text, text),
  analytics.daily_web_traffic(timestamptz, timestamptz, uuid), analytics.ab_test_results(uuid) from public, anon;
grant execute on function analytics.utm_performance(timestamptz, timestamptz, text, uuid, text, text, text),
  analytics.daily_web_traffic(timestamptz, timestamptz, uuid), analytics.ab_test_results(uuid) to authenticated, service_role;
grant select on analytics.lead_touch_credit, analytics.lead_attribution to authenticated, service_role;
