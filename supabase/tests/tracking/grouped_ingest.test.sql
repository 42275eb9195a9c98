-- lead.ingest_tracking_batches (migration 20261211000300) writes a group of track batches as the same
-- batches one by one would: answers in order, a later batch of a session sees the earlier one, a
-- refused batch (unknown key) writes nothing and leaves the others alone, a repeated group writes
-- nothing twice; only service_role may call it, and both functions run on generic plans.
begin;
\ir ../_helpers/install.psql
select plan(10);

select tests.create_company('Empresa A', 'empresa-a');
create temp table site on commit drop as
with d as (
  insert into lead.domains (company_id, domain_name, domain_url, allowed_origins)
  values (tests.company_id('empresa-a'), 'site a', 'https://a.test', array['https://a.test'])
  returning site_key
) select site_key from d;

-- What track's handler sends (track/handler.ts ingestBatch): one page view, or one page view and a click.
create function pg_temp.batch(key text, sess text, ids text[]) returns jsonb language sql as $f$
  select jsonb_build_object(
    'site_key', key, 'origin', 'https://a.test', 'session_id', sess, 'visitor_id', 'visitor-' || sess,
    'context', null, 'client_ip', '203.0.113.7', 'user_agent', 'Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0',
    'device', 'desktop', 'browser', 'Chrome', 'os', 'Linux',
    'page_views', jsonb_build_array(jsonb_build_object(
      'id', ids[1], 'at', (extract(epoch from now()) * 1000)::bigint, 'url', 'https://a.test/p?utm_source=news',
      'page_key', 'https://a.test/p', 'path', '/p', 'title', 'P', 'referrer', null,
      'touch', jsonb_build_object('utm_source', 'news', 'url_params', '{}'::jsonb, 'channel', 'campaign'))),
    'leaves', '[]'::jsonb,
    'events', case when cardinality(ids) > 1 then jsonb_build_array(jsonb_build_object(
      'id', ids[2], 'at', (extract(epoch from now()) * 1000)::bigint, 'type', 'click', 'url', 'https://a.test/p',
      'page_key', 'https://a.test/p', 'action', 'cta', 'label', 'Buy')) else '[]'::jsonb end)
$f$;

create temp table answers on commit drop as
select lead.ingest_tracking_batches(jsonb_build_array(
  pg_temp.batch((select site_key from site), 'sess-one-aaaa', array['view-aaaaaaaa-1']),
  pg_temp.batch('rk_' || repeat('0', 32), 'sess-two-bbbb', array['view-bbbbbbbb-1']),
  pg_temp.batch((select site_key from site), 'sess-one-aaaa', array['view-aaaaaaaa-2', 'click-aaaaaaa-1']))) as a;

select is((select jsonb_array_length(a) from answers), 3, 'one answer per batch');
select results_eq($$select x ->> 'status' from answers, jsonb_array_elements(a) with ordinality as e (x, n) order by n$$,
  $$values ('accepted'), ('unknown_site_key'), ('accepted')$$, 'in order, the unknown key refused on its own');
select is((select count(*)::int from lead.sessions where id like 'sess-%'), 1, 'the refused batch wrote no session');
select is((select total_page_views from lead.sessions where id = 'sess-one-aaaa'), 2,
  'the later batch of the session saw the earlier one: two page views in one session');
select results_eq($$select view_order from lead.page_views where session_id = 'sess-one-aaaa' order by view_order$$,
  $$values (1), (2)$$, 'numbered in the order given');
select is((select count(*)::int from lead.web_events where session_id = 'sess-one-aaaa'), 1, 'and its click written');

-- The same group again (a retry) writes nothing twice.
select lead.ingest_tracking_batches(jsonb_build_array(
  pg_temp.batch((select site_key from site), 'sess-one-aaaa', array['view-aaaaaaaa-1']),
  pg_temp.batch((select site_key from site), 'sess-one-aaaa', array['view-aaaaaaaa-2', 'click-aaaaaaa-1'])));
select is((select count(*)::int from lead.page_views where session_id = 'sess-one-aaaa')
          + (select count(*)::int from lead.web_events where session_id = 'sess-one-aaaa'), 3, 'a repeated group adds nothing');

select throws_ok($$select lead.ingest_tracking_batches('{"site_key": "x"}'::jsonb)$$, '22023', null, 'anything but an array is refused');

select ok((select bool_and(proconfig @> array['plan_cache_mode=force_generic_plan']) from pg_proc
           where oid in ('lead.ingest_tracking_batches(jsonb)'::regprocedure, 'lead.ingest_tracking_batch(jsonb)'::regprocedure)),
  'both run on their generic plans');

set local role authenticated;
select throws_ok($$select lead.ingest_tracking_batches('[]'::jsonb)$$, '42501', null, 'only the service writes batches');
reset role;

select * from finish();
rollback;
