-- mtrk.generate_messages: one message (and one link per CTA) for every eligible contact of the
-- campaign's audiences, deduplicated across audiences; each kind of ineligible contact is left out;
-- a second run adds nothing; unknown or finished campaigns and non-editors are refused.
begin;
\ir ../_helpers/install.psql
select plan(22);

select tests.create_user('ana@a.test');
select tests.create_user('vera@a.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.add_member(tests.company_id('empresa-a'), 'ana@a.test', 'marketing_admin');
select tests.add_member(tests.company_id('empresa-a'), 'vera@a.test', 'viewer');

-- Two audiences; "both" is in each (one message only). One contact of every ineligible kind.
create temp table fx (campaign uuid, other_campaign uuid, audience_1 uuid, audience_2 uuid) on commit drop;
grant select on fx to authenticated;
do $$
declare
  company uuid := tests.company_id('empresa-a');
  a1 uuid; a2 uuid; camp uuid; other uuid;
begin
  insert into mtrk.audiences (company_id, name) values (company, 'Clientes') returning id into a1;
  insert into mtrk.audiences (company_id, name) values (company, 'Newsletter') returning id into a2;
  insert into mtrk.campaigns (company_id, name, subject, html_content, sender_name, sender_email)
  values (company, 'Black Friday', 'Ofertas', '<p>Oi</p><a href="https://loja.test/ofertas">Ver ofertas</a> <a class="b" href="https://loja.test/cupom?x=1"><b>Cupom</b></a> <a href="mailto:x@y.test">x</a>',
          'Loja', 'news@loja.test') returning id into camp;
  insert into mtrk.campaigns (company_id, name, subject, html_content, sender_name, sender_email)
  values (company, 'Outra', 'Outra', '<a href="https://loja.test/">Loja</a>', 'Loja', 'news@loja.test') returning id into other;
  insert into mtrk.campaign_audiences (company_id, campaign_id, audience_id) values (company, camp, a1), (company, camp, a2), (company, other, a1);
  insert into mtrk.contacts (company_id, email, status)
  select company, e || '@x.test', s from (values ('ok1', 'active'), ('ok2', 'active'), ('both', 'active'), ('bounced', 'bounced'),
    ('complained', 'complained'), ('suppressed', 'suppressed'), ('global', 'active'), ('this-campaign', 'active'),
    ('other-campaign', 'active'), ('listed', 'active'), ('list-one', 'active'), ('outsider', 'active')) as v (e, s);
  insert into mtrk.audience_contacts (company_id, audience_id, contact_id)
  select company, case when c.email in ('ok2@x.test', 'list-one@x.test') then a2 else a1 end, c.id
  from mtrk.contacts c where c.company_id = company and c.email <> 'outsider@x.test';
  insert into mtrk.audience_contacts (company_id, audience_id, contact_id)
  select company, a2, c.id from mtrk.contacts c where c.email in ('both@x.test');
  insert into mtrk.unsubscribes (company_id, contact_id, scope, campaign_id, audience_id, source)
  select company, c.id, v.scope, case v.scope when 'campaign' then (case when c.email like 'this%' then camp else other end) end,
         case v.scope when 'list' then a2 end, 'console'
  from mtrk.contacts c
  join (values ('global@x.test', 'global'), ('this-campaign@x.test', 'campaign'), ('other-campaign@x.test', 'campaign'),
               ('list-one@x.test', 'list')) as v (email, scope) on v.email = c.email;
  insert into ops.suppression_list (company_id, email, reason) values (company, 'LISTED@x.test', 'manual');
  insert into fx values (camp, other, a1, a2);
end
$$;

select results_eq($$select n, label, url from mtrk.html_ctas((select html_content from mtrk.campaigns where id = (select campaign from fx))) order by n$$,
  $$values (1, 'Ver ofertas', 'https://loja.test/ofertas'), (2, 'Cupom', 'https://loja.test/cupom?x=1')$$,
  'CTAs are the absolute http(s) anchors in document order, labelled by their text (mailto: is not one)');
select is((select count(*)::int from mtrk.campaign_ctas where campaign_id = (select campaign from fx)), 2, 'the campaign got its two CTAs by trigger');

select tests.authenticate_as('vera@a.test');
select throws_ok($$select mtrk.generate_messages((select campaign from fx))$$, '42501', null, 'a viewer cannot generate');

select tests.authenticate_as('ana@a.test');
select is(mtrk.eligible_count((select campaign from fx)), 4, 'preview: ok1, ok2, both (once) and other-campaign are eligible');
select is(mtrk.generate_messages((select campaign from fx)), '{"messages": 4, "links": 8}'::jsonb, 'first run: 4 messages, 2 links each');
select tests.clear_authentication();

select results_eq($$select c.email from mtrk.messages m join mtrk.contacts c on c.id = m.contact_id where m.campaign_id = (select campaign from fx) order by 1$$,
  $$values ('both@x.test'), ('ok1@x.test'), ('ok2@x.test'), ('other-campaign@x.test')$$, 'exactly the eligible contacts got a message');
select is((select count(*)::int from mtrk.messages m join mtrk.contacts c on c.id = m.contact_id where c.email = 'both@x.test'), 1,
  'a contact in two audiences gets one message');
select is_empty($$select 1 from mtrk.messages m join mtrk.contacts c on c.id = m.contact_id where c.email = 'bounced@x.test'$$, 'bounced contacts are excluded');
select is_empty($$select 1 from mtrk.messages m join mtrk.contacts c on c.id = m.contact_id where c.email = 'complained@x.test'$$, 'complained contacts are excluded');
select is_empty($$select 1 from mtrk.messages m join mtrk.contacts c on c.id = m.contact_id where c.email = 'suppressed@x.test'$$, 'suppressed contacts are excluded');
select is_empty($$select 1 from mtrk.messages m join mtrk.contacts c on c.id = m.contact_id where c.email = 'global@x.test'$$, 'global unsubscribes are excluded');
select is_empty($$select 1 from mtrk.messages m join mtrk.contacts c on c.id = m.contact_id where c.email = 'this-campaign@x.test'$$, 'unsubscribes from this campaign are excluded');
select is_empty($$select 1 from mtrk.messages m join mtrk.contacts c on c.id = m.contact_id where c.email = 'listed@x.test'$$, 'addresses on the suppression list are excluded (case-insensitive)');
select is_empty($$select 1 from mtrk.messages m join mtrk.contacts c on c.id = m.contact_id where c.email = 'list-one@x.test'$$, 'a contact who left the only list that reaches it is excluded');
select is_empty($$select 1 from mtrk.messages m join mtrk.contacts c on c.id = m.contact_id where c.email = 'outsider@x.test'$$, 'contacts in none of the audiences are excluded');
select is((select count(*)::int from mtrk.links l join mtrk.messages m on m.id = l.message_id where m.campaign_id = (select campaign from fx)), 8, 'one link per CTA per message');
select is((select count(distinct public_id)::int from mtrk.links where campaign_id = (select campaign from fx)), 8, 'every link has its own public id');

select tests.authenticate_as('ana@a.test');
select is(mtrk.generate_messages((select campaign from fx)), '{"messages": 0, "links": 0}'::jsonb, 'second run adds nothing');
select throws_ok($$select mtrk.generate_messages(gen_random_uuid())$$, 'PT404', null, 'an unknown campaign is refused');
select throws_ok($$update mtrk.campaigns set html_content = '<a href="https://evil.test/">x</a>' where id = (select campaign from fx)$$, 'PT409', null,
  'content is frozen once messages exist');
select tests.clear_authentication();
update mtrk.campaigns set status = 'sent' where id = (select campaign from fx);
select tests.authenticate_as('ana@a.test');
select throws_ok($$select mtrk.generate_messages((select campaign from fx))$$, 'PT409', null, 'a sent campaign generates nothing more');
select tests.clear_authentication();
select is((select count(*)::int from mtrk.messages where company_id = tests.company_id('empresa-a')), 4, 'refused calls wrote nothing');

select * from finish();
rollback;
