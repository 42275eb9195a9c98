-- The shared worker runtime (supabase/functions/_shared/worker.ts, docs/decisions/0005-worker-runtime.md):
-- * ops.worker_runs records why a run stopped and the CPU time it used, so the per-invocation sizing
--   (Supabase: 2 s CPU per request) can be watched run by run;
-- (lead_import chunk messages carry company_id since 20261201004000, which queues them from parse
-- steps: lead.apply_import_slice.)

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
