-- The upload side of CSV imports: a member stores the slices of their own import only in the
-- transaction that created it (never another company's, never after the upload committed, never
-- without a writing role) and cannot read them back; finishing the upload checks the slices, queues
-- the first parse step and kicks the worker; the worker's dead letter records the chunk's rows as
-- errors and fails the import once (dropping the slices left); the pg_cron job exists.
begin;
\ir ../_helpers/install.psql
select plan(30);

select tests.create_user('sara@a.test');
select tests.create_user('vera@a.test');
select tests.create_user('bruno@b.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.create_company('Empresa B', 'empresa-b');
select tests.add_member(tests.company_id('empresa-a'), 'sara@a.test', 'sales');
select tests.add_member(tests.company_id('empresa-a'), 'vera@a.test', 'viewer');
select tests.add_member(tests.company_id('empresa-b'), 'bruno@b.test', 'marketing_admin');

-- The kick needs the Vault secrets the stack writes at start; make sure they exist (rolled back).
select vault.create_secret('http://127.0.0.1:9', 'project_url') where not exists (select 1 from vault.decrypted_secrets where name = 'project_url');
select vault.create_secret('test-key', 'service_role_key') where not exists (select 1 from vault.decrypted_secrets where name = 'service_role_key');

create temp table before_test on commit drop as
  select (select coalesce(max(msg_id), 0) from pgmq.q_lead_import) as last_msg_id,
         (select coalesce(max(id), 0) from net.http_request_queue) as last_request_id;
grant select on before_test to authenticated, service_role;
create function pg_temp.queued() returns setof jsonb language sql security definer as $$
  select message from pgmq.q_lead_import where msg_id > (select last_msg_id from before_test) order by msg_id
$$;
create function pg_temp.kicks() returns bigint language sql security definer as $$
  select count(*) from net.http_request_queue
  where id > (select last_request_id from before_test) and url like '%/functions/v1/lead-import-worker'
$$;

-- An import uploaded earlier (its transaction committed long ago): closed for new chunks.
insert into lead.lead_imports (company_id, file_name, file_size_bytes, mapping, created_by, created_at)
values (tests.company_id('empresa-a'), 'earlier.csv', 10, '{"columns": {"email": "email"}}', tests.get_user_id('sara@a.test'), now() - interval '1 hour');

select tests.authenticate_as('sara@a.test');
insert into lead.lead_imports (company_id, file_name, file_size_bytes, mapping)
values (tests.company_id('empresa-a'), 'leads.csv', 0, '{"columns": {"email": "E-mail"}, "sync_to_crm": false}');
select tests.clear_authentication();
-- Its id, readable whoever is signed in below.
create temp table the_import on commit drop as select id from lead.lead_imports where file_name = 'leads.csv';
grant select on the_import to authenticated, service_role;
select tests.authenticate_as('sara@a.test');

select lives_ok($$ select lead.store_import_slice((select id from the_import), 1, convert_to(E'E-mail;Nome\na@x.test;Ana\nb@x', 'UTF8')) $$,
  'the uploader stores slice 1 of the file');
select lives_ok($$ select lead.store_import_slice((select id from the_import), 2, convert_to(E'.test;Bia\n', 'UTF8')) $$,
  'and slice 2');
select throws_ok($$ select lead.store_import_slice((select id from the_import), 3, ''::bytea) $$,
  '22023', null, 'an empty slice is refused');
select throws_ok($$ select lead.store_import_slice((select id from lead.lead_imports where file_name = 'earlier.csv'), 1, '\x61'::bytea) $$,
  '42501', null, 'an import whose upload committed earlier takes no more slices');
select throws_ok($$ select pgmq.send('lead_import', '{}') $$, '42501', null, 'members cannot use the queue directly');
select throws_ok($$ select count(*) from lead.lead_import_slices $$, '42501', null, 'members cannot read stored slices');
select throws_ok($$ select lead.fail_import_chunk((select id from the_import), 1, '[]', 'x') $$,
  '42501', null, 'members cannot dead-letter chunks');
select throws_ok($$ select lead.apply_import_slice((select id from the_import), 1, 0, 10, '[]') $$,
  '42501', null, 'members cannot apply parse steps');

select throws_ok($$ select lead.finish_import_upload((select id from the_import), 4096, '{"header": ["E-mail", "Nome"], "fields": {"email": 0}, "carry": {}}') $$,
  '22023', null, 'the stored slices must add up to the uploaded size');
select throws_ok($$ select lead.finish_import_upload((select id from the_import), 38, '{"header": ["E-mail"]}') $$,
  '22023', null, 'the first parse step must be {header, fields, carry}');
select is(lead.finish_import_upload((select id from the_import), 38, '{"header": ["E-mail", "Nome"], "fields": {"email": 0}, "carry": {"line": 1}, "slice_no": 7}'),
  2, 'finishing the upload answers the slices stored');
select results_eq($$ select status, file_size_bytes, slices_total, rows_total, chunks_total from lead.lead_imports where file_name = 'leads.csv' $$,
  $$ values ('parsing'::text, 38::bigint, 2, null::integer, null::integer) $$, 'the import is parsing; its totals are unknown yet');
select is(pg_temp.kicks(), 1::bigint, 'finishing the upload kicks lead-import-worker (sent by pg_net after commit)');
select throws_ok($$ select lead.finish_import_upload((select id from the_import), 38, '{"header": ["E-mail"], "fields": {}, "carry": {}}') $$,
  '42501', null, 'an upload is finished once');
select throws_ok($$ select lead.store_import_slice((select id from the_import), 3, '\x61'::bytea) $$,
  '42501', null, 'a finished upload takes no more slices');

select tests.clear_authentication();
select results_eq($$ select m ->> 'kind', m ->> 'import_id', m ->> 'company_id', (m ->> 'slice_no')::int, m -> 'carry' ->> 'line', m -> 'header' ->> 0 from pg_temp.queued() m $$,
  $$ select 'parse'::text, id::text, tests.company_id('empresa-a')::text, 1, '1'::text, 'E-mail'::text from the_import $$,
  'one parse message for slice 1, naming the import and its company (set by the function)');
select tests.authenticate_as('sara@a.test');

-- Another company, and a viewer, cannot touch it.
select tests.authenticate_as('bruno@b.test');
select throws_ok(format($$ select lead.store_import_slice(%L, 9, '\x61'::bytea) $$, (select id from the_import)),
  '42501', null, 'another company cannot add slices to the import');
select throws_ok(format($$ select lead.finish_import_upload(%L, 1, '{"header": ["email"], "fields": {}, "carry": {}}') $$, (select id from the_import)),
  '42501', null, 'another company cannot finish the import');
select throws_ok($$ select count(*) from lead.lead_import_slices $$, '42501', null, 'another company cannot read slices');
select tests.authenticate_as('vera@a.test');
select throws_ok(format($$ select lead.store_import_slice(%L, 9, '\x61'::bytea) $$, (select id from the_import)),
  '42501', null, 'a viewer cannot add slices');
select tests.clear_authentication();
select is((select count(*) from pg_temp.queued()), 1::bigint, 'refused calls queued nothing');

-- Dead letter (worker, service role).
select tests.authenticate_as_service_role();
select is(
  lead.fail_import_chunk((select id from the_import), 1,
    '[{"line_number": 2, "reason": "not imported: chunk 1 could not be applied after 5 attempts", "raw": {"E-mail": "a@x.test", "Nome": "Ana"}},
      {"line_number": 3, "reason": "not imported: chunk 1 could not be applied after 5 attempts", "raw": null}]',
    'chunk 1 could not be applied after 5 attempts'),
  '{"applied": true, "status": "failed", "failed": 2}'::jsonb, 'a dead chunk fails the import');
