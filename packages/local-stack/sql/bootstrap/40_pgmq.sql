-- Platform bootstrap 40: a stand-in for the pgmq extension, mirroring pgmq 1.5.1
-- (github.com/pgmq/pgmq, tag v1.5.1, pgmq-extension/sql/pgmq.sql). Used only where this machine's
-- PostgreSQL has no pgmq; src/bootstrap.ts creates the real extension instead when it is installed.
--
-- What is the same as pgmq 1.5.1 (everything the project calls, and the tests pin it against both):
-- * pgmq.meta; the types message_record (msg_id, read_ct, enqueued_at, vt, message, headers),
--   queue_record, metrics_result (… scrape_time, queue_visible_length); queue tables pgmq.q_<name>
--   and archives pgmq.a_<name> with the `headers` column; table names lower-cased from the queue name
--   as given (pgmq.create('Orders') makes pgmq.q_orders; meta keeps 'Orders'); the same indexes.
-- * Function names, argument names, defaults and return types: create, create_non_partitioned,
--   drop_queue, send / send_batch (every overload: headers, integer or timestamptz delay), read (with
--   `conditional`), pop, set_vt (third argument `vt`), archive / delete (one id or an array),
--   purge_queue (TRUNCATE), metrics, metrics_all, list_queues, format_table_name, validate_queue_name.
-- * Behaviour: clock_timestamp() visibility, FOR UPDATE SKIP LOCKED claims, name checks (`$ ; -- '`
--   refused, 48 characters or more refused), drop_queue of an unknown queue raising 42P01 (the
--   extension's `ALTER EXTENSION pgmq DROP TABLE` fails first; Supabase patches drop_queue to return
--   true instead: never rely on either).
-- * Privileges: none beyond upstream's. The schema is usable by its owner and pg_monitor (SELECT on
--   every table and sequence, also on those created later); functions keep PostgreSQL's default
--   EXECUTE for PUBLIC, which without USAGE on the schema reaches nothing. Whatever the project needs
--   for service_role is granted by its own migration (20261201001000_grant_platform_extension_access).
--
-- Not provided (the project does not use them): partitioned and unlogged queues, read_with_poll,
-- detach_archive, convert_archive_partitioned, the pg_partman helpers, ALTER EXTENSION membership.
-- Runs as the cluster superuser, before migrations, on every start; idempotent. The schema comment
-- records which upstream version this stand-in mirrors; src/bootstrap.ts reads it to notice a cluster
-- bootstrapped by a different implementation.

create schema if not exists pgmq;
comment on schema pgmq is 'Local stand-in for pgmq 1.5.1 (packages/local-stack/sql/bootstrap/40_pgmq.sql).';

create table if not exists pgmq.meta (
  queue_name varchar unique not null,
  is_partitioned boolean not null,
  is_unlogged boolean not null,
  created_at timestamptz default now() not null
);

-- pgmq 1.5.1 lets pg_monitor read every queue.
grant usage on schema pgmq to pg_monitor;
grant select on all tables in schema pgmq to pg_monitor;
grant select on all sequences in schema pgmq to pg_monitor;
alter default privileges in schema pgmq grant select on tables to pg_monitor;
alter default privileges in schema pgmq grant select on sequences to pg_monitor;

do $$
begin
  if to_regtype('pgmq.message_record') is null then
    create type pgmq.message_record as (
      msg_id bigint,
      read_ct integer,
      enqueued_at timestamptz,
      vt timestamptz,
      message jsonb,
      headers jsonb
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
      scrape_time timestamptz,
      queue_visible_length bigint
    );
  end if;
end
$$;

-- Table name for a queue: prefix_<name>, lower-cased; refuses the characters pgmq refuses.
create or replace function pgmq.format_table_name(queue_name text, prefix text) returns text
language plpgsql
as $$
begin
  if queue_name ~ '\$|;|--|''' then
    raise exception 'queue name contains invalid characters: $, ;, --, or \''';
  end if;
  return lower(prefix || '_' || queue_name);
