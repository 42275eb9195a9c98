// Pull (seed 004 scenario D): for each company with an active Dinamize integration, walk the contacts
// inserted since ops.sync_state.last_successful_sync (sync_type contacts_pull) on a keyset cursor
// (insert date, contact code) and write each page with lead.apply_crm_pull_page — one set-based
// upsert by e-mail per page, origin dinamize, linked in lead_sync, not pushed back — which moves the
// cursor in the same transaction. A pass therefore spans as many runs as it needs: a run stopped by its
// budget (wall or CPU time) leaves the cursor after its last page and kicks the next run; a failure or a
// killed worker redoes at most one page (writing it twice changes nothing). When a pass reaches the end
// its start time becomes the mark, and the next pass (the 15-minute pulls) is incremental from there.
// Two runs on one company never apply the same page: a page is applied only while the cursor is still
// the one it was fetched from (checked under the row's lock); the run that lost stops that company.
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

export type PullOptions = {
  pageSize?: number;
  timeoutMs?: number;
  /**
   * Only integrations whose pass is under way (a chained run: it was kicked to finish a pass, and
   * arriving after that pass ended it must not start the next one early; pg_cron's schedule does).
   */
  continuePasses?: boolean;
};

type PullRun = PullOptions & { clock: BudgetClock };

/** How one integration's pull ended this run. */
type PullOutcome = { kind: 'complete' } | { kind: 'budget'; over: StopReason } | { kind: 'superseded' } | {
  kind: 'failed';
  error: string;
};

/**
 * Pulls every active integration in turn (counts are integrations: succeeded when its pass reached the
 * end, retried when the budget stopped it mid-pass); returns why it stopped.
 */
export async function pullContacts(budget: Budget, state: RunState, options: PullOptions = {}): Promise<StopReason> {
  const clock = startBudget(budget);
  const { rows } = await dbPool().query<IntegrationRow>(
    `select ${integrationColumns} from ops.integrations
     where provider = 'dinamize' and sync_enabled and has_credentials
       and (not $1 or exists (select 1 from ops.sync_state s
                              where s.integration_id = ops.integrations.id and s.sync_type = $2
                                and s.pass_started_at is not null))
     order by company_id`,
    [options.continuePasses ?? false, pullSyncType],
  );
  for (const [index, row] of rows.entries()) {
    // The first integration is always started, so a run whose set-up ate its budget still moves a pass.
    const over = index > 0 ? clock.exhausted(0) : null;
    if (over) return over;
    state.counts.processed++;
    const outcome = await pullOne(row, { ...options, clock });
    if (outcome.kind === 'complete') state.counts.succeeded++;
    else if (outcome.kind === 'budget') {
      state.counts.retried++;
      return outcome.over;
    } else if (outcome.kind === 'superseded') {
      state.problems.push(`integration ${row.id}: another run applied the page first; left to it`);
    } else {
      state.counts.failed++;
      state.problems.push(`integration ${row.id}: ${outcome.error}`);
    }
  }
  return 'drained';
}

type Cursor = { at: Date | null; code: number | null };

/** One integration's share of this run. */
async function pullOne(row: IntegrationRow, options: PullRun): Promise<PullOutcome> {
  // A new pass starts at the mark less the overlap (whole seconds, as Dinamize dates are), code 0; a
  // first pull ever starts before everything. A running pass is resumed where its cursor is. A chained
  // run (continuePasses) only resumes: the pass it was kicked for may have ended since it listed the
  // integrations, and starting the next one here would reset the finished pass's count (and start the
  // incremental pass early; pg_cron's schedule does that).
  type Mark = { cursor_inserted_at: Date | null; cursor_contact_code: string | null };
  const { rows: [mark] } = options.continuePasses
    ? await dbPool().query<Mark>(
      `update ops.sync_state s set last_attempt_at = now()
       where s.integration_id = $1 and s.sync_type = $2 and s.pass_started_at is not null
       returning s.cursor_inserted_at, s.cursor_contact_code`,
      [row.id, pullSyncType],
    )
    : await dbPool().query<Mark>(
      `insert into ops.sync_state as s (company_id, integration_id, sync_type, last_attempt_at, pass_started_at)
     values ($1, $2, $3, now(), now())
     on conflict (integration_id, sync_type) do update set
       last_attempt_at = now(),
       pass_started_at = coalesce(s.pass_started_at, now()),
       cursor_inserted_at = case when s.pass_started_at is not null then s.cursor_inserted_at
                                 else date_trunc('second', s.last_successful_sync - make_interval(secs => $4)) end,
       cursor_contact_code = case when s.pass_started_at is not null then s.cursor_contact_code
                                  when s.last_successful_sync is null then null else 0 end,
       pass_pulled = case when s.pass_started_at is null then 0 else s.pass_pulled end,
       pass_pages = case when s.pass_started_at is null then 0 else s.pass_pages end
     returning s.cursor_inserted_at, s.cursor_contact_code`,
      [row.company_id, row.id, pullSyncType, pullOverlapSeconds],
    );
  // Only a chained run finds nothing: the pass it was kicked for has ended meanwhile.
  if (!mark) return { kind: 'complete' };
  const link = await openLink(row, row.company_id, options.timeoutMs);
  const cursor: Cursor = {
    at: mark.cursor_inserted_at,
    code: mark.cursor_contact_code === null ? null : Number(mark.cursor_contact_code),
  };
  const outcome: PullOutcome = link.unusable ? { kind: 'failed', error: link.unusable } : await fetchAndApply(
    link,
    row.id,
    cursor,
    options,
  ).catch((failure: unknown): PullOutcome => {
    // One company's failure must not stop the others' pulls; its cursor stays and the error is recorded.
    console.error(`crm-sync-worker: pull of integration ${row.id} failed`, failure);
    return { kind: 'failed', error: `apply_failed: ${describe(failure)}` };
  });
  await inTransaction(async (client) => {
    await writeIntegrationCalls(client, link.calls.splice(0));
    await saveLinkStates(client, [link]);
    if (outcome.kind === 'failed') await recordPullError(client, row.id, outcome.error);
  });
  return outcome;
}

