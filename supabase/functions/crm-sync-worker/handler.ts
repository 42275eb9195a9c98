// crm-sync-worker: pushes lead changes to Dinamize (mode push: drains pgmq crm_sync) and pulls new
// Dinamize contacts into leads (mode pull). Called with the service-role key by pg_cron (push every
// minute, pull every 15 minutes) and by the enqueue trigger's kick, through ops.invoke_edge_function.
// Body: { mode?: 'push' | 'pull', maxRuntimeMs? } — answers { processed, succeeded, failed, retried },
// the same counts it writes to ops.worker_runs.
import { CrmSyncWorkerRequestSchema, type CrmSyncWorkerResult } from '@rastro/contracts';
import { requireServiceRole } from '../_shared/claims.ts';
import { dbPool } from '../_shared/db.ts';
import { HttpError, toErrorResponse } from '../_shared/errors.ts';
import { readJsonBody } from '../_shared/json-body.ts';
import { pullContacts } from './pull.ts';
import { drainQueue } from './push.ts';

export async function handler(req: Request): Promise<Response> {
  try {
    if (req.method !== 'POST') {
      throw new HttpError(405, 'method_not_allowed', 'POST { mode?: "push" | "pull", maxRuntimeMs? }');
    }
    requireServiceRole(req);
    const request = await readJsonBody(req, CrmSyncWorkerRequestSchema, { emptyAs: {} });
    const deadline = Date.now() + request.maxRuntimeMs;
    const worker = request.mode === 'pull' ? 'crm-sync-worker:pull' : 'crm-sync-worker';
    const { rows: [run] } = await dbPool().query<{ id: string }>(
      'insert into ops.worker_runs (worker) values ($1) returning id',
      [worker],
    );
    let result: CrmSyncWorkerResult;
    try {
      result = request.mode === 'pull' ? await pullContacts({ deadline }) : await drainQueue({ deadline });
    } catch (error) {
      await finishRun(
        run.id,
        { processed: 0, succeeded: 0, failed: 0, retried: 0 },
        error instanceof Error ? error.message : String(error),
      );
      throw error;
    }
    await finishRun(run.id, result, null);
    return Response.json(result);
  } catch (error) {
    return toErrorResponse(error);
  }
}

async function finishRun(id: string, counts: CrmSyncWorkerResult, error: string | null): Promise<void> {
  await dbPool().query(
    `update ops.worker_runs set finished_at = now(), processed = $2, succeeded = $3, failed = $4, retried = $5, error = $6 where id = $1`,
    [id, counts.processed, counts.succeeded, counts.failed, counts.retried, error],
  );
}
