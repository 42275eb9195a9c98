-- A first pull of any size (issue 11, item 3): the contacts pull walks Dinamize page by page on a
-- keyset cursor (insert date, contact code) kept in ops.sync_state, and each page is applied and the
-- cursor moved in one transaction (lead.apply_crm_pull_page). A worker killed mid-page therefore
-- redoes at most that page, which changes nothing the second time (upsert by e-mail). A page is
-- applied only when the cursor is still the one it was fetched from, so two runs racing on one
-- company never both apply it. When a pass reaches the end, its start time becomes the incremental
-- high-water mark (last_successful_sync) the 15-minute pulls start from, as before.

alter table ops.sync_state
  add column pass_started_at timestamptz,
  add column cursor_inserted_at timestamptz,
  add column cursor_contact_code bigint,
  add column pass_pulled bigint not null default 0,
  add column pass_pages integer not null default 0,
  add column last_page_at timestamptz,
  add column pass_finished_at timestamptz,
  add constraint pass_counts_are_not_negative check (pass_pulled >= 0 and pass_pages >= 0),
  add constraint cursor_is_whole check ((cursor_inserted_at is null) = (cursor_contact_code is null));

comment on table ops.sync_state is
  'The high-water mark of each periodic pull (e.g. sync_type contacts_pull) and, while a pass runs, its keyset cursor. The mark moves when a pass reaches the end; the cursor moves with every page applied.';
comment on column ops.sync_state.last_successful_sync is 'Start time of the last pull pass that reached the end; the next pass asks for contacts inserted since then (less an overlap).';
comment on column ops.sync_state.pass_started_at is 'When the running pass began (null: no pass running). Becomes last_successful_sync when the pass reaches the end.';
comment on column ops.sync_state.cursor_inserted_at is 'Keyset cursor of the running pass: insert date of the last contact applied. With cursor_contact_code it breaks ties on the date.';
comment on column ops.sync_state.cursor_contact_code is 'Keyset cursor of the running pass: Dinamize code of the last contact applied (codes grow as contacts are added).';
comment on column ops.sync_state.pass_pulled is 'Contacts applied so far by the running pass (or the last finished one).';
comment on column ops.sync_state.pass_pages is 'Pages applied so far by the running pass (or the last finished one).';
comment on column ops.sync_state.last_page_at is 'When the last page was applied.';
comment on column ops.sync_state.pass_finished_at is 'When the last pass reached the end (null while the first pass runs).';

create function lead.apply_crm_pull_page(
  integration_id uuid,
  sync_type text,
  fetched_after_inserted_at timestamptz,
  fetched_after_contact_code bigint,
  contacts jsonb,
  next_inserted_at timestamptz,
  next_contact_code bigint,
  reached_end boolean
) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  mark ops.sync_state;
  applied jsonb := '{}'::jsonb;
begin
  if (next_inserted_at is null) <> (next_contact_code is null) then
    raise exception 'the next cursor needs both an insert date and a contact code' using errcode = '22023', hint = 'cursor_not_whole';
  end if;
  select s.* into mark from ops.sync_state s
  where s.integration_id = apply_crm_pull_page.integration_id and s.sync_type = apply_crm_pull_page.sync_type
  for update;
  if mark.id is null then
    raise exception 'no % state for integration %', apply_crm_pull_page.sync_type, apply_crm_pull_page.integration_id
      using errcode = 'PT404', hint = 'sync_state_not_found';
  end if;
  -- Another run applied a page since this one was fetched (or the pass was restarted): apply nothing.
  if mark.pass_started_at is null
     or mark.cursor_inserted_at is distinct from fetched_after_inserted_at
     or mark.cursor_contact_code is distinct from fetched_after_contact_code then
    return jsonb_build_object('applied', false);
  end if;
  if jsonb_array_length(contacts) > 0 then
    applied := lead.apply_crm_pull(apply_crm_pull_page.integration_id, contacts);
  end if;
  update ops.sync_state s
  set cursor_inserted_at = case when reached_end then null else coalesce(next_inserted_at, s.cursor_inserted_at) end,
      cursor_contact_code = case when reached_end then null else coalesce(next_contact_code, s.cursor_contact_code) end,
      pass_pulled = s.pass_pulled + jsonb_array_length(contacts),
      pass_pages = s.pass_pages + 1,
      last_page_at = now(),
      last_successful_sync = case when reached_end then s.pass_started_at else s.last_successful_sync end,
      pass_finished_at = case when reached_end then now() else s.pass_finished_at end,
      pass_started_at = case when reached_end then null else s.pass_started_at end,
      last_error = case when reached_end then null else s.last_error end
  where s.id = mark.id;
  return applied || jsonb_build_object('applied', true, 'reached_end', reached_end);
end
$$;
comment on function lead.apply_crm_pull_page(uuid, text, timestamptz, bigint, jsonb, timestamptz, bigint, boolean) is
  'Server-only. Applies one pulled page (lead.apply_crm_pull) and moves the pass''s keyset cursor to (next_inserted_at, next_contact_code) in the same transaction, only when the cursor is still (fetched_after_*) — else returns {applied: false} and writes nothing. reached_end closes the pass: its start becomes last_successful_sync and the cursor is cleared.';

revoke execute on function lead.apply_crm_pull_page(uuid, text, timestamptz, bigint, jsonb, timestamptz, bigint, boolean) from public;
grant execute on function lead.apply_crm_pull_page(uuid, text, timestamptz, bigint, jsonb, timestamptz, bigint, boolean) to service_role;