/** Whether a contact comes after the cursor in (insert date, code) order. */
function afterCursor(contact: DinamizeContact, cursor: Cursor): boolean {
  if (cursor.at === null || cursor.code === null) return true;
  const at = (contact.insertedAt ?? cursor.at).getTime();
  return at > cursor.at.getTime() || (at === cursor.at.getTime() && Number(contact.code) > cursor.code);
}

/** Pages from the cursor on, each applied with the cursor's move, until the end, the budget or a failure. */
async function fetchAndApply(
  link: DinamizeLink,
  integrationId: string,
  start: Cursor,
  options: PullRun,
): Promise<PullOutcome> {
  const pageSize = options.pageSize ?? defaultPageSize;
  let cursor = start;
  // Page 1 of the search from the cursor's date, unless contacts sharing that date fill whole pages the
  // cursor has already passed: then the pages after them.
  for (let page = 1, fetched = 1;; fetched++) {
    // The first page is always read, so every run moves the pass even when signing in ate its budget.
    const over = fetched > 1 ? options.clock.exhausted(0) : null;
    if (over) return { kind: 'budget', over };
    const result = await link.client!.searchContactsInsertedSince(
      link.settings!.contact_list_code,
      cursor.at,
      page,
      pageSize,
    );
    if (!result.ok) {
      if (result.kind === 'auth_failed') link.credentialsRefused = { code: result.code, detail: result.detail };
      return {
        kind: 'failed',
        error: `${result.kind}${result.code ? ` (${result.code})` : ''} on page ${fetched} of this run (after ${
          describeCursor(cursor)
        }): ${result.kind === 'rate_limited' ? `retry after ${result.retryAfterSeconds} s` : result.detail}`,
      };
    }
    const fresh = result.contacts.filter((contact) => afterCursor(contact, cursor));
    if (fresh.length === 0 && result.hasMore) {
      page++;
      continue;
    }
    const last = fresh.at(-1);
    const next: Cursor = last ? { at: last.insertedAt ?? cursor.at ?? new Date(0), code: Number(last.code) } : cursor;
    // An explicit transaction: a worker killed before its commit leaves nothing of the page behind.
    const applied = await inTransaction(async (client) =>
      (await client.query<{ applied: { applied: boolean } }>(
        'select lead.apply_crm_pull_page($1, $2, $3, $4, $5::jsonb, $6, $7, $8) as applied',
        [
          integrationId,
          pullSyncType,
          cursor.at,
          cursor.code,
          JSON.stringify(fresh.map((contact) => leadOf(contact, link))),
          next.at,
          next.code,
          !result.hasMore,
        ],
      )).rows[0].applied
    );
    if (!applied.applied) return { kind: 'superseded' };
    if (!result.hasMore) return { kind: 'complete' };
    cursor = next;
    page = 1;
  }
}

function describeCursor(cursor: Cursor): string {
  return cursor.at === null ? 'the start' : `${cursor.at.toISOString()} / contact ${cursor.code}`;
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

async function recordPullError(client: pg.PoolClient, integrationId: string, error: string): Promise<void> {
  await client.query(
    'update ops.sync_state set last_error = $2 where integration_id = $1 and sync_type = $3',
    [integrationId, error, pullSyncType],
  );
}
