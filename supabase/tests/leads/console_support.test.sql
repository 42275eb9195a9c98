-- What the console reads and calls beyond plain tables: the member directory, stage totals and the
-- pipeline reorder. Each is scoped to the caller's current company.
begin;
\ir ../_helpers/install.psql
select plan(13);

select tests.create_user('ana@a.test');
select tests.create_user('vito@a.test');
select tests.create_user('bia@b.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.create_company('Empresa B', 'empresa-b');
select tests.add_member(tests.company_id('empresa-a'), 'ana@a.test', 'marketing_admin');
select tests.add_member(tests.company_id('empresa-a'), 'vito@a.test', 'viewer');
select tests.add_member(tests.company_id('empresa-b'), 'bia@b.test', 'marketing_admin');

insert into lead.leads (company_id, email, value)
values (tests.company_id('empresa-a'), 'um@x.test', 100), (tests.company_id('empresa-a'), 'dois@x.test', 250.5),
       (tests.company_id('empresa-a'), 'tres@x.test', null), (tests.company_id('empresa-b'), 'quatro@x.test', 999);
create temp table stage_a on commit drop as
select name, id, position from lead.pipeline_stages where company_id = tests.company_id('empresa-a') order by position;
grant select on stage_a to authenticated;

-- ---- member directory ----
select tests.authenticate_as('vito@a.test');
select results_eq(
  $$ select email, role from core.member_directory() $$,
  $$ values ('ana@a.test'::text, 'marketing_admin'::text), ('vito@a.test', 'viewer') $$,
  'a member sees the e-mail and role of every member of their current company');

select tests.authenticate_as('bia@b.test');
select results_eq($$ select email from core.member_directory() $$, $$ values ('bia@b.test'::text) $$,
  'and nobody from another company');

select tests.authenticate_as_anon();
select throws_ok($$ select * from core.member_directory() $$, '42501', null, 'anon cannot call the directory');

-- ---- stage totals ----
select tests.authenticate_as('vito@a.test');
select results_eq(
  $$ select leads, total_value from lead.stage_totals $$,
  $$ values (3, 350.50::numeric) $$,
  'stage totals count the current company''s leads and sum their value (no value counts as 0)');

select tests.authenticate_as('bia@b.test');
select results_eq($$ select leads, total_value from lead.stage_totals $$, $$ values (1, 999.00::numeric) $$,
  'another company sees only its own totals');

select tests.authenticate_as_anon();
select throws_ok($$ select * from lead.stage_totals $$, '42501', null, 'anon cannot read stage totals');

-- ---- reorder ----
select tests.authenticate_as('ana@a.test');
select lives_ok(
  $$ select lead.reorder_pipeline_stages(array(select id from stage_a order by case name when 'lost' then -1 else position end)) $$,
  'an admin reorders the stages');
select results_eq(
  $$ select name from lead.pipeline_stages order by position $$,
  $$ values ('lost'::text), ('new'), ('qualified'), ('proposal'), ('negotiation'), ('won') $$,
  'positions follow the given order');
select results_eq(
  $$ select position from lead.pipeline_stages order by position $$,
  $$ values (0), (1), (2), (3), (4), (5) $$,
  'positions are 0, 1, 2, … with no gaps or ties');
select is(
  (select count(*)::int from ops.audit_log where table_name = 'pipeline_stages' and action = 'update'
     and company_id = tests.company_id('empresa-a')),
  6, 'every moved stage is in the audit trail');

select throws_ok(
  $$ select lead.reorder_pipeline_stages(array(select id from stage_a where name <> 'won')) $$,
  'PT422', null, 'a list missing a stage is refused (stage_list_mismatch)');
select throws_ok(
  format($$ select lead.reorder_pipeline_stages(array(select id from stage_a) || %L::uuid) $$,
         (select id from lead.pipeline_stages where company_id = tests.company_id('empresa-b') limit 1)),
  'PT422', null, 'a list with another company''s stage is refused');

select tests.authenticate_as('vito@a.test');
select throws_ok(
  $$ select lead.reorder_pipeline_stages(array(select id from stage_a)) $$,
  '42501', null, 'a viewer cannot reorder (not_allowed)');

select * from finish();
rollback;
