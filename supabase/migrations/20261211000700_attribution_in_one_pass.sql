-- Attribution read in one pass over a company's touches (decision 0010, "Attribution in one pass").
--
-- analytics.lead_attribution joined analytics.lead_touch_credit three times (first, last, last
-- non-direct). The credit view is a window over all of a company's lead touches, and a window cannot
-- take a join's parameters, so whenever the planner put one of those joins on the inner side of a
-- nested loop it computed the whole window again for every outer row: for the demo company (551
-- attributed touches) analytics.meta_attributed_leads ran the window 1,103 times, analytics.meta_roi
-- took 2.5 s and the Meta Ads page as long. That grows with the square of the touches.
--
-- Now:
--   - lead_attribution reads the credit view once and keeps each lead's first, last and last non-direct
--     touch by aggregating over it (one row per lead, whatever the plan);
--   - meta_attributed_leads starts its web part from the credit view's last non-direct touches, which
--     carry the UTM values it needs, so no window sits inside a loop there either;
--   - is_last_non_direct marks exactly one touch per lead. It compared touched_at with the latest
--     non-direct time, so two non-direct touches at the same instant were both "last": the lead got
--     two rows in lead_attribution and a credit of 2 under the last_non_direct model. The last
--     non-direct touch is now the non-direct one with the highest position (positions order touches by
--     touched_at, then id, as the first and last touch already did).
-- Columns, names and meanings are unchanged.

create or replace view analytics.lead_touch_credit with (security_invoker = true) as
with ordered as (
  select t.company_id, t.lead_id, t.id as touch_id, t.touched_at, t.channel, t.utm_source, t.utm_medium, t.utm_campaign,
         t.utm_content, t.utm_term, t.session_id, t.page_id,
         row_number() over w as touch_position,
         count(*) over (partition by t.company_id, t.lead_id) as touches
  from lead.utm_touches t
  join lead.leads l on l.company_id = t.company_id and l.id = t.lead_id
  where t.lead_id is not null and t.touched_at <= l.created_at + interval '1 minute'
  window w as (partition by t.company_id, t.lead_id order by t.touched_at, t.id)
),
placed as (
  select o.*,
         max(case when o.channel <> 'direct' then o.touch_position end) over (partition by o.company_id, o.lead_id)
           as last_non_direct_position
  from ordered o
)
select p.company_id, p.lead_id, p.touch_id, p.touched_at, p.touch_position, p.touches, p.channel, p.utm_source, p.utm_medium,
       p.utm_campaign, p.utm_content, p.utm_term, p.session_id, p.page_id,
       p.touch_position = 1 as is_first,
       p.touch_position = p.touches as is_last,
       coalesce(p.touch_position = p.last_non_direct_position, p.touch_position = p.touches) as is_last_non_direct,
       1.0 / p.touches as linear_credit,
       case when p.touches = 1 then 1.0
            when p.touches = 2 then 0.5
            when p.touch_position = 1 or p.touch_position = p.touches then 0.4
            else 0.2 / (p.touches - 2) end as position_credit
from placed p;

create or replace view analytics.lead_attribution with (security_invoker = true) as
with picked as (
  -- one pass: each lead's flagged touches side by side (each flag marks exactly one touch of a lead)
  select c.company_id, c.lead_id, max(c.touches) as touches,
         (array_agg(c.touch_id) filter (where c.is_first))[1] as first_touch_id,
         max(c.channel) filter (where c.is_first) as first_channel,
         max(c.utm_source) filter (where c.is_first) as first_source,
         max(c.utm_medium) filter (where c.is_first) as first_medium,
         max(c.utm_campaign) filter (where c.is_first) as first_campaign,
         (array_agg(c.touch_id) filter (where c.is_last))[1] as last_touch_id,
         max(c.channel) filter (where c.is_last) as last_channel,
         max(c.utm_source) filter (where c.is_last) as last_source,
         max(c.utm_medium) filter (where c.is_last) as last_medium,
         max(c.utm_campaign) filter (where c.is_last) as last_campaign,
         (array_agg(c.touch_id) filter (where c.is_last_non_direct))[1] as last_non_direct_touch_id,
         max(c.channel) filter (where c.is_last_non_direct) as last_non_direct_channel,
         max(c.utm_source) filter (where c.is_last_non_direct) as last_non_direct_source,
         max(c.utm_medium) filter (where c.is_last_non_direct) as last_non_direct_medium,
         max(c.utm_campaign) filter (where c.is_last_non_direct) as last_non_direct_campaign
  from analytics.lead_touch_credit c
  group by c.company_id, c.lead_id
)
select l.company_id, l.id as lead_id, l.created_at as captured_at,
       p.first_touch_id, p.first_channel, p.first_source, p.first_medium, p.first_campaign,
       p.last_touch_id, p.last_channel, p.last_source, p.last_medium, p.last_campaign,
       p.last_non_direct_touch_id, p.last_non_direct_channel, p.last_non_direct_source, p.last_non_direct_medium,
       p.last_non_direct_campaign,
       coalesce(p.touches, 0) as touches
