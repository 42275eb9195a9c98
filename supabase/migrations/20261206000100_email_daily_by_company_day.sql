-- E-mail figures per day follow the company's calendar (decision 0009: core.company_day), not UTC's:
-- a click at 01:30 UTC on the 2nd is a click of the 1st in São Paulo. mtrk._apply_events now takes the
-- day of each batch's first event in the company's time zone (one join of core.companies per
-- statement, not a function call per row), and the daily table is rebuilt from the messages' own
-- timestamps, each figure on the company day it happened.

create or replace function mtrk._apply_events() returns trigger
language plpgsql security definer set search_path = '' set client_min_messages = warning
as $$
begin
  create temp table if not exists pg_temp.mtrk_event_effects (
    message_id bigint, campaign_id uuid, company_id uuid, contact_id uuid, day date,
    new_sent boolean, new_delivered boolean, new_open boolean, new_click boolean, new_hard_bounce boolean,
    new_complaint boolean, new_unsubscribe boolean, opens integer, clicks integer, machine_opens integer,
    machine_clicks integer, soft_bounces integer, hard_bounces integer, complaints integer, unsubscribes integer,
    sent_at timestamptz, delivered_at timestamptz, first_open_at timestamptz, first_click_at timestamptz,
    hard_bounced_at timestamptz, complained_at timestamptz, unsubscribed_at timestamptz
  ) on commit delete rows;
  -- Made once per connection (a click is one small insert: no catalog work per transaction), emptied
  -- per statement and at commit.
  delete from pg_temp.mtrk_event_effects;

  insert into pg_temp.mtrk_event_effects
  select p.message_id, m.campaign_id, m.company_id, m.contact_id, (p.first_at at time zone co.time_zone)::date,
         m.sent_at is null and p.sent_at is not null,
         m.delivered_at is null and p.delivered_at is not null,
         m.first_open_at is null and p.first_open_at is not null,
         m.first_click_at is null and p.first_click_at is not null,
         m.hard_bounced_at is null and p.hard_bounced_at is not null,
         m.complained_at is null and p.complained_at is not null,
         m.unsubscribed_at is null and p.unsubscribed_at is not null,
         p.opens, p.clicks, p.machine_opens, p.machine_clicks, p.soft_bounces, p.hard_bounces, p.complaints,
         p.unsubscribes, p.sent_at, p.delivered_at, p.first_open_at, p.first_click_at, p.hard_bounced_at,
         p.complained_at, p.unsubscribed_at
  from (
    select e.message_id,
           min(e.occurred_at) as first_at,
           min(e.occurred_at) filter (where e.type = 'sent') as sent_at,
           min(e.occurred_at) filter (where e.type = 'delivered') as delivered_at,
           -- A person who clicked has opened, even with images blocked: the first human open or click.
           min(e.occurred_at) filter (where e.type in ('open', 'click') and not e.is_machine) as first_open_at,
           min(e.occurred_at) filter (where e.type = 'click' and not e.is_machine) as first_click_at,
           min(e.occurred_at) filter (where e.type = 'bounce' and e.bounce_kind = 'hard') as hard_bounced_at,
           min(e.occurred_at) filter (where e.type = 'complaint') as complained_at,
           min(e.occurred_at) filter (where e.type = 'unsubscribe') as unsubscribed_at,
           count(*) filter (where e.type = 'open' and not e.is_machine)::integer as opens,
           count(*) filter (where e.type = 'click' and not e.is_machine)::integer as clicks,
           count(*) filter (where e.type = 'open' and e.is_machine)::integer as machine_opens,
           count(*) filter (where e.type = 'click' and e.is_machine)::integer as machine_clicks,
           count(*) filter (where e.type = 'bounce' and e.bounce_kind = 'soft')::integer as soft_bounces,
           count(*) filter (where e.type = 'bounce' and e.bounce_kind = 'hard')::integer as hard_bounces,
           count(*) filter (where e.type = 'complaint')::integer as complaints,
           count(*) filter (where e.type = 'unsubscribe')::integer as unsubscribes
    from new_events e
    group by e.message_id
  ) p
  join mtrk.messages m on m.id = p.message_id
  join core.companies co on co.id = m.company_id;

  update mtrk.messages m
  set sent_at = coalesce(m.sent_at, f.sent_at),
      status = case when f.sent_at is not null and m.status = 'queued' then 'sent' else m.status end,
      delivered_at = coalesce(m.delivered_at, f.delivered_at),
      first_open_at = least(m.first_open_at, f.first_open_at),
      first_click_at = least(m.first_click_at, f.first_click_at),
      hard_bounced_at = coalesce(m.hard_bounced_at, f.hard_bounced_at),
      complained_at = coalesce(m.complained_at, f.complained_at),
      unsubscribed_at = coalesce(m.unsubscribed_at, f.unsubscribed_at),
      opens = m.opens + f.opens,
      clicks = m.clicks + f.clicks,
      machine_opens = m.machine_opens + f.machine_opens,
      machine_clicks = m.machine_clicks + f.machine_clicks,
      soft_bounces = m.soft_bounces + f.soft_bounces
  from pg_temp.mtrk_event_effects f
  where m.id = f.message_id;

  insert into mtrk.campaign_metrics as c (campaign_id, company_id, sent, delivered, opens, unique_opens, clicks,
                                          unique_clicks, machine_opens, machine_clicks, soft_bounces, hard_bounces,
                                          complaints, unsubscribes)
  select f.campaign_id, f.company_id, count(*) filter (where f.new_sent), count(*) filter (where f.new_delivered),
         sum(f.opens), count(*) filter (where f.new_open), sum(f.clicks), count(*) filter (where f.new_click),
         sum(f.machine_opens), sum(f.machine_clicks), sum(f.soft_bounces), count(*) filter (where f.new_hard_bounce),
         count(*) filter (where f.new_complaint), count(*) filter (where f.new_unsubscribe)
  from pg_temp.mtrk_event_effects f
  group by f.campaign_id, f.company_id
  on conflict (campaign_id) do update
    set sent = c.sent + excluded.sent, delivered = c.delivered + excluded.delivered, opens = c.opens + excluded.opens,
        unique_opens = c.unique_opens + excluded.unique_opens, clicks = c.clicks + excluded.clicks,
        unique_clicks = c.unique_clicks + excluded.unique_clicks, machine_opens = c.machine_opens + excluded.machine_opens,
        machine_clicks = c.machine_clicks + excluded.machine_clicks, soft_bounces = c.soft_bounces + excluded.soft_bounces,
        hard_bounces = c.hard_bounces + excluded.hard_bounces, complaints = c.complaints + excluded.complaints,
        unsubscribes = c.unsubscribes + excluded.unsubscribes, updated_at = now();

  insert into mtrk.campaign_metrics_daily as d (campaign_id, day, company_id, delivered, unique_opens, unique_clicks,
                                                bounces, unsubscribes)
  select f.campaign_id, f.day, f.company_id, count(*) filter (where f.new_delivered), count(*) filter (where f.new_open),
         count(*) filter (where f.new_click), sum(f.soft_bounces) + count(*) filter (where f.new_hard_bounce),
         count(*) filter (where f.new_unsubscribe)
  from pg_temp.mtrk_event_effects f
  group by f.campaign_id, f.day, f.company_id
  on conflict (campaign_id, day) do update
    set delivered = d.delivered + excluded.delivered, unique_opens = d.unique_opens + excluded.unique_opens,
        unique_clicks = d.unique_clicks + excluded.unique_clicks, bounces = d.bounces + excluded.bounces,
        unsubscribes = d.unsubscribes + excluded.unsubscribes;

  -- Links and CTAs: human clicks; a link's first human click is a unique click of its CTA.
  with per_link as (
    select e.link_id, count(*)::integer as clicks, min(e.occurred_at) as first_click_at
    from new_events e
    where e.type = 'click' and not e.is_machine and e.link_id is not null
    group by e.link_id
  ),
  before as (
    select l.id, l.cta_id, p.clicks, p.first_click_at, l.first_click_at is null as is_first
    from per_link p join mtrk.links l on l.id = p.link_id
  ),
  updated_links as (
    update mtrk.links l
    set clicks = l.clicks + b.clicks, first_click_at = coalesce(l.first_click_at, b.first_click_at)
    from before b where l.id = b.id
  )
  update mtrk.campaign_ctas c
  set clicks = c.clicks + x.clicks, unique_clicks = c.unique_clicks + x.unique_clicks
  from (select b.cta_id, sum(b.clicks)::integer as clicks, count(*) filter (where b.is_first)::integer as unique_clicks
        from before b group by b.cta_id) x
  where c.id = x.cta_id;

  -- Deliverability state: a hard bounce marks the contact bounced; a complaint marks it complained and
  -- suppresses the address; soft bounces past the limit suppress it too.
  update mtrk.contacts c
  set soft_bounces = c.soft_bounces + x.soft_bounces,
      status = case
        when x.complaints > 0 then 'complained'
        when c.status = 'complained' then c.status
        when x.hard_bounces > 0 then 'bounced'
        when c.status = 'active' and c.soft_bounces + x.soft_bounces >= mtrk._soft_bounce_limit() then 'suppressed'
        else c.status end
  from (select f.contact_id, sum(f.soft_bounces)::integer as soft_bounces, sum(f.hard_bounces)::integer as hard_bounces,
               sum(f.complaints)::integer as complaints
        from pg_temp.mtrk_event_effects f
        group by f.contact_id
        having sum(f.soft_bounces) + sum(f.hard_bounces) + sum(f.complaints) > 0) x
  where c.id = x.contact_id;

  insert into ops.suppression_list (company_id, email, reason, created_by)
  select c.company_id, c.email, case when c.status = 'complained' then 'complaint' else 'soft_bounce_limit' end, null
  from mtrk.contacts c
  where c.id in (select f.contact_id from pg_temp.mtrk_event_effects f where f.complaints > 0 or f.soft_bounces > 0)
    and c.status in ('complained', 'suppressed')
  on conflict (company_id, lower(email)) do nothing;

  return null;
