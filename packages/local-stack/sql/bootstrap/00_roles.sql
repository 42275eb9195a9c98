-- Platform bootstrap 00: the roles a Supabase project has before any migration runs.
-- Mirrors supabase/postgres `roles.sql`: anon / authenticated / service_role are NOLOGIN roles that
-- PostgREST switches into (SET ROLE) after verifying the JWT; `authenticator` is the only login role
-- PostgREST uses; `supabase_auth_admin` is what GoTrue connects as and what runs the access-token hook.
-- Runs as the cluster superuser, once per database, and is idempotent.
do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated', 'service_role'] loop
    if not exists (select 1 from pg_roles where rolname = r) then
      execute format('create role %I nologin noinherit', r);
    end if;
  end loop;
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'supabase_auth_admin') then
    create role supabase_auth_admin login noinherit createrole;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'supabase_admin') then
    create role supabase_admin login superuser createrole createdb replication bypassrls;
  end if;
end
$$;

alter role service_role bypassrls;
grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres;

-- Local passwords: the stack writes the real one (derived per stack) after bootstrap via ALTER ROLE.
-- Statement timeouts as on Supabase, so a runaway console query cannot hold a connection forever.
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';

-- public schema privileges exactly as a fresh Supabase project has them.
grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
