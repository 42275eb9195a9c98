-- Guards every future migration: no table in an application schema may exist without RLS.
begin;
\ir _helpers/install.psql
select plan(6);
select tests.rls_enabled('core');
select tests.rls_enabled('core_marketing');
select tests.rls_enabled('mtrk');
select tests.rls_enabled('lead');
select tests.rls_enabled('ops');
select tests.rls_enabled('analytics');
select * from finish();
rollback;
