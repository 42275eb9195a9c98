// meta-sync-worker against the stack and the sandbox's Graph stand-ins: enrichment fills a ticket's
// names through ad account → connection; an ad change while Meta is answering is not overwritten with
// the stale names; an ad no profile can read is FAILED with the reason; the insights sync backfills
// 28 days on the first run, follows every page, and a second run rewrites (ad, day) rows in place.
import assert from 'node:assert/strict';
import { adsOf, sandboxInsightFigures } from '../../../packages/platform-sandbox/src/platforms/meta-graph.ts';
import { createCompany, sandboxRequests, setSandboxFaults } from '../_shared/testing/conversions.ts';
import { withCronPaused } from '../_shared/testing/cron.ts';
import { metaFixture, runMetaSyncWorker, sandboxProfiles } from '../_shared/testing/meta.ts';
import { adminDb, stackTest } from '../_shared/testing/stack.ts';
import { accountToday, daysBefore } from './handler.ts';

const seedAdId = '120237888636060701';

async function pauseCron<T>(body: () => Promise<T>): Promise<T> {
  return withCronPaused(await adminDb(), ['meta-sync-worker', 'meta-insights-sync'], body);
}

async function ticketWithAd(db: Awaited<ReturnType<typeof adminDb>>, companyId: string, adId: string): Promise<string> {
  const { rows: [lead] } = await db.query<{ id: string }>(
    `insert into lead.leads (company_id, origin, phone, name, stage_id)
     values ($1, 'whatsapp', '+55 79 9' || lpad((random() * 1e8)::bigint::text, 8, '0'), 'WhatsApp lead',
             (select id from lead.pipeline_stages where company_id = $1 order by position limit 1))
     returning id`,
    [companyId],
  );
  const { rows: [ticket] } = await db.query<{ id: string }>(
    `insert into lead.tickets (company_id, lead_id) values ($1, $2) returning id`,
    [companyId, lead.id],
  );
  const { rows: [tracking] } = await db.query<{ id: string }>(
    `insert into lead.ticket_tracking (company_id, ticket_id, lead_id, ctwa_clid, meta_ad_id, meta_enrichment_status)
     values ($1, $2, $3, 'AfeDIj2Ewr2X-test', $4, 'PENDING') returning id`,
    [companyId, ticket.id, lead.id, adId],
  );
  return tracking.id;
}

async function enqueueEnrichment(db: Awaited<ReturnType<typeof adminDb>>, companyId: string, trackingId: string, adId: string) {
  await db.query(`select pgmq.send(queue_name => 'meta_enrichment', msg => $1::jsonb)`, [
    JSON.stringify({ company_id: companyId, ticket_tracking_id: trackingId, meta_ad_id: adId }),
  ]);
}

async function tracking(db: Awaited<ReturnType<typeof adminDb>>, id: string) {
  const { rows: [row] } = await db.query(
    `select meta_ad_id, meta_ad_name, meta_adset_id, meta_adset_name, meta_campaign_id, meta_campaign_name, meta_account_id,
            meta_enrichment_status, meta_enrichment_error, meta_ad_id_at_enrichment, last_enrichment_at
     from lead.ticket_tracking where id = $1`,
    [id],
  );
  return row;
}

