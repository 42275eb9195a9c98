-- E-mail campaigns (seed 001, BLUEPRINT §6.6): contacts, audiences, campaigns and their CTAs, one message
-- per contact × campaign, one tracked link per CTA per message, the append-only event log, unsubscribes
-- and the suppression list, and the aggregates dashboards read.
--
-- Intention → execution → result:
--   campaigns, campaign_ctas, campaign_audiences   what was planned (editors write them)
--   messages, links                                what was generated and sent (mtrk.generate_messages, the sender)
--   events                                         what happened (append-only, partitioned by month)
--   unsubscribes, ops.suppression_list             limits that every later generation honours
--   campaign_metrics, message / link / CTA counters  aggregates kept by one statement trigger on events
--
-- Public ids: messages, links and contacts carry a random `public_id` (uuid v4). URLs never carry it
-- bare: the edge functions sign it (HMAC, key derived from RASTRO_ENCRYPTION_KEY, decision 0012) and
-- check the signature before anything here is asked, so a forged id never reaches the database.
--
-- Error codes raised here (PostgREST answers the PTxyz status with the hint as machine code):
--   PT404 campaign_not_found · PT409 campaign_not_generatable · 42501 not_allowed

-- ---- tables ---------------------------------------------------------------------------------------

create table mtrk.contacts (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references core.companies (id) on delete cascade,
  email text not null,
  name text,
  lead_id uuid,
  status text not null default 'active',
  soft_bounces integer not null default 0,
  public_id uuid not null default gen_random_uuid() unique,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint status_is_known check (status in ('active', 'suppressed', 'bounced', 'complained')),
  constraint email_has_one_at_sign check (email ~ '^[^@[:space:]]+@[^@[:space:]]+$' and length(email) <= 320),
  constraint name_has_sane_length check (length(name) <= 300),
  constraint soft_bounces_are_not_negative check (soft_bounces >= 0),
  constraint contacts_company_id_and_id_are_unique unique (company_id, id),
  constraint lead_belongs_to_company foreign key (company_id, lead_id)
    references lead.leads (company_id, id) on delete set null (lead_id)
);
comment on table mtrk.contacts is
  'Canonical recipient catalogue of a company (seed 001 Contatos): one row per e-mail address (case-insensitive), whatever the number of campaigns. Status is the deliverability state; unsubscribes live in mtrk.unsubscribes.';
comment on column mtrk.contacts.status is
  'active | suppressed (soft bounces past the threshold, or by hand) | bounced (a hard bounce) | complained (a spam complaint). Only active contacts get messages.';
comment on column mtrk.contacts.soft_bounces is 'Soft bounces so far; at mtrk._soft_bounce_limit() the contact becomes suppressed.';
comment on column mtrk.contacts.lead_id is 'The lead with the same person, when the contact came from leads or a lead was attributed to one of its messages.';
comment on column mtrk.contacts.public_id is 'The rid appended to tracked links (signed); never the primary key.';

create table mtrk.audiences (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references core.companies (id) on delete cascade,
  name text not null,
  description text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint name_is_not_blank check (length(btrim(name)) between 1 and 200),
  constraint description_has_sane_length check (length(description) <= 2000),
  constraint audiences_company_id_and_id_are_unique unique (company_id, id)
);
comment on table mtrk.audiences is 'A named list of contacts (seed 001 mkt.Audiences); campaigns choose audiences.';

create table mtrk.audience_contacts (
  company_id uuid not null,
  audience_id uuid not null,
  contact_id uuid not null,
  added_at timestamptz not null default now(),
  primary key (audience_id, contact_id),
  constraint audience_belongs_to_company foreign key (company_id, audience_id)
    references mtrk.audiences (company_id, id) on delete cascade,
  constraint contact_belongs_to_company foreign key (company_id, contact_id)
    references mtrk.contacts (company_id, id) on delete cascade
);
comment on table mtrk.audience_contacts is 'Membership of contacts in audiences (seed 001 mkt.AudienceContacts).';

create table mtrk.campaigns (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references core.companies (id) on delete cascade,
  name text not null,
  objective text,
  subject text not null,
  html_content text not null,
  sender_name text not null,
  sender_email text not null,
  starts_at timestamptz,
  ends_at timestamptz,
  status text not null default 'draft',
  landing_page_id uuid unique,
  utm_source text not null default 'email',
  utm_medium text not null default 'email',
  utm_campaign text,
  send_checkpoint bigint not null default 0,
  generated_at timestamptz,
  sending_started_at timestamptz,
  sent_at timestamptz,
  created_by uuid default auth.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint status_is_known check (status in ('draft', 'scheduled', 'sending', 'sent', 'paused', 'cancelled')),
  constraint name_is_not_blank check (length(btrim(name)) between 1 and 200),
  constraint subject_is_not_blank check (length(btrim(subject)) between 1 and 300),
  constraint html_has_sane_length check (length(html_content) between 1 and 500000),
  constraint sender_email_has_one_at_sign check (sender_email ~ '^[^@[:space:]]+@[^@[:space:]]+$' and length(sender_email) <= 320),
  constraint sender_name_has_sane_length check (length(btrim(sender_name)) between 1 and 200),
  constraint period_is_ordered check (ends_at is null or starts_at is null or ends_at > starts_at),
  constraint utms_have_sane_lengths check (length(utm_source) <= 100 and length(utm_medium) <= 100 and length(utm_campaign) <= 200),
  constraint objective_has_sane_length check (length(objective) <= 1000),
  constraint campaigns_company_id_and_id_are_unique unique (company_id, id),
  constraint landing_page_belongs_to_company foreign key (company_id, landing_page_id)
    references lead.landing_pages (company_id, id) on delete set null (landing_page_id)
);
comment on table mtrk.campaigns is
  'A mass send (seed 001 Campanhas): objective, content, period, sender and execution status. The unit of analysis of the e-mail dashboards.';
comment on column mtrk.campaigns.html_content is
  'The same HTML for every recipient; every <a href="http(s)://…"> becomes a CTA (mtrk.campaign_ctas) and is rewritten per message to its tracked link when sent.';
comment on column mtrk.campaigns.landing_page_id is
  'The campaign''s landing page (lead.landing_pages), 1:1 (seed 001): its CTAs usually point there, and leads it captures with a mid are attributed to the campaign.';
comment on column mtrk.campaigns.send_checkpoint is
  'Keyset checkpoint of the sender: the highest mtrk.messages.id already handed to the transport. A resumed send continues after it (never offset).';
comment on column mtrk.campaigns.utm_campaign is 'utm_campaign appended to every CTA (default: the campaign''s id).';

create table mtrk.campaign_ctas (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null,
  campaign_id uuid not null,
  position integer not null,
  label text not null,
  url text not null,
  clicks integer not null default 0,
  unique_clicks integer not null default 0,
  constraint one_cta_per_position unique (campaign_id, position),
  constraint url_is_http check (url ~* '^https?://[^/[:space:]]+'),
  constraint counts_are_not_negative check (clicks >= 0 and unique_clicks >= 0),
  constraint campaign_ctas_company_id_and_id_are_unique unique (company_id, id),
  constraint campaign_belongs_to_company foreign key (company_id, campaign_id)
    references mtrk.campaigns (company_id, id) on delete cascade
);
comment on table mtrk.campaign_ctas is
  'The calls to action of a campaign, one per absolute link in its HTML in document order (kept by trigger from html_content). The registered URL a click may be redirected to; clicks and unique_clicks (human only) feed the CTA ranking.';

