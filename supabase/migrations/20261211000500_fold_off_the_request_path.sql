-- The fold of queued opens and clicks leaves the request path. mtrk.track_opens / mtrk.track_clicks
-- ran mtrk._fold_if_due() inside the click's own statement, so every 2 s one group of clicks waited for
-- a fold of the last 2 s of events (~1,000 at 500 clicks/s: 80-95 ms with the aggregates' trigger),
-- and the clicks behind it in the same isolate with them: that was the click redirect's p99 when the
-- function is served alone (decision 0012, "The fold off the request path"). Now email-tracking answers
-- first and then, at most once every 0.5 s per isolate, asks mtrk.fold_pending_events_if_due() on a
-- connection of its own; pg_cron still folds every 5 s (every minute on pg_cron before 1.5). A fold
-- when none ran for 0.5 s (smaller and more often than the old 2 s: ~250 events at 500 clicks/s, and
-- dashboards a fraction of a second behind), at most 5,000 events, one at a time; a failing fold leaves
-- the events queued with a warning.

create function mtrk.fold_pending_events_if_due()
returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  folded integer;
begin
  if (select s.last_folded_at from mtrk.fold_state s) > now() - interval '500 milliseconds' then
    return 0;
  end if;
  begin
    -- At most 5,000 (half a second of a 500/s campaign's clicks is about 250): a backlog after an
    -- outage is worked off by later calls and the pg_cron job.
    folded := mtrk.fold_pending_events(5000);
  exception when others then
    raise warning 'mtrk.fold_pending_events failed, events stay queued: % (%)', sqlerrm, sqlstate;
    return 0;
  end;
  return folded;
end
$$;
comment on function mtrk.fold_pending_events_if_due() is
  'What email-tracking calls after answering, at most every 0.5 s per isolate: folds up to 5,000 queued opens and clicks when no fold ran in the last 0.5 s; returns how many (0 when not due, when another fold holds the lock, or when the fold failed: a warning says why and the events stay queued).';
revoke execute on function mtrk.fold_pending_events_if_due() from public;
grant execute on function mtrk.fold_pending_events_if_due() to service_role;

create or replace function mtrk.track_opens(message_public_ids uuid[], user_agents text[], machine_reasons text[])
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
end
$$;

create or replace function mtrk.track_clicks(link_public_ids uuid[], user_agents text[], machine_reasons text[])
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
end
$$;

-- Nothing calls the in-statement fold any more.
drop function mtrk._fold_if_due();
