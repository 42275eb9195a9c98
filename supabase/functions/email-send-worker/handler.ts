// email-send-worker: drains queue `email_send` on the shared worker runtime (decision 0005). One
// message per campaign being sent ({company_id, campaign_id}, put there by mtrk.start_sending). Each
// turn of a message sends one batch:
//   1. mtrk.next_send_batch: the next queued messages after the campaign's keyset checkpoint, no more
//      than the company's per-minute rate still allows, each with whether its contact is still eligible;
//   2. render each eligible one (tracked CTAs, pixel, List-Unsubscribe + one-click headers) and hand
//      the batch to the campaign's transport (real SMTP or the simulator);
//   3. mtrk.record_send_batch in the settlement's transaction: sent events, failures, skips, the
//      simulator's planned events and the checkpoint move together with the message's fate.
// A full batch releases the message at once (the run goes on with the next batch); a batch cut short
// by the rate puts it off until the minute has room; an empty one finishes the campaign. A run that
// dies between sending and recording resends that one batch when resumed (at-least-once, at most
// `batchSize` messages): the checkpoint only moves with the record.
import { z } from 'zod';
import { dbPool } from '../_shared/db.ts';
import {
  type CampaignContent,
  type MessageToRender,
  renderMessage,
  type TrackingUrls,
  trackingUrlsFromEnv,
} from '../_shared/email-render.ts';
import {
  type EmailTransport,
  type SendOutcome,
  simulatorTransport,
  smtpSettingsFromEnv,
  smtpTransport,
} from '../_shared/email-transport.ts';
import { Queue, type QueueMessage } from '../_shared/queue.ts';
import { type Budget, type MessageWork, runQueueWorker, settle, workerEndpoint } from '../_shared/worker.ts';

export const emailSendQueue = new Queue('email_send');
export const emailSendWorkerName = 'email-send-worker';
/** Per invocation (decision 0005): rendering and signing 50 messages is a few ms of CPU. */
export const emailSendBudget: Budget = { wallMs: 50_000, cpuMs: 1000, maxMessages: 200 };

const SendJobSchema = z.object({ company_id: z.uuid(), campaign_id: z.uuid() });

export type EmailSendWorkerOptions = {
  /** Messages sent per batch. */
  batchSize?: number;
  /** The transports by name; default: SMTP from the environment, the simulator. */
  transports?: Partial<Record<'smtp' | 'simulator', () => EmailTransport>>;
  urls?: TrackingUrls;
  /** The queue to drain (tests use one of their own). */
  queue?: Queue;
  budget?: Partial<Budget>;
  chain?: boolean;
};

type Campaign = CampaignContent & { id: string; status: string; transport: 'smtp' | 'simulator' | null };
type BatchRow = {
  message_id: string | null;
  message_public_id: string;
  contact_public_id: string;
  email: string;
  name: string | null;
  eligible: boolean;
  link_public_ids: string[];
  allowance: number;
};

export function createEmailSendWorker(options: EmailSendWorkerOptions = {}): (req: Request) => Promise<Response> {
  const batchSize = options.batchSize ?? 50;
  const budget: Budget = { ...emailSendBudget, ...options.budget };
  return workerEndpoint(async () => {
    const opened = new Map<string, EmailTransport>();
    const transportFor = (name: 'smtp' | 'simulator'): EmailTransport => {
      const existing = opened.get(name);
      if (existing) return existing;
      const make = options.transports?.[name] ??
        (name === 'smtp' ? () => smtpTransport(smtpSettingsFromEnv()) : simulatorTransport);
      const made = make();
      opened.set(name, made);
      return made;
    };
    const work: MessageWork = {
      handle: (message) => sendBatch(message, batchSize, transportFor, options.urls ?? trackingUrlsFromEnv()),
    };
    try {
      return await runQueueWorker({
        name: emailSendWorkerName,
        queue: options.queue ?? emailSendQueue,
        batchSize: 2,
        visibilitySeconds: 120,
        maxReads: 1000,
        backoff: { baseSeconds: 10, capSeconds: 600, jitter: 0.2 },
        label: (message) => `campaign ${(message.message as { campaign_id?: string })?.campaign_id ?? '?'}`,
        work,
        chain: options.chain === false ? null : { functionName: emailSendWorkerName, payload: {}, maxOthers: 1 },
      }, budget);
    } finally {
      for (const transport of opened.values()) transport.close();
    }
  }, 'POST to send queued campaigns');
}

async function sendBatch(
  message: QueueMessage,
  batchSize: number,
  transportFor: (name: 'smtp' | 'simulator') => EmailTransport,
  urls: TrackingUrls,
) {
  const job = SendJobSchema.safeParse(message.message);
  if (!job.success) return settle(message, { outcome: 'failed', error: `message ${message.msg_id} is not a send job` });
  const { rows: [campaign] } = await dbPool().query<Campaign>(
    `select id, status, transport, subject, html_content as html, sender_name as "senderName", sender_email as "senderEmail"
     from mtrk.campaigns where id = $1 and company_id = $2`,
    [job.data.campaign_id, job.data.company_id],
  );
  // Deleted, paused, cancelled or already finished: nothing to do for this message.
  if (!campaign || campaign.status !== 'sending' || !campaign.transport) return settle(message, { outcome: 'skipped' });

  const { rows } = await dbPool().query<BatchRow>(
    'select * from mtrk.next_send_batch($1, $2)',
    [campaign.id, batchSize],
  );
  const batch = rows.filter((row) => row.message_id !== null);
  const allowance = rows[0]?.allowance ?? 0;
  if (batch.length === 0 && allowance === 0) {
    return settle(message, {
      outcome: 'retry',
      error: `campaign ${campaign.id}: per-minute rate reached`,
      delaySeconds: 15,
    });
  }

  const eligible = batch.filter((row) => row.eligible);
  const toSend = eligible.map((row) =>
    renderMessage(
      campaign,
      {
        messageId: row.message_id!,
        messagePublicId: row.message_public_id,
        email: row.email,
        name: row.name,
        linkPublicIds: row.link_public_ids,
      } satisfies MessageToRender,
      urls,
    )
  );
  const outcomes: SendOutcome[] = toSend.length > 0 ? await transportFor(campaign.transport).send(toSend) : [];
  const results = [
    ...outcomes.map((o) => ({
      message_id: o.messageId,
      outcome: o.outcome,
      provider_message_id: o.outcome === 'sent' ? o.providerMessageId : null,
      error: o.outcome === 'failed' ? o.error : null,
    })),
    ...batch.filter((row) => !row.eligible).map((row) => ({
      message_id: row.message_id,
      outcome: 'skipped',
      provider_message_id: null,
      error: 'no longer eligible (unsubscribed, suppressed or bounced since generation)',
    })),
  ];
  const write = (tx: { query: (sql: string, values: unknown[]) => Promise<unknown> }) =>
    tx.query('select mtrk.record_send_batch($1, $2::jsonb)', [campaign.id, JSON.stringify(results)]);
  // Empty batch with room left: nothing queued remains, recording it finishes the campaign.
  if (batch.length === 0) return settle(message, { outcome: 'succeeded' }, write);
  if (batch.length < batchSize && batch.length >= allowance) {
    return settle(message, {
      outcome: 'retry',
      error: `campaign ${campaign.id}: per-minute rate reached`,
      delaySeconds: 15,
    }, write);
  }
  return settle(message, { outcome: 'released' }, write);
}

export const handler = createEmailSendWorker();
