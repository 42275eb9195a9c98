// meta-sync-worker (decision 0014) on the shared worker runtime (decision 0005), two queues:
// * meta_enrichment (issue 9a's webhook queues one message per ticket whose ad is new or changed):
//   GET /{ad_id}?fields=name,adset{id,name},campaign{id,name},account_id with a token found through ad
//   account → connection, the hierarchy cached in core_marketing.meta_ads, the names written to
//   lead.ticket_tracking through lead.record_ticket_enrichment — only while the tracking still points at
//   the job's ad (race guard on meta_ad_id_at_enrichment) — as COMPLETED, or FAILED with the error;
// * meta_insights (core_marketing.enqueue_meta_insights_sync, daily pg_cron): one tracked ad account's
//   spend, impressions and clicks per ad per day (/act_{id}/insights?level=ad&time_increment=1, every
//   page upserted set-based), the last 28 days on the account's first sync, the last 3 afterwards.
// Called with the service-role key by pg_cron every minute (both queues), by the daily sync's kick
// ({ job: "insights" }) and by its own chained run. POST { trigger?, job?, maxRuntimeMs?,
// retryBaseSeconds?, insightsPageSize? }.
import { MetaEnrichmentMessageSchema, MetaInsightsMessageSchema, MetaSyncRequestSchema } from '@rastro/contracts';
import { z } from 'zod';
import { dbPool } from '../_shared/db.ts';
import { readJsonBody } from '../_shared/json-body.ts';
import { noteRefusal, usableConnections } from '../_shared/meta/connections.ts';
import { type GraphClient, graphClient, GraphError } from '../_shared/meta/graph.ts';
import { Queue, type QueueMessage } from '../_shared/queue.ts';
import {
  type Backoff,
  type RunCounts,
  runQueueWorker,
  settle,
  type Settlement,
  workerEndpoint,
} from '../_shared/worker.ts';

const RequestSchema = MetaSyncRequestSchema.extend({
  /** Rows per insights page (Graph `limit`); tests shorten it to see paging. */
  insightsPageSize: z.number().int().min(1).max(500).optional(),
});

export const workerName = 'meta-sync-worker';
/** Each queue's share of one invocation's CPU: both together stay inside Supabase's 2 s. */
const cpuMsPerQueue = 700;
const maxReads = 8;
const backfillDays = 28;
const refreshDays = 3;
/** Cached hierarchy younger than this answers enrichment without a Graph call. */
const cacheHours = 24;

type Settings = { graph: GraphClient; backoff: Backoff; pageSize: number };

// ---- enrichment -----------------------------------------------------------------------------------

type AdFields = {
  id: string;
  name?: string;
  account_id?: string;
  adset?: { id?: string; name?: string };
  campaign?: { id?: string; name?: string };
};

type Found = {
  ad_name: string | null;
  adset_id: string | null;
  adset_name: string | null;
  campaign_id: string | null;
  campaign_name: string | null;
  account_id: string | null;
};

const digits = (value: unknown) => (typeof value === 'string' && /^\d{1,25}$/.test(value) ? value : null);
const text = (value: unknown, max = 500) => (typeof value === 'string' ? value.slice(0, max) : null);

function foundOf(ad: AdFields): Found {
  return {
    ad_name: text(ad.name),
    adset_id: digits(ad.adset?.id),
    adset_name: text(ad.adset?.name),
    campaign_id: digits(ad.campaign?.id),
    campaign_name: text(ad.campaign?.name),
    account_id: digits(ad.account_id),
  };
}

function failedResult(error: string) {
  return JSON.stringify({ status: 'FAILED', error: error.slice(0, 2000) });
}

/** The write of an enrichment outcome: the cache (when found) and the tracking, guarded by the ad id. */
function enrichmentWrite(message: z.infer<typeof MetaEnrichmentMessageSchema>, outcome: Found | { error: string }) {
  return async (tx: { query: (sql: string, values: unknown[]) => Promise<unknown> }) => {
    if ('error' in outcome) {
      await tx.query('select lead.record_ticket_enrichment($1, $2, $3::jsonb)', [
        message.ticket_tracking_id,
        message.meta_ad_id,
        failedResult(outcome.error),
      ]);
      return;
    }
    await tx.query(
      `insert into core_marketing.meta_ads (company_id, ad_id, ad_name, adset_id, adset_name, campaign_id, campaign_name, account_id, fetched_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, now())
       on conflict (company_id, ad_id) do update
         set ad_name = excluded.ad_name, adset_id = excluded.adset_id, adset_name = excluded.adset_name,
             campaign_id = excluded.campaign_id, campaign_name = excluded.campaign_name, account_id = excluded.account_id,
             fetched_at = excluded.fetched_at`,
      [
        message.company_id,
        message.meta_ad_id,
        outcome.ad_name,
        outcome.adset_id,
        outcome.adset_name,
        outcome.campaign_id,
        outcome.campaign_name,
        outcome.account_id,
      ],
    );
    await tx.query('select lead.record_ticket_enrichment($1, $2, $3::jsonb)', [
      message.ticket_tracking_id,
      message.meta_ad_id,
      JSON.stringify({ status: 'COMPLETED', ...outcome }),
    ]);
  };
}