create table mtrk.campaign_audiences (
  company_id uuid not null,
  campaign_id uuid not null,
  audience_id uuid not null,
  primary key (campaign_id, audience_id),
  constraint campaign_belongs_to_company foreign key (company_id, campaign_id)
    references mtrk.campaigns (company_id, id) on delete cascade,
  constraint audience_belongs_to_company foreign key (company_id, audience_id)
    references mtrk.audiences (company_id, id) on delete cascade
);
comment on table mtrk.campaign_audiences is 'The audiences a campaign goes to (seed 001 mkt.CampaignAudiences).';

create table mtrk.messages (
  id bigint generated always as identity primary key,
  company_id uuid not null,
  campaign_id uuid not null,
  contact_id uuid not null,
  public_id uuid not null default gen_random_uuid(),
  status text not null default 'queued',
  transport text,
  provider_message_id text,
  error text,
  sent_at timestamptz,
  delivered_at timestamptz,
  first_open_at timestamptz,
  first_click_at timestamptz,
  hard_bounced_at timestamptz,
  complained_at timestamptz,
  unsubscribed_at timestamptz,
  opens integer not null default 0,
  clicks integer not null default 0,
  machine_opens integer not null default 0,
  machine_clicks integer not null default 0,
  soft_bounces integer not null default 0,
  created_at timestamptz not null default now(),
  constraint status_is_known check (status in ('queued', 'sent', 'failed', 'skipped')),
  constraint transport_is_known check (transport in ('smtp', 'simulator')),
  constraint one_message_per_contact_and_campaign unique (campaign_id, contact_id),
  constraint messages_company_id_and_id_are_unique unique (company_id, id),
  constraint campaign_belongs_to_company foreign key (company_id, campaign_id)
    references mtrk.campaigns (company_id, id) on delete cascade,
  constraint contact_belongs_to_company foreign key (company_id, contact_id)
    references mtrk.contacts (company_id, id) on delete cascade
);
comment on table mtrk.messages is
  'One contact receiving one campaign (seed 001 Mensagens): the link between campaign, contact, events and leads. Created only by mtrk.generate_messages. The timestamps and counters are kept from mtrk.events by trigger (human engagement only; machine opens/clicks counted apart).';
comment on column mtrk.messages.public_id is 'The mid of tracked URLs and landing pages (signed in URLs); never the primary key.';
comment on column mtrk.messages.status is 'queued → sent (its sent event arrived) | failed (the transport refused it) | skipped (no longer eligible when its turn came).';
comment on column mtrk.messages.provider_message_id is 'The id the SMTP server or provider answered (SendGrid sg_message_id prefix, Message-ID otherwise); webhooks find the message by it.';
create unique index idx_messages_public_id on mtrk.messages (public_id);

create table mtrk.links (
  id bigint generated always as identity primary key,
  company_id uuid not null,
  campaign_id uuid not null,
  message_id bigint not null,
  cta_id uuid not null,
  public_id uuid not null default gen_random_uuid(),
  clicks integer not null default 0,
  first_click_at timestamptz,
  constraint one_link_per_cta_and_message unique (message_id, cta_id),
  constraint clicks_are_not_negative check (clicks >= 0),
  constraint message_belongs_to_company foreign key (company_id, message_id)
    references mtrk.messages (company_id, id) on delete cascade,
  constraint cta_belongs_to_company foreign key (company_id, cta_id)
    references mtrk.campaign_ctas (company_id, id) on delete cascade
);
comment on table mtrk.links is
  'One tracked link per CTA per message (seed 001 Links): which button this person clicked. The redirect target is the CTA''s registered URL, never anything from the request.';
comment on column mtrk.links.public_id is 'The id in the click URL (signed); never the primary key.';
create unique index idx_links_public_id on mtrk.links (public_id);

create table mtrk.events (
  id bigint generated always as identity,
  company_id uuid not null,
  campaign_id uuid not null,
  message_id bigint not null,
  contact_id uuid not null,
  link_id bigint,
  type text not null,
  bounce_kind text,
  is_machine boolean not null default false,
  machine_reason text,
  source text not null,
  user_agent text,
  provider_event_id text,
  detail jsonb,
  occurred_at timestamptz not null default now(),
  recorded_at timestamptz not null default now(),
  primary key (id, occurred_at),
  constraint type_is_known check (type in ('sent', 'delivered', 'open', 'click', 'bounce', 'complaint', 'unsubscribe')),
  constraint bounce_kind_only_on_bounces check ((type = 'bounce') = (bounce_kind is not null) and bounce_kind in ('soft', 'hard')),
  constraint link_only_on_clicks check (link_id is null or type = 'click'),
  constraint machine_reason_only_on_machine check (is_machine or machine_reason is null),
  constraint source_is_known check (source in ('smtp', 'simulator', 'tracking', 'webhook')),
  constraint user_agent_has_sane_length check (length(user_agent) <= 500),
  constraint provider_event_id_has_sane_length check (length(provider_event_id) <= 200),
  constraint each_provider_event_once unique (provider_event_id, occurred_at),
  -- Deleting a company, campaign or contact (erasure) takes its events along; nothing else deletes them.
  constraint message_belongs_to_company foreign key (company_id, message_id)
    references mtrk.messages (company_id, id) on delete cascade,
  constraint campaign_belongs_to_company foreign key (company_id, campaign_id)
    references mtrk.campaigns (company_id, id) on delete cascade,
  constraint contact_belongs_to_company foreign key (company_id, contact_id)
    references mtrk.contacts (company_id, id) on delete cascade,
  constraint link_is_known foreign key (link_id) references mtrk.links (id) on delete cascade
) partition by range (occurred_at);
comment on table mtrk.events is
  'Raw, immutable log of what happened to a message (seed 001 Eventos): history, not state. Append-only — update, delete and truncate are refused for every role but the schema owner. Partitioned by month of occurred_at (ops.partitioned_tables). Dashboards never read it per page view: the statement trigger mtrk._apply_events keeps the aggregates.';
comment on column mtrk.events.is_machine is
  'An open or click by a machine (image proxy prefetch, link scanner): kept, but out of human engagement. The rule: decision 0012 and mtrk.track_open / mtrk.track_click.';
comment on column mtrk.events.provider_event_id is 'The provider''s event id (webhooks): the same delivery twice is one event.';
comment on column mtrk.events.source is 'smtp (the sender) | simulator (clearly simulated) | tracking (pixel, click, one-click unsubscribe) | webhook (email-events).';

create table mtrk.unsubscribes (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null,
  contact_id uuid not null,
  scope text not null,
  campaign_id uuid,
  audience_id uuid,
  message_id bigint,
  source text not null,
  created_at timestamptz not null default now(),
  constraint scope_is_known check (scope in ('global', 'campaign', 'list')),
  constraint scope_names_its_target check (
    (scope = 'global' and campaign_id is null and audience_id is null)
    or (scope = 'campaign' and campaign_id is not null and audience_id is null)
    or (scope = 'list' and audience_id is not null and campaign_id is null)),
  constraint source_is_known check (source in ('one_click', 'page', 'webhook', 'console', 'simulator')),
  constraint contact_belongs_to_company foreign key (company_id, contact_id)
    references mtrk.contacts (company_id, id) on delete cascade,
  constraint campaign_belongs_to_company foreign key (company_id, campaign_id)
    references mtrk.campaigns (company_id, id) on delete cascade,
  constraint audience_belongs_to_company foreign key (company_id, audience_id)
    references mtrk.audiences (company_id, id) on delete cascade,
  constraint message_belongs_to_company foreign key (company_id, message_id)
    references mtrk.messages (company_id, id) on delete set null (message_id)
);
comment on table mtrk.unsubscribes is
  'A contact''s explicit decision not to receive (seed 001 Unsubscribes; LGPD): global (nothing more from the company), campaign, or list (one audience). A persistent rule every later generation honours, unlike the unsubscribe event.';
