-- Parse steps of CSV imports (lead-import-worker, service role): lead.apply_import_slice claims the
-- bytes a step read (parsed_to; a second delivery changes nothing; a slice read to its end is
-- deleted), numbers and queues the step's chunks after the ones before, queues the next parse step
-- with its carry, and after the last byte sets the totals so the import can complete; a parse step's dead letter fails the import; a cancel
-- or a failure drops the slices left. Slices are invisible to every member, of any company.
begin;
\ir ../_helpers/install.psql
select plan(26);

select tests.create_user('sara@a.test');
select tests.create_user('bruno@b.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.create_company('Empresa B', 'empresa-b');
select tests.add_member(tests.company_id('empresa-a'), 'sara@a.test', 'sales');
select tests.add_member(tests.company_id('empresa-b'), 'bruno@b.test', 'owner');

-- Two imports of company A in the state an upload leaves them (written as the test runner, no RLS).
create temp table fixture on commit drop as
  select (select coalesce(max(msg_id), 0) from pgmq.q_lead_import) as last_msg_id;
with created as (
  insert into lead.lead_imports (company_id, file_name, file_size_bytes, mapping, status, slices_total, created_by)
  select tests.company_id('empresa-a'), f, 30, '{"columns": {"email": "email"}}', 'parsing', 3, tests.get_user_id('sara@a.test')
  from unnest(array['three.csv', 'cancelled.csv']) f
  returning id, file_name
)
insert into lead.lead_import_slices (company_id, import_id, slice_no, bytes)
select tests.company_id('empresa-a'), c.id, n, convert_to(repeat('x', 10), 'UTF8') from created c, generate_series(1, 3) n;
create temp table imports on commit drop as select id, file_name from lead.lead_imports where file_name in ('three.csv', 'cancelled.csv');
grant select on fixture, imports to authenticated, service_role;
create function pg_temp.queued() returns setof jsonb language sql security definer as $$
  select message from pgmq.q_lead_import where msg_id > (select last_msg_id from fixture) order by msg_id
$$;

-- Members of either company: no access at all.
select tests.authenticate_as('sara@a.test');
select throws_ok('select count(*) from lead.lead_import_slices', '42501', null, 'the uploader cannot read slices');
select throws_ok(format($$ insert into lead.lead_import_slices (company_id, import_id, slice_no, bytes) values (%L, (select id from imports where file_name = 'three.csv'), 9, '\x61') $$,
  tests.company_id('empresa-a')), '42501', null, 'nor write them');
select throws_ok('delete from lead.lead_import_slices', '42501', null, 'nor delete them');
select tests.authenticate_as('bruno@b.test');
select throws_ok('select count(*) from lead.lead_import_slices', '42501', null, 'another company cannot read slices');
select throws_ok($$ update lead.lead_import_slices set bytes = '\x00' $$, '42501', null, 'nor change them');
select throws_ok(format($$ select lead.apply_import_slice(%L, 1, 0, 10, '[]', '{}') $$, (select id from imports where file_name = 'three.csv')), '42501', null,
  'nor apply a parse step');
select tests.clear_authentication();

select tests.authenticate_as_service_role();
select is(
  lead.apply_import_slice((select id from imports where file_name = 'three.csv'), 1, 0, 4,
    '[{"header": ["email"], "fields": {"email": 0}, "rows": [{"line": 2, "cells": ["a@x.test"]}, {"line": 3, "cells": ["b@x.test"]}]},
      {"header": ["email"], "fields": {"email": 0}, "rows": [{"line": 4, "problem": "bad quotes"}], "chunk_no": 99}]',
    '{"header": ["email"], "fields": {"email": 0}, "carry": {"line": 5}, "offset": 99}'),
  '{"applied": true, "status": "parsing", "chunks": 2, "rows": 3, "last": false}'::jsonb, 'bytes 0-4 of slice 1 are applied: two chunks, three rows');
select results_eq(
  $$ select m ->> 'kind', (m ->> 'chunk_no')::int, (m ->> 'slice_no')::int, (m ->> 'offset')::int, m ->> 'company_id', jsonb_array_length(m -> 'rows'), m -> 'carry' ->> 'line' from pg_temp.queued() m $$,
  $$ values (null, 1, null, null, tests.company_id('empresa-a')::text, 2, null), (null, 2, null, null, tests.company_id('empresa-a')::text, 1, null),
            ('parse'::text, null, 1, 4, tests.company_id('empresa-a')::text, null, '5'::text) $$,
  'its chunks are numbered 1 and 2 (whatever the caller says), then comes the next step: slice 1 from byte 4, with the carry');
select results_eq($$ select slice_no, parsed_to from lead.lead_import_slices where import_id = (select id from imports where file_name = 'three.csv') order by 1 $$,
  $$ values (1, 4), (2, 0), (3, 0) $$, 'the slice remembers how far it was read');
select results_eq($$ select status, bytes_parsed, rows_parsed, chunks_queued, rows_total, chunks_total, started_at is not null from lead.lead_imports where id = (select id from imports where file_name = 'three.csv') $$,
  $$ values ('parsing'::text, 4::bigint, 3, 2, null::integer, null::integer, true) $$, 'progress: bytes and rows parsed, totals still unknown');

