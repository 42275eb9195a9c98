// meta-queue-worker: drains pgmq conversion_meta and sends the conversions to Meta's Conversions API
// (batches of up to 1,000 events per pixel; _shared/conversions/dispatch.ts). Called with the
// service-role key by pg_cron every minute, by register_conversion's kick after commit and by its own
// chained run (ops.invoke_edge_function).
import { conversionWorkerEndpoint } from '../_shared/conversions/worker-endpoint.ts';

export const metaWorkerNames = {
  workerName: 'meta-queue-worker',
  functionName: 'meta-queue-worker',
  queueName: 'conversion_meta',
};

export const handler = conversionWorkerEndpoint(metaWorkerNames);
