-- Operations views: what the queues hold, what was dead-lettered, what the workers did last and which
-- integrations are failing. The console's Operations page reads them; so can Supabase Studio (each
-- view and column carries a comment).
--
-- Who sees what (docs/decisions/0006-ops-views.md):
--   * a company admin (core.is_company_admin()) sees their current company: the messages whose
--     top-level company_id is theirs, their dead letters, their failing integrations, and the last run
--     of every worker without its error text (runs are cross-tenant: the text may name other
--     companies' records);
--   * a role that bypasses RLS (service_role, and postgres in Studio) sees every company and the
--     error texts;
--   * everyone else (viewers, sales, members without a company, anon) sees nothing.
-- Every view is security_invoker, so the caller's own privileges and RLS apply; the two facts RLS
-- cannot express (the pgmq queue tables, which belong to pgmq, and the cross-tenant ops.worker_runs)
-- come from security definer functions that decide the scope from the caller, never from an argument.

-- ---- who is asking ---------------------------------------------------------------------------------

create function ops.caller_sees_all_companies() returns boolean
language sql stable set search_path = ''
as $$
  -- The role the statement runs as: SET ROLE / PostgREST's role setting, else the login role. Read
  -- from the `role` setting because inside a security definer function current_user is the owner.
  select coalesce((
    select r.rolsuper or r.rolbypassrls
    from pg_catalog.pg_roles r
    where r.rolname = coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user)
  ), false)
$$;
comment on function ops.caller_sees_all_companies() is
  'True when the role running the statement bypasses RLS (service_role; postgres in Studio): the ops views then show every company and the error texts. Also correct when called from a security definer function, because it reads the role setting, not current_user.';

-- ---- queue depth -----------------------------------------------------------------------------------

create function ops.queue_depth_rows()
returns table (
  queue_name text,
  depth bigint,
  visible bigint,
  oldest_enqueued_at timestamptz,
  newest_enqueued_at timestamptz,
  oldest_message_age_seconds integer,
  max_read_ct integer,
  dead_letters bigint,
  last_dead_at timestamptz
)
-- volatile: "visible" and the age are measured at the moment of reading (clock_timestamp(), as
-- pgmq.read decides visibility), not at the start of the caller's transaction.
language plpgsql volatile security definer set search_path = ''
as $$
#variable_conflict use_column
declare
  scope uuid; -- the company whose messages count; null: every message
  per_queue text;
  counted jsonb;
begin
  if not ops.caller_sees_all_companies() then
    if not core.is_company_admin() then
      return;
    end if;
    scope := core.current_company_id();
  end if;

  -- One aggregate per queue table, pgmq.q_<name> lower-cased as pgmq.format_table_name names it,
  -- glued into one statement: one round of scans whatever the number of queues. The dynamic part
  -- only counts (into one jsonb value); the rows are then built by static SQL that plpgsql_check
  -- can verify.
  select string_agg(format(
      $q$select %L::text as queue_name, count(*) as depth, count(*) filter (where m.vt <= clock_timestamp()) as visible,
               min(m.enqueued_at) as oldest_enqueued_at, max(m.enqueued_at) as newest_enqueued_at, max(m.read_ct) as max_read_ct
         from pgmq.%I m where $1 is null or m.message ->> 'company_id' = $1::text$q$,
      q.queue_name, lower('q_' || q.queue_name)), e' union all ' order by q.queue_name)
    into per_queue
  from pgmq.list_queues() q;
  if per_queue is null then
    return;
  end if;
  execute format('select jsonb_agg(to_jsonb(c)) from (%s) c', per_queue) into counted using scope;

  return query
  with per_queue_counts as (
    select c.*
    from jsonb_to_recordset(counted) as c (queue_name text, depth bigint, visible bigint, oldest_enqueued_at timestamptz,
                                           newest_enqueued_at timestamptz, max_read_ct integer)
  ),
  dead as (
    select d.queue_name, count(*) as dead_letters, max(d.dead_at) as last_dead_at
    from ops.dead_letters d
    where scope is null or d.company_id = scope
    group by d.queue_name
  )
  select c.queue_name, c.depth, c.visible, c.oldest_enqueued_at, c.newest_enqueued_at,
         extract(epoch from clock_timestamp() - c.oldest_enqueued_at)::integer,
         c.max_read_ct, coalesce(d.dead_letters, 0), d.last_dead_at
  from per_queue_counts c
  left join dead d on d.queue_name = c.queue_name
  order by c.queue_name;
end
$$;
comment on function ops.queue_depth_rows() is
  'Rows of ops.queue_depth. Security definer (the pgmq queue tables are not readable by members); the scope comes from the caller: every message for roles that bypass RLS, the current company''s messages (top-level company_id) for its admins, nothing for anyone else.';

