-- lead.convert_to_opportunity: one transaction; the lead must exist in the caller's company, not be
-- converted, and the stage must be active. Codes (hint) and SQLSTATEs PostgREST maps to HTTP status:
-- PT404 lead_not_found, PT409 lead_already_converted, PT422 stage_not_active, 42501 not_allowed.
begin;
\ir ../_helpers/install.psql
select plan(22);

select tests.create_user('sara@a.test');
select tests.create_user('vera@a.test');
select tests.create_user('bruno@b.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.create_company('Empresa B', 'empresa-b');
select tests.add_member(tests.company_id('empresa-a'), 'sara@a.test', 'sales');
select tests.add_member(tests.company_id('empresa-a'), 'vera@a.test', 'viewer');
select tests.add_member(tests.company_id('empresa-b'), 'bruno@b.test', 'sales');

create temp table ids (name text, id uuid) on commit drop;
grant select on ids to authenticated;
insert into ids select 'stage:' || name, id from lead.pipeline_stages where company_id = tests.company_id('empresa-a');
insert into ids select 'b-stage:' || name, id from lead.pipeline_stages where company_id = tests.company_id('empresa-b');
with l as (insert into lead.leads (company_id, name, email, value) values (tests.company_id('empresa-a'), 'Maria', 'maria@x.test', 1000) returning id)
insert into ids select 'maria', id from l;
with l as (insert into lead.leads (company_id, name, email) values (tests.company_id('empresa-a'), 'Rollback', 'rollback@x.test') returning id)
insert into ids select 'rollback', id from l;
with l as (insert into lead.leads (company_id, name, email) values (tests.company_id('empresa-b'), 'Lead B', 'b@x.test') returning id)
insert into ids select 'lead-b', id from l;
update lead.pipeline_stages set is_active = false where id = (select id from ids where name = 'stage:negotiation');

create function pg_temp.convert(lead_name text, stage_name text, value numeric default null) returns jsonb
language sql as $$
  select lead.convert_to_opportunity(lead_id => (select id from ids where name = lead_name),
                                     stage_id => (select id from ids where name = stage_name), value => value)
$$;

select tests.authenticate_as('sara@a.test');

-- success
create temp table converted on commit drop as select pg_temp.convert('maria', 'stage:proposal', 2500) as result;
select is((select result -> 'lead' ->> 'status' from converted), 'converted', 'the returned lead is converted');
select is((select (result -> 'lead' ->> 'converted_to_opportunity_id')::uuid from converted),
          (select (result -> 'opportunity' ->> 'id')::uuid from converted), 'the lead points at the returned opportunity');
select results_eq(
  $$ select o.title, o.value, o.stage_id, o.currency, o.created_by from lead.opportunities o where o.lead_id = (select id from ids where name = 'maria') $$,
  format($$ values ('Maria'::text, 2500.00::numeric, %L::uuid, 'BRL'::text, %L::uuid) $$,
         (select id from ids where name = 'stage:proposal'), tests.get_user_id('sara@a.test')),
  'the opportunity has the lead''s name as title, the value, the stage and the creator');
select results_eq(
  $$ select l.status, l.converted_at is not null, l.stage_id, l.value from lead.leads l where l.id = (select id from ids where name = 'maria') $$,
  format($$ values ('converted'::text, true, %L::uuid, 2500.00::numeric) $$, (select id from ids where name = 'stage:proposal')),
  'the lead is marked converted and moves to the opportunity''s stage and value');
select results_eq(
  $$ select from_stage_name, to_stage_name, reason, opportunity_id from lead.lead_stages
     where lead_id = (select id from ids where name = 'maria') order by changed_at desc limit 1 $$,
  $$ select 'new'::text, 'proposal'::text, 'converted to opportunity'::text, (result -> 'opportunity' ->> 'id')::uuid from converted $$,
  'the conversion is in the stage history, with its reason and opportunity');

-- converting twice
select throws_ok($$ select pg_temp.convert('maria', 'stage:won') $$, 'PT409',
  'lead ' || (select id from ids where name = 'maria') || ' was already converted on ' ||
  (select converted_at from lead.leads where id = (select id from ids where name = 'maria')),
  'converting twice fails with PT409 (HTTP 409)');
create function pg_temp.error_fields(sql text) returns text[] language plpgsql as $$
declare hint text; detail text; state text;
begin
  execute sql;
  return null;
exception when others then
  get stacked diagnostics hint = pg_exception_hint, detail = pg_exception_detail, state = returned_sqlstate;
  return array[state, hint, detail];
end
$$;
select is(pg_temp.error_fields($$ select pg_temp.convert('maria', 'stage:won') $$),
  array['PT409', 'lead_already_converted', (select (result -> 'opportunity' ->> 'id') from converted)],
  'the 409 carries code lead_already_converted in hint and the opportunity id in detail');
select is((select count(*)::int from lead.opportunities where lead_id = (select id from ids where name = 'maria')), 1,
  'still one opportunity');

-- other failures
select is(pg_temp.error_fields($$ select pg_temp.convert('no such lead', 'stage:won') $$)::text,
  array['PT404', 'lead_not_found', '']::text, 'an unknown lead is PT404 lead_not_found');
select is(pg_temp.error_fields($$ select pg_temp.convert('lead-b', 'stage:won') $$)::text,
  array['PT404', 'lead_not_found', '']::text, 'a lead of another company is PT404 lead_not_found too');
select is(pg_temp.error_fields($$ select pg_temp.convert('rollback', 'stage:negotiation') $$)::text,
  array['PT422', 'stage_not_active', '']::text, 'an inactive stage is PT422 stage_not_active');
select is(pg_temp.error_fields($$ select pg_temp.convert('rollback', 'b-stage:won') $$)::text,
  array['PT422', 'stage_not_active', '']::text, 'a stage of another company is PT422 stage_not_active');
select is(pg_temp.error_fields(format($$ select lead.convert_to_opportunity(%L, %L, owner_id => %L) $$,
    (select id from ids where name = 'rollback'), (select id from ids where name = 'stage:won'), tests.get_user_id('bruno@b.test')))::text,
  array['PT422', 'owner_not_member', '']::text, 'an owner from outside the company is PT422 owner_not_member');

select tests.authenticate_as('vera@a.test');
select is(pg_temp.error_fields($$ select pg_temp.convert('rollback', 'stage:won') $$)::text,
  array['42501', 'not_allowed', '']::text, 'viewers cannot convert (42501, HTTP 403)');
select tests.authenticate_as_anon();
select throws_ok($$ select lead.convert_to_opportunity(gen_random_uuid(), gen_random_uuid()) $$, '42501', null,
  'anon cannot call convert_to_opportunity');

-- a failure in the last step undoes the first: the opportunity insert does not survive
select tests.clear_authentication();
create function pg_temp.refuse_conversion() returns trigger language plpgsql as $$
begin
  raise exception 'simulated failure while marking the lead converted';
end
$$;
create trigger refuse_conversion before update of converted_at on lead.leads
  for each row when (new.converted_at is not null) execute function pg_temp.refuse_conversion();
select tests.authenticate_as('sara@a.test');
select throws_ok($$ select pg_temp.convert('rollback', 'stage:won') $$, 'P0001', 'simulated failure while marking the lead converted',
  'a failure after the opportunity insert fails the conversion');
select tests.clear_authentication();
drop trigger refuse_conversion on lead.leads;
select is((select count(*)::int from lead.opportunities where lead_id = (select id from ids where name = 'rollback')), 0,
  'no opportunity is left behind');
select results_eq(
  $$ select status, converted_at, converted_to_opportunity_id, s.name from lead.leads l join lead.pipeline_stages s on s.id = l.stage_id
     where l.id = (select id from ids where name = 'rollback') $$,
  $$ values ('new'::text, null::timestamptz, null::uuid, 'new'::text) $$,
  'the lead is exactly as before');
select is((select count(*)::int from lead.lead_stages where lead_id = (select id from ids where name = 'rollback')), 1,
  'no stage history row is left behind');
select is((select count(*)::int from ops.audit_log where row_id = (select id from ids where name = 'rollback') and action = 'update'), 0,
  'no audit row is left behind');

-- after conversion, lead and opportunity share one pipeline position
select tests.authenticate_as('sara@a.test');
update lead.opportunities set stage_id = (select id from ids where name = 'stage:won'), value = 3000
where lead_id = (select id from ids where name = 'maria');
select results_eq(
  $$ select s.name, l.value from lead.leads l join lead.pipeline_stages s on s.id = l.stage_id where l.id = (select id from ids where name = 'maria') $$,
  $$ values ('won'::text, 3000.00::numeric) $$,
  'moving the opportunity moves its lead (and records the history)');
select lead.move_to_stage((select id from ids where name = 'maria'), (select id from ids where name = 'stage:lost'), 'client gave up');
select is((select s.name from lead.opportunities o join lead.pipeline_stages s on s.id = o.stage_id where o.lead_id = (select id from ids where name = 'maria')),
  'lost', 'moving a converted lead moves its opportunity');

select * from finish();
rollback;
