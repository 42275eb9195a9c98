-- How the database calls edge functions (pg_cron schedules and "kick on enqueue"): net.http_post to
-- <project_url>/functions/v1/<name> with the service-role key, both read from Vault so no secret sits
-- in a migration or a cron command. On Supabase, create the two secrets once per project:
--   select vault.create_secret('https://<ref>.supabase.co', 'project_url');
--   select vault.create_secret('<service_role key>', 'service_role_key');
-- The local stack writes them at every start.

create function ops.invoke_edge_function(function_name text, payload jsonb default '{}'::jsonb, timeout_milliseconds integer default 5000)
returns bigint
language plpgsql security definer set search_path = ''
as $$
declare
  base_url text;
  service_key text;
begin
  if function_name !~ '^[a-z0-9][a-z0-9_-]*$' then
    raise exception 'invalid function name %', function_name using errcode = '22023';
  end if;
  select decrypted_secret into base_url from vault.decrypted_secrets where name = 'project_url';
  select decrypted_secret into service_key from vault.decrypted_secrets where name = 'service_role_key';
  if base_url is null or service_key is null then
    raise exception 'Vault secrets project_url and service_role_key are required to call edge functions'
      using errcode = '55000', hint = 'see docs/runbook.md, "Secrets"';
  end if;
  return net.http_post(
    url := rtrim(base_url, '/') || '/functions/v1/' || function_name,
    body := payload,
    headers := jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || service_key),
    timeout_milliseconds := timeout_milliseconds
  );
end
$$;
comment on function ops.invoke_edge_function(text, jsonb, integer) is
  'Asynchronously POSTs payload to an edge function as service_role (pg_net). Used by pg_cron jobs and enqueue kicks; the response lands in net._http_response.';

revoke execute on function ops.invoke_edge_function(text, jsonb, integer) from public, anon, authenticated;
grant execute on function ops.invoke_edge_function(text, jsonb, integer) to service_role;
