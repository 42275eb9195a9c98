-- Platform bootstrap 40: a pgmq-compatible message queue (pgmq is not packaged for Debian).
--
-- Mirrors the SQL API of pgmq 1.4.x as shipped on Supabase ("Queues"): the same schema, `pgmq.meta`,
-- record types, queue tables `pgmq.q_<name>` / archives `pgmq.a_<name>`, and the same function
-- names, argument names, defaults and return types for the functions this project uses. Queue code
-- and its pgTAP tests therefore run unchanged against the real extension.
--
-- Deliberate differences, each in the direction of "works here => works on Supabase":
-- * Queue names must be lower-case letters, digits and underscores, shorter than 48 characters.
--   Upstream lower-cases table names and only rejects `$ ; -- '`, so every name accepted here is
--   accepted there, but not the other way round.
-- * pop() and set_vt() use clock_timestamp() like read() (later pgmq releases do the same; 1.4.4 used
--   now(), which inside one transaction hides messages sent earlier in that transaction).
-- * purge_queue() deletes instead of TRUNCATE (later pgmq releases do the same): transactional, and no
--   ACCESS EXCLUSIVE lock on a queue other sessions are reading.
-- * read() returns its rows ordered by msg_id (upstream does not promise an order).
-- * Partitioned/unlogged queues, read_with_poll, detach_archive and the pg_monitor grants are not
--   provided: the project does not use them.
-- Runs as the cluster superuser, before migrations, and is idempotent.

create schema if not exists pgmq;
comment on schema pgmq is 'Message queues (local stand-in for the pgmq extension).';

create table if not exists pgmq.meta (
  queue_name varchar unique not null,
  is_partitioned boolean not null,
  is_unlogged boolean not null,
  created_at timestamptz default now() not null
);
comment on table pgmq.meta is 'One row per queue, as in pgmq.';

do $$
begin
  if to_regtype('pgmq.message_record') is null then
    create type pgmq.message_record as (
      msg_id bigint,
      read_ct integer,
      enqueued_at timestamptz,
      vt timestamptz,
      message jsonb
    );
  end if;
  if to_regtype('pgmq.queue_record') is null then
    create type pgmq.queue_record as (
      queue_name varchar,
      is_partitioned boolean,
      is_unlogged boolean,
      created_at timestamptz
    );
  end if;
  if to_regtype('pgmq.metrics_result') is null then
    create type pgmq.metrics_result as (
      queue_name text,
      queue_length bigint,
      newest_msg_age_sec integer,
      oldest_msg_age_sec integer,
      total_messages bigint,
      scrape_time timestamptz
    );
  end if;
end
$$;

-- Validates a queue name and returns the name of one of its tables ('q' queue, 'a' archive).
-- Every other function goes through here before building dynamic SQL, which only uses %I / %L.
create or replace function pgmq._table_name(queue_name text, prefix text) returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  if queue_name is null or queue_name !~ '^[a-z0-9_]+$' then
    raise exception 'invalid queue name %: use lower-case letters, digits and underscores', quote_literal(queue_name)
      using errcode = 'invalid_parameter_value';
  end if;
  if length(queue_name) >= 48 then
    raise exception 'queue name is too long, maximum length is 48 characters'
      using errcode = 'invalid_parameter_value';
  end if;
  if prefix not in ('q', 'a') then
    raise exception 'unknown queue table prefix %', quote_literal(prefix);
  end if;
  return prefix || '_' || queue_name;
end
$$;
comment on function pgmq._table_name(text, text) is
  'Local-only: validates a queue name (stricter than pgmq''s format_table_name) and returns q_<name> or a_<name>.';

-- create: pgmq.create(queue_name) -> create_non_partitioned. Idempotent.
create or replace function pgmq.create(queue_name text) returns void
language plpgsql volatile
set search_path = ''
as $$
declare
  qtable text := pgmq._table_name(queue_name, 'q');
  atable text := pgmq._table_name(queue_name, 'a');
