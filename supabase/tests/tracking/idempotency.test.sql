-- lead.ingest_tracking_batch is idempotent on client event ids, looked up among the session's own page
-- views and events (migration 20261211000600): a retried batch answers its duplicates and writes
-- nothing, not even the session's last activity; a batch mixing old and new ids writes the new ones
-- only, numbered after the old; a page leave raises time on page and scroll depth and never lowers
-- them, so replaying an older leave changes nothing; ids are scoped to their session. The receipts
-- ledger and its cron job are gone. (Two copies of one batch at the same moment: the Deno test
-- track/idempotency.test.ts, which needs two connections.)
begin;
\ir ../_helpers/install.psql
select plan(17);

select tests.create_company('Empresa A', 'empresa-a');
create temp table site on commit drop as
with d as (
  insert into lead.domains (company_id, domain_name, domain_url, allowed_origins)
  values (tests.company_id('empresa-a'), 'site a', 'https://a.test', array['https://a.test'])
  returning site_key
) select site_key from d;

-- What track's handler sends (track/handler.ts ingestBatch): page views at `at` ms apart, events, leaves.
create function pg_temp.batch(sess text, views text[], events text[], leaves jsonb default '[]') returns jsonb language sql as $f$
  select jsonb_build_object(
    'site_key', (select site_key from site), 'origin', 'https://a.test', 'session_id', sess, 'visitor_id', 'visitor-' || sess,
    'context', null, 'client_ip', '203.0.113.7', 'user_agent', 'Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0',
    'device', 'desktop', 'browser', 'Chrome', 'os', 'Linux',
    'page_views', coalesce((select jsonb_agg(jsonb_build_object(
      'id', v, 'at', (extract(epoch from now()) * 1000)::bigint + n, 'url', 'https://a.test/' || v, 'page_key', 'https://a.test/' || v,
      'path', '/' || v, 'title', v, 'referrer', null,
      'touch', jsonb_build_object('url_params', '{}'::jsonb, 'channel', 'direct')) order by n)
      from unnest(views) with ordinality as x (v, n)), '[]'),
    'leaves', leaves,
    'events', coalesce((select jsonb_agg(jsonb_build_object(
      'id', e, 'at', (extract(epoch from now()) * 1000)::bigint, 'type', 'click', 'url', 'https://a.test/', 'page_key', 'https://a.test/',
      'action', 'cta', 'label', e))
      from unnest(events) as e), '[]'))
$f$;
create function pg_temp.leave(view_id text, seconds integer, depth integer) returns jsonb language sql as $f$
  select jsonb_build_object('id', 'leave-' || view_id || '-' || seconds, 'view_id', view_id, 'at', 0,
                            'time_on_page', seconds, 'scroll_depth', depth)
$f$;
create function pg_temp.session_row(sess text) returns text language sql as $f$
  select row (s.*)::text || row (j.*)::text from lead.sessions s join lead.visitor_journeys j on j.id = s.journey_id where s.id = sess
$f$;
create function pg_temp.footprint(sess text) returns text language sql as $f$
  select format('%s views %s events %s touches %s',
    (select count(*) from lead.page_views where session_id = sess), (select count(*) from lead.web_events where session_id = sess),
    (select count(*) from lead.utm_touches where session_id = sess), pg_temp.session_row(sess))
$f$;

select is(lead.ingest_tracking_batch(pg_temp.batch('sess-idem-aaaa', array['view-a-1', 'view-a-2'], array['click-a-1'],
                                                   jsonb_build_array(pg_temp.leave('view-a-1', 12, 50)))),
  '{"status": "accepted", "page_views": 2, "events": 1, "touches": 1, "duplicates": 0}'::jsonb, 'the first copy is written');

