-- The pg_cron jobs ops.setup_problems() expects now come from a table instead of a list inside the
-- function, so that each module's migration registers its own jobs with one insert (and nobody has
-- to replace setup_problems() — two modules replacing it would silently drop each other's lines).
--   insert into ops.expected_cron_jobs (jobname, does, migration)
--   values ('my-worker', 'what stops working without it', '2026…_my_migration.sql');

create table ops.expected_cron_jobs (
  jobname text primary key check (jobname ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  does text not null check (pg_catalog.length(does) between 5 and 300),
  migration text not null check (migration ~ '^[0-9]{14}_[a-z0-9_]+\.sql$'),
  created_at timestamptz not null default pg_catalog.now()
);
comment on table ops.expected_cron_jobs is
  'pg_cron jobs the migrations schedule, with what breaks without them: ops.setup_problems() reports each one missing or paused. Written by migrations only.';

-- Not company data: no company_id. RLS on and no policy, so only the owner and security definer
-- functions (setup_problems) read it; nobody but migrations writes it.
alter table ops.expected_cron_jobs enable row level security;
revoke all on ops.expected_cron_jobs from public, anon, authenticated, service_role;
grant select on ops.expected_cron_jobs to service_role;
create policy expected_cron_jobs_service_read on ops.expected_cron_jobs for select to service_role using (true);

insert into ops.expected_cron_jobs (jobname, does, migration) values
  ('crm-sync-push', 'leads waiting for Dinamize are pushed only when a write kicks the worker', '20261122002000_schedule_crm_sync.sql'),
  ('crm-sync-pull', 'contacts are no longer pulled from Dinamize', '20261122002000_schedule_crm_sync.sql'),
  ('lead-import-worker', 'CSV import chunks left behind by a lost kick are never processed', '20261122003000_create_lead_import_queueing.sql');
create or replace function ops.setup_problems()
returns table (code text, subject text, what text, how_to_fix text)
language plpgsql stable security definer set search_path = ''
as $$
declare
  required_schemas constant text[] := array['public', 'core', 'core_marketing', 'mtrk', 'lead', 'ops', 'analytics'];
  exposed text[];
begin
  if not (ops.caller_sees_all_companies() or core.is_company_admin()) then
    raise exception 'ops.setup_problems() is for company admins and service_role'
      using errcode = '42501';
  end if;

  -- extensions ------------------------------------------------------------------------------------
  return query
  select 'missing_extension', e.name,
         format('The %s extension is not installed: %s.', e.name, e.needed_for),
         e.fix
  from (values
    ('pg_cron', 'the workers are never called on schedule',
     'Dashboard → Database → Extensions → enable pg_cron (or: create extension pg_cron with schema pg_catalog), then supabase db push.',
     exists (select 1 from pg_catalog.pg_extension x where x.extname = 'pg_cron')),
    ('pgcrypto', 'the first migration enables it and the project''s cryptographic helpers (gen_random_bytes, crypt) come from it',
     'create extension pgcrypto with schema extensions;',
     exists (select 1 from pg_catalog.pg_extension x where x.extname = 'pgcrypto')),
    ('pg_trgm', 'lead search cannot use its index',
     'create extension pg_trgm with schema extensions;',
     exists (select 1 from pg_catalog.pg_extension x where x.extname = 'pg_trgm')),
    ('pgmq', 'no queue can be written or read',
     'Dashboard → Integrations → Queues (or: create extension pgmq), then supabase db push.',
     exists (select 1 from pg_catalog.pg_extension x where x.extname = 'pgmq')
       or pg_catalog.to_regprocedure('pgmq.send(text,jsonb,integer)') is not null),
    ('pg_net', 'the database cannot call the edge functions (cron jobs, enqueue kicks)',
     'Dashboard → Database → Extensions → enable pg_net (or: create extension pg_net with schema extensions).',
     exists (select 1 from pg_catalog.pg_extension x where x.extname = 'pg_net')
       or pg_catalog.to_regprocedure('net.http_post(text,jsonb,jsonb,jsonb,integer)') is not null),
    ('supabase_vault', 'the cron jobs cannot read the project URL and service key',
     'Dashboard → Database → Extensions → enable supabase_vault (Vault).',
     exists (select 1 from pg_catalog.pg_extension x where x.extname = 'supabase_vault')
       or (pg_catalog.to_regprocedure('vault.create_secret(text,text,text,uuid)') is not null
           and pg_catalog.to_regclass('vault.decrypted_secrets') is not null))
  ) as e (name, needed_for, fix, present)
  where not e.present;

  -- Vault secrets (names only) ----------------------------------------------------------------------
  if pg_catalog.to_regclass('vault.secrets') is not null then
    return query
    select 'missing_vault_secret', s.name,
           format('Vault has no secret named %s: every cron job and enqueue kick fails (ops.invoke_edge_function).', s.name),
           s.fix
    from (values
      ('project_url', 'select vault.create_secret(''https://<project-ref>.supabase.co'', ''project_url'');'),
      ('service_role_key', 'select vault.create_secret(''<service_role key from Dashboard → Settings → API>'', ''service_role_key'');')
    ) as s (name, fix)
    where not exists (select 1 from vault.secrets v where v.name = s.name);
  end if;

  -- cron jobs the migrations schedule -------------------------------------------------------------
  if pg_catalog.to_regclass('cron.job') is not null then
    return query
    select case when j.jobid is null then 'missing_cron_job' else 'inactive_cron_job' end,
           r.jobname,
           case when j.jobid is null
             then format('The pg_cron job %s is not scheduled: %s.', r.jobname, r.does)
             else format('The pg_cron job %s is paused (active = false): %s.', r.jobname, r.does)
           end,
           case when j.jobid is null
             then format('Schedule it again as supabase/migrations/%s does.', r.migration)
             else format('select cron.alter_job(jobid, active := true) from cron.job where jobname = %L;', r.jobname)
           end
    from ops.expected_cron_jobs r
    left join cron.job j on j.jobname = r.jobname
    where j.jobid is null or not j.active;
  end if;

  -- custom access token hook ------------------------------------------------------------------------
  if pg_catalog.to_regprocedure('public.custom_access_token_hook(jsonb)') is null then
    return query select 'missing_auth_hook', 'public.custom_access_token_hook',
      'The custom access token hook function is missing: tokens carry no company_id and members see nothing.',
      'Apply the migrations (supabase db push).';
  elsif exists (select 1 from pg_catalog.pg_roles r where r.rolname = 'supabase_auth_admin')
        and not pg_catalog.has_function_privilege('supabase_auth_admin', 'public.custom_access_token_hook(jsonb)', 'execute') then
    return query select 'auth_hook_not_executable', 'public.custom_access_token_hook',
      'supabase_auth_admin may not execute the custom access token hook: sign-ins fail once the hook is enabled.',
      'grant execute on function public.custom_access_token_hook(jsonb) to supabase_auth_admin;';
  end if;

  -- exposed schemas, when PostgREST takes them from the database ------------------------------------
  select pg_catalog.string_to_array(pg_catalog.replace(pg_catalog.substr(c.setting, pg_catalog.length('pgrst.db_schemas=') + 1), ' ', ''), ',')
    into exposed
  from pg_catalog.pg_db_role_setting s
  join pg_catalog.pg_roles r on r.oid = s.setrole and r.rolname = 'authenticator'
  cross join lateral pg_catalog.unnest(s.setconfig) as c (setting)
  where c.setting like 'pgrst.db\_schemas=%'
  limit 1;
  if exposed is not null then
    return query
    select 'schema_not_exposed', n.schema_name,
           format('PostgREST does not expose schema %s (pgrst.db_schemas on authenticator): the console''s reads of its tables and functions fail (PGRST106).', n.schema_name),
           'Dashboard → Project Settings → Data API → Exposed schemas: add it (or alter role authenticator set pgrst.db_schemas = ''…'' and notify pgrst, ''reload config'').'
    from pg_catalog.unnest(required_schemas) as n (schema_name)
    where n.schema_name <> all (exposed);
  end if;
end
$$;
comment on function ops.setup_problems() is
  'What this project is missing for Rastro (Vault secrets, extensions, the migrations'' cron jobs, the auth hook, exposed schemas when visible in the database): one row per problem with a code, the thing it is about, what breaks and how to fix it; no rows when all is well. Never returns a secret value. Company admins and service_role only (others: 42501).';

