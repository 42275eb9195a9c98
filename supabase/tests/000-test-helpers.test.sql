-- The pgTAP helpers (`tests` schema, _helpers/install.psql) exist only inside each test file's
-- transaction: no file leaves them, or anything else of theirs, in the database it runs on.
begin;
select exists (select 1 from pg_namespace where nspname = 'tests') as tests_schema_before \gset
\ir _helpers/install.psql
select plan(4);
select is(:'tests_schema_before'::boolean, false,
  'no tests schema is left in the database by earlier test files (drop schema tests cascade if an old run committed one)');
select has_function('tests', 'authenticate_as', array['text'], 'tests.authenticate_as(email) is installed for this file');
select has_function('tests', 'rls_enabled', array['text'], 'tests.rls_enabled(schema) is installed for this file');
select has_function('tests', 'create_user', array['text', 'text'], 'tests.create_user(email, password) is installed for this file');
select * from finish();
rollback;