begin
  execute format(
    'create table if not exists pgmq.%I (
       msg_id bigint primary key generated always as identity,
       read_ct integer default 0 not null,
       enqueued_at timestamptz default now() not null,
       vt timestamptz not null,
       message jsonb
     )', qtable);
  execute format(
    'create table if not exists pgmq.%I (
       msg_id bigint primary key,
       read_ct integer default 0 not null,
       enqueued_at timestamptz default now() not null,
       archived_at timestamptz default now() not null,
       vt timestamptz not null,
       message jsonb
     )', atable);
  -- read() scans by vt; the archive is read by time.
  execute format('create index if not exists %I on pgmq.%I (vt asc)', qtable || '_vt_idx', qtable);
  execute format('create index if not exists %I on pgmq.%I (archived_at)', 'archived_at_idx_' || queue_name, atable);
  -- Supabase gives postgres and service_role full use of queue tables; never anon/authenticated.
  execute format('grant select, insert, update, delete on pgmq.%I, pgmq.%I to postgres, service_role', qtable, atable);
  execute format('grant usage, select on sequence pgmq.%I to postgres, service_role', qtable || '_msg_id_seq');
  insert into pgmq.meta (queue_name, is_partitioned, is_unlogged)
  values (queue_name, false, false)
  on conflict do nothing;
end
$$;
comment on function pgmq.create(text) is
  'Mirrors pgmq.create: creates pgmq.q_<name> and archive pgmq.a_<name> (with archived_at) and registers the queue; idempotent.';

-- drop_queue: drops both tables and the meta row; raises if the queue does not exist, as upstream.
create or replace function pgmq.drop_queue(queue_name text) returns boolean
language plpgsql volatile
set search_path = ''
as $$
declare
  qtable text := pgmq._table_name(queue_name, 'q');
  atable text := pgmq._table_name(queue_name, 'a');
begin
  if to_regclass(format('pgmq.%I', qtable)) is null then
    raise exception 'queue % does not exist', quote_literal(queue_name) using errcode = 'undefined_table';
  end if;
  execute format('drop table if exists pgmq.%I', qtable);
  execute format('drop table if exists pgmq.%I', atable);
  delete from pgmq.meta m where m.queue_name = drop_queue.queue_name;
  return true;
end
$$;
comment on function pgmq.drop_queue(text) is
  'Mirrors pgmq.drop_queue: drops the queue and its archive, returns true.';

-- send: one message, visible after `delay` seconds; returns its msg_id.
create or replace function pgmq.send(queue_name text, msg jsonb, delay integer default 0) returns setof bigint
language plpgsql volatile
set search_path = ''
as $$
begin
  return query execute format(
    'insert into pgmq.%I (vt, message) values (clock_timestamp() + $2, $1) returning msg_id',
    pgmq._table_name(queue_name, 'q'))
  using msg, make_interval(secs => delay);
end
$$;
comment on function pgmq.send(text, jsonb, integer) is
  'Mirrors pgmq.send: enqueues msg, visible after delay seconds (vt = clock_timestamp() + delay); returns msg_id.';

-- send_batch: many messages in one statement; ids come back in array order.
create or replace function pgmq.send_batch(queue_name text, msgs jsonb[], delay integer default 0) returns setof bigint
language plpgsql volatile
set search_path = ''
as $$
begin
  return query execute format(
    'insert into pgmq.%I (vt, message)
     select clock_timestamp() + $2, m.message
     from unnest($1) with ordinality as m(message, position)
     order by m.position
     returning msg_id',
    pgmq._table_name(queue_name, 'q'))
  using msgs, make_interval(secs => delay);
end
$$;
comment on function pgmq.send_batch(text, jsonb[], integer) is
  'Mirrors pgmq.send_batch: enqueues every element of msgs with the same delay; returns their msg_ids.';

-- read: claims up to qty visible messages (vt <= clock_timestamp()), oldest first. SKIP LOCKED lets
-- concurrent readers pass over rows another transaction is claiming, so no message is handed out
-- twice; each claimed message becomes invisible for `vt` seconds and its read_ct goes up by one.
create or replace function pgmq.read(queue_name text, vt integer, qty integer) returns setof pgmq.message_record
language plpgsql volatile
set search_path = ''
as $$
declare
  qtable text := pgmq._table_name(queue_name, 'q');
