-- Privacy: the retention job and ops.erase_subject remove exactly what they promise and nothing else.
begin;
\ir ../_helpers/install.psql
select plan(30);

select tests.create_user('ana@a.test');
select tests.create_user('vera@a.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.create_company('Empresa B', 'empresa-b');
select tests.create_company('Empresa C', 'empresa-c');
select tests.add_member(tests.company_id('empresa-a'), 'ana@a.test', 'owner');
select tests.add_member(tests.company_id('empresa-a'), 'vera@a.test', 'viewer');
insert into ops.privacy_settings (company_id, retention_months) values (tests.company_id('empresa-c'), 12);

-- one site, journey and session per company; touches 7 and 5 months old
do $$
declare
  slug text;
  company uuid;
  domain uuid;
  journey uuid;
begin
  foreach slug in array array['empresa-a', 'empresa-b', 'empresa-c'] loop
    company := tests.company_id(slug);
    insert into lead.domains (company_id, domain_name, domain_url) values (company, slug, 'https://' || slug || '.test') returning id into domain;
    insert into lead.visitor_journeys (company_id, domain_id, visitor_id, first_visit_at, last_visit_at)
    values (company, domain, 'visitor-' || slug, now() - interval '8 months', now()) returning id into journey;
    insert into lead.sessions (company_id, id, domain_id, journey_id, visitor_id, started_at, last_activity_at, landing_url, referrer)
    values (company, 'session-old-' || slug, domain, journey, 'visitor-' || slug, now() - interval '7 months', now() - interval '7 months',
            'https://' || slug || '.test/?email=x', 'https://google.com/');
    insert into lead.utm_touches (touched_at, company_id, domain_id, session_id, visitor_id, journey_id, channel, utm_source, gclid, client_ip, user_agent)
    values (now() - interval '7 months', company, domain, 'session-old-' || slug, 'visitor-' || slug, journey, 'paid', 'google', 'G-OLD', '203.0.113.1', 'UA old'),
           (now() - interval '5 months', company, domain, 'session-old-' || slug, 'visitor-' || slug, journey, 'paid', 'google', 'G-NEW', '203.0.113.2', 'UA new');
  end loop;
end
$$;

-- leads of A: old without opportunity, old with opportunity, recent
insert into lead.leads (company_id, name, email, phone, created_at) values
  (tests.company_id('empresa-a'), 'Old Lead', 'old@a.test', '+55 11 90000-0001', now() - interval '7 months'),
  (tests.company_id('empresa-a'), 'Old Customer', 'customer@a.test', '+55 11 90000-0002', now() - interval '7 months'),
  (tests.company_id('empresa-a'), 'Recent Lead', 'recent@a.test', null, now() - interval '1 month');
insert into lead.opportunities (company_id, lead_id, title, stage_id)
select l.company_id, l.id, 'Deal', (select id from lead.pipeline_stages s where s.company_id = l.company_id and s.name = 'proposal')
from lead.leads l where l.email = 'customer@a.test';

-- ---- retention --------------------------------------------------------------------------------
select is((select sum(touches_cleared)::int from ops.apply_retention() where company_id in
            (tests.company_id('empresa-a'), tests.company_id('empresa-b'), tests.company_id('empresa-c'))),
          2, 'retention: the two 7-month-old touches of A and B (6 months) lose IP and agent; C keeps 12 months');
select is((select count(*)::int from lead.utm_touches where client_ip is null and user_agent is null and gclid = 'G-OLD'
            and company_id in (tests.company_id('empresa-a'), tests.company_id('empresa-b'))), 2, 'retention: old touches cleared in A and B');
select is((select count(*)::int from lead.utm_touches where client_ip is not null and user_agent is not null and gclid = 'G-NEW'
            and company_id in (tests.company_id('empresa-a'), tests.company_id('empresa-b'), tests.company_id('empresa-c'))), 3,
          'retention: 5-month-old touches keep IP and agent');
select is((select host(client_ip) from lead.utm_touches where gclid = 'G-OLD' and company_id = tests.company_id('empresa-c')), '203.0.113.1',
          'retention: C''s 7-month-old touch is inside its 12 months');
select is((select gclid || '/' || utm_source from lead.utm_touches where gclid = 'G-OLD' and company_id = tests.company_id('empresa-a')), 'G-OLD/google',
          'retention: click ids and UTMs stay for attribution');
select ok((select email is null and phone is null and name is null and email_hash = lead.hash_email('old@a.test')
                  and phone_hash = lead.hash_phone('5511900000001') and anonymized_at is not null
           from lead.leads where email_hash = lead.hash_email('old@a.test')),
          'retention: an old lead that never became an opportunity keeps only its hashes');
select ok((select email = 'customer@a.test' and name = 'Old Customer' and anonymized_at is null from lead.leads where email_hash = lead.hash_email('customer@a.test')),
          'retention: an old lead with an opportunity is untouched');
select ok((select email = 'recent@a.test' and anonymized_at is null from lead.leads where email_hash = lead.hash_email('recent@a.test')),
          'retention: a recent lead is untouched');
select is((select count(*)::int from ops.audit_log a join lead.leads l on l.id = a.row_id
            where l.email_hash = lead.hash_email('old@a.test') and (a.before ? 'email' or a.after ? 'email')), 0,
          'retention: the anonymised lead''s audit trail holds no e-mail');
select is((select count(*)::int from ops.audit_log a join lead.leads l on l.id = a.row_id
            where l.email_hash = lead.hash_email('customer@a.test') and a.after ->> 'email' = 'customer@a.test'), 1,
          'retention: other leads'' trails are untouched');
select is((select sum(touches_cleared + leads_anonymized)::int from ops.apply_retention() where company_id = tests.company_id('empresa-a')), 0,
          'retention: a second run changes nothing');

-- ---- erasure ----------------------------------------------------------------------------------
-- Maria in A (with a journey: session, touch, page view, event) and B; Joana in A
insert into lead.leads (company_id, name, email, phone, company_name, message, gclid, extra) values
  (tests.company_id('empresa-a'), 'Maria Souza', 'Maria@Example.com', '+55 21 98888-1111', 'Acme', 'ligar à tarde', 'G-M', '{"cpf": "123"}'),
  (tests.company_id('empresa-a'), 'Joana Lima', 'joana@example.com', '+55 21 97777-2222', 'Beta', 'oi', 'G-J', '{}'),
  (tests.company_id('empresa-b'), 'Maria Souza', 'maria@example.com', null, null, null, null, '{}');
update lead.sessions s set lead_id = l.id from lead.leads l
where s.id = 'session-old-empresa-a' and l.email = 'Maria@Example.com';
update lead.utm_touches t set lead_id = l.id from lead.leads l
where t.company_id = l.company_id and t.session_id = 'session-old-empresa-a' and l.email = 'Maria@Example.com';
insert into lead.page_views (created_at, company_id, domain_id, session_id, client_event_id, page_url, page_path, page_title, view_order)
select now() - interval '7 months', s.company_id, s.domain_id, s.id, 'pv-m', 'https://empresa-a.test/?email=maria@example.com', '/', 'Oi Maria', 1
from lead.sessions s where s.id = 'session-old-empresa-a';
insert into lead.web_events (created_at, company_id, domain_id, session_id, client_event_id, event_type, event_label, event_data)
select now() - interval '7 months', s.company_id, s.domain_id, s.id, 'ev-m', 'click', 'Maria', '{"x": 1}'
from lead.sessions s where s.id = 'session-old-empresa-a';
insert into lead.opportunities (company_id, lead_id, title, stage_id, notes)
select l.company_id, l.id, 'Maria Souza — Acme', (select id from lead.pipeline_stages s where s.company_id = l.company_id and s.name = 'proposal'), 'call Maria'
from lead.leads l where l.email = 'Maria@Example.com';

select tests.authenticate_as('vera@a.test');
select throws_ok(format($$select ops.erase_subject(%L, 'maria@example.com')$$, tests.company_id('empresa-a')), '42501', null,
                 'erasure: a viewer may not erase');
select tests.authenticate_as('ana@a.test');
select throws_ok(format($$select ops.erase_subject(%L, 'maria@example.com')$$, tests.company_id('empresa-b')), '42501', null,
                 'erasure: an admin of A may not erase in B');
select throws_ok(format($$select ops.erase_subject(%L, 'not a subject')$$, tests.company_id('empresa-a')), '22023', null,
                 'erasure: neither an e-mail nor a phone number');
select is((ops.erase_subject(tests.company_id('empresa-a'), '  MARIA@example.com ') ->> 'leads')::int, 1, 'erasure: Maria''s one lead in A');
select tests.clear_authentication();

select ok((select name is null and email is null and phone is null and company_name is null and message is null and email_hash is null
                  and phone_hash is null and gclid is null and extra = '{}' and erased_at is not null and stage_id is not null
           from lead.leads where company_id = tests.company_id('empresa-a') and erased_at is not null),
          'erasure: the lead keeps no personal data, but stays (stage, aggregates)');
select is((select count(*)::int from lead.leads where company_id = tests.company_id('empresa-a') and erased_at is not null), 1, 'erasure: one lead erased');
select ok((select email = 'joana@example.com' and name = 'Joana Lima' and gclid = 'G-J' from lead.leads where email = 'joana@example.com'),
          'erasure: another person in A is untouched');
select ok((select email = 'maria@example.com' and name = 'Maria Souza' from lead.leads where company_id = tests.company_id('empresa-b')),
          'erasure: the same e-mail in B is untouched');
select ok((select bool_and(client_ip is null and user_agent is null and gclid is null and page_url is null) and bool_and(utm_source = 'google')
           from lead.utm_touches where company_id = tests.company_id('empresa-a') and session_id = 'session-old-empresa-a'),
          'erasure: her touches lose IP, agent, click ids and URL, keep the source');
select ok((select landing_url is null and referrer is null from lead.sessions where id = 'session-old-empresa-a'), 'erasure: her session''s URLs');
select ok((select page_url = '[erased]' and page_title is null and page_path = '/' from lead.page_views where client_event_id = 'pv-m'),
          'erasure: her page views'' URLs and titles');
select ok((select event_label is null and event_data = '{}' and event_type = 'click' from lead.web_events where client_event_id = 'ev-m'),
          'erasure: her events'' labels and data');
select ok((select title = '[erased]' and notes is null from lead.opportunities o join lead.leads l on l.id = o.lead_id where l.erased_at is not null),
          'erasure: her opportunity''s title and notes');
select is((select count(*)::int from ops.audit_log a join lead.leads l on l.id = a.row_id
            where l.company_id = tests.company_id('empresa-a') and l.erased_at is not null
              and (a.before::text ilike '%maria%' or a.after::text ilike '%maria%' or a.after::text like '%98888%')), 0,
          'erasure: her audit trail holds none of her values');
select isnt_empty(format($$select 1 from ops.audit_log a join lead.leads l on l.id = a.row_id where l.email = 'joana@example.com' and a.after ->> 'name' = 'Joana Lima'$$),
          'erasure: other trails keep their values');
select ok((select leads = 1 and subject_kind = 'email' and subject_hash = lead.hash_email('maria@example.com')
                  and (rows_changed ->> 'lead.leads')::int = 1 and (rows_changed ->> 'lead.utm_touches')::int = 2
                  and rows_changed::text !~* 'maria' and requested_by = tests.get_user_id('ana@a.test')
           from ops.erasure_log where company_id = tests.company_id('empresa-a')),
          'erasure: an audit row with counts and the subject''s hash, not the address');
-- ops.suppression_list belongs to the e-mail module (issue 10); read dynamically so this file runs without it
create function pg_temp.suppressed(company uuid, address text) returns boolean language plpgsql as $f$
declare
  found boolean;
begin
  if pg_catalog.to_regclass('ops.suppression_list') is null then
    return null;
  end if;
  execute 'select exists (select 1 from ops.suppression_list where company_id = $1 and lower(email) = $2 and reason = ''erasure'')'
    into found using company, address;
  return found;
end
$f$;
select ok(coalesce(pg_temp.suppressed(tests.company_id('empresa-a'), 'maria@example.com'), pg_catalog.to_regclass('ops.suppression_list') is null),
          'erasure: suppressed on the e-mail module''s list (when installed)');
select is((ops.erase_subject(tests.company_id('empresa-b'), '+55 21 97777-2222') ->> 'leads')::int, 0,
          'erasure by phone: Joana''s number in B matches nothing there');
select is((select (ops.erase_subject(tests.company_id('empresa-a'), '+55 (21) 97777-2222') -> 'rows' ->> 'lead.leads')::int), 1,
          'erasure by phone: Joana in A, however the number is written');

select * from finish();
rollback;
