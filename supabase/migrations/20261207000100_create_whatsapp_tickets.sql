-- WhatsApp Click-to-WhatsApp attribution (issue 9, seed 002; BLUEPRINT §6.4; decision 0013): the
-- company's WhatsApp numbers (phone_number_id → company, WhatsApp Business Account, the dataset that
-- receives CAPI for Business Messaging), how long an idle ticket stays open, the tickets (one WhatsApp
-- conversation with a lead of origin whatsapp), their tracking (seed 002 TicketTracking: the last
-- touch's ad, ctwa_clid and the enrichment state), the attribution history, and every inbound message
-- kept once by its wamid. The queue `meta_enrichment` carries { company_id, ticket_tracking_id,
-- meta_ad_id } (packages/contracts/src/whatsapp.ts) to meta-sync-worker.
--
--   Meta → whatsapp-webhook (X-Hub-Signature-256 over the raw body)
--     → lead.ingest_whatsapp_messages(messages)   one call: messages, leads, tickets, tracking, history
--       → pgmq meta_enrichment                    when a ticket's ad is new or changed
--         → meta-sync-worker → lead.record_ticket_enrichment (race guard on meta_ad_id_at_enrichment)

-- ---- settings -------------------------------------------------------------------------------------

create table core_marketing.whatsapp_numbers (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references core.companies (id) on delete cascade,
  phone_number_id text not null,
  whatsapp_business_account_id text not null,
  display_phone_number text,
  label text not null default 'WhatsApp',
  pixel_config_id uuid,
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint phone_number_id_is_numeric check (phone_number_id ~ '^[0-9]{5,30}$'),
  constraint waba_id_is_numeric check (whatsapp_business_account_id ~ '^[0-9]{5,30}$'),
  constraint display_phone_number_is_sane check (length(display_phone_number) <= 40),
  constraint label_is_not_blank check (length(btrim(label)) between 1 and 120),
  constraint one_company_per_number unique (phone_number_id),
  constraint whatsapp_numbers_company_id_and_id_are_unique unique (company_id, id),
  constraint dataset_belongs_to_company foreign key (company_id, pixel_config_id)
    references core_marketing.pixel_configs (company_id, id) on delete set null (pixel_config_id)
);
comment on table core_marketing.whatsapp_numbers is
  'A company''s WhatsApp Cloud API numbers: the webhook''s value.metadata.phone_number_id says which company a message belongs to (unknown or inactive numbers are ignored). whatsapp_business_account_id goes into CAPI for Business Messaging user_data.';
comment on column core_marketing.whatsapp_numbers.pixel_config_id is
  'The dataset linked to this WABA that receives LeadSubmitted / Purchase (a pixel_configs row: its token is sealed there by conversion-settings). Null: the ticket mapping''s pixel, else the company''s oldest active pixel.';

create table core_marketing.whatsapp_settings (
  company_id uuid primary key references core.companies (id) on delete cascade,
  ticket_expiration_days integer not null default 7,
  updated_at timestamptz not null default now(),
  constraint ticket_expiration_is_sane check (ticket_expiration_days between 1 and 365)
);
comment on table core_marketing.whatsapp_settings is
  'Per company: an open ticket whose last message is older than ticket_expiration_days is closed as expired when the contact writes again, and a new ticket is opened (seed 002 ticketExpirationDays). No row: 7 days.';

-- ---- tickets --------------------------------------------------------------------------------------

create table lead.tickets (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references core.companies (id) on delete cascade,
  lead_id uuid not null,
  whatsapp_number_id uuid,
  contact_wa_id text,
  contact_name text,
  status text not null default 'open',
  stage text not null default 'new',
  deal_value numeric(14, 2),
  currency text not null default 'BRL',
  opened_at timestamptz not null default now(),
  last_message_at timestamptz not null default now(),
  closed_at timestamptz,
  stage_changed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint status_is_known check (status in ('open', 'closed', 'expired')),
  constraint stage_is_known check (stage in ('new', 'qualified', 'won', 'lost')),
  constraint closed_has_closed_at check ((status = 'open') = (closed_at is null)),
  constraint deal_value_is_not_negative check (deal_value >= 0),
  constraint currency_is_iso_4217 check (currency ~ '^[A-Z]{3}$'),
  constraint contact_wa_id_is_digits check (contact_wa_id ~ '^[0-9]{7,20}$'),
  constraint contact_name_is_sane check (length(contact_name) <= 300),
  constraint tickets_company_id_and_id_are_unique unique (company_id, id),
  constraint lead_belongs_to_company foreign key (company_id, lead_id) references lead.leads (company_id, id) on delete cascade,
  constraint number_belongs_to_company foreign key (company_id, whatsapp_number_id)
    references core_marketing.whatsapp_numbers (company_id, id) on delete set null (whatsapp_number_id)
);
comment on table lead.tickets is
  'A WhatsApp conversation (seed 002 Ticket) with a lead of origin whatsapp, on one of the company''s numbers: open until closed or expired (no message for ticket_expiration_days when the contact writes again). Stage qualified registers LeadSubmitted, won registers Purchase with deal_value (register_conversion).';
comment on column lead.tickets.contact_wa_id is 'The contact''s WhatsApp id (messages[].from, digits); null after ops.erase_subject.';

create table lead.ticket_tracking (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null,
  ticket_id uuid not null,
  lead_id uuid not null,
  ctwa_clid text,
  meta_ad_id text,
  meta_adset_id text,
  meta_campaign_id text,
  meta_account_id text,
  meta_ad_name text,
  meta_adset_name text,
  meta_campaign_name text,
  meta_placement text,
  meta_source_type text,
  source_url text,
  headline text,
  referral_at timestamptz,
  meta_enrichment_status text,
  meta_enrichment_error text,
  last_enrichment_at timestamptz,
  meta_ad_id_at_enrichment text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint one_tracking_per_ticket unique (ticket_id),
  constraint ticket_tracking_company_id_and_id_are_unique unique (company_id, id),
  constraint ticket_belongs_to_company foreign key (company_id, ticket_id) references lead.tickets (company_id, id) on delete cascade,
  constraint enrichment_status_is_known check (meta_enrichment_status in ('PENDING', 'COMPLETED', 'FAILED')),
  constraint enrichment_needs_an_ad check (meta_enrichment_status is null or meta_ad_id is not null),
  constraint ids_are_numeric check (meta_ad_id ~ '^[0-9]{1,30}$' and meta_adset_id ~ '^[0-9]{1,30}$'
                                    and meta_campaign_id ~ '^[0-9]{1,30}$' and meta_ad_id_at_enrichment ~ '^[0-9]{1,30}$'),
  constraint texts_have_sane_lengths check (
    length(ctwa_clid) <= 512 and length(meta_account_id) <= 40 and length(meta_ad_name) <= 500 and length(meta_adset_name) <= 500
    and length(meta_campaign_name) <= 500 and length(meta_placement) <= 32 and length(meta_source_type) <= 32
    and length(source_url) <= 2048 and length(headline) <= 1024 and length(meta_enrichment_error) <= 2000)
);
comment on table lead.ticket_tracking is
  'Seed 002 TicketTracking, one per ticket, the source of truth of its attribution: the last touch''s ctwa_clid and ad (referral.source_id = meta_ad_id, source_type, media_type = meta_placement), the names enrichment fills (ad, ad set, campaign, account) and its state.';
comment on column lead.ticket_tracking.ctwa_clid is
  'referral.ctwa_clid of the last touch, exactly as received; null when the referral had none (status ads). Never filled from source_id.';
comment on column lead.ticket_tracking.meta_enrichment_status is
  'PENDING (queued on meta_enrichment), COMPLETED, FAILED (meta_enrichment_error says why); null when there is no ad to enrich (organic conversation).';
comment on column lead.ticket_tracking.meta_ad_id_at_enrichment is
  'The ad id the names were fetched for: enrichment writes only while meta_ad_id still equals it (an ad change meanwhile is never overwritten with stale names).';

create table lead.attribution_history (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null,
  ticket_id uuid not null,
  old_ad_id text,
  new_ad_id text,
  old_ctwa_clid text,
  new_ctwa_clid text,
  wamid text,
  changed_at timestamptz not null default now(),
  constraint ticket_belongs_to_company foreign key (company_id, ticket_id) references lead.tickets (company_id, id) on delete cascade
);
comment on table lead.attribution_history is
  'Seed 002 MetaAttributionHistory: every change of an open ticket''s ad (last touch), with the message that brought it.';

create table lead.whatsapp_messages (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null,
  whatsapp_number_id uuid,
  ticket_id uuid not null,
  lead_id uuid not null,
  wamid text not null,
  from_wa_id text,
  message_type text,
  sent_at timestamptz not null,
  referral jsonb,
  received_at timestamptz not null default now(),
  constraint wamid_once unique (wamid),
  constraint wamid_is_sane check (length(wamid) between 1 and 256),
  constraint from_wa_id_is_digits check (from_wa_id ~ '^[0-9]{7,20}$'),
  constraint message_type_is_sane check (length(message_type) <= 40),
  constraint referral_is_an_object check (jsonb_typeof(referral) = 'object'),
  constraint ticket_belongs_to_company foreign key (company_id, ticket_id) references lead.tickets (company_id, id) on delete cascade
);
comment on table lead.whatsapp_messages is
  'Every inbound WhatsApp message, once per wamid (Meta retries deliveries: a second delivery of the same wamid changes nothing). Keeps the sender, type, time and the referral, not the message text.';

-- ---- indexes --------------------------------------------------------------------------------------

create unique index idx_tickets_one_open_per_contact on lead.tickets (whatsapp_number_id, contact_wa_id) where status = 'open';
create index idx_tickets_company_id_last_message_at on lead.tickets (company_id, last_message_at desc);
create index idx_tickets_company_id_status_stage on lead.tickets (company_id, status, stage, last_message_at desc);
create index idx_tickets_lead_id on lead.tickets (lead_id);
create index idx_tickets_whatsapp_number_id on lead.tickets (whatsapp_number_id);
create index idx_ticket_tracking_lead_id on lead.ticket_tracking (lead_id);
create index idx_ticket_tracking_company_id_meta_ad_id on lead.ticket_tracking (company_id, meta_ad_id) where meta_ad_id is not null;
create index idx_attribution_history_ticket_id on lead.attribution_history (ticket_id, changed_at);
create index idx_attribution_history_company_id on lead.attribution_history (company_id, changed_at desc);
create index idx_whatsapp_messages_ticket_id on lead.whatsapp_messages (ticket_id, sent_at);
create index idx_whatsapp_messages_lead_id on lead.whatsapp_messages (lead_id);
create index idx_whatsapp_messages_company_id on lead.whatsapp_messages (company_id, received_at desc);
create index idx_whatsapp_numbers_pixel_config_id on core_marketing.whatsapp_numbers (pixel_config_id) where pixel_config_id is not null;
create index idx_leads_company_id_phone_hash_whatsapp on lead.leads (company_id, phone_hash) where origin = 'whatsapp';

-- ---- queue ----------------------------------------------------------------------------------------
-- Messages: { "company_id": uuid, "ticket_tracking_id": uuid, "meta_ad_id": "<digits>" }
-- (MetaEnrichmentMessageSchema); consumed by meta-sync-worker.

select pgmq.create('meta_enrichment');

-- ---- enrichment write (for the meta_enrichment consumer) ------------------------------------------

create function lead.record_ticket_enrichment(ticket_tracking_id uuid, meta_ad_id text, result jsonb) returns boolean
language plpgsql security definer set search_path = ''
as $$
declare
  applied integer;
begin
  if result ->> 'status' not in ('COMPLETED', 'FAILED') then
    raise exception 'result.status must be COMPLETED or FAILED' using errcode = 'PT422', hint = 'invalid_enrichment';
  end if;
  update lead.ticket_tracking t set
    meta_enrichment_status = result ->> 'status',
    meta_enrichment_error = case when result ->> 'status' = 'FAILED' then left(result ->> 'error', 2000) end,
    meta_ad_name = case when result ->> 'status' = 'COMPLETED' then left(result ->> 'ad_name', 500) else t.meta_ad_name end,
    meta_adset_id = case when result ->> 'status' = 'COMPLETED' then result ->> 'adset_id' else t.meta_adset_id end,
    meta_adset_name = case when result ->> 'status' = 'COMPLETED' then left(result ->> 'adset_name', 500) else t.meta_adset_name end,
    meta_campaign_id = case when result ->> 'status' = 'COMPLETED' then result ->> 'campaign_id' else t.meta_campaign_id end,
    meta_campaign_name = case when result ->> 'status' = 'COMPLETED' then left(result ->> 'campaign_name', 500) else t.meta_campaign_name end,
    meta_account_id = case when result ->> 'status' = 'COMPLETED' then result ->> 'account_id' else t.meta_account_id end,
    meta_ad_id_at_enrichment = record_ticket_enrichment.meta_ad_id,
    last_enrichment_at = now()
  where t.id = record_ticket_enrichment.ticket_tracking_id and t.meta_ad_id = record_ticket_enrichment.meta_ad_id;
  get diagnostics applied = row_count;
  return applied = 1;
end
$$;
comment on function lead.record_ticket_enrichment(uuid, text, jsonb) is
  'meta_enrichment consumer only: writes what enrichment found for meta_ad_id (TicketEnrichmentResult: COMPLETED with the names, or FAILED with the error), only while the tracking still points at that ad (race guard). Returns false when the ad changed meanwhile (the newer message is already queued).';

-- ---- personal data (ops.erase_subject, decision 0010) ---------------------------------------------

insert into ops.personal_data_locations
  (table_name, match_column, match_as, null_columns, clear_json_columns, position, registered_by)
values
  ('lead.tickets', 'lead_id', 'lead_id', array['contact_wa_id', 'contact_name'], '{}', 50, '20261207000100_create_whatsapp_tickets.sql'),
  ('lead.ticket_tracking', 'lead_id', 'lead_id', array['ctwa_clid', 'source_url'], '{}', 51, '20261207000100_create_whatsapp_tickets.sql'),
  ('lead.whatsapp_messages', 'lead_id', 'lead_id', array['from_wa_id', 'referral'], '{}', 52,
   '20261207000100_create_whatsapp_tickets.sql');

-- ---- triggers -------------------------------------------------------------------------------------

create trigger whatsapp_numbers_touch_updated_at before update on core_marketing.whatsapp_numbers
  for each row execute function core._touch_updated_at();
create trigger whatsapp_settings_touch_updated_at before update on core_marketing.whatsapp_settings
  for each row execute function core._touch_updated_at();
create trigger tickets_touch_updated_at before update on lead.tickets
  for each row execute function core._touch_updated_at();

create function lead._prepare_ticket() returns trigger
language plpgsql set search_path = ''
as $$
begin
  if new.status = 'open' then
    new.closed_at := null;
  elsif new.closed_at is null then
    new.closed_at := now();
  end if;
  if tg_op = 'UPDATE' and new.stage is distinct from old.stage then
    new.stage_changed_at := now();
  end if;
  return new;
end
$$;
comment on function lead._prepare_ticket() is 'Before insert/update on lead.tickets: closed_at follows the status; stage_changed_at stamps a stage move.';
create trigger tickets_prepare before insert or update of status, stage on lead.tickets
  for each row execute function lead._prepare_ticket();
create trigger ticket_tracking_touch_updated_at before update on lead.ticket_tracking
  for each row execute function core._touch_updated_at();
select ops.attach_audit('core_marketing.whatsapp_numbers');

-- ---- policies -------------------------------------------------------------------------------------

alter table core_marketing.whatsapp_numbers enable row level security;
alter table core_marketing.whatsapp_settings enable row level security;
alter table lead.tickets enable row level security;
alter table lead.ticket_tracking enable row level security;
alter table lead.attribution_history enable row level security;
alter table lead.whatsapp_messages enable row level security;

create policy "members read their company's numbers" on core_marketing.whatsapp_numbers
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "admins add numbers" on core_marketing.whatsapp_numbers
  for insert to authenticated with check (company_id = (select core.current_company_id()) and (select core.is_company_admin()));
create policy "admins change numbers" on core_marketing.whatsapp_numbers
  for update to authenticated using (company_id = (select core.current_company_id()) and (select core.is_company_admin()))
  with check (company_id = (select core.current_company_id()));
create policy "admins remove numbers" on core_marketing.whatsapp_numbers
  for delete to authenticated using (company_id = (select core.current_company_id()) and (select core.is_company_admin()));

create policy "members read their company's WhatsApp settings" on core_marketing.whatsapp_settings
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "admins set their company's WhatsApp settings" on core_marketing.whatsapp_settings
  for insert to authenticated with check (company_id = (select core.current_company_id()) and (select core.is_company_admin()));
create policy "admins change their company's WhatsApp settings" on core_marketing.whatsapp_settings
  for update to authenticated using (company_id = (select core.current_company_id()) and (select core.is_company_admin()))
  with check (company_id = (select core.current_company_id()));

create policy "members read their company's tickets" on lead.tickets
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "editors move their company's tickets" on lead.tickets
  for update to authenticated using (company_id = (select core.current_company_id()) and (select core.is_company_editor()))
  with check (company_id = (select core.current_company_id()));
create policy "members read their company's ticket tracking" on lead.ticket_tracking
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's attribution history" on lead.attribution_history
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's WhatsApp messages" on lead.whatsapp_messages
  for select to authenticated using (company_id = (select core.current_company_id()));

-- ---- grants ---------------------------------------------------------------------------------------

revoke execute on function lead.record_ticket_enrichment(uuid, text, jsonb), lead._prepare_ticket() from public, anon, authenticated;
grant execute on function lead.record_ticket_enrichment(uuid, text, jsonb) to service_role;

grant select on core_marketing.whatsapp_numbers to authenticated;
grant insert (company_id, phone_number_id, whatsapp_business_account_id, display_phone_number, label, pixel_config_id, is_active)
  on core_marketing.whatsapp_numbers to authenticated;
grant update (whatsapp_business_account_id, display_phone_number, label, pixel_config_id, is_active)
  on core_marketing.whatsapp_numbers to authenticated;
grant delete on core_marketing.whatsapp_numbers to authenticated;
grant select, insert (company_id, ticket_expiration_days), update (ticket_expiration_days)
  on core_marketing.whatsapp_settings to authenticated;
grant select on lead.tickets, lead.ticket_tracking, lead.attribution_history, lead.whatsapp_messages to authenticated;
grant update (stage, deal_value, currency, status) on lead.tickets to authenticated;

grant select, insert, update, delete on core_marketing.whatsapp_numbers, core_marketing.whatsapp_settings, lead.tickets,
  lead.ticket_tracking, lead.attribution_history, lead.whatsapp_messages to service_role;
