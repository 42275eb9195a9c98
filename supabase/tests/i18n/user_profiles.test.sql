-- A person's console language lives in core.user_profiles: they read and change their own row, nobody
-- else reads or writes it, anon has no access, and only supported languages are kept.
begin;
\ir ../_helpers/install.psql
select plan(11);

select tests.create_user('ana@a.test');
select tests.create_user('bruno@b.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.create_company('Empresa B', 'empresa-b');
select tests.add_member(tests.company_id('empresa-a'), 'ana@a.test', 'viewer');
select tests.add_member(tests.company_id('empresa-b'), 'bruno@b.test', 'owner');

select tests.authenticate_as('ana@a.test');
select results_eq($$select locale, company_default_locale from core.my_console_settings()$$,
  $$values (null::text, 'pt-BR'::text)$$, 'no choice yet: the console follows the browser, then the company default');
select lives_ok($$select core.set_my_locale('en')$$, 'even a viewer keeps a language of their own');
select results_eq($$select locale from core.my_console_settings()$$, $$values ('en'::text)$$, 'the choice is read back');
select lives_ok($$select core.set_my_locale('pt-BR')$$, 'and changed again');
select throws_ok($$select core.set_my_locale('de-DE')$$, '22023', null, 'an unsupported language is refused');

select tests.authenticate_as('bruno@b.test');
select is_empty($$select * from core.user_profiles where user_id = tests.get_user_id('ana@a.test')$$,
  'another person cannot read someone''s profile');
update core.user_profiles set locale = 'en' where user_id = tests.get_user_id('ana@a.test');
select throws_ok(
  $$insert into core.user_profiles (user_id, locale) values (tests.get_user_id('ana@a.test'), 'en')$$,
  '42501', 'new row violates row-level security policy for table "user_profiles"',
  'nor create a row for them'
);
select throws_ok($$delete from core.user_profiles$$, '42501', null, 'nobody deletes profiles through the API');
select results_eq($$select locale from core.my_console_settings()$$, $$values (null::text)$$,
  'their own setting is untouched by someone else''s');

select tests.clear_authentication();
select results_eq(
  $$select locale from core.user_profiles where user_id = tests.get_user_id('ana@a.test')$$,
  $$values ('pt-BR'::text)$$, 'the other person''s update reached no row'
);
set local role anon;
select throws_ok($$select * from core.user_profiles$$, '42501', null, 'anon has no access');

select * from finish();
rollback;