create unique index idx_unsubscribes_once_per_scope on mtrk.unsubscribes
  (contact_id, scope, coalesce(campaign_id, audience_id, '00000000-0000-0000-0000-000000000000'::uuid));

create table ops.suppression_list (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references core.companies (id) on delete cascade,
  email text not null,
  reason text not null,
  note text,
  created_by uuid default auth.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  constraint reason_is_known check (reason in ('unsubscribe', 'hard_bounce', 'complaint', 'soft_bounce_limit', 'manual', 'erasure')),
  constraint email_has_one_at_sign check (email ~ '^[^@[:space:]]+@[^@[:space:]]+$' and length(email) <= 320),
  constraint note_has_sane_length check (length(note) <= 1000)
);
comment on table ops.suppression_list is
  'Addresses a company must never e-mail again, whatever list they are on (governance applied before generating messages): global unsubscribes, complaints, soft bounces past the limit, manual entries.';
create unique index idx_suppression_list_company_id_lower_email on ops.suppression_list (company_id, lower(email));

create table mtrk.campaign_metrics (
  campaign_id uuid primary key,
  company_id uuid not null,
  sent integer not null default 0,
  delivered integer not null default 0,
  opens integer not null default 0,
  unique_opens integer not null default 0,
  clicks integer not null default 0,
  unique_clicks integer not null default 0,
  machine_opens integer not null default 0,
  machine_clicks integer not null default 0,
  soft_bounces integer not null default 0,
  hard_bounces integer not null default 0,
  complaints integer not null default 0,
  unsubscribes integer not null default 0,
  leads integer not null default 0,
  updated_at timestamptz not null default now(),
  constraint campaign_belongs_to_company foreign key (company_id, campaign_id)
    references mtrk.campaigns (company_id, id) on delete cascade
);
comment on table mtrk.campaign_metrics is
  'Per-campaign aggregates kept from mtrk.events (and lead attributions) by trigger: what dashboards read instead of raw events. Unique opens/clicks count messages with at least one human open/click.';

create table mtrk.campaign_metrics_daily (
  campaign_id uuid not null,
  day date not null,
  company_id uuid not null,
  delivered integer not null default 0,
  unique_opens integer not null default 0,
  unique_clicks integer not null default 0,
  bounces integer not null default 0,
  unsubscribes integer not null default 0,
  primary key (campaign_id, day),
  constraint campaign_belongs_to_company foreign key (company_id, campaign_id)
    references mtrk.campaigns (company_id, id) on delete cascade
);
comment on table mtrk.campaign_metrics_daily is 'The same aggregates by day (UTC) of the event, for the dashboard''s time chart.';

create table mtrk.lead_attributions (
  lead_id uuid primary key,
  company_id uuid not null,
  campaign_id uuid not null,
  message_id bigint not null,
  contact_id uuid not null,
  attributed_at timestamptz not null default now(),
  constraint lead_belongs_to_company foreign key (company_id, lead_id)
    references lead.leads (company_id, id) on delete cascade,
  constraint campaign_belongs_to_company foreign key (company_id, campaign_id)
    references mtrk.campaigns (company_id, id) on delete cascade,
  constraint message_belongs_to_company foreign key (company_id, message_id)
    references mtrk.messages (company_id, id) on delete cascade
);
comment on table mtrk.lead_attributions is
  'A lead captured on a landing page reached through a campaign link (its email_mid named this message): the message, contact and campaign it is attributed to. First attribution wins.';

-- ---- indexes --------------------------------------------------------------------------------------

create unique index idx_contacts_company_id_lower_email on mtrk.contacts (company_id, lower(email));
create index idx_contacts_company_id_status on mtrk.contacts (company_id, status);
create index idx_contacts_lead_id on mtrk.contacts (lead_id) where lead_id is not null;
create index idx_audiences_company_id_name on mtrk.audiences (company_id, name);
create index idx_audience_contacts_contact_id on mtrk.audience_contacts (contact_id);
create index idx_audience_contacts_company_id on mtrk.audience_contacts (company_id);
create index idx_campaigns_company_id_created_at on mtrk.campaigns (company_id, created_at desc);
create index idx_campaign_ctas_company_id on mtrk.campaign_ctas (company_id);
create index idx_campaign_audiences_audience_id on mtrk.campaign_audiences (audience_id);
create index idx_campaign_audiences_company_id on mtrk.campaign_audiences (company_id);
-- The sender walks a campaign's queued messages in id order from its checkpoint.
create index idx_messages_campaign_id_id on mtrk.messages (campaign_id, id);
create index idx_messages_contact_id on mtrk.messages (contact_id);
create index idx_messages_company_id_sent_at on mtrk.messages (company_id, sent_at) where sent_at is not null;
create index idx_messages_provider_message_id on mtrk.messages (provider_message_id) where provider_message_id is not null;
create index idx_links_cta_id on mtrk.links (cta_id);
create index idx_links_company_id on mtrk.links (company_id);
create index idx_events_company_id_campaign_id_occurred_at on mtrk.events (company_id, campaign_id, occurred_at desc);
create index idx_events_message_id on mtrk.events (message_id);
create index idx_unsubscribes_company_id_created_at on mtrk.unsubscribes (company_id, created_at desc);
create index idx_unsubscribes_campaign_id on mtrk.unsubscribes (campaign_id) where campaign_id is not null;
create index idx_unsubscribes_audience_id on mtrk.unsubscribes (audience_id) where audience_id is not null;
create index idx_campaign_metrics_company_id on mtrk.campaign_metrics (company_id);
create index idx_campaign_metrics_daily_company_id on mtrk.campaign_metrics_daily (company_id);
create index idx_lead_attributions_campaign_id on mtrk.lead_attributions (campaign_id);
create index idx_lead_attributions_company_id on mtrk.lead_attributions (company_id);

-- ---- event partitions -----------------------------------------------------------------------------

-- Monthly partitions in schema partitions, kept ahead by ops.maintain_partitions (web tracking's
-- registry): a year back for imported or simulated history, three months ahead.
insert into ops.partitioned_tables (parent, months_ahead, registered_by)
values ('mtrk.events', 3, '20261205000100_create_email_campaigns.sql');
select ops.create_monthly_partitions('mtrk.events', (date_trunc('month', now()) - interval '12 months')::date,
                                     (date_trunc('month', now()) + interval '3 months')::date);

-- ---- triggers -------------------------------------------------------------------------------------

create trigger contacts_touch_updated_at before update on mtrk.contacts
  for each row execute function core._touch_updated_at();
create trigger audiences_touch_updated_at before update on mtrk.audiences
  for each row execute function core._touch_updated_at();
create trigger campaigns_touch_updated_at before update on mtrk.campaigns
  for each row execute function core._touch_updated_at();

create function mtrk._prepare_contact() returns trigger
language plpgsql set search_path = ''
as $$
begin
  new.email := btrim(new.email);
  new.name := nullif(btrim(new.name), '');
  return new;
end
$$;
comment on function mtrk._prepare_contact() is 'Before insert/update on mtrk.contacts: trims e-mail and name.';
create trigger contacts_prepare before insert or update of email, name on mtrk.contacts
  for each row execute function mtrk._prepare_contact();

-- Absolute links of the HTML in document order: every <a … href="http(s)://…">, the label being the
-- anchor's text without tags (or the URL). The sender rewrites the same anchors in the same order.
create function mtrk.html_ctas(html text)
returns table (n integer, label text, url text)
language sql immutable set search_path = ''
as $$
  select m.n::integer,
         left(coalesce(nullif(btrim(regexp_replace(regexp_replace(m.parts[2], '<[^>]*>', '', 'g'), '\s+', ' ', 'g')), ''), m.parts[1]), 200),
         m.parts[1]
  from regexp_matches(html, '<a\s[^>]*?href\s*=\s*"(https?://[^"]+)"[^>]*>(.*?)</a>', 'gi') with ordinality as m (parts, n)
