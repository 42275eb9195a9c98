-- The e-mail dashboard's daily figures fall on the company's calendar days (core.company_day), not
-- on UTC's: a delivery at 01:30 UTC is a delivery of the day before in São Paulo (UTC−3), and of the
-- same day in Lisbon.
begin;
\ir ../_helpers/install.psql
select plan(3);

select tests.create_company('Empresa SP', 'empresa-sp');
select tests.create_company('Empresa Lisboa', 'empresa-lx');
update core.companies set time_zone = 'America/Sao_Paulo' where id = tests.company_id('empresa-sp');
update core.companies set time_zone = 'Europe/Lisbon' where id = tests.company_id('empresa-lx');

create temp table fx (slug text, campaign uuid, message bigint) on commit drop;
do $$
declare
  slug text;
  company uuid;
  aud uuid;
  camp uuid;
begin
  foreach slug in array array['empresa-sp', 'empresa-lx'] loop
    company := tests.company_id(slug);
    insert into mtrk.audiences (company_id, name) values (company, 'Todos') returning id into aud;
    insert into mtrk.campaigns (company_id, name, subject, html_content, sender_name, sender_email)
    values (company, 'C', 'S', '<a href="https://a.test/1">Um</a>', 'L', 'n@l.test') returning id into camp;
    insert into mtrk.campaign_audiences values (company, camp, aud);
    insert into mtrk.contacts (company_id, email) values (company, 'c@x.test');
    insert into mtrk.audience_contacts (company_id, audience_id, contact_id)
      select company, aud, id from mtrk.contacts where company_id = company;
    perform mtrk._generate_messages(camp);
    insert into fx select slug, camp, m.id from mtrk.messages m where m.campaign_id = camp;
  end loop;
end
$$;

insert into mtrk.events (company_id, campaign_id, message_id, contact_id, type, source, occurred_at)
select m.company_id, m.campaign_id, m.id, m.contact_id, v.type, 'simulator', v.at
from fx join mtrk.messages m on m.id = fx.message
cross join (values ('sent', timestamptz '2026-03-02 01:00Z'), ('delivered', timestamptz '2026-03-02 01:30Z')) v (type, at);

select results_eq(
  $$select d.day, d.delivered from mtrk.campaign_metrics_daily d join fx on fx.campaign = d.campaign_id where fx.slug = 'empresa-sp'$$,
  $$values (date '2026-03-01', 1)$$,
  'São Paulo: a delivery at 01:30 UTC on the 2nd counts on the 1st');
select results_eq(
  $$select d.day, d.delivered from mtrk.campaign_metrics_daily d join fx on fx.campaign = d.campaign_id where fx.slug = 'empresa-lx'$$,
  $$values (date '2026-03-02', 1)$$,
  'Lisbon: the same instant counts on the 2nd');
select is(
  (select core.company_day(timestamptz '2026-03-02 01:30Z', tests.company_id('empresa-sp'))),
  (select d.day from mtrk.campaign_metrics_daily d join fx on fx.campaign = d.campaign_id where fx.slug = 'empresa-sp'),
  'the daily table and core.company_day agree');

select * from finish();
rollback;
