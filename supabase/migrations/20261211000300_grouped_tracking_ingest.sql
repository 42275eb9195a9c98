-- track: the batches one isolate has waiting at the same moment are written by one statement, one
-- transaction and one commit (decision 0010, "Grouped batches"; the e-mail clicks do the same, migration
-- 20261211000200). lead.ingest_tracking_batches takes a JSON array of what lead.ingest_tracking_batch
-- takes and answers, in the same order, what it would have answered for each; each batch is still
-- written whole and idempotently on its client event ids. The caller orders a group by site key,
-- visitor and session (keeping the order of one session's batches), so two groups lock sessions and
-- journeys in the same order and do not deadlock; a group that fails anyway is retried batch by batch
-- by the caller (_shared/group-commit.ts).
--
-- Both run with plan_cache_mode = force_generic_plan: left to choose, the plan cache re-planned some of
-- the batch's statements at every call (custom plans over the monthly partitions of sessions, page
-- views and events look cheaper); the plpgsql profiler, 300 one-event batches on the dev stack: 295 ms
-- in the function before, 240 ms after, the session upsert alone 69 → 41 ms.

alter function lead.ingest_tracking_batch(jsonb) set plan_cache_mode = force_generic_plan;

create function lead.ingest_tracking_batches(batches jsonb) returns jsonb
language plpgsql security definer set search_path = '' set plan_cache_mode = force_generic_plan
as $$
declare
  answers jsonb := '[]'::jsonb;
  one jsonb;
begin
  if jsonb_typeof(batches) is distinct from 'array' then
    raise exception 'lead.ingest_tracking_batches takes a JSON array of batches' using errcode = '22023';
  end if;
  -- One batch after another, in the order given: each is one request's set-based write (sessions,
  -- journey, touches, page views, events), and a later batch of a session must see the earlier one.
  for one in select b.value from jsonb_array_elements(batches) with ordinality as b (value, n) order by b.n loop
    answers := answers || jsonb_build_array(lead.ingest_tracking_batch(one));
  end loop;
  return answers;
end
$$;
comment on function lead.ingest_tracking_batches(jsonb) is
  'Writes a group of track batches (a JSON array of lead.ingest_tracking_batch inputs) in one transaction; answers the array of what lead.ingest_tracking_batch answers for each, in order. Service only.';

revoke execute on function lead.ingest_tracking_batches(jsonb) from public;
grant execute on function lead.ingest_tracking_batches(jsonb) to service_role;