$$;
comment on function mtrk.html_ctas(text) is
  'The CTAs of campaign HTML: one row per <a href="http(s)://…"> in document order (label = anchor text). _shared/email-render.ts rewrites exactly these anchors.';

create function mtrk._sync_campaign_ctas() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and new.html_content is not distinct from old.html_content then
    return null;
  end if;
  if tg_op = 'UPDATE' and exists (select 1 from mtrk.messages m where m.campaign_id = new.id) then
    raise exception 'campaign % already has messages: its content can no longer change', new.id
      using errcode = 'PT409', hint = 'campaign_content_frozen';
  end if;
  delete from mtrk.campaign_ctas c where c.campaign_id = new.id;
  insert into mtrk.campaign_ctas (company_id, campaign_id, position, label, url)
  select new.company_id, new.id, h.n, h.label, h.url from mtrk.html_ctas(new.html_content) h;
  return null;
end
$$;
comment on function mtrk._sync_campaign_ctas() is
  'After insert/update of html_content: rebuilds the campaign''s CTAs from its HTML. Refused (PT409 campaign_content_frozen) once messages exist, so links always point at the CTAs they were made for.';
create trigger campaigns_sync_ctas after insert or update of html_content on mtrk.campaigns
  for each row execute function mtrk._sync_campaign_ctas();

create function mtrk._refuse_event_change() returns trigger
language plpgsql set search_path = ''
as $$
begin
  if current_user::text <> (select pg_catalog.pg_get_userbyid(n.nspowner)::text from pg_catalog.pg_namespace n where n.nspname = 'mtrk') then
    raise exception 'mtrk.events is append-only: % is refused', lower(tg_op)
      using errcode = '42501', hint = 'events_are_append_only';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end
$$;
comment on function mtrk._refuse_event_change() is
  'Before update/delete (each row) and truncate on mtrk.events: refuses anyone but the owner of schema mtrk (privacy erasure runs as the owner).';
create trigger events_refuse_update_and_delete before update or delete on mtrk.events
  for each row execute function mtrk._refuse_event_change();
create trigger events_refuse_truncate before truncate on mtrk.events
  for each statement execute function mtrk._refuse_event_change();

create function mtrk._soft_bounce_limit() returns integer
language sql immutable set search_path = ''
as $$ select 3 $$;
comment on function mtrk._soft_bounce_limit() is 'Soft bounces after which a contact is suppressed (3, decision 0012).';

