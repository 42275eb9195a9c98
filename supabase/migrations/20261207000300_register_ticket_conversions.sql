-- Ticket conversions (issue 9, seed 002 §4 steps 3-4; decision 0013): a WhatsApp ticket moved to
-- qualified registers `ticket_qualified` → conversion `lead` (Meta LeadSubmitted), moved to won
-- registers `ticket_won` → conversion `purchase` (Meta Purchase with the deal value and currency),
-- through the one contract of decision 0011. event_id = lead-<ticket id> / purchase-<ticket id>.
--
-- What a ticket adds to the contract is its messaging context (lead.ticket_conversion_context): the
-- tracking's ctwa_clid and its time, the number's WhatsApp Business Account and dataset. A conversion
-- with a messaging channel is a CAPI for Business Messaging event: matched by ctwa_clid alone (none ⇒
-- skipped no_click_id, shown as SKIPPED_NO_CTWA; never source_id in its place), sent to the number's
-- dataset, and deduplicated against the lead's other WhatsApp conversions of the same name only
-- (LeadSubmitted once per lead: SKIPPED_DUPLICATE_LEAD; every won ticket is a purchase).

-- ---- the contract learns messaging context ------------------------------------------------------

alter table core_marketing.conversion_sources
  add column context_view text,
  add constraint context_view_is_qualified check (context_view ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$');
comment on column core_marketing.conversion_sources.context_view is
  'Optional view (id = the record''s id) adding messaging context to its conversions: ctwa_clid, ctwa_clicked_at, messaging_channel, whatsapp_business_account_id, pixel_config_id.';

alter table core_marketing.conversions
  add column ctwa_clicked_at timestamptz,
  add column messaging_channel text,
  add column whatsapp_business_account_id text,
  add column pixel_config_id uuid,
  add constraint messaging_channel_is_known check (messaging_channel in ('whatsapp')),
  add constraint messaging_has_waba check (messaging_channel is null or whatsapp_business_account_id ~ '^[0-9]{5,30}$'),
  add constraint dataset_belongs_to_company foreign key (company_id, pixel_config_id)
    references core_marketing.pixel_configs (company_id, id) on delete set null (pixel_config_id);
comment on column core_marketing.conversions.messaging_channel is
  'whatsapp: a CAPI for Business Messaging event (action_source business_messaging, user_data { whatsapp_business_account_id, ctwa_clid }).';
comment on column core_marketing.conversions.pixel_config_id is 'The dataset the record''s context names (a WhatsApp number''s); null: the mapping''s pixel or the oldest active one.';
create index idx_conversions_pixel_config_id on core_marketing.conversions (pixel_config_id) where pixel_config_id is not null;

alter table core_marketing.conversion_mappings add column skip_duplicates boolean not null default true;
comment on column core_marketing.conversion_mappings.skip_duplicates is
  'When true a conversion is skipped (duplicate) if the same lead already has one of this name on the platform (from another record, same messaging channel). Won tickets: false (every sale counts).';
grant update (skip_duplicates) on core_marketing.conversion_mappings to authenticated;

create or replace function core_marketing._register_conversions(source_table text, business_event text, items jsonb,
                                                     answer boolean default true)
returns table (conversion_id uuid, source_id uuid, event_id text, created boolean)
language plpgsql security definer set search_path = ''
as $$
#variable_conflict use_column
declare
  source core_marketing.conversion_sources;
  records jsonb;
  new_ids uuid[];
  meta_messages jsonb[];
  platform_messages jsonb[];
begin
  select s.* into source from core_marketing.conversion_sources s where s.source_table = _register_conversions.source_table;
  if source.source_table is null then
    raise exception 'unknown conversion source %', _register_conversions.source_table
      using errcode = 'PT422', hint = 'unknown_source';
  end if;
  if jsonb_typeof(items) is distinct from 'array' then
    raise exception 'items must be a JSON array' using errcode = 'PT422', hint = 'invalid_items';
  end if;
  if exists (select 1 from jsonb_array_elements(items) i
             where (i.value ->> 'value') is not null and (i.value ->> 'value')::numeric < 0) then
    raise exception 'a conversion value cannot be negative' using errcode = 'PT422', hint = 'negative_value';
  end if;
  if exists (select 1 from jsonb_array_elements(items) i
             where (i.value ->> 'currency') is not null and (i.value ->> 'currency') !~ '^[A-Z]{3}$') then
    raise exception 'currency must be an ISO 4217 code such as BRL' using errcode = 'PT422', hint = 'invalid_currency';
  end if;

  -- The company (and the lead) come from the record itself, never from the caller. Items are joined
  -- to the records here, by the table's primary key (an index lookup per item): joining two jsonb
  -- lists later would be a nested loop over both (quadratic for a statement of many rows).
  -- A source with a context view (WhatsApp tickets) also brings each record's messaging context: the
  -- ctwa_clid and its time, the dataset and the WhatsApp Business Account (decision 0013).
  execute format(
    $q$select coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                'id', r.id, 'company_id', r.company_id, 'lead_id', %s, 'value', i.value, 'currency', i.currency,
                'occurred_at', coalesce(i.occurred_at, now()), 'context', %s))), '[]'::jsonb)
       from jsonb_to_recordset($1) as i (source_id uuid, value numeric(14, 2), currency text, occurred_at timestamptz)
       join %s r on r.id = i.source_id
       %s$q$,
    case when source.lead_column is null then 'null::uuid' else 'r.' || quote_ident(source.lead_column) end,
    case when source.context_view is null then 'null::jsonb' else 'to_jsonb(x)' end,
    (select format('%I.%I', split_part(source.source_table, '.', 1), split_part(source.source_table, '.', 2))),
    case when source.context_view is null then ''
         else format('left join %I.%I x on x.id = r.id', split_part(source.context_view, '.', 1), split_part(source.context_view, '.', 2)) end)
    into records
    using items;

  with record as (
    select r.id as source_id, r.company_id, r.lead_id, r.value, r.currency, r.occurred_at, r.context
    from jsonb_to_recordset(records) as r (id uuid, company_id uuid, lead_id uuid, value numeric(14, 2), currency text,
                                           occurred_at timestamptz, context jsonb)
  ),
  candidate as (
    select distinct on (r.source_id) r.source_id, r.company_id, r.lead_id, m.conversion_name, m.send_value,
           r.value, r.currency, r.occurred_at, r.context
    from record r
    join core_marketing.conversion_mappings m
      on m.company_id = r.company_id and m.business_event = _register_conversions.business_event and m.is_active
    order by r.source_id
  ),
  inserted as (
    insert into core_marketing.conversions (company_id, source_table, source_id, lead_id, business_event, conversion_name,
                                            event_id, value, currency, occurred_at, fbclid, fbc, fbp, gclid, gbraid, wbraid,
                                            ttclid, li_fat_id, client_user_agent, event_source_url, email_hash, phone_hash,
                                            external_id_hash, ctwa_clid, ctwa_clicked_at, messaging_channel,
                                            whatsapp_business_account_id, pixel_config_id)
    select c.company_id, _register_conversions.source_table, c.source_id, c.lead_id, _register_conversions.business_event,
           c.conversion_name, c.conversion_name || '-' || c.source_id,
           case when c.send_value then coalesce(c.value, 0) end,
           case when c.send_value then coalesce(c.currency, 'BRL') end,
           c.occurred_at,
           case when clicks.ids -> 'meta' ->> 'kind' = 'fbclid' then clicks.ids -> 'meta' ->> 'click_id' end,
           -- fbc as captured by the snippet; else built from the fbclid and the click's time (ms).
           coalesce(clicks.ids -> 'meta' ->> 'fbc',
                    case when clicks.ids -> 'meta' ->> 'kind' = 'fbclid'
                         then 'fb.1.' || floor(extract(epoch from (clicks.ids -> 'meta' ->> 'clicked_at')::timestamptz) * 1000)::bigint
                              || '.' || (clicks.ids -> 'meta' ->> 'click_id') end),
           clicks.ids -> 'meta' ->> 'fbp',
           case when clicks.ids -> 'google_ads' ->> 'kind' = 'gclid' then clicks.ids -> 'google_ads' ->> 'click_id' end,
           case when clicks.ids -> 'google_ads' ->> 'kind' = 'gbraid' then clicks.ids -> 'google_ads' ->> 'click_id' end,
           case when clicks.ids -> 'google_ads' ->> 'kind' = 'wbraid' then clicks.ids -> 'google_ads' ->> 'click_id' end,
           clicks.ids -> 'tiktok' ->> 'click_id', clicks.ids -> 'linkedin' ->> 'click_id',
           clicks.ids -> 'meta' ->> 'user_agent', clicks.ids -> 'meta' ->> 'page_url',
           l.email_hash, l.phone_hash, case when c.lead_id is not null then lead.sha256_hex(c.lead_id::text) end,
           c.context ->> 'ctwa_clid', (c.context ->> 'ctwa_clicked_at')::timestamptz, c.context ->> 'messaging_channel',
           c.context ->> 'whatsapp_business_account_id', (c.context ->> 'pixel_config_id')::uuid
    from candidate c
    left join lead.leads l on l.id = c.lead_id and l.company_id = c.company_id
    -- Per platform, the last click before the conversion.
    left join lateral (
      select jsonb_object_agg(k.platform, jsonb_strip_nulls(jsonb_build_object(
               'click_id', k.click_id, 'kind', k.click_kind, 'clicked_at', k.clicked_at, 'fbc', k.fbc, 'fbp', k.fbp,
               'user_agent', k.user_agent, 'page_url', k.page_url))) as ids
      from (select distinct on (k.platform) k.platform, k.click_id, k.click_kind, k.clicked_at, k.fbc, k.fbp, k.user_agent, k.page_url
            from core_marketing.lead_click_ids k
            where k.lead_id = c.lead_id and k.clicked_at <= c.occurred_at
            order by k.platform, k.clicked_at desc) k
    ) clicks on true
    on conflict on constraint once_per_source_and_name do nothing
    returning id
  )
  select array_agg(inserted.id) into new_ids from inserted;

  if new_ids is not null then
    with conversion as (
      select v.* from core_marketing.conversions v where v.id = any (new_ids)
    ),
    target as (
      -- One row per conversion and platform its mapping names.
      select v.id as conversion_id, v.company_id, v.lead_id, v.conversion_name, v.occurred_at, p.platform,
             p.click_id, p.has_match_key, coalesce(v.pixel_config_id, m.pixel_config_id) as mapped_pixel_id,
             v.messaging_channel, v.ctwa_clicked_at, m.skip_duplicates
      from conversion v
      join core_marketing.conversion_mappings m on m.company_id = v.company_id and m.business_event = v.business_event
      cross join lateral (values
          -- Business Messaging (WhatsApp) events are matched by ctwa_clid alone: none ⇒ not sent (seed 002).
          ('meta', m.meta_event_name is not null,
           case when v.messaging_channel is not null then v.ctwa_clid else coalesce(v.fbclid, v.fbc, v.fbp) end,
           v.messaging_channel is null and (v.email_hash is not null or v.phone_hash is not null)),
          ('google_ads', m.google_conversion_action_id is not null, coalesce(v.gclid, v.gbraid, v.wbraid), false),
          ('tiktok', m.tiktok_event_name is not null, v.ttclid, false),
          ('linkedin', m.linkedin_rule_id is not null, v.li_fat_id, false),
          ('webhook', m.send_to_webhook, null::text, true))
        as p (platform, wanted, click_id, has_match_key)
      where p.wanted
    ),
    decided as (
      select t.*, px.id as pixel_config_id, acct.id as platform_account_id, coalesce(k.clicked_at, t.ctwa_clicked_at) as clicked_at,
             case
               when px.id is null and acct.id is null then 'no_active_pixel'
               when t.skip_duplicates and exists (
                      select 1 from core_marketing.conversions o
                      join core_marketing.conversion_deliveries od on od.conversion_id = o.id and od.platform = t.platform
                      where o.company_id = t.company_id and o.lead_id = t.lead_id and o.conversion_name = t.conversion_name
                        and o.messaging_channel is not distinct from t.messaging_channel
                        and o.id <> t.conversion_id and od.status <> 'skipped') then 'duplicate'
               when t.click_id is null and (w.require_click_id or not t.has_match_key) then 'no_click_id'
               when coalesce(k.clicked_at, t.ctwa_clicked_at) < t.occurred_at - make_interval(days => w.click_window_days)
                 then 'outside_window'
               when w.upload_limit_days is not null and t.occurred_at < now() - make_interval(days => w.upload_limit_days)
                 then 'outside_window'
             end as skip_reason
      from target t
      join core_marketing.attribution_windows w on w.company_id = t.company_id and w.platform = t.platform
      left join lateral (select p.id from core_marketing.pixel_configs p
                         where t.platform = 'meta' and p.company_id = t.company_id and p.is_active
                           and p.token_status in ('unverified', 'valid')
                           and (t.mapped_pixel_id is null or p.id = t.mapped_pixel_id)
                         order by p.created_at, p.id limit 1) px on true
      left join lateral (select a.id from core_marketing.platform_accounts a
                         where t.platform <> 'meta' and a.company_id = t.company_id and a.platform = t.platform
                           and a.is_active and a.credentials_status in ('unverified', 'valid')
                         order by a.created_at, a.id limit 1) acct on true
      left join lateral (select k.clicked_at from core_marketing.lead_click_ids k
                         where k.lead_id = t.lead_id and k.platform = t.platform and k.click_id = t.click_id
                         order by k.clicked_at desc limit 1) k on true
    ),
    delivered as (
      insert into core_marketing.conversion_deliveries (company_id, conversion_id, platform, pixel_config_id,
                                                        platform_account_id, status, skip_reason, click_id, clicked_at,
                                                        queued_at)
      select d.company_id, d.conversion_id, d.platform, d.pixel_config_id, d.platform_account_id,
             case when d.skip_reason is null then 'pending' else 'skipped' end, d.skip_reason, d.click_id, d.clicked_at,
             case when d.skip_reason is null then now() end
      from decided d
      returning id, company_id, platform, status
    )
    select array_agg(jsonb_build_object('delivery_id', d.id, 'company_id', d.company_id, 'platform', d.platform)
                     order by d.id) filter (where d.status = 'pending' and d.platform = 'meta'),
           array_agg(jsonb_build_object('delivery_id', d.id, 'company_id', d.company_id, 'platform', d.platform)
                     order by d.id) filter (where d.status = 'pending' and d.platform <> 'meta')
      into meta_messages, platform_messages
    from delivered d;

    insert into ops.domain_events (company_id, event_type, aggregate_type, aggregate_id, payload)
    select v.company_id, 'ConversionEventQueued', 'conversion', v.id,
           jsonb_build_object('event_id', v.event_id, 'conversion_name', v.conversion_name, 'source_table', v.source_table,
                              'source_id', v.source_id,
                              'deliveries', (select coalesce(jsonb_object_agg(d.platform, coalesce(d.skip_reason, d.status)), '{}'::jsonb)
                                             from core_marketing.conversion_deliveries d where d.conversion_id = v.id))
    from core_marketing.conversions v
    where v.id = any (new_ids);

    perform core_marketing._enqueue_deliveries(meta_messages, platform_messages);
  end if;

  -- The answer (one row per record) is for register_conversion's single record; triggers skip it.
  if not answer then
    return;
  end if;
  return query
  select v.id, v.source_id, v.event_id, v.id = any (coalesce(new_ids, '{}'))
  from core_marketing.conversions v
  join jsonb_array_elements(records) r on (r.value ->> 'id')::uuid = v.source_id
  where v.source_table = _register_conversions.source_table and v.business_event = _register_conversions.business_event;
