// Resilience (acceptance): 10,000 conversions (each to Meta and Google Ads: 20,000 deliveries) while
// the sandbox answers 20 % 5xx and 5 % rate limits (Google: 429 + Retry-After; Meta: code 4, which
// Graph sends without Retry-After) and meta-queue-worker is killed with SIGKILL three times mid-batch,
// in the functions host that runs it as a process → every delivery ends sent, failed or skipped; none
// is lost (every sent one reached the sandbox); any duplicate send carries the same event_id. The test
// drives the workers itself (short retry base and visibility timeout), so it pauses their pg_cron jobs
// and defers the kicks of the registration; prints the counts. `npm run bench` runs 100,000.
import assert from 'node:assert/strict';
import type pg from 'pg';
import { pauseCron, resumeCron } from '../_shared/testing/cron.ts';
import { adminDb, stackEnv, stackTest } from '../_shared/testing/stack.ts';
import {
  clearSandbox,
  createAccount,
  createCompany,
  createPixel,
  type RecordedRequest,
  sandboxRequests,
  setSandboxFaults,
} from '../_shared/testing/conversions.ts';

/** The two conversion workers' cron jobs (same names in ops.worker_runs). */
const conversionJobs = ['meta-queue-worker', 'platform-sync-worker'];

const conversions = Number(Deno.env.get('RESILIENCE_CONVERSIONS') ?? 10_000);
const kills = 3;
// Batches of 250 (not 1,000) so the 5 % rate limit meets Google's few requests too.
const workerBody = { trigger: 'test', maxRuntimeMs: 20_000, visibilitySeconds: 8, retryBaseSeconds: 1, batchSize: 250 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * PIDs of the functions host's worker processes serving this checkout's `name` function: their command
 * line is `deno run … function-worker.ts <this checkout>/supabase/functions/<name>/index.ts <port>`.
 */
async function workerPids(name: string): Promise<number[]> {
  const entry = new URL(`../${name}/index.ts`, import.meta.url).pathname;
  const { stdout } = await new Deno.Command('ps', { args: ['-eo', 'pid=,args='], stdout: 'piped' }).output();
  return new TextDecoder().decode(stdout).split('\n').flatMap((line) => {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (!match) return [];
    const args = match[2].split(' ');
    return args.some((a) => a.endsWith('/function-worker.ts')) && args.includes(entry) ? [Number(match[1])] : [];
  });
}

async function unfinishedRuns(db: pg.Client, worker: string): Promise<{ n: number; oldest_ms: number | null }> {
  const { rows: [row] } = await db.query(
    `select count(*)::int as n, (extract(epoch from clock_timestamp() - min(started_at)) * 1000)::int as oldest_ms
     from ops.worker_runs where worker = $1 and finished_at is null and started_at > now() - interval '2 minutes'`,
    [worker],
  );
  return row;
}

async function inFlight(db: pg.Client, companyId: string): Promise<number> {
  const { rows: [row] } = await db.query(
    `select count(*)::int as n from pgmq.q_conversion_meta
     where message ->> 'company_id' = $1 and read_ct > 0 and vt > clock_timestamp()`,
    [companyId],
  );
  return row.n;
}

/**
 * What the sandbox received, read as it arrives (records newer than the last one read), so a long run
 * is counted in full although the sandbox keeps only its latest 64 MiB of requests.
 */
class Harvest {
  lastId = 0;
  requests = 0;
  accepted = 0;
  refused5xx = 0;
  rateLimited = 0;
  seen = new Map<string, number>();
  constructor(readonly recorder: string, readonly eventIdsOf: (body: RecordedRequest['body']) => string[]) {}
  async read(): Promise<void> {
    for (const r of await sandboxRequests(this.recorder, this.lastId)) {
      this.lastId = Math.max(this.lastId, r.id);
      this.requests += 1;
      if (r.fault === 'serverError') this.refused5xx += 1;
      if (r.fault === 'rateLimit') this.rateLimited += 1;
      if (r.status !== 200 || r.fault !== null) continue;
      this.accepted += 1;
      for (const id of this.eventIdsOf(r.body)) this.seen.set(id, (this.seen.get(id) ?? 0) + 1);
    }
  }
}

const pending: Promise<unknown>[] = [];
function invoke(functionName: string): void {
  pending.push(
    fetch(`${stackEnv.apiUrl}/functions/v1/${functionName}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stackEnv.serviceRoleKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(workerBody),
    }).then((res) => res.body?.cancel()).catch(() => undefined), // a killed worker's request fails: expected
  );
}

stackTest(
  `conversions resilience: ${conversions} conversions, 20 % 5xx, 5 % rate limits, ${kills} SIGKILLs → all terminal, none lost`,
  async () => {
    const db = await adminDb();
    const run = crypto.randomUUID().slice(0, 8);
    const companyId = await createCompany(db, `resilience-${run}`);
    await createPixel(db, companyId, '5550000000001', 'EAAB-resilience-token-0123456789');
    await createAccount(db, companyId, 'google_ads', '5550000001', {
      access_token: 'ya29.resilience',
      developer_token: 'resilience-dev-token',
    });
    await db.query(
      `update core_marketing.conversion_mappings set google_conversion_action_id = '777' where company_id = $1 and business_event = 'lead_won'`,
      [companyId],
    );
    await db.query(
      `insert into lead.leads (company_id, name, email, fbclid, gclid, origin)
     select $1, 'Lead ' || g, 'r' || g || '@resilience.test', 'fbclid' || g, 'gclid' || g, 'csv' from generate_series(1, $2::int) g`,
      [companyId, conversions],
    );
    await clearSandbox('meta');
    await clearSandbox('google-ads');
    await setSandboxFaults({
      platform: 'meta',
      errorRate: 0.2,
      rateLimit: { rate: 0.05, retryAfterSeconds: 1 },
      latencyMs: 300,
    });
    await setSandboxFaults({ platform: 'google-ads', errorRate: 0.2, rateLimit: { rate: 0.05, retryAfterSeconds: 1 } });
    await pauseCron(db, conversionJobs);
    try {
      // One statement wins every lead: the trigger registers all conversions set-based.
      await db.query('begin');
      await db.query(`select set_config('rastro.defer_conversion_kick', 'on', true)`);
      await db.query(
        `update lead.leads set stage_id = (select id from lead.pipeline_stages where company_id = $1 and is_won) where company_id = $1`,
        [companyId],
      );
      await db.query('commit');
      const { rows: [registered] } = await db.query(
        `select count(*)::int as n from core_marketing.conversion_deliveries where company_id = $1 and status = 'pending'`,
        [companyId],
      );
      assert.equal(registered.n, conversions * 2, 'one pending delivery per conversion and platform');

      const harvests = {
        meta: new Harvest('meta', (body) => body.data.map((e: { event_id: string }) => e.event_id)),
        google_ads: new Harvest('google-ads', (body) => body.conversions.map((c: { orderId: string }) => c.orderId)),
      };
      let harvestedAt = 0;
      let killed = 0;
      let lastKill = 0;
      const killNotes: string[] = [];
      const deadline = Date.now() + 420_000;
      for (;;) {
        const { rows: [{ left }] } = await db.query(
          `select count(*)::int as left from core_marketing.conversion_deliveries
         where company_id = $1 and status in ('pending', 'processing')`,
          [companyId],
        );
        if (Date.now() - harvestedAt > 2_000) {
          await Promise.all(Object.values(harvests).map((h) => h.read()));
          harvestedAt = Date.now();
        }
        if (left === 0) break;
        assert.ok(Date.now() < deadline, `${left} deliveries still not terminal`);
        for (const worker of ['meta-queue-worker', 'platform-sync-worker']) {
          if ((await unfinishedRuns(db, worker)).n === 0) invoke(worker);
        }
        const meta = await unfinishedRuns(db, 'meta-queue-worker');
        if (killed < kills && Date.now() - lastKill > 3_000 && (meta.oldest_ms ?? 0) > 400) {
          const flying = await inFlight(db, companyId);
          const pids = await workerPids('meta-queue-worker');
          if (flying > 0 && pids.length > 0) {
            for (const pid of pids) Deno.kill(pid, 'SIGKILL');
            killed += 1;
            lastKill = Date.now();
            killNotes.push(`kill ${killed}: pids ${pids.join(',')} with ${flying} messages in flight`);
            await sleep(200);
            assert.deepEqual(
              (await workerPids('meta-queue-worker')).filter((pid) => pids.includes(pid)),
              [],
              'the killed workers are gone',
            );
            // A killed run never records its end; close it so chaining does not count it as running.
            await db.query(
              `update ops.worker_runs set finished_at = now(), stopped_by = 'error', error = 'killed by the resilience test (SIGKILL)'
             where worker = 'meta-queue-worker' and finished_at is null`,
            );
          }
        }
        await sleep(300);
      }
      await Promise.all(pending);
      assert.equal(killed, kills, `the worker was killed ${kills} times mid-batch`);

      const { rows: byStatus } = await db.query<{ platform: string; status: string; n: number; attempts: number }>(
        `select platform, status, count(*)::int as n, sum(attempts)::int as attempts from core_marketing.conversion_deliveries
       where company_id = $1 group by 1, 2 order by 1, 2`,
        [companyId],
      );
      const total = byStatus.reduce((sum, row) => sum + row.n, 0);
      // TikTok is in the purchase mapping but the company has no TikTok account: skipped, not lost.
      assert.equal(total, conversions * 3);
      assert.deepEqual(byStatus.filter((r) => r.platform === 'tiktok').map((r) => [r.status, r.n]), [[
        'skipped',
        conversions,
      ]]);
      assert.ok(byStatus.every((row) => ['sent', 'failed', 'skipped'].includes(row.status)), JSON.stringify(byStatus));

      // None lost: every sent delivery's event reached the platform in an accepted request; any event
      // the platform got more than once is the same event_id (the conversion's, deterministic).
      const { rows: expected } = await db.query<{ event_id: string; platform: string; status: string }>(
        `select v.event_id, d.platform, d.status from core_marketing.conversion_deliveries d
       join core_marketing.conversions v on v.id = d.conversion_id where d.company_id = $1`,
        [companyId],
      );
      const report: Record<string, unknown> = {};
      for (const [platform, harvest] of Object.entries(harvests)) {
        await harvest.read();
        const seen = harvest.seen;
        const mine = expected.filter((e) => e.platform === platform);
        const ids = new Set(mine.map((e) => e.event_id));
        const lost = mine.filter((e) => e.status === 'sent' && !seen.has(e.event_id));
        assert.equal(lost.length, 0, `${platform}: ${lost.length} deliveries marked sent never reached the sandbox`);
        const stray = [...seen.keys()].filter((id) => id.startsWith('purchase-') && !ids.has(id));
        const duplicates = [...seen.entries()].filter(([id, n]) => ids.has(id) && n > 1);
        report[platform] = {
          requests: harvest.requests,
          accepted: harvest.accepted,
          refused_5xx: harvest.refused5xx,
          rate_limited: harvest.rateLimited,
          events_received: [...seen.values()].reduce((a, b) => a + b, 0),
          duplicate_event_ids: duplicates.length,
          other_companies_events: stray.length,
        };
        // Duplicates are only ever the same event_id sent again (after a kill): the platform dedupes them.
        for (const [id] of duplicates) assert.ok(ids.has(id));
      }
      const { rows: [dead] } = await db.query(
        `select count(*)::int as n from ops.dead_letters where company_id = $1 and queue_name in ('conversion_meta', 'conversion_platforms')`,
        [companyId],
      );
      const failed = byStatus.filter((r) => r.status === 'failed').reduce((sum, r) => sum + r.n, 0);
      assert.equal(dead.n, failed, 'every failed delivery is a dead letter');
      const { rows: [logs] } = await db.query(
        `select count(*)::int as attempts, count(*) filter (where outcome = 'retry')::int as retries
       from core_marketing.dispatch_log where company_id = $1`,
        [companyId],
      );
      console.log(
        JSON.stringify(
          {
            conversions,
            deliveries: byStatus,
            kills: killNotes,
            dead_letters: dead.n,
            dispatch_log: logs,
            sandbox: report,
          },
          null,
          1,
        ),
      );
    } finally {
      await db.query('rollback').catch(() => undefined);
      await resumeCron(db, conversionJobs);
      await clearSandbox('meta');
      await clearSandbox('google-ads');
    }
  },
);
