-- Web tracking (seed 003; BLUEPRINT §6.1): the sites a company tracks, their landing pages and A/B
-- variants, sessions, visitor journeys, UTM / click-id touches, page views and interaction events.
--
-- Who writes what:
-- * lead.domains, lead.landing_pages: company admins, through PostgREST (RLS + column grants);
-- * everything else: only lead.ingest_tracking_batch / lead.capture_web_lead (20261203000200), called by
--   the `track` and `lead-capture` edge functions with the service role. Members read their company's.
--
-- The large append-only tables (utm_touches, page_views, web_events) are partitioned by month with
-- native declarative partitioning. ops.partitioned_tables lists them; ops.maintain_partitions(), run
-- daily by pg_cron, keeps partitions created ahead and detaches the ones a table asks to drop off
-- (decision 0010 says why this is ours and not pg_partman).
--
-- Names other modules read (keep stable): lead.utm_touches (touched_at, lead_id, the click-id columns,
-- mid), lead.leads.first_touch_id / last_touch_id / email_mid.

-- ---- partition maintenance ------------------------------------------------------------------------

-- Partitions live in schema `partitions` (not exposed through the Data API, so they never appear in the
-- generated types, which would otherwise change every month), named <schema>_<table>_yYYYYmMM.
create schema partitions;
comment on schema partitions is 'Monthly partitions of the partitioned tables of every module (ops.partitioned_tables). Read and write them through their parent tables.';
revoke all on schema partitions from public;
grant usage on schema partitions to service_role;

create table ops.partitioned_tables (
  parent regclass primary key,
  months_ahead integer not null default 3 check (months_ahead between 1 and 24),
  detach_after_months integer check (detach_after_months between 1 and 120),
  registered_by text not null check (registered_by ~ '^[0-9]{14}_[a-z0-9_]+\.sql$'),
  created_at timestamptz not null default pg_catalog.now()
);
comment on table ops.partitioned_tables is
  'Tables partitioned by month (range on a timestamptz column) that ops.maintain_partitions() keeps partitions ahead for: one insert per table by the migration that creates it.';
comment on column ops.partitioned_tables.months_ahead is 'How many months after the current one must already have a partition.';
comment on column ops.partitioned_tables.detach_after_months is
  'When set, partitions whose whole month ended more than this many months ago are detached (kept as plain tables named *_detached until someone archives or drops them). Null: never detached.';

alter table ops.partitioned_tables enable row level security;
revoke all on ops.partitioned_tables from public, anon, authenticated, service_role;
grant select on ops.partitioned_tables to service_role;
create policy partitioned_tables_service_read on ops.partitioned_tables for select to service_role using (true);

create function ops.create_monthly_partitions(parent regclass, from_month date, to_month date)
returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  month date := date_trunc('month', from_month)::date;
  parent_schema text;
  parent_name text;
  partition_name text;
  created integer := 0;
begin
  select n.nspname, c.relname into parent_schema, parent_name
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where c.oid = parent and c.relkind = 'p';
  if parent_name is null then
    raise exception '% is not a partitioned table', parent using errcode = '22023';
  end if;
  while month <= to_month loop
    partition_name := format('%s_%s_y%sm%s', parent_schema, parent_name, to_char(month, 'YYYY'), to_char(month, 'MM'));
    if pg_catalog.to_regclass(format('partitions.%I', partition_name)) is null then
      execute format('create table partitions.%I partition of %s for values from (%L) to (%L)',
                     partition_name, parent, month::timestamptz, (month + interval '1 month')::timestamptz);
      -- A partition read directly (not through its parent) obeys its own RLS: enabled, no policy, no
      -- grants beyond the owner's and service_role, so only the parent's policies ever expose rows.
      execute format('alter table partitions.%I enable row level security', partition_name);
      execute format('revoke all on partitions.%I from public, anon, authenticated', partition_name);
      created := created + 1;
    end if;
    month := (month + interval '1 month')::date;
  end loop;
  return created;
end
$$;
comment on function ops.create_monthly_partitions(regclass, date, date) is
  'Creates the missing monthly partitions partitions.<schema>_<table>_yYYYYmMM of a range-partitioned table, from from_month through to_month, each with RLS enabled. Re-runnable; returns how many it created.';

