-- CSV import bookkeeping: lead.apply_import_chunk upserts by e-mail, records rejected rows, advances
-- progress; a chunk delivered twice counts once; the import completes when all chunks are applied,
-- whichever comes first of the totals and the last chunk; users may only cancel.
begin;
\ir ../_helpers/install.psql
select plan(18);

select tests.create_user('sara@a.test');
select tests.create_user('vera@a.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.add_member(tests.company_id('empresa-a'), 'sara@a.test', 'sales');
select tests.add_member(tests.company_id('empresa-a'), 'vera@a.test', 'viewer');
insert into lead.leads (company_id, name, email, phone, origin) values (tests.company_id('empresa-a'), 'Já Existe', 'existing@x.test', '+55 11 3333-4444', 'manual');

select tests.authenticate_as('vera@a.test');
select throws_ok(format($$ insert into lead.lead_imports (company_id, file_name, file_size_bytes, mapping) values (%L, 'v.csv', 1, '{}') $$,
  tests.company_id('empresa-a')), '42501', null, 'viewers cannot start imports');

select tests.authenticate_as('sara@a.test');
insert into lead.lead_imports (company_id, file_name, file_size_bytes, mapping)
values (tests.company_id('empresa-a'), 'leads.csv', 2048, '{"columns": {"email": "E-mail", "name": "Nome"}, "sync_to_crm": false}');
select results_eq($$ select status, created_by, rows_done from lead.lead_imports where file_name = 'leads.csv' $$,
  format($$ values ('queued'::text, %L::uuid, 0) $$, tests.get_user_id('sara@a.test')), 'sales start an import: queued, created_by set');
select throws_ok($$ update lead.lead_imports set status = 'completed' $$, '42501', null, 'members cannot mark an import completed');
select throws_ok($$ update lead.lead_imports set rows_done = 10 $$, '42501', null, 'members cannot write progress');

select tests.authenticate_as_service_role();
select is(
  lead.apply_import_chunk((select id from lead.lead_imports where file_name = 'leads.csv'), 0,
    '[{"line_number": 2, "email": "ana@x.test", "name": "Ana"},
      {"line_number": 3, "email": "EXISTING@x.test", "name": "Existing Updated", "phone": ""},
      {"line_number": 5, "email": "bia@x.test", "name": "Bia"},
      {"line_number": 6, "email": "Bia@x.test", "name": "Bia Souza"}]'::jsonb,
    '[{"line_number": 4, "reason": "email: invalid e-mail address", "raw": {"E-mail": "nope", "Nome": "X"}}]'::jsonb),
  '{"applied": true, "status": "processing", "inserted": 2, "updated": 2, "failed": 1}'::jsonb,
  'a chunk is applied: two new leads, two updates (an existing e-mail, a repeat within the file), one rejected row');
select is(
  lead.apply_import_chunk((select id from lead.lead_imports where file_name = 'leads.csv'), 0,
    '[{"line_number": 2, "email": "ana@x.test", "name": "Ana"}]'::jsonb, '[]'::jsonb),
  '{"applied": false, "status": "processing", "duplicate": true}'::jsonb,
  'the same chunk delivered again is not applied');
select results_eq(
  $$ select status, rows_done, rows_failed, rows_inserted, rows_updated, chunks_done, started_at is not null from lead.lead_imports where file_name = 'leads.csv' $$,
  $$ values ('processing'::text, 5, 1, 2, 2, 1, true) $$,
  'progress counts the chunk once');
select results_eq(
  $$ select name, phone, origin from lead.leads where company_id = tests.company_id('empresa-a') and lower(email) in ('existing@x.test', 'bia@x.test', 'ana@x.test') order by name $$,
  $$ values ('Ana'::text, null::text, 'csv'::text), ('Bia Souza', null, 'csv'), ('Existing Updated', '+55 11 3333-4444', 'manual') $$,
  'rows upsert by e-mail: the last repeat wins, blank cells keep existing data, an existing lead keeps its origin');
select is((select created_by from lead.leads where email = 'ana@x.test' and company_id = tests.company_id('empresa-a')),
  tests.get_user_id('sara@a.test'), 'imported leads are created by whoever started the import');
select results_eq($$ select line_number, reason, raw ->> 'E-mail' from lead.lead_import_errors where company_id = tests.company_id('empresa-a') $$,
  $$ values (4, 'email: invalid e-mail address'::text, 'nope'::text) $$, 'the rejected row is kept with its line number, reason and raw cells');

-- totals arrive before the last chunk
update lead.lead_imports set rows_total = 7, chunks_total = 2 where file_name = 'leads.csv';
select is((select status from lead.lead_imports where file_name = 'leads.csv'), 'processing', 'with one chunk of two applied the import is still processing');
select is(
  lead.apply_import_chunk((select id from lead.lead_imports where file_name = 'leads.csv'), 1,
    '[{"line_number": 7, "email": "caio@x.test", "score": 70, "value": 99.5}]'::jsonb,
    '[{"line_number": 8, "reason": "email: required", "raw": {"E-mail": "", "Nome": "Sem"}}]'::jsonb) ->> 'status',
  'completed', 'the last chunk completes the import');
select results_eq(
  $$ select status, rows_total, rows_done, rows_failed, finished_at is not null from lead.lead_imports where file_name = 'leads.csv' $$,
  $$ values ('completed'::text, 7, 7, 2, true) $$, 'progress reaches 100 % with the rejected rows counted');
select is(
  lead.apply_import_chunk((select id from lead.lead_imports where file_name = 'leads.csv'), 2, '[{"line_number": 9, "email": "late@x.test"}]'::jsonb, '[]'::jsonb),
  '{"applied": false, "status": "completed"}'::jsonb, 'a finished import takes no more chunks');

-- last chunk before the totals
insert into lead.lead_imports (company_id, file_name, file_size_bytes, mapping, created_by)
values (tests.company_id('empresa-a'), 'second.csv', 10, '{"columns": {"email": "email"}, "sync_to_crm": false}', tests.get_user_id('sara@a.test'));
select lead.apply_import_chunk((select id from lead.lead_imports where file_name = 'second.csv'), 0,
  '[{"line_number": 2, "email": "d@x.test"}]'::jsonb, '[]'::jsonb);
update lead.lead_imports set rows_total = 1, chunks_total = 1 where file_name = 'second.csv';
select is((select status from lead.lead_imports where file_name = 'second.csv'), 'completed',
  'setting the totals after the last chunk completes the import');

-- cancel
insert into lead.lead_imports (company_id, file_name, file_size_bytes, mapping, created_by)
values (tests.company_id('empresa-a'), 'third.csv', 10, '{"columns": {"email": "email"}}', tests.get_user_id('sara@a.test'));
select tests.authenticate_as('sara@a.test');
update lead.lead_imports set status = 'cancelled' where file_name = 'third.csv';
select is((select status from lead.lead_imports where file_name = 'third.csv'), 'cancelled', 'sales cancel an import');
select throws_ok($$ update lead.lead_imports set status = 'cancelled' where file_name = 'leads.csv' $$, 'PT409', null,
  'a finished import cannot be cancelled');
select tests.authenticate_as_service_role();
select is(
  lead.apply_import_chunk((select id from lead.lead_imports where file_name = 'third.csv'), 0, '[{"line_number": 2, "email": "z@x.test"}]'::jsonb) ->> 'applied',
  'false', 'a cancelled import takes no more chunks');

select * from finish();
rollback;
