-- Extensions every later capability relies on.
-- pg_cron, pgcrypto and pg_trgm are real extensions everywhere. pgmq and pg_net are enabled here on a
-- Supabase project; the local stack (which cannot install them) provides compatible schemas in its
-- platform bootstrap before migrations run, so the guards below leave those alone.
create extension if not exists pg_cron with schema pg_catalog;
create extension if not exists pgcrypto with schema extensions;
create extension if not exists pg_trgm with schema extensions;

do $$
begin
  if not exists (select 1 from pg_namespace where nspname = 'pgmq') then
    create extension pgmq;
  end if;
  if not exists (select 1 from pg_namespace where nspname = 'net') then
    create extension pg_net with schema extensions;
  end if;
end
$$;
