-- Text search over leads' name and e-mail.
--
-- Why an RPC and not `?name=ilike.*ana*` on the table: under RLS, Postgres evaluates the policy before
-- any user condition whose operator is not leakproof, and ILIKE/LIKE are not, so the planner cannot
-- use a trigram index for them and scans every row of the table. lead.search_leads is security
-- definer and applies the same tenant rule itself (company_id = the caller's current company, which
-- is exactly the read policy on lead.leads), so the trigram index works. It returns lead.leads rows,
-- and PostgREST filters, orders, pages and counts them like the table:
--   GET /rest/v1/rpc/search_leads?query=ana&select=id,name,status,created_at&status=eq.new&order=created_at.desc&limit=25
--   (Accept-Profile: lead, Prefer: count=exact). PostgREST 12 filters and orders an RPC's result only
--   on columns that are in `select` (PostgREST issue 3965, fixed in 13): select what you filter on.

-- ---- indexes --------------------------------------------------------------------------------------

-- An early version of 20261122001400 indexed the bare columns for ?name=ilike.*…*; RLS keeps that unused.
drop index if exists lead.idx_leads_name_email_trgm;
create index idx_leads_lower_name_email_trgm on lead.leads
  using gin (lower(name) extensions.gin_trgm_ops, lower(email) extensions.gin_trgm_ops);
comment on index lead.idx_leads_lower_name_email_trgm is
  'Serves lead.search_leads (lower(name|email) like ''%…%''). pg_trgm needs at least three characters to use it.';

-- ---- RPCs -----------------------------------------------------------------------------------------

create function lead.search_leads(query text) returns setof lead.leads
language plpgsql stable security definer set search_path = ''
as $$
declare
  company uuid := core.current_company_id();
  -- LIKE wildcards typed by the user are matched literally.
  pattern text := '%' || replace(replace(replace(lower(lead._trim_white_space(query)), '\', '\\'), '%', '\%'), '_', '\_') || '%';
begin
  if pattern is null or pattern = '%%' then
    raise exception 'type something to search for' using errcode = '22023', hint = 'empty_search';
  end if;
  return query
    select l.*
    from lead.leads l
    where l.company_id = company
      and (lower(l.name) like pattern or lower(l.email) like pattern);
end
$$;
comment on function lead.search_leads(text) is
  'Leads of the caller''s current company whose name or e-mail contains query (case-insensitive, trigram index). Filter, order, page and count the result through PostgREST as with the table. Use the table itself when there is nothing to search for (22023 empty_search).';

-- ---- grants ---------------------------------------------------------------------------------------

revoke execute on function lead.search_leads(text) from public;
grant execute on function lead.search_leads(text) to authenticated;
