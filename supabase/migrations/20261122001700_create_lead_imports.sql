-- CSV imports of leads (seed 004 scenario F): one lead_imports row per uploaded file, its rejected rows
-- with line numbers, and the chunks already applied, so a chunk delivered twice by queue `lead_import`
-- counts once. The leads-import edge function creates the row and enqueues chunks; the worker
-- validates each row (LeadImportRowSchema in packages/contracts) and hands a chunk's valid rows and
-- errors to lead.apply_import_chunk, which applies them in one transaction.
--
-- Progress: rows_done (valid + rejected rows applied so far) of rows_total; rows_failed of those were
-- rejected. The import completes by itself once chunks_done reaches chunks_total: the uploader sets
-- rows_total/chunks_total when it has read the whole file, which may be before or after the last
-- chunk is applied.

-- ---- tables ---------------------------------------------------------------------------------------

create table lead.lead_imports (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references core.companies (id) on delete cascade,
  file_name text not null,
  file_size_bytes bigint not null,
  mapping jsonb not null,
  status text not null default 'queued',
  rows_total integer,
  rows_done integer not null default 0,
  rows_failed integer not null default 0,
  rows_inserted integer not null default 0,
  rows_updated integer not null default 0,
  chunks_total integer,
  chunks_done integer not null default 0,
  error text,
  created_by uuid default auth.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  constraint status_is_known check (status in ('queued', 'processing', 'completed', 'failed', 'cancelled')),
  constraint file_name_is_not_blank check (length(btrim(file_name)) between 1 and 255),
  constraint file_size_is_not_negative check (file_size_bytes >= 0),
  constraint mapping_is_an_object check (jsonb_typeof(mapping) = 'object'),
  constraint counts_are_not_negative check (
    rows_total >= 0 and rows_done >= 0 and rows_failed >= 0 and rows_inserted >= 0 and rows_updated >= 0
    and chunks_total >= 0 and chunks_done >= 0),
  constraint failed_rows_are_done_rows check (rows_failed <= rows_done),
  constraint lead_imports_company_id_and_id_are_unique unique (company_id, id)
);
comment on table lead.lead_imports is
  'One uploaded CSV file of leads and its progress. Users create and cancel; the leads-import function and its worker write the rest.';
comment on column lead.lead_imports.mapping is
  'LeadImportMapping (packages/contracts): {columns: {lead field: CSV header}, sync_to_crm}. lead.apply_import_chunk reads sync_to_crm.';
comment on column lead.lead_imports.rows_total is 'Data rows in the file (header excluded); null until the uploader has read the whole file.';
comment on column lead.lead_imports.rows_done is 'Rows applied so far, valid or rejected; progress = rows_done / rows_total.';
comment on column lead.lead_imports.rows_failed is 'Rejected rows (see lead.lead_import_errors).';
comment on column lead.lead_imports.rows_updated is 'Valid rows that updated an existing lead (same e-mail), including repeats within the file.';
comment on column lead.lead_imports.chunks_total is 'Chunks enqueued on lead_import; null until the whole file has been read.';
comment on column lead.lead_imports.error is 'Why the whole import failed (status failed), e.g. an unreadable file.';

create table lead.lead_import_errors (
  id bigint generated always as identity primary key,
  company_id uuid not null,
  import_id uuid not null,
  line_number integer not null,
  reason text not null,
  raw jsonb,
  created_at timestamptz not null default now(),
  constraint line_number_is_positive check (line_number >= 1),
  constraint one_error_per_line unique (import_id, line_number),
  constraint import_belongs_to_company foreign key (company_id, import_id) references lead.lead_imports (company_id, id) on delete cascade
);
comment on table lead.lead_import_errors is 'Rows an import rejected, for the downloadable error report.';
comment on column lead.lead_import_errors.line_number is 'Line in the file, 1-based, counting the header line (what a spreadsheet shows).';
comment on column lead.lead_import_errors.reason is 'Why, for people: e.g. "email: invalid e-mail address". Several problems are joined with "; ".';
comment on column lead.lead_import_errors.raw is 'The row as read, header → cell, so the report can be fixed and re-imported.';

create table lead.lead_import_chunks (
  company_id uuid not null,
  import_id uuid not null,
  chunk_no integer not null,
  rows_in_chunk integer not null,
  processed_at timestamptz not null default now(),
  primary key (import_id, chunk_no),
  constraint chunk_no_is_not_negative check (chunk_no >= 0),
  constraint import_belongs_to_company foreign key (company_id, import_id) references lead.lead_imports (company_id, id) on delete cascade
);
comment on table lead.lead_import_chunks is
  'Chunks of an import already applied; the primary key makes a redelivered chunk a no-op.';

-- ---- indexes --------------------------------------------------------------------------------------

