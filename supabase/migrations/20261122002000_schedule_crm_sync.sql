-- CRM sync operations: the pg_cron schedules of crm-sync-worker and two server-side levers on the
-- crm_sync queue (release held-back messages; re-drive dead letters).
--
-- crm-sync-worker drains crm_sync for most of a minute per call (pg_cron 1.4 has minute granularity),
-- and lead._enqueue_crm_sync kicks it on every enqueue, so the every-minute job is the safety net of a
-- lost kick and of messages whose retry time has come. The pull job runs every 15 minutes.

-- ---- helper functions -----------------------------------------------------------------------------

create function lead.release_crm_sync(company_id uuid) returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  released integer;
begin
  -- Messages the worker put off (rate limit, backoff, refused credentials) become visible now.
  with waiting as (
    select q.msg_id
    from pgmq.q_crm_sync q
    where q.message ->> 'company_id' = release_crm_sync.company_id::text
      and q.vt > clock_timestamp()
  )
  select count(*)::integer into released
  from waiting w
  cross join lateral pgmq.set_vt('crm_sync', w.msg_id, 0);

  update lead.lead_sync s
  set next_attempt_at = now()
  where s.company_id = release_crm_sync.company_id and s.status = 'pending';

  if released > 0 then
    begin
      perform ops.invoke_edge_function('crm-sync-worker', jsonb_build_object('trigger', 'release', 'messages', released));
    exception when others then
      raise warning 'could not kick crm-sync-worker: %', sqlerrm;
    end;
  end if;
  return released;
end
$$;
comment on function lead.release_crm_sync(uuid) is
  'Server-only. Makes the company''s crm_sync messages that wait for a retry visible now and kicks the worker; called when an admin saves new Dinamize credentials. Returns how many were released.';

create function lead.redrive_failed_crm_sync(company_id uuid default null) returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  messages jsonb[];
begin
  -- Dead letters (lead_sync failed, their message archived) go back to pending with a fresh message,
  -- for companies whose integration is still active. The archived message stays as history.
  with redriven as (
    update lead.lead_sync s
    set status = 'pending', attempts = 0, last_error = null, next_attempt_at = now(), integration_id = i.id
    from ops.integrations i
    where s.status = 'failed'
      and (redrive_failed_crm_sync.company_id is null or s.company_id = redrive_failed_crm_sync.company_id)
      and i.company_id = s.company_id and i.provider = s.provider and i.sync_enabled and i.has_credentials
    returning s.id, s.lead_id, s.company_id, s.provider, s.external_id
  )
  select array_agg(jsonb_build_object('lead_id', r.lead_id, 'company_id', r.company_id, 'lead_sync_id', r.id,
                                      'provider', r.provider,
                                      'operation', case when r.external_id is null then 'add' else 'update' end)
                   order by r.lead_id)
  into messages
  from redriven r;
  if messages is null then
    return 0;
  end if;

  perform pgmq.send_batch('crm_sync', messages);
  begin
    perform ops.invoke_edge_function('crm-sync-worker', jsonb_build_object('trigger', 'redrive', 'messages', cardinality(messages)));
  exception when others then
    raise warning 'could not kick crm-sync-worker: %', sqlerrm;
  end;
  return cardinality(messages);
end
$$;
comment on function lead.redrive_failed_crm_sync(uuid) is
  'Server-only (runbook). Puts failed lead_sync rows (all companies, or one) back to pending with attempts 0 and a new crm_sync message, then kicks the worker. Returns how many were re-driven.';

-- ---- cron jobs --------------------------------------------------------------------------------------

-- Re-runnable: drop the named jobs if they exist, then schedule them again.
select cron.unschedule(j.jobname) from cron.job j where j.jobname in ('crm-sync-push', 'crm-sync-pull');

select cron.schedule(
  'crm-sync-push',
  '* * * * *',
  $cmd$select ops.invoke_edge_function('crm-sync-worker', '{"mode": "push"}'::jsonb, 60000)$cmd$
);
select cron.schedule(
  'crm-sync-pull',
  '*/15 * * * *',
  $cmd$select ops.invoke_edge_function('crm-sync-worker', '{"mode": "pull"}'::jsonb, 60000)$cmd$
);

-- ---- grants -----------------------------------------------------------------------------------------

revoke execute on function lead.release_crm_sync(uuid), lead.redrive_failed_crm_sync(uuid) from public, anon, authenticated;
grant execute on function lead.release_crm_sync(uuid), lead.redrive_failed_crm_sync(uuid) to service_role;