begin
  return query execute format(
    'with visible as (
       select msg_id
       from pgmq.%1$I
       where vt <= clock_timestamp()
       order by msg_id
       limit $1
       for update skip locked
     ),
     claimed as (
       update pgmq.%1$I m
       set vt = clock_timestamp() + $2,
           read_ct = m.read_ct + 1
       from visible
       where m.msg_id = visible.msg_id
       returning m.msg_id, m.read_ct, m.enqueued_at, m.vt, m.message
     )
     select msg_id, read_ct, enqueued_at, vt, message from claimed order by msg_id',
    qtable)
  using qty, make_interval(secs => vt);
end
$$;
comment on function pgmq.read(text, integer, integer) is
  'Mirrors pgmq.read: claims up to qty visible messages (FOR UPDATE SKIP LOCKED), hides them for vt seconds, increments read_ct.';

-- pop: claims and deletes the oldest visible message in one statement.
create or replace function pgmq.pop(queue_name text) returns setof pgmq.message_record
language plpgsql volatile
set search_path = ''
as $$
declare
  qtable text := pgmq._table_name(queue_name, 'q');
begin
  return query execute format(
    'with oldest as (
       select msg_id
       from pgmq.%1$I
       where vt <= clock_timestamp()
       order by msg_id
       limit 1
       for update skip locked
     )
     delete from pgmq.%1$I m
     using oldest
     where m.msg_id = oldest.msg_id
     returning m.msg_id, m.read_ct, m.enqueued_at, m.vt, m.message',
    qtable);
end
$$;
comment on function pgmq.pop(text) is
  'Mirrors pgmq.pop: removes and returns the oldest visible message (no archive).';

-- archive (one): moves a message to pgmq.a_<name>, archived_at = now(); false if it was not there.
create or replace function pgmq.archive(queue_name text, msg_id bigint) returns boolean
language plpgsql volatile
set search_path = ''
as $$
declare
  archived_id bigint;
begin
  execute format(
    'with moved as (
       delete from pgmq.%I where msg_id = $1
       returning msg_id, vt, read_ct, enqueued_at, message
     )
     insert into pgmq.%I (msg_id, vt, read_ct, enqueued_at, message)
     select msg_id, vt, read_ct, enqueued_at, message from moved
     returning msg_id',
    pgmq._table_name(queue_name, 'q'), pgmq._table_name(queue_name, 'a'))
  into archived_id
  using msg_id;
  return archived_id is not null;
end
$$;
comment on function pgmq.archive(text, bigint) is
  'Mirrors pgmq.archive: moves the message to pgmq.a_<name> (archived_at = now()); returns whether it existed.';

-- archive (many): same as above for a set of ids; returns the ids that were moved.
create or replace function pgmq.archive(queue_name text, msg_ids bigint[]) returns setof bigint
language plpgsql volatile
set search_path = ''
as $$
begin
  return query execute format(
    'with moved as (
       delete from pgmq.%I where msg_id = any($1)
       returning msg_id, vt, read_ct, enqueued_at, message
     )
     insert into pgmq.%I (msg_id, vt, read_ct, enqueued_at, message)
     select msg_id, vt, read_ct, enqueued_at, message from moved
     returning msg_id',
    pgmq._table_name(queue_name, 'q'), pgmq._table_name(queue_name, 'a'))
  using msg_ids;
end
$$;
comment on function pgmq.archive(text, bigint[]) is
  'Mirrors pgmq.archive for an array of ids: returns the ids that were archived.';

-- delete (one): removes a message for good; false if it was not there.
create or replace function pgmq.delete(queue_name text, msg_id bigint) returns boolean
language plpgsql volatile
set search_path = ''
as $$
declare
  deleted_id bigint;
begin
  execute format('delete from pgmq.%I where msg_id = $1 returning msg_id', pgmq._table_name(queue_name, 'q'))
  into deleted_id
  using msg_id;
  return deleted_id is not null;
end
$$;
comment on function pgmq.delete(text, bigint) is
  'Mirrors pgmq.delete: removes the message permanently; returns whether it existed.';