end
$$;

create or replace function pgmq.validate_queue_name(queue_name text) returns void
language plpgsql
as $$
begin
  if length(queue_name) >= 48 then
    raise exception 'queue name is too long, maximum length is 48 characters';
  end if;
end
$$;

create or replace function pgmq.create_non_partitioned(queue_name text) returns void
language plpgsql
as $$
declare
  qtable text := pgmq.format_table_name(queue_name, 'q');
  atable text := pgmq.format_table_name(queue_name, 'a');
begin
  perform pgmq.validate_queue_name(queue_name);
  execute format(
    'create table if not exists pgmq.%I (
       msg_id bigint primary key generated always as identity,
       read_ct integer default 0 not null,
       enqueued_at timestamptz default now() not null,
       vt timestamptz not null,
       message jsonb,
       headers jsonb
     )', qtable);
  execute format(
    'create table if not exists pgmq.%I (
       msg_id bigint primary key,
       read_ct integer default 0 not null,
       enqueued_at timestamptz default now() not null,
       archived_at timestamptz default now() not null,
       vt timestamptz not null,
       message jsonb,
       headers jsonb
     )', atable);
  execute format('create index if not exists %I on pgmq.%I (vt asc)', qtable || '_vt_idx', qtable);
  execute format('create index if not exists %I on pgmq.%I (archived_at)', 'archived_at_idx_' || queue_name, atable);
  insert into pgmq.meta (queue_name, is_partitioned, is_unlogged)
  values (create_non_partitioned.queue_name, false, false)
  on conflict do nothing;
end
$$;

create or replace function pgmq.create(queue_name text) returns void
language plpgsql
as $$
begin
  perform pgmq.create_non_partitioned(queue_name);
end
$$;

-- As the extension: an unknown queue fails (42P01) before anything is dropped.
create or replace function pgmq.drop_queue(queue_name text) returns boolean
language plpgsql
as $$
declare
  qtable text := pgmq.format_table_name(queue_name, 'q');
  atable text := pgmq.format_table_name(queue_name, 'a');
begin
  if to_regclass(format('pgmq.%I', qtable)) is null then
    raise exception 'relation "pgmq.%" does not exist', qtable using errcode = 'undefined_table';
  end if;
  execute format('drop table if exists pgmq.%I', qtable);
  execute format('drop table if exists pgmq.%I', atable);
  delete from pgmq.meta m where m.queue_name = drop_queue.queue_name;
  return true;
end
$$;

-- send: the one implementation every overload ends in; vt is the absolute time the message shows up.
create or replace function pgmq.send(queue_name text, msg jsonb, headers jsonb, delay timestamptz)
returns setof bigint
language plpgsql
as $$
begin
  return query execute format(
    'insert into pgmq.%I (vt, message, headers) values ($2, $1, $3) returning msg_id',
    pgmq.format_table_name(queue_name, 'q'))
  using msg, delay, headers;
end
$$;

create or replace function pgmq.send(queue_name text, msg jsonb) returns setof bigint
language sql
as $$ select * from pgmq.send(queue_name, msg, null, clock_timestamp()) $$;

create or replace function pgmq.send(queue_name text, msg jsonb, headers jsonb) returns setof bigint
language sql
as $$ select * from pgmq.send(queue_name, msg, headers, clock_timestamp()) $$;

create or replace function pgmq.send(queue_name text, msg jsonb, delay integer) returns setof bigint
language sql
as $$ select * from pgmq.send(queue_name, msg, null, clock_timestamp() + make_interval(secs => delay)) $$;

create or replace function pgmq.send(queue_name text, msg jsonb, delay timestamptz) returns setof bigint
language sql
as $$ select * from pgmq.send(queue_name, msg, null, delay) $$;

create or replace function pgmq.send(queue_name text, msg jsonb, headers jsonb, delay integer) returns setof bigint
language sql
as $$ select * from pgmq.send(queue_name, msg, headers, clock_timestamp() + make_interval(secs => delay)) $$;

