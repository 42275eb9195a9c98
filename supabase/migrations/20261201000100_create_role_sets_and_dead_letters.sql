-- Role sets named once, and the dead-letter ledger every queue worker writes to.
--
-- Role sets (the same three lists live in packages/contracts/src/tenancy.ts: managerRoles, adminRoles,
-- editorRoles; web and functions import those, policies and RPCs call these):
--   manager = owner, backoffice_admin                     → company name, memberships
--   admin   = manager + marketing_admin                   → set-up: stages, integrations, pixels, ops views
--   editor  = admin + sales                               → leads, opportunities, imports
-- viewer is in none of them: it reads.

create function core.is_company_manager() returns boolean
language sql stable security definer set search_path = ''
as $$
  select coalesce(core.current_company_role() = any (array['owner', 'backoffice_admin']), false)
$$;
comment on function core.is_company_manager() is
  'True when the caller is owner or backoffice_admin of their current company (contracts: managerRoles).';

create function core.is_company_admin() returns boolean
language sql stable security definer set search_path = ''
as $$
  select coalesce(core.current_company_role() = any (array['owner', 'backoffice_admin', 'marketing_admin']), false)
$$;
comment on function core.is_company_admin() is
  'True when the caller is owner, backoffice_admin or marketing_admin of their current company (contracts: adminRoles).';

create function core.is_company_editor() returns boolean
language sql stable security definer set search_path = ''
as $$
  select coalesce(core.current_company_role() = any (array['owner', 'backoffice_admin', 'marketing_admin', 'sales']), false)
$$;
comment on function core.is_company_editor() is
  'True when the caller may write leads, opportunities and imports in their current company (contracts: editorRoles).';

revoke execute on function core.is_company_manager(), core.is_company_admin(), core.is_company_editor() from public;
grant execute on function core.is_company_manager(), core.is_company_admin(), core.is_company_editor()
  to anon, authenticated, service_role;

-- ---- dead letters ---------------------------------------------------------------------------------

create table ops.dead_letters (
  id bigint generated always as identity primary key,
  queue_name text not null,
  msg_id bigint not null,
  company_id uuid references core.companies (id) on delete cascade,
  worker text not null,
  message jsonb not null,
  read_ct integer not null,
  enqueued_at timestamptz,
  last_error text not null,
  dead_at timestamptz not null default now(),
  constraint dead_letters_once_per_message unique (queue_name, msg_id)
);
comment on table ops.dead_letters is
  'Messages a queue worker gave up on (attempts exhausted or unprocessable), moved here from the pgmq queue by ops.dead_letter: the message, how often it was read and the last error. Company admins read their own; service_role all.';
comment on column ops.dead_letters.company_id is 'The company the message belongs to (its company_id field), null when the message names none.';
comment on column ops.dead_letters.read_ct is 'How many times the message had been read from the queue when it was given up.';
comment on column ops.dead_letters.last_error is 'Why the worker gave up, as the worker wrote it (never a secret).';

create index idx_dead_letters_company_id_dead_at on ops.dead_letters (company_id, dead_at desc);
create index idx_dead_letters_queue_name_dead_at on ops.dead_letters (queue_name, dead_at desc);

alter table ops.dead_letters enable row level security;

create policy "admins read their company's dead letters" on ops.dead_letters
  for select to authenticated
  using (company_id = (select core.current_company_id()) and (select core.is_company_admin()));

grant select on ops.dead_letters to authenticated;
grant select, insert, update, delete on ops.dead_letters to service_role;

create function ops.dead_letter(queue_name text, msg_id bigint, worker text, last_error text)
returns boolean
language plpgsql security definer set search_path = ''
as $$
declare
  queued_id bigint;
  queued_read_ct integer;
  queued_at timestamptz;
  queued_message jsonb;
begin
  if queue_name !~ '^[a-z0-9_]+$' then
    raise exception 'invalid queue name %', queue_name using errcode = '22023';
  end if;
  execute format('select msg_id, read_ct, enqueued_at, message from pgmq.%I where msg_id = $1 for update', 'q_' || queue_name)
    into queued_id, queued_read_ct, queued_at, queued_message using msg_id;
  if queued_id is null then
    return false; -- already archived or dead-lettered by an earlier attempt
  end if;
  insert into ops.dead_letters (queue_name, msg_id, company_id, worker, message, read_ct, enqueued_at, last_error)
  values (
    dead_letter.queue_name, queued_id,
    (select c.id from core.companies c where c.id::text = queued_message ->> 'company_id'),
    dead_letter.worker, queued_message, queued_read_ct, queued_at, left(dead_letter.last_error, 2000)
  )
  on conflict on constraint dead_letters_once_per_message do nothing;
  perform pgmq.archive(dead_letter.queue_name, queued_id);
  return true;
end
$$;
comment on function ops.dead_letter(text, bigint, text, text) is
  'Terminal state of a queue message: copies it with its read count and last error into ops.dead_letters and archives it (pgmq.archive). Returns false when the message is no longer on the queue. Service role only.';

revoke execute on function ops.dead_letter(text, bigint, text, text) from public, anon, authenticated;
grant execute on function ops.dead_letter(text, bigint, text, text) to service_role;
