-- CSV imports parsed in slices across worker invocations (docs/decisions/0003-csv-import.md).
-- Supabase gives an edge function 2 s of CPU and 256 MB per request, and parsing a 50 MB file in the
-- upload request takes longer than that. So the upload (leads-import, as the member) only checks the
-- file cheaply and stores its bytes here, in lead.lead_import_slices, in the transaction that creates
-- the import; lead-import-worker then parses a slice (at most 25,000 records of it) per `parse` message
-- on pgmq `lead_import`, queueing the rows as the usual chunks and the next parse message (with the
-- reader's carry) in the same transaction, and marking the bytes read (parsed_to; the slice is deleted
-- once read to its end): a parse message delivered twice finds its bytes read and changes nothing.
--
-- Status: queued (inside the upload transaction only) → parsing (slices left) → processing (every
-- slice parsed: rows_total and chunks_total known) → completed; failed / cancelled at any point, which
-- also drops the slices still stored.

-- ---- columns --------------------------------------------------------------------------------------

alter table lead.lead_imports
  add column slices_total integer,
  add column bytes_parsed bigint not null default 0,
  add column rows_parsed integer not null default 0,
  add column chunks_queued integer not null default 0,
  drop constraint status_is_known,
  add constraint status_is_known check (status in ('queued', 'parsing', 'processing', 'completed', 'failed', 'cancelled')),
  add constraint parse_counts_are_not_negative check (
    slices_total >= 1 and bytes_parsed >= 0 and rows_parsed >= 0 and chunks_queued >= 0);

comment on column lead.lead_imports.status is
  'queued (upload transaction only) → parsing (lead-import-worker reads the stored file slice by slice) → processing (every slice parsed) → completed; or failed / cancelled.';
comment on column lead.lead_imports.slices_total is 'Slices the upload stored (lead.lead_import_slices); one parse step each.';
comment on column lead.lead_imports.bytes_parsed is 'Bytes of the file parsed so far; progress while parsing = bytes_parsed / file_size_bytes.';
comment on column lead.lead_imports.rows_parsed is 'Data rows found so far while parsing; becomes rows_total once the last slice is parsed.';
comment on column lead.lead_imports.chunks_queued is 'Chunks queued so far while parsing (numbers the next one); becomes chunks_total once the last slice is parsed.';
comment on column lead.lead_imports.rows_total is 'Data rows in the file (header excluded); null until the last slice is parsed.';
comment on column lead.lead_imports.chunks_total is 'Chunks enqueued on lead_import; null until the last slice is parsed.';

-- ---- tables ---------------------------------------------------------------------------------------

create table lead.lead_import_slices (
  company_id uuid not null,
  import_id uuid not null,
  slice_no integer not null,
  bytes bytea not null,
  parsed_to integer not null default 0,
  created_at timestamptz not null default now(),
  primary key (import_id, slice_no),
  constraint slice_no_is_positive check (slice_no >= 1),
  constraint slice_size_is_bounded check (octet_length(bytes) between 1 and 8388608),
  constraint parsed_to_is_inside check (parsed_to >= 0 and parsed_to < octet_length(bytes)),
  constraint import_belongs_to_company foreign key (company_id, import_id) references lead.lead_imports (company_id, id) on delete cascade
);
-- Stored once, read once, deleted: compressing would only cost the upload's transaction time.
alter table lead.lead_import_slices alter column bytes set storage external;
comment on table lead.lead_import_slices is
  'The raw bytes of an uploaded CSV file not parsed yet, in order; written by leads-import (lead.store_import_slice), read and deleted by lead-import-worker one parse step at a time. No member access.';
comment on column lead.lead_import_slices.bytes is 'The file''s bytes exactly as uploaded; a slice boundary may cut a record, a CRLF or a UTF-8 character.';
comment on column lead.lead_import_slices.parsed_to is 'Bytes of this slice parse steps have read so far (a slice of very short rows takes several steps); the slice is deleted once read to its end.';

create index idx_lead_import_slices_company_id on lead.lead_import_slices (company_id);

alter table lead.lead_import_slices enable row level security;
-- No policy and no grant for members: only the security-definer functions below touch slices.

-- ---- triggers -------------------------------------------------------------------------------------

