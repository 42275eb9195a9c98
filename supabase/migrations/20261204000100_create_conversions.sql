-- Conversions (BLUEPRINT §6.3; seeds 000 and 003): the one conversion contract every CRM schema calls,
-- where each conversion is sent (pixels and platform accounts), how long a click counts (attribution
-- windows), what each business event becomes on each platform (mappings), one delivery per conversion
-- and platform, every HTTP attempt (dispatch_log) and the published domain events.
--
--   business event (lead created / qualified / won, heart contract signed, …)
--     → core_marketing.register_conversion(source_table, source_id, business_event, value, currency)
--       → core_marketing.conversions        one row per (source record, conversion name), event_id
--       → core_marketing.conversion_deliveries  one per platform: pending, or skipped with a reason
--       → pgmq conversion_meta / conversion_platforms, ops.domain_events ConversionEventQueued
--       → kick of meta-queue-worker / platform-sync-worker (pg_net, sent after commit)
--
-- Secrets (pixel access tokens, platform credentials, webhook signing secrets) are sealed by the edge
-- function `conversion-settings` with RASTRO_ENCRYPTION_KEY and stored as ciphertext; `authenticated`
-- has no privilege on those columns. See docs/decisions/0011-conversions.md.

-- ---- tables ---------------------------------------------------------------------------------------

create table core_marketing.pixel_configs (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references core.companies (id) on delete cascade,
  name text not null default 'Meta pixel',
  pixel_id text not null,
  access_token_ciphertext text,
  has_access_token boolean generated always as (access_token_ciphertext is not null) stored,
  token_status text not null default 'missing',
  token_error text,
  token_updated_at timestamptz,
  test_event_code text,
  domain text,
  action_source text not null default 'system_generated',
  graph_version text not null default 'v21.0',
  is_active boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint pixel_id_is_numeric check (pixel_id ~ '^[0-9]{5,20}$'),
  constraint name_is_not_blank check (length(btrim(name)) between 1 and 120),
  constraint token_status_is_known check (token_status in ('missing', 'unverified', 'valid', 'invalid')),
  constraint action_source_is_known check (action_source in ('website', 'system_generated', 'physical_store', 'phone_call', 'chat', 'email', 'other')),
  constraint graph_version_is_valid check (graph_version ~ '^v[0-9]{1,3}\.[0-9]$'),
  constraint test_event_code_is_sane check (length(test_event_code) between 1 and 64),
  constraint domain_is_sane check (length(domain) <= 253),
  constraint one_row_per_pixel unique (company_id, pixel_id),
  constraint pixel_configs_company_id_and_id_are_unique unique (company_id, id)
);
comment on table core_marketing.pixel_configs is
  'Meta pixels (datasets) of a company (seed 000 pixel_configs). Only active pixels with a valid or unverified token receive events.';
comment on column core_marketing.pixel_configs.access_token_ciphertext is
  'The Conversions API access token, AES-256-GCM sealed by the conversion-settings function. authenticated has no privilege on it: write-only through that function.';
comment on column core_marketing.pixel_configs.token_status is
  'missing: no token; unverified: stored, not used yet; valid: the last request was accepted; invalid: Meta answered code 190 (sending to this pixel stops until a new token is saved).';
comment on column core_marketing.pixel_configs.action_source is 'action_source of the CAPI events (CRM conversions: system_generated).';

create table core_marketing.platform_accounts (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references core.companies (id) on delete cascade,
  platform text not null,
  name text not null,
  account_ref text not null,
  login_customer_id text,
  credentials_ciphertext text,
  has_credentials boolean generated always as (credentials_ciphertext is not null) stored,
  credentials_status text not null default 'missing',
  status_message text,
  is_active boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint platform_is_known check (platform in ('google_ads', 'tiktok', 'linkedin', 'webhook')),
  constraint name_is_not_blank check (length(btrim(name)) between 1 and 120),
  constraint credentials_status_is_known check (credentials_status in ('missing', 'unverified', 'valid', 'invalid')),
  constraint account_ref_fits_platform check (
    (platform = 'google_ads' and account_ref ~ '^[0-9]{10}$')
    or (platform = 'tiktok' and account_ref ~ '^[A-Za-z0-9]{6,40}$')
    or (platform = 'linkedin' and account_ref ~ '^[0-9]{1,20}$')
    or (platform = 'webhook' and account_ref ~ '^https?://[^[:space:]]{3,}$' and length(account_ref) <= 2000)),
  constraint login_customer_id_is_google check (login_customer_id is null or (platform = 'google_ads' and login_customer_id ~ '^[0-9]{10}$')),
  constraint one_row_per_account unique (company_id, platform, account_ref),
  constraint platform_accounts_company_id_and_id_are_unique unique (company_id, id)
);
comment on table core_marketing.platform_accounts is
  'Where conversions go besides Meta: a Google Ads customer, a TikTok pixel, a LinkedIn ad account, or the company''s own conversion service (signed webhook).';
comment on column core_marketing.platform_accounts.account_ref is
  'google_ads: customer id (10 digits); tiktok: pixel code (event_source_id); linkedin: ad account id; webhook: the URL conversions are POSTed to.';
comment on column core_marketing.platform_accounts.credentials_ciphertext is
  'Sealed JSON: google_ads { access_token, developer_token }, tiktok { access_token }, linkedin { access_token }, webhook { secret }. authenticated has no privilege on it.';

create table core_marketing.attribution_windows (
  company_id uuid not null references core.companies (id) on delete cascade,
  platform text not null,
  click_window_days integer not null,
  upload_limit_days integer,
  require_click_id boolean not null default true,
  updated_at timestamptz not null default now(),
  primary key (company_id, platform),
  constraint platform_is_known check (platform in ('meta', 'google_ads', 'tiktok', 'linkedin', 'webhook')),
  constraint click_window_is_sane check (click_window_days between 1 and 540),
  constraint upload_limit_is_sane check (upload_limit_days is null or upload_limit_days between 1 and 540)
);
comment on table core_marketing.attribution_windows is
  'Per company and platform: a conversion is sent only when its click happened within click_window_days before it, and it is no older than upload_limit_days when sent (defaults from PLATFORMS.md; data, not code).';
comment on column core_marketing.attribution_windows.require_click_id is
  'When true a conversion without this platform''s click id is skipped (no_click_id); Meta may be set to false to send on hashed e-mail/phone alone.';

