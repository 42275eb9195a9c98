-- mtrk.track_opens / mtrk.track_clicks (migration 20261211000200) record the opens and clicks that
-- email-tracking groups into one statement exactly as the same requests one by one would: unknown ids
-- write nothing and leave the others alone, the machine rules see the group's earlier clicks, and only
-- service_role may call them.
begin;
\ir ../_helpers/install.psql
select plan(15);

select tests.create_user('ana@a.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.add_member(tests.company_id('empresa-a'), 'ana@a.test', 'owner');

create temp table fx (campaign uuid, m1 bigint, m2 bigint, l1 uuid, l2 uuid, l3 uuid, l4 uuid, p1 uuid, p2 uuid) on commit drop;
-- A campaign of three CTAs (tests.email_campaign makes two) for two contacts.
with company as (select tests.company_id('empresa-a') as id),
aud as (insert into mtrk.audiences (company_id, name) select id, 'Todos' from company returning id, company_id),
camp as (insert into mtrk.campaigns (company_id, name, subject, html_content, sender_name, sender_email)
         select id, 'C', 'S', '<a href="https://a.test/1">Um</a><a href="https://a.test/2">Dois</a><a href="https://a.test/3">Tres</a>',
                'L', 'n@l.test' from company returning id, company_id),
linked as (insert into mtrk.campaign_audiences select camp.company_id, camp.id, aud.id from camp, aud),
people as (insert into mtrk.contacts (company_id, email) select id, e from company, (values ('c1@x.test'), ('c2@x.test')) v (e)
           returning id, company_id),
members as (insert into mtrk.audience_contacts (company_id, audience_id, contact_id) select p.company_id, aud.id, p.id from people p, aud)
insert into fx (campaign) select id from camp;
select mtrk._generate_messages(campaign) from fx;
update fx set m1 = tests.email_message(campaign, 'c1@x.test'), m2 = tests.email_message(campaign, 'c2@x.test');
update fx set l1 = (select public_id from mtrk.links where id = tests.email_link(m1, 1)),
              l2 = (select public_id from mtrk.links where id = tests.email_link(m1, 2)),
              l3 = (select public_id from mtrk.links where id = tests.email_link(m1, 3)),
              l4 = (select public_id from mtrk.links where id = tests.email_link(m2, 1)),
              p1 = (select public_id from mtrk.messages where id = m1),
              p2 = (select public_id from mtrk.messages where id = m2);
-- Keep the fold away, so what the group queued can be read back as it was written.
update mtrk.fold_state set last_folded_at = now() + interval '1 hour';

-- Five clicks in one group: three links of one message, an unknown id, one link of another message.
create temp table answered on commit drop as
select * from mtrk.track_clicks(
  (select array[l1, l2, gen_random_uuid(), l3, l4] from fx),
  array['Mozilla/5.0', 'Mozilla/5.0', 'Mozilla/5.0', 'Mozilla/5.0', 'Mozilla/5.0'],
  array[null, null, null, null, 'Outlook SafeLinks']);
select results_eq('select ord from answered order by ord', $$values (1), (2), (4), (5)$$,
  'every known link answers at its position; the unknown one does not');
select results_eq('select url, utm_content from answered order by ord',
  $$values ('https://a.test/1', 'cta-1'), ('https://a.test/2', 'cta-2'), ('https://a.test/3', 'cta-3'), ('https://a.test/1', 'cta-1')$$,
  'each to its own registered URL');
select results_eq($$select message_public_id from answered where ord = 5$$, $$select p2 from fx$$, 'with its own message');
select is((select count(*)::int from mtrk.pending_events), 4, 'four clicks queued, nothing for the unknown id');
select results_eq($$select case p.message_id when (select m1 from fx) then 1 else 2 end, c.position, p.is_machine, p.machine_reason
                   from mtrk.pending_events p join mtrk.links l on l.id = p.link_id join mtrk.campaign_ctas c on c.id = l.cta_id
                   order by 1, 2$$,
  $$values (1, 1, false, null::text), (1, 2, false, null), (1, 3, true, 'clicked with two other links of the message within 5 s'),
           (2, 1, true, 'Outlook SafeLinks')$$,
  'the third link of one message within 5 s is a machine, as it would be one request at a time; a given reason is kept');

-- The same rule across groups: the first link clicked again, alone, sees the two others queued.
select results_eq($$select ord from mtrk.track_clicks((select array[l1] from fx), array['Mozilla/5.0'], array[null::text])$$,
  $$values (1)$$, 'a group of one answers');
select results_eq($$select is_machine, machine_reason from mtrk.pending_events p join fx on true
                   where p.link_id = (select id from mtrk.links where public_id = fx.l1) order by is_machine$$,
  $$values (false, null::text), (true, 'clicked with two other links of the message within 5 s')$$,
  'and is a machine click this time, the first one still human');

-- Opens: unknown ids are skipped, reasons kept, the 2 s rule applied per message.
update mtrk.messages set sent_at = now() - interval '1 second' where id = (select m2 from fx);
select results_eq($$select ord from mtrk.track_opens((select array[p1, gen_random_uuid(), p2] from fx), array['Mozilla/5.0', 'x', 'Mozilla/5.0'],
                                                     array['Gmail image proxy', null, null])$$,
  $$values (1), (3)$$, 'opens answer the positions of known messages');
select set_eq($$select message_id, machine_reason from mtrk.pending_events where type = 'open'$$,
  $$select m1, 'Gmail image proxy' from fx union all select m2, 'opened within 2 s of sending' from fx$$,
  'each with its reason: the given one, or the 2 s rule');

-- Bad calls write nothing.
select throws_ok($$select * from mtrk.track_clicks(array[gen_random_uuid()], array['a', 'b'], array[null::text])$$, '22023', null,
  'arrays of different lengths are refused');
select is((select count(*)::int from mtrk.pending_events), 7, 'and wrote nothing');
select is((select count(*)::int from mtrk.track_clicks(array[]::uuid[], array[]::text[], array[]::text[])), 0, 'an empty group is nothing');

-- Planned once per session, not at every click (see the migration).
select ok((select bool_and(proconfig @> array['plan_cache_mode=force_generic_plan']) from pg_proc
           where oid in ('mtrk.track_clicks(uuid[],text[],text[])'::regprocedure, 'mtrk.track_opens(uuid[],text[],text[])'::regprocedure)),
  'both run on their generic plan');

-- Only the service.
select tests.authenticate_as('ana@a.test');
select throws_ok($$select * from mtrk.track_clicks(array[gen_random_uuid()], array['x'], array[null::text])$$, '42501', null,
  'a member cannot record clicks');
select throws_ok($$select * from mtrk.track_opens(array[gen_random_uuid()], array['x'], array[null::text])$$, '42501', null,
  'nor opens');
select tests.clear_authentication();

select * from finish();
rollback;
