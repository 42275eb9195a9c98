// Push: drains pgmq `crm_sync` (one message per lead change, sent by lead._enqueue_crm_sync) and makes
// Dinamize hold each lead. Per batch: one read, one query for the leads and their lead_sync rows,
// sequential Dinamize calls (the account allows ~60 a minute, so parallel calls would only hit the
// limit sooner), then one transaction that writes every outcome set-based: lead_sync, archive,
// visibility timeouts, the call log and integration states.
//
// Message fate (the visibility timeout drives every retry; nothing is deleted):
//   synced                      → lead_sync synced (+ external_id), message archived
//   rate limit 240024           → message invisible for retry-after s; lead_sync pending, attempts+1;
//                                 the company's other messages in this run wait as long, without a call
//   5xx, timeout, token refused → message invisible for an exponential backoff; attempts+1; after
//                                 `maxAttempts` lead_sync failed and the message archived (dead letter)
//   credentials refused         → integration status error; the company's messages wait 5 min; no more
//                                 calls for that company in this run (attempts unchanged: not the lead's fault)
//   malformed request, lead without e-mail, sync turned off on the lead since, integration disabled
//                               → lead_sync failed (last_error says which), archived
//   lead deleted                → archived
import { type CrmSyncMessage, CrmSyncMessageSchema } from '@rastro/contracts';
import type pg from 'pg';
import { dbPool, inTransaction } from '../_shared/db.ts';
import type { DinamizeContactInput } from '../_shared/dinamize.ts';
import { writeIntegrationCalls } from '../_shared/integrations-log.ts';
import { type DinamizeLink, loadIntegrations, openLink, saveLinkStates } from './links.ts';

export const crmSyncQueue = 'crm_sync';
export const maxAttempts = 8;
const backoffBaseSeconds = 60;
const backoffCapSeconds = 3600;
/** How long a company's messages wait after its credentials or settings were found unusable. */
export const configRetrySeconds = 300;

export type Counts = { processed: number; succeeded: number; failed: number; retried: number };

export type PushOptions = {
  /** Epoch ms after which no new message is started. */
  deadline: number;
  batchSize?: number;
  /** Seconds a read batch stays invisible to other workers while this one works on it. */
  visibilitySeconds?: number;
  timeoutMs?: number;
};

/** Seconds before retry n (1-based): 60, 120, 240 … capped at an hour, plus up to 10 % jitter. */
export function backoffSeconds(attempts: number, random: number = Math.random()): number {
  const base = Math.min(backoffBaseSeconds * 2 ** Math.max(attempts - 1, 0), backoffCapSeconds);
  return Math.round(base * (1 + 0.1 * random));
}

type QueueMessage = { msg_id: string; read_ct: number; message: unknown };

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

export async function drainQueue(options: PushOptions): Promise<Counts> {
  const counts: Counts = { processed: 0, succeeded: 0, failed: 0, retried: 0 };
  const links = new Map<string, DinamizeLink>();
  const batchSize = options.batchSize ?? 10;
  const visibilitySeconds = options.visibilitySeconds ?? 120;
  while (Date.now() < options.deadline) {
    const { rows } = await dbPool().query<QueueMessage>('select msg_id, read_ct, message from pgmq.read($1, $2, $3)', [
      crmSyncQueue,
      visibilitySeconds,
      batchSize,
    ]);
    if (rows.length === 0) break;
    const outcomes = await processBatch(rows, links, options);
    await inTransaction((client) => applyOutcomes(client, outcomes, links));
    for (const outcome of outcomes) {
      if (outcome.kind === 'released') continue;
      counts.processed++;
      if (outcome.kind === 'synced') counts.succeeded++;
      else if (outcome.kind === 'failed') counts.failed++;
      else if (outcome.kind === 'retry') counts.retried++;
    }
  }
  return counts;
}

async function processBatch(
  messages: QueueMessage[],
  links: Map<string, DinamizeLink>,
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
    if (Date.now() >= options.deadline) {
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

async function applyOutcomes(
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

  const archived = outcomes.filter((outcome) =>
    outcome.kind === 'synced' || outcome.kind === 'failed' || outcome.kind === 'dropped'
  ).map((outcome) => outcome.msgId);
  if (archived.length > 0) await client.query('select pgmq.archive($1, $2::bigint[])', [crmSyncQueue, archived]);

  const delayed = outcomes.flatMap((outcome) =>
    outcome.kind === 'retry'
      ? [{ msg_id: outcome.msgId, delay: outcome.delaySeconds }]
      : outcome.kind === 'released'
      ? [{ msg_id: outcome.msgId, delay: 0 }]
      : []
  );
  if (delayed.length > 0) {
    await client.query(
      `select count(*) from jsonb_to_recordset($1::jsonb) as v (msg_id bigint, delay integer)
       cross join lateral pgmq.set_vt($2, v.msg_id, v.delay)`,
      [JSON.stringify(delayed), crmSyncQueue],
    );
  }

  const calls = [...links.values()].flatMap((link) => link.calls.splice(0));
  await writeIntegrationCalls(client, calls);
  await saveLinkStates(client, links.values());
}
