-- Platform bootstrap 50: a stand-in for pg_net, mirroring pg_net 0.20.4
-- (github.com/supabase/pg_net, tag v0.20.4, sql/pg_net.sql). Used only where this machine's PostgreSQL
-- has no pg_net; src/bootstrap.ts creates the real extension instead when it is installed (and
-- src/postgres.ts preloads its background worker, so src/net-worker.ts is not started).
--
-- What is the same as pg_net 0.20.4:
-- * net.http_get / http_post / http_delete: argument names, defaults, return value (the request id),
--   plpgsql bodies that run as the caller (not security definer), the Content-Type rule of http_post,
--   params appended as a url-encoded query string in jsonb key order, and `perform net.wake()`.
-- * The unlogged tables net.http_request_queue and net._http_response (same columns, the index on
--   created), the net.http_method domain and the net.request_status enum.
-- * Privileges: upstream grants USAGE on net and ALL on every table and sequence in it to PUBLIC, and
--   its functions keep PostgreSQL's default EXECUTE for PUBLIC; so does this file. (Supabase's image
--   makes the http_* functions security definer and grants them to postgres, anon, authenticated and
--   service_role.) The project never exposes `net` through the API (supabase/config.toml), calls it
--   from security definer functions owned by postgres, and its migration
--   20261201001000_grant_platform_extension_access makes sure service_role may call net.http_post.
--
-- Deliberate differences:
-- * A request is performed by packages/local-stack/src/net-worker.ts instead of pg_net's C background
--   worker; net.wake() sends NOTIFY rastro_net_request (delivered on commit, which is when pg_net's
--   worker may first see the request too), and the worker also polls.
-- * URLs are checked with a pattern (http or https, no spaces or angle brackets) instead of libcurl's
--   parser, with the same message shape ("invalid URL ...: Bad scheme"); libcurl also normalises a URL
--   (e.g. adds the trailing "/" of an empty path), this does not.
-- * Not provided, as the project does not call them: http_collect_response, _await_response,
--   check_worker_is_up, worker_restart, wait_until_running and the http_response types.
-- Runs as the cluster superuser, before migrations, on every start; idempotent. The schema comment
-- records which upstream version this stand-in mirrors (read by src/bootstrap.ts).

create schema if not exists net;
comment on schema net is 'Local stand-in for pg_net 0.20.4 (packages/local-stack/sql/bootstrap/50_pg_net.sql).';

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

-- Wakes the worker (pg_net: a latch set from C). NOTIFY is delivered when the transaction commits.
create or replace function net.wake() returns void
language plpgsql
as $$
begin
  perform pg_notify('rastro_net_request', '');
end
$$;

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
as $$
begin
  if url is null or params_array is null then
    return null;
  end if;
  if url !~* '^https?://[^\s<>"]+$' then
    raise exception 'invalid URL "%": Bad scheme', url using errcode = 'internal_error';
  end if;
  if cardinality(params_array) = 0 then
    return url;
  end if;
  return url || case when position('?' in url) > 0 then '&' else '?' end || array_to_string(params_array, '&');
end
$$;

-- Queues an asynchronous GET; params become the query string. Returns the request id.
create or replace function net.http_get(
  url text,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{}'::jsonb,
  timeout_milliseconds int default 5000
) returns bigint
language plpgsql
as $$
declare
  request_id bigint;
  params_array text[];
begin
  select coalesce(array_agg(net._urlencode_string(key) || '=' || net._urlencode_string(value)), '{}')
  into params_array
  from jsonb_each_text(params);

  insert into net.http_request_queue (method, url, headers, timeout_milliseconds)
  values ('GET', net._encode_url_with_params_array(url, params_array), headers, timeout_milliseconds)
  returning id into request_id;

  perform net.wake();
  return request_id;
end
$$;

-- Queues an asynchronous JSON POST. A Content-Type header other than application/json is refused, a
-- missing one is added.
create or replace function net.http_post(
  url text,
  body jsonb default '{}'::jsonb,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
  timeout_milliseconds int default 5000
) returns bigint
language plpgsql
as $$
declare
  request_id bigint;
  params_array text[];
  content_type text;
begin
  select h.header_value into content_type
  from jsonb_each_text(coalesce(headers, '{}'::jsonb)) as h(header_name, header_value)
  where lower(h.header_name) = 'content-type'
  limit 1;

  if content_type is null then
    headers := headers || '{"Content-Type": "application/json"}'::jsonb;
  end if;
  if content_type <> 'application/json' then
    raise exception 'Content-Type header must be "application/json"';
  end if;

  select coalesce(array_agg(net._urlencode_string(key) || '=' || net._urlencode_string(value)), '{}')
  into params_array
  from jsonb_each_text(params);

  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values ('POST', net._encode_url_with_params_array(url, params_array), headers, convert_to(body::text, 'UTF8'), timeout_milliseconds)
  returning id into request_id;

  perform net.wake();
  return request_id;
end
$$;

-- Queues an asynchronous DELETE with an optional JSON body.
create or replace function net.http_delete(
  url text,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{}'::jsonb,
  timeout_milliseconds int default 5000,
  body jsonb default null
) returns bigint
language plpgsql
as $$
declare
  request_id bigint;
  params_array text[];
begin
  select coalesce(array_agg(net._urlencode_string(key) || '=' || net._urlencode_string(value)), '{}')
  into params_array
  from jsonb_each_text(params);

  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values ('DELETE', net._encode_url_with_params_array(url, params_array), headers, convert_to(body::text, 'UTF8'), timeout_milliseconds)
  returning id into request_id;

  perform net.wake();
  return request_id;
end
$$;

-- Privileges exactly as pg_net 0.20.4 grants them (see the header).
grant usage on schema net to public;
grant all on all sequences in schema net to public;
grant all on all tables in schema net to public;