-- One pass over the inserted events keeps every aggregate: message timestamps and counters, link and
-- CTA counters, campaign totals (overall and by day) and the contacts' deliverability state. "Unique"
-- transitions are read against the messages as they were before this statement (CTE snapshot), so a
-- message counts once however many events of a kind arrive, in one statement or many.
create function mtrk._apply_events() returns trigger
language plpgsql security definer set search_path = '' set client_min_messages = warning
as $$
begin
  create temp table if not exists pg_temp.mtrk_event_effects (
    message_id bigint, campaign_id uuid, company_id uuid, contact_id uuid, day date,
    new_sent boolean, new_delivered boolean, new_open boolean, new_click boolean, new_hard_bounce boolean,
    new_complaint boolean, new_unsubscribe boolean, opens integer, clicks integer, machine_opens integer,
    machine_clicks integer, soft_bounces integer, hard_bounces integer, complaints integer, unsubscribes integer,
    sent_at timestamptz, delivered_at timestamptz, first_open_at timestamptz, first_click_at timestamptz,
    hard_bounced_at timestamptz, complained_at timestamptz, unsubscribed_at timestamptz
  ) on commit delete rows;
  -- Made once per connection (a click is one small insert: no catalog work per transaction), emptied
  -- per statement and at commit.
  delete from pg_temp.mtrk_event_effects;

  insert into pg_temp.mtrk_event_effects
  select p.message_id, m.campaign_id, m.company_id, m.contact_id, p.day,
         m.sent_at is null and p.sent_at is not null,
         m.delivered_at is null and p.delivered_at is not null,
         m.first_open_at is null and p.first_open_at is not null,
         m.first_click_at is null and p.first_click_at is not null,
         m.hard_bounced_at is null and p.hard_bounced_at is not null,
         m.complained_at is null and p.complained_at is not null,
         m.unsubscribed_at is null and p.unsubscribed_at is not null,
         p.opens, p.clicks, p.machine_opens, p.machine_clicks, p.soft_bounces, p.hard_bounces, p.complaints,
         p.unsubscribes, p.sent_at, p.delivered_at, p.first_open_at, p.first_click_at, p.hard_bounced_at,
         p.complained_at, p.unsubscribed_at
  from (
    select e.message_id,
           (min(e.occurred_at) at time zone 'utc')::date as day,
           min(e.occurred_at) filter (where e.type = 'sent') as sent_at,
           min(e.occurred_at) filter (where e.type = 'delivered') as delivered_at,
           -- A person who clicked has opened, even with images blocked: the first human open or click.
           min(e.occurred_at) filter (where e.type in ('open', 'click') and not e.is_machine) as first_open_at,
           min(e.occurred_at) filter (where e.type = 'click' and not e.is_machine) as first_click_at,
           min(e.occurred_at) filter (where e.type = 'bounce' and e.bounce_kind = 'hard') as hard_bounced_at,
           min(e.occurred_at) filter (where e.type = 'complaint') as complained_at,
           min(e.occurred_at) filter (where e.type = 'unsubscribe') as unsubscribed_at,
           count(*) filter (where e.type = 'open' and not e.is_machine)::integer as opens,
           count(*) filter (where e.type = 'click' and not e.is_machine)::integer as clicks,
           count(*) filter (where e.type = 'open' and e.is_machine)::integer as machine_opens,
           count(*) filter (where e.type = 'click' and e.is_machine)::integer as machine_clicks,
           count(*) filter (where e.type = 'bounce' and e.bounce_kind = 'soft')::integer as soft_bounces,
           count(*) filter (where e.type = 'bounce' and e.bounce_kind = 'hard')::integer as hard_bounces,
           count(*) filter (where e.type = 'complaint')::integer as complaints,
           count(*) filter (where e.type = 'unsubscribe')::integer as unsubscribes
    from new_events e
    group by e.message_id
  ) p
  join mtrk.messages m on m.id = p.message_id;

  update mtrk.messages m
  set sent_at = coalesce(m.sent_at, f.sent_at),
      status = case when f.sent_at is not null and m.status = 'queued' then 'sent' else m.status end,
      delivered_at = coalesce(m.delivered_at, f.delivered_at),
      first_open_at = least(m.first_open_at, f.first_open_at),
      first_click_at = least(m.first_click_at, f.first_click_at),
      hard_bounced_at = coalesce(m.hard_bounced_at, f.hard_bounced_at),
      complained_at = coalesce(m.complained_at, f.complained_at),
      unsubscribed_at = coalesce(m.unsubscribed_at, f.unsubscribed_at),
      opens = m.opens + f.opens,
      clicks = m.clicks + f.clicks,
      machine_opens = m.machine_opens + f.machine_opens,
      machine_clicks = m.machine_clicks + f.machine_clicks,
      soft_bounces = m.soft_bounces + f.soft_bounces
  from pg_temp.mtrk_event_effects f
  where m.id = f.message_id;

  insert into mtrk.campaign_metrics as c (campaign_id, company_id, sent, delivered, opens, unique_opens, clicks,
                                          unique_clicks, machine_opens, machine_clicks, soft_bounces, hard_bounces,
                                          complaints, unsubscribes)
  select f.campaign_id, f.company_id, count(*) filter (where f.new_sent), count(*) filter (where f.new_delivered),
         sum(f.opens), count(*) filter (where f.new_open), sum(f.clicks), count(*) filter (where f.new_click),
         sum(f.machine_opens), sum(f.machine_clicks), sum(f.soft_bounces), count(*) filter (where f.new_hard_bounce),
         count(*) filter (where f.new_complaint), count(*) filter (where f.new_unsubscribe)
  from pg_temp.mtrk_event_effects f
  group by f.campaign_id, f.company_id
  on conflict (campaign_id) do update
    set sent = c.sent + excluded.sent, delivered = c.delivered + excluded.delivered, opens = c.opens + excluded.opens,
        unique_opens = c.unique_opens + excluded.unique_opens, clicks = c.clicks + excluded.clicks,
        unique_clicks = c.unique_clicks + excluded.unique_clicks, machine_opens = c.machine_opens + excluded.machine_opens,
        machine_clicks = c.machine_clicks + excluded.machine_clicks, soft_bounces = c.soft_bounces + excluded.soft_bounces,
        hard_bounces = c.hard_bounces + excluded.hard_bounces, complaints = c.complaints + excluded.complaints,
        unsubscribes = c.unsubscribes + excluded.unsubscribes, updated_at = now();

  insert into mtrk.campaign_metrics_daily as d (campaign_id, day, company_id, delivered, unique_opens, unique_clicks,
                                                bounces, unsubscribes)
  select f.campaign_id, f.day, f.company_id, count(*) filter (where f.new_delivered), count(*) filter (where f.new_open),
         count(*) filter (where f.new_click), sum(f.soft_bounces) + count(*) filter (where f.new_hard_bounce),
         count(*) filter (where f.new_unsubscribe)
  from pg_temp.mtrk_event_effects f
  group by f.campaign_id, f.day, f.company_id
  on conflict (campaign_id, day) do update
    set delivered = d.delivered + excluded.delivered, unique_opens = d.unique_opens + excluded.unique_opens,
        unique_clicks = d.unique_clicks + excluded.unique_clicks, bounces = d.bounces + excluded.bounces,
        unsubscribes = d.unsubscribes + excluded.unsubscribes;

  -- Links and CTAs: human clicks; a link's first human click is a unique click of its CTA.
  with per_link as (
    select e.link_id, count(*)::integer as clicks, min(e.occurred_at) as first_click_at
    from new_events e
    where e.type = 'click' and not e.is_machine and e.link_id is not null
    group by e.link_id
  ),
  before as (
    select l.id, l.cta_id, p.clicks, p.first_click_at, l.first_click_at is null as is_first
    from per_link p join mtrk.links l on l.id = p.link_id
  ),
  updated_links as (
    update mtrk.links l
    set clicks = l.clicks + b.clicks, first_click_at = coalesce(l.first_click_at, b.first_click_at)
    from before b where l.id = b.id
  )
  update mtrk.campaign_ctas c
  set clicks = c.clicks + x.clicks, unique_clicks = c.unique_clicks + x.unique_clicks
  from (select b.cta_id, sum(b.clicks)::integer as clicks, count(*) filter (where b.is_first)::integer as unique_clicks
        from before b group by b.cta_id) x
  where c.id = x.cta_id;

  -- Deliverability state: a hard bounce marks the contact bounced; a complaint marks it complained and
  -- suppresses the address; soft bounces past the limit suppress it too.
  update mtrk.contacts c
  set soft_bounces = c.soft_bounces + x.soft_bounces,
      status = case
        when x.complaints > 0 then 'complained'
        when c.status = 'complained' then c.status
        when x.hard_bounces > 0 then 'bounced'
        when c.status = 'active' and c.soft_bounces + x.soft_bounces >= mtrk._soft_bounce_limit() then 'suppressed'
        else c.status end
  from (select f.contact_id, sum(f.soft_bounces)::integer as soft_bounces, sum(f.hard_bounces)::integer as hard_bounces,
               sum(f.complaints)::integer as complaints
        from pg_temp.mtrk_event_effects f
        group by f.contact_id
        having sum(f.soft_bounces) + sum(f.hard_bounces) + sum(f.complaints) > 0) x
  where c.id = x.contact_id;

  insert into ops.suppression_list (company_id, email, reason, created_by)
  select c.company_id, c.email, case when c.status = 'complained' then 'complaint' else 'soft_bounce_limit' end, null
  from mtrk.contacts c
  where c.id in (select f.contact_id from pg_temp.mtrk_event_effects f where f.complaints > 0 or f.soft_bounces > 0)
    and c.status in ('complained', 'suppressed')
  on conflict (company_id, lower(email)) do nothing;

  return null;
end
$$;
comment on function mtrk._apply_events() is
  'Statement-level after insert on mtrk.events: folds the new events into messages, links, CTAs, campaign_metrics(_daily) and contact status, set-based (a simulated day of 100,000 events is one pass).';
create trigger events_apply after insert on mtrk.events
  referencing new table as new_events
  for each statement execute function mtrk._apply_events();

create function mtrk._count_attributed_leads() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into mtrk.campaign_metrics as c (campaign_id, company_id, leads)
  select a.campaign_id, a.company_id, count(*) from new_attributions a group by a.campaign_id, a.company_id
  on conflict (campaign_id) do update set leads = c.leads + excluded.leads, updated_at = now();
  return null;
end
$$;
comment on function mtrk._count_attributed_leads() is 'After insert on mtrk.lead_attributions: counts the campaign''s leads.';
create trigger lead_attributions_count after insert on mtrk.lead_attributions
  referencing new table as new_attributions
  for each statement execute function mtrk._count_attributed_leads();

-- ---- policies -------------------------------------------------------------------------------------

alter table mtrk.contacts enable row level security;
alter table mtrk.audiences enable row level security;
alter table mtrk.audience_contacts enable row level security;
alter table mtrk.campaigns enable row level security;
alter table mtrk.campaign_ctas enable row level security;
alter table mtrk.campaign_audiences enable row level security;
alter table mtrk.messages enable row level security;
alter table mtrk.links enable row level security;
alter table mtrk.events enable row level security;
alter table mtrk.unsubscribes enable row level security;
alter table ops.suppression_list enable row level security;
alter table mtrk.campaign_metrics enable row level security;
alter table mtrk.campaign_metrics_daily enable row level security;
alter table mtrk.lead_attributions enable row level security;

-- Reads: every member of the company, on every table.
create policy "members read their company's contacts" on mtrk.contacts
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's audiences" on mtrk.audiences
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's audience members" on mtrk.audience_contacts
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's campaigns" on mtrk.campaigns
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's campaign CTAs" on mtrk.campaign_ctas
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's campaign audiences" on mtrk.campaign_audiences
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's messages" on mtrk.messages
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's links" on mtrk.links
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's e-mail events" on mtrk.events
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's unsubscribes" on mtrk.unsubscribes
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's suppression list" on ops.suppression_list
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's campaign metrics" on mtrk.campaign_metrics
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's daily campaign metrics" on mtrk.campaign_metrics_daily
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "members read their company's lead attributions" on mtrk.lead_attributions
  for select to authenticated using (company_id = (select core.current_company_id()));

-- Writes by editors (owner, admins, sales) of the current company: the planning tables.
create policy "editors add contacts to their company" on mtrk.contacts
  for insert to authenticated
  with check (company_id = (select core.current_company_id()) and (select core.is_company_editor()));
