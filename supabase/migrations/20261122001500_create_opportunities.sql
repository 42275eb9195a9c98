-- Opportunities: the deal a lead becomes (seed 004 scenario E). Created only by
-- lead.convert_to_opportunity, in one transaction with marking the lead converted.
-- After conversion the lead and its opportunity share one pipeline position: changing the stage or
-- value of either updates the other, so the lead's stage history (lead.lead_stages) keeps telling the
-- whole story from first touch to won or lost.
--
-- Errors of convert_to_opportunity (PostgREST turns SQLSTATE PTxyz into HTTP xyz; the machine code is
-- in `hint`):
--   404 PT404 lead_not_found          no such lead in the caller's current company
--   409 PT409 lead_already_converted  the lead already has an opportunity (detail: its id)
--   422 PT422 stage_not_active        the stage is not an active stage of the lead's company
--   422 PT422 owner_not_member        owner_id is not a member of the company
--   403 42501 not_allowed             the caller is not sales or admin in their current company

-- ---- tables ---------------------------------------------------------------------------------------

create table lead.opportunities (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references core.companies (id) on delete cascade,
  lead_id uuid not null,
  title text not null,
  stage_id uuid not null,
  value numeric(14, 2),
  currency text not null default 'BRL',
  expected_close_date date,
  owner_id uuid,
  notes text,
  created_by uuid default auth.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint title_is_not_blank check (length(btrim(title)) between 1 and 300),
  constraint value_is_not_negative check (value >= 0),
  constraint currency_is_iso_4217 check (currency ~ '^[A-Z]{3}$'),
  constraint one_opportunity_per_lead unique (lead_id),
  constraint opportunities_company_id_and_id_are_unique unique (company_id, id),
  constraint lead_belongs_to_company foreign key (company_id, lead_id) references lead.leads (company_id, id) on delete cascade,
  constraint stage_belongs_to_company foreign key (company_id, stage_id) references lead.pipeline_stages (company_id, id),
  constraint owner_is_a_member foreign key (company_id, owner_id)
    references core.company_members (company_id, user_id) on delete set null (owner_id)
);
comment on table lead.opportunities is
  'A deal converted from a lead (one per lead). Its stage and value stay equal to the lead''s (synchronised by trigger).';
comment on column lead.opportunities.expected_close_date is 'When the owner expects to close the deal.';

alter table lead.leads add constraint converted_to_opportunity_belongs_to_company
  foreign key (company_id, converted_to_opportunity_id) references lead.opportunities (company_id, id)
  on delete set null (converted_to_opportunity_id);
alter table lead.lead_stages add constraint opportunity_exists
  foreign key (opportunity_id) references lead.opportunities (id) on delete set null;

-- ---- indexes --------------------------------------------------------------------------------------

create index idx_opportunities_company_id_stage_id on lead.opportunities (company_id, stage_id, created_at desc);
create index idx_opportunities_company_id_created_at on lead.opportunities (company_id, created_at desc);
create index idx_opportunities_company_id_owner_id on lead.opportunities (company_id, owner_id) where owner_id is not null;
create index idx_lead_stages_opportunity_id on lead.lead_stages (opportunity_id) where opportunity_id is not null;

-- ---- triggers -------------------------------------------------------------------------------------

create trigger opportunities_touch_updated_at before update on lead.opportunities
  for each row execute function core._touch_updated_at();
select ops.attach_audit('lead.opportunities');

create function lead._share_stage_with_lead() returns trigger
language plpgsql set search_path = ''
as $$
begin
  update lead.leads l
  set stage_id = new.stage_id, value = new.value
  where l.id = new.lead_id
    and (l.stage_id, l.value) is distinct from (new.stage_id, new.value);
  return null;
end
$$;
comment on function lead._share_stage_with_lead() is
  'After an opportunity''s stage or value changes, the lead follows (and its trigger records the stage history).';

create trigger opportunities_share_stage_with_lead after update of stage_id, value on lead.opportunities
  for each row execute function lead._share_stage_with_lead();

create function lead._share_stage_with_opportunity() returns trigger
language plpgsql set search_path = ''
as $$
begin
  update lead.opportunities o
  set stage_id = new.stage_id, value = new.value
  where o.id = new.converted_to_opportunity_id
    and (o.stage_id, o.value) is distinct from (new.stage_id, new.value);
  return null;
end
$$;
comment on function lead._share_stage_with_opportunity() is
  'After a converted lead''s stage or value changes, its opportunity follows.';

create trigger leads_share_stage_with_opportunity after update of stage_id, value on lead.leads
  for each row when (new.converted_to_opportunity_id is not null)
  execute function lead._share_stage_with_opportunity();

-- ---- policies -------------------------------------------------------------------------------------

alter table lead.opportunities enable row level security;

