// Push: drains pgmq `crm_sync` (one message per lead change, sent by lead._enqueue_crm_sync) and makes
// Dinamize hold each lead, on the shared worker runtime (_shared/worker.ts). Per batch: one read, one
// query for the leads and their lead_sync rows, sequential Dinamize calls (the account allows ~60 a
// minute, so parallel calls would only hit the limit sooner), then one transaction that writes every
// outcome set-based: lead_sync, the call log and integration states, and with them what happens to
// each message (archive, ops.dead_letter, visibility timeout).
//
// Message fate (the visibility timeout drives every retry; nothing is deleted):
//   synced                      → lead_sync synced (+ external_id), message archived
//   rate limit 240024           → message invisible for retry-after s; lead_sync pending, attempts+1;
//                                 the company's other messages in this run wait as long, without a call
//   5xx, timeout, token refused → message invisible for an exponential backoff; attempts+1; after
//                                 `maxAttempts` lead_sync failed and the message dead-lettered
//   credentials refused         → integration status error; the company's messages wait 5 min; no more
//                                 calls for that company in this run (attempts unchanged: not the lead's fault)
//   malformed request, lead without e-mail, sync turned off on the lead since, integration disabled
//                               → lead_sync failed (last_error says which), message dead-lettered
//   lead deleted, or not of the company the message names → archived
//   the run's budget ended      → message visible again at once, for the next run
import { type CrmSyncMessage, CrmSyncMessageSchema } from '@rastro/contracts';
import type pg from 'pg';
import { dbPool } from '../_shared/db.ts';
import type { DinamizeContactInput } from '../_shared/dinamize.ts';
import { writeIntegrationCalls } from '../_shared/integrations-log.ts';
import { Queue, type QueueMessage } from '../_shared/queue.ts';
import {
  type Backoff,
  backoffSeconds as backoff,
  type QueueWorker,
  type RunContext,
  type Settlement,
  type Verdict,
} from '../_shared/worker.ts';
import { type DinamizeLink, loadIntegrations, openLink, saveLinkStates } from './links.ts';

export const crmSyncQueue = new Queue('crm_sync');
export const pushWorkerName = 'crm-sync-worker';
/** Dinamize failures (5xx, timeouts, expired tokens) of one lead before it is dead-lettered. */
export const maxAttempts = 8;
const pushBackoff: Backoff = { baseSeconds: 60, capSeconds: 3600, jitter: 0.1 };
/** How long a company's messages wait after its credentials or settings were found unusable. */
export const configRetrySeconds = 300;

export type PushOptions = {
  batchSize?: number;
  /** Seconds a read batch stays invisible to other workers while this one works on it. */
  visibilitySeconds?: number;
  timeoutMs?: number;
};

/** Seconds before retry n (1-based): 60, 120, 240 … capped at an hour, plus up to 10 % jitter. */
export function backoffSeconds(attempts: number, random: number = Math.random()): number {
  return backoff(attempts, pushBackoff, random);
}

type LeadRow = {
  msg_id: string;
  lead_id: string | null;
  company_id: string | null;
  email: string | null;
  name: string | null;
  phone: string | null;
  company_name: string | null;
  job_title: string | null;
  status: string | null;
  sync_to_crm: boolean | null;
  sync_id: string | null;
  external_id: string | null;
  attempts: number | null;
  sync_version: string | null;
};

type Outcome =
  | { msgId: string; kind: 'synced'; lead: LeadRow; externalId: string; operation: 'add' | 'update' }
  | { msgId: string; kind: 'retry'; lead: LeadRow | null; delaySeconds: number; countsAttempt: boolean; error: string }
  | { msgId: string; kind: 'failed'; lead: LeadRow | null; countsAttempt: boolean; error: string }
  | { msgId: string; kind: 'dropped' }
  | { msgId: string; kind: 'released' };

/**
 * The push worker on the shared runtime. Attempts are counted per lead in lead_sync (only failures
 * that are the lead's: not rate limits or refused credentials), so no read-count limit applies; a
 * batch shares one Dinamize link per company across the run, and settles in one transaction.
 */
export function pushWorker(options: PushOptions = {}): QueueWorker {
  const links = new Map<string, DinamizeLink>();
  return {
    name: pushWorkerName,
    queue: crmSyncQueue,
    batchSize: options.batchSize ?? 10,
    visibilitySeconds: options.visibilitySeconds ?? 120,
    backoff: pushBackoff,
    label: (message) => `crm_sync message ${message.msg_id}`,
    handleBatch: async (messages, run) => {
      const outcomes = await processBatch(messages, links, run, options);
      return [settlementOf(messages, outcomes, links)];
    },
    chain: { functionName: pushWorkerName, payload: { mode: 'push' } },
  };
}