end
$$;

-- Rebuild the daily figures already folded in by UTC day. Every figure of the daily table is a first
-- time kept on the message (delivered, first human open, first human click, hard bounce,
-- unsubscribe) or a soft-bounce event, so the whole table can be recomputed from them, set-based.
delete from mtrk.campaign_metrics_daily;
insert into mtrk.campaign_metrics_daily (campaign_id, day, company_id, delivered, unique_opens, unique_clicks,
                                         bounces, unsubscribes)
select x.campaign_id, x.day, x.company_id, sum(x.delivered)::integer, sum(x.unique_opens)::integer,
       sum(x.unique_clicks)::integer, sum(x.bounces)::integer, sum(x.unsubscribes)::integer
from (
  select m.campaign_id, m.company_id, (t.at at time zone co.time_zone)::date as day,
         (t.kind = 'delivered')::int as delivered, (t.kind = 'open')::int as unique_opens,
         (t.kind = 'click')::int as unique_clicks, (t.kind = 'hard_bounce')::int as bounces,
         (t.kind = 'unsubscribe')::int as unsubscribes
  from mtrk.messages m
  join core.companies co on co.id = m.company_id
  cross join lateral (values ('delivered', m.delivered_at), ('open', m.first_open_at), ('click', m.first_click_at),
                             ('hard_bounce', m.hard_bounced_at), ('unsubscribe', m.unsubscribed_at)) as t (kind, at)
  where t.at is not null
  union all
  select e.campaign_id, e.company_id, (e.occurred_at at time zone co.time_zone)::date, 0, 0, 0, 1, 0
  from mtrk.events e
  join core.companies co on co.id = e.company_id
  where e.type = 'bounce' and e.bounce_kind = 'soft'
) x
group by x.campaign_id, x.day, x.company_id;
