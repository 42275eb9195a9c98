-- Tenancy: companies, their members and roles, the JWT claims hook, and the helpers every RLS policy uses.
-- Also creates the six application schemas so every later migration only adds to them.

create schema if not exists core;
create schema if not exists core_marketing;
create schema if not exists mtrk;
create schema if not exists lead;
create schema if not exists ops;
create schema if not exists analytics;

comment on schema core is 'Tenancy: companies and who belongs to them.';
comment on schema core_marketing is 'Pixels, Meta connections and ad accounts, conversions and their deliveries to ad platforms.';
comment on schema mtrk is 'E-mail marketing: contacts, campaigns, messages, links, events, unsubscribes.';
comment on schema lead is 'Web tracking, leads, pipeline, opportunities, WhatsApp tickets, imports and CRM sync.';
comment on schema ops is 'Operations: audit log, integrations, sync state, domain events, worker runs.';
comment on schema analytics is 'Materialized views, exposed only through tenant-filtered views and RPCs.';

grant usage on schema core, core_marketing, mtrk, lead, ops, analytics to anon, authenticated, service_role;

-- ---- tables ---------------------------------------------------------------------------------------

create table core.companies (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  slug text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint name_is_not_blank check (length(btrim(name)) between 1 and 200),
  constraint slug_is_kebab_case check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 80),
  constraint slug_is_unique unique (slug)
);
comment on table core.companies is 'A tenant. Every row of business data carries company_id and RLS scopes it to the caller''s current company.';

