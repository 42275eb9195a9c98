-- Every policy and SQL check that spelled a role list (core.has_company_role(array[...])) now names
-- its role set once: core.is_company_manager() / is_company_admin() / is_company_editor() (migration
-- 20261201000100; the same lists are managerRoles / adminRoles / editorRoles in @rastro/contracts).
-- Forward-only: policies are altered in place (same names, same commands and roles), functions
-- replaced with the same signatures and bodies but for the check. lead.enqueue_import_chunk is
-- replaced in 20261201003100_worker_runtime.sql, which also changes its message.
-- core.has_company_role(text[]) stays for callers outside the migrations; nothing here uses it.

-- (20261122000200_create_tenancy.sql)
alter policy "owners and back-office admins rename their current company" on core.companies
  using (id = (select core.current_company_id()) and (select core.is_company_manager()))
  with check (id = (select core.current_company_id()));

-- (20261122000200_create_tenancy.sql)
alter policy "owners and back-office admins manage members of their current company" on core.company_members
  using (company_id = (select core.current_company_id()) and (select core.is_company_manager()))
  with check (company_id = (select core.current_company_id()) and (select core.is_company_manager()));

-- (20261122001100_create_integrations.sql)
alter policy "admins add integrations to their company" on ops.integrations
  with check (company_id = (select core.current_company_id())
              and (select core.is_company_admin()));

-- (20261122001100_create_integrations.sql)
alter policy "admins change their company's integrations" on ops.integrations
  using (company_id = (select core.current_company_id())
         and (select core.is_company_admin()))
  with check (company_id = (select core.current_company_id()));

-- (20261122001100_create_integrations.sql)
alter policy "admins remove their company's integrations" on ops.integrations
  using (company_id = (select core.current_company_id())
         and (select core.is_company_admin()));

-- (20261122001300_create_pipeline_stages.sql)
alter policy "admins add pipeline stages to their company" on lead.pipeline_stages
  with check (company_id = (select core.current_company_id())
              and (select core.is_company_admin()));

-- (20261122001300_create_pipeline_stages.sql)
alter policy "admins change their company's pipeline stages" on lead.pipeline_stages
  using (company_id = (select core.current_company_id())
         and (select core.is_company_admin()))
  with check (company_id = (select core.current_company_id()));

-- (20261122001300_create_pipeline_stages.sql)
alter policy "admins delete their company's unused pipeline stages" on lead.pipeline_stages
  using (company_id = (select core.current_company_id())
         and (select core.is_company_admin()));

-- (20261122001400_create_leads.sql)
alter policy "sales and admins add leads to their company" on lead.leads
  with check (company_id = (select core.current_company_id())
              and (select core.is_company_editor()));

-- (20261122001400_create_leads.sql)
alter policy "sales and admins change their company's leads" on lead.leads
  using (company_id = (select core.current_company_id())
         and (select core.is_company_editor()))
  with check (company_id = (select core.current_company_id()));

-- (20261122001400_create_leads.sql)
alter policy "admins delete their company's leads" on lead.leads
  using (company_id = (select core.current_company_id())
         and (select core.is_company_admin()));

-- (20261122001500_create_opportunities.sql)
alter policy "sales and admins change their company's opportunities" on lead.opportunities
  using (company_id = (select core.current_company_id())
         and (select core.is_company_editor()))
  with check (company_id = (select core.current_company_id()));

-- (20261122001500_create_opportunities.sql)
alter policy "admins delete their company's opportunities" on lead.opportunities
  using (company_id = (select core.current_company_id())
         and (select core.is_company_admin()));

-- (20261122001500_create_opportunities.sql)
create or replace function lead.convert_to_opportunity(
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
  if company is null or not core.is_company_editor() then
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

-- (20261122001700_create_lead_imports.sql)
alter policy "sales and admins start imports for their company" on lead.lead_imports
  with check (company_id = (select core.current_company_id())
              and (select core.is_company_editor()));

-- (20261122001700_create_lead_imports.sql)
alter policy "sales and admins cancel their company's imports" on lead.lead_imports
  using (company_id = (select core.current_company_id())
         and (select core.is_company_editor()))
  with check (company_id = (select core.current_company_id()) and status = 'cancelled');

-- (20261122004100_create_pipeline_overview.sql)
create or replace function lead.reorder_pipeline_stages(stage_ids uuid[]) returns setof lead.pipeline_stages
language plpgsql set search_path = ''
as $$
declare
  company uuid := core.current_company_id();
begin
  if company is null or not core.is_company_admin() then
    raise exception 'only admins of the current company reorder its pipeline'
      using errcode = '42501', hint = 'not_allowed';
  end if;
  -- The list must name every stage of the company exactly once, so no two stages end up sharing a
  -- position and none is forgotten at its old one.
  if cardinality(stage_ids) is distinct from (select count(distinct s) from unnest(stage_ids) s)
     or (select array_agg(s.id order by s.id) from lead.pipeline_stages s where s.company_id = company)
        is distinct from (select array_agg(s order by s) from unnest(stage_ids) s) then
    raise exception 'stage_ids must list every stage of the company exactly once'
      using errcode = 'PT422', hint = 'stage_list_mismatch';
  end if;

  return query
  update lead.pipeline_stages p
  set position = o.n - 1
  from unnest(stage_ids) with ordinality as o (id, n)
  where p.id = o.id and p.company_id = company and p.position is distinct from o.n - 1
  returning p.*;
end
$$;