create policy "members read their company's opportunities" on lead.opportunities
  for select to authenticated
  using (company_id = (select core.current_company_id()));

create policy "sales and admins change their company's opportunities" on lead.opportunities
  for update to authenticated
  using (company_id = (select core.current_company_id())
         and (select core.has_company_role(array['owner', 'backoffice_admin', 'marketing_admin', 'sales'])))
  with check (company_id = (select core.current_company_id()));

create policy "admins delete their company's opportunities" on lead.opportunities
  for delete to authenticated
  using (company_id = (select core.current_company_id())
         and (select core.has_company_role(array['owner', 'backoffice_admin', 'marketing_admin'])));

-- No insert policy: opportunities are created only by lead.convert_to_opportunity.

-- ---- RPCs -----------------------------------------------------------------------------------------

create function lead.convert_to_opportunity(
  lead_id uuid,
  stage_id uuid,
  value numeric default null,
  title text default null,
  owner_id uuid default null,
  expected_close_date date default null,
  currency text default 'BRL',
  reason text default null
) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  company uuid := core.current_company_id();
  converting lead.leads;
  stage lead.pipeline_stages;
  created lead.opportunities;
begin
  if company is null or not core.has_company_role(array['owner', 'backoffice_admin', 'marketing_admin', 'sales']) then
    raise exception 'only sales and admins of the current company convert leads'
      using errcode = '42501', hint = 'not_allowed';
  end if;

  -- The row lock makes a concurrent second conversion wait, then see converted_at and fail with 409.
  select l.* into converting
  from lead.leads l
  where l.id = convert_to_opportunity.lead_id and l.company_id = company
  for update;
  if converting.id is null then
    raise exception 'lead % not found', convert_to_opportunity.lead_id
      using errcode = 'PT404', hint = 'lead_not_found';
  end if;
  if converting.converted_at is not null then
    raise exception 'lead % was already converted on %', converting.id, converting.converted_at
      using errcode = 'PT409', hint = 'lead_already_converted', detail = coalesce(converting.converted_to_opportunity_id::text, '');
  end if;

  select s.* into stage
  from lead.pipeline_stages s
  where s.id = convert_to_opportunity.stage_id and s.company_id = company and s.is_active;
  if stage.id is null then
    raise exception 'stage % is not an active stage of this company', convert_to_opportunity.stage_id
      using errcode = 'PT422', hint = 'stage_not_active';
  end if;

  if convert_to_opportunity.owner_id is not null and not exists (
    select 1 from core.company_members m where m.company_id = company and m.user_id = convert_to_opportunity.owner_id) then
    raise exception 'owner % is not a member of this company', convert_to_opportunity.owner_id
      using errcode = 'PT422', hint = 'owner_not_member';
  end if;

  insert into lead.opportunities (company_id, lead_id, title, stage_id, value, currency, expected_close_date, owner_id, created_by)
  values (company, converting.id,
          coalesce(nullif(btrim(convert_to_opportunity.title), ''), converting.name, converting.email, converting.phone),
          stage.id, coalesce(convert_to_opportunity.value, converting.value), convert_to_opportunity.currency,
          convert_to_opportunity.expected_close_date, coalesce(convert_to_opportunity.owner_id, converting.owner_id), auth.uid())
  returning * into created;

  perform set_config('rastro.stage_change_reason', coalesce(convert_to_opportunity.reason, 'converted to opportunity'), true);
  update lead.leads l
  set status = 'converted',
      converted_at = now(),
      converted_to_opportunity_id = created.id,
      stage_id = created.stage_id,
      value = created.value
  where l.id = converting.id
  returning l.* into converting;
  perform set_config('rastro.stage_change_reason', '', true);

  return jsonb_build_object('lead', to_jsonb(converting), 'opportunity', to_jsonb(created));
end
$$;
comment on function lead.convert_to_opportunity(uuid, uuid, numeric, text, uuid, date, text, text) is
  'Turns a lead of the caller''s company into an opportunity at an active stage, in one transaction; returns {lead, opportunity}. Errors (code in hint): PT404 lead_not_found, PT409 lead_already_converted, PT422 stage_not_active | owner_not_member, 42501 not_allowed.';

-- ---- grants ---------------------------------------------------------------------------------------

revoke execute on function lead._share_stage_with_lead(), lead._share_stage_with_opportunity(),
  lead.convert_to_opportunity(uuid, uuid, numeric, text, uuid, date, text, text) from public;
grant execute on function lead.convert_to_opportunity(uuid, uuid, numeric, text, uuid, date, text, text) to authenticated;

grant select on lead.opportunities to authenticated;
grant update (title, stage_id, value, currency, expected_close_date, owner_id, notes) on lead.opportunities to authenticated;
grant delete on lead.opportunities to authenticated;
grant select, insert, update, delete on lead.opportunities to service_role;
