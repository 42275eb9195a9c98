-- Platform bootstrap 50: a pg_net-compatible asynchronous HTTP client (pg_net is not packaged for
-- Debian).
--
-- Mirrors pg_net 0.x as found on Supabase: `net.http_get/http_post/http_delete` with the same
-- argument names, defaults and return value (a request id) insert into the unlogged
-- `net.http_request_queue`; a background worker takes requests from that table once the inserting
-- transaction has committed, performs them, and writes `net._http_response` rows that expire after
-- 6 hours. Here the worker is packages/local-stack/src/net-worker.ts (pg_net's is a C background
-- worker); it is woken at once by NOTIFY rastro_net_request (delivered on commit) and also polls.
--
-- Deliberate differences:
-- * Execute on the http_* functions goes to postgres and service_role only. Supabase also grants it
--   to anon and authenticated; this project must never rely on that, and failing here first is safer.
-- * URLs are checked with a pattern (http or https, no spaces or angle brackets) instead of libcurl's
--   parser; both reject the classic mistakes (`<PROJECT_REF>` placeholders, missing scheme).
-- * http_collect_response and the worker-management functions (wake, worker_restart, ...) are not
--   provided: the project does not call them.
-- Runs as the cluster superuser, before migrations, and is idempotent.

create schema if not exists net;
comment on schema net is 'Asynchronous HTTP requests (local stand-in for the pg_net extension).';

do $$
begin
  if to_regtype('net.http_method') is null then
    create domain net.http_method as text
      check (value ilike 'get' or value ilike 'post' or value ilike 'delete');
  end if;
  -- Part of pg_net's public types (request lifecycle); kept so code that names it compiles here too.
  if to_regtype('net.request_status') is null then
    create type net.request_status as enum ('PENDING', 'SUCCESS', 'ERROR');
  end if;
end
$$;

-- Pending requests; the worker deletes each row as it takes it. Unlogged as upstream: a crash loses
-- pending requests, which pg_net accepts too (delivery is at most once).
create unlogged table if not exists net.http_request_queue (
  id bigserial,
  method net.http_method not null,
  url text not null,
  headers jsonb,
  body bytea,
  timeout_milliseconds integer not null
);
comment on table net.http_request_queue is 'Requests waiting for the worker (pg_net internal table).';

create unlogged table if not exists net._http_response (
  id bigint,
  status_code integer,
  content_type text,
  headers jsonb,
  content text,
  timed_out boolean,
  error_msg text,
  created timestamptz not null default now()
);
comment on table net._http_response is
  'One row per finished request, id = the request id; deleted by the worker after 6 hours (pg_net.ttl).';
comment on column net._http_response.error_msg is 'Set when no HTTP response was received (timeout, refused, DNS, ...).';
-- The worker expires rows by age.
create index if not exists _http_response_created_idx on net._http_response (created);

-- Local-only: wakes the worker. NOTIFY is delivered when the inserting transaction commits, which is
-- exactly when pg_net's worker may first see the request.
create or replace function net._notify_worker() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform pg_notify('rastro_net_request', new.id::text);
  return null;
end
$$;
comment on function net._notify_worker() is 'Local-only: NOTIFY rastro_net_request for every queued request.';

create or replace trigger notify_worker
after insert on net.http_request_queue
for each row execute function net._notify_worker();

-- Mirrors pg_net's _urlencode_string (curl_escape): every byte of the UTF-8 text except
-- A-Z a-z 0-9 - . _ ~ becomes %XX.
create or replace function net._urlencode_string(string varchar) returns text
language sql immutable strict
set search_path = ''
as $$
  select coalesce(string_agg(
    case
      when b.byte between 48 and 57 or b.byte between 65 and 90 or b.byte between 97 and 122
        or b.byte in (45, 46, 95, 126)
      then chr(b.byte)
      else '%' || upper(lpad(to_hex(b.byte), 2, '0'))
    end, '' order by b.position), '')
  from (
    select i as position, get_byte(convert_to(string, 'UTF8'), i) as byte
    from generate_series(0, octet_length(convert_to(string, 'UTF8')) - 1) as i
  ) as b
$$;
comment on function net._urlencode_string(varchar) is 'Mirrors pg_net _urlencode_string (percent-encodes like curl_escape).';