-- send_batch: headers pair with msgs by position (the shorter array is padded with nulls, as two
-- unnest() calls in one select list are upstream).
create or replace function pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[], delay timestamptz)
returns setof bigint
language plpgsql
as $$
begin
  return query execute format(
    'insert into pgmq.%I (vt, message, headers)
     select $2, m.message, m.headers
     from unnest($1, coalesce($3, array[]::jsonb[])) with ordinality as m(message, headers, position)
     order by m.position
     returning msg_id',
    pgmq.format_table_name(queue_name, 'q'))
  using msgs, delay, headers;
end
$$;

create or replace function pgmq.send_batch(queue_name text, msgs jsonb[]) returns setof bigint
language sql
as $$ select * from pgmq.send_batch(queue_name, msgs, null, clock_timestamp()) $$;

create or replace function pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[]) returns setof bigint
language sql
as $$ select * from pgmq.send_batch(queue_name, msgs, headers, clock_timestamp()) $$;

create or replace function pgmq.send_batch(queue_name text, msgs jsonb[], delay integer) returns setof bigint
language sql
as $$ select * from pgmq.send_batch(queue_name, msgs, null, clock_timestamp() + make_interval(secs => delay)) $$;

create or replace function pgmq.send_batch(queue_name text, msgs jsonb[], delay timestamptz) returns setof bigint
language sql
as $$ select * from pgmq.send_batch(queue_name, msgs, null, delay) $$;

create or replace function pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[], delay integer) returns setof bigint
language sql
as $$ select * from pgmq.send_batch(queue_name, msgs, headers, clock_timestamp() + make_interval(secs => delay)) $$;

-- read: claims up to qty visible messages, oldest first, skipping rows another transaction holds;
-- each becomes invisible for vt seconds and its read_ct goes up. A non-empty `conditional` keeps
-- only messages that contain it (jsonb @>).
create or replace function pgmq.read(queue_name text, vt integer, qty integer, conditional jsonb default '{}')
returns setof pgmq.message_record
language plpgsql
as $$
declare
  qtable text := pgmq.format_table_name(queue_name, 'q');
begin
  return query execute format(
    'with visible as (
       select msg_id
       from pgmq.%1$I
       where vt <= clock_timestamp() and ($3 is null or $3 = ''{}''::jsonb or message @> $3)
       order by msg_id
       limit $1
       for update skip locked
     )
     update pgmq.%1$I m
     set vt = clock_timestamp() + $2,
         read_ct = m.read_ct + 1
     from visible
     where m.msg_id = visible.msg_id
     returning m.msg_id, m.read_ct, m.enqueued_at, m.vt, m.message, m.headers',
    qtable)
  using qty, make_interval(secs => vt), conditional;
end
$$;

-- pop: removes and returns the oldest visible message (read_ct unchanged, nothing archived).
create or replace function pgmq.pop(queue_name text) returns setof pgmq.message_record
language plpgsql
as $$
declare
  qtable text := pgmq.format_table_name(queue_name, 'q');
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
     where m.msg_id = (select oldest.msg_id from oldest)
     returning m.msg_id, m.read_ct, m.enqueued_at, m.vt, m.message, m.headers',
    qtable);
end
$$;

-- set_vt: the message becomes visible vt seconds from now; returns it, or no row for an unknown id.
create or replace function pgmq.set_vt(queue_name text, msg_id bigint, vt integer)
returns setof pgmq.message_record
language plpgsql
as $$
begin
  return query execute format(
    'update pgmq.%I
     set vt = clock_timestamp() + $2
     where msg_id = $1
     returning msg_id, read_ct, enqueued_at, vt, message, headers',
    pgmq.format_table_name(queue_name, 'q'))
  using msg_id, make_interval(secs => vt);
end
$$;

-- archive (one): moves the message to pgmq.a_<name>; false when it is not in the queue.
create or replace function pgmq.archive(queue_name text, msg_id bigint) returns boolean
language plpgsql
as $$
declare
  archived_id bigint;
