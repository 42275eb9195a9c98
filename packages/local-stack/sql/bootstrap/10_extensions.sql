-- Platform bootstrap 10: the `extensions` schema and the extensions every Supabase project has enabled.
create schema if not exists extensions;
grant usage on schema extensions to anon, authenticated, service_role, supabase_auth_admin;
create extension if not exists pgcrypto with schema extensions;
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pg_trgm with schema extensions;
-- Supabase puts `extensions` on every role's search_path; functions declared `set search_path = ''`
-- must still qualify (extensions.digest(...)).
do $$ begin
  execute format('alter database %I set search_path to "$user", public, extensions', current_database());
end $$;