create view ops.queue_depth with (security_invoker = true) as
  select * from ops.queue_depth_rows();
comment on view ops.queue_depth is
  'One row per pgmq queue: how many messages wait, how many are visible now, the age of the oldest, and the dead letters taken off it. Company admins count only their company''s messages (top-level company_id); service_role counts all. Viewers and other roles get no rows.';
comment on column ops.queue_depth.queue_name is 'The pgmq queue (table pgmq.q_<queue_name>).';
comment on column ops.queue_depth.depth is 'Messages on the queue (visible now, being processed, or delayed).';
comment on column ops.queue_depth.visible is 'Messages a worker can read now (vt has passed); depth - visible are in flight or waiting for a retry.';
comment on column ops.queue_depth.oldest_enqueued_at is 'When the oldest message still on the queue was sent; null when the queue is empty.';
comment on column ops.queue_depth.newest_enqueued_at is 'When the newest message still on the queue was sent.';
comment on column ops.queue_depth.oldest_message_age_seconds is 'Seconds since the oldest message was sent: a growing figure means the worker is not keeping up or not running.';
comment on column ops.queue_depth.max_read_ct is 'The most times one waiting message has been read: a high figure means a message keeps failing.';
comment on column ops.queue_depth.dead_letters is 'Messages of this queue given up on (ops.dead_letters), ever.';
comment on column ops.queue_depth.last_dead_at is 'When the last of them was given up on.';

-- ---- dead letters per queue ------------------------------------------------------------------------

create view ops.dead_letter_summary with (security_invoker = true) as
  select distinct on (d.queue_name, d.company_id)
    d.queue_name,
    d.company_id,
    count(*) over (partition by d.queue_name, d.company_id) as dead_letters,
    d.dead_at as last_dead_at,
    d.worker as last_worker,
    d.msg_id as last_msg_id,
    d.read_ct as last_read_ct,
    d.last_error
  from ops.dead_letters d
  order by d.queue_name, d.company_id, d.dead_at desc, d.id desc;
comment on view ops.dead_letter_summary is
  'Dead letters per queue and company with the latest one''s error. Over ops.dead_letters, whose RLS applies: company admins see their company, service_role all (rows with a null company are messages that named none).';
comment on column ops.dead_letter_summary.queue_name is 'The pgmq queue the messages were taken off.';
comment on column ops.dead_letter_summary.company_id is 'The company the messages named (top-level company_id); null for messages that named none (service_role only).';
comment on column ops.dead_letter_summary.dead_letters is 'How many messages of this queue and company were given up on.';
comment on column ops.dead_letter_summary.last_dead_at is 'When the latest was given up on.';
comment on column ops.dead_letter_summary.last_worker is 'The worker that gave up on the latest.';
comment on column ops.dead_letter_summary.last_msg_id is 'The pgmq message id of the latest (it is kept in pgmq.a_<queue_name>).';
comment on column ops.dead_letter_summary.last_read_ct is 'How many times the latest had been read when it was given up on.';
comment on column ops.dead_letter_summary.last_error is 'Why the worker gave up on the latest, as the worker wrote it.';

-- ---- last run per worker ---------------------------------------------------------------------------

create function ops.worker_last_run_rows()
returns table (
  worker text,
  started_at timestamptz,
  finished_at timestamptz,
  duration_ms integer,
  outcome text,
  processed integer,
  succeeded integer,
  failed integer,
  retried integer,
  runs_last_24h bigint,
  error_runs_last_24h bigint,
  last_error text
)
language sql stable security definer set search_path = ''
as $$
  with scope as (
    select ops.caller_sees_all_companies() as sees_all, core.is_company_admin() as is_admin
  ),
  last_run as (
    select distinct on (r.worker) r.*
    from ops.worker_runs r
    order by r.worker, r.started_at desc, r.id desc
  ),
  recent as (
    select r.worker, count(*) as runs, count(*) filter (where r.error is not null) as error_runs
    from ops.worker_runs r
    where r.started_at > now() - interval '24 hours'
    group by r.worker
  )
  select l.worker, l.started_at, l.finished_at,
         (extract(epoch from l.finished_at - l.started_at) * 1000)::integer,
         case
           when l.error is not null then 'error'
           when l.finished_at is not null then 'ok'
           when l.started_at > now() - interval '10 minutes' then 'running'
           else 'unfinished'
         end,
         l.processed, l.succeeded, l.failed, l.retried,
         coalesce(c.runs, 0), coalesce(c.error_runs, 0),
         case when s.sees_all then l.error end
  from last_run l
  cross join scope s
  left join recent c on c.worker = l.worker
  where s.sees_all or s.is_admin
  order by l.worker