create policy "editors change their company's contacts" on mtrk.contacts
  for update to authenticated
  using (company_id = (select core.current_company_id()) and (select core.is_company_editor()))
  with check (company_id = (select core.current_company_id()));
create policy "admins delete their company's contacts" on mtrk.contacts
  for delete to authenticated
  using (company_id = (select core.current_company_id()) and (select core.is_company_admin()));

create policy "editors add audiences to their company" on mtrk.audiences
  for insert to authenticated
  with check (company_id = (select core.current_company_id()) and (select core.is_company_editor()));
create policy "editors change their company's audiences" on mtrk.audiences
  for update to authenticated
  using (company_id = (select core.current_company_id()) and (select core.is_company_editor()))
  with check (company_id = (select core.current_company_id()));
create policy "editors delete their company's audiences" on mtrk.audiences
  for delete to authenticated
  using (company_id = (select core.current_company_id()) and (select core.is_company_editor()));

create policy "editors add members to their company's audiences" on mtrk.audience_contacts
  for insert to authenticated
  with check (company_id = (select core.current_company_id()) and (select core.is_company_editor()));
create policy "editors remove members from their company's audiences" on mtrk.audience_contacts
  for delete to authenticated
  using (company_id = (select core.current_company_id()) and (select core.is_company_editor()));

create policy "editors add campaigns to their company" on mtrk.campaigns
  for insert to authenticated
  with check (company_id = (select core.current_company_id()) and (select core.is_company_editor()));
create policy "editors change their company's campaigns" on mtrk.campaigns
  for update to authenticated
  using (company_id = (select core.current_company_id()) and (select core.is_company_editor()))
  with check (company_id = (select core.current_company_id()));
create policy "editors delete their company's draft campaigns" on mtrk.campaigns
  for delete to authenticated
  using (company_id = (select core.current_company_id()) and (select core.is_company_editor()) and status = 'draft');

create policy "editors choose audiences of their company's campaigns" on mtrk.campaign_audiences
  for insert to authenticated
  with check (company_id = (select core.current_company_id()) and (select core.is_company_editor()));
create policy "editors drop audiences of their company's campaigns" on mtrk.campaign_audiences
  for delete to authenticated
  using (company_id = (select core.current_company_id()) and (select core.is_company_editor()));

create policy "admins add to their company's suppression list" on ops.suppression_list
  for insert to authenticated
  with check (company_id = (select core.current_company_id()) and (select core.is_company_admin()) and reason = 'manual');
create policy "admins remove manual suppressions of their company" on ops.suppression_list
  for delete to authenticated
  using (company_id = (select core.current_company_id()) and (select core.is_company_admin()) and reason = 'manual');

-- ---- views ----------------------------------------------------------------------------------------

create view mtrk.campaign_dashboard with (security_invoker = true) as
select c.id as campaign_id, c.company_id, c.name, c.status, c.subject, c.created_at, c.sent_at,
       coalesce(m.sent, 0) as sent, coalesce(m.delivered, 0) as delivered,
       coalesce(m.unique_opens, 0) as unique_opens, coalesce(m.unique_clicks, 0) as unique_clicks,
       coalesce(m.opens, 0) as opens, coalesce(m.clicks, 0) as clicks,
       coalesce(m.machine_opens, 0) as machine_opens, coalesce(m.machine_clicks, 0) as machine_clicks,
       coalesce(m.soft_bounces, 0) as soft_bounces, coalesce(m.hard_bounces, 0) as hard_bounces,
       coalesce(m.complaints, 0) as complaints, coalesce(m.unsubscribes, 0) as unsubscribes,
       coalesce(m.leads, 0) as leads,
       round(coalesce(m.unique_clicks, 0)::numeric / nullif(m.delivered, 0), 4) as ctr,
       round(coalesce(m.unique_clicks, 0)::numeric / nullif(m.unique_opens, 0), 4) as ctor,
       round(coalesce(m.unique_opens, 0)::numeric / nullif(m.delivered, 0), 4) as open_rate,
       coalesce((select sum(l.value) from mtrk.lead_attributions a
                 join lead.leads l on l.id = a.lead_id
                 join lead.pipeline_stages s on s.id = l.stage_id and s.is_won
                 where a.campaign_id = c.id), 0) as won_revenue
from mtrk.campaigns c
left join mtrk.campaign_metrics m on m.campaign_id = c.id;
comment on view mtrk.campaign_dashboard is
  'One row per campaign with its aggregates and rates (CTR = unique clicks / delivered, CTOR = unique clicks / unique opens) and the won revenue of its attributed leads (value of leads in a won stage). Reads aggregates and attributions only, never mtrk.events. RLS of the underlying tables applies (security_invoker).';

-- ---- RPCs -----------------------------------------------------------------------------------------

-- The eligible contacts of a campaign, deduplicated across its audiences: active contacts with no
-- global unsubscribe, no unsubscribe from this campaign, not on the suppression list, reached through
-- at least one audience they did not unsubscribe from (list scope).
create function mtrk._eligible_contacts(campaign_id uuid)
returns table (contact_id uuid)
language sql stable security definer set search_path = ''
as $$
  select distinct ac.contact_id
  from mtrk.campaign_audiences ca
  join mtrk.audience_contacts ac on ac.audience_id = ca.audience_id
  join mtrk.contacts c on c.id = ac.contact_id
  where ca.campaign_id = _eligible_contacts.campaign_id
    and c.status = 'active'
    and not exists (
      select 1 from mtrk.unsubscribes u
      where u.contact_id = c.id
        and (u.scope = 'global'
             or (u.scope = 'campaign' and u.campaign_id = _eligible_contacts.campaign_id)
             or (u.scope = 'list' and u.audience_id = ac.audience_id)))
    and not exists (
      select 1 from ops.suppression_list s where s.company_id = c.company_id and lower(s.email) = lower(c.email))
$$;
comment on function mtrk._eligible_contacts(uuid) is 'The rules of eligibility, in one place: generate_messages, the preview count and the sender''s last check use them.';

create function mtrk._generate_messages(campaign_id uuid)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  target mtrk.campaigns;
  made_messages integer;
  made_links integer;
begin
  select c.* into target from mtrk.campaigns c where c.id = _generate_messages.campaign_id for update;
  if target.id is null then
    raise exception 'campaign % not found', _generate_messages.campaign_id using errcode = 'PT404', hint = 'campaign_not_found';
  end if;
  if target.status not in ('draft', 'scheduled', 'paused', 'sending') then
    raise exception 'campaign % is %: no new messages', target.id, target.status
      using errcode = 'PT409', hint = 'campaign_not_generatable';
  end if;

  -- One statement: messages for every eligible contact not yet messaged, links for exactly those.
  with made as (
    insert into mtrk.messages (company_id, campaign_id, contact_id)
    select target.company_id, target.id, e.contact_id
    from mtrk._eligible_contacts(target.id) e
    on conflict on constraint one_message_per_contact_and_campaign do nothing
    returning id
  ),
  linked as (
    insert into mtrk.links (company_id, campaign_id, message_id, cta_id)
    select target.company_id, target.id, m.id, cta.id
    from made m cross join mtrk.campaign_ctas cta
    where cta.campaign_id = target.id
    returning 1
  )
  select (select count(*) from made), (select count(*) from linked) into made_messages, made_links;

  update mtrk.campaigns c set generated_at = now() where c.id = target.id;
  return jsonb_build_object('messages', made_messages, 'links', made_links);
end
$$;
comment on function mtrk._generate_messages(uuid) is
  'Server side of generate_messages (no membership check): service_role and the bench.';

