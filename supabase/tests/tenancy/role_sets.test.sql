-- Role sets are named once: no policy or function of the project spells a role list through
-- core.has_company_role(array[...]); they call core.is_company_manager() / is_company_admin() /
-- is_company_editor() (the lists managerRoles / adminRoles / editorRoles of @rastro/contracts).
begin;
\ir ../_helpers/install.psql
select plan(4);

select is(
  (select array_agg(format('%s.%s: %s', schemaname, tablename, policyname) order by 1)
   from pg_policies
   where coalesce(qual, '') || coalesce(with_check, '') like '%has_company_role%'),
  null,
  'no policy spells a role list');

select is(
  (select array_agg(p.oid::regprocedure::text order by 1)
   from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname in ('core', 'core_marketing', 'mtrk', 'lead', 'ops', 'analytics', 'public')
     and p.proname <> 'has_company_role'
     and p.prosrc like '%has_company_role%'),
  null,
  'no function spells a role list');

select ok(
  (select count(*) from pg_policies where coalesce(qual, '') || coalesce(with_check, '') ~ 'is_company_(manager|admin|editor)') >= 15,
  'the write policies name a role set');

select tests.create_user('rs-sales@a.test');
select tests.create_company('Empresa RS', 'empresa-rs');
select tests.add_member(tests.company_id('empresa-rs'), 'rs-sales@a.test', 'sales');
select tests.authenticate_as('rs-sales@a.test');
select is(
  array[core.is_company_manager(), core.is_company_admin(), core.is_company_editor()],
  array[false, false, true],
  'sales is an editor, not an admin or manager');
select tests.clear_authentication();

select * from finish();
rollback;
