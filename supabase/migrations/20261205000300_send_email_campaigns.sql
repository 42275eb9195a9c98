-- Sending campaigns (issue 10 item 3): a campaign is sent by email-send-worker (queue email_send,
-- shared worker runtime) through one of two transports behind one interface — real SMTP
-- (nodemailer) or the clearly labelled simulator — throttled per company and resumable from a keyset
-- checkpoint (mtrk.campaigns.send_checkpoint; never offset).
--
-- The simulator does not pretend to be SMTP: its messages are marked transport 'simulator', every
-- event it produces has source 'simulator', and the events it plans (delivery, machine prefetches,
-- human opens and clicks spread over hours, soft and hard bounces, complaints, unsubscribes) wait in
-- mtrk.simulated_events until they are due; pg_cron releases due ones into mtrk.events every minute.
--
-- Error codes: PT404 campaign_not_found · PT409 campaign_not_sendable / campaign_has_no_messages ·
-- 42501 not_allowed · 22023 unknown_transport

-- ---- tables ---------------------------------------------------------------------------------------

alter table mtrk.campaigns
  add column transport text,
  add column simulation_hours integer not null default 6,
  add constraint transport_is_known check (transport in ('smtp', 'simulator')),
  add constraint simulation_hours_are_sane check (simulation_hours between 1 and 72);
comment on column mtrk.campaigns.transport is 'How the campaign is being sent: smtp (real) or simulator (no e-mail leaves; events are simulated). Set by mtrk.start_sending.';
comment on column mtrk.campaigns.simulation_hours is 'Over how many hours the simulator spreads a message''s opens and clicks.';

create table mtrk.sender_settings (
  company_id uuid primary key references core.companies (id) on delete cascade,
  messages_per_minute integer not null default 600,
  updated_at timestamptz not null default now(),
  constraint messages_per_minute_is_sane check (messages_per_minute between 1 and 100000)
);
comment on table mtrk.sender_settings is
  'Per-company sending limits. Without a row a company sends at most 600 messages a minute (mtrk._send_rate).';

create table mtrk.simulated_events (
  id bigint generated always as identity primary key,
  company_id uuid not null,
  campaign_id uuid not null,
  message_id bigint not null,
  contact_id uuid not null,
  link_id bigint,
  type text not null,
  bounce_kind text,
  is_machine boolean not null default false,
  machine_reason text,
  due_at timestamptz not null,
  constraint type_is_known check (type in ('delivered', 'open', 'click', 'bounce', 'complaint', 'unsubscribe')),
  constraint message_belongs_to_company foreign key (company_id, message_id)
    references mtrk.messages (company_id, id) on delete cascade
);
comment on table mtrk.simulated_events is
  'SIMULATOR ONLY: events the simulator planned for its messages, waiting until due_at; mtrk.release_simulated_events moves due ones into mtrk.events (source simulator).';

create index idx_simulated_events_due_at on mtrk.simulated_events (due_at);
create index idx_simulated_events_company_id on mtrk.simulated_events (company_id);
create index idx_simulated_events_message_id on mtrk.simulated_events (message_id);

select pgmq.create('email_send');

-- ---- helper functions -----------------------------------------------------------------------------

create function mtrk._send_rate(company_id uuid) returns integer
language sql stable security definer set search_path = ''
as $$
  select coalesce((select s.messages_per_minute from mtrk.sender_settings s where s.company_id = _send_rate.company_id), 600)
$$;
comment on function mtrk._send_rate(uuid) is 'Messages a minute the company may send (600 without a sender_settings row).';