create index idx_lead_imports_company_id_created_at on lead.lead_imports (company_id, created_at desc);
create index idx_lead_import_errors_company_id on lead.lead_import_errors (company_id);
create index idx_lead_import_chunks_company_id on lead.lead_import_chunks (company_id);

-- ---- queues ---------------------------------------------------------------------------------------

select pgmq.create('lead_import');

-- ---- triggers -------------------------------------------------------------------------------------

create function lead._advance_import_status() returns trigger
language plpgsql set search_path = ''
as $$
begin
  if old.status in ('completed', 'failed', 'cancelled') and new.status is distinct from old.status then
    raise exception 'import % is already %', old.id, old.status using errcode = 'PT409', hint = 'import_finished';
  end if;
  if new.status = 'queued' and new.chunks_done > 0 then
    new.status := 'processing';
  end if;
  if new.status = 'processing' and new.chunks_total is not null and new.chunks_done >= new.chunks_total then
    new.status := 'completed';
  end if;
  if new.status = 'processing' and new.started_at is null then
    new.started_at := now();
  end if;
  if new.status in ('completed', 'failed', 'cancelled') and new.finished_at is null then
    new.finished_at := now();
    new.started_at := coalesce(new.started_at, new.finished_at);
  end if;
  return new;
end
$$;
comment on function lead._advance_import_status() is
  'Before update on lead.lead_imports: queued → processing → completed as chunks are applied and totals become known; finished imports stay finished (PT409 import_finished).';

create trigger lead_imports_advance_status before update on lead.lead_imports
  for each row execute function lead._advance_import_status();
create trigger lead_imports_touch_updated_at before update on lead.lead_imports
  for each row execute function core._touch_updated_at();

-- ---- policies -------------------------------------------------------------------------------------

alter table lead.lead_imports enable row level security;
alter table lead.lead_import_errors enable row level security;
alter table lead.lead_import_chunks enable row level security;

create policy "members read their company's imports" on lead.lead_imports
  for select to authenticated
  using (company_id = (select core.current_company_id()));

create policy "sales and admins start imports for their company" on lead.lead_imports
  for insert to authenticated
  with check (company_id = (select core.current_company_id())
              and (select core.has_company_role(array['owner', 'backoffice_admin', 'marketing_admin', 'sales'])));

create policy "sales and admins cancel their company's imports" on lead.lead_imports
  for update to authenticated
  using (company_id = (select core.current_company_id())
         and (select core.has_company_role(array['owner', 'backoffice_admin', 'marketing_admin', 'sales'])))
  with check (company_id = (select core.current_company_id()) and status = 'cancelled');

create policy "members read their company's import errors" on lead.lead_import_errors
  for select to authenticated
  using (company_id = (select core.current_company_id()));

create policy "members read their company's applied import chunks" on lead.lead_import_chunks
  for select to authenticated
  using (company_id = (select core.current_company_id()));

-- ---- RPCs -----------------------------------------------------------------------------------------

create function lead.apply_import_chunk(import_id uuid, chunk_no integer, rows jsonb, errors jsonb default '[]'::jsonb)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  target lead.lead_imports;
  sync boolean;
  valid_rows integer;
  rejected_rows integer;
  inserted integer;