begin
  execute format(
    'with moved as (
       delete from pgmq.%I where msg_id = $1
       returning msg_id, vt, read_ct, enqueued_at, message, headers
     )
     insert into pgmq.%I (msg_id, vt, read_ct, enqueued_at, message, headers)
     select msg_id, vt, read_ct, enqueued_at, message, headers from moved
     returning msg_id',
    pgmq.format_table_name(queue_name, 'q'), pgmq.format_table_name(queue_name, 'a'))
  into archived_id
  using msg_id;
  return archived_id is not null;
end
$$;

-- archive (many): returns the ids that were moved.
create or replace function pgmq.archive(queue_name text, msg_ids bigint[]) returns setof bigint
language plpgsql
as $$
begin
  return query execute format(
    'with moved as (
       delete from pgmq.%I where msg_id = any($1)
       returning msg_id, vt, read_ct, enqueued_at, message, headers
     )
     insert into pgmq.%I (msg_id, vt, read_ct, enqueued_at, message, headers)
     select msg_id, vt, read_ct, enqueued_at, message, headers from moved
     returning msg_id',
    pgmq.format_table_name(queue_name, 'q'), pgmq.format_table_name(queue_name, 'a'))
  using msg_ids;
end
$$;

-- delete (one): removes the message for good; false when it is not in the queue.
create or replace function pgmq.delete(queue_name text, msg_id bigint) returns boolean
language plpgsql
as $$
declare
  deleted_id bigint;
begin
  execute format('delete from pgmq.%I where msg_id = $1 returning msg_id', pgmq.format_table_name(queue_name, 'q'))
  into deleted_id
  using msg_id;
  return deleted_id is not null;
end
$$;

-- delete (many): returns the ids that were deleted.
create or replace function pgmq.delete(queue_name text, msg_ids bigint[]) returns setof bigint
language plpgsql
as $$
begin
  return query execute format('delete from pgmq.%I where msg_id = any($1) returning msg_id', pgmq.format_table_name(queue_name, 'q'))
  using msg_ids;
end
$$;

-- purge_queue: counts, then TRUNCATEs the queue (archive untouched), as pgmq 1.5.1 does.
create or replace function pgmq.purge_queue(queue_name text) returns bigint
language plpgsql
as $$
declare
  qtable text := pgmq.format_table_name(queue_name, 'q');
  purged bigint;
begin
  execute format('select count(*) from pgmq.%I', qtable) into purged;
  execute format('truncate table pgmq.%I', qtable);
  return purged;
end
$$;

-- metrics: length, visible length and message ages at now() (the statement's time, as upstream);
-- total_messages is the identity sequence's last value, so rolled-back sends count too.
create or replace function pgmq.metrics(queue_name text) returns pgmq.metrics_result
language plpgsql
as $$
declare
  qtable text := pgmq.format_table_name(queue_name, 'q');
  result pgmq.metrics_result;
begin
  execute format(
    'select
       $1,
       count(*),
       extract(epoch from now() - max(q.enqueued_at))::integer,
       extract(epoch from now() - min(q.enqueued_at))::integer,
       (select case when s.is_called then s.last_value else 0 end from pgmq.%I s),
       now(),
       count(*) filter (where q.vt <= now())
     from pgmq.%I q',
    qtable || '_msg_id_seq', qtable)
  into result
  using queue_name;
  return result;
end
$$;

create or replace function pgmq.metrics_all() returns setof pgmq.metrics_result
language plpgsql
as $$
declare
  queue record;
begin
  for queue in select m.queue_name from pgmq.meta m loop
    return next pgmq.metrics(queue.queue_name);
  end loop;
end
$$;

create or replace function pgmq.list_queues() returns setof pgmq.queue_record
language plpgsql
as $$
begin
  return query select m.queue_name, m.is_partitioned, m.is_unlogged, m.created_at from pgmq.meta m;
end
$$;
