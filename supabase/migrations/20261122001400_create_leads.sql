-- Leads (seed 003 leads + seed 004 crm_leads) and their stage history (seed 003 lead_stages).
--
-- status vs stage: `status` is where the lead is in qualification (new → contacted → qualified →
-- converted | lost, seed 004); `stage_id` is its position in the company's sales pipeline
-- (lead.pipeline_stages, seed 003). `converted` is set only by lead.convert_to_opportunity.
--
-- Stage history is written by trigger for every stage change, whoever makes it. A reason travels in
-- the transaction-local setting `rastro.stage_change_reason` (lead.move_to_stage sets it for you):
--   select set_config('rastro.stage_change_reason', 'client asked for a proposal', true);
--   update lead.leads set stage_id = … where id = …;

-- ---- tables ---------------------------------------------------------------------------------------

create table lead.leads (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references core.companies (id) on delete cascade,
  name text,
  email text,
  phone text,
  company_name text,
  job_title text,
  message text,
  origin text not null default 'manual',
  status text not null default 'new',
  stage_id uuid not null,
  owner_id uuid,
  value numeric(14, 2),
  score integer,
  sync_to_crm boolean not null default false,
  converted_at timestamptz,
  converted_to_opportunity_id uuid,
  external_id text,
  extra jsonb not null default '{}'::jsonb,
  form_location text,
  session_id text,
  utm_touch_id uuid,
  landing_page_id uuid,
  utm_source text,
  utm_medium text,
  utm_campaign text,
  utm_term text,
  utm_content text,
  utm_id text,
  gclid text,
  fbclid text,
  ttclid text,
  li_fat_id text,
  referrer text,
  landing_page_url text,
  is_business_email boolean,
  time_to_conversion_seconds integer,
  email_domain text generated always as (nullif(split_part(lower(email), '@', 2), '')) stored,
  email_hash text,
  phone_hash text,
  created_by uuid default auth.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint origin_is_known check (origin in ('manual', 'csv', 'dinamize', 'form', 'whatsapp', 'email')),
  constraint status_is_known check (status in ('new', 'contacted', 'qualified', 'converted', 'lost')),
  constraint has_email_or_phone check (email is not null or phone is not null),
  constraint email_has_one_at_sign check (email ~ '^[^@[:space:]]+@[^@[:space:]]+$' and length(email) <= 320),
  constraint texts_have_sane_lengths check (
    length(name) <= 300 and length(phone) <= 40 and length(company_name) <= 300 and length(job_title) <= 200
    and length(message) <= 10000 and length(external_id) <= 200),
  constraint value_is_not_negative check (value >= 0),
  constraint score_is_a_percentage check (score between 0 and 100),
  constraint converted_status_matches_converted_at check ((status = 'converted') = (converted_at is not null)),
  constraint opportunity_only_when_converted check (converted_to_opportunity_id is null or converted_at is not null),
  constraint extra_is_an_object check (jsonb_typeof(extra) = 'object'),
  constraint hashes_are_sha256_hex check (email_hash ~ '^[0-9a-f]{64}$' and phone_hash ~ '^[0-9a-f]{64}$'),
  constraint time_to_conversion_is_not_negative check (time_to_conversion_seconds >= 0),
  constraint leads_company_id_and_id_are_unique unique (company_id, id),
  constraint stage_belongs_to_company foreign key (company_id, stage_id) references lead.pipeline_stages (company_id, id),
  constraint owner_is_a_member foreign key (company_id, owner_id)
    references core.company_members (company_id, user_id) on delete set null (owner_id)
);
comment on table lead.leads is
  'A person who showed interest: from a form, WhatsApp, e-mail, CSV import, Dinamize or typed in. Unique e-mail per company, case-insensitive.';
comment on column lead.leads.email is 'Stored trimmed, case as given; uniqueness is on lower(email) per company (the upsert key of imports and pulls).';
comment on column lead.leads.status is 'Qualification: new | contacted | qualified | converted | lost. converted only via lead.convert_to_opportunity.';
comment on column lead.leads.stage_id is 'Current pipeline stage (defaults to the company''s first active stage). After conversion it moves with the opportunity''s stage.';
comment on column lead.leads.owner_id is 'The member responsible; cleared when they leave the company.';
comment on column lead.leads.value is 'Expected deal value; after conversion kept equal to the opportunity''s value.';
comment on column lead.leads.score is 'Lead score 0–100 (seed 003 lead_score).';
comment on column lead.leads.sync_to_crm is 'When true, inserts and relevant changes are pushed to the company''s CRM integration (Dinamize) through queue crm_sync.';
comment on column lead.leads.external_id is 'The lead''s id in the system it came from (form tool, imported file); the Dinamize contact id lives in lead.lead_sync.';
comment on column lead.leads.extra is 'Integration fields without a column of their own (e.g. Dinamize custom fields), as a JSON object.';
comment on column lead.leads.utm_touch_id is 'First touch (lead.utm_touches) that attributed the lead; the utm_* and click-id columns copy it so attribution survives pruning.';
comment on column lead.leads.email_hash is 'lead.hash_email(email), kept by trigger. Clearing email keeps the last hash (LGPD anonymisation keeps hashes only).';
comment on column lead.leads.phone_hash is 'lead.hash_phone(phone), kept by trigger; clearing phone keeps the last hash.';

