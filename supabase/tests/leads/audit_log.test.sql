-- ops.audit_log: inserts keep the whole row, updates only the keys that changed (before and after),
-- deletes the whole old row; actor and company are recorded; secrets never reach the trail.
begin;
\ir ../_helpers/install.psql
select plan(16);

select tests.create_user('sara@a.test');
select tests.create_user('ana@a.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.add_member(tests.company_id('empresa-a'), 'sara@a.test', 'sales');
select tests.add_member(tests.company_id('empresa-a'), 'ana@a.test', 'owner');

create temp table created (id uuid) on commit drop;
grant select, insert on created to authenticated;

select tests.authenticate_as('sara@a.test');
with l as (
  insert into lead.leads (company_id, name, email, phone) values (tests.company_id('empresa-a'), 'Maria', 'maria@x.test', '+55 11 98765-4321') returning id)
insert into created select id from l;

select results_eq(
  $$ select action, actor, actor_role, company_id, table_schema, table_name from ops.audit_log where row_id = (select id from created) $$,
  format($$ values ('insert'::text, %L::uuid, 'authenticated'::text, %L::uuid, 'lead'::text, 'leads'::text) $$,
         tests.get_user_id('sara@a.test'), tests.company_id('empresa-a')),
  'an insert is recorded with actor, role, company and table');
select is((select after ->> 'email' from ops.audit_log where row_id = (select id from created) and action = 'insert'), 'maria@x.test',
  'the insert''s after image is the whole new row');
select is((select before from ops.audit_log where row_id = (select id from created) and action = 'insert'), null, 'an insert has no before image');
select ok(not ((select after from ops.audit_log where row_id = (select id from created) and action = 'insert') ? 'updated_at'),
  'updated_at is left out of the trail');

update lead.leads set name = 'Maria Souza', score = 40 where id = (select id from created);
select is((select before from ops.audit_log where row_id = (select id from created) and action = 'update'),
  '{"name": "Maria", "score": null}'::jsonb, 'an update''s before image holds only the changed keys, with old values');
select is((select after from ops.audit_log where row_id = (select id from created) and action = 'update'),
  '{"name": "Maria Souza", "score": 40}'::jsonb, 'an update''s after image holds only the changed keys, with new values');

update lead.leads set name = 'Maria Souza' where id = (select id from created);
select is((select count(*)::int from ops.audit_log where row_id = (select id from created) and action = 'update'), 1,
  'an update that changes nothing leaves no audit row');

update lead.leads set email = 'Maria.Souza@x.test' where id = (select id from created);
select is((select after from ops.audit_log where row_id = (select id from created) and action = 'update' order by id desc limit 1),
  jsonb_build_object('email', 'Maria.Souza@x.test', 'email_hash', lead.hash_email('maria.souza@x.test')),
  'changes made by triggers (the e-mail hash) are recorded with the change that caused them');

select tests.authenticate_as('ana@a.test');
delete from lead.leads where id = (select id from created);
select is((select before ->> 'name' from ops.audit_log where row_id = (select id from created) and action = 'delete'), 'Maria Souza',
  'a delete keeps the whole old row');
select is((select actor from ops.audit_log where row_id = (select id from created) and action = 'delete'), tests.get_user_id('ana@a.test'),
  'the delete''s actor is whoever deleted');
select is((select count(*)::int from ops.audit_log where row_id = (select id from created)), 4, 'members read the whole trail of their company''s rows');

-- pipeline stages and integrations are audited; the credentials are not copied
update lead.pipeline_stages set probability = 30 where company_id = tests.company_id('empresa-a') and name = 'qualified';
select is((select after from ops.audit_log where company_id = tests.company_id('empresa-a') and table_name = 'pipeline_stages' and action = 'update'), '{"probability": 30}'::jsonb,
  'pipeline stage changes are audited');

select tests.authenticate_as_service_role();
insert into ops.integrations (company_id, provider, credentials_ciphertext, credentials_updated_at)
values (tests.company_id('empresa-a'), 'dinamize', 'very-secret-ciphertext', now());
update ops.integrations set credentials_ciphertext = 'rotated-secret', credentials_updated_at = now() + interval '1 minute'
where company_id = tests.company_id('empresa-a');
select tests.clear_authentication();
select is((select count(*)::int from ops.audit_log where company_id = tests.company_id('empresa-a') and table_name = 'integrations'), 2, 'integration changes are audited');
select is((select count(*)::int from ops.audit_log where company_id = tests.company_id('empresa-a') and table_name = 'integrations' and (before::text like '%secret%' or after::text like '%secret%')), 0,
  'the credentials ciphertext never reaches the audit trail');
select is((select actor_role from ops.audit_log where company_id = tests.company_id('empresa-a') and table_name = 'integrations' and action = 'insert'), 'service_role',
  'server-side changes are recorded with role service_role and no actor');

-- opportunities are audited too
insert into lead.leads (company_id, email) values (tests.company_id('empresa-a'), 'deal@x.test');
insert into lead.opportunities (company_id, lead_id, title, stage_id)
select l.company_id, l.id, 'Deal', s.id from lead.leads l join lead.pipeline_stages s on s.company_id = l.company_id and s.name = 'proposal'
where l.email = 'deal@x.test';
select is((select count(*)::int from ops.audit_log where company_id = tests.company_id('empresa-a') and table_name = 'opportunities' and action = 'insert'), 1, 'opportunity inserts are audited');

select * from finish();
rollback;