stackTest('meta-sync-worker enrichment: names filled, a changed ad is not overwritten, unreadable ads FAILED', async () => {
  await pauseCron(async () => {
    const db = await adminDb();
    const companyId = await createCompany(db, `meta-enrich-${crypto.randomUUID().slice(0, 8)}`);
    await metaFixture(db, companyId, sandboxProfiles.thiago.id, ['act_1000000001']);
    const [seedAd, secondAd] = adsOf({ id: 'act_1000000001', name: 'Prof Didática — Principal' }, 0);
    const laterAd = adsOf({ id: 'act_1000000001', name: 'Prof Didática — Principal' }, 0)[2];

    const filled = await ticketWithAd(db, companyId, seedAdId);
    await enqueueEnrichment(db, companyId, filled, seedAdId);
    const counts = await runMetaSyncWorker({ job: 'enrichment' });
    assert.ok(counts.succeeded >= 1, JSON.stringify(counts));
    assert.deepEqual(await tracking(db, filled), {
      meta_ad_id: seedAdId,
      meta_ad_name: seedAd.name,
      meta_adset_id: seedAd.adsetId,
      meta_adset_name: seedAd.adsetName,
      meta_campaign_id: seedAd.campaignId,
      meta_campaign_name: seedAd.campaignName,
      meta_account_id: '1000000001',
      meta_enrichment_status: 'COMPLETED',
      meta_enrichment_error: null,
      meta_ad_id_at_enrichment: seedAdId,
      last_enrichment_at: (await tracking(db, filled)).last_enrichment_at,
    });
    const { rows: [cached] } = await db.query(
      `select ad_name, campaign_name, account_id from core_marketing.meta_ads where company_id = $1 and ad_id = $2`,
      [companyId, seedAdId],
    );
    assert.deepEqual(cached, { ad_name: seedAd.name, campaign_name: seedAd.campaignName, account_id: '1000000001' });

    // The race: Meta answers slowly; meanwhile a new message moves the ticket to another ad.
    const raced = await ticketWithAd(db, companyId, secondAd.id);
    await enqueueEnrichment(db, companyId, raced, secondAd.id);
    await setSandboxFaults({ platform: 'meta', latencyMs: 1500 });
    const running = runMetaSyncWorker({ job: 'enrichment' });
    await new Promise((resolve) => setTimeout(resolve, 600));
    await db.query(`update lead.ticket_tracking set meta_ad_id = $2, meta_enrichment_status = 'PENDING' where id = $1`, [raced, laterAd.id]);
    await running;
    await setSandboxFaults({ platform: 'meta' });
    const afterRace = await tracking(db, raced);
    assert.equal(afterRace.meta_ad_id, laterAd.id);
    assert.equal(afterRace.meta_ad_name, null, `stale names of ${secondAd.id} must not land on a ticket now on ${laterAd.id}`);
    assert.equal(afterRace.meta_enrichment_status, 'PENDING');
    assert.equal(afterRace.meta_ad_id_at_enrichment, null);
    const { rows: [wasFetched] } = await db.query(`select ad_name from core_marketing.meta_ads where company_id = $1 and ad_id = $2`, [
      companyId,
      secondAd.id,
    ]);
    assert.equal(wasFetched?.ad_name, secondAd.name, 'the slow answer did arrive (and was cached), so the guard is what kept it out');
    await enqueueEnrichment(db, companyId, raced, laterAd.id);
    await runMetaSyncWorker({ job: 'enrichment' });
    const settled = await tracking(db, raced);
    assert.deepEqual([settled.meta_ad_name, settled.meta_enrichment_status, settled.meta_ad_id_at_enrichment], [
      laterAd.name,
      'COMPLETED',
      laterAd.id,
    ]);

    // An ad none of the company's profiles can read (another profile's account): FAILED with the reason.
    const foreign = adsOf({ id: 'act_2000000001', name: 'Viviane — Lançamentos' }, 3)[0];
    const unreadable = await ticketWithAd(db, companyId, foreign.id);
    await enqueueEnrichment(db, companyId, unreadable, foreign.id);
    await runMetaSyncWorker({ job: 'enrichment' });
    const failed = await tracking(db, unreadable);
    assert.equal(failed.meta_enrichment_status, 'FAILED');
    assert.match(failed.meta_enrichment_error, new RegExp(`No connected profile can read ad ${foreign.id}`));
    assert.equal(failed.meta_ad_name, null);

    // Meta throttles: the message is retried later, the ticket stays PENDING.
    const throttled = await ticketWithAd(db, companyId, adsOf({ id: 'act_1000000001', name: 'x' }, 0)[3].id);
    await enqueueEnrichment(db, companyId, throttled, adsOf({ id: 'act_1000000001', name: 'x' }, 0)[3].id);
    await setSandboxFaults({ platform: 'meta', rateLimit: { retryAfterSeconds: 1 } });
    const limited = await runMetaSyncWorker({ job: 'enrichment' });
    await setSandboxFaults({ platform: 'meta' });
    assert.ok(limited.retried >= 1, JSON.stringify(limited));
    assert.equal((await tracking(db, throttled)).meta_enrichment_status, 'PENDING');
  });
});