async function enrich(message: QueueMessage, settings: Settings): Promise<Settlement> {
  const parsed = MetaEnrichmentMessageSchema.safeParse(message.message);
  if (!parsed.success) return settle(message, { outcome: 'failed', error: `not a meta_enrichment message: ${parsed.error.message}` });
  const job = parsed.data;
  const db = dbPool();
  const { rows: [tracking] } = await db.query<{ meta_ad_id: string | null }>(
    'select meta_ad_id from lead.ticket_tracking where id = $1 and company_id = $2',
    [job.ticket_tracking_id, job.company_id],
  );
  // The ticket moved on to another ad (its own message is queued) or is gone: nothing to write.
  if (!tracking || tracking.meta_ad_id !== job.meta_ad_id) return settle(message, { outcome: 'skipped' });

  const { rows: [cached] } = await db.query<Found>(
    `select ad_name, adset_id, adset_name, campaign_id, campaign_name, account_id from core_marketing.meta_ads
     where company_id = $1 and ad_id = $2 and ad_name is not null and campaign_id is not null
       and fetched_at > now() - make_interval(hours => $3)`,
    [job.company_id, job.meta_ad_id, cacheHours],
  );
  if (cached) return settle(message, { outcome: 'succeeded' }, enrichmentWrite(job, cached));

  // Token through ad account → connection: profiles whose tracked accounts are known to hold the ad
  // come first, then those of any tracked account, then the company's other usable profiles.
  const { rows: ranked } = await db.query<{ id: string }>(
    `select c.id
     from core_marketing.meta_connections c
     where c.company_id = $1
     order by exists (select 1 from core_marketing.meta_ad_accounts a
                      where a.connection_id = c.id
                        and (a.ad_account_id = 'act_' || (select m.account_id from core_marketing.meta_ads m
                                                          where m.company_id = $1 and m.ad_id = $2)
                             or exists (select 1 from core_marketing.meta_ad_insights i
                                        where i.company_id = $1 and i.ad_id = $2 and i.meta_ad_account_id = a.id))) desc,
              exists (select 1 from core_marketing.meta_ad_accounts a where a.connection_id = c.id and a.is_active) desc,
              c.created_at, c.id`,
    [job.company_id, job.meta_ad_id],
  );
  const connections = await usableConnections(db, job.company_id);
  const ordered = ranked.map((row) => connections.find((c) => c.id === row.id)).filter((c) => c !== undefined);
  if (ordered.length === 0) {
    return settle(message, { outcome: 'skipped' }, enrichmentWrite(job, { error: 'No active Meta profile is connected; connect one under Meta Ads' }));
  }
  const refusals: string[] = [];
  for (const connection of ordered) {
    try {
      const ad = await settings.graph.get<AdFields>(
        `/${job.meta_ad_id}`,
        { fields: 'name,adset{id,name},campaign{id,name},account_id' },
        connection.token,
      );
      return settle(message, { outcome: 'succeeded' }, enrichmentWrite(job, foundOf(ad)));
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
      if (error.retryable) return settle(message, { outcome: 'retry', error: error.message });
      if (await noteRefusal(db, connection.id, error)) refusals.push(`${connection.fbUserName}: token expired`);
      else refusals.push(`${connection.fbUserName}: ${error.message}`);
    }
  }
  // No profile can read the ad: a terminal, visible state on the ticket (not an operations problem).
  return settle(
    message,
    { outcome: 'skipped' },
    enrichmentWrite(job, { error: `No connected profile can read ad ${job.meta_ad_id} (${refusals.join('; ')})` }),
  );
}

// ---- insights -------------------------------------------------------------------------------------

const insightFields = 'ad_id,ad_name,adset_id,adset_name,campaign_id,campaign_name,spend,impressions,clicks,account_currency';

/** Today in the ad account's time zone (Meta's days are the account's). */
export function accountToday(timeZone: string | null, now = new Date()): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: timeZone ?? 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' })
      .format(now);
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

export function daysBefore(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - days);
  return date.toISOString().slice(0, 10);
}

