-- A large CSV import leaves lead.leads with statistics from before it (or none, on a new project)
-- until autovacuum gets to it, and the console's first reports after the import are planned blind:
-- the demo seed hit the 8 s statement timeout that way on a fresh stack (runbook, "analyze after a
-- bulk load"). When an import completes having written at least a tenth of what the table held at
-- its last analyze (at least 1,000 rows, and always from 10,000), the statement that completes it also
-- analyzes lead.leads (a sample of 30,000 rows; it takes no lock that writers wait on).

create function lead._analyze_leads_after_big_import() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  known double precision := (select c.reltuples from pg_class c where c.oid = 'lead.leads'::regclass); -- -1: never analyzed
begin
  if new.rows_inserted + new.rows_updated >= least(10000, greatest(1000, known * 0.1)) then
    analyze lead.leads;
  end if;
  return null;
end
$$;
comment on function lead._analyze_leads_after_big_import() is
  'After an import completes: analyzes lead.leads when the import wrote at least max(1,000, a tenth of the rows the statistics know), or 10,000 rows, so reports are not planned on statistics from before it.';
revoke execute on function lead._analyze_leads_after_big_import() from public;

create trigger lead_imports_analyze_leads after update on lead.lead_imports
  for each row when (new.status = 'completed' and old.status is distinct from new.status)
  execute function lead._analyze_leads_after_big_import();
