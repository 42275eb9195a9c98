-- Tenant isolation of every e-mail table: a member of company A reads A's rows and none of B's,
-- cannot insert rows into B, and updates or deletes none of B's rows (tables that grant no write to
-- authenticated refuse with 42501 before RLS is asked); anon reads nothing.
begin;
\ir ../_helpers/install.psql
select plan(84);

select tests.create_user('ana@a.test');
select tests.create_user('bruno@b.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.create_company('Empresa B', 'empresa-b');
select tests.add_member(tests.company_id('empresa-a'), 'ana@a.test', 'owner');
select tests.add_member(tests.company_id('empresa-b'), 'bruno@b.test', 'owner');

create temp table fixture (company text, contact uuid, audience uuid, campaign uuid, message bigint, lead uuid) on commit drop;
grant select on fixture to authenticated, anon;
do $$
declare
  slug text; company uuid; contact uuid; aud uuid; camp uuid; msg mtrk.messages; lead uuid;
begin
  foreach slug in array array['empresa-a', 'empresa-b'] loop
    company := tests.company_id(slug);
    insert into mtrk.contacts (company_id, email) values (company, 'p@' || slug || '.test') returning id into contact;
    insert into mtrk.audiences (company_id, name) values (company, 'Aud ' || slug) returning id into aud;
    insert into mtrk.audience_contacts (company_id, audience_id, contact_id) values (company, aud, contact);
    insert into mtrk.campaigns (company_id, name, subject, html_content, sender_name, sender_email)
    values (company, 'Camp ' || slug, 'S', '<a href="https://x.test/">X</a>', 'L', 'n@x.test') returning id into camp;
    insert into mtrk.campaign_audiences (company_id, campaign_id, audience_id) values (company, camp, aud);
    perform mtrk._generate_messages(camp);
    select m.* into msg from mtrk.messages m where m.campaign_id = camp;
    insert into mtrk.events (company_id, campaign_id, message_id, contact_id, type, source) values (company, camp, msg.id, contact, 'sent', 'smtp');
    insert into mtrk.unsubscribes (company_id, contact_id, scope, campaign_id, source) values (company, contact, 'campaign', camp, 'console');
    insert into ops.suppression_list (company_id, email, reason) values (company, 'gone@' || slug || '.test', 'manual');
    insert into lead.leads (company_id, name, email) values (company, 'L', 'l@' || slug || '.test') returning id into lead;
    insert into mtrk.lead_attributions (lead_id, company_id, campaign_id, message_id, contact_id) values (lead, company, camp, msg.id, contact);
    insert into mtrk.sender_settings (company_id, messages_per_minute) values (company, 100);
    insert into mtrk.simulated_events (company_id, campaign_id, message_id, contact_id, type, due_at) values (company, camp, msg.id, contact, 'delivered', now());
    insert into fixture values (slug, contact, aud, camp, msg.id, lead);
  end loop;
end
$$;

create temp table tables_under_test (name text) on commit drop;
grant select on tables_under_test to authenticated, anon;
insert into tables_under_test values ('mtrk.contacts'), ('mtrk.audiences'), ('mtrk.audience_contacts'), ('mtrk.campaigns'),
  ('mtrk.campaign_ctas'), ('mtrk.campaign_audiences'), ('mtrk.messages'), ('mtrk.links'), ('mtrk.events'), ('mtrk.unsubscribes'),
  ('ops.suppression_list'), ('mtrk.campaign_metrics'), ('mtrk.campaign_metrics_daily'), ('mtrk.lead_attributions'),
  ('mtrk.sender_settings'), ('mtrk.simulated_events');

create function pg_temp.touched(sql text) returns integer language plpgsql as $f$
declare n integer; begin execute sql; get diagnostics n = row_count; return n; end $f$;

select tests.authenticate_as('ana@a.test');
-- reads
select isnt_empty(format('select 1 from %s where company_id = %L', t.name, tests.company_id('empresa-a')), t.name || ': A reads its own')
from tables_under_test t order by t.name;
select is_empty(format('select 1 from %s where company_id = %L', t.name, tests.company_id('empresa-b')), t.name || ': A cannot read B''s')
from tables_under_test t order by t.name;

-- Inserts into B: refused by RLS where granted, by privileges elsewhere (14).
select throws_ok(format($$insert into mtrk.contacts (company_id, email) values (%L, 'n@b.test')$$, tests.company_id('empresa-b')),
  '42501', 'new row violates row-level security policy for table "contacts"', 'contacts: A cannot add to B');
select throws_ok(format($$insert into mtrk.audiences (company_id, name) values (%L, 'x')$$, tests.company_id('empresa-b')),
  '42501', 'new row violates row-level security policy for table "audiences"', 'audiences: A cannot add to B');
select throws_ok(format($$insert into mtrk.audience_contacts (company_id, audience_id, contact_id) values (%L, %L, %L)$$, tests.company_id('empresa-b'),
  (select audience from fixture where company = 'empresa-b'), (select contact from fixture where company = 'empresa-b')),
  '42501', 'new row violates row-level security policy for table "audience_contacts"', 'audience_contacts: A cannot add to B');
select throws_ok(format($$insert into mtrk.campaigns (company_id, name, subject, html_content, sender_name, sender_email) values (%L, 'x', 's', 'h', 'n', 'a@b.test')$$,
  tests.company_id('empresa-b')), '42501', 'new row violates row-level security policy for table "campaigns"', 'campaigns: A cannot add to B');
select throws_ok(format($$insert into mtrk.campaign_ctas (company_id, campaign_id, position, label, url) values (%L, %L, 9, 'x', 'https://x.test')$$,
  tests.company_id('empresa-b'), (select campaign from fixture where company = 'empresa-b')), '42501', null, 'campaign_ctas: nobody inserts CTAs directly');
select throws_ok(format($$insert into mtrk.campaign_audiences (company_id, campaign_id, audience_id) values (%L, %L, %L)$$, tests.company_id('empresa-b'),
  (select campaign from fixture where company = 'empresa-b'), (select audience from fixture where company = 'empresa-b')),
  '42501', 'new row violates row-level security policy for table "campaign_audiences"', 'campaign_audiences: A cannot add to B');
select throws_ok(format($$insert into mtrk.messages (company_id, campaign_id, contact_id) values (%L, %L, %L)$$, tests.company_id('empresa-b'),
  (select campaign from fixture where company = 'empresa-b'), (select contact from fixture where company = 'empresa-b')), '42501', null, 'messages: A cannot insert');
select throws_ok(format($$insert into mtrk.links (company_id, campaign_id, message_id, cta_id) values (%L, %L, %s, gen_random_uuid())$$, tests.company_id('empresa-b'),
  (select campaign from fixture where company = 'empresa-b'), (select message from fixture where company = 'empresa-b')), '42501', null, 'links: A cannot insert');
select throws_ok(format($$insert into mtrk.events (company_id, campaign_id, message_id, contact_id, type, source) values (%L, %L, %s, %L, 'open', 'tracking')$$, tests.company_id('empresa-b'),
  (select campaign from fixture where company = 'empresa-b'), (select message from fixture where company = 'empresa-b'), (select contact from fixture where company = 'empresa-b')),
  '42501', null, 'events: A cannot insert');
select throws_ok(format($$insert into mtrk.unsubscribes (company_id, contact_id, scope, source) values (%L, %L, 'global', 'console')$$, tests.company_id('empresa-b'),
  (select contact from fixture where company = 'empresa-b')), '42501', null, 'unsubscribes: A cannot insert');
select throws_ok(format($$insert into ops.suppression_list (company_id, email, reason) values (%L, 'z@b.test', 'manual')$$, tests.company_id('empresa-b')),
  '42501', 'new row violates row-level security policy for table "suppression_list"', 'suppression_list: A cannot add to B');
select throws_ok(format($$insert into mtrk.campaign_metrics (campaign_id, company_id) values (gen_random_uuid(), %L)$$, tests.company_id('empresa-b')), '42501', null, 'campaign_metrics: A cannot insert');
select throws_ok(format($$insert into mtrk.campaign_metrics_daily (campaign_id, day, company_id) values (gen_random_uuid(), current_date, %L)$$, tests.company_id('empresa-b')), '42501', null, 'campaign_metrics_daily: A cannot insert');
select throws_ok(format($$insert into mtrk.lead_attributions (lead_id, company_id, campaign_id, message_id, contact_id) values (gen_random_uuid(), %L, gen_random_uuid(), 1, gen_random_uuid())$$,
  tests.company_id('empresa-b')), '42501', null, 'lead_attributions: A cannot insert');

select throws_ok(format($$insert into mtrk.sender_settings (company_id, messages_per_minute) values (%L, 5) on conflict do nothing$$, tests.company_id('empresa-b')),
  '42501', null, 'sender_settings: A cannot set B''s');
select throws_ok(format($$insert into mtrk.simulated_events (company_id, campaign_id, message_id, contact_id, type, due_at) values (%L, %L, %s, %L, 'open', now())$$, tests.company_id('empresa-b'),
  (select campaign from fixture where company = 'empresa-b'), (select message from fixture where company = 'empresa-b'), (select contact from fixture where company = 'empresa-b')),
  '42501', null, 'simulated_events: A cannot insert');
select is(pg_temp.touched(format($$update mtrk.sender_settings set messages_per_minute = 1 where company_id = %L$$, tests.company_id('empresa-b'))), 0, 'sender_settings: A updates none of B''s');
select throws_ok('update mtrk.simulated_events set due_at = now()', '42501', null, 'simulated_events: A cannot update');
select throws_ok('delete from mtrk.sender_settings', '42501', null, 'sender_settings: A cannot delete');
select throws_ok('delete from mtrk.simulated_events', '42501', null, 'simulated_events: A cannot delete');

-- Updates and deletes of B's rows (granted ones touch nothing; the others are refused) (14 + 14).
select is(pg_temp.touched(format($$update mtrk.contacts set name = 'x' where company_id = %L$$, tests.company_id('empresa-b'))), 0, 'contacts: A updates none of B''s');
select is(pg_temp.touched(format($$update mtrk.audiences set name = 'x' where company_id = %L$$, tests.company_id('empresa-b'))), 0, 'audiences: A updates none of B''s');
select throws_ok('update mtrk.audience_contacts set added_at = now()', '42501', null, 'audience_contacts: nobody updates');
select is(pg_temp.touched(format($$update mtrk.campaigns set name = 'x' where company_id = %L$$, tests.company_id('empresa-b'))), 0, 'campaigns: A updates none of B''s');
select throws_ok('update mtrk.campaign_ctas set label = null', '42501', null, 'campaign_ctas: A cannot update');
select throws_ok('update mtrk.campaign_audiences set audience_id = audience_id', '42501', null, 'campaign_audiences: nobody updates');
select throws_ok('update mtrk.messages set error = null', '42501', null, 'messages: A cannot update');
select throws_ok('update mtrk.links set clicks = 0', '42501', null, 'links: A cannot update');
select throws_ok('update mtrk.events set is_machine = false', '42501', null, 'events: A cannot update');
select throws_ok('update mtrk.unsubscribes set source = null', '42501', null, 'unsubscribes: A cannot update');
select throws_ok('update ops.suppression_list set note = null', '42501', null, 'suppression_list: A cannot update');
select throws_ok('update mtrk.campaign_metrics set sent = 0', '42501', null, 'campaign_metrics: A cannot update');
select throws_ok('update mtrk.campaign_metrics_daily set delivered = 0', '42501', null, 'campaign_metrics_daily: A cannot update');
select throws_ok('update mtrk.lead_attributions set attributed_at = now()', '42501', null, 'lead_attributions: A cannot update');

select is(pg_temp.touched(format($$delete from mtrk.contacts where company_id = %L$$, tests.company_id('empresa-b'))), 0, 'contacts: A deletes none of B''s');
select is(pg_temp.touched(format($$delete from mtrk.audiences where company_id = %L$$, tests.company_id('empresa-b'))), 0, 'audiences: A deletes none of B''s');
select is(pg_temp.touched(format($$delete from mtrk.audience_contacts where company_id = %L$$, tests.company_id('empresa-b'))), 0, 'audience_contacts: A deletes none of B''s');
select is(pg_temp.touched(format($$delete from mtrk.campaigns where company_id = %L$$, tests.company_id('empresa-b'))), 0, 'campaigns: A deletes none of B''s');
select throws_ok('delete from mtrk.campaign_ctas', '42501', null, 'campaign_ctas: A cannot delete');
select is(pg_temp.touched(format($$delete from mtrk.campaign_audiences where company_id = %L$$, tests.company_id('empresa-b'))), 0, 'campaign_audiences: A deletes none of B''s');
select throws_ok('delete from mtrk.messages', '42501', null, 'messages: A cannot delete');
select throws_ok('delete from mtrk.links', '42501', null, 'links: A cannot delete');
select throws_ok('delete from mtrk.events', '42501', null, 'events: A cannot delete');
select throws_ok('delete from mtrk.unsubscribes', '42501', null, 'unsubscribes: A cannot delete');
select is(pg_temp.touched(format($$delete from ops.suppression_list where company_id = %L$$, tests.company_id('empresa-b'))), 0, 'suppression_list: A deletes none of B''s');
select throws_ok('delete from mtrk.campaign_metrics', '42501', null, 'campaign_metrics: A cannot delete');
select throws_ok('delete from mtrk.campaign_metrics_daily', '42501', null, 'campaign_metrics_daily: A cannot delete');
select throws_ok('delete from mtrk.lead_attributions', '42501', null, 'lead_attributions: A cannot delete');

-- RPCs do not cross companies either.
select throws_ok(format('select mtrk.generate_messages(%L)', (select campaign from fixture where company = 'empresa-b')), 'PT404', null,
  'generate_messages: B''s campaign is not found for A');
select throws_ok(format('select mtrk.add_leads_to_audience(%L)', (select audience from fixture where company = 'empresa-b')), 'PT404', null,
  'add_leads_to_audience: B''s audience is not found for A');

select tests.authenticate_as_anon();
select throws_ok('select 1 from mtrk.contacts', '42501', null, 'anon reads no contacts');
select throws_ok('select 1 from mtrk.campaign_dashboard', '42501', null, 'anon reads no dashboard');
select tests.clear_authentication();

select * from finish();
rollback;
