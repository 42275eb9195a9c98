-- Provider webhooks (issue 10 item 5): email-events verifies the signature and the shape, then hands
-- the batch to mtrk.record_provider_events, which writes it in one statement. The event trigger does
-- the rest: a hard bounce marks the contact bounced, a complaint suppresses it, the third soft bounce
-- too (mtrk._apply_events). A provider event id seen before is not recorded again.
--
-- Error codes: PT422 unknown_message (strict batches: an event names no message of ours).

create function mtrk.record_provider_events(events jsonb, strict boolean default true)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  unknown integer;
  recorded integer;
begin
  if jsonb_typeof(events) is distinct from 'array' then
    raise exception 'events must be an array' using errcode = '22023', hint = 'events_not_an_array';
  end if;
  perform 'PRAGMA:TABLE: mtrk_provider_events (position integer, message_id bigint, company_id uuid, campaign_id uuid, contact_id uuid, type text, bounce_kind text, provider_event_id text, occurred_at timestamptz, detail jsonb)'; -- for plpgsql_check (db lint)
  create temp table if not exists pg_temp.mtrk_provider_events (
    position integer, message_id bigint, company_id uuid, campaign_id uuid, contact_id uuid, type text, bounce_kind text,
    provider_event_id text, occurred_at timestamptz, detail jsonb
  ) on commit drop;
  truncate pg_temp.mtrk_provider_events;
  insert into pg_temp.mtrk_provider_events
  select e.n::integer, m.id, m.company_id, m.campaign_id, m.contact_id, e.value ->> 'type', e.value ->> 'bounce_kind',
         e.value ->> 'provider_event_id', (e.value ->> 'occurred_at')::timestamptz, e.value -> 'detail'
  from jsonb_array_elements(events) with ordinality as e (value, n)
  left join mtrk.messages m
    on m.public_id = (e.value ->> 'message_public_id')::uuid
    or (e.value ->> 'message_public_id' is null and m.provider_message_id = e.value ->> 'provider_message_id');

  select count(*) into unknown from pg_temp.mtrk_provider_events p where p.message_id is null;
  if unknown > 0 and strict then
    raise exception '% event(s) name no message', unknown using errcode = 'PT422', hint = 'unknown_message',
      detail = (select string_agg(p.position::text, ',' order by p.position) from pg_temp.mtrk_provider_events p where p.message_id is null);
  end if;

  insert into mtrk.events (company_id, campaign_id, message_id, contact_id, type, bounce_kind, source, provider_event_id,
                           occurred_at, detail)
  select p.company_id, p.campaign_id, p.message_id, p.contact_id, p.type, p.bounce_kind, 'webhook', p.provider_event_id,
         p.occurred_at, p.detail
  from pg_temp.mtrk_provider_events p
  where p.message_id is not null
  order by p.position
  on conflict (provider_event_id, occurred_at) do nothing;
  get diagnostics recorded = row_count;
  return jsonb_build_object('recorded', recorded, 'duplicates',
                            (select count(*) from pg_temp.mtrk_provider_events p where p.message_id is not null) - recorded,
                            'unknown', unknown);
end
$$;
comment on function mtrk.record_provider_events(jsonb, boolean) is
  'Webhook side, one statement: [{message_public_id | provider_message_id, type delivered|bounce|complaint, bounce_kind, provider_event_id, occurred_at, detail}] → mtrk.events (source webhook). Repeated provider events are skipped. strict: any event naming no message fails the whole batch (PT422 unknown_message); otherwise such events are counted as unknown and left out. Returns {recorded, duplicates, unknown}.';

revoke execute on function mtrk.record_provider_events(jsonb, boolean) from public;
grant execute on function mtrk.record_provider_events(jsonb, boolean) to service_role;
