// platform-sync-worker: drains pgmq conversion_platforms and sends the conversions to Google Ads
// (uploadClickConversions, partial failures mapped to each delivery), TikTok's Events API, LinkedIn's
// Conversions API and companies' own conversion services (signed webhook), with the same engine and
// discipline as meta-queue-worker (_shared/conversions/dispatch.ts).
import { conversionWorkerEndpoint } from '../_shared/conversions/worker-endpoint.ts';

export const platformWorkerNames = {
  workerName: 'platform-sync-worker',
  functionName: 'platform-sync-worker',
  queueName: 'conversion_platforms',
};

export const handler = conversionWorkerEndpoint(platformWorkerNames);
