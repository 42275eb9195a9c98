-- CRM sync state per lead (seed 004 crm_lead_sync) and the crm_sync queue.
--
-- Push: inserting a lead with sync_to_crm, or changing a contact field of one, while the company has an
-- active Dinamize integration (ops.integrations: sync_enabled and credentials stored) marks its
-- lead_sync row pending and sends one message per lead to pgmq queue `crm_sync`:
--   { "lead_id": uuid, "company_id": uuid, "lead_sync_id": uuid, "provider": "dinamize",
--     "operation": "add" | "update" }
-- then kicks the crm-sync-worker edge function (pg_cron is the fallback when the kick is lost).
-- `operation` is a hint from enqueue time: the worker re-reads lead_sync.external_id before calling.
--
-- Pull: lead.apply_crm_pull writes contacts pulled from the CRM. It sets the transaction-local setting
-- `rastro.crm_sync_origin` so those writes are not pushed straight back. Only server-side callers can
-- use that setting: the enqueue trigger ignores it for anon and authenticated requests.

-- ---- tables ---------------------------------------------------------------------------------------

create table lead.lead_sync (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null,
  lead_id uuid not null,
  integration_id uuid,
  provider text not null default 'dinamize',
  external_id text,
  status text not null default 'pending',
  attempts integer not null default 0,
  last_operation text,
  last_error text,
  next_attempt_at timestamptz,
  synced_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint provider_is_known check (provider in ('dinamize')),
  constraint status_is_known check (status in ('pending', 'synced', 'failed')),
  constraint last_operation_is_known check (last_operation in ('add', 'update')),
  constraint attempts_are_not_negative check (attempts >= 0),
  constraint one_row_per_lead_and_provider unique (lead_id, provider),
  constraint lead_belongs_to_company foreign key (company_id, lead_id) references lead.leads (company_id, id) on delete cascade,
  constraint integration_belongs_to_company foreign key (company_id, integration_id)
    references ops.integrations (company_id, id) on delete set null (integration_id)
);
comment on table lead.lead_sync is
  'Where each lead stands with an external CRM (seed 004 crm_lead_sync). pending rows have a crm_sync message on the way; workers write the rest.';
comment on column lead.lead_sync.external_id is 'The contact''s id in the CRM (Dinamize contact code), known after the first successful add or a pull.';
comment on column lead.lead_sync.status is 'pending: a change waits to be pushed; synced: the CRM has the lead as it is; failed: gave up after the worker''s last attempt (last_error says why).';
comment on column lead.lead_sync.attempts is 'Push attempts since the last change; reset to 0 when a new change is enqueued.';
comment on column lead.lead_sync.next_attempt_at is 'When the worker will try again (rate limit retry-after, backoff); informational, the queue''s visibility timeout drives it.';

-- ---- indexes --------------------------------------------------------------------------------------

create index idx_lead_sync_company_id_status on lead.lead_sync (company_id, status);
create index idx_lead_sync_company_id_external_id on lead.lead_sync (company_id, provider, external_id) where external_id is not null;
create index idx_lead_sync_integration_id on lead.lead_sync (integration_id) where integration_id is not null;

-- ---- queues ---------------------------------------------------------------------------------------

select pgmq.create('crm_sync');

-- ---- triggers -------------------------------------------------------------------------------------

create trigger lead_sync_touch_updated_at before update on lead.lead_sync
  for each row execute function core._touch_updated_at();

create function lead._enqueue_crm_sync() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  changed uuid[];
  messages jsonb[];
begin
  if nullif(current_setting('rastro.crm_sync_origin', true), '') is not null
     and coalesce(auth.role(), '') not in ('anon', 'authenticated') then
    return null;
  end if;

  if tg_op = 'INSERT' then
    select array_agg(n.id) into changed from new_rows n where n.sync_to_crm;
  else
    -- Only what the CRM stores counts as a change; stage moves and scores stay local.
    select array_agg(n.id) into changed
    from new_rows n
    join old_rows o on o.id = n.id
    where n.sync_to_crm
      and (not o.sync_to_crm
           or (n.name, n.email, n.phone, n.company_name, n.job_title, n.status, n.extra)
              is distinct from (o.name, o.email, o.phone, o.company_name, o.job_title, o.status, o.extra));
  end if;
  if changed is null then
    return null;
  end if;

  with pending as (
    insert into lead.lead_sync as s (company_id, lead_id, integration_id, provider, status, next_attempt_at)
    select l.company_id, l.id, i.id, i.provider, 'pending', now()
    from lead.leads l
    join ops.integrations i on i.company_id = l.company_id and i.sync_enabled and i.has_credentials
    where l.id = any (changed)
    on conflict (lead_id, provider) do update
      set status = 'pending', integration_id = excluded.integration_id, attempts = 0, last_error = null,
          next_attempt_at = now()
    returning s.id, s.lead_id, s.company_id, s.provider, s.external_id
  )
  select array_agg(jsonb_build_object('lead_id', p.lead_id, 'company_id', p.company_id, 'lead_sync_id', p.id,
                                      'provider', p.provider,
                                      'operation', case when p.external_id is null then 'add' else 'update' end)
                   order by p.lead_id)
  into messages
  from pending p;
  if messages is null then
    return null;
  end if;

  perform pgmq.send_batch('crm_sync', messages);
  begin
    perform ops.invoke_edge_function('crm-sync-worker', jsonb_build_object('trigger', 'enqueue', 'messages', cardinality(messages)));
  exception when others then
    -- A lost kick only delays the sync until the next pg_cron run; it must never fail the lead write.
    raise warning 'could not kick crm-sync-worker: %', sqlerrm;
  end;
  return null;