from lead.leads l
left join picked p on p.company_id = l.company_id and p.lead_id = l.id;

create or replace view analytics.meta_attributed_leads with (security_invoker = true) as
  select t.company_id, 'whatsapp'::text as source, t.id as source_id, t.lead_id,
         tt.meta_ad_id as ad_id,
         coalesce(m.adset_id, tt.meta_adset_id) as adset_id,
         coalesce(m.campaign_id, tt.meta_campaign_id) as campaign_id,
         t.opened_at as captured_at,
         t.stage = 'won' as is_won,
         case when t.stage = 'won' then coalesce(t.stage_changed_at, t.updated_at) end as won_at,
         case when t.stage = 'won' then coalesce(t.deal_value, 0) end as revenue
  from lead.tickets t
  join lead.ticket_tracking tt on tt.company_id = t.company_id and tt.ticket_id = t.id
  left join core_marketing.meta_ads m on m.company_id = t.company_id and m.ad_id = tt.meta_ad_id
  where tt.meta_ad_id is not null
  union all
  select l.company_id, 'web'::text, l.id, l.id,
         ids.ad_id,
         coalesce(m.adset_id, ids.adset_id),
         coalesce(m.campaign_id, ids.campaign_id),
         l.created_at,
         st.is_won,
         case when st.is_won then coalesce(l.converted_at, l.updated_at) end,
         case when st.is_won then coalesce(o.value, l.value, 0) end
  from analytics.lead_touch_credit c
  join lead.leads l on l.company_id = c.company_id and l.id = c.lead_id
  join lead.pipeline_stages st on st.id = l.stage_id
  left join lead.opportunities o on o.company_id = l.company_id and o.lead_id = l.id
  cross join lateral (select analytics.meta_id(c.utm_term) as ad_id, analytics.meta_id(c.utm_content) as adset_id,
                             analytics.meta_id(c.utm_campaign) as campaign_id) ids
  left join core_marketing.meta_ads m on m.company_id = l.company_id and m.ad_id = ids.ad_id
  where c.is_last_non_direct
    and lower(c.utm_source) in ('facebook', 'fb', 'instagram', 'ig', 'meta')
    and coalesce(ids.ad_id, ids.adset_id, ids.campaign_id) is not null
    and not exists (select 1 from lead.tickets t
                    join lead.ticket_tracking tt on tt.company_id = t.company_id and tt.ticket_id = t.id
                    where t.company_id = l.company_id and t.lead_id = l.id and tt.meta_ad_id is not null);

-- analytics.meta_roi's never_attributed check read every Meta-tagged touch the company ever had and
-- called analytics.meta_id twice for each (a SQL function with its own search_path, so never inlined:
-- 21,544 calls and ~0.5 s for the demo company). The ids are now taken once per distinct pair of
-- utm_campaign and utm_term. And the check was a correlated NOT EXISTS over that CTE, which the planner
-- costed at ~430,000: past jit_above_cost (100,000, the default Supabase keeps), so every call spent
-- ~0.4 s compiling the query before running it; it is now a join (seen is already distinct: UNION).
-- The body is otherwise the one of migration 20261208000200.

