begin;
\ir ../_helpers/install.psql
select plan(20);

-- Two companies, one user in each, a viewer in A, and one user in both.
select tests.create_user('ana@a.test');
select tests.create_user('bruno@b.test');
select tests.create_user('multi@ab.test');
select tests.create_user('vera@a.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.create_company('Empresa B', 'empresa-b');
select tests.add_member(tests.company_id('empresa-a'), 'ana@a.test', 'owner');
select tests.add_member(tests.company_id('empresa-b'), 'bruno@b.test', 'marketing_admin');
select tests.add_member(tests.company_id('empresa-a'), 'multi@ab.test', 'sales', true);
select tests.add_member(tests.company_id('empresa-b'), 'multi@ab.test', 'viewer', false);
select tests.add_member(tests.company_id('empresa-a'), 'vera@a.test', 'viewer');

-- the access-token hook
select is(
  public.custom_access_token_hook(jsonb_build_object('user_id', tests.get_user_id('bruno@b.test'), 'claims', '{"sub":"x"}'::jsonb)) -> 'claims' ->> 'company_role',
  'marketing_admin', 'hook adds company_role of the default membership');
select is(
  public.custom_access_token_hook(jsonb_build_object('user_id', tests.get_user_id('bruno@b.test'), 'claims', '{"sub":"x"}'::jsonb)) -> 'claims' ->> 'company_id',
  tests.company_id('empresa-b')::text, 'hook adds company_id of the default membership');
select is(
  public.custom_access_token_hook(jsonb_build_object('user_id', gen_random_uuid(), 'claims', '{"company_id":"stale"}'::jsonb)) -> 'claims' ? 'company_id',
  false, 'hook removes tenant claims of a user without membership');

-- reading
select tests.authenticate_as('ana@a.test');
select results_eq('select name from core.companies', $$values ('Empresa A')$$, 'a member reads only their company');
select results_eq('select distinct company_id from core.company_members', format('values (%L::uuid)', tests.company_id('empresa-a')), 'a member reads only their company''s memberships');
select is(core.current_company_id(), tests.company_id('empresa-a'), 'current_company_id follows the claim');
select ok(core.has_company_role(array['owner']), 'has_company_role matches the member''s role');
select ok(not core.has_company_role(array['viewer', 'sales']), 'has_company_role rejects other roles');

-- writing into another company
update core.companies set name = 'hacked' where id = tests.company_id('empresa-b');
delete from core.company_members where company_id = tests.company_id('empresa-b');
select throws_ok(
  format($$insert into core.company_members (company_id, user_id, role) values (%L, auth.uid(), 'owner')$$, tests.company_id('empresa-b')),
  '42501', 'new row violates row-level security policy for table "company_members"', 'cannot add yourself to another company');
select throws_ok(
  format('select core.switch_company(%L)', tests.company_id('empresa-b')),
  '42501', null, 'cannot switch to a company you do not belong to');
select tests.clear_authentication();
select is((select name from core.companies where id = tests.company_id('empresa-b')), 'Empresa B', 'another company''s row was not renamed');
select is((select count(*)::int from core.company_members where company_id = tests.company_id('empresa-b')), 2, 'another company''s memberships were not deleted');

-- roles
select tests.authenticate_as('vera@a.test');
update core.companies set name = 'Renamed by viewer';
select tests.clear_authentication();
select is((select name from core.companies where id = tests.company_id('empresa-a')), 'Empresa A', 'a viewer cannot rename the company');
select tests.authenticate_as('ana@a.test');
update core.companies set name = 'Empresa A Ltda';
select tests.clear_authentication();
select is((select name from core.companies where id = tests.company_id('empresa-a')), 'Empresa A Ltda', 'an owner renames their company');

-- anon
select tests.authenticate_as_anon();
select is_empty('select * from core.companies', 'anon reads no company');
select throws_ok('select * from core.company_members', '42501', null, 'anon has no access to memberships at all');

-- switching company
select tests.authenticate_as('multi@ab.test');
select results_eq('select name from core.my_companies()', $$values ('Empresa A Ltda'), ('Empresa B')$$, 'my_companies lists every membership');
select lives_ok(format('select core.switch_company(%L)', tests.company_id('empresa-b')), 'a member of both switches to B');
select tests.clear_authentication();
select is(
  public.custom_access_token_hook(jsonb_build_object('user_id', tests.get_user_id('multi@ab.test'), 'claims', '{}'::jsonb)) -> 'claims' ->> 'company_role',
  'viewer', 'the next token carries the new company''s role');

-- a removed member loses access at once, even with a token still carrying the claim
select tests.authenticate_as('vera@a.test');
select tests.clear_authentication();
select set_config('request.jwt.claims', json_build_object('sub', tests.get_user_id('vera@a.test'), 'role', 'authenticated', 'company_id', tests.company_id('empresa-a'))::text, true);
delete from core.company_members where user_id = tests.get_user_id('vera@a.test');
set local role authenticated;
select is(core.current_company_id(), null, 'current_company_id is null once the membership is gone');
select * from finish();
rollback;
