-- CSV import plumbing around lead.lead_imports (see docs/decisions/0003-csv-import.md):
-- * the upload (edge function leads-import, running as the signed-in member) enqueues chunks on pgmq
--   `lead_import` through lead.enqueue_import_chunk — `authenticated` has no rights on pgmq itself —
--   and closes the upload with lead.finish_import_upload, all in the transaction that inserted the
--   import row, so an upload is either entirely queued or not there at all;
-- * the worker (lead-import-worker, service role) applies chunks with lead.apply_import_chunk and
--   dead-letters a chunk that keeps failing with lead.fail_import_chunk;
-- * pg_cron runs the worker every minute (uploads also kick it at once).

-- ---- RPCs -----------------------------------------------------------------------------------------

create function lead.enqueue_import_chunk(import_id uuid, chunk jsonb) returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  rows_in_chunk integer;
  assigned_chunk_no integer;
begin
  if jsonb_typeof(chunk -> 'rows') is distinct from 'array'
     or jsonb_typeof(chunk -> 'header') is distinct from 'array'
     or jsonb_typeof(chunk -> 'fields') is distinct from 'object' then
    raise exception 'a chunk is {header: [...], fields: {...}, rows: [...]}' using errcode = '22023', hint = 'chunk_malformed';
  end if;
  rows_in_chunk := jsonb_array_length(chunk -> 'rows');
  if rows_in_chunk not between 1 and 10000 then
    raise exception 'a chunk holds 1 to 10000 rows, not %', rows_in_chunk using errcode = '22023', hint = 'chunk_size';
  end if;

  -- Only the caller's own import, in their current company, with a role that writes leads, still
  -- queued, and created by this very transaction: created_at defaults to now(), the transaction's
  -- start time, and members cannot set it. Nobody can add rows to an import after its upload
  -- committed, nor to anyone else's.
  update lead.lead_imports i
  set chunks_total = coalesce(i.chunks_total, 0) + 1,
      rows_total = coalesce(i.rows_total, 0) + rows_in_chunk
  where i.id = enqueue_import_chunk.import_id
    and i.company_id = core.current_company_id()
    and i.created_by = auth.uid()
    and core.has_company_role(array['owner', 'backoffice_admin', 'marketing_admin', 'sales'])
    and i.status = 'queued'
    and i.created_at = now()
  returning i.chunks_total into assigned_chunk_no;
  if assigned_chunk_no is null then
    raise exception 'import % does not take chunks from this caller or transaction', enqueue_import_chunk.import_id
      using errcode = '42501', hint = 'import_not_open';
  end if;

  perform pgmq.send('lead_import',
    jsonb_build_object('import_id', enqueue_import_chunk.import_id, 'chunk_no', assigned_chunk_no)
      || (chunk - 'import_id' - 'chunk_no'));
  return assigned_chunk_no;
end
$$;
comment on function lead.enqueue_import_chunk(uuid, jsonb) is
  'Upload side (leads-import, as the member): puts {import_id, chunk_no, header, fields, rows} on pgmq lead_import and counts it in chunks_total/rows_total. Only for the caller''s own queued import, in the transaction that created it (42501 import_not_open otherwise). Returns the chunk number (1, 2, …).';

create function lead.finish_import_upload(import_id uuid, file_size_bytes bigint) returns void
language plpgsql security definer set search_path = ''
as $$
begin
  update lead.lead_imports i
  set file_size_bytes = finish_import_upload.file_size_bytes
  where i.id = finish_import_upload.import_id
    and i.company_id = core.current_company_id()
    and i.created_by = auth.uid()
    and i.status = 'queued'
    and i.chunks_total > 0
    and i.created_at = now();
  if not found then
    raise exception 'import % has no chunks from this caller and transaction', finish_import_upload.import_id
      using errcode = '42501', hint = 'import_not_open';
  end if;
  -- pg_net sends the request only once this transaction commits; a rollback drops it.
  begin
    perform ops.invoke_edge_function('lead-import-worker', jsonb_build_object('trigger', 'upload', 'import_id', finish_import_upload.import_id));
  exception when others then
    -- A lost kick only delays the import until the next pg_cron run; it must never fail the upload.
    raise warning 'could not kick lead-import-worker: %', sqlerrm;
  end;
end
$$;
comment on function lead.finish_import_upload(uuid, bigint) is
  'Upload side, last call: records the streamed file size and kicks lead-import-worker (sent by pg_net after commit). Same ownership rules as enqueue_import_chunk; at least one chunk must have been queued.';

create function lead.fail_import_chunk(import_id uuid, chunk_no integer, errors jsonb, reason text) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  target lead.lead_imports;
  rejected_rows integer;
begin
  if jsonb_typeof(errors) is distinct from 'array' or nullif(btrim(reason), '') is null then
    raise exception 'errors must be a JSON array and reason a text' using errcode = '22023', hint = 'dead_letter_malformed';
  end if;
  select i.* into target from lead.lead_imports i where i.id = fail_import_chunk.import_id;
  if target.id is null or target.status in ('completed', 'failed', 'cancelled') then
    -- Deleted or already finished: as lead.apply_import_chunk, nothing left to record.
    return jsonb_build_object('applied', false, 'status', target.status);
  end if;

  insert into lead.lead_import_chunks (company_id, import_id, chunk_no, rows_in_chunk)
  values (target.company_id, target.id, fail_import_chunk.chunk_no, jsonb_array_length(errors))
  on conflict do nothing;
  if not found then
    return jsonb_build_object('applied', false, 'status', target.status, 'duplicate', true);
  end if;

  insert into lead.lead_import_errors (company_id, import_id, line_number, reason, raw)
  select target.company_id, target.id, e.line_number, e.reason, e.raw
  from jsonb_to_recordset(errors) as e (line_number integer, reason text, raw jsonb)
  on conflict on constraint one_error_per_line do nothing;
  rejected_rows := jsonb_array_length(errors);

  update lead.lead_imports i
  set rows_done = i.rows_done + rejected_rows,
      rows_failed = i.rows_failed + rejected_rows,
      chunks_done = i.chunks_done + 1,
      status = 'failed',
      error = coalesce(i.error, fail_import_chunk.reason)
  where i.id = target.id;
  return jsonb_build_object('applied', true, 'status', 'failed', 'failed', rejected_rows);
end
$$;
comment on function lead.fail_import_chunk(uuid, integer, jsonb, text) is
  'Worker side, dead letter: a chunk that could not be applied after N attempts. Records its rows as import errors, counts it, and fails the import with reason (chunks still queued are then skipped). A chunk already applied or an import already finished changes nothing.';

-- ---- cron jobs ------------------------------------------------------------------------------------

select cron.unschedule(j.jobid) from cron.job j where j.jobname = 'lead-import-worker';
select cron.schedule('lead-import-worker', '* * * * *', $$select ops.invoke_edge_function('lead-import-worker')$$);

-- ---- grants ---------------------------------------------------------------------------------------

revoke execute on function lead.enqueue_import_chunk(uuid, jsonb), lead.finish_import_upload(uuid, bigint),
  lead.fail_import_chunk(uuid, integer, jsonb, text) from public;
grant execute on function lead.enqueue_import_chunk(uuid, jsonb), lead.finish_import_upload(uuid, bigint) to authenticated;
grant execute on function lead.fail_import_chunk(uuid, integer, jsonb, text) to service_role;