async function syncInsights(message: QueueMessage, settings: Settings): Promise<Settlement> {
  const parsed = MetaInsightsMessageSchema.safeParse(message.message);
  if (!parsed.success) return settle(message, { outcome: 'failed', error: `not a meta_insights message: ${parsed.error.message}` });
  const job = parsed.data;
  const db = dbPool();
  const { rows: [account] } = await db.query<
    { id: string; ad_account_id: string; timezone_name: string | null; is_active: boolean; connection_id: string; backfilled: boolean }
  >(
    `select id, ad_account_id, timezone_name, is_active, connection_id, insights_backfilled_at is not null as backfilled
     from core_marketing.meta_ad_accounts where id = $1 and company_id = $2`,
    [job.meta_ad_account_id, job.company_id],
  );
  if (!account || !account.is_active) return settle(message, { outcome: 'skipped' });
  const noteError = (error: string) => (tx: { query: (sql: string, values: unknown[]) => Promise<unknown> }) =>
    tx.query('update core_marketing.meta_ad_accounts set insights_error = left($2, 500) where id = $1', [account.id, error]);
  const [connection] = await usableConnections(db, job.company_id, [account.connection_id]);
  if (!connection) {
    return settle(message, { outcome: 'skipped' }, noteError('The profile that reads this account is not active; reconnect it'));
  }
  const until = accountToday(account.timezone_name);
  const since = daysBefore(until, (account.backfilled ? refreshDays : backfillDays) - 1);
  let rows = 0;
  try {
    await settings.graph.pages(`/${account.ad_account_id}/insights`, {
      level: 'ad',
      fields: insightFields,
      time_range: JSON.stringify({ since, until }),
      time_increment: '1',
      limit: String(settings.pageSize),
    }, connection.token, {
      maxPages: 400,
      onPage: async (data) => {
        if (data.length === 0) return;
        const { rows: [written] } = await db.query<{ n: number }>(
          'select core_marketing.upsert_meta_insights($1, $2::jsonb) as n',
          [account.id, JSON.stringify(data)],
        );
        rows += written.n;
      },
    });
  } catch (error) {
    if (!(error instanceof GraphError)) throw error;
    if (error.retryable) return settle(message, { outcome: 'retry', error: error.message });
    if (await noteRefusal(db, connection.id, error)) {
      return settle(message, { outcome: 'skipped' }, noteError(`Meta refused ${connection.fbUserName}'s token; reconnect the profile`));
    }
    return settle(message, { outcome: 'failed', error: `${account.ad_account_id} insights: ${error.message}` }, noteError(error.message));
  }
  return settle(message, { outcome: 'succeeded' }, (tx) =>
    tx.query(
      `update core_marketing.meta_ad_accounts
       set insights_backfilled_at = coalesce(insights_backfilled_at, now()), insights_synced_at = now(), insights_error = null
       where id = $1`,
      [account.id],
    ));
}

// ---- the endpoint ---------------------------------------------------------------------------------

const enrichmentQueue = new Queue('meta_enrichment');
const insightsQueue = new Queue('meta_insights');

export const handler = workerEndpoint(async (req): Promise<RunCounts> => {
  const request = await readJsonBody(req, RequestSchema, { emptyAs: {} });
  const retryBase = request.retryBaseSeconds ?? 30;
  const settings: Settings = {
    graph: graphClient(),
    backoff: { baseSeconds: retryBase, capSeconds: retryBase * 16, jitter: 0.5 },
    pageSize: request.insightsPageSize ?? 500,
  };
  const chainPayload = Object.fromEntries(
    Object.entries({ job: request.job, retryBaseSeconds: request.retryBaseSeconds, insightsPageSize: request.insightsPageSize })
      .filter(([, value]) => value !== undefined),
  );
  const jobs = request.job ? [request.job] : ['enrichment', 'insights'] as const;
  const wallMs = Math.floor(request.maxRuntimeMs / jobs.length);
  const total: RunCounts = { processed: 0, succeeded: 0, failed: 0, retried: 0 };
  for (const job of jobs) {
    const counts = await runQueueWorker({
      name: workerName,
      queue: job === 'enrichment' ? enrichmentQueue : insightsQueue,
      batchSize: job === 'enrichment' ? 10 : 2,
      visibilitySeconds: job === 'enrichment' ? 60 : 300,
      maxReads,
      backoff: settings.backoff,
      label: (message) => `${job} message ${message.msg_id}`,
      work: {
        handle: (message) => (job === 'enrichment' ? enrich(message, settings) : syncInsights(message, settings)),
        giveUp: (message, reason) => {
          const parsed = MetaEnrichmentMessageSchema.safeParse(message.message);
          return job === 'enrichment' && parsed.success
            ? settle(message, { outcome: 'failed', error: reason }, enrichmentWrite(parsed.data, { error: reason }))
            : settle(message, { outcome: 'failed', error: reason });
        },
      },
      chain: { functionName: workerName, payload: { ...chainPayload, job } },
    }, { cpuMs: cpuMsPerQueue, maxMessages: job === 'enrichment' ? 300 : 20, wallMs });
    for (const key of Object.keys(total) as Array<keyof RunCounts>) total[key] += counts[key];
  }
  return total;
}, 'POST { trigger?, job?: enrichment | insights, maxRuntimeMs?, retryBaseSeconds?, insightsPageSize? }');