end
$$;

-- ---- tickets as a conversion source ---------------------------------------------------------------

create view lead.ticket_conversion_context with (security_invoker = true) as
  select t.id, k.ctwa_clid, k.referral_at as ctwa_clicked_at, 'whatsapp'::text as messaging_channel,
         n.whatsapp_business_account_id, n.pixel_config_id
  from lead.tickets t
  join core_marketing.whatsapp_numbers n on n.id = t.whatsapp_number_id
  left join lead.ticket_tracking k on k.ticket_id = t.id;
comment on view lead.ticket_conversion_context is
  'The messaging context register_conversion adds to a ticket''s conversions: its last touch''s ctwa_clid and time, and its number''s WABA and dataset.';
grant select on lead.ticket_conversion_context to service_role;

insert into core_marketing.conversion_sources (source_table, lead_column, description, context_view)
values ('lead.tickets', 'lead_id', 'WhatsApp tickets: ticket_qualified (LeadSubmitted), ticket_won (Purchase with the deal value)',
        'lead.ticket_conversion_context');

create function core_marketing._add_ticket_conversion_defaults(company_ids uuid[]) returns void
language plpgsql security definer set search_path = ''
as $$
begin
  insert into core_marketing.conversion_mappings (company_id, business_event, conversion_name, send_value, meta_event_name, skip_duplicates)
  select c.id, m.business_event, m.conversion_name, m.send_value, m.meta_event_name, m.skip_duplicates
  from unnest(company_ids) as c (id)
  cross join (values ('ticket_qualified', 'lead', false, 'LeadSubmitted', true),
                     ('ticket_won', 'purchase', true, 'Purchase', false))
    as m (business_event, conversion_name, send_value, meta_event_name, skip_duplicates)
  on conflict do nothing;
