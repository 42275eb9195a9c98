-- What the project needs from pgmq, Vault and pg_net beyond what each extension grants by itself.
-- The extensions' own scripts grant nothing to service_role (pgmq 1.5.1: only pg_monitor may read;
-- supabase_vault 0.3.1: nobody; pg_net 0.20.4: PUBLIC), and the local stand-ins mirror exactly that, so
-- these grants are the only place the project's privileges come from, on the stand-ins, on the real
-- extensions and on Supabase (whose image already grants some of them: every grant below is made
-- only when service_role lacks it where Supabase's image owns the objects, so nothing fails there).
--
-- Needed by the project, all for service_role (the server side; anon and authenticated get nothing):
-- * pgmq: use the schema, read and write every queue and archive table, including queues created
--   later (default privileges for tables that postgres, which runs the migrations, creates), read the
--   msg_id sequences (pgmq.metrics), execute the functions.
-- * Vault: read vault.decrypted_secrets (which needs USAGE on vault and EXECUTE on the decryption
--   function the view calls: a view runs its functions with the reader's rights).
-- * pg_net: call net.http_post (USAGE on net, EXECUTE on the function, and, where the function runs
--   as the caller as upstream's does, INSERT on net.http_request_queue and its id sequence).

do $$
begin
  -- ---- pgmq ---------------------------------------------------------------------------------------
  if not has_schema_privilege('service_role', 'pgmq', 'usage') then
    grant usage on schema pgmq to service_role;
  end if;
  -- pgmq's objects belong to postgres (here the superuser; on Supabase its image hands them over).
  grant select, insert, update, delete on all tables in schema pgmq to service_role;
  grant usage, select on all sequences in schema pgmq to service_role;
  grant execute on all functions in schema pgmq to service_role;
  -- Queues created by later migrations (pgmq.create runs as postgres) get the same grants.
  alter default privileges for role postgres in schema pgmq
    grant select, insert, update, delete on tables to service_role;
  alter default privileges for role postgres in schema pgmq
    grant usage, select on sequences to service_role;

  -- ---- Vault --------------------------------------------------------------------------------------
  if not has_schema_privilege('service_role', 'vault', 'usage') then
    grant usage on schema vault to service_role;
  end if;
  if not has_table_privilege('service_role', 'vault.decrypted_secrets', 'select') then
    grant select on vault.decrypted_secrets to service_role;
  end if;
  if to_regprocedure('vault._crypto_aead_det_decrypt(bytea, bytea, bigint, bytea, bytea)') is not null
     and not has_function_privilege('service_role', 'vault._crypto_aead_det_decrypt(bytea, bytea, bigint, bytea, bytea)', 'execute') then
    grant execute on function vault._crypto_aead_det_decrypt(bytea, bytea, bigint, bytea, bytea) to service_role;
  end if;

  -- ---- pg_net -------------------------------------------------------------------------------------
  if not has_schema_privilege('service_role', 'net', 'usage') then
    grant usage on schema net to service_role;
  end if;
  if not has_function_privilege('service_role', 'net.http_post(text, jsonb, jsonb, jsonb, integer)', 'execute') then
    grant execute on function net.http_post(text, jsonb, jsonb, jsonb, integer) to service_role;
  end if;
  if not (select p.prosecdef from pg_proc p where p.oid = 'net.http_post(text, jsonb, jsonb, jsonb, integer)'::regprocedure) then
    if not has_table_privilege('service_role', 'net.http_request_queue', 'insert') then
      grant insert on net.http_request_queue to service_role;
    end if;
    if not has_sequence_privilege('service_role', 'net.http_request_queue_id_seq', 'usage') then
      grant usage on sequence net.http_request_queue_id_seq to service_role;
    end if;
  end if;
end
$$;
