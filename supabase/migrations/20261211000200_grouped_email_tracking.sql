-- Opens and clicks recorded in groups: mtrk.track_opens / mtrk.track_clicks take the requests that
-- one email-tracking isolate has waiting at the same moment and record them in one statement, one
-- transaction and one round trip (decision 0012, "Grouped writes"). The rules are the single-request
-- ones of migration 20261210000100, applied to the group in order: a click counts the clicks queued or
-- logged in the last 5 s on the message's other links, and the group's earlier clicks as well.
-- mtrk.track_open / mtrk.track_click stay, as groups of one, so there is one implementation.
--
-- Both run with plan_cache_mode = force_generic_plan. Left to choose, the plan cache re-plans their
-- statement at every call (a custom plan looks cheaper than the generic one because the machine rule
-- reads the partitioned mtrk.events), and planning cost ~1.5 ms of the ~1.9 ms of Postgres CPU a click
-- took (pgbench, 4 clients); the generic plan is the same index lookups, with the month partitions
-- pruned when it starts, and the whole call costs ~0.4 ms.

create function mtrk.track_opens(message_public_ids uuid[], user_agents text[], machine_reasons text[])
returns table (ord integer)
language plpgsql security definer set search_path = '' set plan_cache_mode = force_generic_plan
as $$
#variable_conflict use_column
begin
  if cardinality(message_public_ids) is distinct from cardinality(user_agents)
     or cardinality(message_public_ids) is distinct from cardinality(machine_reasons) then
    raise exception 'mtrk.track_opens: the three arrays must have the same length' using errcode = '22023';
  end if;
  return query
  with input as (
    select t.ord::integer as ord, t.public_id, left(t.user_agent, 500) as user_agent, t.machine_reason
    from unnest(message_public_ids, user_agents, machine_reasons) with ordinality as t (public_id, user_agent, machine_reason, ord)
  ), hit as (
    select i.ord, i.user_agent, m.company_id, m.campaign_id, m.id as message_id, m.contact_id,
           coalesce(i.machine_reason,
                    case when m.sent_at is not null and now() - m.sent_at < interval '2 seconds'
                         then 'opened within 2 s of sending' end) as reason
    from input i
    join mtrk.messages m on m.public_id = i.public_id
  ), queued as (
    insert into mtrk.pending_events (company_id, campaign_id, message_id, contact_id, type, is_machine, machine_reason, user_agent)
    select h.company_id, h.campaign_id, h.message_id, h.contact_id, 'open', h.reason is not null, h.reason, h.user_agent
    from hit h
    order by h.ord
  )
  select h.ord from hit h order by h.ord;
  perform mtrk._fold_if_due();
end
$$;
comment on function mtrk.track_opens(uuid[], text[], text[]) is
  'Records a group of opens (element i: message public id, user agent, machine reason or null) in one statement; returns the positions (1-based) of the messages that exist. Unknown ids write nothing.';

create function mtrk.track_clicks(link_public_ids uuid[], user_agents text[], machine_reasons text[])
returns table (ord integer, url text, utm_source text, utm_medium text, utm_campaign text, utm_content text,
               message_public_id uuid, contact_public_id uuid)
language plpgsql security definer set search_path = '' set plan_cache_mode = force_generic_plan
as $$
#variable_conflict use_column
begin
  if cardinality(link_public_ids) is distinct from cardinality(user_agents)
     or cardinality(link_public_ids) is distinct from cardinality(machine_reasons) then
    raise exception 'mtrk.track_clicks: the three arrays must have the same length' using errcode = '22023';
  end if;
  return query
  with input as (
    select t.ord::integer as ord, t.public_id, left(t.user_agent, 500) as user_agent, t.machine_reason
    from unnest(link_public_ids, user_agents, machine_reasons) with ordinality as t (public_id, user_agent, machine_reason, ord)
  ), hit as (
    select i.ord, i.user_agent, i.machine_reason, l.id as link_id, l.cta_id, m.company_id, m.campaign_id,
           m.id as message_id, m.contact_id, m.sent_at, m.public_id as message_public_id
    from input i
    join mtrk.links l on l.public_id = i.public_id
    join mtrk.messages m on m.id = l.message_id
  ), judged as (
    select h.*,
           coalesce(h.machine_reason,
                    case when h.sent_at is not null and now() - h.sent_at < interval '10 seconds'
                         then 'clicked within 10 s of sending' end,
                    -- Clicks of the last 5 s are in the queue, in the log once folded, or earlier in this group.
                    case when (select count(distinct x.link_id)
                               from (select e.link_id from mtrk.events e
                                     where e.company_id = h.company_id and e.message_id = h.message_id and e.type = 'click'
                                       and e.occurred_at > now() - interval '5 seconds'
                                     union all
                                     select p.link_id from mtrk.pending_events p
                                     where p.company_id = h.company_id and p.message_id = h.message_id and p.type = 'click'
                                       and p.occurred_at > now() - interval '5 seconds'
                                     union all
                                     select e2.link_id from hit e2 where e2.message_id = h.message_id and e2.ord < h.ord) x
                               where x.link_id <> h.link_id) >= 2
                         then 'clicked with two other links of the message within 5 s' end) as reason
    from hit h
  ), queued as (
    insert into mtrk.pending_events (company_id, campaign_id, message_id, contact_id, link_id, type, is_machine, machine_reason,
                                     user_agent)
    select j.company_id, j.campaign_id, j.message_id, j.contact_id, j.link_id, 'click', j.reason is not null, j.reason, j.user_agent
    from judged j
    order by j.ord
  )
  select j.ord, cta.url, c.utm_source, c.utm_medium, coalesce(c.utm_campaign, c.id::text), 'cta-' || cta.position,
         j.message_public_id, ct.public_id
  from judged j
  join mtrk.campaign_ctas cta on cta.id = j.cta_id
  join mtrk.campaigns c on c.id = cta.campaign_id
  join mtrk.contacts ct on ct.id = j.contact_id
  order by j.ord;
  perform mtrk._fold_if_due();
end
$$;
comment on function mtrk.track_clicks(uuid[], text[], text[]) is
  'Records a group of clicks (element i: link public id, user agent, machine reason or null) in one statement, the machine rules applied in order; returns, per position (1-based) whose link exists, where to redirect. Unknown ids write nothing.';

create or replace function mtrk.track_open(message_public_id uuid, user_agent text default null, machine_reason text default null)
returns boolean
language plpgsql security definer set search_path = ''
as $$
begin
  return exists (select 1 from mtrk.track_opens(array[track_open.message_public_id], array[track_open.user_agent],
                                                array[track_open.machine_reason]));
end
$$;

create or replace function mtrk.track_click(link_public_id uuid, user_agent text default null, machine_reason text default null)
returns table (url text, utm_source text, utm_medium text, utm_campaign text, utm_content text,
               message_public_id uuid, contact_public_id uuid)
language plpgsql security definer set search_path = ''
as $$
begin
  return query
  select t.url, t.utm_source, t.utm_medium, t.utm_campaign, t.utm_content, t.message_public_id, t.contact_public_id
  from mtrk.track_clicks(array[track_click.link_public_id], array[track_click.user_agent], array[track_click.machine_reason]) t;
end
$$;

revoke execute on function mtrk.track_opens(uuid[], text[], text[]), mtrk.track_clicks(uuid[], text[], text[]) from public;
grant execute on function mtrk.track_opens(uuid[], text[], text[]), mtrk.track_clicks(uuid[], text[], text[]) to service_role;