begin
  if jsonb_typeof(rows) is distinct from 'array' or jsonb_typeof(errors) is distinct from 'array' then
    raise exception 'rows and errors must be JSON arrays' using errcode = '22023', hint = 'chunk_not_an_array';
  end if;
  select i.* into target from lead.lead_imports i where i.id = apply_import_chunk.import_id;
  if target.id is null then
    raise exception 'import % not found', apply_import_chunk.import_id using errcode = 'PT404', hint = 'import_not_found';
  end if;
  if target.status in ('completed', 'failed', 'cancelled') then
    return jsonb_build_object('applied', false, 'status', target.status);
  end if;

  -- Claims the chunk; a concurrent or later redelivery of the same chunk stops here.
  insert into lead.lead_import_chunks (company_id, import_id, chunk_no, rows_in_chunk)
  values (target.company_id, target.id, apply_import_chunk.chunk_no, jsonb_array_length(rows) + jsonb_array_length(errors))
  on conflict do nothing;
  if not found then
    return jsonb_build_object('applied', false, 'status', target.status, 'duplicate', true);
  end if;

  sync := coalesce((target.mapping ->> 'sync_to_crm')::boolean, false);
  valid_rows := jsonb_array_length(rows);

  with incoming as (
    -- One row per e-mail within the chunk (the last line wins): ON CONFLICT may touch a row once.
    select distinct on (lower(lead._trim_white_space(r.email)))
           r.line_number, lead._trim_white_space(r.email) as email, nullif(btrim(r.name), '') as name,
           nullif(btrim(r.phone), '') as phone, nullif(btrim(r.company_name), '') as company_name,
           nullif(btrim(r.job_title), '') as job_title, nullif(btrim(r.message), '') as message, r.value, r.score,
           nullif(btrim(r.external_id), '') as external_id, nullif(btrim(r.utm_source), '') as utm_source,
           nullif(btrim(r.utm_medium), '') as utm_medium, nullif(btrim(r.utm_campaign), '') as utm_campaign,
           nullif(btrim(r.utm_term), '') as utm_term, nullif(btrim(r.utm_content), '') as utm_content,
           case when jsonb_typeof(r.extra) = 'object' then r.extra else '{}'::jsonb end as extra
    from jsonb_to_recordset(rows) as r (line_number integer, email text, name text, phone text, company_name text,
                                        job_title text, message text, value numeric, score integer, external_id text,
                                        utm_source text, utm_medium text, utm_campaign text, utm_term text,
                                        utm_content text, extra jsonb)
    order by lower(lead._trim_white_space(r.email)), r.line_number desc
  ),
  upserted as (
    insert into lead.leads as l (company_id, email, name, phone, company_name, job_title, message, value, score,
                                 external_id, utm_source, utm_medium, utm_campaign, utm_term, utm_content, extra, origin,
                                 sync_to_crm, created_by)
    select target.company_id, i.email, i.name, i.phone, i.company_name, i.job_title, i.message, i.value, i.score,
           i.external_id, i.utm_source, i.utm_medium, i.utm_campaign, i.utm_term, i.utm_content, i.extra, 'csv', sync,
           target.created_by
    from incoming i
    on conflict (company_id, lower(email)) do update
      set name = coalesce(excluded.name, l.name),
          phone = coalesce(excluded.phone, l.phone),
          company_name = coalesce(excluded.company_name, l.company_name),
          job_title = coalesce(excluded.job_title, l.job_title),
          message = coalesce(excluded.message, l.message),
          value = coalesce(excluded.value, l.value),
          score = coalesce(excluded.score, l.score),
          external_id = coalesce(excluded.external_id, l.external_id),
          utm_source = coalesce(excluded.utm_source, l.utm_source),
          utm_medium = coalesce(excluded.utm_medium, l.utm_medium),
          utm_campaign = coalesce(excluded.utm_campaign, l.utm_campaign),
          utm_term = coalesce(excluded.utm_term, l.utm_term),
          utm_content = coalesce(excluded.utm_content, l.utm_content),
          extra = l.extra || excluded.extra,
          sync_to_crm = l.sync_to_crm or excluded.sync_to_crm
    returning (xmax = 0) as is_new
  )
  select count(*) filter (where u.is_new) into inserted from upserted u;

  insert into lead.lead_import_errors (company_id, import_id, line_number, reason, raw)
  select target.company_id, target.id, e.line_number, e.reason, e.raw
  from jsonb_to_recordset(errors) as e (line_number integer, reason text, raw jsonb)
  on conflict on constraint one_error_per_line do nothing;
  rejected_rows := jsonb_array_length(errors);

  update lead.lead_imports i
  set rows_done = i.rows_done + valid_rows + rejected_rows,
      rows_failed = i.rows_failed + rejected_rows,
      rows_inserted = i.rows_inserted + inserted,
      rows_updated = i.rows_updated + valid_rows - inserted,
      chunks_done = i.chunks_done + 1
  where i.id = target.id
  returning i.* into target;

  return jsonb_build_object('applied', true, 'status', target.status, 'inserted', inserted,
                            'updated', valid_rows - inserted, 'failed', rejected_rows);
end
$$;
comment on function lead.apply_import_chunk(uuid, integer, jsonb, jsonb) is
  'Server-only, one transaction per chunk: upserts the valid rows by e-mail (origin csv; blank cells never erase data), records the rejected ones, advances progress. A chunk already applied, or an import already finished, changes nothing ({applied: false}). rows: [LeadImportRow & {line_number}], errors: [{line_number, reason, raw}].';

-- ---- grants ---------------------------------------------------------------------------------------

revoke execute on function lead._advance_import_status(), lead.apply_import_chunk(uuid, integer, jsonb, jsonb) from public;
grant execute on function lead.apply_import_chunk(uuid, integer, jsonb, jsonb) to service_role;

grant select on lead.lead_imports, lead.lead_import_errors, lead.lead_import_chunks to authenticated;
grant insert (company_id, file_name, file_size_bytes, mapping) on lead.lead_imports to authenticated;
grant update (status) on lead.lead_imports to authenticated;
grant select, insert, update, delete on lead.lead_imports, lead.lead_import_errors, lead.lead_import_chunks to service_role;