create table core.company_members (
  company_id uuid not null references core.companies (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role text not null,
  is_default boolean not null default false,
  created_at timestamptz not null default now(),
  primary key (company_id, user_id),
  constraint role_is_known check (role in ('owner', 'backoffice_admin', 'marketing_admin', 'sales', 'viewer'))
);
comment on table core.company_members is 'User ↔ company with a role. The default membership is the company the access token is issued for.';
comment on column core.company_members.is_default is 'At most one per user; core.switch_company moves it and the client refreshes its session.';

-- ---- indexes --------------------------------------------------------------------------------------

create index idx_company_members_user_id on core.company_members (user_id);
create unique index idx_company_members_one_default_per_user on core.company_members (user_id) where is_default;

-- ---- helper functions -----------------------------------------------------------------------------

create function core.current_company_id() returns uuid
language sql stable security definer set search_path = ''
as $$
  -- The claim is only trusted while the membership still exists: removing a member cuts access at
  -- once instead of when the access token expires.
  select m.company_id
  from core.company_members m
  where m.user_id = auth.uid()
    and m.company_id = nullif(auth.jwt() ->> 'company_id', '')::uuid
$$;
comment on function core.current_company_id() is
  'The company the caller is acting for: the company_id claim, if the caller is still a member. Use as (select core.current_company_id()) in policies so it is evaluated once per statement.';

create function core.current_company_role() returns text
language sql stable security definer set search_path = ''
as $$
  select m.role
  from core.company_members m
  where m.user_id = auth.uid()
    and m.company_id = nullif(auth.jwt() ->> 'company_id', '')::uuid
$$;
comment on function core.current_company_role() is 'The caller''s role in their current company (null when not a member).';

create function core.has_company_role(roles text[]) returns boolean
language sql stable security definer set search_path = ''
as $$
  select coalesce(core.current_company_role() = any (roles), false)
$$;
comment on function core.has_company_role(text[]) is 'True when the caller''s role in the current company is one of roles.';

create function core._touch_updated_at() returns trigger
language plpgsql set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;
comment on function core._touch_updated_at() is 'Generic before-update trigger keeping updated_at true.';

create trigger companies_touch_updated_at before update on core.companies
  for each row execute function core._touch_updated_at();

-- ---- policies -------------------------------------------------------------------------------------

alter table core.companies enable row level security;
alter table core.company_members enable row level security;

create policy "members read the companies they belong to" on core.companies
  for select to authenticated
  using (id in (select m.company_id from core.company_members m where m.user_id = (select auth.uid())));

create policy "owners and back-office admins rename their current company" on core.companies
  for update to authenticated
  using (id = (select core.current_company_id()) and (select core.has_company_role(array['owner', 'backoffice_admin'])))
  with check (id = (select core.current_company_id()));

create policy "members read their own memberships" on core.company_members
  for select to authenticated
  using (user_id = (select auth.uid()));

create policy "members read who else belongs to their current company" on core.company_members
  for select to authenticated
  using (company_id = (select core.current_company_id()));

create policy "owners and back-office admins manage members of their current company" on core.company_members
  for all to authenticated
  using (company_id = (select core.current_company_id()) and (select core.has_company_role(array['owner', 'backoffice_admin'])))
  with check (company_id = (select core.current_company_id()) and (select core.has_company_role(array['owner', 'backoffice_admin'])));

-- The access-token hook runs as supabase_auth_admin (Supabase Auth's role), which must read memberships.
create policy "auth admin reads memberships to issue claims" on core.company_members
  for select to supabase_auth_admin
  using (true);

-- ---- RPCs -----------------------------------------------------------------------------------------

create function public.custom_access_token_hook(event jsonb) returns jsonb
language plpgsql stable set search_path = ''
as $$
declare
  claims jsonb := coalesce(event -> 'claims', '{}'::jsonb);
  membership record;
begin
  select m.company_id, m.role into membership
  from core.company_members m
  where m.user_id = (event ->> 'user_id')::uuid
  order by m.is_default desc, m.created_at, m.company_id
  limit 1;

  if found then
    claims := claims || jsonb_build_object('company_id', membership.company_id, 'company_role', membership.role);
  else
    claims := claims - 'company_id' - 'company_role';
  end if;
  return jsonb_set(event, '{claims}', claims);
end
$$;
comment on function public.custom_access_token_hook(jsonb) is
  'Supabase Auth custom access token hook (and the local auth''s): adds company_id and company_role of the default membership.';

create function core.switch_company(target_company_id uuid) returns void
language plpgsql security definer set search_path = ''
as $$
begin
  if auth.uid() is null then
    raise exception 'sign in first' using errcode = '42501', hint = 'not_authenticated';
  end if;
  if not exists (select 1 from core.company_members where user_id = auth.uid() and company_id = target_company_id) then
    raise exception 'you are not a member of company %', target_company_id using errcode = '42501', hint = 'not_a_member';
  end if;
  update core.company_members set is_default = false where user_id = auth.uid() and is_default and company_id <> target_company_id;
  update core.company_members set is_default = true where user_id = auth.uid() and company_id = target_company_id;
end
$$;
comment on function core.switch_company(uuid) is
  'Makes target_company_id the caller''s default company. The client must refresh its session to get a token with the new claims.';

create function core.my_companies() returns table (company_id uuid, name text, role text, is_default boolean)
language sql stable security definer set search_path = ''
as $$
  select c.id, c.name, m.role, m.is_default
  from core.company_members m
  join core.companies c on c.id = m.company_id
  where m.user_id = auth.uid()
  order by c.name
$$;
comment on function core.my_companies() is 'The caller''s memberships with company names, for the company switcher.';

-- ---- grants ---------------------------------------------------------------------------------------

revoke execute on function core.current_company_id(), core.current_company_role(), core.has_company_role(text[]),
  core._touch_updated_at(), public.custom_access_token_hook(jsonb), core.switch_company(uuid), core.my_companies() from public;
revoke execute on function public.custom_access_token_hook(jsonb) from anon, authenticated;
grant execute on function core.current_company_id(), core.current_company_role(), core.has_company_role(text[]) to anon, authenticated, service_role;
grant execute on function core.switch_company(uuid), core.my_companies() to authenticated;
grant execute on function public.custom_access_token_hook(jsonb) to supabase_auth_admin;
grant usage on schema core to supabase_auth_admin;

grant select on core.companies to anon, authenticated;
grant update (name) on core.companies to authenticated;
grant select, insert, update, delete on core.company_members to authenticated;
grant select on core.company_members to supabase_auth_admin;
grant all on core.companies, core.company_members to service_role;
