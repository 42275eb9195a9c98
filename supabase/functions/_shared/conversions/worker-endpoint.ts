// The HTTP face shared by meta-queue-worker and platform-sync-worker: body DispatchBatch
// ({ trigger?, maxRuntimeMs?, batchSize?, visibilitySeconds?, retryBaseSeconds? }), answer
// DispatchBatchResult ({ processed, succeeded, failed, retried }), as ops.worker_runs records it.
// Sizing per invocation (decision 0005): 1,000 ms of CPU, 20,000 messages, maxRuntimeMs of wall time.
import { DispatchBatchSchema } from '@rastro/contracts';
import { readJsonBody } from '../json-body.ts';
import { Queue } from '../queue.ts';
import { type Budget, runQueueWorker, workerEndpoint } from '../worker.ts';
import { conversionQueueWorker, type DispatchSettings } from './dispatch.ts';

export const conversionBudget: Omit<Budget, 'wallMs'> = { cpuMs: 1000, maxMessages: 20_000 };

export function conversionWorkerEndpoint(
  names: { workerName: string; functionName: string; queueName: string },
  overrides: Partial<DispatchSettings> = {},
): (req: Request) => Promise<Response> {
  const queue = new Queue(names.queueName);
  return workerEndpoint(async (req) => {
    const request = await readJsonBody(req, DispatchBatchSchema, { emptyAs: {} });
    const retryBase = request.retryBaseSeconds ?? 30;
    const settings: DispatchSettings = {
      workerName: names.workerName,
      functionName: names.functionName,
      queue,
      batchSize: request.batchSize ?? 1000,
      visibilitySeconds: request.visibilitySeconds ?? 60,
      maxAttempts: 8,
      // 30 s, 60 s … capped at 16 × the base (8 min), plus up to 50 % jitter.
      backoff: { baseSeconds: retryBase, capSeconds: retryBase * 16, jitter: 0.5 },
      timeoutMs: 20_000,
      env: (name) => Deno.env.get(name),
      ...overrides,
    };
    const chainPayload = Object.fromEntries(
      Object.entries({
        maxRuntimeMs: request.maxRuntimeMs,
        batchSize: request.batchSize,
        visibilitySeconds: request.visibilitySeconds,
        retryBaseSeconds: request.retryBaseSeconds,
      }).filter(([, value]) => value !== undefined),
    );
    return await runQueueWorker(conversionQueueWorker(settings, chainPayload), {
      ...conversionBudget,
      wallMs: request.maxRuntimeMs,
    });
  }, 'POST { trigger?, maxRuntimeMs?, batchSize?, visibilitySeconds?, retryBaseSeconds? }');
}