function settlementOf(messages: QueueMessage[], outcomes: Outcome[], links: Map<string, DinamizeLink>): Settlement {
  const byId = new Map(messages.map((message) => [message.msg_id, message]));
  const verdictOf = (outcome: Outcome): Verdict => {
    switch (outcome.kind) {
      case 'synced':
        return { outcome: 'succeeded' };
      case 'dropped':
        return { outcome: 'skipped' };
      case 'released':
        return { outcome: 'released' };
      case 'failed':
        return { outcome: 'failed', error: outcome.error };
      case 'retry':
        return { outcome: 'retry', error: outcome.error, delaySeconds: outcome.delaySeconds };
    }
  };
  return {
    verdicts: outcomes.map((outcome) => ({ message: byId.get(outcome.msgId)!, verdict: verdictOf(outcome) })),
    write: (tx) => writeOutcomes(tx, outcomes, links),
  };
}

async function processBatch(
  messages: QueueMessage[],
  links: Map<string, DinamizeLink>,
  run: RunContext,
  options: PushOptions,
): Promise<Outcome[]> {
  const valid: { msgId: string; message: CrmSyncMessage }[] = [];
  const outcomes: Outcome[] = [];
  for (const row of messages) {
    const parsed = CrmSyncMessageSchema.safeParse(row.message);
    if (parsed.success) {
      valid.push({ msgId: row.msg_id, message: parsed.data });
    } else {
      outcomes.push({ msgId: row.msg_id, kind: 'failed', lead: null, countsAttempt: false, error: 'invalid_message' });
    }
  }
  if (valid.length === 0) return outcomes;

  // The company is the lead's own: a message naming another company finds no lead and is dropped.
  const { rows: leads } = await dbPool().query<LeadRow>(
    `select m.msg_id::text, l.id as lead_id, l.company_id, l.email, l.name, l.phone, l.company_name, l.job_title, l.status, l.sync_to_crm,
            s.id as sync_id, s.external_id, s.attempts, s.updated_at::text as sync_version
     from jsonb_to_recordset($1::jsonb) as m (msg_id bigint, lead_id uuid, company_id uuid)
     left join lead.leads l on l.id = m.lead_id and l.company_id = m.company_id
     left join lead.lead_sync s on s.lead_id = l.id and s.provider = 'dinamize'`,
    [JSON.stringify(
      valid.map(({ msgId, message }) => ({ msg_id: msgId, lead_id: message.lead_id, company_id: message.company_id })),
    )],
  );
  const leadByMessage = new Map(leads.map((lead) => [lead.msg_id, lead]));
  const codesLearned = new Map<string, string>();
  const newCompanies = [
    ...new Set(leads.map((lead) => lead.company_id).filter((id): id is string => id !== null && !links.has(id))),
  ];
  if (newCompanies.length > 0) {
    const integrations = await loadIntegrations(dbPool(), newCompanies);
    for (const companyId of newCompanies) {
      links.set(companyId, await openLink(integrations.get(companyId), companyId, options.timeoutMs));
    }
  }

  for (const { msgId } of valid) {
    if (run.outOfBudget()) {
      outcomes.push({ msgId, kind: 'released' });
      continue;
    }
    const lead = leadByMessage.get(msgId);
    if (!lead?.lead_id || !lead.company_id || !lead.sync_id) {
      outcomes.push({ msgId, kind: 'dropped' });
      continue;
    }
    // A lead changed twice is in the batch twice: the second push updates the contact the first made.
    const outcome = await pushLead(msgId, {
      ...lead,
      external_id: lead.external_id ?? codesLearned.get(lead.lead_id) ?? null,
    }, links.get(lead.company_id)!);
    if (outcome.kind === 'synced') codesLearned.set(lead.lead_id, outcome.externalId);
    outcomes.push(outcome);
  }
  return outcomes;
}

