-- The shared worker runtime (supabase/functions/_shared/worker.ts, docs/decisions/0005-worker-runtime.md):
-- * ops.worker_runs records why a run stopped and the CPU time it used, so the per-invocation sizing
--   (Supabase: 2 s CPU per request) can be watched run by run;
-- * lead_import chunk messages carry their company on top (company_id), like every queue message, so
--   ops.dead_letter attributes a dead-lettered chunk and the ops views can count per company.

-- ---- ops.worker_runs ------------------------------------------------------------------------------

alter table ops.worker_runs
  add column stopped_by text,
  add column cpu_ms integer,
  add constraint stopped_by_is_known check (stopped_by in ('drained', 'wall', 'cpu', 'messages', 'error')),
  add constraint cpu_ms_is_not_negative check (cpu_ms >= 0);
comment on column ops.worker_runs.stopped_by is
  'Why the run stopped: drained (nothing visible left), wall / cpu / messages (its per-invocation budget was spent; a queue worker then kicks its next run), error (it threw; see error). Null while running.';
comment on column ops.worker_runs.cpu_ms is
  'CPU time (user + system) the worker process used during the run, ms; null where the runtime cannot measure it. Supabase allows 2000 ms per request.';
comment on column ops.worker_runs.error is
  'What went wrong: the error the run threw, else one line per message problem (retries, dead letters), at most 20.';

-- ---- lead_import messages carry company_id --------------------------------------------------------

create or replace function lead.enqueue_import_chunk(import_id uuid, chunk jsonb) returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  rows_in_chunk integer;
  assigned_chunk_no integer;
  import_company_id uuid;
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
    and core.is_company_editor()
    and i.status = 'queued'
    and i.created_at = now()
  returning i.chunks_total, i.company_id into assigned_chunk_no, import_company_id;
  if assigned_chunk_no is null then
    raise exception 'import % does not take chunks from this caller or transaction', enqueue_import_chunk.import_id
      using errcode = '42501', hint = 'import_not_open';
  end if;

  -- company_id on top, as on every queue message: ops.dead_letters and the ops views attribute the
  -- message by it. The caller cannot set it (nor import_id or chunk_no): the import's own row decides.
  perform pgmq.send(queue_name => 'lead_import',
    msg => jsonb_build_object('company_id', import_company_id, 'import_id', enqueue_import_chunk.import_id,
                              'chunk_no', assigned_chunk_no)
      || (chunk - 'company_id' - 'import_id' - 'chunk_no'));
  return assigned_chunk_no;
end
$$;
comment on function lead.enqueue_import_chunk(uuid, jsonb) is
  'Upload side (leads-import, as the member): puts {company_id, import_id, chunk_no, header, fields, rows} on pgmq lead_import and counts it in chunks_total/rows_total. Only for the caller''s own queued import, in the transaction that created it, with an editor role (42501 import_not_open otherwise). Returns the chunk number (1, 2, …).';
