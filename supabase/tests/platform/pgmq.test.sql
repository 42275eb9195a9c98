-- pgmq behaviour the project's queue workers rely on. Uses only pgmq's public API and table names,
-- so it runs unchanged against the real extension (pgmq 1.5.1, as on Supabase) and against the local
-- stack's stand-in (packages/local-stack/sql/bootstrap/40_pgmq.sql), including the privileges the
-- project's migration 20261201001000_grant_platform_extension_access adds.
-- Messages are made visible with set_vt(…, 0) rather than by waiting, except once (pg_sleep(1.1)).
begin;
\ir ../_helpers/install.psql
select plan(48);

create temp table sent (label text, msg_id bigint);

-- create / list_queues / drop_queue
select pgmq.create('rastro_test_visibility');
select pgmq.create('rastro_test_ops');
select pgmq.create('rastro_test_ops');
select pgmq.create('rastro_test_pop');

select is((select count(*)::integer from pgmq.list_queues() where queue_name = 'rastro_test_ops'), 1,
  'create is idempotent: the queue is listed once');
select has_table('pgmq', 'q_rastro_test_ops', 'create makes the queue table pgmq.q_<name>');
select has_column('pgmq', 'a_rastro_test_ops', 'archived_at', 'create makes the archive pgmq.a_<name> with archived_at');
select throws_ok($$ select pgmq.create('bad;name') $$, null::char(5), null, 'create rejects a name with SQL metacharacters');

-- read hides a message until its visibility timeout ends; read_ct counts every read
insert into sent select 'v1', id from pgmq.send('rastro_test_visibility', '{"step": "visibility"}') as id;

select results_eq(
  $$ select msg_id, read_ct, message from pgmq.read('rastro_test_visibility', 30, 1) $$,
  $$ select msg_id, 1, '{"step": "visibility"}'::jsonb from sent where label = 'v1' $$,
  'read returns the message with read_ct 1');
select is_empty($$ select * from pgmq.read('rastro_test_visibility', 30, 1) $$,
  'a read message stays hidden for its visibility timeout');
select results_eq(
  $$ select msg_id from pgmq.set_vt('rastro_test_visibility', (select msg_id from sent where label = 'v1'), 0) $$,
  $$ select msg_id from sent where label = 'v1' $$,
  'set_vt returns the message it changed');
select results_eq(
  $$ select msg_id, read_ct from pgmq.read('rastro_test_visibility', 30, 1) $$,
  $$ select msg_id, 2 from sent where label = 'v1' $$,
  'after set_vt(…, 0) the message is visible again and read_ct is 2');
select is_empty($$ select * from pgmq.set_vt('rastro_test_visibility', -1, 0) $$,
  'set_vt on an unknown msg_id returns no row');
select pgmq.set_vt('rastro_test_visibility', (select msg_id from sent where label = 'v1'), 0);
select is((select read_ct from pgmq.read('rastro_test_visibility', 1, 1)), 3, 'third read: read_ct 3, hidden for 1 s');
select is_empty($$ select * from pgmq.read('rastro_test_visibility', 1, 1) $$, 'hidden right after the read');
select pg_sleep(1.1);
select is((select read_ct from pgmq.read('rastro_test_visibility', 30, 1)), 4,
  'visible again once the 1 s visibility timeout has passed, read_ct 4');

-- send / send_batch / delay / read order and qty
insert into sent select 'batch', id from pgmq.send_batch('rastro_test_ops',
  array['{"n": 1}', '{"n": 2}', '{"n": 3}']::jsonb[]) as id;
insert into sent select 'delayed', id from pgmq.send('rastro_test_ops', '{"n": 4}', 60) as id;

select is((select count(*)::integer from sent where label = 'batch'), 3, 'send_batch returns one id per message');
select ok((select max(msg_id) from sent where label = 'batch') < (select msg_id from sent where label = 'delayed'),
  'ids grow with every send');
select results_eq(
  $$ select message from pgmq.read('rastro_test_ops', 30, 2) order by msg_id $$,
  $$ values ('{"n": 1}'::jsonb), ('{"n": 2}'::jsonb) $$,
  'read takes the oldest messages first, at most qty');
select results_eq(
  $$ select message from pgmq.read('rastro_test_ops', 30, 10) $$,
  $$ values ('{"n": 3}'::jsonb) $$,
  'a message sent with a delay is not visible before the delay ends');

-- metrics
select is((pgmq.metrics('rastro_test_ops')).queue_length, 4::bigint, 'metrics.queue_length counts every message in the queue');
select is((pgmq.metrics('rastro_test_ops')).total_messages, 4::bigint, 'metrics.total_messages counts every message ever sent');
select is((select count(*)::integer from pgmq.metrics_all() where queue_name = 'rastro_test_ops'), 1,
  'metrics_all includes the queue');

-- archive / delete, single and batch
select is(pgmq.archive('rastro_test_ops', (select min(msg_id) from sent where label = 'batch')), true,
  'archive returns true for a message in the queue');
select is(pgmq.archive('rastro_test_ops', (select min(msg_id) from sent where label = 'batch')), false,
  'archive returns false once the message is gone');
select results_eq(
  $$ select msg_id, read_ct, message, archived_at is not null from pgmq.a_rastro_test_ops $$,
  $$ select min(msg_id), 1, '{"n": 1}'::jsonb, true from sent where label = 'batch' $$,
  'the archived message is in pgmq.a_<name> with its read_ct and archived_at');
select is(pgmq.delete('rastro_test_ops', (select max(msg_id) from sent where label = 'batch')), true,
  'delete returns true for a message in the queue');