end
$$;
comment on function core_marketing._add_ticket_conversion_defaults(uuid[]) is
  'The ticket mappings of seed 002: ticket_qualified → lead (LeadSubmitted), ticket_won → purchase (Purchase with value; every sale counts).';

create function core_marketing._create_ticket_conversion_defaults() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform core_marketing._add_ticket_conversion_defaults(array(select n.id from new_companies n));
  return null;
end
$$;
create trigger companies_create_ticket_conversion_defaults after insert on core.companies
  referencing new table as new_companies
  for each statement execute function core_marketing._create_ticket_conversion_defaults();
select core_marketing._add_ticket_conversion_defaults(array(select c.id from core.companies c));

create function lead._ticket_changed_conversions() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  qualified jsonb;
  won jsonb;
begin
  select jsonb_agg(jsonb_build_object('source_id', n.id)) into qualified
  from new_rows n join old_rows o on o.id = n.id
  where n.stage = 'qualified' and o.stage is distinct from 'qualified';
  select jsonb_agg(jsonb_build_object('source_id', n.id, 'value', coalesce(n.deal_value, 0), 'currency', n.currency)) into won
  from new_rows n join old_rows o on o.id = n.id
  where n.stage = 'won' and o.stage is distinct from 'won';
  if qualified is not null then
    perform core_marketing._register_conversions('lead.tickets', 'ticket_qualified', qualified, false);
  end if;
  if won is not null then
    perform core_marketing._register_conversions('lead.tickets', 'ticket_won', won, false);
  end if;
  return null;