stackTest('meta-sync-worker insights: 28-day backfill over several pages, then idempotent per (ad, day)', async () => {
  await pauseCron(async () => {
    const db = await adminDb();
    const companyId = await createCompany(db, `meta-insights-${crypto.randomUUID().slice(0, 8)}`);
    const { accountIds } = await metaFixture(db, companyId, sandboxProfiles.thiago.id, ['act_1000000002']);
    const accountId = accountIds.act_1000000002;
    const send = () =>
      db.query(`select pgmq.send(queue_name => 'meta_insights', msg => $1::jsonb)`, [
        JSON.stringify({ company_id: companyId, meta_ad_account_id: accountId }),
      ]);
    const insightRequests = async (after: number) =>
      (await sandboxRequests('meta', after)).filter((r) => r.path === '/v21.0/act_1000000002/insights');
    const lastRequestId = async () => Math.max(0, ...(await sandboxRequests('meta')).map((r) => r.id));

    const before = await lastRequestId();
    await send();
    const counts = await runMetaSyncWorker({ job: 'insights', insightsPageSize: 25 });
    assert.ok(counts.succeeded >= 1, JSON.stringify(counts));
    const today = accountToday('America/Sao_Paulo');
    const { rows: [summary] } = await db.query(
      `select count(*)::int as rows, count(distinct ad_id)::int as ads, min(day)::text as first, max(day)::text as last,
              sum(spend)::text as spend
       from core_marketing.meta_ad_insights where company_id = $1`,
      [companyId],
    );
    assert.deepEqual([summary.rows, summary.ads, summary.first, summary.last], [28 * 4, 4, daysBefore(today, 27), today]);
    const pages = await insightRequests(before);
    assert.equal(pages.length, Math.ceil((28 * 4) / 25), 'every page followed');
    assert.deepEqual(JSON.parse(String(pages[0].query.time_range)), {
      since: daysBefore(today, 27),
      until: today,
    });
    const ad = adsOf({ id: 'act_1000000002', name: 'Prof Didática — Remarketing' }, 1)[0];
    const { rows: [one] } = await db.query(
      `select spend::text, impressions::int, clicks::int, campaign_id, adset_id from core_marketing.meta_ad_insights
       where company_id = $1 and ad_id = $2 and day = $3`,
      [companyId, ad.id, today],
    );
    const figures = sandboxInsightFigures(ad.id, today);
    assert.deepEqual(one, {
      spend: figures.spend,
      impressions: Number(figures.impressions),
      clicks: Number(figures.clicks),
      campaign_id: ad.campaignId,
      adset_id: ad.adsetId,
    });
    const { rows: [account] } = await db.query(
      `select insights_backfilled_at is not null as backfilled, insights_error from core_marketing.meta_ad_accounts where id = $1`,
      [accountId],
    );
    assert.deepEqual(account, { backfilled: true, insights_error: null });

    // The next sync reads the last 3 days only and rewrites those rows in place.
    await db.query(`update core_marketing.meta_ad_insights set spend = 0 where company_id = $1 and day = $2`, [companyId, today]);
    const second = await lastRequestId();
    await send();
    await runMetaSyncWorker({ job: 'insights', insightsPageSize: 25 });
    const refresh = await insightRequests(second);
    assert.deepEqual(JSON.parse(String(refresh[0].query.time_range)), {
      since: daysBefore(today, 2),
      until: today,
    });
    const { rows: [again] } = await db.query(
      `select count(*)::int as rows, sum(spend)::text as spend from core_marketing.meta_ad_insights where company_id = $1`,
      [companyId],
    );
    assert.deepEqual(again, { rows: 28 * 4, spend: summary.spend }, 'same (ad, day) rows, figures restored from Meta');

    // The daily enqueue queues a tracked account once, however often it runs while the message waits.
    await db.query(`select core_marketing.enqueue_meta_insights_sync()`);
    await db.query(`select core_marketing.enqueue_meta_insights_sync()`);
    const { rows: [queued] } = await db.query(
      `select count(*)::int as n from pgmq.q_meta_insights where message ->> 'meta_ad_account_id' = $1`,
      [accountId],
    );
    assert.ok(queued.n <= 1, `queued ${queued.n} times`);
  });
});