create function mtrk.generate_messages(campaign_id uuid)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
begin
  if not exists (select 1 from mtrk.campaigns c
                 where c.id = generate_messages.campaign_id and c.company_id = core.current_company_id()) then
    raise exception 'campaign % not found', generate_messages.campaign_id using errcode = 'PT404', hint = 'campaign_not_found';
  end if;
  if not core.is_company_editor() then
    raise exception 'only editors generate messages' using errcode = '42501', hint = 'not_allowed';
  end if;
  return mtrk._generate_messages(generate_messages.campaign_id);
end
$$;
comment on function mtrk.generate_messages(uuid) is
  'Creates, in one set-based statement, a message and its tracked links (one per CTA) for every eligible contact of the campaign''s audiences (deduplicated; excluding global/campaign/list unsubscribes, the suppression list, bounced, complained and suppressed contacts). Running it again adds nothing. Returns {messages, links} made now. PT404 campaign_not_found, PT409 campaign_not_generatable, 42501 not_allowed.';

create function mtrk.eligible_count(campaign_id uuid)
returns integer
language plpgsql stable security definer set search_path = ''
as $$
begin
  if not exists (select 1 from mtrk.campaigns c
                 where c.id = eligible_count.campaign_id and c.company_id = core.current_company_id()) then
    raise exception 'campaign % not found', eligible_count.campaign_id using errcode = 'PT404', hint = 'campaign_not_found';
  end if;
  return (select count(*) from mtrk._eligible_contacts(eligible_count.campaign_id));
end
$$;
comment on function mtrk.eligible_count(uuid) is 'Preview: how many contacts generate_messages would cover now (including those already messaged).';

create function mtrk.add_leads_to_audience(audience_id uuid, stage_id uuid default null, origin text default null)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  company uuid := core.current_company_id();
  new_contacts integer;
  added integer;
begin
  if not core.is_company_editor() then
    raise exception 'only editors fill audiences' using errcode = '42501', hint = 'not_allowed';
  end if;
  if not exists (select 1 from mtrk.audiences a where a.id = add_leads_to_audience.audience_id and a.company_id = company) then
    raise exception 'audience % not found', add_leads_to_audience.audience_id using errcode = 'PT404', hint = 'audience_not_found';
  end if;
  if add_leads_to_audience.stage_id is not null
     and not exists (select 1 from lead.pipeline_stages s where s.id = add_leads_to_audience.stage_id and s.company_id = company) then
    raise exception 'stage % not found', add_leads_to_audience.stage_id using errcode = 'PT404', hint = 'stage_not_found';
  end if;

  with picked as (
    select distinct on (lower(l.email)) l.id, l.email, l.name
    from lead.leads l
    where l.company_id = company and l.email is not null
      and (add_leads_to_audience.stage_id is null or l.stage_id = add_leads_to_audience.stage_id)
      and (add_leads_to_audience.origin is null or l.origin = add_leads_to_audience.origin)
    order by lower(l.email), l.created_at
  ),
  upserted as (
    insert into mtrk.contacts as c (company_id, email, name, lead_id)
    select company, p.email, p.name, p.id from picked p
    on conflict (company_id, lower(email)) do update set lead_id = coalesce(c.lead_id, excluded.lead_id)
    returning c.id, (xmax = 0) as is_new
  ),
  joined as (
    insert into mtrk.audience_contacts (company_id, audience_id, contact_id)
    select company, add_leads_to_audience.audience_id, u.id from upserted u
    on conflict do nothing
    returning 1
  )
  select (select count(*) from upserted u where u.is_new), (select count(*) from joined) into new_contacts, added;
  return jsonb_build_object('new_contacts', new_contacts, 'added', added);
end
$$;
comment on function mtrk.add_leads_to_audience(uuid, uuid, text) is
  'One click "all leads of stage X" (and/or of an origin, e.g. csv for the leads a CSV import brought): upserts a contact per lead e-mail (linked to the lead) and adds them to the audience, set-based. Returns {new_contacts, added}.';

create function mtrk.add_contacts_to_audience(audience_id uuid, contacts jsonb)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  company uuid := core.current_company_id();
  added integer;
begin
  if not core.is_company_editor() then
    raise exception 'only editors fill audiences' using errcode = '42501', hint = 'not_allowed';
  end if;
  if not exists (select 1 from mtrk.audiences a where a.id = add_contacts_to_audience.audience_id and a.company_id = company) then
    raise exception 'audience % not found', add_contacts_to_audience.audience_id using errcode = 'PT404', hint = 'audience_not_found';
  end if;
  if jsonb_typeof(contacts) is distinct from 'array' or jsonb_array_length(contacts) > 10000 then
    raise exception 'contacts must be an array of at most 10,000 {email, name}' using errcode = '22023', hint = 'contacts_not_an_array';
  end if;
  with incoming as (
    select distinct on (lower(btrim(r.email))) btrim(r.email) as email, r.name
    from jsonb_to_recordset(contacts) as r (email text, name text)
    where r.email is not null
    order by lower(btrim(r.email))
  ),
  upserted as (
    insert into mtrk.contacts as c (company_id, email, name)
    select company, i.email, i.name from incoming i
    on conflict (company_id, lower(email)) do update set name = coalesce(c.name, excluded.name)
    returning c.id
  ),
  joined as (
    insert into mtrk.audience_contacts (company_id, audience_id, contact_id)
    select company, add_contacts_to_audience.audience_id, u.id from upserted u
    on conflict do nothing
    returning 1
  )
  select count(*) into added from joined;
  return jsonb_build_object('added', added);
end
$$;
comment on function mtrk.add_contacts_to_audience(uuid, jsonb) is
  'Adds typed-in contacts [{email, name}] to an audience in one statement (an invalid e-mail fails the whole call with 23514).';

-- Tracking (called by the email-tracking function after it verified the signed id; service_role).
-- Machine rule (decision 0012): the function flags known proxies/bots by user agent and HEAD
-- requests; here, an open within 2 s of sending, or a click within 10 s of sending or within 5 s of
-- clicks on two other links of the same message, is a machine too.
create function mtrk.track_open(message_public_id uuid, user_agent text default null, machine_reason text default null)
returns boolean
language plpgsql security definer set search_path = ''
as $$
declare
  msg mtrk.messages;
  reason text := track_open.machine_reason;
begin
  select m.* into msg from mtrk.messages m where m.public_id = track_open.message_public_id;
  if msg.id is null then
    return false;
  end if;
  if reason is null and msg.sent_at is not null and now() - msg.sent_at < interval '2 seconds' then
    reason := 'opened within 2 s of sending';
  end if;
  insert into mtrk.events (company_id, campaign_id, message_id, contact_id, type, is_machine, machine_reason, source, user_agent)
  values (msg.company_id, msg.campaign_id, msg.id, msg.contact_id, 'open', reason is not null, reason, 'tracking',
          left(track_open.user_agent, 500));
  return true;
end
$$;

create function mtrk.track_click(link_public_id uuid, user_agent text default null, machine_reason text default null)
returns table (url text, utm_source text, utm_medium text, utm_campaign text, utm_content text,
               message_public_id uuid, contact_public_id uuid)
language plpgsql security definer set search_path = ''
as $$
declare
  link mtrk.links;
  msg mtrk.messages;
  reason text := track_click.machine_reason;