select is(pgmq.delete('rastro_test_ops', (select max(msg_id) from sent where label = 'batch')), false,
  'delete returns false once the message is gone');
select results_eq(
  $$ select * from pgmq.archive('rastro_test_ops', array[(select msg_id from sent where label = 'delayed'), -1]) $$,
  $$ select msg_id from sent where label = 'delayed' $$,
  'archive(msg_ids) returns only the ids it archived');
select results_eq(
  $$ select * from pgmq.delete('rastro_test_ops', array(select msg_id from sent where label = 'batch')) $$,
  $$ select msg_id from sent where label = 'batch' order by msg_id offset 1 limit 1 $$,
  'delete(msg_ids) returns only the ids it deleted');
select is((pgmq.metrics('rastro_test_ops')).queue_length, 0::bigint, 'the queue is empty after archive and delete');
select is((select count(*)::integer from pgmq.a_rastro_test_ops), 2, 'deleted messages are not archived');

-- purge_queue
select pgmq.send_batch('rastro_test_ops', array['{"purge": 1}', '{"purge": 2}']::jsonb[]);
select is(pgmq.purge_queue('rastro_test_ops'), 2::bigint, 'purge_queue returns how many messages it removed');
select is_empty($$ select * from pgmq.read('rastro_test_ops', 0, 10) $$, 'purge_queue empties the queue');

-- pop
insert into sent select 'p1', id from pgmq.send('rastro_test_pop', '{"pop": true}') as id;
select pgmq.set_vt('rastro_test_pop', (select msg_id from sent where label = 'p1'), 0);
select results_eq(
  $$ select msg_id, message from pgmq.pop('rastro_test_pop') $$,
  $$ select msg_id, '{"pop": true}'::jsonb from sent where label = 'p1' $$,
  'pop returns the oldest visible message');
select is((pgmq.metrics('rastro_test_pop')).queue_length, 0::bigint, 'pop removes the message from the queue');
select is_empty($$ select * from pgmq.a_rastro_test_pop $$, 'pop does not archive');

-- named arguments, as the shared worker runtime calls them; headers; conditional read
insert into sent select 'named', id from pgmq.send(queue_name := 'rastro_test_pop', msg := '{"named": 1}', delay := 0) as id;
insert into sent select 'named_batch', id from pgmq.send_batch(queue_name := 'rastro_test_pop', msgs := array['{"named": 2}']::jsonb[]) as id;
select results_eq(
  $$ select msg_id, read_ct from pgmq.set_vt(queue_name := 'rastro_test_pop', msg_id := (select msg_id from sent where label = 'named'), vt := 0) $$,
  $$ select msg_id, 0 from sent where label = 'named' $$,
  'set_vt takes the named arguments queue_name, msg_id, vt');
select results_eq(
  $$ select message, headers from pgmq.read(queue_name := 'rastro_test_pop', vt := 30, qty := 1, conditional := '{"named": 2}') $$,
  $$ values ('{"named": 2}'::jsonb, null::jsonb) $$,
  'read with a conditional returns only messages containing it; headers is part of the message record');
select is(pgmq.archive(queue_name := 'rastro_test_pop', msg_id := (select msg_id from sent where label = 'named')), true,
  'archive takes the named arguments queue_name, msg_id');
select is((pgmq.metrics(queue_name := 'rastro_test_pop')).queue_visible_length, 0::bigint,
  'metrics has queue_visible_length (the read message is hidden)');
insert into sent select 'with_headers', id from pgmq.send('rastro_test_pop', '{"h": 1}', '{"x-trace": "t1"}'::jsonb) as id;
select results_eq(
  $$ select q.headers from pgmq.q_rastro_test_pop q join sent s on s.msg_id = q.msg_id where s.label = 'with_headers' $$,
  $$ values ('{"x-trace": "t1"}'::jsonb) $$,
  'send(queue, msg, headers) stores the headers in the queue table''s headers column');
select has_column('pgmq', 'a_rastro_test_pop', 'headers', 'archives have the headers column too');

-- queue names are lower-cased into table names; the name is listed as given
select pgmq.create('Rastro_Test_Upper');
select has_table('pgmq', 'q_rastro_test_upper', 'an upper-case queue name makes a lower-case table');
select lives_ok($$ select pgmq.send('rastro_test_upper', '{"case": "lower"}') $$, 'the queue is reachable by its lower-case name');
select is((select count(*)::integer from pgmq.list_queues() where queue_name = 'Rastro_Test_Upper'), 1,
  'list_queues shows the name as it was given');

-- drop_queue
select is(pgmq.drop_queue('rastro_test_pop'), true, 'drop_queue returns true');
select is_empty($$ select * from pgmq.list_queues() where queue_name = 'rastro_test_pop' $$,
  'a dropped queue is no longer listed');

-- privileges: the server (service_role) uses queues created later; browser roles cannot
set local role service_role;
select lives_ok($$ select pgmq.send('rastro_test_ops', '{"by": "service_role"}') $$,
  'service_role can send to a queue created after the platform bootstrap');
select is((pgmq.metrics('rastro_test_ops')).queue_length, 1::bigint,
  'service_role can read the metrics (and msg_id sequence) of a queue created after the platform bootstrap');
reset role;
set local role anon;
select throws_ok($$ select pgmq.send('rastro_test_ops', '{}') $$, '42501', null, 'anon cannot use pgmq');
reset role;
set local role authenticated;
select throws_ok($$ select * from pgmq.read('rastro_test_ops', 30, 1) $$, '42501', null, 'authenticated cannot use pgmq');
reset role;

select * from finish();
rollback;