$$;
comment on function ops.worker_last_run_rows() is
  'Rows of ops.worker_last_runs. Security definer because ops.worker_runs is cross-tenant and closed to members; returns rows to roles that bypass RLS and to company admins, the error text only to the former.';

create view ops.worker_last_runs with (security_invoker = true) as
  select * from ops.worker_last_run_rows();
comment on view ops.worker_last_runs is
  'The last run of every queue worker (ops.worker_runs) with its counts and how the last 24 hours went. Workers serve every company, so a company admin sees the same runs as every other admin, but not their error text (it may name other companies'' records); service_role sees it.';
comment on column ops.worker_last_runs.worker is 'Worker name as it records itself, e.g. crm-sync-worker, crm-sync-worker:pull, lead-import-worker.';
comment on column ops.worker_last_runs.started_at is 'When the last run started.';
comment on column ops.worker_last_runs.finished_at is 'When it finished; null while running or when the invocation died.';
comment on column ops.worker_last_runs.duration_ms is 'finished_at - started_at in milliseconds; null while running or when the run never finished.';
comment on column ops.worker_last_runs.outcome is 'ok: finished without error; error: recorded an error (a crash, or problems with some messages); running: started in the last 10 minutes and not finished; unfinished: started earlier and never finished (the invocation died).';
comment on column ops.worker_last_runs.processed is 'Messages (or, for a pull, integrations) the run took.';
comment on column ops.worker_last_runs.succeeded is 'Of those, done.';
comment on column ops.worker_last_runs.failed is 'Of those, given up on (dead-lettered or marked failed).';
comment on column ops.worker_last_runs.retried is 'Of those, left on the queue for a later attempt.';
comment on column ops.worker_last_runs.runs_last_24h is 'Runs of this worker started in the last 24 hours.';
comment on column ops.worker_last_runs.error_runs_last_24h is 'Of those, runs that recorded an error.';
comment on column ops.worker_last_runs.last_error is 'The last run''s error text; null for company admins (service_role only).';

-- ---- failing integrations --------------------------------------------------------------------------

create view ops.failing_integrations with (security_invoker = true) as
  select
    i.id as integration_id,
    i.company_id,
    i.provider,
    i.display_name,
    i.status_message,
    i.sync_enabled,
    i.updated_at,
    f.occurred_at as last_failed_call_at,
    f.operation as last_failed_operation,
    f.status_code as last_failed_status_code,
    f.error as last_failed_error
  from ops.integrations i
  left join lateral (
    select l.occurred_at, l.operation, l.status_code, l.error
    from ops.integrations_log l
    where l.company_id = i.company_id and l.integration_id = i.id and not l.success
    order by l.occurred_at desc, l.id desc
    limit 1
  ) f on true
  where i.status = 'error'
    and (ops.caller_sees_all_companies() or (select core.is_company_admin()));
comment on view ops.failing_integrations is
  'Integrations in status error with why (status_message) and their last failing call (ops.integrations_log). RLS of ops.integrations applies and the view adds the admin check: company admins see their company''s, service_role all.';
comment on column ops.failing_integrations.integration_id is 'ops.integrations.id.';
comment on column ops.failing_integrations.company_id is 'The company the integration belongs to.';
comment on column ops.failing_integrations.provider is 'The external system, e.g. dinamize.';
comment on column ops.failing_integrations.display_name is 'The name the company gave it, if any.';
comment on column ops.failing_integrations.sync_enabled is 'Whether the company has the sync switched on (messages of a failing integration wait, they are not lost).';
comment on column ops.failing_integrations.status_message is 'Why the integration is in error, as the worker wrote it (e.g. invalid_credentials: …).';
comment on column ops.failing_integrations.updated_at is 'When the integration row last changed (its status, or its settings).';
comment on column ops.failing_integrations.last_failed_call_at is 'When its last unsuccessful call to the provider happened; null when none is logged.';
comment on column ops.failing_integrations.last_failed_operation is 'The provider operation of that call, e.g. auth, contact_add.';
comment on column ops.failing_integrations.last_failed_status_code is 'The HTTP status of that call, when there was an answer.';
comment on column ops.failing_integrations.last_failed_error is 'The error recorded for that call (redacted, never a secret).';

-- ---- grants ----------------------------------------------------------------------------------------

revoke execute on function ops.caller_sees_all_companies(), ops.queue_depth_rows(), ops.worker_last_run_rows() from public;
grant execute on function ops.caller_sees_all_companies(), ops.queue_depth_rows(), ops.worker_last_run_rows() to authenticated, service_role;
revoke all on ops.queue_depth, ops.dead_letter_summary, ops.worker_last_runs, ops.failing_integrations from public, anon;
grant select on ops.queue_depth, ops.dead_letter_summary, ops.worker_last_runs, ops.failing_integrations to authenticated, service_role;
