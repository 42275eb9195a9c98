-- The sales pipeline: each company's ordered stages. Every company starts with new, qualified,
-- proposal, negotiation, won and lost (seed 003 lead_stages); admins rename, reorder, add and
-- deactivate stages. Stages are deactivated rather than deleted once leads use them.

-- ---- tables ---------------------------------------------------------------------------------------

create table lead.pipeline_stages (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references core.companies (id) on delete cascade,
  name text not null,
  position integer not null,
  probability integer not null default 0,
  is_won boolean not null default false,
  is_lost boolean not null default false,
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint name_is_not_blank check (length(btrim(name)) between 1 and 80),
  constraint position_is_not_negative check (position >= 0),
  constraint probability_is_a_percentage check (probability between 0 and 100),
  constraint won_and_lost_exclude_each_other check (not (is_won and is_lost)),
  constraint pipeline_stages_company_id_and_id_are_unique unique (company_id, id)
);
comment on table lead.pipeline_stages is
  'A company''s pipeline stages, ordered by position. Leads and opportunities point at one; lead.lead_stages keeps the history.';
comment on column lead.pipeline_stages.probability is 'Chance (percent) of closing a deal in this stage; copied into each lead_stages row.';
comment on column lead.pipeline_stages.is_won is 'Reaching this stage closes the deal as won (conversions key off this flag, not the name).';
comment on column lead.pipeline_stages.is_active is 'Inactive stages stay in history but accept no new leads or conversions.';

-- ---- indexes --------------------------------------------------------------------------------------

create unique index idx_pipeline_stages_company_id_lower_name on lead.pipeline_stages (company_id, lower(name));
create index idx_pipeline_stages_company_id_position on lead.pipeline_stages (company_id, position);

-- ---- triggers -------------------------------------------------------------------------------------

create trigger pipeline_stages_touch_updated_at before update on lead.pipeline_stages
  for each row execute function core._touch_updated_at();
select ops.attach_audit('lead.pipeline_stages');

-- ---- helper functions -----------------------------------------------------------------------------

create function lead._add_default_pipeline_stages(company_ids uuid[]) returns void
language sql security definer set search_path = ''
as $$
  insert into lead.pipeline_stages (company_id, name, position, probability, is_won, is_lost)
  select c.id, s.name, s.position, s.probability, s.is_won, s.is_lost
  from unnest(company_ids) as c (id)
  cross join (values ('new', 0, 10, false, false),
                     ('qualified', 1, 25, false, false),
                     ('proposal', 2, 50, false, false),
                     ('negotiation', 3, 75, false, false),
                     ('won', 4, 100, true, false),
                     ('lost', 5, 0, false, true)) as s (name, position, probability, is_won, is_lost)
$$;
comment on function lead._add_default_pipeline_stages(uuid[]) is 'The default pipeline, in one place: new → qualified → proposal → negotiation → won | lost.';

create function lead._create_default_pipeline_stages() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform lead._add_default_pipeline_stages(array(select n.id from new_companies n));
  return null;
end
$$;
comment on function lead._create_default_pipeline_stages() is
  'After insert on core.companies: gives every new company the default pipeline.';

create trigger companies_create_default_pipeline_stages after insert on core.companies
  referencing new table as new_companies
  for each statement execute function lead._create_default_pipeline_stages();

-- Companies created before this migration get the same pipeline.
select lead._add_default_pipeline_stages(array(
  select c.id from core.companies c where not exists (select 1 from lead.pipeline_stages p where p.company_id = c.id)));

-- ---- policies -------------------------------------------------------------------------------------

alter table lead.pipeline_stages enable row level security;

create policy "members read their company's pipeline stages" on lead.pipeline_stages
  for select to authenticated
  using (company_id = (select core.current_company_id()));

create policy "admins add pipeline stages to their company" on lead.pipeline_stages
  for insert to authenticated
  with check (company_id = (select core.current_company_id())
              and (select core.has_company_role(array['owner', 'backoffice_admin', 'marketing_admin'])));

create policy "admins change their company's pipeline stages" on lead.pipeline_stages
  for update to authenticated
  using (company_id = (select core.current_company_id())
         and (select core.has_company_role(array['owner', 'backoffice_admin', 'marketing_admin'])))
  with check (company_id = (select core.current_company_id()));

create policy "admins delete their company's unused pipeline stages" on lead.pipeline_stages
  for delete to authenticated
  using (company_id = (select core.current_company_id())
         and (select core.has_company_role(array['owner', 'backoffice_admin', 'marketing_admin'])));

-- ---- grants ---------------------------------------------------------------------------------------

revoke execute on function lead._add_default_pipeline_stages(uuid[]), lead._create_default_pipeline_stages() from public;
grant select on lead.pipeline_stages to authenticated;
grant insert (company_id, name, position, probability, is_won, is_lost, is_active) on lead.pipeline_stages to authenticated;
grant update (name, position, probability, is_won, is_lost, is_active) on lead.pipeline_stages to authenticated;
grant delete on lead.pipeline_stages to authenticated;
grant select, insert, update, delete on lead.pipeline_stages to service_role;