-- The simulator's model, per message (rates of a typical B2C newsletter; all drawn independently):
-- 1.5 % hard bounce, 2.5 % soft bounce, otherwise delivered within 1–30 s. Of the delivered: 12 % get
-- an image-proxy prefetch within a minute (machine open), 38 % are opened by a person — the delay
-- front-loaded over `hours` (hours × u²) — and a third of those open again later; 30 % of openers
-- click 1–10 minutes after opening, the first CTA twice as often as each other; 3 % of delivered get a
-- link scanner clicking every CTA within seconds of delivery (machine clicks); 0.2 % complain and
-- 0.6 % unsubscribe (global) some time after opening or delivery.
create function mtrk._plan_simulated_events(message_ids bigint[], hours integer) returns integer
language sql security definer set search_path = ''
as $$
  with drawn as (
    select m.id, m.company_id, m.campaign_id, m.contact_id, random() as fate, random() as opener, random() as clicker,
           random() as again, random() as prefetch, random() as scanner, random() as complainer, random() as leaver,
           now() + (1 + random() * 29) * interval '1 second' as delivered_at
    from mtrk.messages m where m.id = any (message_ids)
  ),
  outcome as (
    select d.*, case when d.fate < 0.015 then 'hard' when d.fate < 0.04 then 'soft' else 'delivered' end as kind,
           d.delivered_at + hours * 3600 * power(random(), 2) * interval '1 second' as opened_at
    from drawn d
  ),
  planned as (
    select o.id, 'delivered' as type, null::text as bounce_kind, null::bigint as link_id, false as is_machine,
           null::text as machine_reason, o.delivered_at as due_at from outcome o where o.kind = 'delivered'
    union all
    select o.id, 'bounce', o.kind, null, false, null, o.delivered_at from outcome o where o.kind in ('hard', 'soft')
    union all
    select o.id, 'open', null, null, true, 'image proxy prefetch (simulated)', o.delivered_at + random() * interval '60 seconds'
    from outcome o where o.kind = 'delivered' and o.prefetch < 0.12
    union all
    select o.id, 'open', null, null, false, null, o.opened_at from outcome o where o.kind = 'delivered' and o.opener < 0.38
    union all
    select o.id, 'open', null, null, false, null, o.opened_at + random() * interval '1 day'
    from outcome o where o.kind = 'delivered' and o.opener < 0.38 and o.again < 0.33
    union all
    select o.id, 'click', null,
           (select l.id from mtrk.links l join mtrk.campaign_ctas t on t.id = l.cta_id
            where l.message_id = o.id order by random() * (case when t.position = 1 then 1 else 2 end) limit 1),
           false, null, o.opened_at + (60 + random() * 540) * interval '1 second'
    from outcome o where o.kind = 'delivered' and o.opener < 0.38 and o.clicker < 0.30
    union all
    select o.id, 'click', null, l.id, true, 'link scanner (simulated)', o.delivered_at + random() * interval '5 seconds'
    from outcome o join mtrk.links l on l.message_id = o.id where o.kind = 'delivered' and o.scanner < 0.03
    union all
    select o.id, 'complaint', null, null, false, null, greatest(o.opened_at, o.delivered_at) + random() * interval '2 hours'
    from outcome o where o.kind = 'delivered' and o.complainer < 0.002
    union all
    select o.id, 'unsubscribe', null, null, false, null, greatest(o.opened_at, o.delivered_at) + random() * interval '10 minutes'
    from outcome o where o.kind = 'delivered' and o.leaver < 0.006
  ),
  stored as (
    insert into mtrk.simulated_events (company_id, campaign_id, message_id, contact_id, link_id, type, bounce_kind, is_machine,
                                       machine_reason, due_at)
    select o.company_id, o.campaign_id, p.id, o.contact_id, p.link_id, p.type, p.bounce_kind, p.is_machine, p.machine_reason, p.due_at
    from planned p join outcome o on o.id = p.id
    where p.type <> 'click' or p.link_id is not null
    returning 1
  )
  select count(*)::integer from stored
$$;
comment on function mtrk._plan_simulated_events(bigint[], integer) is
  'SIMULATOR ONLY: plans the event stream of just-"sent" simulated messages (model in the migration''s comment) into mtrk.simulated_events.';

-- ---- RPCs -----------------------------------------------------------------------------------------

create function mtrk.start_sending(campaign_id uuid, transport text, simulation_hours integer default 6)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  target mtrk.campaigns;
  queued integer;