create table lead.lead_stages (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null,
  lead_id uuid not null,
  opportunity_id uuid,
  from_stage_id uuid references lead.pipeline_stages (id) on delete set null,
  to_stage_id uuid references lead.pipeline_stages (id) on delete set null,
  from_stage_name text,
  to_stage_name text not null,
  value numeric(14, 2),
  probability integer,
  changed_by uuid references auth.users (id) on delete set null,
  reason text,
  changed_at timestamptz not null default clock_timestamp(),
  constraint lead_belongs_to_company foreign key (company_id, lead_id) references lead.leads (company_id, id) on delete cascade
);
comment on table lead.lead_stages is
  'Append-only history of pipeline stage changes (seed 003 lead_stages), written by trigger on lead.leads; the first row of a lead has no from_stage.';
comment on column lead.lead_stages.to_stage_name is 'Stage name at the time of the change, so history reads right after renames or deletions.';
comment on column lead.lead_stages.value is 'The lead''s value when it entered the stage.';
comment on column lead.lead_stages.probability is 'The stage''s probability when the lead entered it.';
comment on column lead.lead_stages.changed_at is 'clock_timestamp(), so several changes in one transaction keep their order.';
comment on column lead.lead_stages.reason is 'From the transaction-local setting rastro.stage_change_reason, if set.';

-- ---- indexes --------------------------------------------------------------------------------------

-- Upsert key of imports and Dinamize pulls: on conflict (company_id, lower(email)).
create unique index idx_leads_company_id_lower_email on lead.leads (company_id, lower(email));
-- List filters, each with company_id first (RLS adds company_id = … to every query) and the default
-- sort (created_at desc) last, so filter + sort + limit reads one index range.
create index idx_leads_company_id_created_at on lead.leads (company_id, created_at desc, id desc);
create index idx_leads_company_id_status_created_at on lead.leads (company_id, status, created_at desc);
create index idx_leads_company_id_stage_id_created_at on lead.leads (company_id, stage_id, created_at desc);
create index idx_leads_company_id_origin_created_at on lead.leads (company_id, origin, created_at desc);
create index idx_leads_company_id_owner_id_created_at on lead.leads (company_id, owner_id, created_at desc) where owner_id is not null;
create index idx_leads_company_id_converted_to_opportunity_id on lead.leads (company_id, converted_to_opportunity_id)
  where converted_to_opportunity_id is not null;
-- Text search on name and e-mail: see 20261122001800_create_lead_search.sql.

create index idx_lead_stages_company_id_lead_id_changed_at on lead.lead_stages (company_id, lead_id, changed_at);
create index idx_lead_stages_company_id_changed_at on lead.lead_stages (company_id, changed_at);
create index idx_lead_stages_to_stage_id on lead.lead_stages (to_stage_id);
create index idx_lead_stages_from_stage_id on lead.lead_stages (from_stage_id);

-- ---- triggers -------------------------------------------------------------------------------------

create function lead._prepare_lead() returns trigger
language plpgsql set search_path = ''
as $$
begin
  new.email := nullif(lead._trim_white_space(new.email), '');
  new.phone := nullif(lead._trim_white_space(new.phone), '');
  if new.email is not null and (tg_op = 'INSERT' or new.email is distinct from old.email) then
    new.email_hash := lead.hash_email(new.email);
  end if;
  if new.phone is not null and (tg_op = 'INSERT' or new.phone is distinct from old.phone) then
    new.phone_hash := lead.hash_phone(new.phone);
  end if;

  if tg_op = 'INSERT' and new.stage_id is null then
    select s.id into new.stage_id
    from lead.pipeline_stages s
    where s.company_id = new.company_id and s.is_active
    order by s.position, s.name
    limit 1;
  elsif tg_op = 'INSERT' or new.stage_id is distinct from old.stage_id then
    if not exists (select 1 from lead.pipeline_stages s where s.id = new.stage_id and s.company_id = new.company_id and s.is_active) then
      raise exception 'stage % is not an active stage of this company', new.stage_id
        using errcode = 'PT422', hint = 'stage_not_active';
    end if;
  end if;
  return new;
end
$$;
comment on function lead._prepare_lead() is
  'Before insert/update on lead.leads: trims e-mail and phone, keeps their hashes, defaults the stage and refuses inactive stages (PT422 stage_not_active).';

create trigger leads_prepare before insert or update on lead.leads
  for each row execute function lead._prepare_lead();
create trigger leads_touch_updated_at before update on lead.leads
  for each row execute function core._touch_updated_at();
select ops.attach_audit('lead.leads');