select results_eq(
  $$ select status, error, rows_done, rows_failed, chunks_done, finished_at is not null from lead.lead_imports where file_name = 'leads.csv' $$,
  $$ values ('failed'::text, 'chunk 1 could not be applied after 5 attempts'::text, 2, 2, 1, true) $$,
  'the import is failed with the reason, its rows counted as rejected');
select results_eq($$ select line_number, raw ->> 'E-mail' from lead.lead_import_errors e join lead.lead_imports i on i.id = e.import_id where i.file_name = 'leads.csv' order by 1 $$,
  $$ values (2, 'a@x.test'::text), (3, null) $$, 'the dead chunk''s rows are in the error report with their lines');
select is((select count(*) from lead.lead_import_slices s join the_import t on t.id = s.import_id), 0::bigint,
  'a failed import drops the slices it had left');
select is(lead.fail_import_parse((select id from the_import), 'late') ->> 'applied', 'false',
  'a parse step failing later changes nothing');
select is(
  lead.fail_import_chunk((select id from the_import), 1, '[]', 'again') ->> 'applied',
  'false', 'dead-lettering again changes nothing');
select is(
  lead.apply_import_chunk((select id from the_import), 2, '[{"line_number": 5, "email": "b@x.test"}]') ->> 'applied',
  'false', 'the remaining chunks of a failed import are skipped');
select results_eq($$ select error, rows_done, chunks_done from lead.lead_imports where file_name = 'leads.csv' $$,
  $$ values ('chunk 1 could not be applied after 5 attempts'::text, 2, 1) $$, 'and the counts and reason stay as they were');

select tests.clear_authentication();
select is((select count(*) from cron.job where jobname = 'lead-import-worker' and schedule = '* * * * *' and command like '%invoke_edge_function(''lead-import-worker'')%'),
  1::bigint, 'pg_cron runs lead-import-worker every minute');

select * from finish();
rollback;