async function pushLead(msgId: string, lead: LeadRow, link: DinamizeLink): Promise<Outcome> {
  const failed = (error: string, countsAttempt = false): Outcome => ({
    msgId,
    kind: 'failed',
    lead,
    countsAttempt,
    error,
  });
  const retry = (delaySeconds: number, error: string, countsAttempt: boolean): Outcome => ({
    msgId,
    kind: 'retry',
    lead,
    delaySeconds,
    countsAttempt,
    error,
  });

  if (link.unusable === 'credentials_unreadable' || link.unusable === 'settings_invalid') {
    return retry(configRetrySeconds, link.unusable, false);
  }
  if (link.unusable) return failed(link.unusable);
  if (link.credentialsRefused) return retry(configRetrySeconds, 'invalid_credentials', false);
  const waitMs = link.blockedUntil - Date.now();
  if (waitMs > 0) {
    return retry(Math.ceil(waitMs / 1000), 'rate_limited: waiting for the retry-after of an earlier call', false);
  }
  if (!lead.sync_to_crm) return failed('lead_sync_turned_off');
  if (!lead.email) return failed('lead_has_no_email');

  link.leadId = lead.lead_id;
  const result = await link.client!.pushContact(
    link.settings!.contact_list_code,
    contactOf(lead, link),
    lead.external_id,
  );
  link.leadId = null;
  if (result.ok) {
    return {
      msgId,
      kind: 'synced',
      lead,
      externalId: result.contactCode,
      operation: result.operation === 'added' ? 'add' : 'update',
    };
  }

  const attempts = (lead.attempts ?? 0) + 1;
  const described = `${result.kind}${result.code ? ` (${result.code})` : ''}: ${result.detail}`;
  switch (result.kind) {
    case 'rate_limited':
      link.blockedUntil = Date.now() + result.retryAfterSeconds * 1000;
      return retry(result.retryAfterSeconds, described, true);
    case 'auth_failed':
      link.credentialsRefused = { code: result.code, detail: result.detail };
      return retry(configRetrySeconds, described, false);
    case 'server_error':
    case 'timeout':
    case 'token_expired':
      return attempts >= maxAttempts
        ? failed(`${described} (gave up after ${attempts} attempts)`, true)
        : retry(backoffSeconds(attempts), described, true);
    default:
      return failed(described, true);
  }
}

/** The lead as a Dinamize contact: e-mail, name, our lead id as external code, mapped custom fields. */
function contactOf(lead: LeadRow, link: DinamizeLink): DinamizeContactInput {
  const customFields: Record<string, string> = {};
  for (const [field, code] of Object.entries(link.settings!.custom_fields)) {
    const value = lead[field as 'phone' | 'company_name' | 'job_title' | 'status'];
    if (code && value) customFields[code] = value;
  }
  return { email: lead.email!, name: lead.name, externalCode: lead.lead_id, customFields };
}

/** The batch's domain writes: lead_sync outcomes, the call log, integration states. */
async function writeOutcomes(
  client: pg.PoolClient,
  outcomes: Outcome[],
  links: Map<string, DinamizeLink>,
): Promise<void> {
  // One row per lead_sync row (the last outcome wins when a lead was in the batch twice), since an
  // UPDATE … FROM applies only one of several matching source rows.
  const lastOutcomes = new Map<string, Outcome>();
  for (const outcome of outcomes) {
    if ((outcome.kind === 'synced' || outcome.kind === 'retry' || outcome.kind === 'failed') && outcome.lead?.sync_id) {
      lastOutcomes.set(outcome.lead.sync_id, outcome);
    }
  }
  const syncRows = [...lastOutcomes.values()].flatMap((outcome) => {
    if (outcome.kind === 'dropped' || outcome.kind === 'released' || !outcome.lead?.sync_id) return [];
    return [{
      sync_id: outcome.lead.sync_id,
      sync_version: outcome.lead.sync_version,
      status: outcome.kind === 'synced' ? 'synced' : outcome.kind === 'failed' ? 'failed' : 'pending',
      attempt: outcome.kind === 'synced' || outcome.countsAttempt ? 1 : 0,
      external_id: outcome.kind === 'synced' ? outcome.externalId : null,
      operation: outcome.kind === 'synced' ? outcome.operation : null,
      error: outcome.kind === 'synced' ? null : outcome.error,
      delay_seconds: outcome.kind === 'retry' ? outcome.delaySeconds : null,
    }];
  });
  if (syncRows.length > 0) {
    // Skipped when the row changed since it was read (a newer change is queued and will be pushed).
    await client.query(
      `update lead.lead_sync s
       set status = o.status,
           attempts = s.attempts + o.attempt,
           external_id = coalesce(o.external_id, s.external_id),
           last_operation = coalesce(o.operation, s.last_operation),
           last_error = o.error,
           next_attempt_at = case when o.delay_seconds is null then null else now() + make_interval(secs => o.delay_seconds) end,
           synced_at = case when o.status = 'synced' then now() else s.synced_at end
       from jsonb_to_recordset($1::jsonb) as o (sync_id uuid, sync_version text, status text, attempt integer, external_id text,
                                                operation text, error text, delay_seconds integer)
       where s.id = o.sync_id and s.updated_at = o.sync_version::timestamptz`,
      [JSON.stringify(syncRows)],
    );
  }

  const calls = [...links.values()].flatMap((link) => link.calls.splice(0));
  await writeIntegrationCalls(client, calls);
  await saveLinkStates(client, links.values());
}