create table core_marketing.conversion_mappings (
  company_id uuid not null references core.companies (id) on delete cascade,
  business_event text not null,
  conversion_name text not null,
  is_active boolean not null default true,
  send_value boolean not null default false,
  meta_event_name text,
  pixel_config_id uuid,
  google_conversion_action_id text,
  tiktok_event_name text,
  linkedin_rule_id text,
  send_to_webhook boolean not null default false,
  updated_at timestamptz not null default now(),
  primary key (company_id, business_event),
  constraint business_event_is_snake_case check (business_event ~ '^[a-z][a-z0-9_]{1,40}(\.[a-z][a-z0-9_]{1,40})?$'),
  constraint conversion_name_is_snake_case check (conversion_name ~ '^[a-z][a-z0-9_]{1,40}$'),
  constraint meta_event_name_is_sane check (meta_event_name ~ '^[A-Za-z][A-Za-z0-9_]{0,49}$'),
  constraint tiktok_event_name_is_sane check (tiktok_event_name ~ '^[A-Za-z][A-Za-z0-9_]{0,49}$'),
  constraint google_conversion_action_is_numeric check (google_conversion_action_id ~ '^[0-9]{1,20}$'),
  constraint linkedin_rule_is_numeric check (linkedin_rule_id ~ '^[0-9]{1,20}$'),
  constraint pixel_belongs_to_company foreign key (company_id, pixel_config_id)
    references core_marketing.pixel_configs (company_id, id) on delete set null (pixel_config_id)
);
comment on table core_marketing.conversion_mappings is
  'What a business event becomes: its conversion name (the idempotency key with the source record) and, per platform, the event / conversion action / rule it is sent as. A platform left null gets no delivery.';
comment on column core_marketing.conversion_mappings.business_event is
  'lead_created, lead_qualified, lead_won, or <schema>.<event> for other CRM schemas (e.g. heart.contract_signed).';
comment on column core_marketing.conversion_mappings.send_value is 'Send the value and currency with the conversion (purchases).';
comment on column core_marketing.conversion_mappings.pixel_config_id is 'The pixel to send to; null: the company''s oldest active pixel.';