create or replace function lead._advance_import_status() returns trigger
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
  if (new.status = 'processing' or (new.status = 'parsing' and new.bytes_parsed > 0)) and new.started_at is null then
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
  'Before update on lead.lead_imports: queued → processing → completed as chunks are applied and totals become known (parsing never completes: the totals are null until the last slice is parsed); started_at from the first parsed slice or applied chunk; finished imports stay finished (PT409 import_finished).';

create function lead._drop_finished_import_slices() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  delete from lead.lead_import_slices s where s.import_id = new.id;
  return null;
end
$$;
comment on function lead._drop_finished_import_slices() is
  'After an import finishes (completed, failed, cancelled — a member''s cancel included), the slices it still has are deleted.';

create trigger lead_imports_drop_finished_slices after update on lead.lead_imports
  for each row when (new.status in ('completed', 'failed', 'cancelled') and old.status is distinct from new.status)
  execute function lead._drop_finished_import_slices();

-- ---- RPCs: upload side (leads-import, as the member) -------------------------------------------------

drop function lead.enqueue_import_chunk(uuid, jsonb);
drop function lead.finish_import_upload(uuid, bigint);

create function lead._open_upload(import_id uuid) returns lead.lead_imports
language plpgsql security definer set search_path = ''
as $$
declare
  target lead.lead_imports;
begin
  -- Only the caller's own import, in their current company, with a role that writes leads, still
  -- queued, and created by this very transaction (created_at defaults to now(), the transaction's start
  -- time, and members cannot set it): nobody adds to an upload that committed, nor to another's.
  select i.* into target
  from lead.lead_imports i
  where i.id = _open_upload.import_id
    and i.company_id = core.current_company_id()
    and i.created_by = auth.uid()
    and core.is_company_editor()
    and i.status = 'queued'
    and i.created_at = now()
  for update;
  if target.id is null then
    raise exception 'import % is not an upload open to this caller and transaction', _open_upload.import_id
      using errcode = '42501', hint = 'import_not_open';
  end if;
  return target;
end
$$;
comment on function lead._open_upload(uuid) is
  'The import row, locked, when it is the caller''s own upload still open in this transaction; 42501 import_not_open otherwise. Used by store_import_slice and finish_import_upload.';

create function lead.store_import_slice(import_id uuid, slice_no integer, bytes bytea) returns void
language plpgsql security definer set search_path = ''
as $$
declare
  target lead.lead_imports;
begin
  if store_import_slice.slice_no is null or store_import_slice.slice_no < 1
     or store_import_slice.bytes is null or octet_length(store_import_slice.bytes) not between 1 and 8388608 then
    raise exception 'a slice is numbered from 1 and holds 1 byte to 8 MiB' using errcode = '22023', hint = 'slice_malformed';
  end if;
  target := lead._open_upload(store_import_slice.import_id);
  insert into lead.lead_import_slices (company_id, import_id, slice_no, bytes)
  values (target.company_id, target.id, store_import_slice.slice_no, store_import_slice.bytes);
end
$$;
comment on function lead.store_import_slice(uuid, integer, bytea) is
  'Upload side (leads-import, as the member): stores slice N of the file''s bytes. Only for the caller''s own queued import, in the transaction that created it (42501 import_not_open otherwise).';

create function lead.finish_import_upload(import_id uuid, file_size_bytes bigint, parse jsonb) returns integer
language plpgsql security definer set search_path = ''
as $$
declare
  target lead.lead_imports;
  slice_count integer;
  last_slice integer;
  stored_bytes bigint;