-- The same batch again, later (the snippet's retry): nothing at all is written.
create temp table before on commit drop as select pg_temp.footprint('sess-idem-aaaa') as f;
update lead.sessions set last_activity_at = last_activity_at - interval '1 minute' where id = 'sess-idem-aaaa';
update lead.visitor_journeys set last_visit_at = last_visit_at - interval '1 minute' where visitor_id = 'visitor-sess-idem-aaaa';
update before set f = pg_temp.footprint('sess-idem-aaaa');
select is(lead.ingest_tracking_batch(pg_temp.batch('sess-idem-aaaa', array['view-a-1', 'view-a-2'], array['click-a-1'],
                                                   jsonb_build_array(pg_temp.leave('view-a-1', 12, 50)))),
  '{"status": "accepted", "page_views": 0, "events": 0, "touches": 0, "duplicates": 4}'::jsonb, 'a retry answers four duplicates');
select is(pg_temp.footprint('sess-idem-aaaa'), (select f from before),
  'and writes nothing: rows, totals, last activity and the journey as they were');

-- Old and new ids together: only the new are written, numbered after the old.
select is(lead.ingest_tracking_batch(pg_temp.batch('sess-idem-aaaa', array['view-a-2', 'view-a-3'], array['click-a-1', 'click-a-2'])),
  '{"status": "accepted", "page_views": 1, "events": 1, "touches": 0, "duplicates": 2}'::jsonb, 'a mixed batch writes its new ids');
select results_eq($$select client_event_id, view_order, exit_page from lead.page_views where session_id = 'sess-idem-aaaa' order by view_order$$,
  $$values ('view-a-1', 1, false), ('view-a-2', 2, false), ('view-a-3', 3, true)$$,
  'each view once, in order, the newest the exit page');
select is((select count(*)::int from lead.web_events where session_id = 'sess-idem-aaaa'), 2, 'each click once');
select results_eq($$select s.total_page_views, s.total_events, j.total_page_views from lead.sessions s
                    join lead.visitor_journeys j on j.id = s.journey_id where s.id = 'sess-idem-aaaa'$$,
  $$values (3, 2, 3)$$, 'the session''s and the journey''s totals count each once');

-- Leaves: running maxima. A later, larger leave raises; an older, smaller one arriving after it changes nothing.
select is(lead.ingest_tracking_batch(pg_temp.batch('sess-idem-aaaa', '{}', '{}', jsonb_build_array(pg_temp.leave('view-a-1', 40, 90)))),
  '{"status": "accepted", "page_views": 0, "events": 0, "touches": 0, "duplicates": 0}'::jsonb, 'a new leave is applied');
select results_eq($$select time_on_page, scroll_depth from lead.page_views where client_event_id = 'view-a-1'$$,
  $$values (40, 90)$$, 'time on page and scroll depth raised');
update before set f = pg_temp.footprint('sess-idem-aaaa');
select is(lead.ingest_tracking_batch(pg_temp.batch('sess-idem-aaaa', '{}', '{}', jsonb_build_array(pg_temp.leave('view-a-1', 12, 50)))),
  '{"status": "accepted", "page_views": 0, "events": 0, "touches": 0, "duplicates": 1}'::jsonb,
  'the older leave replayed is a duplicate');
select results_eq($$select time_on_page, scroll_depth from lead.page_views where client_event_id = 'view-a-1'$$,
  $$values (40, 90)$$, 'and lowers nothing');
select is(pg_temp.footprint('sess-idem-aaaa'), (select f from before), 'nor touches the session');
select is(lead.ingest_tracking_batch(pg_temp.batch('sess-idem-aaaa', '{}', '{}', jsonb_build_array(pg_temp.leave('view-a-2', 3, 95)))),
  '{"status": "accepted", "page_views": 0, "events": 0, "touches": 0, "duplicates": 0}'::jsonb,
  'a leave that raises one of the two is applied');
select results_eq($$select time_on_page, scroll_depth from lead.page_views where client_event_id = 'view-a-2'$$,
  $$values (3, 95)$$, 'with what it raises');

-- Ids belong to their session: the same ids in another session are that session's own.
select is(lead.ingest_tracking_batch(pg_temp.batch('sess-idem-bbbb', array['view-a-1'], array['click-a-1'])),
  '{"status": "accepted", "page_views": 1, "events": 1, "touches": 1, "duplicates": 0}'::jsonb, 'another session''s ids are its own');

-- The ledger is gone, and so is its housekeeping.
select hasnt_table('lead', 'tracking_receipts', 'no receipts ledger');
select is((select count(*)::int from cron.job where jobname = 'prune-tracking-receipts')
          + (select count(*)::int from ops.expected_cron_jobs where jobname = 'prune-tracking-receipts'), 0,
  'no pruning job, scheduled or expected');

select * from finish();
rollback;
