-- Integrations with external systems (Dinamize first): per-company settings and encrypted
-- credentials, the sync marks of periodic pulls, a log of every external call, and worker heartbeats.
-- Credentials are encrypted by edge functions (AES-256-GCM, RASTRO_ENCRYPTION_KEY) and only ever
-- touched by service_role: the console writes them through an edge function, never reads them back.

-- ---- tables ---------------------------------------------------------------------------------------

create table ops.integrations (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references core.companies (id) on delete cascade,
  provider text not null,
  display_name text,
  settings jsonb not null default '{}'::jsonb,
  sync_enabled boolean not null default false,
  status text not null default 'pending',
  status_message text,
  credentials_ciphertext text,
  credentials_updated_at timestamptz,
  has_credentials boolean generated always as (credentials_ciphertext is not null) stored,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint provider_is_known check (provider in ('dinamize')),
  constraint status_is_known check (status in ('pending', 'connected', 'error')),
  constraint settings_is_an_object check (jsonb_typeof(settings) = 'object'),
  constraint one_integration_per_provider unique (company_id, provider),
  constraint integrations_company_id_and_id_are_unique unique (company_id, id)
);
comment on table ops.integrations is
  'One per company and provider. It is active (leads with sync_to_crm get pushed) when sync_enabled and has_credentials.';
comment on column ops.integrations.settings is 'Non-secret settings shown in the console (e.g. Dinamize list code, field mapping). Never put secrets here.';
comment on column ops.integrations.status is 'pending: never verified; connected: the last authentication succeeded; error: it failed (status_message says why). Written by workers.';
comment on column ops.integrations.credentials_ciphertext is
  'Encrypted credentials (AES-256-GCM, base64 iv+ciphertext+tag) written by an edge function as service_role. anon/authenticated have no privilege on this column.';
comment on column ops.integrations.has_credentials is 'Lets the console show "configured" without any access to the ciphertext.';

create table ops.sync_state (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null,
  integration_id uuid not null,
  sync_type text not null,
  last_successful_sync timestamptz,
  last_attempt_at timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint integration_belongs_to_company foreign key (company_id, integration_id)
    references ops.integrations (company_id, id) on delete cascade,
  constraint sync_type_is_snake_case check (sync_type ~ '^[a-z][a-z0-9_]*$'),
  constraint one_mark_per_sync_type unique (integration_id, sync_type)
);
comment on table ops.sync_state is
  'The high-water mark of each periodic pull (e.g. sync_type contacts_pull). Advanced only when a whole pull succeeded.';
comment on column ops.sync_state.last_successful_sync is 'Start time of the last pull that finished without error; the next pull asks for changes since then.';

create table ops.integrations_log (
  id bigint generated always as identity primary key,
  company_id uuid not null references core.companies (id) on delete cascade,
  integration_id uuid references ops.integrations (id) on delete set null,
  provider text not null,
  lead_id uuid,
  direction text not null,
  operation text not null,
  status_code integer,
  success boolean not null,
  duration_ms integer,
  request jsonb,
  response jsonb,
  error text,
  occurred_at timestamptz not null default now(),
  constraint direction_is_known check (direction in ('outbound', 'inbound')),
  constraint duration_is_not_negative check (duration_ms is null or duration_ms >= 0)
);
comment on table ops.integrations_log is
  'Every call to or from an external system (seed 003/004 sync logs). Append-only, written by workers.';
comment on column ops.integrations_log.lead_id is 'The lead the call was about, if any. No foreign key: the log outlives deleted leads.';
comment on column ops.integrations_log.operation is 'Provider operation, e.g. auth, contact_add, contact_update, contact_search.';
comment on column ops.integrations_log.request is 'The request with secrets (passwords, tokens) removed before it is written.';

create table ops.worker_runs (
  id bigint generated always as identity primary key,
  worker text not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  processed integer not null default 0,
  succeeded integer not null default 0,
  failed integer not null default 0,
  retried integer not null default 0,
  error text,
  constraint counts_are_not_negative check (processed >= 0 and succeeded >= 0 and failed >= 0 and retried >= 0)
);
comment on table ops.worker_runs is
  'One row per queue-worker invocation (heartbeat and counts). Cross-tenant, so only service_role reads it; ops views summarise it.';

-- ---- indexes --------------------------------------------------------------------------------------

create index idx_sync_state_company_id on ops.sync_state (company_id);
create index idx_integrations_log_company_id_occurred_at on ops.integrations_log (company_id, occurred_at desc);
create index idx_integrations_log_company_id_lead_id on ops.integrations_log (company_id, lead_id, occurred_at desc) where lead_id is not null;
create index idx_integrations_log_integration_id on ops.integrations_log (integration_id);
create index idx_worker_runs_worker_started_at on ops.worker_runs (worker, started_at desc);

-- ---- triggers -------------------------------------------------------------------------------------

create trigger integrations_touch_updated_at before update on ops.integrations
  for each row execute function core._touch_updated_at();
create trigger sync_state_touch_updated_at before update on ops.sync_state
  for each row execute function core._touch_updated_at();
select ops.attach_audit('ops.integrations', array['credentials_ciphertext']);

-- ---- policies -------------------------------------------------------------------------------------

alter table ops.integrations enable row level security;
alter table ops.sync_state enable row level security;
alter table ops.integrations_log enable row level security;
alter table ops.worker_runs enable row level security;

create policy "members read their company's integrations" on ops.integrations
  for select to authenticated
  using (company_id = (select core.current_company_id()));

create policy "admins add integrations to their company" on ops.integrations
  for insert to authenticated
  with check (company_id = (select core.current_company_id())
              and (select core.has_company_role(array['owner', 'backoffice_admin', 'marketing_admin'])));

create policy "admins change their company's integrations" on ops.integrations
  for update to authenticated
  using (company_id = (select core.current_company_id())
         and (select core.has_company_role(array['owner', 'backoffice_admin', 'marketing_admin'])))
  with check (company_id = (select core.current_company_id()));

create policy "admins remove their company's integrations" on ops.integrations
  for delete to authenticated
  using (company_id = (select core.current_company_id())
         and (select core.has_company_role(array['owner', 'backoffice_admin', 'marketing_admin'])));

create policy "members read their company's sync marks" on ops.sync_state
  for select to authenticated
  using (company_id = (select core.current_company_id()));

create policy "members read their company's integration calls" on ops.integrations_log
  for select to authenticated
  using (company_id = (select core.current_company_id()));

-- ops.worker_runs: no policy for authenticated; only service_role (bypasses RLS) reads and writes it.

-- ---- grants ---------------------------------------------------------------------------------------

-- Column-level: the console may read and edit everything but the ciphertext, and never sets status.
-- Selecting credentials_ciphertext (or `select=*`) as authenticated fails with 42501: list columns.
grant select (id, company_id, provider, display_name, settings, sync_enabled, status, status_message,
              credentials_updated_at, has_credentials, created_at, updated_at) on ops.integrations to authenticated;
grant insert (company_id, provider, display_name, settings, sync_enabled) on ops.integrations to authenticated;
grant update (display_name, settings, sync_enabled) on ops.integrations to authenticated;
grant delete on ops.integrations to authenticated;
grant select on ops.sync_state, ops.integrations_log to authenticated;

grant select, insert, update, delete on ops.integrations, ops.sync_state, ops.integrations_log, ops.worker_runs to service_role;