create table core_marketing.conversion_sources (
  source_table text primary key,
  lead_column text,
  description text not null,
  constraint source_table_is_qualified check (source_table ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$'),
  constraint lead_column_is_identifier check (lead_column ~ '^[a-z_][a-z0-9_]*$')
);
comment on table core_marketing.conversion_sources is
  'CRM tables that may call register_conversion: each must have id uuid and company_id uuid; lead_column names its lead reference (click ids and hashed contact data come from that lead). A CRM schema plugs in with one row here and one trigger (docs/decisions/0011-conversions.md).';

insert into core_marketing.conversion_sources (source_table, lead_column, description)
values ('lead.leads', 'id', 'Leads: lead_created, lead_qualified, lead_won (triggers below)');

create table core_marketing.conversions (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references core.companies (id) on delete cascade,
  source_table text not null references core_marketing.conversion_sources (source_table),
  source_id uuid not null,
  lead_id uuid,
  business_event text not null,
  conversion_name text not null,
  event_id text not null,
  value numeric(14, 2),
  currency text,
  occurred_at timestamptz not null,
  fbclid text,
  fbc text,
  fbp text,
  gclid text,
  gbraid text,
  wbraid text,
  ttclid text,
  li_fat_id text,
  ctwa_clid text,
  email_hash text,
  phone_hash text,
  external_id_hash text,
  client_user_agent text,
  event_source_url text,
  created_at timestamptz not null default now(),
  constraint value_is_not_negative check (value >= 0),
  constraint currency_is_iso_4217 check (currency ~ '^[A-Z]{3}$'),
  constraint value_has_currency check (value is null or currency is not null),
  constraint hashes_are_sha256_hex check (email_hash ~ '^[0-9a-f]{64}$' and phone_hash ~ '^[0-9a-f]{64}$' and external_id_hash ~ '^[0-9a-f]{64}$'),
  constraint once_per_source_and_name unique (source_table, source_id, conversion_name),
  constraint conversions_company_id_and_id_are_unique unique (company_id, id)
);
comment on table core_marketing.conversions is
  'One business conversion (seed 003 offline_conversions): unique per source record and conversion name; event_id = <conversion_name>-<source_id>, the same on every platform and every retry, so duplicate sends are deduplicated by the platforms.';
comment on column core_marketing.conversions.fbc is 'fb.1.<click ms>.<fbclid>, built from the click; never altered, hashed or lower-cased.';
comment on column core_marketing.conversions.email_hash is 'SHA-256 of the normalised e-mail (lead.hash_email), as Meta em / Google hashedEmail / TikTok email / LinkedIn SHA256_EMAIL.';
comment on column core_marketing.conversions.external_id_hash is 'SHA-256 of the lead id: Meta external_id, TikTok external_id.';

create table core_marketing.conversion_deliveries (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null,
  conversion_id uuid not null,
  platform text not null,
  pixel_config_id uuid,
  platform_account_id uuid,
  status text not null,
  skip_reason text,
  click_id text,
  clicked_at timestamptz,
  attempts integer not null default 0,
  next_attempt_at timestamptz,
  last_error text,
  last_status_code integer,
  platform_trace_id text,
  queued_at timestamptz,
  sent_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint platform_is_known check (platform in ('meta', 'google_ads', 'tiktok', 'linkedin', 'webhook')),
  constraint status_is_known check (status in ('pending', 'processing', 'sent', 'failed', 'skipped')),
  constraint skip_reason_is_known check (skip_reason in ('no_click_id', 'outside_window', 'no_active_pixel', 'duplicate')),
  constraint skipped_has_reason check ((status = 'skipped') = (skip_reason is not null)),
  constraint attempts_are_not_negative check (attempts >= 0),
  constraint once_per_platform unique (conversion_id, platform),
  constraint conversion_belongs_to_company foreign key (company_id, conversion_id)
    references core_marketing.conversions (company_id, id) on delete cascade,
  constraint pixel_belongs_to_company foreign key (company_id, pixel_config_id)
    references core_marketing.pixel_configs (company_id, id) on delete set null (pixel_config_id),
  constraint account_belongs_to_company foreign key (company_id, platform_account_id)
    references core_marketing.platform_accounts (company_id, id) on delete set null (platform_account_id)
);
comment on table core_marketing.conversion_deliveries is
  'One per conversion and platform: pending → processing → sent | failed, or skipped with its reason (no_click_id, outside_window, no_active_pixel, duplicate). Written by register_conversion and the workers.';
comment on column core_marketing.conversion_deliveries.attempts is 'HTTP attempts made (each one is a dispatch_log row naming this delivery).';
comment on column core_marketing.conversion_deliveries.platform_trace_id is 'Meta fbtrace_id, Google request id, TikTok request_id, LinkedIn / webhook reference of the accepting request.';

create table core_marketing.dispatch_log (
  id bigint generated always as identity primary key,
  company_id uuid not null references core.companies (id) on delete cascade,
  platform text not null,
  pixel_config_id uuid,
  platform_account_id uuid,
  delivery_ids uuid[] not null,
  worker text not null,
  status_code integer,
  outcome text not null,
  request jsonb,
  response_body jsonb,
  response_headers jsonb,
  error text,
  trace_id text,
  duration_ms integer,
  created_at timestamptz not null default now(),
  constraint platform_is_known check (platform in ('meta', 'google_ads', 'tiktok', 'linkedin', 'webhook')),
  constraint outcome_is_known check (outcome in ('sent', 'partial', 'retry', 'failed', 'token_invalid', 'callback')),
  constraint duration_is_not_negative check (duration_ms is null or duration_ms >= 0)
);
comment on table core_marketing.dispatch_log is
  'Every HTTP attempt to a platform (seed 000 meta_dispatch_log + seed 003 platform_sync_log): the deliveries it carried, status code, the request with secrets removed, response body and headers, error. Never a token.';

create table ops.domain_events (
  id bigint generated always as identity primary key,
  company_id uuid not null references core.companies (id) on delete cascade,
  event_type text not null,
  aggregate_type text not null,
  aggregate_id uuid not null,
  payload jsonb not null default '{}'::jsonb,
  occurred_at timestamptz not null default clock_timestamp(),
  constraint event_type_is_pascal_case check (event_type ~ '^[A-Z][A-Za-z0-9]{2,80}$'),
  constraint payload_is_an_object check (jsonb_typeof(payload) = 'object')
);
comment on table ops.domain_events is
  'Published domain events (ConversionEventQueued, ConversionEventDispatched, ConversionEventFailed, …), append-only, for dashboards and other modules.';

-- ---- indexes --------------------------------------------------------------------------------------

create index idx_pixel_configs_company_id_active on core_marketing.pixel_configs (company_id, is_active, created_at);
create index idx_platform_accounts_company_id_platform on core_marketing.platform_accounts (company_id, platform, is_active, created_at);
create index idx_conversions_company_id_occurred_at on core_marketing.conversions (company_id, occurred_at desc);
create index idx_conversions_company_id_lead_id_name on core_marketing.conversions (company_id, lead_id, conversion_name) where lead_id is not null;
create index idx_conversion_deliveries_conversion_id on core_marketing.conversion_deliveries (conversion_id);
create index idx_conversion_deliveries_company_id_status on core_marketing.conversion_deliveries (company_id, status, platform, created_at desc);
create index idx_conversion_deliveries_pixel_config_id on core_marketing.conversion_deliveries (pixel_config_id) where pixel_config_id is not null;
create index idx_conversion_deliveries_platform_account_id on core_marketing.conversion_deliveries (platform_account_id) where platform_account_id is not null;
create index idx_conversion_mappings_pixel_config_id on core_marketing.conversion_mappings (pixel_config_id) where pixel_config_id is not null;
create index idx_dispatch_log_company_id_created_at on core_marketing.dispatch_log (company_id, created_at desc);
create index idx_dispatch_log_delivery_ids on core_marketing.dispatch_log using gin (delivery_ids);
create index idx_domain_events_company_id_occurred_at on ops.domain_events (company_id, occurred_at desc);
create index idx_domain_events_aggregate on ops.domain_events (aggregate_id);

-- ---- queues ---------------------------------------------------------------------------------------
-- Messages: { "delivery_id": uuid, "company_id": uuid, "platform": text }.

select pgmq.create('conversion_meta');
select pgmq.create('conversion_platforms');

-- ---- defaults per company -------------------------------------------------------------------------

create function core_marketing._add_conversion_defaults(company_ids uuid[]) returns void
language plpgsql security definer set search_path = ''
as $$
begin
  insert into core_marketing.attribution_windows (company_id, platform, click_window_days, upload_limit_days)
  select c.id, w.platform, w.click_window_days, w.upload_limit_days
  from unnest(company_ids) as c (id)
  cross join (values ('meta', 28, 7), ('google_ads', 90, 90), ('tiktok', 28, null::integer), ('linkedin', 90, 90),
                     ('webhook', 540, null::integer)) as w (platform, click_window_days, upload_limit_days)
  on conflict do nothing;
  update core_marketing.attribution_windows w set require_click_id = false
  where w.company_id = any (company_ids) and w.platform = 'webhook';

  insert into core_marketing.conversion_mappings (company_id, business_event, conversion_name, send_value, meta_event_name, tiktok_event_name)
  select c.id, m.business_event, m.conversion_name, m.send_value, m.meta_event_name, m.tiktok_event_name
  from unnest(company_ids) as c (id)
  cross join (values ('lead_created', 'lead', false, 'Lead', 'SubmitForm'),
                     ('lead_qualified', 'qualified_lead', false, 'QualifiedLead', 'Contact'),
                     ('lead_won', 'purchase', true, 'Purchase', 'CompletePayment'))
    as m (business_event, conversion_name, send_value, meta_event_name, tiktok_event_name)
  on conflict do nothing;
end
$$;
comment on function core_marketing._add_conversion_defaults(uuid[]) is
  'Attribution windows from PLATFORMS.md (Meta 28 d click / 7 d upload, Google Ads 90, TikTok 28, LinkedIn 90 / 90) and the three lead mappings (lead → Lead, qualified_lead → QualifiedLead, purchase → Purchase with value).';

create function core_marketing._create_conversion_defaults() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform core_marketing._add_conversion_defaults(array(select n.id from new_companies n));
  return null;
end
$$;

create trigger companies_create_conversion_defaults after insert on core.companies
  referencing new table as new_companies
  for each statement execute function core_marketing._create_conversion_defaults();

select core_marketing._add_conversion_defaults(array(select c.id from core.companies c));

-- ---- click ids ------------------------------------------------------------------------------------

-- Where a lead's click ids come from, one row per click: the lead's own columns (copied from its first
-- touch when it arrived, or typed/imported), and every web-tracking touch linked to the lead
-- (lead.utm_touches, with its fbc/fbp cookies, user agent and page), so "the last touch with a click
-- id inside the window" sees later clicks too.
create view core_marketing.lead_click_ids with (security_invoker = true) as
  select l.company_id, l.id as lead_id, c.platform, c.click_kind, c.click_id, l.created_at as clicked_at,
         null::text as fbc, null::text as fbp, null::text as user_agent, l.landing_page_url as page_url
  from lead.leads l
  cross join lateral (values ('meta', 'fbclid', l.fbclid), ('google_ads', 'gclid', l.gclid),
                             ('tiktok', 'ttclid', l.ttclid), ('linkedin', 'li_fat_id', l.li_fat_id))
    as c (platform, click_kind, click_id)
  where c.click_id is not null
  union all
  select t.company_id, t.lead_id, c.platform, c.click_kind, c.click_id, t.touched_at, c.fbc, c.fbp, t.user_agent, t.page_url
  from lead.utm_touches t
  cross join lateral (values ('meta', case when t.fbclid is not null then 'fbclid' else 'fbc' end, coalesce(t.fbclid, t.fbc), t.fbc, t.fbp),
                             ('google_ads', 'gclid', t.gclid, null, null), ('google_ads', 'gbraid', t.gbraid, null, null),
                             ('google_ads', 'wbraid', t.wbraid, null, null), ('tiktok', 'ttclid', t.ttclid, null, null),
                             ('linkedin', 'li_fat_id', t.li_fat_id, null, null))
    as c (platform, click_kind, click_id, fbc, fbp)
  where t.lead_id is not null and c.click_id is not null;
comment on view core_marketing.lead_click_ids is
  'Every click id known for a lead, with the click''s time: platform (meta, google_ads, tiktok, linkedin), kind (fbclid, fbc, gclid, gbraid, wbraid, ttclid, li_fat_id) and value; from touches also the fbc/fbp cookies as captured, user agent and page.';

-- ---- the conversion contract ----------------------------------------------------------------------

create function core_marketing._register_conversions(source_table text, business_event text, items jsonb,
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
  execute format(
    $q$select coalesce(jsonb_agg(jsonb_build_object('id', r.id, 'company_id', r.company_id, 'lead_id', %s,
                                                   'value', i.value, 'currency', i.currency,
                                                   'occurred_at', coalesce(i.occurred_at, now()))), '[]'::jsonb)
       from jsonb_to_recordset($1) as i (source_id uuid, value numeric(14, 2), currency text, occurred_at timestamptz)
       join %s r on r.id = i.source_id$q$,
    case when source.lead_column is null then 'null::uuid' else 'r.' || quote_ident(source.lead_column) end,
    (select format('%I.%I', split_part(source.source_table, '.', 1), split_part(source.source_table, '.', 2))))
    into records
    using items;

  with record as (
    select r.id as source_id, r.company_id, r.lead_id, r.value, r.currency, r.occurred_at
    from jsonb_to_recordset(records) as r (id uuid, company_id uuid, lead_id uuid, value numeric(14, 2), currency text,
                                           occurred_at timestamptz)
  ),
  candidate as (
    select distinct on (r.source_id) r.source_id, r.company_id, r.lead_id, m.conversion_name, m.send_value,
           r.value, r.currency, r.occurred_at
    from record r
    join core_marketing.conversion_mappings m
      on m.company_id = r.company_id and m.business_event = _register_conversions.business_event and m.is_active
    order by r.source_id
  ),
  inserted as (
    insert into core_marketing.conversions (company_id, source_table, source_id, lead_id, business_event, conversion_name,
                                            event_id, value, currency, occurred_at, fbclid, fbc, fbp, gclid, gbraid, wbraid,
                                            ttclid, li_fat_id, client_user_agent, event_source_url, email_hash, phone_hash,
                                            external_id_hash)
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
           l.email_hash, l.phone_hash, case when c.lead_id is not null then lead.sha256_hex(c.lead_id::text) end
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
             p.click_id, p.has_match_key, m.pixel_config_id as mapped_pixel_id
      from conversion v
      join core_marketing.conversion_mappings m on m.company_id = v.company_id and m.business_event = v.business_event
      cross join lateral (values
          ('meta', m.meta_event_name is not null, coalesce(v.fbclid, v.fbc, v.fbp, v.ctwa_clid), v.email_hash is not null or v.phone_hash is not null),
          ('google_ads', m.google_conversion_action_id is not null, coalesce(v.gclid, v.gbraid, v.wbraid), false),
          ('tiktok', m.tiktok_event_name is not null, v.ttclid, false),
          ('linkedin', m.linkedin_rule_id is not null, v.li_fat_id, false),
          ('webhook', m.send_to_webhook, null::text, true))
        as p (platform, wanted, click_id, has_match_key)
      where p.wanted
    ),
    decided as (
      select t.*, px.id as pixel_config_id, acct.id as platform_account_id, k.clicked_at,
             case
               when px.id is null and acct.id is null then 'no_active_pixel'
               when exists (select 1 from core_marketing.conversions o
                            join core_marketing.conversion_deliveries od on od.conversion_id = o.id and od.platform = t.platform
                            where o.company_id = t.company_id and o.lead_id = t.lead_id and o.conversion_name = t.conversion_name
                              and o.id <> t.conversion_id and od.status <> 'skipped') then 'duplicate'
               when t.click_id is null and (w.require_click_id or not t.has_match_key) then 'no_click_id'
               when k.clicked_at is not null and k.clicked_at < t.occurred_at - make_interval(days => w.click_window_days)
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
comment on function core_marketing._register_conversions(text, text, jsonb, boolean) is
  'Set-based core of register_conversion (triggers call it with a whole statement''s rows). items: [{source_id, value?, currency?, occurred_at?}]. Company and lead come from the source records; records without an active mapping for the event are ignored. Idempotent per (source record, conversion name).';

create function core_marketing._enqueue_deliveries(meta_messages jsonb[], platform_messages jsonb[]) returns void
language plpgsql security definer set search_path = ''
as $$
begin
  if meta_messages is not null then
    perform pgmq.send_batch('conversion_meta', meta_messages);
  end if;
  if platform_messages is not null then
    perform pgmq.send_batch('conversion_platforms', platform_messages);
  end if;
  -- pg_net sends the kicks after the transaction commits; a lost kick waits for the minute's pg_cron run.
  -- A bulk backfill (or a test driving the workers itself) may defer them to pg_cron:
  --   select set_config('rastro.defer_conversion_kick', 'on', true);
  if coalesce(current_setting('rastro.defer_conversion_kick', true), '') = 'on' then
    return;
  end if;
  if meta_messages is not null then
    begin
      perform ops.invoke_edge_function('meta-queue-worker', jsonb_build_object('trigger', 'enqueue'));
    exception when others then
      raise warning 'could not kick meta-queue-worker: %', sqlerrm;
    end;
  end if;
  if platform_messages is not null then
    begin
      perform ops.invoke_edge_function('platform-sync-worker', jsonb_build_object('trigger', 'enqueue'));
    exception when others then
      raise warning 'could not kick platform-sync-worker: %', sqlerrm;
    end;
  end if;
end
$$;

create function core_marketing.register_conversion(
  source_table text,
  source_id uuid,
  business_event text,
  value numeric default null,
  currency text default null,
  occurred_at timestamptz default null
) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  source core_marketing.conversion_sources;
  owner_company uuid;
  registered record;
begin
  select s.* into source from core_marketing.conversion_sources s where s.source_table = register_conversion.source_table;
  if source.source_table is null then
    raise exception 'unknown conversion source %', register_conversion.source_table
      using errcode = 'PT422', hint = 'unknown_source';
  end if;
  if business_event is null or business_event !~ '^[a-z][a-z0-9_]{1,40}(\.[a-z][a-z0-9_]{1,40})?$' then
    raise exception 'business_event must be snake_case, optionally <schema>.<event>' using errcode = 'PT422', hint = 'invalid_business_event';
  end if;
  if value < 0 then
    raise exception 'a conversion value cannot be negative' using errcode = 'PT422', hint = 'negative_value';
  end if;
  if currency !~ '^[A-Z]{3}$' then
    raise exception 'currency must be an ISO 4217 code such as BRL' using errcode = 'PT422', hint = 'invalid_currency';
  end if;
  if occurred_at > now() + interval '1 hour' then
    raise exception 'occurred_at is in the future' using errcode = 'PT422', hint = 'occurred_in_future';
  end if;
  execute format('select r.company_id from %I.%I r where r.id = $1',
                 split_part(source.source_table, '.', 1), split_part(source.source_table, '.', 2))
    into owner_company using source_id;
  -- Members may only register their own company's records, and only editors; another company's
  -- record answers exactly like a missing one.
  if owner_company is null
     or (not ops.caller_sees_all_companies()
         and (owner_company is distinct from core.current_company_id() or not core.is_company_editor())) then
    raise exception 'record % of % not found', source_id, source.source_table using errcode = 'PT404', hint = 'record_not_found';
  end if;

  select r.* into registered
  from core_marketing._register_conversions(source.source_table, business_event,
         jsonb_build_array(jsonb_strip_nulls(jsonb_build_object('source_id', source_id, 'value', value, 'currency', currency,
                                                                'occurred_at', occurred_at)))) r
  limit 1;
  if registered.conversion_id is null then
    return jsonb_build_object('conversion_id', null, 'event_id', null, 'created', false, 'reason', 'no_active_mapping',
                              'deliveries', '[]'::jsonb);
  end if;
  return jsonb_build_object(
    'conversion_id', registered.conversion_id, 'event_id', registered.event_id, 'created', registered.created,
    'deliveries', (select coalesce(jsonb_agg(jsonb_build_object('platform', d.platform, 'status', d.status,
                                                                'skip_reason', d.skip_reason) order by d.platform), '[]'::jsonb)
                   from core_marketing.conversion_deliveries d where d.conversion_id = registered.conversion_id));
end
$$;
comment on function core_marketing.register_conversion(text, uuid, text, numeric, text, timestamptz) is
  'The one conversion contract (EnqueueResult): registers business_event of a record of a registered CRM table. Company from the record, idempotent per (record, conversion name). Errors: PT404 record_not_found (also another company''s record), PT422 unknown_source, invalid_business_event, negative_value, invalid_currency, occurred_in_future.';

-- ---- lead triggers --------------------------------------------------------------------------------

create function core_marketing._lead_created_conversions() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  items jsonb;
begin
  -- Leads that arrive (forms, WhatsApp, e-mail, typed in); imports and CRM pulls are history, not arrivals.
  select jsonb_agg(jsonb_build_object('source_id', n.id, 'occurred_at', n.created_at)) into items
  from new_rows n
  where n.origin not in ('csv', 'dinamize');
  if items is not null then
    perform core_marketing._register_conversions('lead.leads', 'lead_created', items, false);
  end if;
  return null;
end
$$;

create function core_marketing._lead_changed_conversions() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  qualified jsonb;
  won jsonb;
begin
  select jsonb_agg(jsonb_build_object('source_id', n.id)) into qualified
  from new_rows n join old_rows o on o.id = n.id
  where n.status = 'qualified' and o.status is distinct from 'qualified';

  -- Won: the opportunity's value and currency (the lead's value follows the opportunity's).
  select jsonb_agg(jsonb_build_object('source_id', n.id, 'value', coalesce(op.value, n.value, 0),
                                      'currency', coalesce(op.currency, 'BRL'))) into won
  from new_rows n
  join old_rows o on o.id = n.id
  join lead.pipeline_stages s on s.id = n.stage_id and s.is_won
  left join lead.opportunities op on op.id = n.converted_to_opportunity_id
  where n.stage_id is distinct from o.stage_id;

  if qualified is not null then
    perform core_marketing._register_conversions('lead.leads', 'lead_qualified', qualified, false);
  end if;
  if won is not null then
    perform core_marketing._register_conversions('lead.leads', 'lead_won', won, false);
  end if;
  return null;
end
$$;

create trigger leads_register_created_conversions after insert on lead.leads
  referencing new table as new_rows
  for each statement execute function core_marketing._lead_created_conversions();
create trigger leads_register_changed_conversions after update on lead.leads
  referencing old table as old_rows new table as new_rows
  for each statement execute function core_marketing._lead_changed_conversions();

-- ---- worker support -------------------------------------------------------------------------------

create function core_marketing.retry_deliveries(delivery_ids uuid[] default null, from_time timestamptz default null,
                                                to_time timestamptz default null, platform text default null)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  scope uuid;
  result jsonb;
  meta_messages jsonb[];
  platform_messages jsonb[];
begin
  if not ops.caller_sees_all_companies() then
    if not core.is_company_admin() then
      raise exception 'only company admins retry deliveries' using errcode = '42501', hint = 'admin_required';
    end if;
    scope := core.current_company_id();
  end if;
  if delivery_ids is null and (from_time is null or to_time is null or from_time > to_time) then
    raise exception 'pass delivery_ids or a from_time ≤ to_time range' using errcode = 'PT422', hint = 'invalid_range';
  end if;
  -- Failed deliveries (and pending ones stranded by an outage) go back on the queue when the platform
  -- can still take them; the rest are skipped with the reason.
  with chosen as (
    select d.id, d.company_id, d.platform, v.occurred_at, w.upload_limit_days
    from core_marketing.conversion_deliveries d
    join core_marketing.conversions v on v.id = d.conversion_id
    join core_marketing.attribution_windows w on w.company_id = d.company_id and w.platform = d.platform
    where (scope is null or d.company_id = scope)
      and (d.status = 'failed' or (d.status in ('pending', 'processing') and d.updated_at < now() - interval '1 hour'))
      and (retry_deliveries.delivery_ids is null or d.id = any (retry_deliveries.delivery_ids))
      and (retry_deliveries.from_time is null or v.occurred_at >= retry_deliveries.from_time)
      and (retry_deliveries.to_time is null or v.occurred_at <= retry_deliveries.to_time)
      and (retry_deliveries.platform is null or d.platform = retry_deliveries.platform)
    for update of d
  ),
  changed as (
    update core_marketing.conversion_deliveries d
    set status = case when c.upload_limit_days is not null and c.occurred_at < now() - make_interval(days => c.upload_limit_days)
                      then 'skipped' else 'pending' end,
        skip_reason = case when c.upload_limit_days is not null and c.occurred_at < now() - make_interval(days => c.upload_limit_days)
                           then 'outside_window' end,
        attempts = 0, last_error = null, next_attempt_at = null, queued_at = now()
    from chosen c
    where d.id = c.id
    returning d.id, d.company_id, d.platform, d.status
  )
  select jsonb_build_object('requeued', count(*) filter (where c.status = 'pending'),
                            'skipped_outside_window', count(*) filter (where c.status = 'skipped')),
         array_agg(jsonb_build_object('delivery_id', c.id, 'company_id', c.company_id, 'platform', c.platform))
           filter (where c.status = 'pending' and c.platform = 'meta'),
         array_agg(jsonb_build_object('delivery_id', c.id, 'company_id', c.company_id, 'platform', c.platform))
           filter (where c.status = 'pending' and c.platform <> 'meta')
    into result, meta_messages, platform_messages
  from changed c;
  perform core_marketing._enqueue_deliveries(meta_messages, platform_messages);
  return result;
end
$$;
comment on function core_marketing.retry_deliveries(uuid[], timestamptz, timestamptz, text) is
  'Retry (delivery_ids) or replay a date range after an outage (from_time..to_time, optional platform): failed or stranded deliveries of the caller''s company go back on the queue with attempts reset, or are skipped outside_window when the platform''s upload limit has passed. Admins only. Returns { requeued, skipped_outside_window }.';

create function core_marketing.record_dispatch(outcomes jsonb, attempts jsonb default '[]'::jsonb,
                                               tokens jsonb default '[]'::jsonb)
returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  changed integer;
begin
  -- A delivery already sent or skipped (a duplicate message handled by another run) is never moved
  -- back; failed ones may still become sent (a conversion-callback confirmation).
  with outcome as (
    select o.*
    from jsonb_to_recordset(outcomes) as o (delivery_id uuid, status text, skip_reason text, error text, status_code integer,
                                            trace_id text, next_attempt_at timestamptz, attempted boolean)
  ),
  updated as (
    update core_marketing.conversion_deliveries d
    set status = o.status,
        skip_reason = o.skip_reason,
        attempts = d.attempts + case when coalesce(o.attempted, true) then 1 else 0 end,
        last_error = left(o.error, 2000),
        last_status_code = coalesce(o.status_code, d.last_status_code),
        platform_trace_id = coalesce(o.trace_id, d.platform_trace_id),
        next_attempt_at = o.next_attempt_at,
        sent_at = case when o.status = 'sent' then now() else d.sent_at end
    from outcome o
    where d.id = o.delivery_id and d.status not in ('sent', 'skipped')
    returning d.id, d.company_id, d.conversion_id, d.platform, d.status, d.platform_trace_id, d.last_error, d.attempts
  ),
  published as (
    insert into ops.domain_events (company_id, event_type, aggregate_type, aggregate_id, payload)
    select u.company_id, case when u.status = 'sent' then 'ConversionEventDispatched' else 'ConversionEventFailed' end,
           'conversion', u.conversion_id,
           jsonb_strip_nulls(jsonb_build_object('delivery_id', u.id, 'platform', u.platform, 'trace_id', u.platform_trace_id,
                                                'attempts', u.attempts, 'error', case when u.status = 'failed' then u.last_error end))
    from updated u
    where u.status in ('sent', 'failed')
    returning 1
  )
  select count(*)::integer into changed from updated;

  insert into core_marketing.dispatch_log (company_id, platform, pixel_config_id, platform_account_id, delivery_ids, worker,
                                           status_code, outcome, request, response_body, response_headers, error, trace_id,
                                           duration_ms)
  select a.company_id, a.platform, a.pixel_config_id, a.platform_account_id, a.delivery_ids, a.worker, a.status_code, a.outcome,
         a.request, a.response_body, a.response_headers, left(a.error, 2000), a.trace_id, a.duration_ms
  from jsonb_to_recordset(attempts) as a (company_id uuid, platform text, pixel_config_id uuid, platform_account_id uuid,
                                          delivery_ids uuid[], worker text, status_code integer, outcome text, request jsonb,
                                          response_body jsonb, response_headers jsonb, error text, trace_id text, duration_ms integer);

  update core_marketing.pixel_configs p
  set token_status = t.status, token_error = left(t.error, 500)
  from jsonb_to_recordset(tokens) as t (pixel_config_id uuid, platform_account_id uuid, status text, error text)
  where p.id = t.pixel_config_id and p.token_status is distinct from t.status
    and (t.status = 'invalid' or p.token_status = 'unverified');
  update core_marketing.platform_accounts a
  set credentials_status = t.status, status_message = left(t.error, 500)
  from jsonb_to_recordset(tokens) as t (pixel_config_id uuid, platform_account_id uuid, status text, error text)
  where a.id = t.platform_account_id and a.credentials_status is distinct from t.status
    and (t.status = 'invalid' or a.credentials_status = 'unverified');
  return changed;
end
$$;
comment on function core_marketing.record_dispatch(jsonb, jsonb, jsonb) is
  'Workers only: writes the outcome of dispatched deliveries set-based (status, attempts, errors, trace ids; sent/skipped are never moved back), publishes ConversionEventDispatched / ConversionEventFailed, appends the HTTP attempts to dispatch_log and marks tokens valid (first success) or invalid (190, 401). Returns how many deliveries changed.';

-- ---- conversion-callback --------------------------------------------------------------------------

create table core_marketing.conversion_callbacks (
  id bigint generated always as identity primary key,
  company_id uuid not null references core.companies (id) on delete cascade,
  platform_account_id uuid not null,
  callback_id text not null,
  delivery_id uuid not null,
  outcome text not null,
  reference text,
  error text,
  received_at timestamptz not null default now(),
  constraint outcome_is_known check (outcome in ('confirmed', 'failed')),
  constraint callback_id_is_sane check (length(callback_id) between 8 and 100),
  constraint once_per_callback unique (platform_account_id, callback_id),
  constraint account_belongs_to_company foreign key (company_id, platform_account_id)
    references core_marketing.platform_accounts (company_id, id) on delete cascade
);
comment on table core_marketing.conversion_callbacks is
  'Signed confirmations from a company''s own conversion service (conversion-callback): one row per callback id, so a replayed callback is refused.';
create index idx_conversion_callbacks_company_id_received_at on core_marketing.conversion_callbacks (company_id, received_at desc);
create index idx_conversion_callbacks_delivery_id on core_marketing.conversion_callbacks (delivery_id);

create function core_marketing.apply_conversion_callback(platform_account_id uuid, callback_id text, delivery_id uuid,
                                                         outcome text, reference text default null, error text default null)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  account core_marketing.platform_accounts;
  delivery core_marketing.conversion_deliveries;
begin
  select a.* into account from core_marketing.platform_accounts a
  where a.id = apply_conversion_callback.platform_account_id and a.platform = 'webhook';
  if account.id is null then
    raise exception 'no webhook account %', platform_account_id using errcode = 'PT404', hint = 'account_not_found';
  end if;
  select d.* into delivery from core_marketing.conversion_deliveries d
  where d.id = apply_conversion_callback.delivery_id and d.company_id = account.company_id
    and d.platform = 'webhook' and d.platform_account_id = account.id
  for update;
  if delivery.id is null then
    raise exception 'delivery % was not sent to this account', delivery_id using errcode = 'PT404', hint = 'delivery_not_found';
  end if;
  insert into core_marketing.conversion_callbacks (company_id, platform_account_id, callback_id, delivery_id, outcome, reference, error)
  values (account.company_id, account.id, callback_id, delivery.id, outcome, left(reference, 200), left(error, 2000))
  on conflict on constraint once_per_callback do nothing;
  if not found then
    raise exception 'callback % was already received', callback_id using errcode = 'PT409', hint = 'callback_replayed';
  end if;
  update core_marketing.conversion_deliveries d
  set status = case when apply_conversion_callback.outcome = 'confirmed' then 'sent' else 'failed' end,
      platform_trace_id = coalesce(left(reference, 200), d.platform_trace_id),
      last_error = case when apply_conversion_callback.outcome = 'failed' then left(coalesce(error, 'failed by the conversion service'), 2000) end,
      sent_at = case when apply_conversion_callback.outcome = 'confirmed' then coalesce(d.sent_at, now()) else d.sent_at end
  where d.id = delivery.id;
  insert into core_marketing.dispatch_log (company_id, platform, platform_account_id, delivery_ids, worker, outcome, response_body, error, trace_id)
  values (account.company_id, 'webhook', account.id, array[delivery.id], 'conversion-callback', 'callback',
          jsonb_build_object('callback_id', callback_id, 'outcome', outcome), left(error, 2000), left(reference, 200));
  insert into ops.domain_events (company_id, event_type, aggregate_type, aggregate_id, payload)
  values (account.company_id, case when outcome = 'confirmed' then 'ConversionEventDispatched' else 'ConversionEventFailed' end,
          'conversion', delivery.conversion_id,
          jsonb_strip_nulls(jsonb_build_object('delivery_id', delivery.id, 'platform', 'webhook', 'trace_id', reference,
                                               'via', 'conversion-callback', 'error', error)));
  return jsonb_build_object('delivery_id', delivery.id,
                            'status', case when outcome = 'confirmed' then 'sent' else 'failed' end);
end
$$;
comment on function core_marketing.apply_conversion_callback(uuid, text, uuid, text, text, text) is
  'conversion-callback only (after the HMAC check): confirms or fails a webhook delivery of that account, once per callback id. Errors: PT404 account_not_found / delivery_not_found, PT409 callback_replayed.';

-- ---- views ----------------------------------------------------------------------------------------

create view core_marketing.pixel_config_details with (security_invoker = true) as
  select p.id, p.company_id, p.name, p.pixel_id, p.has_access_token, p.token_status, p.token_error, p.token_updated_at,
         p.test_event_code, p.domain, p.action_source, p.graph_version, p.is_active, p.created_at, p.updated_at
  from core_marketing.pixel_configs p;
comment on view core_marketing.pixel_config_details is 'PixelConfigDetails: a pixel without its token (has_access_token says whether one is stored).';

create view core_marketing.conversion_sync_status with (security_invoker = true) as
  select v.id as conversion_id, v.company_id, v.lead_id, v.conversion_name, v.event_id, v.occurred_at,
         coalesce(jsonb_object_agg(d.platform, d.status) filter (where d.id is not null), '{}'::jsonb) as sync_status
  from core_marketing.conversions v
  left join core_marketing.conversion_deliveries d on d.conversion_id = v.id
  group by v.id;
comment on view core_marketing.conversion_sync_status is 'Seed 003''s offline_conversions.sync_status, derived: { meta: "sent", google_ads: "pending", … } per conversion.';

create view core_marketing.match_quality with (security_invoker = true) as
  select d.company_id, d.platform, coalesce(d.pixel_config_id, d.platform_account_id) as destination_id,
         count(*) as conversions,
         count(*) filter (where d.status = 'sent') as sent,
         count(*) filter (where d.status = 'failed') as failed,
         count(*) filter (where d.status in ('pending', 'processing')) as waiting,
         count(*) filter (where d.skip_reason = 'no_click_id') as skipped_no_click_id,
         count(*) filter (where d.skip_reason = 'outside_window') as skipped_outside_window,
         count(*) filter (where d.skip_reason = 'no_active_pixel') as skipped_no_active_pixel,
         count(*) filter (where d.skip_reason = 'duplicate') as skipped_duplicate,
         round(avg((d.click_id is not null)::int), 3) as share_with_click_id,
         round(avg((v.email_hash is not null)::int), 3) as share_with_email,
         round(avg((v.phone_hash is not null)::int), 3) as share_with_phone,
         round(avg((v.fbc is not null)::int), 3) as share_with_fbc,
         round(avg((v.fbp is not null)::int), 3) as share_with_fbp,
         round(avg((v.external_id_hash is not null)::int), 3) as share_with_external_id
  from core_marketing.conversion_deliveries d
  join core_marketing.conversions v on v.id = d.conversion_id
  group by d.company_id, d.platform, coalesce(d.pixel_config_id, d.platform_account_id);
comment on view core_marketing.match_quality is
  'Per company, platform and pixel/account: how many conversions, their outcome, skips by reason and the share carrying each click id and match key (the console turns low shares into advice).';

create view core_marketing.conversion_alerts with (security_invoker = true) as
  select p.company_id, 'token_invalid'::text as kind, 'meta'::text as platform, p.id as subject_id,
         p.name || ' (' || p.pixel_id || ')' as subject, coalesce(p.token_error, 'Meta refused the token (code 190)') as detail,
         p.updated_at as since
  from core_marketing.pixel_configs p
  where p.is_active and p.token_status = 'invalid'
  union all
  select a.company_id, 'token_invalid', a.platform, a.id, a.name, coalesce(a.status_message, 'the platform refused the credentials'),
         a.updated_at
  from core_marketing.platform_accounts a
  where a.is_active and a.credentials_status = 'invalid'
  union all
  select d.company_id, 'dead_letters', d.platform, null::uuid, count(*)::text || ' failed deliveries in 24 h',
         max(d.last_error), min(d.updated_at)
  from core_marketing.conversion_deliveries d
  where d.status = 'failed' and d.updated_at > now() - interval '24 hours'
  group by d.company_id, d.platform
  union all
  select l.company_id, 'platform_failing', l.platform, null::uuid, count(*)::text || ' attempts, none accepted, in the last hour',
         max(l.error), min(l.created_at)
  from core_marketing.dispatch_log l
  where l.created_at > now() - interval '1 hour'
  group by l.company_id, l.platform
  having count(*) filter (where l.outcome in ('sent', 'partial', 'callback')) = 0 and min(l.created_at) < now() - interval '50 minutes';
comment on view core_marketing.conversion_alerts is
  'Health alerts: an active pixel/account whose token was refused, failed deliveries in the last day, a platform with no accepted attempt for an hour.';

-- ---- pg_cron --------------------------------------------------------------------------------------

select cron.unschedule(j.jobname) from cron.job j where j.jobname in ('meta-queue-worker', 'platform-sync-worker');
select cron.schedule('meta-queue-worker', '* * * * *',
  $cmd$select ops.invoke_edge_function('meta-queue-worker', '{"trigger": "cron"}'::jsonb, 60000)$cmd$);
select cron.schedule('platform-sync-worker', '* * * * *',
  $cmd$select ops.invoke_edge_function('platform-sync-worker', '{"trigger": "cron"}'::jsonb, 60000)$cmd$);

insert into ops.expected_cron_jobs (jobname, does, migration) values
  ('meta-queue-worker', 'Meta conversions are sent only when a registration kicks the worker; retries wait forever', '20261204000100_create_conversions.sql'),
  ('platform-sync-worker', 'Google Ads, TikTok, LinkedIn and webhook conversions are sent only on a kick; retries wait forever', '20261204000100_create_conversions.sql');

-- ---- triggers -------------------------------------------------------------------------------------

create trigger pixel_configs_touch_updated_at before update on core_marketing.pixel_configs
  for each row execute function core._touch_updated_at();
create trigger platform_accounts_touch_updated_at before update on core_marketing.platform_accounts
  for each row execute function core._touch_updated_at();
create trigger conversion_deliveries_touch_updated_at before update on core_marketing.conversion_deliveries
  for each row execute function core._touch_updated_at();
create trigger conversion_mappings_touch_updated_at before update on core_marketing.conversion_mappings
  for each row execute function core._touch_updated_at();
create trigger attribution_windows_touch_updated_at before update on core_marketing.attribution_windows
  for each row execute function core._touch_updated_at();
select ops.attach_audit('core_marketing.pixel_configs', array['access_token_ciphertext']);
select ops.attach_audit('core_marketing.platform_accounts', array['credentials_ciphertext']);

-- ---- policies -------------------------------------------------------------------------------------

alter table core_marketing.pixel_configs enable row level security;
alter table core_marketing.platform_accounts enable row level security;
alter table core_marketing.attribution_windows enable row level security;
alter table core_marketing.conversion_mappings enable row level security;
alter table core_marketing.conversion_sources enable row level security;
alter table core_marketing.conversions enable row level security;
alter table core_marketing.conversion_deliveries enable row level security;
alter table core_marketing.dispatch_log enable row level security;
alter table ops.domain_events enable row level security;
alter table core_marketing.conversion_callbacks enable row level security;

-- Settings tables: members read, admins write (the same four policies on each).
do $$
declare
  target text;
begin
  foreach target in array array['pixel_configs', 'platform_accounts', 'conversion_mappings'] loop
    execute format('create policy "members read their company''s rows" on core_marketing.%I for select to authenticated
                    using (company_id = (select core.current_company_id()))', target);
    execute format('create policy "admins add rows" on core_marketing.%I for insert to authenticated
                    with check (company_id = (select core.current_company_id()) and (select core.is_company_admin()))', target);
    execute format('create policy "admins change rows" on core_marketing.%I for update to authenticated
                    using (company_id = (select core.current_company_id()) and (select core.is_company_admin()))
                    with check (company_id = (select core.current_company_id()))', target);
    execute format('create policy "admins remove rows" on core_marketing.%I for delete to authenticated
                    using (company_id = (select core.current_company_id()) and (select core.is_company_admin()))', target);
  end loop;
end
$$;

create policy "members read their company's windows" on core_marketing.attribution_windows
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "admins change windows" on core_marketing.attribution_windows
  for update to authenticated using (company_id = (select core.current_company_id()) and (select core.is_company_admin()))
  with check (company_id = (select core.current_company_id()));

create policy "everyone signed in reads the registered sources" on core_marketing.conversion_sources
  for select to authenticated using (true);

create policy "members read their company's conversions" on core_marketing.conversions
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's deliveries" on core_marketing.conversion_deliveries
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's callbacks" on core_marketing.conversion_callbacks
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's dispatch log" on core_marketing.dispatch_log
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "admins read their company's domain events" on ops.domain_events
  for select to authenticated using (company_id = (select core.current_company_id()) and (select core.is_company_admin()));

-- ---- grants ---------------------------------------------------------------------------------------

revoke execute on function core_marketing._add_conversion_defaults(uuid[]), core_marketing._create_conversion_defaults(),
  core_marketing._register_conversions(text, text, jsonb, boolean), core_marketing._enqueue_deliveries(jsonb[], jsonb[]),
  core_marketing._lead_created_conversions(), core_marketing._lead_changed_conversions(),
  core_marketing.register_conversion(text, uuid, text, numeric, text, timestamptz),
  core_marketing.retry_deliveries(uuid[], timestamptz, timestamptz, text), core_marketing.record_dispatch(jsonb, jsonb, jsonb),
  core_marketing.apply_conversion_callback(uuid, text, uuid, text, text, text)
  from public, anon, authenticated;
grant execute on function core_marketing.register_conversion(text, uuid, text, numeric, text, timestamptz),
  core_marketing.retry_deliveries(uuid[], timestamptz, timestamptz, text) to authenticated, service_role;
grant execute on function core_marketing._register_conversions(text, text, jsonb, boolean),
  core_marketing.record_dispatch(jsonb, jsonb, jsonb), core_marketing.apply_conversion_callback(uuid, text, uuid, text, text, text)
  to service_role;

-- Token and credential columns: no privilege for authenticated (the conversion-settings function writes them).
grant select (id, company_id, name, pixel_id, has_access_token, token_status, token_error, token_updated_at, test_event_code,
              domain, action_source, graph_version, is_active, created_at, updated_at)
  on core_marketing.pixel_configs to authenticated;
grant insert (company_id, name, pixel_id, test_event_code, domain, action_source, graph_version, is_active)
  on core_marketing.pixel_configs to authenticated;
grant update (name, test_event_code, domain, action_source, graph_version, is_active) on core_marketing.pixel_configs to authenticated;
grant delete on core_marketing.pixel_configs to authenticated;

grant select (id, company_id, platform, name, account_ref, login_customer_id, has_credentials, credentials_status, status_message,
              is_active, created_at, updated_at)
  on core_marketing.platform_accounts to authenticated;
grant insert (company_id, platform, name, account_ref, login_customer_id, is_active) on core_marketing.platform_accounts to authenticated;
grant update (name, login_customer_id, is_active) on core_marketing.platform_accounts to authenticated;
grant delete on core_marketing.platform_accounts to authenticated;

grant select on core_marketing.attribution_windows to authenticated;
grant update (click_window_days, upload_limit_days, require_click_id) on core_marketing.attribution_windows to authenticated;
grant select, insert, delete on core_marketing.conversion_mappings to authenticated;
grant update (conversion_name, is_active, send_value, meta_event_name, pixel_config_id, google_conversion_action_id,
              tiktok_event_name, linkedin_rule_id, send_to_webhook)
  on core_marketing.conversion_mappings to authenticated;
grant select on core_marketing.conversion_sources, core_marketing.conversions, core_marketing.conversion_deliveries,
  core_marketing.dispatch_log, ops.domain_events, core_marketing.conversion_callbacks to authenticated;
grant select on core_marketing.pixel_config_details, core_marketing.conversion_sync_status, core_marketing.match_quality,
  core_marketing.conversion_alerts, core_marketing.lead_click_ids to authenticated;

grant select, insert, update, delete on core_marketing.pixel_configs, core_marketing.platform_accounts,
  core_marketing.attribution_windows, core_marketing.conversion_mappings, core_marketing.conversions,
  core_marketing.conversion_deliveries, core_marketing.dispatch_log, ops.domain_events, core_marketing.conversion_callbacks
  to service_role;
grant select on core_marketing.conversion_sources, core_marketing.pixel_config_details, core_marketing.conversion_sync_status,
  core_marketing.match_quality, core_marketing.conversion_alerts, core_marketing.lead_click_ids to service_role;
