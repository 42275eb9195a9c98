-- pg_net behaviour the project relies on: http_* return a request id at once and queue the request
-- (it is sent only after commit, so inside this rolled-back transaction nothing leaves the machine).
-- Runs unchanged against the real pg_net 0.20.4 (as on Supabase) and the local stack's stand-in
-- (packages/local-stack/sql/bootstrap/50_pg_net.sql).
begin;
\ir ../_helpers/install.psql
select plan(10);

create temp table requests (label text, id bigint);

insert into requests
select 'post', net.http_post(
  url := 'http://rastro-test.invalid/hooks/post',
  body := '{"event": "conversion", "value": 10}'::jsonb,
  headers := '{"Content-Type": "application/json", "Authorization": "Bearer test-token"}'::jsonb,
  timeout_milliseconds := 2500);

select isnt((select id from requests where label = 'post'), null, 'http_post returns a request id');
select results_eq(
  $$ select q.method::text, q.url, q.headers, convert_from(q.body, 'UTF8')::jsonb, q.timeout_milliseconds
     from net.http_request_queue q join requests r on r.id = q.id where r.label = 'post' $$,
  $$ values ('POST', 'http://rastro-test.invalid/hooks/post',
             '{"Content-Type": "application/json", "Authorization": "Bearer test-token"}'::jsonb,
             '{"event": "conversion", "value": 10}'::jsonb, 2500) $$,
  'http_post queues the method, url, headers, JSON body and timeout');

insert into requests
select 'post_defaults', net.http_post(url := 'http://rastro-test.invalid/hooks/defaults', headers := '{"X-Trace": "1"}'::jsonb);
select results_eq(
  $$ select q.headers, convert_from(q.body, 'UTF8')::jsonb, q.timeout_milliseconds
     from net.http_request_queue q join requests r on r.id = q.id where r.label = 'post_defaults' $$,
  $$ values ('{"X-Trace": "1", "Content-Type": "application/json"}'::jsonb, '{}'::jsonb, 5000) $$,
  'http_post adds Content-Type: application/json, defaults the body to {} and the timeout to 5000 ms');
select throws_ok(
  $$ select net.http_post(url := 'http://rastro-test.invalid/x', headers := '{"Content-Type": "text/plain"}'::jsonb) $$,
  'P0001', 'Content-Type header must be "application/json"', 'http_post rejects a non-JSON Content-Type');

insert into requests
select 'post_params', net.http_post(url := 'http://rastro-test.invalid/hooks/params',
  params := '{"source": "cron job", "run": "a&b"}'::jsonb);
select is((select q.url from net.http_request_queue q join requests r on r.id = q.id where r.label = 'post_params'),
  'http://rastro-test.invalid/hooks/params?run=a%26b&source=cron%20job',
  'http_post appends params as a url-encoded query string');

insert into requests
select 'get', net.http_get(url := 'http://rastro-test.invalid/status?x=1', params := '{"page": "2"}'::jsonb);
select results_eq(
  $$ select q.method::text, q.url, q.body is null
     from net.http_request_queue q join requests r on r.id = q.id where r.label = 'get' $$,
  $$ values ('GET', 'http://rastro-test.invalid/status?x=1&page=2', true) $$,
  'http_get queues a GET without body and appends params to an existing query string');

insert into requests
select 'delete', net.http_delete(url := 'http://rastro-test.invalid/items/1');
select is((select q.method::text from net.http_request_queue q join requests r on r.id = q.id where r.label = 'delete'),
  'DELETE', 'http_delete queues a DELETE');

select is((select count(distinct id)::integer from requests), 5, 'every request gets its own id');
select is_empty(
  $$ select 1 from net._http_response p join requests r on r.id = p.id $$,
  'nothing is sent before the transaction commits');

set local role service_role;
select lives_ok($$ select net.http_post(url := 'http://rastro-test.invalid/hooks/service-role') $$,
  'service_role can call net.http_post');
reset role;

select * from finish();
rollback;