select is(
  lead.apply_import_slice((select id from imports where file_name = 'three.csv'), 1, 0, 4, '[{"header": ["email"], "fields": {"email": 0}, "rows": [{"line": 2, "cells": ["dup@x.test"]}]}]', '{"carry": {}}'),
  '{"applied": false, "status": "parsing", "duplicate": true}'::jsonb, 'the same step applied again changes nothing');
select is((select count(*) from pg_temp.queued()), 3::bigint, 'and queues nothing');
select throws_ok($$ select lead.apply_import_slice((select id from imports where file_name = 'three.csv'), 1, 4, 11, '[]', '{}') $$, '22023', null, 'a step cannot read past its slice');
select is(lead.apply_import_slice((select id from imports where file_name = 'three.csv'), 1, 4, 10, '[]', '{"carry": {"line": 7}}') ->> 'chunks', '0',
  'the rest of slice 1, inside one long record, queues no chunk');
select results_eq($$ select slice_no, parsed_to from lead.lead_import_slices where import_id = (select id from imports where file_name = 'three.csv') order by 1 $$,
  $$ values (2, 0), (3, 0) $$, 'a slice read to its end is deleted');
select is((select (m ->> 'slice_no')::int * 100 + (m ->> 'offset')::int from pg_temp.queued() m where m ->> 'kind' = 'parse' order by 1 desc limit 1),
  200, 'the next step is slice 2 from byte 0');

-- Both chunks applied before parsing ends: the import keeps parsing.
select lead.apply_import_chunk((select id from imports where file_name = 'three.csv'), 1, '[{"line_number": 2, "email": "a@x.test"}, {"line_number": 3, "email": "b@x.test"}]');
select lead.apply_import_chunk((select id from imports where file_name = 'three.csv'), 2, '[]', '[{"line_number": 4, "reason": "bad quotes"}]');
select is((select status from lead.lead_imports where id = (select id from imports where file_name = 'three.csv')), 'parsing', 'every chunk so far applied: still parsing');

select throws_ok($$ select lead.apply_import_slice((select id from imports where file_name = 'three.csv'), 2, 0, 10, '[]') $$, '22023', null, 'a step before the last needs the next one');
select throws_ok($$ select lead.apply_import_slice((select id from imports where file_name = 'three.csv'), 2, 0, 10, '[{"header": ["email"], "fields": {}, "rows": []}]', '{}') $$,
  '22023', null, 'an empty chunk is refused');
select lives_ok($$ select lead.apply_import_slice((select id from imports where file_name = 'three.csv'), 2, 0, 10, '[]', '{"carry": {"line": 7}}') $$, 'slice 2');
select is(
  lead.apply_import_slice((select id from imports where file_name = 'three.csv'), 3, 0, 10, '[{"header": ["email"], "fields": {"email": 0}, "rows": [{"line": 8, "cells": ["c@x.test"]}]}]'),
  '{"applied": true, "status": "processing", "chunks": 1, "rows": 1, "last": true}'::jsonb, 'the last byte of the last slice sets the totals: processing');
select results_eq($$ select rows_total, chunks_total, bytes_parsed, (select count(*)::int from pg_temp.queued() m where m ->> 'kind' = 'parse') from lead.lead_imports where id = (select id from imports where file_name = 'three.csv') $$,
  $$ values (4, 3, 30::bigint, 3) $$, 'rows_total and chunks_total are the counts parsed; no step follows the last');
select lead.apply_import_chunk((select id from imports where file_name = 'three.csv'), 3, '[{"line_number": 8, "email": "c@x.test"}]');
select results_eq($$ select status, rows_done, rows_failed from lead.lead_imports where id = (select id from imports where file_name = 'three.csv') $$,
  $$ values ('completed'::text, 4, 1) $$, 'the last chunk completes the import');

-- A parse step's dead letter fails the import and drops its slices; a cancel does too.
select is(lead.fail_import_parse((select id from imports where file_name = 'cancelled.csv'), 'slice 1 could not be parsed after 5 attempts') ->> 'applied',
  'true', 'a dead parse step fails the import');
select results_eq($$ select i.status, i.error, (select count(*)::int from lead.lead_import_slices s where s.import_id = i.id) from lead.lead_imports i where i.file_name = 'cancelled.csv' $$,
  $$ values ('failed'::text, 'slice 1 could not be parsed after 5 attempts'::text, 0) $$, 'with the reason, and no slice left');
select tests.clear_authentication();

insert into lead.lead_imports (company_id, file_name, file_size_bytes, mapping, status, slices_total, created_by)
values (tests.company_id('empresa-a'), 'to-cancel.csv', 10, '{"columns": {"email": "email"}}', 'parsing', 1, tests.get_user_id('sara@a.test'));
insert into lead.lead_import_slices (company_id, import_id, slice_no, bytes)
select company_id, id, 1, '\x61' from lead.lead_imports where file_name = 'to-cancel.csv';
select tests.authenticate_as('sara@a.test');
update lead.lead_imports set status = 'cancelled' where file_name = 'to-cancel.csv';
select tests.clear_authentication();
select is((select count(*) from lead.lead_import_slices s join lead.lead_imports i on i.id = s.import_id where i.file_name = 'to-cancel.csv'),
  0::bigint, 'a member cancelling a parsing import drops its slices');

select * from finish();
rollback;
