-- Member directory: who belongs to the caller's current company, by e-mail. The console needs it to
-- name lead owners, the people who moved a stage and the actors of the audit trail; e-mails live in
-- auth.users, which no API role may read, so one security definer function hands out exactly the
-- current company's members and nothing else about them.

-- ---- RPCs -----------------------------------------------------------------------------------------

create function core.member_directory()
returns table (user_id uuid, email text, role text)
language sql stable security definer set search_path = ''
as $$
  select m.user_id, u.email::text, m.role
  from core.company_members m
  join auth.users u on u.id = m.user_id
  where m.company_id = core.current_company_id()
  order by lower(u.email::text)
$$;
comment on function core.member_directory() is
  'Members of the caller''s current company with their e-mail and role, ordered by e-mail (lead owner pickers, names in stage history and audit trail). Empty for callers without a current company.';

-- ---- grants ---------------------------------------------------------------------------------------

revoke execute on function core.member_directory() from public;
grant execute on function core.member_directory() to authenticated;
