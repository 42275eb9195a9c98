-- ops.erase_subject reaches the e-mail module: the contact loses address and name, is suppressed and
-- left out of later generations; its messages and the campaign's aggregates stay.
begin;
\ir ../_helpers/install.psql
select plan(5);

select tests.create_company('Empresa A', 'empresa-a');
create temp table fx (campaign uuid, next_campaign uuid) on commit drop;
do $$
declare
  company uuid := tests.company_id('empresa-a');
  aud uuid; camp uuid; next uuid;
begin
  insert into mtrk.audiences (company_id, name) values (company, 'A') returning id into aud;
  insert into mtrk.campaigns (company_id, name, subject, html_content, sender_name, sender_email)
  values (company, 'C', 'S', '<a href="https://x.test/">X</a>', 'L', 'n@x.test') returning id into camp;
  insert into mtrk.campaigns (company_id, name, subject, html_content, sender_name, sender_email)
  values (company, 'Next', 'S', '<a href="https://x.test/">X</a>', 'L', 'n@x.test') returning id into next;
  insert into mtrk.campaign_audiences values (company, camp, aud), (company, next, aud);
  insert into mtrk.contacts (company_id, email, name) values (company, 'Maria@X.test', 'Maria'), (company, 'joao@x.test', 'João');
  insert into mtrk.audience_contacts (company_id, audience_id, contact_id) select company, aud, id from mtrk.contacts where company_id = company;
  perform mtrk._generate_messages(camp);
  insert into fx values (camp, next);
end
$$;

select ops.erase_subject(tests.company_id('empresa-a'), 'maria@x.test');
select results_eq($$select email, name, status, erased_at is not null from mtrk.contacts where company_id = tests.company_id('empresa-a') and name is distinct from 'João'$$,
  $$values (null::text, null::text, 'suppressed', true)$$, 'the contact keeps no address or name and is suppressed');
select is((select count(*)::int from mtrk.messages where campaign_id = (select campaign from fx)), 2, 'its messages stay for the aggregates');
select isnt_empty($$select 1 from ops.suppression_list where company_id = tests.company_id('empresa-a') and lower(email) = 'maria@x.test' and reason = 'erasure'$$,
  'the address is on the suppression list');
select is(mtrk._generate_messages((select next_campaign from fx)), '{"messages": 1, "links": 1}'::jsonb, 'a later campaign reaches only the other contact');
select is((select c.email from mtrk.messages m join mtrk.contacts c on c.id = m.contact_id where m.campaign_id = (select next_campaign from fx)), 'joao@x.test',
  'and it is the other contact');

select * from finish();
rollback;