end
$$;
comment on function lead._enqueue_crm_sync() is
  'Statement-level after insert/update on lead.leads: marks lead_sync pending and sends crm_sync messages (set-based), then kicks crm-sync-worker. Skipped inside lead.apply_crm_pull (rastro.crm_sync_origin).';

create trigger leads_enqueue_crm_sync_on_insert after insert on lead.leads
  referencing new table as new_rows
  for each statement execute function lead._enqueue_crm_sync();
create trigger leads_enqueue_crm_sync_on_update after update on lead.leads
  referencing old table as old_rows new table as new_rows
  for each statement execute function lead._enqueue_crm_sync();

-- ---- policies -------------------------------------------------------------------------------------

alter table lead.lead_sync enable row level security;

create policy "members read their company's CRM sync status" on lead.lead_sync
  for select to authenticated
  using (company_id = (select core.current_company_id()));

-- ---- RPCs -----------------------------------------------------------------------------------------

create function lead.apply_crm_pull(integration_id uuid, contacts jsonb) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  integration ops.integrations;
  result jsonb;
begin
  select i.* into integration from ops.integrations i where i.id = apply_crm_pull.integration_id;
  if integration.id is null then
    raise exception 'integration % not found', apply_crm_pull.integration_id using errcode = 'PT404', hint = 'integration_not_found';
  end if;
  if jsonb_typeof(contacts) is distinct from 'array' then
    raise exception 'contacts must be a JSON array' using errcode = '22023', hint = 'contacts_not_an_array';
  end if;

  perform set_config('rastro.crm_sync_origin', integration.provider, true);
  with pulled as (
    -- One row per e-mail (the last one wins), so the upsert never touches a lead twice.
    select distinct on (c.email_key)
           c.email_key, nullif(btrim(c.external_id), '') as external_id, lead._trim_white_space(c.email) as email,
           nullif(btrim(c.name), '') as name, nullif(btrim(c.phone), '') as phone,
           nullif(btrim(c.company_name), '') as company_name, nullif(btrim(c.job_title), '') as job_title,
           case when jsonb_typeof(c.extra) = 'object' then c.extra else '{}'::jsonb end as extra
    from (
      select r.*, lower(lead._trim_white_space(r.email)) as email_key
      from rows from (jsonb_to_recordset(contacts) as (external_id text, email text, name text, phone text,
                                                       company_name text, job_title text, extra jsonb))
           with ordinality as r (external_id, email, name, phone, company_name, job_title, extra, n)
    ) c
    where lead.normalize_email(c.email) is not null
    order by c.email_key, c.n desc
  ),
  upserted as (
    insert into lead.leads as l (company_id, email, name, phone, company_name, job_title, extra, origin, sync_to_crm)
    select integration.company_id, p.email, p.name, p.phone, p.company_name, p.job_title, p.extra, integration.provider, true
    from pulled p
    on conflict (company_id, lower(email)) do update
      set name = coalesce(excluded.name, l.name),
          phone = coalesce(excluded.phone, l.phone),
          company_name = coalesce(excluded.company_name, l.company_name),
          job_title = coalesce(excluded.job_title, l.job_title),
          extra = l.extra || excluded.extra
    returning l.id, lower(l.email) as email_key, (xmax = 0) as is_new
  ),
  linked as (
    insert into lead.lead_sync as s (company_id, lead_id, integration_id, provider, external_id, status, synced_at)
    select integration.company_id, u.id, integration.id, integration.provider, p.external_id, 'synced', now()
    from upserted u
    join pulled p on p.email_key = u.email_key
    on conflict (lead_id, provider) do update
      set external_id = coalesce(excluded.external_id, s.external_id),
          integration_id = excluded.integration_id,
          status = case when s.status = 'pending' then 'pending' else 'synced' end,
          synced_at = case when s.status = 'pending' then s.synced_at else now() end
    returning s.id
  )
  select jsonb_build_object(
           'inserted', count(*) filter (where u.is_new),
           'updated', count(*) filter (where not u.is_new),
           'skipped', jsonb_array_length(contacts) - count(*),
           'linked', (select count(*) from linked))
  into result
  from upserted u;
  perform set_config('rastro.crm_sync_origin', '', true);
  return result;
end
$$;
comment on function lead.apply_crm_pull(uuid, jsonb) is
  'Server-only. Writes contacts pulled from a CRM: inserts or updates leads by e-mail (origin = provider, sync_to_crm on new ones), links lead_sync (external_id, synced) and does not push them back. contacts: [{external_id, email, name?, phone?, company_name?, job_title?, extra?}]. Returns {inserted, updated, skipped, linked} (skipped: no valid e-mail, or a repeated one).';

-- ---- grants ---------------------------------------------------------------------------------------

revoke execute on function lead._enqueue_crm_sync(), lead.apply_crm_pull(uuid, jsonb) from public;
grant execute on function lead.apply_crm_pull(uuid, jsonb) to service_role;

grant select on lead.lead_sync to authenticated;
grant select, insert, update, delete on lead.lead_sync to service_role;
