-- lead.leads: unique e-mail per company (case-insensitive), contact hashes kept by trigger, default
-- stage, role rules (sales write, viewers read, admins delete), and default pipelines for companies.
begin;
\ir ../_helpers/install.psql
select plan(28);

select tests.create_user('sara@a.test');
select tests.create_user('vera@a.test');
select tests.create_user('ana@a.test');
select tests.create_user('bruno@b.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.create_company('Empresa B', 'empresa-b');
select tests.add_member(tests.company_id('empresa-a'), 'sara@a.test', 'sales');
select tests.add_member(tests.company_id('empresa-a'), 'vera@a.test', 'viewer');
select tests.add_member(tests.company_id('empresa-a'), 'ana@a.test', 'owner');
select tests.add_member(tests.company_id('empresa-b'), 'bruno@b.test', 'sales');
create temp table b_stage on commit drop as
select id from lead.pipeline_stages where company_id = tests.company_id('empresa-b') and name = 'won';
grant select on b_stage to authenticated;

-- default pipeline
select results_eq(
  format($$ select name, position, probability, is_won, is_lost, is_active from lead.pipeline_stages where company_id = %L order by position $$,
         tests.company_id('empresa-a')),
  $$ values ('new'::text, 0, 10, false, false, true), ('qualified', 1, 25, false, false, true), ('proposal', 2, 50, false, false, true),
            ('negotiation', 3, 75, false, false, true), ('won', 4, 100, true, false, true), ('lost', 5, 0, false, true, true) $$,
  'a new company gets the default pipeline: new, qualified, proposal, negotiation, won, lost');

-- unique e-mail per company, case-insensitive
select tests.authenticate_as('sara@a.test');
select lives_ok(format($$ insert into lead.leads (company_id, name, email) values (%L, 'Maria', '  Maria@Example.com ') $$, tests.company_id('empresa-a')),
  'sales add a lead');
select is((select email from lead.leads where name = 'Maria'), 'Maria@Example.com', 'the e-mail is stored trimmed, case kept');
select throws_ok(format($$ insert into lead.leads (company_id, email) values (%L, 'maria@example.COM') $$, tests.company_id('empresa-a')),
  '23505', null, 'the same e-mail in another case is a duplicate in the same company');
select tests.authenticate_as('bruno@b.test');
select lives_ok(format($$ insert into lead.leads (company_id, email) values (%L, 'maria@example.com') $$, tests.company_id('empresa-b')),
  'another company may have a lead with the same e-mail');
select tests.authenticate_as('sara@a.test');
select lives_ok(format($$ insert into lead.leads (company_id, phone) values (%L, '+55 11 90000-0001'), (%L, '+55 11 90000-0002') $$,
  tests.company_id('empresa-a'), tests.company_id('empresa-a')), 'leads without e-mail do not collide');
select throws_ok(format($$ insert into lead.leads (company_id, name) values (%L, 'Nobody') $$, tests.company_id('empresa-a')),
  '23514', null, 'a lead needs an e-mail or a phone');
select throws_ok(format($$ insert into lead.leads (company_id, email, origin) values (%L, 'o@x.test', 'fax') $$, tests.company_id('empresa-a')),
  '23514', null, 'origin must be one of manual, csv, dinamize, form, whatsapp, email');
select throws_ok($$ update lead.leads set status = 'converted' where name = 'Maria' $$,
  '23514', null, 'status converted cannot be set by hand');

-- hashes
select is((select email_hash from lead.leads where name = 'Maria'), lead.hash_email('maria@example.com'), 'email_hash is set on insert');
update lead.leads set phone = '(11) 98765-4321' where name = 'Maria';
select is((select phone_hash from lead.leads where name = 'Maria'), lead.sha256_hex('11987654321'), 'phone_hash follows the phone');
update lead.leads set phone = null where name = 'Maria';
select is((select phone_hash from lead.leads where name = 'Maria'), lead.sha256_hex('11987654321'),
  'clearing the phone keeps its hash (anonymisation keeps hashes only)');
select throws_ok($$ update lead.leads set email_hash = null where name = 'Maria' $$, '42501', null, 'members cannot write hashes');

-- stage defaults and validation
select is((select s.name from lead.leads l join lead.pipeline_stages s on s.id = l.stage_id where l.name = 'Maria'), 'new',
  'a lead starts in the first active stage');
select tests.clear_authentication();
update lead.pipeline_stages set is_active = false where company_id = tests.company_id('empresa-a') and name = 'proposal';
select tests.authenticate_as('sara@a.test');
select throws_ok(
  format($$ update lead.leads set stage_id = %L where name = 'Maria' $$,
         (select id from lead.pipeline_stages where company_id = tests.company_id('empresa-a') and name = 'proposal')),
  'PT422', 'stage ' || (select id from lead.pipeline_stages where company_id = tests.company_id('empresa-a') and name = 'proposal') || ' is not an active stage of this company',
  'an inactive stage takes no leads');
select throws_ok(
  format($$ update lead.leads set stage_id = %L where name = 'Maria' $$, (select id from b_stage)),
  'PT422', null, 'a stage of another company takes no leads');
select throws_ok(
  format($$ update lead.leads set owner_id = %L where name = 'Maria' $$, tests.get_user_id('bruno@b.test')),
  '23503', null, 'the owner must be a member of the company');
select lives_ok(format($$ update lead.leads set owner_id = %L where name = 'Maria' $$, tests.get_user_id('vera@a.test')),
  'any member can own a lead');

-- roles
with deleted as (delete from lead.leads where name = 'Maria' returning 1)
select is(count(*)::int, 0, 'sales delete no lead (only admins do)') from deleted;
select tests.authenticate_as('vera@a.test');
select throws_ok(format($$ insert into lead.leads (company_id, email) values (%L, 'v@x.test') $$, tests.company_id('empresa-a')),
  '42501', null, 'viewers cannot add leads');
with changed as (update lead.leads set name = 'Changed by viewer' returning 1)
select is(count(*)::int, 0, 'viewers change no lead') from changed;
select tests.authenticate_as('ana@a.test');
with deleted as (delete from lead.leads where name = 'Maria' returning 1)
select is(count(*)::int, 1, 'admins delete leads') from deleted;

-- text search (lead.search_leads): trigram-indexed, the caller's company only
select tests.clear_authentication();
insert into lead.leads (company_id, name, email) values
  (tests.company_id('empresa-a'), 'Conceição Aparecida', 'cida@loja.test'),
  (tests.company_id('empresa-a'), 'Pedro 100% Garantido', 'pedro_g@loja.test'),
  (tests.company_id('empresa-b'), 'Conceição de B', 'conceicao@b.test');
select tests.authenticate_as('vera@a.test');
select results_eq($$ select name from lead.search_leads('CONCEIÇÃO') $$, $$ values ('Conceição Aparecida'::text) $$,
  'search is case-insensitive on the name and sees only the caller''s company');
select results_eq($$ select name from lead.search_leads(' @LOJA.test ') order by name $$,
  $$ values ('Conceição Aparecida'::text), ('Pedro 100% Garantido') $$, 'search matches inside e-mails too');
select results_eq($$ select name from lead.search_leads('100%') $$, $$ values ('Pedro 100% Garantido'::text) $$,
  'a % typed by the user is a literal %');
select is_empty($$ select 1 from lead.search_leads('pedro%g') $$, 'wildcards in the query do not match other text');
select throws_ok($$ select * from lead.search_leads('  ') $$, '22023', 'type something to search for', 'an empty search is refused');
select tests.authenticate_as_anon();
select throws_ok($$ select * from lead.search_leads('con') $$, '42501', null, 'anon cannot search');

select * from finish();
rollback;