begin
  select l.* into link from mtrk.links l where l.public_id = track_click.link_public_id;
  if link.id is null then
    return;
  end if;
  select m.* into msg from mtrk.messages m where m.id = link.message_id;
  if reason is null and msg.sent_at is not null and now() - msg.sent_at < interval '10 seconds' then
    reason := 'clicked within 10 s of sending';
  end if;
  if reason is null and (select count(distinct e.link_id) from mtrk.events e
                         where e.message_id = msg.id and e.type = 'click' and e.link_id <> link.id
                           and e.occurred_at > now() - interval '5 seconds') >= 2 then
    reason := 'clicked with two other links of the message within 5 s';
  end if;
  insert into mtrk.events (company_id, campaign_id, message_id, contact_id, link_id, type, is_machine, machine_reason, source, user_agent)
  values (msg.company_id, msg.campaign_id, msg.id, msg.contact_id, link.id, 'click', reason is not null, reason, 'tracking',
          left(track_click.user_agent, 500));
  return query
  select cta.url, c.utm_source, c.utm_medium, coalesce(c.utm_campaign, c.id::text), 'cta-' || cta.position, msg.public_id, ct.public_id
  from mtrk.campaign_ctas cta
  join mtrk.campaigns c on c.id = cta.campaign_id
  join mtrk.contacts ct on ct.id = msg.contact_id
  where cta.id = link.cta_id;
end
$$;

create function mtrk.unsubscribe_info(message_public_id uuid)
returns jsonb
language sql stable security definer set search_path = ''
as $$
  select jsonb_build_object(
    'company', co.name, 'campaign', c.name,
    'email', regexp_replace(ct.email, '^(.)[^@]*(@.*)$', '\1***\2'),
    'global', exists (select 1 from mtrk.unsubscribes u where u.contact_id = ct.id and u.scope = 'global'),
    'campaign_scope', exists (select 1 from mtrk.unsubscribes u where u.contact_id = ct.id and u.scope = 'campaign' and u.campaign_id = c.id))
  from mtrk.messages m
  join mtrk.campaigns c on c.id = m.campaign_id
  join mtrk.contacts ct on ct.id = m.contact_id
  join core.companies co on co.id = m.company_id
  where m.public_id = unsubscribe_info.message_public_id
$$;
comment on function mtrk.unsubscribe_info(uuid) is 'What the unsubscribe page shows: company, campaign, the masked address, and what is already in force. Null for an unknown message.';

create function mtrk.unsubscribe(message_public_id uuid, scope text, source text)
returns text
language plpgsql security definer set search_path = ''
as $$
declare
  msg mtrk.messages;
  contact mtrk.contacts;
begin
  if unsubscribe.scope not in ('global', 'campaign') or unsubscribe.source not in ('one_click', 'page', 'simulator') then
    raise exception 'scope must be global or campaign, source one_click, page or simulator' using errcode = '22023', hint = 'invalid_scope';
  end if;
  select m.* into msg from mtrk.messages m where m.public_id = unsubscribe.message_public_id;
  if msg.id is null then
    return 'not_found';
  end if;
  select c.* into contact from mtrk.contacts c where c.id = msg.contact_id for update;
  if exists (select 1 from mtrk.unsubscribes u where u.contact_id = contact.id
             and (u.scope = 'global' or (unsubscribe.scope = 'campaign' and u.scope = 'campaign' and u.campaign_id = msg.campaign_id))) then
    return 'already_unsubscribed';
  end if;
  insert into mtrk.unsubscribes (company_id, contact_id, scope, campaign_id, message_id, source)
  values (msg.company_id, contact.id, unsubscribe.scope, case when unsubscribe.scope = 'campaign' then msg.campaign_id end, msg.id,
          unsubscribe.source);
  if unsubscribe.scope = 'global' then
    insert into ops.suppression_list (company_id, email, reason, created_by)
    values (msg.company_id, contact.email, 'unsubscribe', null)
    on conflict (company_id, lower(email)) do nothing;
  end if;
  insert into mtrk.events (company_id, campaign_id, message_id, contact_id, type, source, detail)
  values (msg.company_id, msg.campaign_id, msg.id, msg.contact_id, 'unsubscribe',
          case when unsubscribe.source = 'simulator' then 'simulator' else 'tracking' end,
          jsonb_build_object('scope', unsubscribe.scope, 'via', unsubscribe.source));
  return 'unsubscribed';
end
$$;
comment on function mtrk.unsubscribe(uuid, text, text) is
  'One transaction: the unsubscribe rule, the suppression entry (global scope) and the unsubscribe event. A repeat changes nothing and answers already_unsubscribed; an unknown message not_found.';

-- ---- grants ---------------------------------------------------------------------------------------

revoke all on mtrk.contacts, mtrk.audiences, mtrk.audience_contacts, mtrk.campaigns, mtrk.campaign_ctas,
  mtrk.campaign_audiences, mtrk.messages, mtrk.links, mtrk.events, mtrk.unsubscribes, ops.suppression_list,
  mtrk.campaign_metrics, mtrk.campaign_metrics_daily, mtrk.lead_attributions, mtrk.campaign_dashboard
  from public, anon, authenticated, service_role;

grant select on mtrk.contacts, mtrk.audiences, mtrk.audience_contacts, mtrk.campaigns, mtrk.campaign_ctas,
  mtrk.campaign_audiences, mtrk.messages, mtrk.links, mtrk.events, mtrk.unsubscribes, ops.suppression_list,
  mtrk.campaign_metrics, mtrk.campaign_metrics_daily, mtrk.lead_attributions, mtrk.campaign_dashboard
  to authenticated, service_role;

grant insert (company_id, email, name, lead_id), update (email, name, status, lead_id), delete on mtrk.contacts to authenticated;
grant insert (company_id, name, description), update (name, description), delete on mtrk.audiences to authenticated;
grant insert (company_id, audience_id, contact_id), delete on mtrk.audience_contacts to authenticated;
grant insert (company_id, name, objective, subject, html_content, sender_name, sender_email, starts_at, ends_at,
              landing_page_id, utm_source, utm_medium, utm_campaign),
      update (name, objective, subject, html_content, sender_name, sender_email, starts_at, ends_at, status,
              landing_page_id, utm_source, utm_medium, utm_campaign),
      delete on mtrk.campaigns to authenticated;
grant insert (company_id, campaign_id, audience_id), delete on mtrk.campaign_audiences to authenticated;
grant insert (company_id, email, reason, note), delete on ops.suppression_list to authenticated;

-- service_role: what the sender, the simulator and the webhook write. Events: insert only.
grant insert, update on mtrk.messages, mtrk.campaigns to service_role;
grant insert on mtrk.events to service_role;
grant insert on mtrk.unsubscribes, ops.suppression_list to service_role;

revoke execute on function mtrk.html_ctas(text), mtrk._sync_campaign_ctas(),
  mtrk._refuse_event_change(), mtrk._soft_bounce_limit(), mtrk._apply_events(), mtrk._count_attributed_leads(),
  mtrk._eligible_contacts(uuid), mtrk._generate_messages(uuid), mtrk.generate_messages(uuid), mtrk.eligible_count(uuid),
  mtrk.add_leads_to_audience(uuid, uuid, text), mtrk.add_contacts_to_audience(uuid, jsonb), mtrk.track_open(uuid, text, text),
  mtrk.track_click(uuid, text, text), mtrk.unsubscribe_info(uuid), mtrk.unsubscribe(uuid, text, text), mtrk._prepare_contact()
  from public;
grant execute on function mtrk.generate_messages(uuid), mtrk.eligible_count(uuid), mtrk.add_leads_to_audience(uuid, uuid, text),
  mtrk.add_contacts_to_audience(uuid, jsonb), mtrk.html_ctas(text) to authenticated;
grant execute on function mtrk._generate_messages(uuid), mtrk.track_open(uuid, text, text), mtrk.track_click(uuid, text, text),
  mtrk.unsubscribe_info(uuid), mtrk.unsubscribe(uuid, text, text) to service_role;
