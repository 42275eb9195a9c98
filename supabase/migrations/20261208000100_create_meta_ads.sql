-- Meta Ads (BLUEPRINT §6.4, §6.5; seed 002 sprints 2, 3 and 5): the Facebook profiles a company
-- connected (multi-profile OAuth), the ad accounts those profiles reach and which of them are tracked
-- (with their dataset/pixel), a cache of ad → ad set → campaign names (enrichment), and daily spend,
-- impressions and clicks per ad (insights sync).
--
--   meta-oauth        connect (signed state) → Meta dialog → callback: code → token → long-lived token
--                     → /me → core_marketing.meta_connections (token sealed, status)
--   meta-accounts     /me/adaccounts of every active connection, merged → core_marketing.meta_ad_accounts
--   meta-sync-worker  pgmq meta_enrichment (issue 9a's webhook) → meta_ads + lead.ticket_tracking names;
--                     pgmq meta_insights (daily pg_cron, one message per tracked account) → meta_ad_insights
--
-- Tokens are sealed by the functions with RASTRO_ENCRYPTION_KEY (AES-256-GCM bound to the row, as the
-- pixel tokens of 20261204000100) and `authenticated` has no privilege on the ciphertext column.
-- See docs/decisions/0014-meta-ads.md.

-- ---- tables ---------------------------------------------------------------------------------------

create table core_marketing.meta_connections (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references core.companies (id) on delete cascade,
  fb_user_id text not null,
  fb_user_name text not null,
  access_token_ciphertext text,
  has_access_token boolean generated always as (access_token_ciphertext is not null) stored,
  token_expires_at timestamptz,
  granted_scopes text[] not null default '{}',
  status text not null default 'ACTIVE',
  status_message text,
  connected_by uuid references auth.users (id) on delete set null,
  connected_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint fb_user_id_is_numeric check (fb_user_id ~ '^[0-9]{1,25}$'),
  constraint fb_user_name_is_sane check (length(btrim(fb_user_name)) between 1 and 200),
  constraint status_is_known check (status in ('ACTIVE', 'EXPIRED', 'INVALID_SCOPES')),
  constraint status_message_is_short check (length(status_message) <= 500),
  constraint one_row_per_fb_user unique (company_id, fb_user_id),
  constraint meta_connections_company_id_and_id_are_unique unique (company_id, id)
);
comment on table core_marketing.meta_connections is
  'One Facebook profile connected to a company through the meta-oauth function (seed 002 MetaConnection): several per company, one per Facebook user.';
comment on column core_marketing.meta_connections.access_token_ciphertext is
  'The long-lived user access token (~60 days), AES-256-GCM sealed by meta-oauth and bound to this row. authenticated has no privilege on it.';
comment on column core_marketing.meta_connections.status is
  'ACTIVE; EXPIRED: Meta refused the token (code 190) or token_expires_at passed — reconnect the profile; INVALID_SCOPES: a required permission (ads_read, ads_management, business_management) was not granted.';

create table core_marketing.meta_ad_accounts (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references core.companies (id) on delete cascade,
  connection_id uuid not null,
  ad_account_id text not null,
  account_name text not null,
  currency text,
  timezone_name text,
  account_status integer,
  pixel_id text,
  pixel_name text,
  is_active boolean not null default false,
  insights_backfilled_at timestamptz,
  insights_synced_at timestamptz,
  insights_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint ad_account_id_is_act check (ad_account_id ~ '^act_[0-9]{1,25}$'),
  constraint account_name_is_sane check (length(account_name) between 1 and 300),
  constraint currency_is_iso_4217 check (currency ~ '^[A-Z]{3}$'),
  constraint timezone_is_sane check (length(timezone_name) <= 80),
  constraint pixel_id_is_numeric check (pixel_id ~ '^[0-9]{5,20}$'),
  constraint pixel_name_needs_pixel check (pixel_name is null or pixel_id is not null),
  constraint insights_error_is_short check (length(insights_error) <= 500),
  constraint one_row_per_ad_account unique (company_id, ad_account_id),
  constraint meta_ad_accounts_company_id_and_id_are_unique unique (company_id, id),
  constraint connection_belongs_to_company foreign key (company_id, connection_id)
    references core_marketing.meta_connections (company_id, id) on delete cascade
);
comment on table core_marketing.meta_ad_accounts is
  'An ad account a company configured (seed 002 MetaAdAccount): which connection''s token reads it, its dataset/pixel and whether it is tracked (insights sync, enrichment).';
comment on column core_marketing.meta_ad_accounts.insights_backfilled_at is
  'When the first insights sync (the last 28 days) completed; null: the next sync backfills 28 days.';

create table core_marketing.meta_ads (
  company_id uuid not null references core.companies (id) on delete cascade,
  ad_id text not null,
  ad_name text,
  adset_id text,
  adset_name text,
  campaign_id text,
  campaign_name text,
  account_id text,
  fetched_at timestamptz not null default now(),
  primary key (company_id, ad_id),
  constraint ad_id_is_numeric check (ad_id ~ '^[0-9]{1,25}$'),
  constraint adset_id_is_numeric check (adset_id ~ '^[0-9]{1,25}$'),
  constraint campaign_id_is_numeric check (campaign_id ~ '^[0-9]{1,25}$'),
  constraint account_id_is_numeric check (account_id ~ '^[0-9]{1,25}$')
);
comment on table core_marketing.meta_ads is
  'Cache of an ad''s place in the hierarchy (ad → ad set → campaign, ids and names, its account), filled by enrichment (GET /{ad_id}) and by the insights sync.';

create table core_marketing.meta_ad_insights (
  company_id uuid not null references core.companies (id) on delete cascade,
  ad_id text not null,
  day date not null,
  meta_ad_account_id uuid not null,
  adset_id text,
  campaign_id text,
  spend numeric(14, 2) not null default 0,
  impressions bigint not null default 0,
  clicks bigint not null default 0,
  currency text,
  synced_at timestamptz not null default now(),
  primary key (company_id, ad_id, day),
  constraint ad_id_is_numeric check (ad_id ~ '^[0-9]{1,25}$'),
  constraint figures_are_not_negative check (spend >= 0 and impressions >= 0 and clicks >= 0),
  constraint currency_is_iso_4217 check (currency ~ '^[A-Z]{3}$'),
  constraint account_belongs_to_company foreign key (company_id, meta_ad_account_id)
    references core_marketing.meta_ad_accounts (company_id, id) on delete cascade
);
comment on table core_marketing.meta_ad_insights is
  'Spend, impressions and clicks per ad and day as Meta reports them (the day is the ad account''s, in its time zone; time_increment=1). One row per (ad, day): syncs overwrite.';

-- ---- indexes --------------------------------------------------------------------------------------

create index idx_meta_connections_company_id on core_marketing.meta_connections (company_id, created_at);
create index idx_meta_ad_accounts_connection_id on core_marketing.meta_ad_accounts (company_id, connection_id);
create index idx_meta_ad_accounts_active on core_marketing.meta_ad_accounts (is_active) where is_active;
create index idx_meta_ads_company_id_campaign on core_marketing.meta_ads (company_id, campaign_id);
create index idx_meta_ad_insights_company_id_day on core_marketing.meta_ad_insights (company_id, day);
create index idx_meta_ad_insights_account on core_marketing.meta_ad_insights (company_id, meta_ad_account_id, day);

-- ---- queue ----------------------------------------------------------------------------------------
-- Messages: { "company_id": uuid, "meta_ad_account_id": uuid }. The worker picks the date range itself
-- (28 days on the first sync of an account, the last 3 days afterwards: Meta revises recent days).

select pgmq.create('meta_insights');

-- ---- views ----------------------------------------------------------------------------------------

create view core_marketing.meta_connection_details with (security_invoker = true) as
  select c.id, c.company_id, c.fb_user_id, c.fb_user_name, c.has_access_token, c.token_expires_at, c.granted_scopes,
         case when c.status = 'ACTIVE' and c.token_expires_at is not null and c.token_expires_at <= now() then 'EXPIRED'
              else c.status end as status,
         case when c.status = 'ACTIVE' and c.token_expires_at is not null and c.token_expires_at <= now()
              then 'The token expired; reconnect the profile' else c.status_message end as status_message,
         c.connected_at, c.updated_at,
         (select count(*) from core_marketing.meta_ad_accounts a where a.connection_id = c.id and a.is_active) as active_ad_accounts
  from core_marketing.meta_connections c;
comment on view core_marketing.meta_connection_details is
  'Connections as the console shows them, never with a token: a token past token_expires_at shows EXPIRED even before Meta refuses it.';

-- ---- functions ------------------------------------------------------------------------------------

-- Writes one page of insights rows (the Graph answer's `data`, as sent: strings for the figures)
-- for one ad account, set-based: the hierarchy into meta_ads, the figures into meta_ad_insights.
-- Idempotent per (ad, day): a row already there is overwritten with Meta's latest figures.
create function core_marketing.upsert_meta_insights(meta_ad_account_id uuid, rows jsonb)
returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  account core_marketing.meta_ad_accounts;
  written integer;
begin
  select a.* into account from core_marketing.meta_ad_accounts a where a.id = upsert_meta_insights.meta_ad_account_id;
  if account.id is null then
    raise exception 'unknown meta ad account %', upsert_meta_insights.meta_ad_account_id using errcode = 'PT404';
  end if;
  if jsonb_typeof(rows) is distinct from 'array' then
    raise exception 'rows must be a JSON array' using errcode = 'PT422';
  end if;

  insert into core_marketing.meta_ads (company_id, ad_id, ad_name, adset_id, adset_name, campaign_id, campaign_name, account_id, fetched_at)
  select distinct on (r.ad_id) account.company_id, r.ad_id, r.ad_name, r.adset_id, r.adset_name, r.campaign_id, r.campaign_name,
         coalesce(r.account_id, substr(account.ad_account_id, 5)), now()
  from jsonb_to_recordset(rows) as r (ad_id text, ad_name text, adset_id text, adset_name text, campaign_id text,
                                      campaign_name text, account_id text, date_start date)
  order by r.ad_id, r.date_start desc
  on conflict (company_id, ad_id) do update
    set ad_name = coalesce(excluded.ad_name, meta_ads.ad_name), adset_id = coalesce(excluded.adset_id, meta_ads.adset_id),
        adset_name = coalesce(excluded.adset_name, meta_ads.adset_name),
        campaign_id = coalesce(excluded.campaign_id, meta_ads.campaign_id),
        campaign_name = coalesce(excluded.campaign_name, meta_ads.campaign_name),
        account_id = coalesce(excluded.account_id, meta_ads.account_id), fetched_at = excluded.fetched_at;

  insert into core_marketing.meta_ad_insights (company_id, ad_id, day, meta_ad_account_id, adset_id, campaign_id, spend,
                                               impressions, clicks, currency, synced_at)
  select account.company_id, r.ad_id, r.date_start, account.id, r.adset_id, r.campaign_id, coalesce(r.spend, 0),
         coalesce(r.impressions, 0), coalesce(r.clicks, 0), coalesce(r.account_currency, account.currency), now()
  from jsonb_to_recordset(rows) as r (ad_id text, date_start date, adset_id text, campaign_id text, spend numeric(14, 2),
                                      impressions bigint, clicks bigint, account_currency text)
  on conflict (company_id, ad_id, day) do update
    set meta_ad_account_id = excluded.meta_ad_account_id, adset_id = excluded.adset_id, campaign_id = excluded.campaign_id,
        spend = excluded.spend, impressions = excluded.impressions, clicks = excluded.clicks, currency = excluded.currency,
        synced_at = excluded.synced_at;
  get diagnostics written = row_count;
  return written;
end
$$;
comment on function core_marketing.upsert_meta_insights(uuid, jsonb) is
  'One page of /act_{id}/insights?level=ad&time_increment=1 rows → meta_ads (names) and meta_ad_insights (figures), set-based and idempotent per (ad, day). service_role only (meta-sync-worker).';

-- The daily sync: one meta_insights message per tracked ad account whose connection is active (an
-- account already waiting in the queue is not queued twice), then a kick of the worker.
create function core_marketing.enqueue_meta_insights_sync()
returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  queued integer;
begin
  with due as (
    select a.company_id, a.id
    from core_marketing.meta_ad_accounts a
    join core_marketing.meta_connections c on c.id = a.connection_id
    where a.is_active and c.status = 'ACTIVE' and c.access_token_ciphertext is not null
      and (c.token_expires_at is null or c.token_expires_at > now())
      and not exists (select 1 from pgmq.q_meta_insights q where q.message ->> 'meta_ad_account_id' = a.id::text)
  )
  select count(*) into queued
  from due d
  cross join lateral pgmq.send(queue_name => 'meta_insights',
                               msg => jsonb_build_object('company_id', d.company_id, 'meta_ad_account_id', d.id));
  if queued > 0 then
    perform ops.invoke_edge_function('meta-sync-worker', '{"trigger": "cron", "job": "insights"}'::jsonb);
  end if;
  return queued;
end
$$;
comment on function core_marketing.enqueue_meta_insights_sync() is
  'Daily (pg_cron meta-insights-sync): queues one insights sync per tracked ad account with an active connection and kicks meta-sync-worker.';

-- Meta refused a connection's token (code 190) or the permissions (code 200/10): the profile shows it,
-- the console offers to reconnect, the daily sync skips it.
create function core_marketing.mark_meta_connection(connection_id uuid, status text, message text)
returns void
language sql security definer set search_path = ''
as $$
  update core_marketing.meta_connections c
  set status = mark_meta_connection.status, status_message = left(mark_meta_connection.message, 500)
  where c.id = mark_meta_connection.connection_id;
$$;

-- ---- pg_cron --------------------------------------------------------------------------------------

select cron.unschedule(j.jobname) from cron.job j where j.jobname in ('meta-sync-worker', 'meta-insights-sync');
select cron.schedule('meta-sync-worker', '* * * * *',
  $cmd$select ops.invoke_edge_function('meta-sync-worker', '{"trigger": "cron"}'::jsonb, 60000)$cmd$);
select cron.schedule('meta-insights-sync', '15 6 * * *',
  $cmd$select core_marketing.enqueue_meta_insights_sync()$cmd$);

insert into ops.expected_cron_jobs (jobname, does, migration) values
  ('meta-sync-worker', 'Ad enrichment and insights retries run only when something kicks the worker; tickets stay PENDING', '20261208000100_create_meta_ads.sql'),
  ('meta-insights-sync', 'Daily Meta spend, impressions and clicks stop arriving; ROI shows no spend', '20261208000100_create_meta_ads.sql');

-- ---- triggers -------------------------------------------------------------------------------------

create trigger meta_connections_touch_updated_at before update on core_marketing.meta_connections
  for each row execute function core._touch_updated_at();
create trigger meta_ad_accounts_touch_updated_at before update on core_marketing.meta_ad_accounts
  for each row execute function core._touch_updated_at();
select ops.attach_audit('core_marketing.meta_connections', array['access_token_ciphertext']);
select ops.attach_audit('core_marketing.meta_ad_accounts', array[]::text[]);

-- ---- policies -------------------------------------------------------------------------------------

alter table core_marketing.meta_connections enable row level security;
alter table core_marketing.meta_ad_accounts enable row level security;
alter table core_marketing.meta_ads enable row level security;
alter table core_marketing.meta_ad_insights enable row level security;

create policy "members read their company's profiles" on core_marketing.meta_connections
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "admins remove profiles" on core_marketing.meta_connections
  for delete to authenticated
  using (company_id = (select core.current_company_id()) and (select core.is_company_admin()));

create policy "members read their company's ad accounts" on core_marketing.meta_ad_accounts
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "admins add ad accounts" on core_marketing.meta_ad_accounts
  for insert to authenticated
  with check (company_id = (select core.current_company_id()) and (select core.is_company_admin()));
create policy "admins change ad accounts" on core_marketing.meta_ad_accounts
  for update to authenticated
  using (company_id = (select core.current_company_id()) and (select core.is_company_admin()))
  with check (company_id = (select core.current_company_id()));
create policy "admins remove ad accounts" on core_marketing.meta_ad_accounts
  for delete to authenticated
  using (company_id = (select core.current_company_id()) and (select core.is_company_admin()));

create policy "members read their company's ads" on core_marketing.meta_ads
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's insights" on core_marketing.meta_ad_insights
  for select to authenticated using (company_id = (select core.current_company_id()));

-- ---- grants ---------------------------------------------------------------------------------------

revoke execute on function core_marketing.upsert_meta_insights(uuid, jsonb), core_marketing.enqueue_meta_insights_sync(),
  core_marketing.mark_meta_connection(uuid, text, text)
  from public, anon, authenticated;
grant execute on function core_marketing.upsert_meta_insights(uuid, jsonb), core_marketing.enqueue_meta_insights_sync(),
  core_marketing.mark_meta_connection(uuid, text, text)
  to service_role;

-- The token column: no privilege for authenticated (meta-oauth writes it as service_role).
grant select (id, company_id, fb_user_id, fb_user_name, has_access_token, token_expires_at, granted_scopes, status,
              status_message, connected_by, connected_at, created_at, updated_at)
  on core_marketing.meta_connections to authenticated;
grant delete on core_marketing.meta_connections to authenticated;
grant select on core_marketing.meta_ad_accounts to authenticated;
grant insert (company_id, connection_id, ad_account_id, account_name, currency, timezone_name, account_status, pixel_id,
              pixel_name, is_active)
  on core_marketing.meta_ad_accounts to authenticated;
grant update (connection_id, account_name, currency, timezone_name, account_status, pixel_id, pixel_name, is_active)
  on core_marketing.meta_ad_accounts to authenticated;
grant delete on core_marketing.meta_ad_accounts to authenticated;
grant select on core_marketing.meta_ads, core_marketing.meta_ad_insights, core_marketing.meta_connection_details
  to authenticated;

grant select, insert, update, delete on core_marketing.meta_connections, core_marketing.meta_ad_accounts,
  core_marketing.meta_ads, core_marketing.meta_ad_insights to service_role;
grant select on core_marketing.meta_connection_details to service_role;