begin
  select c.* into target from mtrk.campaigns c
  where c.id = start_sending.campaign_id and c.company_id = core.current_company_id() for update;
  if target.id is null then
    raise exception 'campaign % not found', start_sending.campaign_id using errcode = 'PT404', hint = 'campaign_not_found';
  end if;
  if not core.is_company_editor() then
    raise exception 'only editors send campaigns' using errcode = '42501', hint = 'not_allowed';
  end if;
  if start_sending.transport not in ('smtp', 'simulator') then
    raise exception 'transport must be smtp or simulator' using errcode = '22023', hint = 'unknown_transport';
  end if;
  if target.status not in ('draft', 'scheduled', 'paused') then
    raise exception 'campaign % is %', target.id, target.status using errcode = 'PT409', hint = 'campaign_not_sendable';
  end if;
  if target.transport is not null and target.transport <> start_sending.transport then
    raise exception 'campaign % was started with %', target.id, target.transport using errcode = 'PT409', hint = 'campaign_not_sendable';
  end if;
  select count(*) into queued from mtrk.messages m where m.campaign_id = target.id and m.status = 'queued';
  if queued = 0 then
    raise exception 'campaign % has no messages to send: generate them first', target.id
      using errcode = 'PT409', hint = 'campaign_has_no_messages';
  end if;
  update mtrk.campaigns c
  set status = 'sending', transport = start_sending.transport, simulation_hours = coalesce(start_sending.simulation_hours, 6),
      sending_started_at = coalesce(c.sending_started_at, now())
  where c.id = target.id;
  perform pgmq.send(queue_name := 'email_send', msg := jsonb_build_object('company_id', target.company_id, 'campaign_id', target.id));
  begin
    perform ops.invoke_edge_function('email-send-worker', jsonb_build_object('trigger', 'start', 'campaign_id', target.id));
  exception when others then
    -- A lost kick only delays the send until the next pg_cron run; it must never fail the start.
    raise warning 'could not kick email-send-worker: %', sqlerrm;
  end;
  return jsonb_build_object('queued', queued, 'transport', start_sending.transport);
end
$$;
comment on function mtrk.start_sending(uuid, text, integer) is
  'Starts (or resumes) sending a generated campaign with transport smtp or simulator: status sending, one email_send message, a kick of email-send-worker. PT404 campaign_not_found, PT409 campaign_not_sendable / campaign_has_no_messages, 22023 unknown_transport.';

create function mtrk.pause_sending(campaign_id uuid) returns void
language plpgsql security definer set search_path = ''
as $$
begin
  if not core.is_company_editor() then
    raise exception 'only editors pause campaigns' using errcode = '42501', hint = 'not_allowed';
  end if;
  update mtrk.campaigns c set status = 'paused'
  where c.id = pause_sending.campaign_id and c.company_id = core.current_company_id() and c.status = 'sending';
  if not found then
    raise exception 'campaign % is not sending', pause_sending.campaign_id using errcode = 'PT409', hint = 'campaign_not_sending';
  end if;
end
$$;
comment on function mtrk.pause_sending(uuid) is 'Pauses a sending campaign; the worker stops after its current batch and start_sending resumes from the checkpoint.';

-- Worker side: the next batch after the checkpoint (keyset on messages.id), what is needed to render
-- each message, whether its contact is still eligible, and how many the company may still send this
-- minute. Nothing is written.
create function mtrk.next_send_batch(campaign_id uuid, max_messages integer)
returns table (message_id bigint, message_public_id uuid, contact_public_id uuid, email text, name text,
               eligible boolean, link_public_ids uuid[], allowance integer)
language sql stable security definer set search_path = ''
as $$
  with c as (select * from mtrk.campaigns where id = next_send_batch.campaign_id),
  room as (
    select greatest(0, mtrk._send_rate(c.company_id)
                       - (select count(*) from mtrk.messages m where m.company_id = c.company_id
                            and m.sent_at > now() - interval '1 minute'))::integer as allowance
    from c
  ),
  batch as (
    select m.* from mtrk.messages m, c, room
    where m.campaign_id = c.id and m.id > c.send_checkpoint and m.status = 'queued'
    order by m.id
    limit least(next_send_batch.max_messages, (select allowance from room))
  )
  select b.id, b.public_id, ct.public_id, ct.email, ct.name,
         ct.status = 'active'
         and not exists (select 1 from mtrk.unsubscribes u where u.contact_id = ct.id
                         and (u.scope = 'global' or (u.scope = 'campaign' and u.campaign_id = b.campaign_id)))
         and not exists (select 1 from ops.suppression_list s where s.company_id = ct.company_id and lower(s.email) = lower(ct.email)),
         array(select l.public_id from mtrk.links l join mtrk.campaign_ctas t on t.id = l.cta_id
               where l.message_id = b.id order by t.position),
         (select allowance from room)
  from batch b join mtrk.contacts ct on ct.id = b.contact_id
  union all
  -- No message row when the batch is empty: one row with the allowance alone.
  select null, null, null, null, null, null, null, (select allowance from room)
  where not exists (select 1 from batch)
  order by 1 nulls last