end
$$;
comment on function lead._ticket_changed_conversions() is
  'After update on lead.tickets (statement level): stage → qualified registers ticket_qualified, → won registers ticket_won with deal_value and currency.';
create trigger tickets_register_changed_conversions after update on lead.tickets
  referencing old table as old_rows new table as new_rows
  for each statement execute function lead._ticket_changed_conversions();

-- ---- what a ticket shows ----------------------------------------------------------------------------

create view lead.ticket_conversions with (security_invoker = true) as
  select v.source_id as ticket_id, v.company_id, v.id as conversion_id, v.business_event, v.conversion_name, v.event_id,
         m.meta_event_name as event_name, v.value, v.currency, v.ctwa_clid, v.occurred_at,
         case
           when d.id is null then 'SKIPPED_NO_DATASET'
           when d.status in ('pending', 'processing') then 'PENDING'
           when d.status = 'sent' then 'SENT'
           when d.status = 'failed' then 'FAILED'
           when d.skip_reason = 'no_click_id' then 'SKIPPED_NO_CTWA'
           when d.skip_reason = 'duplicate' then 'SKIPPED_DUPLICATE_LEAD'
           when d.skip_reason = 'no_active_pixel' then 'SKIPPED_NO_DATASET'
           else 'SKIPPED_OUTSIDE_WINDOW'
         end as status,
         d.id as delivery_id, d.attempts, d.last_error, d.platform_trace_id as fbtrace_id, d.sent_at
  from core_marketing.conversions v
  left join core_marketing.conversion_mappings m on m.company_id = v.company_id and m.business_event = v.business_event
  left join core_marketing.conversion_deliveries d on d.conversion_id = v.id and d.platform = 'meta'
  where v.source_table = 'lead.tickets';