-- delete (many): returns the ids that were deleted.
create or replace function pgmq.delete(queue_name text, msg_ids bigint[]) returns setof bigint
language plpgsql volatile
set search_path = ''
as $$
begin
  return query execute format(
    'delete from pgmq.%I where msg_id = any($1) returning msg_id', pgmq._table_name(queue_name, 'q'))
  using msg_ids;
end
$$;
comment on function pgmq.delete(text, bigint[]) is
  'Mirrors pgmq.delete for an array of ids: returns the ids that were deleted.';

-- purge_queue: deletes every message (not the archive); returns how many.
create or replace function pgmq.purge_queue(queue_name text) returns bigint
language plpgsql volatile
set search_path = ''
as $$
declare
  purged bigint;
begin
  execute format('delete from pgmq.%I', pgmq._table_name(queue_name, 'q'));
  get diagnostics purged = row_count;
  return purged;
end
$$;
comment on function pgmq.purge_queue(text) is
  'Mirrors pgmq.purge_queue: deletes all messages of the queue (archive untouched); returns the count.';

-- set_vt: message becomes visible vt_offset seconds from now (0 = at once); returns it, or no row.
create or replace function pgmq.set_vt(queue_name text, msg_id bigint, vt_offset integer)
returns setof pgmq.message_record
language plpgsql volatile
set search_path = ''
as $$
begin
  return query execute format(
    'update pgmq.%I
     set vt = clock_timestamp() + $2
     where msg_id = $1
     returning msg_id, read_ct, enqueued_at, vt, message',
    pgmq._table_name(queue_name, 'q'))
  using msg_id, make_interval(secs => vt_offset);
end
$$;
comment on function pgmq.set_vt(text, bigint, integer) is
  'Mirrors pgmq.set_vt: sets the message''s visibility to clock_timestamp() + vt_offset seconds; returns the message.';

-- metrics: queue_length counts rows now in the queue; total_messages is every message ever sent
-- (the identity sequence's last value, so it also counts ids of rolled-back sends, as upstream).
create or replace function pgmq.metrics(queue_name text) returns pgmq.metrics_result
language plpgsql volatile
set search_path = ''
as $$
declare
  qtable text := pgmq._table_name(queue_name, 'q');
  result pgmq.metrics_result;
begin
  execute format(
    'select
       $1,
       count(*),
       extract(epoch from now() - max(q.enqueued_at))::integer,
       extract(epoch from now() - min(q.enqueued_at))::integer,
       (select case when s.is_called then s.last_value else 0 end from pgmq.%I s),
       now()
     from pgmq.%I q',
    qtable || '_msg_id_seq', qtable)
  into result
  using queue_name;
  return result;
end
$$;
comment on function pgmq.metrics(text) is
  'Mirrors pgmq.metrics: queue length, newest/oldest message age in seconds, total messages ever sent, scrape time.';

create or replace function pgmq.metrics_all() returns setof pgmq.metrics_result
language plpgsql volatile
set search_path = ''
as $$
declare
  queue record;
begin
  for queue in select m.queue_name from pgmq.meta m order by m.queue_name loop
    return next pgmq.metrics(queue.queue_name);
  end loop;
end
$$;
comment on function pgmq.metrics_all() is 'Mirrors pgmq.metrics_all: pgmq.metrics for every queue in pgmq.meta.';

create or replace function pgmq.list_queues() returns setof pgmq.queue_record
language sql stable
set search_path = ''
as $$
  select m.queue_name, m.is_partitioned, m.is_unlogged, m.created_at from pgmq.meta m
$$;
comment on function pgmq.list_queues() is 'Mirrors pgmq.list_queues: every row of pgmq.meta.';

-- Grants as on Supabase: postgres and service_role use the queues; anon and authenticated get
-- nothing (expose a queue to clients through your own security definer RPC if ever needed).
-- Functions are security invoker like upstream, so callers also need the table grants that
-- pgmq.create() gives on every queue it creates.
revoke all on schema pgmq from public;
revoke execute on all functions in schema pgmq from public;
grant usage on schema pgmq to postgres, service_role;
grant execute on all functions in schema pgmq to postgres, service_role;
grant select, insert, update, delete on pgmq.meta to postgres, service_role;