begin
  if jsonb_typeof(parse) is distinct from 'object'
     or jsonb_typeof(parse -> 'header') is distinct from 'array'
     or jsonb_typeof(parse -> 'fields') is distinct from 'object'
     or jsonb_typeof(parse -> 'carry') is distinct from 'object' then
    raise exception 'the first parse step is {header: [...], fields: {...}, carry: {...}}' using errcode = '22023', hint = 'parse_malformed';
  end if;
  target := lead._open_upload(finish_import_upload.import_id);

  -- octet_length of an uncompressed out-of-line value reads its size, not its bytes.
  select count(*)::integer, max(s.slice_no), coalesce(sum(octet_length(s.bytes)), 0)
  into slice_count, last_slice, stored_bytes
  from lead.lead_import_slices s where s.import_id = target.id;
  if slice_count = 0 or last_slice <> slice_count or stored_bytes <> finish_import_upload.file_size_bytes then
    raise exception 'import % has % slices (last %) holding % bytes, not the % bytes uploaded', target.id, slice_count,
      last_slice, stored_bytes, finish_import_upload.file_size_bytes using errcode = '22023', hint = 'slices_incomplete';
  end if;

  update lead.lead_imports i
  set status = 'parsing', file_size_bytes = finish_import_upload.file_size_bytes, slices_total = slice_count
  where i.id = target.id;
  perform pgmq.send('lead_import',
    jsonb_build_object('kind', 'parse', 'company_id', target.company_id, 'import_id', target.id, 'slice_no', 1, 'offset', 0)
      || (parse - 'kind' - 'company_id' - 'import_id' - 'slice_no' - 'offset'));

  -- pg_net sends the request only once this transaction commits; a rollback drops it.
  begin
    perform ops.invoke_edge_function('lead-import-worker', jsonb_build_object('trigger', 'upload', 'import_id', target.id));
  exception when others then
    -- A lost kick only delays the import until the next pg_cron run; it must never fail the upload.
    raise warning 'could not kick lead-import-worker: %', sqlerrm;
  end;
  return slice_count;
end
$$;
comment on function lead.finish_import_upload(uuid, bigint, jsonb) is
  'Upload side, last call: checks the stored slices add up to the uploaded size, marks the import parsing, queues the parse step of slice 1 ({kind: parse, company_id, import_id, slice_no: 1, offset: 0} || parse) and kicks lead-import-worker (sent by pg_net after commit). Same ownership rules as store_import_slice. Returns slices_total.';

-- ---- RPCs: worker side (lead-import-worker, service role) ------------------------------------------

create function lead.apply_import_slice(import_id uuid, slice_no integer, from_offset integer, to_offset integer,
                                        chunks jsonb, next_parse jsonb default null)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  target lead.lead_imports;
  slice_size integer;
  parsed_before integer;
  slice_done boolean;
  chunk_count integer;
  row_count integer;
  is_last boolean;
begin
  if jsonb_typeof(chunks) is distinct from 'array' then
    raise exception 'chunks must be a JSON array' using errcode = '22023', hint = 'chunks_not_an_array';
  end if;
  if exists (
    select 1 from jsonb_array_elements(chunks) c
    where jsonb_typeof(c -> 'header') is distinct from 'array'
       or jsonb_typeof(c -> 'fields') is distinct from 'object'
       or case when jsonb_typeof(c -> 'rows') = 'array' then jsonb_array_length(c -> 'rows') not between 1 and 10000 else true end
  ) then
    raise exception 'a chunk is {header: [...], fields: {...}, rows: [1 to 10000 rows]}' using errcode = '22023', hint = 'chunk_malformed';
  end if;

  select i.* into target from lead.lead_imports i where i.id = apply_import_slice.import_id for update;
  if target.id is null then
    return jsonb_build_object('applied', false); -- deleted, and its slices with it
  end if;
  -- Claims bytes from_offset … to_offset of the slice: a redelivered (or concurrent) parse message of
  -- the same step finds the slice read further, or gone, and stops here.
  select octet_length(s.bytes), s.parsed_to into slice_size, parsed_before
  from lead.lead_import_slices s
  where s.import_id = target.id and s.slice_no = apply_import_slice.slice_no
  for update;
  if slice_size is null or parsed_before <> apply_import_slice.from_offset then
    return jsonb_build_object('applied', false, 'status', target.status, 'duplicate', true);
  end if;
  if target.status <> 'parsing' then
    delete from lead.lead_import_slices s where s.import_id = target.id;
    return jsonb_build_object('applied', false, 'status', target.status);
  end if;
  if apply_import_slice.to_offset is null or apply_import_slice.to_offset <= apply_import_slice.from_offset
     or apply_import_slice.to_offset > slice_size then
    raise exception 'a step reads bytes % to % of a slice of % bytes', apply_import_slice.from_offset,
      apply_import_slice.to_offset, slice_size using errcode = '22023', hint = 'offsets_out_of_slice';
  end if;
  slice_done := apply_import_slice.to_offset = slice_size;
  is_last := slice_done and apply_import_slice.slice_no = target.slices_total;
  if not is_last and jsonb_typeof(next_parse) is distinct from 'object' then
    raise exception 'slice % of % needs the next parse step', apply_import_slice.slice_no, target.slices_total
      using errcode = '22023', hint = 'next_parse_missing';
  end if;
  if slice_done then
    delete from lead.lead_import_slices s where s.import_id = target.id and s.slice_no = apply_import_slice.slice_no;
  else
    update lead.lead_import_slices s set parsed_to = apply_import_slice.to_offset
    where s.import_id = target.id and s.slice_no = apply_import_slice.slice_no;
  end if;

  chunk_count := jsonb_array_length(chunks);
  select coalesce(sum(jsonb_array_length(c -> 'rows')), 0)::integer into row_count from jsonb_array_elements(chunks) c;
  if chunk_count > 0 then
    perform pgmq.send_batch('lead_import', (
      select array_agg(
        jsonb_build_object('company_id', target.company_id, 'import_id', target.id, 'chunk_no', target.chunks_queued + e.n)
          || (e.c - 'kind' - 'company_id' - 'import_id' - 'chunk_no')
        order by e.n)
      from jsonb_array_elements(chunks) with ordinality as e (c, n)));
  end if;

  update lead.lead_imports i
  set bytes_parsed = i.bytes_parsed + (apply_import_slice.to_offset - apply_import_slice.from_offset),
      rows_parsed = i.rows_parsed + row_count,
      chunks_queued = i.chunks_queued + chunk_count,
      rows_total = case when is_last then i.rows_parsed + row_count else i.rows_total end,
      chunks_total = case when is_last then i.chunks_queued + chunk_count else i.chunks_total end,
      status = case when is_last then 'processing' else i.status end
  where i.id = target.id
  returning i.* into target;

  if not is_last then
    perform pgmq.send('lead_import',
      jsonb_build_object('kind', 'parse', 'company_id', target.company_id, 'import_id', target.id,
                         'slice_no', case when slice_done then apply_import_slice.slice_no + 1 else apply_import_slice.slice_no end,
                         'offset', case when slice_done then 0 else apply_import_slice.to_offset end)
        || (next_parse - 'kind' - 'company_id' - 'import_id' - 'slice_no' - 'offset'));
  end if;
  return jsonb_build_object('applied', true, 'status', target.status, 'chunks', chunk_count, 'rows', row_count,
                            'last', is_last);
