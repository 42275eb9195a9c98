-- Meta Ads ROI (seed 002 sprint 5; BLUEPRINT §6.5; docs/decisions/0014-meta-ads.md): spend against the
-- leads and revenue attributed to the same ads, per campaign / ad set / ad and per day.
--
--   analytics.meta_id(text)                   the Meta id a UTM value carries ("123", "Name|123")
--   analytics.meta_attributed_leads           one row per attributed lead: CTWA tickets (lead.ticket_tracking's
--                                             ad) and web leads whose last non-direct touch carries Meta ids
--                                             (utm_campaign = campaign id, utm_content = ad set id,
--                                             utm_term = ad id; the template in packages/contracts meta-ads.ts)
--   analytics.meta_roi(from, to, level)       spend, impressions, clicks, leads, conversions, revenue, ROAS,
--                                             CPL, CPA per campaign | adset | ad; never_attributed flags
--                                             campaigns that spend but appear in no ticket and no touch
--   analytics.meta_roi_daily(from, to)        the same totals per day (the console's chart)
--
-- Days: spend is Meta's day (the ad account's time zone, as insights report it); leads count on the day
-- they were captured, conversions and revenue on the day they were won, both in the company's time zone
-- (core.company_day's rule). A lead with a CTWA ticket counts once, as WhatsApp. Everything is security
-- invoker and reads only the caller's current company: RLS on the underlying tables applies.

create function analytics.meta_id(value text) returns text
language sql immutable parallel safe set search_path = ''
as $$
  select substring(value from '([0-9]{6,25})[[:space:]]*$')
$$;
comment on function analytics.meta_id(text) is
  'The Meta id at the end of a UTM value: "120237888636040701" or "Campaign name|120237888636040701" → the id; null otherwise (names are never joined: they change).';

create view analytics.meta_attributed_leads with (security_invoker = true) as
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
  from lead.leads l
  join lead.pipeline_stages st on st.id = l.stage_id
  left join lead.opportunities o on o.company_id = l.company_id and o.lead_id = l.id
  join analytics.lead_attribution a on a.company_id = l.company_id and a.lead_id = l.id
  join lead.utm_touches u on u.company_id = l.company_id and u.id = a.last_non_direct_touch_id
  cross join lateral (select analytics.meta_id(u.utm_term) as ad_id, analytics.meta_id(u.utm_content) as adset_id,
                             analytics.meta_id(u.utm_campaign) as campaign_id) ids
  left join core_marketing.meta_ads m on m.company_id = l.company_id and m.ad_id = ids.ad_id
  where lower(u.utm_source) in ('facebook', 'fb', 'instagram', 'ig', 'meta')
    and coalesce(ids.ad_id, ids.adset_id, ids.campaign_id) is not null
    and not exists (select 1 from lead.tickets t
                    join lead.ticket_tracking tt on tt.company_id = t.company_id and tt.ticket_id = t.id
                    where t.company_id = l.company_id and t.lead_id = l.id and tt.meta_ad_id is not null);
comment on view analytics.meta_attributed_leads is
  'Leads attributed to a Meta ad: CTWA tickets (the ticket''s last-touch ad) and web leads whose last non-direct touch has utm_source facebook/instagram and Meta ids in utm_campaign / utm_content / utm_term. is_won, won_at and revenue from the ticket''s stage won (deal value) or the lead''s won stage (its opportunity''s value, else its own, as analytics.utm_performance counts it). Security invoker.';

create function analytics.meta_roi(from_date date, to_date date, level text default 'campaign')
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
    select coalesce(m.campaign_id, analytics.meta_id(u.utm_campaign))
    from lead.utm_touches u
    join company c on c.id = u.company_id
    left join core_marketing.meta_ads m on m.company_id = u.company_id and m.ad_id = analytics.meta_id(u.utm_term)
    where lower(u.utm_source) in ('facebook', 'fb', 'instagram', 'ig', 'meta')
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
         t.spend > 0 and not exists (
           select 1 from seen s
           where s.campaign_id = case when meta_roi.level = 'campaign' then t.key else n.campaign_id end)
  from totals t
  left join names n on n.key = t.key
  order by t.spend desc, t.revenue desc, t.key;
end
$$;
comment on function analytics.meta_roi(date, date, text) is
  'Meta ROI of the caller''s current company from from_date to to_date, per campaign, adset or ad: spend, impressions, clicks (Meta''s days), leads (WhatsApp tickets + web) captured and conversions / revenue won in the range (company days), ROAS = revenue / spend, CPL = spend / leads, CPA = spend / conversions (null when the divisor is 0), never_attributed = the campaign spent but no ticket or touch ever carried it.';

create function analytics.meta_roi_daily(from_date date, to_date date)
returns table (day date, spend numeric, impressions bigint, clicks bigint, leads bigint, conversions bigint, revenue numeric)
language plpgsql stable security invoker set search_path = ''
as $$
#variable_conflict use_column
begin
  if from_date is null or to_date is null or from_date > to_date then
    raise exception 'from_date must not be after to_date' using errcode = '22023', hint = 'invalid_range';
  end if;
  if to_date - from_date > 730 then
    raise exception 'at most two years at a time' using errcode = '22023', hint = 'range_too_long';
  end if;
  return query
  with company as (
    select c.id, c.time_zone from core.companies c where c.id = (select core.current_company_id())
  ),
  spent as (
    select i.day, sum(i.spend) as spend, sum(i.impressions)::bigint as impressions, sum(i.clicks)::bigint as clicks
    from core_marketing.meta_ad_insights i
    join company c on c.id = i.company_id
    where i.day between from_date and to_date
    group by i.day
  ),
  captured as (
    select (e.captured_at at time zone c.time_zone)::date as day, count(*)::bigint as leads
    from analytics.meta_attributed_leads e join company c on c.id = e.company_id
    group by 1
  ),
  won as (
    select (e.won_at at time zone c.time_zone)::date as day, count(*)::bigint as conversions, sum(e.revenue) as revenue
    from analytics.meta_attributed_leads e join company c on c.id = e.company_id
    where e.is_won
    group by 1
  )
  select d.day::date, coalesce(s.spend, 0), coalesce(s.impressions, 0), coalesce(s.clicks, 0), coalesce(cp.leads, 0),
         coalesce(w.conversions, 0), coalesce(w.revenue, 0)
  from generate_series(from_date, to_date, interval '1 day') as d (day)
  left join spent s on s.day = d.day::date
  left join captured cp on cp.day = d.day::date
  left join won w on w.day = d.day::date
  order by 1;
end
$$;
comment on function analytics.meta_roi_daily(date, date) is
  'Per day from from_date to to_date (every day, zeros included): Meta spend, impressions, clicks, attributed leads captured, conversions and revenue won. Security invoker: the caller''s current company only.';

revoke execute on function analytics.meta_roi(date, date, text), analytics.meta_roi_daily(date, date) from public, anon;
grant execute on function analytics.meta_id(text), analytics.meta_roi(date, date, text), analytics.meta_roi_daily(date, date)
  to authenticated, service_role;
grant select on analytics.meta_attributed_leads to authenticated, service_role;