create function ops.maintain_partitions(at timestamptz default pg_catalog.now())
returns table (parent regclass, created integer, detached text[])
language plpgsql security definer set search_path = ''
as $$
declare
  t ops.partitioned_tables;
  old record;
  gone text[];
begin
  for t in select p.* from ops.partitioned_tables p order by p.parent::text loop
    gone := '{}';
    if t.detach_after_months is not null then
      for old in
        select c.oid::regclass as part, n.nspname, c.relname,
               (regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz as upper_bound
        from pg_catalog.pg_inherits i
        join pg_catalog.pg_class c on c.oid = i.inhrelid
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where i.inhparent = t.parent
      loop
        if old.upper_bound <= date_trunc('month', at) - make_interval(months => t.detach_after_months) then
          execute format('alter table %s detach partition %s', t.parent, old.part);
          execute format('alter table %I.%I rename to %I', old.nspname, old.relname, old.relname || '_detached');
          gone := gone || old.relname::text;
        end if;
      end loop;
    end if;
    parent := t.parent;
    created := ops.create_monthly_partitions(t.parent, date_trunc('month', at)::date,
                                             (date_trunc('month', at) + make_interval(months => t.months_ahead))::date);
    detached := gone;
    return next;
  end loop;
end
$$;
comment on function ops.maintain_partitions(timestamptz) is
  'For every ops.partitioned_tables row: creates partitions from the current month through months_ahead, and detaches (renaming to *_detached) those older than detach_after_months. Re-runnable; pg_cron job maintain-partitions runs it daily.';

revoke execute on function ops.create_monthly_partitions(regclass, date, date), ops.maintain_partitions(timestamptz)
  from public, anon, authenticated;
grant execute on function ops.maintain_partitions(timestamptz) to service_role;

-- ---- per-company settings -------------------------------------------------------------------------

create table lead.tracking_settings (
  company_id uuid primary key references core.companies (id) on delete cascade,
  visitor_key bytea not null default extensions.gen_random_bytes(32),
  created_at timestamptz not null default now()
);
comment on table lead.tracking_settings is
  'Per-company tracking secret: visitor_key keys the HMAC of IP + user agent + domain that names a visitor when the snippet sent no first-party id. Never readable by members; created on first use.';

-- ---- sites and pages ------------------------------------------------------------------------------

create function lead.new_site_key() returns text
language sql volatile set search_path = ''
as $$
  select 'rk_' || pg_catalog.translate(pg_catalog.encode(extensions.gen_random_bytes(18), 'base64'), '+/', '-_')
$$;
comment on function lead.new_site_key() is 'A fresh public site key: rk_ and 24 url-safe base64 characters (144 random bits).';

create function lead._origins_are_valid(origins text[]) returns boolean
language sql immutable parallel safe set search_path = ''
as $$
  select coalesce(bool_and(o ~ '^https?://[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:[0-9]{1,5})?$'), true)
  from pg_catalog.unnest(origins) as o
$$;
comment on function lead._origins_are_valid(text[]) is
  'True when every element is a lower-case origin (scheme://host[:port], no path), as browsers send in the Origin header.';

create table lead.domains (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references core.companies (id) on delete cascade,
  domain_name text not null,
  domain_url text not null,
  site_key text not null default lead.new_site_key(),
  allowed_origins text[] not null default '{}',
  is_active boolean not null default true,
  metadata jsonb not null default '{}'::jsonb,
  last_event_at timestamptz,
  site_key_rotated_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint domains_company_id_and_id_are_unique unique (company_id, id),
  constraint domains_site_key_is_unique unique (site_key),
  constraint domains_name_per_company_is_unique unique (company_id, domain_name),
  constraint domain_name_is_sane check (length(domain_name) between 1 and 253),
  constraint domain_url_is_http check (domain_url ~ '^https?://[^/[:space:]]+' and length(domain_url) <= 2000),
  constraint allowed_origins_are_origins check (cardinality(allowed_origins) <= 50 and lead._origins_are_valid(allowed_origins)),
  constraint metadata_is_an_object check (jsonb_typeof(metadata) = 'object')
);
comment on table lead.domains is
  'A site a company tracks (seed 003 domains). The snippet sends site_key (public); track and lead-capture accept it only from an allowed origin.';
comment on column lead.domains.site_key is 'Public key the snippet sends; rotate with lead.rotate_site_key (the old key stops working at once).';
comment on column lead.domains.allowed_origins is 'Origins (scheme://host[:port], lower case) whose pages may send events with this key. Empty: none may.';
comment on column lead.domains.last_event_at is 'When track last accepted events for this site (updated at most once a minute).';

create table lead.landing_pages (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null,
  domain_id uuid not null,
  page_url text not null,
  page_name text not null,
  page_variant text,
  is_control boolean not null default false,
  ab_test_id uuid,
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint landing_pages_company_id_and_id_are_unique unique (company_id, id),
  constraint landing_pages_url_per_domain_is_unique unique (domain_id, page_url),
  constraint domain_belongs_to_company foreign key (company_id, domain_id) references lead.domains (company_id, id) on delete cascade,
  constraint page_url_is_origin_and_path check (page_url ~ '^https?://[^/?#[:space:]]+(/[^?#[:space:]]*)?$' and length(page_url) <= 2000),
  constraint page_name_is_sane check (length(page_name) between 1 and 200),
  constraint page_variant_is_sane check (length(page_variant) between 1 and 60),
  constraint variants_belong_to_a_test check ((ab_test_id is null) or (page_variant is not null)),
  constraint control_is_a_variant check (not is_control or ab_test_id is not null)
);
comment on table lead.landing_pages is
  'A page of a tracked site (seed 003 landing_pages): page views and touches whose URL (origin + path, no query) equals page_url point at it. Pages sharing ab_test_id are the variants of one A/B test; is_control marks the baseline.';
comment on column lead.landing_pages.page_url is 'Origin and path without query or fragment, no trailing slash except the root (track normalises URLs the same way).';

create unique index idx_landing_pages_one_control_per_test on lead.landing_pages (ab_test_id) where is_control;
create index idx_landing_pages_company_id_ab_test_id on lead.landing_pages (company_id, ab_test_id) where ab_test_id is not null;
create index idx_domains_company_id on lead.domains (company_id, created_at);

-- ---- visitors and sessions ------------------------------------------------------------------------

create table lead.visitor_journeys (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null,
  domain_id uuid not null,
  visitor_id text not null,
  first_visit_at timestamptz not null,
  last_visit_at timestamptz not null,
  total_sessions integer not null default 0,
  total_page_views integer not null default 0,
  converted boolean not null default false,
  conversion_session_id text,
  lead_id uuid,
  constraint visitor_journeys_company_id_and_id_are_unique unique (company_id, id),
  constraint one_journey_per_visitor_and_site unique (company_id, domain_id, visitor_id),
  constraint domain_belongs_to_company foreign key (company_id, domain_id) references lead.domains (company_id, id) on delete cascade,
  constraint lead_belongs_to_company foreign key (company_id, lead_id) references lead.leads (company_id, id) on delete set null (lead_id),
  constraint visitor_id_is_sane check (visitor_id ~ '^[A-Za-z0-9_.-]{8,80}$')
);
comment on table lead.visitor_journeys is
  'All sessions of one visitor on one site (seed 003 visitor_journeys). visitor_id is the snippet''s first-party id, or h.<HMAC(ip, user agent, domain)> keyed by the company''s tracking secret when it sent none.';

create table lead.sessions (
  company_id uuid not null,
  id text not null,
  domain_id uuid not null,
  journey_id uuid not null,
  visitor_id text not null,
  first_page_id uuid,
  landing_url text,
  referrer text,
  device text,
  browser text,
  os text,
  started_at timestamptz not null,
  last_activity_at timestamptz not null,
  total_page_views integer not null default 0,
  total_events integer not null default 0,
  return_visits integer not null default 0,
  converted boolean not null default false,
  lead_id uuid,
  metadata jsonb not null default '{}'::jsonb,
  primary key (company_id, id),
  constraint session_id_is_sane check (id ~ '^[A-Za-z0-9_-]{8,64}$'),
  constraint domain_belongs_to_company foreign key (company_id, domain_id) references lead.domains (company_id, id) on delete cascade,
  constraint journey_belongs_to_company foreign key (company_id, journey_id) references lead.visitor_journeys (company_id, id) on delete cascade,
  constraint first_page_belongs_to_company foreign key (company_id, first_page_id) references lead.landing_pages (company_id, id) on delete set null (first_page_id),
  constraint lead_belongs_to_company foreign key (company_id, lead_id) references lead.leads (company_id, id) on delete set null (lead_id),
  constraint device_is_known check (device in ('desktop', 'mobile', 'tablet', 'tv', 'other')),
  constraint metadata_is_an_object check (jsonb_typeof(metadata) = 'object')
);
comment on table lead.sessions is
  'One visit (seed 003 sessions): the id is the snippet''s session id (30 minutes of inactivity start a new one). return_visits counts the visitor''s earlier sessions on the site (0 = first visit).';
comment on column lead.sessions.return_visits is 'Sessions of the same visitor on the same site before this one (seed: return_visits).';

create index idx_sessions_company_id_started_at on lead.sessions (company_id, started_at desc);
create index idx_sessions_company_id_converted_started_at on lead.sessions (company_id, converted, started_at desc);
create index idx_sessions_company_id_domain_id_started_at on lead.sessions (company_id, domain_id, started_at desc);
create index idx_sessions_company_id_visitor_id on lead.sessions (company_id, visitor_id);
create index idx_sessions_company_id_journey_id on lead.sessions (company_id, journey_id, started_at);
create index idx_sessions_company_id_lead_id on lead.sessions (company_id, lead_id) where lead_id is not null;
create index idx_visitor_journeys_company_id_last_visit_at on lead.visitor_journeys (company_id, last_visit_at desc);
create index idx_visitor_journeys_company_id_lead_id on lead.visitor_journeys (company_id, lead_id) where lead_id is not null;

-- ---- touches, page views, events (partitioned by month) -------------------------------------------
-- Partitioned tables cannot be the target of foreign keys without their partition key, so rows
-- pointing at a touch (lead.leads.first_touch_id / last_touch_id) carry its touched_at beside its id.

create table lead.utm_touches (
  id uuid not null default gen_random_uuid(),
  touched_at timestamptz not null default now(),
  company_id uuid not null,
  domain_id uuid not null,
  session_id text not null,
  visitor_id text not null,
  journey_id uuid not null,
  page_id uuid,
  lead_id uuid,
  channel text not null,
  utm_source text,
  utm_medium text,
  utm_campaign text,
  utm_id text,
  utm_term text,
  utm_content text,
  gclid text,
  gbraid text,
  wbraid text,
  fbclid text,
  fbc text,
  fbp text,
  ttclid text,
  li_fat_id text,
  msclkid text,
  mid text,
  device text,
  match_type text,
  attribution_model text,
  referrer text,
  page_url text,
  url_params jsonb not null default '{}'::jsonb,
  user_agent text,
  client_ip inet,
  created_at timestamptz not null default now(),
  primary key (id, touched_at),
  constraint domain_belongs_to_company foreign key (company_id, domain_id) references lead.domains (company_id, id) on delete cascade,
  constraint session_belongs_to_company foreign key (company_id, session_id) references lead.sessions (company_id, id) on delete cascade,
  constraint lead_belongs_to_company foreign key (company_id, lead_id) references lead.leads (company_id, id) on delete set null (lead_id),
  constraint channel_is_known check (channel in ('paid', 'campaign', 'email', 'referral', 'direct')),
  constraint fbc_is_meta_format check (fbc ~ '^fb\.[0-2]\.[0-9]{10,16}\.[^.[:space:]]+(\.[^.[:space:]]+)?$'),
  constraint fbp_is_meta_format check (fbp ~ '^fb\.[0-2]\.[0-9]{10,16}\.[0-9A-Za-z_-]+(\.[^.[:space:]]+)?$'),
  constraint url_params_is_an_object check (jsonb_typeof(url_params) = 'object')
) partition by range (touched_at);
comment on table lead.utm_touches is
  'A marketing touch (seed 003 utm_tracking): the first page of every session, and any later page whose UTMs or click ids differ from the session''s last touch. Return visits with new UTMs add touches; old ones are kept. Partitioned by month on touched_at.';
comment on column lead.utm_touches.channel is
  'paid (a click id), campaign (UTMs), email (an e-mail message id, mid), referral (an outside referrer only), direct (none).';
comment on column lead.utm_touches.fbc is 'Meta click cookie fb.<subdomain index>.<ms>.<fbclid>[.<appendix>], as the snippet read or wrote it; derived from fbclid when absent. Never altered.';
comment on column lead.utm_touches.fbp is 'Meta browser id fb.<subdomain index>.<ms>.<random>[.<appendix>] from the _fbp cookie.';
comment on column lead.utm_touches.mid is 'Public id of the e-mail message (mtrk) whose link brought the visitor, from the mid URL parameter.';
comment on column lead.utm_touches.lead_id is 'The lead this visitor became, set on all the journey''s touches when the lead is captured.';
comment on column lead.utm_touches.client_ip is 'Removed (null) after the company''s retention period by the privacy job.';
comment on column lead.utm_touches.user_agent is 'Removed (null) after the company''s retention period by the privacy job.';

-- seed 003: (created_at, utm_source, utm_campaign, session_id, gclid, fbclid), company first.
create index idx_utm_touches_company_id_touched_at on lead.utm_touches (company_id, touched_at desc);
create index idx_utm_touches_company_id_source_campaign on lead.utm_touches (company_id, utm_source, utm_campaign, touched_at);
create index idx_utm_touches_company_id_session_id on lead.utm_touches (company_id, session_id, touched_at);
create index idx_utm_touches_gclid on lead.utm_touches (gclid) where gclid is not null;
create index idx_utm_touches_fbclid on lead.utm_touches (fbclid) where fbclid is not null;
-- "The latest touch of lead L with a non-null click id X inside the window": a lead has few touches,
-- so one index on (company, lead, touched_at desc) serves every click id (filter on the few rows).
create index idx_utm_touches_company_id_lead_id_touched_at on lead.utm_touches (company_id, lead_id, touched_at desc)
  where lead_id is not null;
create index idx_utm_touches_company_id_journey_id on lead.utm_touches (company_id, journey_id, touched_at);

create table lead.page_views (
  id uuid not null default gen_random_uuid(),
  created_at timestamptz not null default now(),
  company_id uuid not null,
  domain_id uuid not null,
  session_id text not null,
  page_id uuid,
  client_event_id text not null,
  page_url text not null,
  page_path text not null,
  page_title text,
  referrer text,
  view_order integer not null,
  time_on_page integer,
  scroll_depth integer,
  exit_page boolean not null default true,
  occurred_at timestamptz,
  primary key (id, created_at),
  constraint session_belongs_to_company foreign key (company_id, session_id) references lead.sessions (company_id, id) on delete cascade,
  constraint view_order_is_positive check (view_order >= 1),
  constraint time_on_page_is_sane check (time_on_page between 0 and 86400),
  constraint scroll_depth_is_a_percentage check (scroll_depth between 0 and 100)
) partition by range (created_at);
comment on table lead.page_views is
  'Each page seen in a session (seed 003 page_views), SPA navigations included. exit_page is true for the session''s latest view only; time_on_page (seconds) and scroll_depth arrive when the visitor leaves the page. Partitioned by month on created_at (when track received it).';

create index idx_page_views_company_id_created_at on lead.page_views (company_id, created_at desc);
create index idx_page_views_company_id_session_id on lead.page_views (company_id, session_id, created_at);
create index idx_page_views_company_id_page_id on lead.page_views (company_id, page_id, created_at) where page_id is not null;

create table lead.web_events (
  id uuid not null default gen_random_uuid(),
  created_at timestamptz not null default now(),
  company_id uuid not null,
  domain_id uuid not null,
  session_id text not null,
  page_id uuid,
  client_event_id text not null,
  event_type text not null,
  event_category text,
  event_action text,
  event_label text,
  event_value numeric,
  element_id text,
  element_class text,
  event_data jsonb not null default '{}'::jsonb,
  page_url text,
  occurred_at timestamptz,
  primary key (id, created_at),
  constraint session_belongs_to_company foreign key (company_id, session_id) references lead.sessions (company_id, id) on delete cascade,
  constraint event_type_is_sane check (event_type ~ '^[a-z][a-z0-9_]{0,39}$'),
  constraint event_data_is_an_object check (jsonb_typeof(event_data) = 'object')
) partition by range (created_at);
comment on table lead.web_events is
  'Interactions (seed 003 events): click (tracked elements), outbound, scroll (depth milestones), form_submit, custom. Partitioned by month on created_at.';

-- seed 003: (created_at, event_type, session_id), company first.
create index idx_web_events_company_id_created_at on lead.web_events (company_id, created_at desc);
create index idx_web_events_company_id_event_type on lead.web_events (company_id, event_type, created_at desc);
create index idx_web_events_company_id_session_id on lead.web_events (company_id, session_id, created_at);

-- Client event ids already accepted, so a retried batch writes nothing twice. Pruned daily after 7 days
-- (the snippet gives up retrying long before).
create table lead.tracking_receipts (
  domain_id uuid not null references lead.domains (id) on delete cascade,
  client_event_id text not null,
  received_at timestamptz not null default now(),
  primary key (domain_id, client_event_id)
);
comment on table lead.tracking_receipts is
  'Client event ids track has written per site: the idempotency ledger of retried batches. Service role only; rows older than 7 days are pruned by lead.prune_tracking_receipts().';
create index idx_tracking_receipts_received_at on lead.tracking_receipts (received_at);

insert into ops.partitioned_tables (parent, months_ahead, registered_by) values
  ('lead.utm_touches', 3, '20261203000100_create_web_tracking.sql'),
  ('lead.page_views', 3, '20261203000100_create_web_tracking.sql'),
  ('lead.web_events', 3, '20261203000100_create_web_tracking.sql');
-- A year back (demo traffic and imported history) through three months ahead.
select ops.create_monthly_partitions(t.parent, (date_trunc('month', now()) - interval '12 months')::date,
                                     (date_trunc('month', now()) + interval '3 months')::date)
from ops.partitioned_tables t;

-- ---- leads: where they came from ------------------------------------------------------------------

alter table lead.leads
  add column first_touch_id uuid,
  add column first_touch_at timestamptz,
  add column last_touch_id uuid,
  add column last_touch_at timestamptz,
  add column email_mid text,
  add constraint email_mid_is_sane check (email_mid ~ '^[A-Za-z0-9_-]{1,64}$'),
  add constraint touch_ids_come_with_times check ((first_touch_id is null) = (first_touch_at is null)
                                                  and (last_touch_id is null) = (last_touch_at is null));
comment on column lead.leads.first_touch_id is 'First lead.utm_touches row of the visitor''s journey when the lead was captured (with first_touch_at, its partition key).';
comment on column lead.leads.last_touch_id is 'Latest touch before the capture (with last_touch_at).';
comment on column lead.leads.email_mid is 'The e-mail message public id (mid) the capture carried, when the visitor came from an e-mail link.';
create index idx_leads_company_id_session_id on lead.leads (company_id, session_id) where session_id is not null;

-- ---- triggers -------------------------------------------------------------------------------------

create trigger domains_touch_updated_at before update on lead.domains
  for each row execute function core._touch_updated_at();
create trigger landing_pages_touch_updated_at before update on lead.landing_pages
  for each row execute function core._touch_updated_at();
select ops.attach_audit('lead.domains');
select ops.attach_audit('lead.landing_pages');

-- ---- policies -------------------------------------------------------------------------------------

alter table lead.tracking_settings enable row level security;
alter table lead.domains enable row level security;
alter table lead.landing_pages enable row level security;
alter table lead.visitor_journeys enable row level security;
alter table lead.sessions enable row level security;
alter table lead.utm_touches enable row level security;
alter table lead.page_views enable row level security;
alter table lead.web_events enable row level security;
alter table lead.tracking_receipts enable row level security;

create policy "members read their company's sites" on lead.domains
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "admins add sites to their company" on lead.domains
  for insert to authenticated
  with check (company_id = (select core.current_company_id()) and (select core.is_company_admin()));
create policy "admins change their company's sites" on lead.domains
  for update to authenticated
  using (company_id = (select core.current_company_id()) and (select core.is_company_admin()))
  with check (company_id = (select core.current_company_id()));
create policy "admins delete their company's sites" on lead.domains
  for delete to authenticated
  using (company_id = (select core.current_company_id()) and (select core.is_company_admin()));

create policy "members read their company's landing pages" on lead.landing_pages
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "admins add landing pages to their company" on lead.landing_pages
  for insert to authenticated
  with check (company_id = (select core.current_company_id()) and (select core.is_company_admin()));
create policy "admins change their company's landing pages" on lead.landing_pages
  for update to authenticated
  using (company_id = (select core.current_company_id()) and (select core.is_company_admin()))
  with check (company_id = (select core.current_company_id()));
create policy "admins delete their company's landing pages" on lead.landing_pages
  for delete to authenticated
  using (company_id = (select core.current_company_id()) and (select core.is_company_admin()));

create policy "members read their company's journeys" on lead.visitor_journeys
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's sessions" on lead.sessions
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's touches" on lead.utm_touches
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's page views" on lead.page_views
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's web events" on lead.web_events
  for select to authenticated using (company_id = (select core.current_company_id()));
-- tracking_settings, tracking_receipts: no policy for authenticated (service role only).

-- ---- RPCs for the console -------------------------------------------------------------------------

create function lead.rotate_site_key(domain_id uuid) returns text
language plpgsql security definer set search_path = ''
as $$
declare
  fresh text;
begin
  if not core.is_company_admin() then
    raise exception 'only admins rotate site keys' using errcode = '42501', hint = 'not_allowed';
  end if;
  update lead.domains d
  set site_key = lead.new_site_key(), site_key_rotated_at = now()
  where d.id = rotate_site_key.domain_id and d.company_id = core.current_company_id()
  returning d.site_key into fresh;
  if fresh is null then
    raise exception 'site % not found', rotate_site_key.domain_id using errcode = 'PT404', hint = 'domain_not_found';
  end if;
  return fresh;
end
$$;
comment on function lead.rotate_site_key(uuid) is
  'Gives the site a new public key (the old one is refused from now on) and returns it. Admins of the site''s company. Errors: 42501 not_allowed, PT404 domain_not_found.';

-- ---- grants ---------------------------------------------------------------------------------------

revoke execute on function lead.new_site_key(), lead._origins_are_valid(text[]), lead.rotate_site_key(uuid) from public;
grant execute on function lead._origins_are_valid(text[]) to authenticated, service_role;
grant execute on function lead.new_site_key() to authenticated, service_role;
grant execute on function lead.rotate_site_key(uuid) to authenticated;

grant select on lead.domains to authenticated;
grant insert (company_id, domain_name, domain_url, allowed_origins, is_active, metadata) on lead.domains to authenticated;
grant update (domain_name, domain_url, allowed_origins, is_active, metadata) on lead.domains to authenticated;
grant delete on lead.domains to authenticated;
grant select on lead.landing_pages to authenticated;
grant insert (company_id, domain_id, page_url, page_name, page_variant, is_control, ab_test_id, is_active) on lead.landing_pages to authenticated;
grant update (page_url, page_name, page_variant, is_control, ab_test_id, is_active) on lead.landing_pages to authenticated;
grant delete on lead.landing_pages to authenticated;
grant select on lead.visitor_journeys, lead.sessions, lead.utm_touches, lead.page_views, lead.web_events to authenticated;

grant select, insert, update, delete on lead.tracking_settings, lead.domains, lead.landing_pages, lead.visitor_journeys,
  lead.sessions, lead.utm_touches, lead.page_views, lead.web_events, lead.tracking_receipts to service_role;

-- ---- housekeeping ---------------------------------------------------------------------------------

create function lead.prune_tracking_receipts(older_than interval default interval '7 days') returns bigint
language plpgsql security definer set search_path = ''
as $$
declare
  pruned bigint;
begin
  delete from lead.tracking_receipts r where r.received_at < now() - older_than;
  get diagnostics pruned = row_count;
  return pruned;
end
$$;
comment on function lead.prune_tracking_receipts(interval) is
  'Forgets client event ids received longer ago than older_than (a retry that late is written again). pg_cron job prune-tracking-receipts runs it daily.';
revoke execute on function lead.prune_tracking_receipts(interval) from public, anon, authenticated;
grant execute on function lead.prune_tracking_receipts(interval) to service_role;

-- ---- schedule -------------------------------------------------------------------------------------

select cron.schedule('prune-tracking-receipts', '47 2 * * *', 'select lead.prune_tracking_receipts()');
select cron.schedule('maintain-partitions', '17 2 * * *', 'select * from ops.maintain_partitions()');
insert into ops.expected_cron_jobs (jobname, does, migration) values
  ('maintain-partitions', 'monthly partitions stop being created ahead and tracking writes fail once the last month is reached',
   '20261203000100_create_web_tracking.sql'),
  ('prune-tracking-receipts', 'the ledger of client event ids grows without bound', '20261203000100_create_web_tracking.sql');
