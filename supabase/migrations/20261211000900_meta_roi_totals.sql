-- The Meta Ads page's totals for a range and level, so the ROI table can be paged (decision 0014,
-- "Paging the ROI table"). The page summed the rows analytics.meta_roi returned; past PostgREST's
-- max_rows (1,000 on Supabase) a company with more ads than that would have seen some of its ads cut
-- off, and totals short by their figures, without any sign. Now the table is read 50 rows a page and the
-- totals come from here, over every row.

create function analytics.meta_roi_totals(from_date date, to_date date, level text default 'campaign')
returns table (row_count bigint, spend numeric, leads bigint, conversions bigint, revenue numeric)
language sql stable security invoker set search_path = ''
as $$
  select count(*), coalesce(sum(r.spend), 0), coalesce(sum(r.leads), 0)::bigint, coalesce(sum(r.conversions), 0)::bigint,
         coalesce(sum(r.revenue), 0)
  from analytics.meta_roi(from_date, to_date, level) r
$$;
comment on function analytics.meta_roi_totals(date, date, text) is
  'One row: how many rows analytics.meta_roi(from_date, to_date, level) has, and the sums of their spend, leads, conversions and revenue. Same errors (22023 for a reversed range or an unknown level). Security invoker: the caller''s current company only.';
revoke execute on function analytics.meta_roi_totals(date, date, text) from public, anon;
grant execute on function analytics.meta_roi_totals(date, date, text) to authenticated, service_role;
