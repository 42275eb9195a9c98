-- What the console's Pipeline page and pipeline settings need beyond plain table access: how many leads
-- (and how much expected value) sit in each stage, and reordering a company's stages in one statement.

-- ---- views ----------------------------------------------------------------------------------------

create view lead.stage_totals
with (security_invoker = true)
as
select l.company_id, l.stage_id, count(*)::integer as leads, coalesce(sum(l.value), 0)::numeric(16, 2) as total_value
from lead.leads l
group by l.company_id, l.stage_id;
comment on view lead.stage_totals is
  'Leads and their summed expected value per pipeline stage. security_invoker: the caller''s RLS on lead.leads applies, so members see their current company''s totals only. Reads idx_leads_company_id_stage_id_created_at.';
comment on column lead.stage_totals.leads is 'Leads currently in the stage (converted leads included: they share their opportunity''s stage).';
comment on column lead.stage_totals.total_value is 'Sum of the leads'' expected value; leads without a value count as 0.';

-- ---- RPCs -----------------------------------------------------------------------------------------

create function lead.reorder_pipeline_stages(stage_ids uuid[]) returns setof lead.pipeline_stages
language plpgsql set search_path = ''
as $$
declare
  company uuid := core.current_company_id();
begin
  if company is null or not core.has_company_role(array['owner', 'backoffice_admin', 'marketing_admin']) then
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
comment on function lead.reorder_pipeline_stages(uuid[]) is
  'Sets the order of the caller''s company stages (position 0, 1, … as listed) in one statement, so the audit trail and concurrent readers never see a half-done reorder. Runs with the caller''s rights. Returns the stages that moved. Errors: 42501 not_allowed (not an admin), PT422 stage_list_mismatch.';

-- ---- grants ---------------------------------------------------------------------------------------

revoke execute on function lead.reorder_pipeline_stages(uuid[]) from public;
grant execute on function lead.reorder_pipeline_stages(uuid[]) to authenticated;
grant select on lead.stage_totals to authenticated;
