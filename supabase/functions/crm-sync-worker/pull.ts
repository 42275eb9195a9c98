// Pull (seed 004 scenario D): for each company with an active Dinamize integration, fetch the
// contacts inserted since ops.sync_state.last_successful_sync (sync_type contacts_pull), page by page,
// and write each page with lead.apply_crm_pull — one set-based upsert by e-mail per page, origin
// dinamize, linked in lead_sync, not pushed back. The mark moves to the pull's start time only when
// every page was fetched and written; a failure (or the run's budget: wall or CPU time) leaves it where
// it was, and the next pull asks again (writing a page twice changes nothing). A pull is not chained:
// it would start again from the same mark.
import type pg from 'pg';
import { dbPool, inTransaction } from '../_shared/db.ts';
import type { DinamizeContact } from '../_shared/dinamize.ts';
import { writeIntegrationCalls } from '../_shared/integrations-log.ts';
import { type DinamizeLink, integrationColumns, type IntegrationRow, openLink, saveLinkStates } from './links.ts';
import {
  type Budget,
  type BudgetClock,
  describe,
  type RunState,
  startBudget,
  type StopReason,
} from '../_shared/worker.ts';

export const pullSyncType = 'contacts_pull';
export const pullWorkerName = 'crm-sync-worker:pull';
const defaultPageSize = 500;
/**
 * The search starts this long before the mark: Dinamize stamps insert_date with its own clock, to the
 * second, and a contact can become searchable a little after its insert_date. Re-reading a few
 * minutes is harmless (the upsert is idempotent); missing a contact is not.
 */
export const pullOverlapSeconds = 600;

export type PullOptions = { pageSize?: number; timeoutMs?: number };

type PullRun = PullOptions & { clock: BudgetClock };

/** Pulls every active integration in turn (counts are integrations); returns why it stopped. */
export async function pullContacts(budget: Budget, state: RunState, options: PullOptions = {}): Promise<StopReason> {
  const clock = startBudget(budget);
  const { rows } = await dbPool().query<IntegrationRow>(
    `select ${integrationColumns} from ops.integrations
     where provider = 'dinamize' and sync_enabled and has_credentials
     order by company_id`,
  );
  for (const row of rows) {
    const over = clock.exhausted(0);
    if (over) return over;
    state.counts.processed++;
    const error = await pullOne(row, { ...options, clock });
    if (error === null) state.counts.succeeded++;
    else {
      state.counts.failed++;
      state.problems.push(`integration ${row.id}: ${error}`);
    }
  }
  return 'drained';
}

/** One integration's pull; null when complete, else why not. */
async function pullOne(row: IntegrationRow, options: PullRun): Promise<string | null> {
  const link = await openLink(row, row.company_id, options.timeoutMs);
  const { rows: [mark] } = await dbPool().query<{ last_successful_sync: Date | null; started_at: Date }>(
    `insert into ops.sync_state as s (company_id, integration_id, sync_type, last_attempt_at)
     values ($1, $2, $3, now())
     on conflict (integration_id, sync_type) do update set last_attempt_at = now()
     returning s.last_successful_sync, now() as started_at`,
    [row.company_id, row.id, pullSyncType],
  );
  const error = link.unusable ??
    await fetchAndApply(link, row.id, mark.last_successful_sync, options).catch((failure: unknown) => {
      // One company's failure must not stop the others' pulls; its mark stays and the error is recorded.
      console.error(`crm-sync-worker: pull of integration ${row.id} failed`, failure);
      return `apply_failed: ${describe(failure)}`;
    });
  await inTransaction(async (client) => {
    await writeIntegrationCalls(client, link.calls.splice(0));
    await saveLinkStates(client, [link]);
    await recordPull(client, row.id, mark.started_at, error);
  });
  return error;
}

/** Every page since the mark, written as it arrives; returns why it stopped early, or null when complete. */
async function fetchAndApply(
  link: DinamizeLink,
  integrationId: string,
  lastSync: Date | null,
  options: PullRun,
): Promise<string | null> {
  const since = lastSync ? new Date(lastSync.getTime() - pullOverlapSeconds * 1000) : null;
  const pageSize = options.pageSize ?? defaultPageSize;
  for (let page = 1;; page++) {
    const over = options.clock.exhausted(0);
    if (over) return `incomplete: the run's ${over === 'cpu' ? 'CPU' : 'time'} budget ended before page ${page}`;
    const result = await link.client!.searchContactsInsertedSince(
      link.settings!.contact_list_code,
      since,
      page,
      pageSize,
    );
    if (!result.ok) {
      if (result.kind === 'auth_failed') link.credentialsRefused = { code: result.code, detail: result.detail };
      return `${result.kind}${result.code ? ` (${result.code})` : ''} on page ${page}: ${
        result.kind === 'rate_limited' ? `retry after ${result.retryAfterSeconds} s` : result.detail
      }`;
    }
    if (result.contacts.length > 0) {
      await dbPool().query('select lead.apply_crm_pull($1, $2::jsonb)', [
        integrationId,
        JSON.stringify(result.contacts.map((contact) => leadOf(contact, link))),
      ]);
    }
    if (!result.hasMore) return null;
  }
}

// lead.leads length limits (texts_have_sane_lengths): a longer value from Dinamize is cut, so one odd
// contact cannot make a whole page, and with it every later pull, fail.
const leadTextLimits = { name: 300, phone: 40, company_name: 300, job_title: 200 } as const;

/** A Dinamize contact as lead.apply_crm_pull takes it; mapped custom fields fill phone, company, job title. */
function leadOf(contact: DinamizeContact, link: DinamizeLink): Record<string, unknown> {
  const fit = (field: keyof typeof leadTextLimits, value: string | null) =>
    value ? value.slice(0, leadTextLimits[field]) : null;
  const mapped = (field: 'phone' | 'company_name' | 'job_title') => {
    const code = link.settings!.custom_fields[field];
    const value = code ? contact.customFields[code] : undefined;
    return fit(field, typeof value === 'string' || typeof value === 'number' ? String(value) : null);
  };
  return {
    external_id: contact.code,
    email: contact.email,
    name: fit('name', contact.name || null),
    phone: mapped('phone'),
    company_name: mapped('company_name'),
    job_title: mapped('job_title'),
    extra: { dinamize: { contact_code: contact.code, inserted_at: contact.insertedAt?.toISOString() ?? null } },
  };
}

async function recordPull(
  client: pg.PoolClient,
  integrationId: string,
  startedAt: Date,
  error: string | null,
): Promise<void> {
  await client.query(
    `update ops.sync_state
     set last_successful_sync = case when $3::text is null then $2::timestamptz else last_successful_sync end,
         last_error = $3
     where integration_id = $1 and sync_type = $4`,
    [integrationId, startedAt, error, pullSyncType],
  );
}
