-- Per-day figures follow the company's clock: a lead created at 23:30 in São Paulo on the 1st counts
-- on the 1st (it is already the 2nd in UTC), through core.company_day(), the helper every daily
-- aggregate uses; and the company settings it reads are validated.
begin;
\ir ../_helpers/install.psql
select plan(12);

select tests.create_user('ana@a.test');
select tests.create_user('vera@a.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.create_company('Empresa UTC', 'empresa-utc');
select tests.add_member(tests.company_id('empresa-a'), 'ana@a.test', 'owner');
select tests.add_member(tests.company_id('empresa-a'), 'vera@a.test', 'viewer');
update core.companies set time_zone = 'UTC' where slug = 'empresa-utc';

select results_eq(
  $$select time_zone, default_currency, default_locale from core.companies where slug = 'empresa-a'$$,
  $$values ('America/Sao_Paulo'::text, 'BRL'::text, 'pt-BR'::text)$$,
  'a new company thinks in São Paulo time, in reais, in Portuguese'
);

select is(core.company_day('2026-12-01 23:30:00 America/Sao_Paulo', tests.company_id('empresa-a')), '2026-12-01'::date,
  '23:30 in São Paulo on the 1st is the 1st for a São Paulo company');
select is(('2026-12-01 23:30:00 America/Sao_Paulo'::timestamptz at time zone 'UTC')::date, '2026-12-02'::date,
  '(the same instant is already the 2nd in UTC, which is what the helper must not use)');
select is(core.company_day('2026-12-01 23:30:00 America/Sao_Paulo', tests.company_id('empresa-utc')), '2026-12-02'::date,
  'the same instant is the 2nd for a company on UTC');
select is(core.company_day('2026-12-02 00:30:00 America/Sao_Paulo', tests.company_id('empresa-a')), '2026-12-02'::date,
  'half past midnight in São Paulo is the next day');

-- Leads per day, the way a daily aggregate groups them.
insert into lead.leads (company_id, email, created_at) values
  (tests.company_id('empresa-a'), 'late@a.test', '2026-12-01 23:30:00 America/Sao_Paulo'),
  (tests.company_id('empresa-a'), 'early@a.test', '2026-12-01 08:00:00 America/Sao_Paulo'),
  (tests.company_id('empresa-a'), 'next@a.test', '2026-12-02 09:00:00 America/Sao_Paulo');

select tests.authenticate_as('ana@a.test');
select results_eq(
  $$select core.company_day(created_at, company_id) as day, count(*)::int from lead.leads
    where email like '%@a.test' group by 1 order by 1$$,
  $$values ('2026-12-01'::date, 2), ('2026-12-02'::date, 1)$$,
  'leads per company day: the 23:30 lead counts on the 1st'
);

select throws_ok($$update core.companies set time_zone = 'America/Atlantis' where slug = 'empresa-a'$$,
  '23514', null, 'an unknown time zone is refused');
select throws_ok($$update core.companies set default_currency = 'real' where slug = 'empresa-a'$$,
  '23514', null, 'a currency must be an ISO 4217 code');
select throws_ok($$update core.companies set default_locale = 'de-DE' where slug = 'empresa-a'$$,
  '23514', null, 'only pt-BR and en are console languages');

update core.companies set time_zone = 'America/Manaus', default_currency = 'USD', default_locale = 'en' where slug = 'empresa-a';
select results_eq(
  $$select time_zone, currency, company_default_locale from core.my_console_settings()$$,
  $$values ('America/Manaus'::text, 'USD'::text, 'en'::text)$$,
  'an owner changes the company''s time zone, currency and default language; the console reads them back'
);

select tests.authenticate_as('vera@a.test');
update core.companies set time_zone = 'UTC' where slug = 'empresa-a';
select results_eq($$select time_zone from core.my_console_settings()$$, $$values ('America/Manaus'::text)$$,
  'a viewer cannot change the company''s time zone');
select is(core.company_day('2026-12-01 23:30:00 America/Sao_Paulo', tests.company_id('empresa-utc')), null,
  'a company the caller does not belong to has no days for them');

select * from finish();
rollback;
