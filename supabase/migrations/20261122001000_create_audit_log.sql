-- Audit log: who changed which business row, when, and what it looked like before and after.
-- One generic statement-level trigger function records inserts, updates and deletes of any table
-- with `id uuid` and `company_id uuid` columns; `ops.attach_audit(table)` wires it to a table.
-- Statement-level with transition tables (not per row) so a 100,000-row import writes its audit rows
-- in one set-based insert instead of 100,000 single-row ones.

-- ---- tables ---------------------------------------------------------------------------------------

create table ops.audit_log (
  id bigint generated always as identity primary key,
  company_id uuid not null,
  table_schema text not null,
  table_name text not null,
  row_id uuid not null,
  action text not null,
  before jsonb,
  after jsonb,
  actor uuid,
  actor_role text,
  occurred_at timestamptz not null default now(),
  constraint action_is_known check (action in ('insert', 'update', 'delete')),
  constraint images_match_action check (
    (action = 'insert' and before is null and after is not null)
    or (action = 'update' and before is not null and after is not null)
    or (action = 'delete' and before is not null and after is null))
);
comment on table ops.audit_log is
  'Append-only record of changes to business rows, written only by ops._audit_row_change(). No foreign keys on purpose: the trail outlives the rows (and the company) it describes.';
comment on column ops.audit_log.row_id is 'The id of the changed row in table_schema.table_name.';
comment on column ops.audit_log.before is 'Insert: null. Update: only the keys that changed, with their old values. Delete: the whole row.';
comment on column ops.audit_log.after is 'Insert: the whole row. Update: only the keys that changed, with their new values. Delete: null.';
comment on column ops.audit_log.actor is 'auth.uid() of the caller; null for server-side work (service role, migrations, seeds).';
comment on column ops.audit_log.actor_role is 'The request''s database role (authenticated, service_role) or, outside PostgREST, the login role.';

-- ---- indexes --------------------------------------------------------------------------------------

-- The lead detail page reads one row's trail, newest first.
create index idx_audit_log_company_id_row_id on ops.audit_log (company_id, row_id, occurred_at desc);
create index idx_audit_log_company_id_occurred_at on ops.audit_log (company_id, occurred_at desc);

-- ---- helper functions -----------------------------------------------------------------------------

create function ops._audit_row_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  -- Columns never copied into the trail: noise (updated_at) and any the trigger names as secret.
  skipped_keys text[] := array['updated_at'] || coalesce(tg_argv::text[], '{}');
  caller uuid := auth.uid();
  caller_role text := coalesce(auth.role(), session_user);
begin
  if tg_op = 'INSERT' then
    insert into ops.audit_log (company_id, table_schema, table_name, row_id, action, before, after, actor, actor_role)
    select (n.j ->> 'company_id')::uuid, tg_table_schema, tg_table_name, (n.j ->> 'id')::uuid, 'insert', null,
           n.j - skipped_keys, caller, caller_role
    from (select to_jsonb(r) as j from new_rows r) n;
  elsif tg_op = 'UPDATE' then
    -- Materialized: otherwise to_jsonb(row) is recomputed for every key compared below.
    with n as materialized (select to_jsonb(r) as j from new_rows r),
         o as materialized (select to_jsonb(r) as j from old_rows r)
    insert into ops.audit_log (company_id, table_schema, table_name, row_id, action, before, after, actor, actor_role)
    select (n.j ->> 'company_id')::uuid, tg_table_schema, tg_table_name, (n.j ->> 'id')::uuid, 'update', d.before,
           d.after, caller, caller_role
    from n
    join o on o.j ->> 'id' = n.j ->> 'id'
    cross join lateral (
      select jsonb_object_agg(k.key, o.j -> k.key) as before, jsonb_object_agg(k.key, n.j -> k.key) as after
      from jsonb_object_keys(n.j) as k (key)
      where k.key <> all (skipped_keys) and (n.j -> k.key) is distinct from (o.j -> k.key)
    ) d
    where d.after is not null;
  else
    insert into ops.audit_log (company_id, table_schema, table_name, row_id, action, before, after, actor, actor_role)
    select (o.j ->> 'company_id')::uuid, tg_table_schema, tg_table_name, (o.j ->> 'id')::uuid, 'delete',
           o.j - skipped_keys, null, caller, caller_role
    from (select to_jsonb(r) as j from old_rows r) o;
  end if;
  return null;
end
$$;
comment on function ops._audit_row_change() is
  'Statement-level AFTER trigger (transition tables old_rows/new_rows) writing ops.audit_log. Trigger arguments name extra columns to leave out (secrets). Attach with ops.attach_audit(table).';

create function ops.attach_audit(target regclass, secret_columns text[] default '{}') returns void
language plpgsql set search_path = ''
as $$
declare
  relation_name text := (select c.relname from pg_catalog.pg_class c where c.oid = target);
  trigger_args text := (select coalesce(string_agg(quote_literal(s), ', '), '') from unnest(secret_columns) s);
begin
  -- Transition tables need one trigger per event; names are derived from the table so reruns replace.
  execute format('drop trigger if exists %I on %s', relation_name || '_audit_insert', target);
  execute format('drop trigger if exists %I on %s', relation_name || '_audit_update', target);
  execute format('drop trigger if exists %I on %s', relation_name || '_audit_delete', target);
  execute format('create trigger %I after insert on %s referencing new table as new_rows for each statement execute function ops._audit_row_change(%s)',
    relation_name || '_audit_insert', target, trigger_args);
  execute format('create trigger %I after update on %s referencing old table as old_rows new table as new_rows for each statement execute function ops._audit_row_change(%s)',
    relation_name || '_audit_update', target, trigger_args);
  execute format('create trigger %I after delete on %s referencing old table as old_rows for each statement execute function ops._audit_row_change(%s)',
    relation_name || '_audit_delete', target, trigger_args);
end
$$;
comment on function ops.attach_audit(regclass, text[]) is
  'Migration helper: records every insert/update/delete of target (which needs id and company_id columns) in ops.audit_log, leaving secret_columns out. Re-runnable.';

-- ---- policies -------------------------------------------------------------------------------------

alter table ops.audit_log enable row level security;

create policy "members read their company's audit trail" on ops.audit_log
  for select to authenticated
  using (company_id = (select core.current_company_id()));

-- ---- grants ---------------------------------------------------------------------------------------

revoke execute on function ops._audit_row_change(), ops.attach_audit(regclass, text[]) from public;
grant select on ops.audit_log to authenticated, service_role;
