-- Tenant isolation of every web-tracking table (issue 7): a member of company A reads A's rows and
-- none of B's; admins write sites and landing pages of their own company only; the tables track
-- writes (sessions, journeys, touches, page views, events) take no writes from members at all; the
-- per-company secret and the partition registry are invisible to members; anon reads nothing.
begin;
\ir ../_helpers/install.psql
select plan(72);

select tests.create_user('ana@a.test');
select tests.create_user('bruno@b.test');
select tests.create_user('vera@a.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.create_company('Empresa B', 'empresa-b');
select tests.add_member(tests.company_id('empresa-a'), 'ana@a.test', 'owner');
select tests.add_member(tests.company_id('empresa-a'), 'vera@a.test', 'viewer');
select tests.add_member(tests.company_id('empresa-b'), 'bruno@b.test', 'owner');

create temp table fixture (company text, domain_id uuid, page_id uuid, journey_id uuid, session_id text) on commit drop;
grant select on fixture to authenticated, anon, service_role;
do $$
declare
  slug text;
  company uuid;
  domain uuid;
  page uuid;
  journey uuid;
  session text;
begin
  foreach slug in array array['empresa-a', 'empresa-b'] loop
    company := tests.company_id(slug);
    insert into lead.tracking_settings (company_id) values (company);
    insert into lead.domains (company_id, domain_name, domain_url, allowed_origins)
    values (company, slug || '.test', 'https://' || slug || '.test', array['https://' || slug || '.test'])
    returning id into domain;
    insert into lead.landing_pages (company_id, domain_id, page_url, page_name)
    values (company, domain, 'https://' || slug || '.test/', 'Home') returning id into page;
    insert into lead.visitor_journeys (company_id, domain_id, visitor_id, first_visit_at, last_visit_at, total_sessions)
    values (company, domain, 'visitor-' || slug, now(), now(), 1) returning id into journey;
    session := 'session-' || slug;
    insert into lead.sessions (company_id, id, domain_id, journey_id, visitor_id, first_page_id, started_at, last_activity_at)
    values (company, session, domain, journey, 'visitor-' || slug, page, now(), now());
    insert into lead.utm_touches (company_id, domain_id, session_id, visitor_id, journey_id, page_id, channel, utm_source, fbclid, client_ip, user_agent)
    values (company, domain, session, 'visitor-' || slug, journey, page, 'paid', 'facebook', 'ABC', '203.0.113.9', 'Mozilla/5.0');
    insert into lead.page_views (company_id, domain_id, session_id, page_id, client_event_id, page_url, page_path, view_order)
    values (company, domain, session, page, 'pv-' || slug, 'https://' || slug || '.test/', '/', 1);
    insert into lead.web_events (company_id, domain_id, session_id, page_id, client_event_id, event_type)
    values (company, domain, session, page, 'ev-' || slug, 'click');
    insert into lead.capture_rate_limits (domain_id, ip_hash, window_start) values (domain, 'ip-' || slug, now());
    insert into ops.privacy_settings (company_id, retention_months) values (company, 6);
    insert into ops.erasure_log (company_id, subject_kind, subject_hash, leads, rows_changed)
    values (company, 'email', lead.sha256_hex(slug), 0, '{}');
    insert into fixture values (slug, domain, page, journey, session);
  end loop;
end
$$;

select tests.authenticate_as('ana@a.test');

-- lead.domains
select isnt_empty(format('select 1 from lead.domains where company_id = %L', tests.company_id('empresa-a')), 'domains: A reads its own');
select is_empty(format('select 1 from lead.domains where company_id = %L', tests.company_id('empresa-b')), 'domains: A cannot read B''s');
select lives_ok(format($$insert into lead.domains (company_id, domain_name, domain_url) values (%L, 'second.test', 'https://second.test')$$,
  tests.company_id('empresa-a')), 'domains: an admin of A adds a site to A');
select throws_ok(format($$insert into lead.domains (company_id, domain_name, domain_url) values (%L, 'x.test', 'https://x.test')$$,
  tests.company_id('empresa-b')), '42501', 'new row violates row-level security policy for table "domains"', 'domains: A cannot add one to B');
with changed as (update lead.domains set is_active = false where company_id = tests.company_id('empresa-b') returning 1)
select is(count(*)::int, 0, 'domains: A updates none of B''s') from changed;
with changed as (delete from lead.domains where company_id = tests.company_id('empresa-b') returning 1)
select is(count(*)::int, 0, 'domains: A deletes none of B''s') from changed;
select throws_ok(format($$update lead.domains set site_key = 'rk_mine' where company_id = %L$$, tests.company_id('empresa-a')),
  '42501', null, 'domains: the site key is not written directly (rotate_site_key)');
select throws_ok(format($$select lead.rotate_site_key(%L)$$, (select domain_id from fixture where company = 'empresa-b')),
  'PT404', null, 'domains: A cannot rotate B''s key');
select matches(lead.rotate_site_key((select domain_id from fixture where company = 'empresa-a')), '^rk_[A-Za-z0-9_-]{24}$',
  'domains: an admin of A rotates A''s key');

-- lead.landing_pages
select isnt_empty(format('select 1 from lead.landing_pages where company_id = %L', tests.company_id('empresa-a')), 'landing_pages: A reads its own');
select is_empty(format('select 1 from lead.landing_pages where company_id = %L', tests.company_id('empresa-b')), 'landing_pages: A cannot read B''s');
select lives_ok(format($$insert into lead.landing_pages (company_id, domain_id, page_url, page_name) values (%L, %L, 'https://empresa-a.test/b', 'B')$$,
  tests.company_id('empresa-a'), (select domain_id from fixture where company = 'empresa-a')), 'landing_pages: an admin of A adds a page to A');
select throws_ok(format($$insert into lead.landing_pages (company_id, domain_id, page_url, page_name) values (%L, %L, 'https://empresa-b.test/x', 'X')$$,
  tests.company_id('empresa-b'), (select domain_id from fixture where company = 'empresa-b')),
  '42501', 'new row violates row-level security policy for table "landing_pages"', 'landing_pages: A cannot add one to B');
select throws_ok(format($$insert into lead.landing_pages (company_id, domain_id, page_url, page_name) values (%L, %L, 'https://empresa-b.test/y', 'Y')$$,
  tests.company_id('empresa-a'), (select domain_id from fixture where company = 'empresa-b')),
  '23503', null, 'landing_pages: A cannot hang a page of its own on B''s site');
with changed as (update lead.landing_pages set is_active = false where company_id = tests.company_id('empresa-b') returning 1)
select is(count(*)::int, 0, 'landing_pages: A updates none of B''s') from changed;
with changed as (delete from lead.landing_pages where company_id = tests.company_id('empresa-b') returning 1)
select is(count(*)::int, 0, 'landing_pages: A deletes none of B''s') from changed;

-- the tables track writes: read own, nothing of B, no writes at all
select isnt_empty(format('select 1 from lead.visitor_journeys where company_id = %L', tests.company_id('empresa-a')), 'visitor_journeys: A reads its own');
select is_empty(format('select 1 from lead.visitor_journeys where company_id = %L', tests.company_id('empresa-b')), 'visitor_journeys: A cannot read B''s');
select throws_ok(format($$insert into lead.visitor_journeys (company_id, domain_id, visitor_id, first_visit_at, last_visit_at) values (%L, %L, 'visitor-x1', now(), now())$$,
  tests.company_id('empresa-b'), (select domain_id from fixture where company = 'empresa-b')), '42501', null, 'visitor_journeys: A cannot insert');
select throws_ok('update lead.visitor_journeys set converted = true', '42501', null, 'visitor_journeys: A cannot update');
select throws_ok('delete from lead.visitor_journeys', '42501', null, 'visitor_journeys: A cannot delete');

select isnt_empty(format('select 1 from lead.sessions where company_id = %L', tests.company_id('empresa-a')), 'sessions: A reads its own');
select is_empty(format('select 1 from lead.sessions where company_id = %L', tests.company_id('empresa-b')), 'sessions: A cannot read B''s');
select throws_ok(format($$insert into lead.sessions (company_id, id, domain_id, journey_id, visitor_id, started_at, last_activity_at) values (%L, 'session-x1', %L, %L, 'visitor-x1', now(), now())$$,
  tests.company_id('empresa-b'), (select domain_id from fixture where company = 'empresa-b'), (select journey_id from fixture where company = 'empresa-b')),
  '42501', null, 'sessions: A cannot insert');
select throws_ok('update lead.sessions set converted = true', '42501', null, 'sessions: A cannot update');
select throws_ok('delete from lead.sessions', '42501', null, 'sessions: A cannot delete');

select isnt_empty(format('select 1 from lead.utm_touches where company_id = %L', tests.company_id('empresa-a')), 'utm_touches: A reads its own');
select is_empty(format('select 1 from lead.utm_touches where company_id = %L', tests.company_id('empresa-b')), 'utm_touches: A cannot read B''s');
select throws_ok(format($$insert into lead.utm_touches (company_id, domain_id, session_id, visitor_id, journey_id, channel) values (%L, %L, 'session-empresa-b', 'visitor-x1', %L, 'direct')$$,
  tests.company_id('empresa-b'), (select domain_id from fixture where company = 'empresa-b'), (select journey_id from fixture where company = 'empresa-b')),
  '42501', null, 'utm_touches: A cannot insert');
select throws_ok('update lead.utm_touches set lead_id = null', '42501', null, 'utm_touches: A cannot update');
select throws_ok('delete from lead.utm_touches', '42501', null, 'utm_touches: A cannot delete');

select isnt_empty(format('select 1 from lead.page_views where company_id = %L', tests.company_id('empresa-a')), 'page_views: A reads its own');
select is_empty(format('select 1 from lead.page_views where company_id = %L', tests.company_id('empresa-b')), 'page_views: A cannot read B''s');
select throws_ok(format($$insert into lead.page_views (company_id, domain_id, session_id, client_event_id, page_url, page_path, view_order) values (%L, %L, 'session-empresa-b', 'pv-x', 'https://x/', '/', 1)$$,
  tests.company_id('empresa-b'), (select domain_id from fixture where company = 'empresa-b')), '42501', null, 'page_views: A cannot insert');
select throws_ok('update lead.page_views set exit_page = false', '42501', null, 'page_views: A cannot update');
select throws_ok('delete from lead.page_views', '42501', null, 'page_views: A cannot delete');

select isnt_empty(format('select 1 from lead.web_events where company_id = %L', tests.company_id('empresa-a')), 'web_events: A reads its own');
select is_empty(format('select 1 from lead.web_events where company_id = %L', tests.company_id('empresa-b')), 'web_events: A cannot read B''s');
select throws_ok(format($$insert into lead.web_events (company_id, domain_id, session_id, client_event_id, event_type) values (%L, %L, 'session-empresa-b', 'ev-x', 'click')$$,
  tests.company_id('empresa-b'), (select domain_id from fixture where company = 'empresa-b')), '42501', null, 'web_events: A cannot insert');
select throws_ok('update lead.web_events set event_label = null', '42501', null, 'web_events: A cannot update');
select throws_ok('delete from lead.web_events', '42501', null, 'web_events: A cannot delete');

-- a partition read directly exposes nothing either
select throws_ok(format('select 1 from partitions.%I', 'lead_page_views_y' || to_char(now(), 'YYYY') || 'm' || to_char(now(), 'MM')),
  '42501', null, 'a page_views partition read directly: permission denied');
select throws_ok(format('select 1 from partitions.%I', 'lead_utm_touches_y' || to_char(now(), 'YYYY') || 'm' || to_char(now(), 'MM')),
  '42501', null, 'a utm_touches partition read directly: permission denied');

-- secrets and service-only registries
select throws_ok('select visitor_key from lead.tracking_settings', '42501', null, 'tracking_settings: members cannot read the visitor key');
select throws_ok('select 1 from lead.tracking_settings', '42501', null, 'tracking_settings: members read nothing of it');
select throws_ok('select 1 from ops.partitioned_tables', '42501', null, 'partitioned_tables: members read nothing of it');
select throws_ok('select 1 from lead.capture_rate_limits', '42501', null, 'capture_rate_limits: members read nothing of it');
select throws_ok('select 1 from ops.personal_data_locations', '42501', null, 'personal_data_locations: members read nothing of it');

-- privacy settings and the erasure log
select isnt_empty(format('select 1 from ops.privacy_settings where company_id = %L', tests.company_id('empresa-a')), 'privacy_settings: A reads its own');
select is_empty(format('select 1 from ops.privacy_settings where company_id = %L', tests.company_id('empresa-b')), 'privacy_settings: A cannot read B''s');
select throws_ok(format($$insert into ops.privacy_settings (company_id, retention_months) values (%L, 3)$$, tests.company_id('empresa-b')),
  '42501', 'new row violates row-level security policy for table "privacy_settings"', 'privacy_settings: A cannot write one for B');
with changed as (update ops.privacy_settings set retention_months = 1 where company_id = tests.company_id('empresa-b') returning 1)
select is(count(*)::int, 0, 'privacy_settings: A changes none of B''s') from changed;
select isnt_empty(format('select 1 from ops.erasure_log where company_id = %L', tests.company_id('empresa-a')), 'erasure_log: an admin of A reads A''s');
select is_empty(format('select 1 from ops.erasure_log where company_id = %L', tests.company_id('empresa-b')), 'erasure_log: A cannot read B''s');
select throws_ok(format($$insert into ops.erasure_log (company_id, subject_kind, subject_hash, leads, rows_changed) values (%L, 'email', lead.sha256_hex('x'), 0, '{}')$$,
  tests.company_id('empresa-a')), '42501', null, 'erasure_log: nobody writes it directly');

-- leads: the capture columns are not member-writable
select throws_ok(format($$update lead.leads set email_mid = 'm1', first_touch_id = gen_random_uuid(), first_touch_at = now() where company_id = %L$$,
  tests.company_id('empresa-a')), '42501', null, 'leads: members cannot write first/last touch or email_mid');

-- a viewer of A reads, but adds no site
select tests.authenticate_as('vera@a.test');
select isnt_empty('select 1 from lead.domains', 'domains: a viewer reads the company''s sites');
select throws_ok(format($$insert into lead.domains (company_id, domain_name, domain_url) values (%L, 'v.test', 'https://v.test')$$,
  tests.company_id('empresa-a')), '42501', 'new row violates row-level security policy for table "domains"', 'domains: a viewer adds none');
with changed as (update lead.domains set is_active = false returning 1)
select is(count(*)::int, 0, 'domains: a viewer changes none') from changed;
select throws_ok(format($$select lead.rotate_site_key(%L)$$, (select domain_id from fixture where company = 'empresa-a')),
  '42501', null, 'domains: a viewer rotates no key');

-- B sees only B
select tests.authenticate_as('bruno@b.test');
select is((select count(*)::int from lead.sessions), 1, 'sessions: B reads exactly its one session');
select is((select count(*)::int from lead.utm_touches), 1, 'utm_touches: B reads exactly its one touch');
select is((select array_agg(distinct company_id) from lead.page_views), array[tests.company_id('empresa-b')], 'page_views: B reads only B''s');

-- anon reads nothing at all
select tests.authenticate_as_anon();
select throws_ok('select 1 from lead.domains', '42501', null, 'anon: domains');
select throws_ok('select 1 from lead.landing_pages', '42501', null, 'anon: landing_pages');
select throws_ok('select 1 from lead.sessions', '42501', null, 'anon: sessions');
select throws_ok('select 1 from lead.visitor_journeys', '42501', null, 'anon: visitor_journeys');
select throws_ok('select 1 from lead.utm_touches', '42501', null, 'anon: utm_touches');
select throws_ok('select 1 from lead.page_views', '42501', null, 'anon: page_views');
select throws_ok('select 1 from lead.web_events', '42501', null, 'anon: web_events');
select throws_ok('select 1 from lead.tracking_settings', '42501', null, 'anon: tracking_settings');

-- service role writes them (the edge functions' RPCs)
select tests.authenticate_as_service_role();
select lives_ok(format($$update lead.sessions set total_events = 1 where company_id = %L$$, tests.company_id('empresa-b')), 'service_role: writes sessions');

select * from finish();
rollback;
