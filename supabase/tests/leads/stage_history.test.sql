-- lead.lead_stages: one row per stage change, whoever makes it, with value, probability, actor and
-- the reason from rastro.stage_change_reason (lead.move_to_stage sets it).
begin;
\ir ../_helpers/install.psql
select plan(11);

select tests.create_user('sara@a.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.add_member(tests.company_id('empresa-a'), 'sara@a.test', 'sales');
create temp table stage on commit drop as
select name, id from lead.pipeline_stages where company_id = tests.company_id('empresa-a');
grant select on stage to authenticated;

select tests.authenticate_as('sara@a.test');
insert into lead.leads (company_id, name, email, value) values (tests.company_id('empresa-a'), 'Maria', 'maria@x.test', 1500);

select results_eq(
  $$ select from_stage_id, from_stage_name, to_stage_name, value, probability, changed_by, reason
     from lead.lead_stages where lead_id = (select id from lead.leads where name = 'Maria') $$,
  format($$ values (null::uuid, null::text, 'new'::text, 1500.00::numeric, 10, %L::uuid, null::text) $$, tests.get_user_id('sara@a.test')),
  'a new lead''s first history row enters its first stage');

select lives_ok(
  format($$ select lead.move_to_stage(%L, %L, 'called back, wants a demo') $$,
         (select id from lead.leads where name = 'Maria'), (select id from stage where name = 'qualified')),
  'move_to_stage moves a lead');
select results_eq(
  $$ select from_stage_name, to_stage_name, probability, reason from lead.lead_stages
     where lead_id = (select id from lead.leads where name = 'Maria') order by changed_at desc limit 1 $$,
  $$ values ('new'::text, 'qualified'::text, 25, 'called back, wants a demo'::text) $$,
  'the move is recorded with from, to, probability and reason');
select is(current_setting('rastro.stage_change_reason', true), '', 'the reason does not leak into later changes');

update lead.leads set stage_id = (select id from stage where name = 'proposal'), value = 2000 where name = 'Maria';
select results_eq(
  $$ select to_stage_name, value, reason from lead.lead_stages
     where lead_id = (select id from lead.leads where name = 'Maria') and to_stage_name = 'proposal' $$,
  $$ values ('proposal'::text, 2000.00::numeric, null::text) $$,
  'a plain update of stage_id is recorded too, with the value at that moment');

update lead.leads set name = 'Maria S.', score = 10 where name = 'Maria';
select is((select count(*)::int from lead.lead_stages where lead_id = (select id from lead.leads where name = 'Maria S.')), 3,
  'changes that do not move the stage add no history');

select throws_ok(
  format($$ select lead.move_to_stage(%L, %L) $$, gen_random_uuid(), (select id from stage where name = 'won')),
  'PT404', null, 'move_to_stage of an unknown lead is 404 lead_not_found');

-- several leads moved by one statement: one history row each
insert into lead.leads (company_id, email) select tests.company_id('empresa-a'), 'bulk' || g || '@x.test' from generate_series(1, 5) g;
select set_config('rastro.stage_change_reason', 'bulk qualification', true);
update lead.leads set stage_id = (select id from stage where name = 'qualified') where email like 'bulk%';
select set_config('rastro.stage_change_reason', '', true);
select is((select count(*)::int from lead.lead_stages where to_stage_name = 'qualified' and reason = 'bulk qualification'), 5,
  'a set-based update records one row per lead, all with the reason');

-- history reads right after a rename
select tests.clear_authentication();
update lead.pipeline_stages set name = 'Qualificado' where id = (select id from stage where name = 'qualified');
select is((select count(*)::int from lead.lead_stages where company_id = tests.company_id('empresa-a') and to_stage_name = 'qualified'), 6, 'history keeps the stage name it had');

select tests.authenticate_as('sara@a.test');
select throws_ok($$ insert into lead.lead_stages (company_id, lead_id, to_stage_name) values (gen_random_uuid(), gen_random_uuid(), 'won') $$,
  '42501', null, 'members cannot write history rows');
select is((select count(*)::int from lead.lead_stages where changed_by = tests.get_user_id('sara@a.test')), 13,
  'every row names the member who made the change');

select * from finish();
rollback;
