-- Installs the `tests` schema helpers every pgTAP file uses. Runs first (file name order) and commits,
-- so the other files, each wrapped in begin … rollback, can rely on them. Works under pg_prove and
-- `supabase test db` alike. Idempotent.
create extension if not exists pgtap with schema extensions;
create schema if not exists tests;
grant usage on schema tests to anon, authenticated, service_role;

create or replace function tests.create_user(email text, password text default 'test-password') returns uuid
language plpgsql security definer set search_path = ''
as $$
declare
  new_id uuid;
begin
  insert into auth.users (id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
  values (gen_random_uuid(), 'authenticated', 'authenticated', lower(email), extensions.crypt(password, extensions.gen_salt('bf', 4)), now(),
          '{"provider":"email","providers":["email"]}', '{}')
  returning id into new_id;
  return new_id;
end
$$;

create or replace function tests.get_user_id(email text) returns uuid
language sql stable security definer set search_path = ''
as $$
  select u.id from auth.users u where lower(u.email) = lower(get_user_id.email)
$$;

create or replace function tests.create_company(name text, slug text) returns uuid
language sql security definer set search_path = ''
as $$
  insert into core.companies (name, slug) values (create_company.name, create_company.slug) returning id
$$;

create or replace function tests.company_id(slug text) returns uuid
language sql stable security definer set search_path = ''
as $$
  select c.id from core.companies c where c.slug = company_id.slug
$$;

create or replace function tests.add_member(company_id uuid, email text, role text, is_default boolean default true) returns void
language sql security definer set search_path = ''
as $$
  insert into core.company_members (company_id, user_id, role, is_default)
  values (add_member.company_id, tests.get_user_id(add_member.email), add_member.role, add_member.is_default)
$$;

-- Become `authenticated` with the claims Supabase Auth would issue: they come from the real hook.
create or replace function tests.authenticate_as(email text) returns void
language plpgsql
as $$
declare
  uid uuid;
  event jsonb;
begin
  -- Claims are computed with the test runner's own rights, whatever role an earlier call switched to.
  perform set_config('role', session_user, true);
  uid := tests.get_user_id(email);
  if uid is null then
    raise exception 'tests.authenticate_as: no user %', email;
  end if;
  event := public.custom_access_token_hook(jsonb_build_object(
    'user_id', uid,
    'authentication_method', 'password',
    'claims', jsonb_build_object('sub', uid, 'email', lower(email), 'role', 'authenticated', 'aud', 'authenticated', 'aal', 'aal1',
                                 'session_id', gen_random_uuid(), 'iat', extract(epoch from now())::int, 'exp', extract(epoch from now())::int + 3600)
  ));
  perform set_config('request.jwt.claims', (event -> 'claims')::text, true);
  perform set_config('role', 'authenticated', true);
end
$$;

create or replace function tests.authenticate_as_service_role() returns void
language plpgsql
as $$
begin
  perform set_config('request.jwt.claims', '{"role":"service_role"}', true);
  perform set_config('role', 'service_role', true);
end
$$;

create or replace function tests.authenticate_as_anon() returns void
language plpgsql
as $$
begin
  perform set_config('request.jwt.claims', '{"role":"anon"}', true);
  perform set_config('role', 'anon', true);
end
$$;

create or replace function tests.clear_authentication() returns void
language plpgsql
as $$
begin
  perform set_config('role', session_user, true);
  perform set_config('request.jwt.claims', '', true);
end
$$;

-- One TAP line: every table (plain or partitioned) of the schema has row level security enabled.
create or replace function tests.rls_enabled(schema_name text) returns text
language sql
as $$
  select extensions.is(
    (select coalesce(array_agg(c.relname::text order by c.relname), '{}')
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = schema_name and c.relkind in ('r', 'p') and not c.relrowsecurity),
    '{}'::text[],
    format('every table in schema %s has row level security enabled', schema_name)
  )
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;

begin;
select extensions.plan(3);
select extensions.has_function('tests', 'authenticate_as', array['text'], 'tests.authenticate_as(email) is installed');
select extensions.has_function('tests', 'rls_enabled', array['text'], 'tests.rls_enabled(schema) is installed');
select extensions.has_function('tests', 'create_user', array['text', 'text'], 'tests.create_user(email, password) is installed');
select * from extensions.finish();
rollback;