$$;
comment on function mtrk.next_send_batch(uuid, integer) is
  'Worker side, read only: up to max_messages queued messages after the campaign''s checkpoint (keyset, never offset), at most what the company''s per-minute rate still allows, with what rendering needs and whether the contact is still eligible; an empty batch is one row with only the allowance.';

create function mtrk.record_send_batch(campaign_id uuid, results jsonb)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  target mtrk.campaigns;
  last_id bigint;
  left_to_send integer;
  simulated integer := 0;
begin
  select c.* into target from mtrk.campaigns c where c.id = record_send_batch.campaign_id for update;
  if target.id is null then
    raise exception 'campaign % not found', record_send_batch.campaign_id using errcode = 'PT404', hint = 'campaign_not_found';
  end if;
  if jsonb_typeof(results) is distinct from 'array' then
    raise exception 'results must be an array' using errcode = '22023', hint = 'results_not_an_array';
  end if;

  -- plpgsql_check cannot see a temp table made at run time: the pragma (a constant, a no-op when run) describes it.
  perform 'PRAGMA:TABLE: mtrk_send_results (message_id bigint, outcome text, provider_message_id text, error text)';
  create temp table if not exists pg_temp.mtrk_send_results (message_id bigint, outcome text, provider_message_id text, error text) on commit drop;
  truncate pg_temp.mtrk_send_results;
  insert into pg_temp.mtrk_send_results
  select r.message_id, r.outcome, left(r.provider_message_id, 300), left(r.error, 1000)
  from jsonb_to_recordset(results) as r (message_id bigint, outcome text, provider_message_id text, error text)
  join mtrk.messages m on m.id = r.message_id and m.campaign_id = target.id and m.status = 'queued';

  update mtrk.messages m
  set transport = target.transport,
      provider_message_id = r.provider_message_id,
      status = case r.outcome when 'failed' then 'failed' when 'skipped' then 'skipped' else m.status end,
      error = r.error
  from pg_temp.mtrk_send_results r where m.id = r.message_id;

  insert into mtrk.events (company_id, campaign_id, message_id, contact_id, type, source)
  select m.company_id, m.campaign_id, m.id, m.contact_id, 'sent', target.transport
  from pg_temp.mtrk_send_results r join mtrk.messages m on m.id = r.message_id
  where r.outcome = 'sent';

  if target.transport = 'simulator' then
    simulated := mtrk._plan_simulated_events(
      array(select r.message_id from pg_temp.mtrk_send_results r where r.outcome = 'sent'), target.simulation_hours);
  end if;

  select max(r.message_id) into last_id from pg_temp.mtrk_send_results r;
  update mtrk.campaigns c set send_checkpoint = greatest(c.send_checkpoint, coalesce(last_id, 0)) where c.id = target.id;
  select count(*) into left_to_send from mtrk.messages m
  where m.campaign_id = target.id and m.status = 'queued' and m.id > greatest(target.send_checkpoint, coalesce(last_id, 0));
  if left_to_send = 0 and target.status = 'sending' then
    update mtrk.campaigns c set status = 'sent', sent_at = now() where c.id = target.id;
  end if;
  return jsonb_build_object('recorded', (select count(*) from pg_temp.mtrk_send_results), 'left', left_to_send,
                            'planned_events', simulated);
end
$$;
comment on function mtrk.record_send_batch(uuid, jsonb) is
  'Worker side, one transaction per batch: [{message_id, outcome sent|failed|skipped, provider_message_id, error}] → sent events (source = the transport), failed/skipped statuses, the simulator''s planned events, the keyset checkpoint, and status sent once nothing is left. Messages no longer queued (a repeated batch) are ignored.';