comment on view lead.ticket_conversions is
  'Seed 002 MetaConversionEvent, derived: a ticket''s LeadSubmitted / Purchase with its status PENDING | SENT | FAILED | SKIPPED_NO_CTWA | SKIPPED_DUPLICATE_LEAD | SKIPPED_NO_DATASET | SKIPPED_OUTSIDE_WINDOW.';
grant select on lead.ticket_conversions to authenticated, service_role;

-- The console's command: move a ticket (as the caller, under RLS: editors of its company) and answer
-- the ticket with the conversions the move registered.
create function lead.move_ticket(ticket_id uuid, stage text, deal_value numeric default null, currency text default null)
returns jsonb
language plpgsql security invoker set search_path = ''
as $$
declare
  moved lead.tickets;
begin
  if stage is null or stage not in ('new', 'qualified', 'won', 'lost') then
    raise exception 'stage must be new, qualified, won or lost' using errcode = 'PT422', hint = 'invalid_stage';
  end if;
  if stage = 'won' and deal_value is null then
    raise exception 'a won ticket needs its deal value' using errcode = 'PT422', hint = 'deal_value_required';
  end if;
  if deal_value < 0 then
    raise exception 'the deal value cannot be negative' using errcode = 'PT422', hint = 'negative_value';
  end if;
  if currency !~ '^[A-Z]{3}$' then
    raise exception 'currency must be an ISO 4217 code such as BRL' using errcode = 'PT422', hint = 'invalid_currency';
  end if;
  update lead.tickets t
  set stage = move_ticket.stage, deal_value = coalesce(move_ticket.deal_value, t.deal_value),
      currency = coalesce(move_ticket.currency, t.currency)
  where t.id = move_ticket.ticket_id
  returning t.* into moved;
  if moved.id is null then
    raise exception 'ticket % not found', ticket_id using errcode = 'PT404', hint = 'ticket_not_found';
  end if;
  return jsonb_build_object(
    'ticket_id', moved.id, 'stage', moved.stage, 'deal_value', moved.deal_value, 'currency', moved.currency,
    'conversions', (select coalesce(jsonb_agg(jsonb_build_object('event_name', c.event_name, 'event_id', c.event_id, 'status', c.status)
                                              order by c.occurred_at), '[]'::jsonb)
                    from lead.ticket_conversions c where c.ticket_id = moved.id));
end
$$;
comment on function lead.move_ticket(uuid, text, numeric, text) is
  'MoveTicket: sets a ticket''s stage (won: with deal_value, currency) as the caller (RLS: editors of its company), which registers LeadSubmitted / Purchase; answers the ticket''s conversions. Errors: PT404 ticket_not_found (also another company''s), PT422 invalid_stage, deal_value_required, negative_value, invalid_currency.';

revoke execute on function core_marketing._add_ticket_conversion_defaults(uuid[]), core_marketing._create_ticket_conversion_defaults(),
  lead._ticket_changed_conversions(), lead.move_ticket(uuid, text, numeric, text) from public, anon, authenticated;
grant execute on function lead.move_ticket(uuid, text, numeric, text) to authenticated, service_role;