end
$$;
comment on function lead.apply_import_slice(uuid, integer, integer, integer, jsonb, jsonb) is
  'Worker side, one parse step in one transaction: claims bytes from_offset … to_offset of slice N (a step already applied changes nothing, {applied: false, duplicate: true}; a slice read to its end is deleted), queues its chunks [{header, fields, rows}] numbered after the ones before, counts bytes and rows, and either queues the next parse step ({kind: parse, slice_no, offset, …} || next_parse) or, after the last byte of the last slice, sets rows_total / chunks_total and moves the import to processing. An import no longer parsing only loses its slices.';

create function lead.fail_import_parse(import_id uuid, reason text) returns jsonb
language plpgsql security definer set search_path = ''
as $$
begin
  if nullif(btrim(reason), '') is null then
    raise exception 'a reason is required' using errcode = '22023', hint = 'dead_letter_malformed';
  end if;
  update lead.lead_imports i
  set status = 'failed', error = coalesce(i.error, fail_import_parse.reason)
  where i.id = fail_import_parse.import_id and i.status = 'parsing';
  return jsonb_build_object('applied', found);
end
$$;
comment on function lead.fail_import_parse(uuid, text) is
  'Worker side, dead letter of a parse step: the import (still parsing) fails with reason; its remaining slices are dropped. Rows of slices parsed before stay applied and reported. Anything else changes nothing.';

-- ---- grants ---------------------------------------------------------------------------------------

revoke execute on function lead._drop_finished_import_slices(), lead._open_upload(uuid), lead.store_import_slice(uuid, integer, bytea),
  lead.finish_import_upload(uuid, bigint, jsonb), lead.apply_import_slice(uuid, integer, integer, integer, jsonb, jsonb),
  lead.fail_import_parse(uuid, text) from public;
grant execute on function lead.store_import_slice(uuid, integer, bytea), lead.finish_import_upload(uuid, bigint, jsonb)
  to authenticated;
grant execute on function lead.apply_import_slice(uuid, integer, integer, integer, jsonb, jsonb), lead.fail_import_parse(uuid, text)
  to service_role;
grant select, insert, update, delete on lead.lead_import_slices to service_role;
