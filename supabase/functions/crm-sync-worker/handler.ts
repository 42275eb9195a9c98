// crm-sync-worker: pushes lead changes to Dinamize (mode push: drains pgmq crm_sync) and pulls new
// Dinamize contacts into leads (mode pull). Called with the service-role key by pg_cron (push every
// minute, pull every 15 minutes), by the enqueue trigger's kick and by its own chained run, through
// ops.invoke_edge_function. Both modes run on the shared worker runtime (_shared/worker.ts): recorded in
// ops.worker_runs, sized per invocation (wall time, CPU time, messages); a pull pass longer than one
// invocation chains the next (pull.ts).
// Body: { mode?: 'push' | 'pull', maxRuntimeMs?, continuePasses? (pull: only passes under way) } — answers { processed, succeeded, failed, retried },
// the same counts it writes to ops.worker_runs.
import { CrmSyncWorkerRequestSchema } from '@rastro/contracts';
import { readJsonBody } from '../_shared/json-body.ts';
import { type Budget, chainNext, recordRun, runQueueWorker, workerEndpoint } from '../_shared/worker.ts';
import { pullContacts, pullWorkerName } from './pull.ts';
import { pushWorker } from './push.ts';

/** Per invocation; the request's maxRuntimeMs sets the wall time. See docs/decisions/0005-worker-runtime.md. */
export const crmSyncBudget: Omit<Budget, 'wallMs'> = { cpuMs: 1000, maxMessages: 300 };

export const handler = workerEndpoint(async (req) => {
  const request = await readJsonBody(req, CrmSyncWorkerRequestSchema, { emptyAs: {} });
  const budget: Budget = { ...crmSyncBudget, wallMs: request.maxRuntimeMs };
  if (request.mode === 'pull') {
    return (await recordRun(pullWorkerName, async (state) => {
      state.stoppedBy = await pullContacts(budget, state, { continuePasses: request.continuePasses });
      // A pass stopped by the budget goes on in the next run at once, unless another pull run is
      // still going (it chains itself); pg_cron's 15-minute pull picks up a lost kick.
      if (state.stoppedBy === 'wall' || state.stoppedBy === 'cpu') {
        await chainNext(pullWorkerName, {
          functionName: 'crm-sync-worker',
          payload: { mode: 'pull', maxRuntimeMs: request.maxRuntimeMs, continuePasses: true },
          // Kicked only while no other pull run is unfinished: pull runs never overlap by design.
          maxOthers: 1,
        }, state);
      }
    })).counts;
  }
  return await runQueueWorker(pushWorker(), budget);
}, 'POST { mode?: "push" | "pull", maxRuntimeMs? }');