create function mtrk.release_simulated_events(until timestamptz default now(), max_events integer default 50000)
returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  released integer;
begin
  perform 'PRAGMA:TABLE: mtrk_due_events (like mtrk.simulated_events)'; -- for plpgsql_check (db lint)
  create temp table if not exists pg_temp.mtrk_due_events (like mtrk.simulated_events) on commit drop;
  truncate pg_temp.mtrk_due_events;
  with due as (
    delete from mtrk.simulated_events s
    where s.id in (select d.id from mtrk.simulated_events d where d.due_at <= until order by d.due_at
                   limit max_events for update skip locked)
    returning s.*
  )
  insert into pg_temp.mtrk_due_events select * from due;

  insert into mtrk.events (company_id, campaign_id, message_id, contact_id, link_id, type, bounce_kind, is_machine,
                           machine_reason, source, occurred_at, detail)
  select d.company_id, d.campaign_id, d.message_id, d.contact_id, d.link_id, d.type, d.bounce_kind, d.is_machine,
         d.machine_reason, 'simulator', d.due_at,
         case when d.type = 'unsubscribe' then '{"scope": "global", "via": "simulator"}'::jsonb end
  from pg_temp.mtrk_due_events d
  order by d.due_at;
  get diagnostics released = row_count;

  insert into mtrk.unsubscribes (company_id, contact_id, scope, message_id, source)
  select distinct on (d.contact_id) d.company_id, d.contact_id, 'global', d.message_id, 'simulator'
  from pg_temp.mtrk_due_events d where d.type = 'unsubscribe'
  on conflict do nothing;
  insert into ops.suppression_list (company_id, email, reason, created_by)
  select distinct c.company_id, c.email, 'unsubscribe', null::uuid
  from pg_temp.mtrk_due_events d join mtrk.contacts c on c.id = d.contact_id where d.type = 'unsubscribe'
  on conflict do nothing;
  return released;
end
$$;
comment on function mtrk.release_simulated_events(timestamptz, integer) is
  'SIMULATOR ONLY: moves simulated events due by `until` into mtrk.events (source simulator, occurred_at = due time), set-based; simulated unsubscribes also become global unsubscribes and suppression entries. pg_cron runs it every minute.';

-- ---- policies -------------------------------------------------------------------------------------

alter table mtrk.sender_settings enable row level security;
alter table mtrk.simulated_events enable row level security;

create policy "members read their company's sender settings" on mtrk.sender_settings
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "admins set their company's sender settings" on mtrk.sender_settings
  for insert to authenticated
  with check (company_id = (select core.current_company_id()) and (select core.is_company_admin()));
create policy "admins change their company's sender settings" on mtrk.sender_settings
  for update to authenticated
  using (company_id = (select core.current_company_id()) and (select core.is_company_admin()))
  with check (company_id = (select core.current_company_id()));
create policy "members read their company's simulated events" on mtrk.simulated_events
  for select to authenticated using (company_id = (select core.current_company_id()));

-- ---- grants ---------------------------------------------------------------------------------------

revoke all on mtrk.sender_settings, mtrk.simulated_events from public, anon, authenticated, service_role;
grant select on mtrk.sender_settings, mtrk.simulated_events to authenticated, service_role;
grant insert (company_id, messages_per_minute), update (messages_per_minute) on mtrk.sender_settings to authenticated;

revoke execute on function mtrk._send_rate(uuid), mtrk._plan_simulated_events(bigint[], integer),
  mtrk.start_sending(uuid, text, integer), mtrk.pause_sending(uuid), mtrk.next_send_batch(uuid, integer),
  mtrk.record_send_batch(uuid, jsonb), mtrk.release_simulated_events(timestamptz, integer) from public;
grant execute on function mtrk.start_sending(uuid, text, integer), mtrk.pause_sending(uuid) to authenticated;
grant execute on function mtrk.next_send_batch(uuid, integer), mtrk.record_send_batch(uuid, jsonb),
  mtrk.release_simulated_events(timestamptz, integer) to service_role;

-- ---- cron jobs ------------------------------------------------------------------------------------

select cron.unschedule(j.jobid) from cron.job j where j.jobname in ('email-send-worker', 'mtrk-simulated-events');
select cron.schedule('email-send-worker', '* * * * *', $$select ops.invoke_edge_function('email-send-worker')$$);
select cron.schedule('mtrk-simulated-events', '* * * * *', $$select mtrk.release_simulated_events()$$);
insert into ops.expected_cron_jobs (jobname, does, migration) values
  ('email-send-worker', 'campaigns whose start kick was lost, or that were throttled, stop sending',
   '20261205000300_send_email_campaigns.sql'),
  ('mtrk-simulated-events', 'simulated campaigns never show deliveries, opens or clicks after sending',
   '20261205000300_send_email_campaigns.sql');