-- Mirrors pg_net's _encode_url_with_params_array (curl_url with CURLU_APPENDQUERY): appends
-- already-encoded `key=value` pairs with '?' or, when the URL has a query already, '&'.
create or replace function net._encode_url_with_params_array(url text, params_array text[]) returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  if url is null or url !~* '^https?://[^\s<>"]+$' then
    raise exception 'invalid URL %: expected http(s)://host/path', quote_literal(url)
      using errcode = 'invalid_parameter_value';
  end if;
  if coalesce(cardinality(params_array), 0) = 0 then
    return url;
  end if;
  return url || case when position('?' in url) > 0 then '&' else '?' end || array_to_string(params_array, '&');
end
$$;
comment on function net._encode_url_with_params_array(text, text[]) is
  'Mirrors pg_net _encode_url_with_params_array: validates url and appends the encoded params as a query string.';

-- Local-only helper: params jsonb -> url-encoded key=value pairs, in jsonb key order like upstream.
create or replace function net._url_with_params(url text, params jsonb) returns text
language sql immutable
set search_path = ''
as $$
  select net._encode_url_with_params_array(
    url,
    array(select net._urlencode_string(p.key) || '=' || net._urlencode_string(p.value)
          from jsonb_each_text(coalesce(params, '{}'::jsonb)) as p))
$$;
comment on function net._url_with_params(text, jsonb) is 'Local-only: url with params appended as a query string.';

-- Mirrors net.http_get: queues a GET and returns its id; the request runs after commit.
create or replace function net.http_get(
  url text,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{}'::jsonb,
  timeout_milliseconds integer default 5000
) returns bigint
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  request_id bigint;
begin
  insert into net.http_request_queue (method, url, headers, timeout_milliseconds)
  values ('GET', net._url_with_params(url, params), headers, timeout_milliseconds)
  returning id into request_id;
  return request_id;
end
$$;
comment on function net.http_get(text, jsonb, jsonb, integer) is
  'Mirrors pg_net http_get: queues an asynchronous GET (params become the query string); returns the request id.';

-- Mirrors net.http_post: the body is JSON; a Content-Type header other than application/json is
-- rejected, a missing one is added, exactly as pg_net does.
create or replace function net.http_post(
  url text,
  body jsonb default '{}'::jsonb,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
  timeout_milliseconds integer default 5000
) returns bigint
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  content_type text;
  request_id bigint;
begin
  select h.value into content_type
  from jsonb_each_text(coalesce(headers, '{}'::jsonb)) as h
  where lower(h.key) = 'content-type'
  limit 1;
  if content_type is null then
    headers := coalesce(headers, '{}'::jsonb) || '{"Content-Type": "application/json"}'::jsonb;
  elsif content_type <> 'application/json' then
    raise exception 'Content-Type header must be "application/json"';
  end if;
  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values ('POST', net._url_with_params(url, params), headers, convert_to(body::text, 'UTF8'), timeout_milliseconds)
  returning id into request_id;
  return request_id;
end
$$;
comment on function net.http_post(text, jsonb, jsonb, jsonb, integer) is
  'Mirrors pg_net http_post: queues an asynchronous JSON POST (params become the query string); returns the request id.';

-- Mirrors net.http_delete (pg_net 0.12+ signature, with the optional JSON body last).
create or replace function net.http_delete(
  url text,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{}'::jsonb,
  timeout_milliseconds integer default 5000,
  body jsonb default null
) returns bigint
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  request_id bigint;
begin
  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values ('DELETE', net._url_with_params(url, params), headers, convert_to(body::text, 'UTF8'), timeout_milliseconds)
  returning id into request_id;
  return request_id;
end
$$;
comment on function net.http_delete(text, jsonb, jsonb, integer, jsonb) is
  'Mirrors pg_net http_delete: queues an asynchronous DELETE; returns the request id.';

-- Grants: see the header. Responses are readable by postgres and service_role, like on Supabase.
revoke all on schema net from public;
revoke all on all tables in schema net from public;
revoke execute on all functions in schema net from public;
grant usage on schema net to postgres, service_role;
grant select, delete on net.http_request_queue, net._http_response to postgres, service_role;
grant execute on function
  net.http_get(text, jsonb, jsonb, integer),
  net.http_post(text, jsonb, jsonb, jsonb, integer),
  net.http_delete(text, jsonb, jsonb, integer, jsonb)
  to postgres, service_role;