create or replace function analytics.meta_roi(from_date date, to_date date, level text default 'campaign')
returns table (
  id text, name text, campaign_id text, campaign_name text, adset_id text, adset_name text,
  spend numeric, impressions bigint, clicks bigint, leads bigint, whatsapp_leads bigint, web_leads bigint,
  conversions bigint, revenue numeric, roas numeric, cpl numeric, cpa numeric, never_attributed boolean
)
language plpgsql stable security invoker set search_path = ''
as $$
#variable_conflict use_column
begin
  if meta_roi.level not in ('campaign', 'adset', 'ad') then
    raise exception 'level must be campaign, adset or ad' using errcode = '22023', hint = 'unknown_level';
  end if;
  if from_date is null or to_date is null or from_date > to_date then
    raise exception 'from_date must not be after to_date' using errcode = '22023', hint = 'invalid_range';
  end if;
  return query
  with company as (
    select c.id, c.time_zone from core.companies c where c.id = (select core.current_company_id())
  ),
  spent as (
    select i.ad_id, coalesce(m.adset_id, i.adset_id) as adset_id, coalesce(m.campaign_id, i.campaign_id) as campaign_id,
           sum(i.spend) as spend, sum(i.impressions)::bigint as impressions, sum(i.clicks)::bigint as clicks
    from core_marketing.meta_ad_insights i
    join company c on c.id = i.company_id
    left join core_marketing.meta_ads m on m.company_id = i.company_id and m.ad_id = i.ad_id
    where i.day between from_date and to_date
    group by 1, 2, 3
  ),
  attributed as (
    select e.ad_id, e.adset_id, e.campaign_id,
           count(*) filter (where (e.captured_at at time zone c.time_zone)::date between from_date and to_date) as leads,
           count(*) filter (where e.source = 'whatsapp' and (e.captured_at at time zone c.time_zone)::date between from_date and to_date)
             as whatsapp_leads,
           count(*) filter (where e.source = 'web' and (e.captured_at at time zone c.time_zone)::date between from_date and to_date)
             as web_leads,
           count(*) filter (where e.is_won and (e.won_at at time zone c.time_zone)::date between from_date and to_date) as conversions,
           coalesce(sum(e.revenue) filter (where e.is_won and (e.won_at at time zone c.time_zone)::date between from_date and to_date), 0)
             as revenue
    from analytics.meta_attributed_leads e
    join company c on c.id = e.company_id
    group by 1, 2, 3
  ),
  keyed as (
    select case meta_roi.level when 'campaign' then s.campaign_id when 'adset' then s.adset_id else s.ad_id end as key,
           s.spend, s.impressions, s.clicks, 0::bigint as leads, 0::bigint as whatsapp_leads, 0::bigint as web_leads,
           0::bigint as conversions, 0::numeric as revenue
    from spent s
    union all
    select case meta_roi.level when 'campaign' then a.campaign_id when 'adset' then a.adset_id else a.ad_id end,
           0, 0, 0, a.leads, a.whatsapp_leads, a.web_leads, a.conversions, a.revenue
    from attributed a
  ),
  totals as (
    select k.key, sum(k.spend) as spend, sum(k.impressions)::bigint as impressions, sum(k.clicks)::bigint as clicks,
           sum(k.leads)::bigint as leads, sum(k.whatsapp_leads)::bigint as whatsapp_leads, sum(k.web_leads)::bigint as web_leads,
           sum(k.conversions)::bigint as conversions, sum(k.revenue) as revenue
    from keyed k
    where k.key is not null
    group by k.key
    having sum(k.spend) > 0 or sum(k.leads) > 0 or sum(k.conversions) > 0
  ),
  names as (
    select case meta_roi.level when 'campaign' then m.campaign_id when 'adset' then m.adset_id else m.ad_id end as key,
           max(case meta_roi.level when 'campaign' then m.campaign_name when 'adset' then m.adset_name else m.ad_name end) as name,
           max(m.campaign_id) as campaign_id, max(m.campaign_name) as campaign_name,
           max(m.adset_id) as adset_id, max(m.adset_name) as adset_name
    from core_marketing.meta_ads m
    join company c on c.id = m.company_id
    group by 1
  ),
  -- Campaigns some ticket or web touch ever carried (any time, any lead or none).
  seen as (
    select coalesce(m.campaign_id, tt.meta_campaign_id) as campaign_id
    from lead.ticket_tracking tt
    join company c on c.id = tt.company_id
    left join core_marketing.meta_ads m on m.company_id = tt.company_id and m.ad_id = tt.meta_ad_id
    union
    select coalesce(m.campaign_id, ids.campaign_id)
    from (select distinct u.company_id, u.utm_campaign, u.utm_term
          from lead.utm_touches u
          join company c on c.id = u.company_id
          where lower(u.utm_source) in ('facebook', 'fb', 'instagram', 'ig', 'meta')) v
    cross join lateral (select analytics.meta_id(v.utm_campaign) as campaign_id, analytics.meta_id(v.utm_term) as ad_id) ids
    left join core_marketing.meta_ads m on m.company_id = v.company_id and m.ad_id = ids.ad_id
  )
  select t.key, n.name,
         case when meta_roi.level = 'campaign' then t.key else n.campaign_id end,
         n.campaign_name,
         case when meta_roi.level = 'adset' then t.key when meta_roi.level = 'ad' then n.adset_id end,
         case when meta_roi.level = 'campaign' then null else n.adset_name end,
         t.spend, t.impressions, t.clicks, t.leads, t.whatsapp_leads, t.web_leads, t.conversions, t.revenue,
         round(t.revenue / nullif(t.spend, 0), 4),
         round(t.spend / nullif(t.leads, 0), 2),
         round(t.spend / nullif(t.conversions, 0), 2),
         t.spend > 0 and s.campaign_id is null
  from totals t
  left join names n on n.key = t.key
  left join seen s on s.campaign_id = case when meta_roi.level = 'campaign' then t.key else n.campaign_id end
  order by t.spend desc, t.revenue desc, t.key;
end
$$;