create function lead._record_stage_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  reason text := nullif(current_setting('rastro.stage_change_reason', true), '');
begin
  if tg_op = 'INSERT' then
    insert into lead.lead_stages (company_id, lead_id, opportunity_id, from_stage_id, to_stage_id, from_stage_name,
                                  to_stage_name, value, probability, changed_by, reason)
    select n.company_id, n.id, n.converted_to_opportunity_id, null, n.stage_id, null, s.name, n.value, s.probability,
           auth.uid(), reason
    from new_rows n
    join lead.pipeline_stages s on s.id = n.stage_id;
  else
    insert into lead.lead_stages (company_id, lead_id, opportunity_id, from_stage_id, to_stage_id, from_stage_name,
                                  to_stage_name, value, probability, changed_by, reason)
    select n.company_id, n.id, n.converted_to_opportunity_id, o.stage_id, n.stage_id, f.name, s.name, n.value,
           s.probability, auth.uid(), reason
    from new_rows n
    join old_rows o on o.id = n.id
    join lead.pipeline_stages s on s.id = n.stage_id
    left join lead.pipeline_stages f on f.id = o.stage_id
    where n.stage_id is distinct from o.stage_id;
  end if;
  return null;
end
$$;
comment on function lead._record_stage_change() is
  'Statement-level after insert/update on lead.leads: one lead.lead_stages row per lead whose stage changed (set-based, so imports stay fast).';

create trigger leads_record_stage_on_insert after insert on lead.leads
  referencing new table as new_rows
  for each statement execute function lead._record_stage_change();
create trigger leads_record_stage_on_update after update on lead.leads
  referencing old table as old_rows new table as new_rows
  for each statement execute function lead._record_stage_change();

-- ---- policies -------------------------------------------------------------------------------------

alter table lead.leads enable row level security;
alter table lead.lead_stages enable row level security;

create policy "members read their company's leads" on lead.leads
  for select to authenticated
  using (company_id = (select core.current_company_id()));

create policy "sales and admins add leads to their company" on lead.leads
  for insert to authenticated
  with check (company_id = (select core.current_company_id())
              and (select core.has_company_role(array['owner', 'backoffice_admin', 'marketing_admin', 'sales'])));

create policy "sales and admins change their company's leads" on lead.leads
  for update to authenticated
  using (company_id = (select core.current_company_id())
         and (select core.has_company_role(array['owner', 'backoffice_admin', 'marketing_admin', 'sales'])))
  with check (company_id = (select core.current_company_id()));

create policy "admins delete their company's leads" on lead.leads
  for delete to authenticated
  using (company_id = (select core.current_company_id())
         and (select core.has_company_role(array['owner', 'backoffice_admin', 'marketing_admin'])));

create policy "members read their company's stage history" on lead.lead_stages
  for select to authenticated
  using (company_id = (select core.current_company_id()));

-- ---- RPCs -----------------------------------------------------------------------------------------

create function lead.move_to_stage(lead_id uuid, stage_id uuid, reason text default null) returns lead.leads
language plpgsql set search_path = ''
as $$
declare
  moved lead.leads;
begin
  perform set_config('rastro.stage_change_reason', coalesce(move_to_stage.reason, ''), true);
  update lead.leads l
  set stage_id = move_to_stage.stage_id
  where l.id = move_to_stage.lead_id
  returning l.* into moved;
  perform set_config('rastro.stage_change_reason', '', true);
  if moved.id is null then
    raise exception 'lead % not found', move_to_stage.lead_id using errcode = 'PT404', hint = 'lead_not_found';
  end if;
  return moved;
end
$$;
comment on function lead.move_to_stage(uuid, uuid, text) is
  'Moves a lead to a stage and records why (lead_stages.reason). Runs with the caller''s rights (RLS). Errors: PT404 lead_not_found, PT422 stage_not_active.';

-- ---- grants ---------------------------------------------------------------------------------------

revoke execute on function lead._prepare_lead(), lead._record_stage_change(), lead.move_to_stage(uuid, uuid, text) from public;
grant execute on function lead.move_to_stage(uuid, uuid, text) to authenticated, service_role;

grant select on lead.leads to authenticated;
grant insert (company_id, name, email, phone, company_name, job_title, message, origin, status, stage_id, owner_id, value,
              score, sync_to_crm, external_id, extra, form_location, session_id, utm_touch_id, landing_page_id, utm_source,
              utm_medium, utm_campaign, utm_term, utm_content, utm_id, gclid, fbclid, ttclid, li_fat_id, referrer,
              landing_page_url, is_business_email, time_to_conversion_seconds)
  on lead.leads to authenticated;
grant update (name, email, phone, company_name, job_title, message, status, stage_id, owner_id, value, score, sync_to_crm,
              external_id, extra)
  on lead.leads to authenticated;
grant delete on lead.leads to authenticated;
grant select on lead.lead_stages to authenticated;

grant select, insert, update, delete on lead.leads to service_role;
grant select on lead.lead_stages to service_role;
