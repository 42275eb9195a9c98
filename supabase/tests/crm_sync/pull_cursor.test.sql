-- ops.sync_state's pull cursor (issue 11): lead.apply_crm_pull_page applies a page and moves the
-- cursor in one transaction, only from the cursor the page was fetched from; reaching the end makes
-- the pass's start the mark. Members read their own company's progress, never another's, and change none.
begin;
\ir ../_helpers/install.psql
select plan(15);

select tests.create_user('ana@a.test');
select tests.create_user('bia@b.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.create_company('Empresa B', 'empresa-b');
select tests.add_member(tests.company_id('empresa-a'), 'ana@a.test', 'marketing_admin');
select tests.add_member(tests.company_id('empresa-b'), 'bia@b.test', 'marketing_admin');

select tests.authenticate_as_service_role();
insert into ops.integrations (company_id, provider, display_name, settings)
select tests.company_id(slug), 'dinamize', 'Dinamize', '{"contact_list_code": "5"}' from (values ('empresa-a'), ('empresa-b')) v (slug);
insert into ops.sync_state (company_id, integration_id, sync_type, pass_started_at)
select company_id, id, 'contacts_pull', '2026-11-30T10:00:00Z' from ops.integrations;

create temp table a_integration on commit drop as
  select id from ops.integrations where company_id = tests.company_id('empresa-a');
grant select on a_integration to authenticated;

select throws_ok($$ update ops.sync_state set cursor_inserted_at = now() $$, '23514', null,
  'a cursor has both its date and its code');

select is(lead.apply_crm_pull_page((select id from a_integration), 'contacts_pull', null, null,
            '[{"external_id": "101", "email": "um@exemplo.com.br"}, {"external_id": "102", "email": "dois@exemplo.com.br"}]',
            '2026-11-01T08:00:00Z', 102, false) ->> 'applied',
          'true', 'the first page applies from the start');
select results_eq($$ select cursor_inserted_at, cursor_contact_code, pass_pulled, pass_pages, last_successful_sync
                     from ops.sync_state where integration_id = (select id from a_integration) $$,
  $$ values ('2026-11-01T08:00:00Z'::timestamptz, 102::bigint, 2::bigint, 1, null::timestamptz) $$,
  'the cursor moved with the page; the mark waits for the end');

select is(lead.apply_crm_pull_page((select id from a_integration), 'contacts_pull', null, null,
            '[{"external_id": "101", "email": "um@exemplo.com.br"}]', '2026-11-01T08:00:00Z', 101, false) ->> 'applied',
          'false', 'a page fetched from an older cursor (another run got there first) is not applied');
select is((select count(*)::int from lead.leads where company_id = tests.company_id('empresa-a')), 2,
  'the stale page wrote nothing');
select is((select cursor_contact_code from ops.sync_state where integration_id = (select id from a_integration)), 102::bigint,
  'the stale page left the cursor');

select is(lead.apply_crm_pull_page((select id from a_integration), 'contacts_pull', '2026-11-01T08:00:00Z', 102,
            '[{"external_id": "103", "email": "tres@exemplo.com.br"}]', '2026-11-01T08:00:00Z', 103, true) ->> 'applied',
          'true', 'the last page applies');
select results_eq($$ select cursor_inserted_at, cursor_contact_code, pass_started_at, last_successful_sync, pass_pulled, pass_finished_at is not null
                     from ops.sync_state where integration_id = (select id from a_integration) $$,
  $$ values (null::timestamptz, null::bigint, null::timestamptz, '2026-11-30T10:00:00Z'::timestamptz, 3::bigint, true) $$,
  'the end makes the pass''s start the mark and clears the cursor');
select is(lead.apply_crm_pull_page((select id from a_integration), 'contacts_pull', null, null, '[]', null, null, true) ->> 'applied',
  'false', 'no page applies while no pass runs');
select is((select count(*)::int from lead.leads l join lead.lead_sync s on s.lead_id = l.id
           where l.company_id = tests.company_id('empresa-a') and l.origin = 'dinamize' and s.status = 'synced'), 3,
  'each contact once, linked');

select tests.authenticate_as('ana@a.test');
select results_eq($$ select company_id, pass_pulled from ops.sync_state $$,
  format($$ values (%L::uuid, 3::bigint) $$, tests.company_id('empresa-a')),
  'members read their own company''s progress only');
select throws_ok($$ update ops.sync_state set cursor_contact_code = 1, pass_pulled = 0 $$, '42501', null,
  'members cannot move the cursor');
select throws_ok($$ select lead.apply_crm_pull_page((select id from a_integration), 'contacts_pull', null, null, '[]', null, null, true) $$,
  '42501', null, 'members cannot apply pages');

select tests.authenticate_as('bia@b.test');
select is((select count(*)::int from ops.sync_state where integration_id = (select id from a_integration)), 0,
  'another company cannot read the cursor');
select throws_ok($$ update ops.sync_state set cursor_contact_code = 1 where integration_id = (select id from a_integration) $$,
  '42501', null, 'another company cannot change the cursor');

select * from finish();
rollback;
