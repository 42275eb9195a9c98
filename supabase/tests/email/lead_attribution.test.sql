-- A lead captured with the mid of a campaign message (lead.leads.email_mid) is attributed to that
-- message, contact and campaign; the campaign counts it and shows its won revenue. A mid of another
-- company's message, or one that names no message, attributes nothing.
begin;
\ir ../_helpers/install.psql
select plan(8);

select tests.create_company('Empresa A', 'empresa-a');
select tests.create_company('Empresa B', 'empresa-b');
create temp table fx (company text, campaign uuid, mid text) on commit drop;
do $$
declare
  slug text; company uuid; aud uuid; camp uuid;
begin
  foreach slug in array array['empresa-a', 'empresa-b'] loop
    company := tests.company_id(slug);
    insert into mtrk.audiences (company_id, name) values (company, 'A') returning id into aud;
    insert into mtrk.campaigns (company_id, name, subject, html_content, sender_name, sender_email)
    values (company, 'C', 'S', '<a href="https://x.test/">X</a>', 'L', 'n@x.test') returning id into camp;
    insert into mtrk.campaign_audiences values (company, camp, aud);
    insert into mtrk.contacts (company_id, email) values (company, 'p@' || slug || '.test');
    insert into mtrk.audience_contacts (company_id, audience_id, contact_id) select company, aud, id from mtrk.contacts where company_id = company;
    perform mtrk._generate_messages(camp);
    insert into fx select slug, camp, replace(m.public_id::text, '-', '') || 'AbCdEfGhIjKlMnOpQrStUv' from mtrk.messages m where m.campaign_id = camp;
  end loop;
end
$$;

insert into lead.leads (company_id, name, email, email_mid, value)
values (tests.company_id('empresa-a'), 'Ana', 'ana@lead.test', (select mid from fx where company = 'empresa-a'), 1500);
select results_eq($$select a.campaign_id, c.email from mtrk.lead_attributions a join mtrk.contacts c on c.id = a.contact_id where a.company_id = tests.company_id('empresa-a')$$,
  $$select campaign, 'p@empresa-a.test' from fx where company = 'empresa-a'$$, 'the lead is attributed to the message''s campaign and contact');
select is((select leads from mtrk.campaign_metrics where campaign_id = (select campaign from fx where company = 'empresa-a')), 1, 'the campaign counts the lead');
select isnt((select lead_id from mtrk.contacts where email = 'p@empresa-a.test'), null, 'the contact is linked to the lead');
select is((select won_revenue from mtrk.campaign_dashboard where campaign_id = (select campaign from fx where company = 'empresa-a')), 0::numeric, 'no won revenue while the lead is open');
update lead.leads set stage_id = (select id from lead.pipeline_stages where company_id = tests.company_id('empresa-a') and is_won) where email = 'ana@lead.test';
select is((select won_revenue from mtrk.campaign_dashboard where campaign_id = (select campaign from fx where company = 'empresa-a')), 1500::numeric, 'its won value shows on the campaign');

insert into lead.leads (company_id, name, email, email_mid)
values (tests.company_id('empresa-a'), 'Cross', 'cross@lead.test', (select mid from fx where company = 'empresa-b'));
select is((select count(*)::int from mtrk.lead_attributions where company_id in (tests.company_id('empresa-a'), tests.company_id('empresa-b'))), 1, 'a mid of another company''s message attributes nothing');
insert into lead.leads (company_id, name, email, email_mid) values (tests.company_id('empresa-a'), 'X', 'x@lead.test', repeat('0', 32) || 'AbCdEfGhIjKlMnOpQrStUv');
select is((select count(*)::int from mtrk.lead_attributions where company_id in (tests.company_id('empresa-a'), tests.company_id('empresa-b'))), 1, 'a mid that names no message attributes nothing');
update lead.leads set email_mid = (select mid from fx where company = 'empresa-a') where email = 'x@lead.test';
select is((select count(*)::int from mtrk.lead_attributions where company_id in (tests.company_id('empresa-a'), tests.company_id('empresa-b'))), 2, 'setting email_mid later attributes too');

select * from finish();
rollback;
