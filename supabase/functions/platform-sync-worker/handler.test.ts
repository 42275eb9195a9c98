// platform-sync-worker against the sandbox: TikTok Events API and LinkedIn Conversions API get exactly
// the fields PLATFORMS.md names (hashed user ids, click ids untouched, seconds vs milliseconds), and a
// Google Ads partial failure fails only the delivery it points at while the rest of the batch is sent.
import assert from 'node:assert/strict';
import { adminDb, stackEnv, stackTest } from '../_shared/testing/stack.ts';
import {
  clearSandbox,
  createAccount,
  createCompany,
  deliveryStates,
  sandboxRequests,
  workersSettled,
} from '../_shared/testing/conversions.ts';
import { handler } from './handler.ts';

async function drain(db: Awaited<ReturnType<typeof adminDb>>): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await workersSettled(db);
    const res = await handler(
      new Request('http://functions.local/platform-sync-worker', {
        method: 'POST',
        headers: { authorization: `Bearer ${stackEnv.serviceRoleKey}` },
        body: JSON.stringify({ maxRuntimeMs: 5_000 }),
      }),
    );
    assert.equal(res.status, 200);
    await res.body?.cancel();
  }
  await workersSettled(db);
}

stackTest(
  'platform-sync-worker: TikTok and LinkedIn payloads, Google Ads partial failure mapped to its delivery',
  async () => {
    const db = await adminDb();
    const run = crypto.randomUUID().slice(0, 8);
    const companyId = await createCompany(db, `platforms-${run}`);
    await createAccount(db, companyId, 'tiktok', `CPIX${run}`, { access_token: 'tiktok-access-token-123' });
    await createAccount(db, companyId, 'linkedin', '5050505', { access_token: 'linkedin-access-token-123' });
    await createAccount(db, companyId, 'google_ads', '3030303030', {
      access_token: 'ya29.platforms',
      developer_token: 'platforms-dev-token',
    });
    await db.query(
      `update core_marketing.conversion_mappings set linkedin_rule_id = '888', google_conversion_action_id = '999', meta_event_name = null
     where company_id = $1 and business_event = 'lead_won'`,
      [companyId],
    );
    await clearSandbox('tiktok');
    await clearSandbox('linkedin');
    await clearSandbox('google-ads');
    const { rows: leads } = await db.query<{ id: string; email_hash: string; created_at: Date }>(
      `insert into lead.leads (company_id, name, email, ttclid, li_fat_id, gclid, origin, value)
     values ($1, 'Good', $2, 'E.C.P.ttclid-Good', 'li-fat-good', 'Cj0good', 'csv', 250),
            ($1, 'Bad click', $3, null, null, 'INVALIDgclid', 'csv', 250)
     returning id, email_hash, created_at`,
      [companyId, `good-${run}@example.com`, `bad-${run}@example.com`],
    );
    await db.query(
      `update lead.leads set stage_id = (select id from lead.pipeline_stages where company_id = $1 and is_won) where company_id = $1`,
      [
        companyId,
      ],
    );
    const { rows: conversions } = await db.query<
      { id: string; source_id: string; event_id: string; occurred_at: Date }
    >(
      `select id, source_id, event_id, occurred_at from core_marketing.conversions where company_id = $1 order by source_id = $2 desc`,
      [companyId, leads[0].id],
    );
    await drain(db);
    const [good, bad] = conversions;
    assert.deepEqual((await deliveryStates(db, [good.id])).map((s) => [s.platform, s.status]), [
      ['google_ads', 'sent'],
      ['linkedin', 'sent'],
      ['tiktok', 'sent'],
    ]);
    const badStates = await db.query(
      `select platform, status, skip_reason, last_error from core_marketing.conversion_deliveries where conversion_id = $1 order by platform`,
      [bad.id],
    );
    assert.deepEqual(badStates.rows.map((r) => [r.platform, r.status, r.skip_reason]), [
      ['google_ads', 'failed', null],
      ['linkedin', 'skipped', 'no_click_id'],
      ['tiktok', 'skipped', 'no_click_id'],
    ]);
    assert.match(badStates.rows[0].last_error, /UNPARSEABLE_GCLID/);

    // Google: one request carried both; the partial failure pointed at the bad one only.
    // Each platform's request is found by this test's event ids, not by its place in the sandbox's record:
    // pg_cron's platform-sync-worker delivers every company's due conversions beside the test.
    const carries = (events: { orderId?: string; event_id?: string; eventId?: string }[] | undefined) =>
      (events ?? []).some((e) => [e.orderId, e.event_id, e.eventId].includes(good.event_id));
    const google = (await sandboxRequests('google-ads')).find((r) => r.status === 200 && carries(r.body?.conversions));
    assert.ok(google, 'a google-ads request carried the conversion');
    assert.equal(google.body.conversions.length, 2);
    assert.ok(google.response.partialFailureError);

    const tiktok = (await sandboxRequests('tiktok')).find((r) => r.response?.code === 0 && carries(r.body?.data));
    assert.ok(tiktok, 'a tiktok request carried the conversion');
    assert.equal(tiktok.headers['access-token'], 'tiktok-access-token-123');
    assert.equal(tiktok.body.event_source_id, `CPIX${run}`);
    const externalId = (await db.query(`select lead.sha256_hex($1) as h`, [leads[0].id])).rows[0].h;
    assert.deepEqual(tiktok.body.data, [{
      event: 'CompletePayment',
      event_time: Math.floor(good.occurred_at.getTime() / 1000),
      event_id: good.event_id,
      user: { ttclid: 'E.C.P.ttclid-Good', email: [leads[0].email_hash], external_id: [externalId] },
      properties: { value: 250, currency: 'BRL', order_id: good.event_id },
    }]);

    const linkedin = (await sandboxRequests('linkedin')).find((r) => r.status === 200 && carries(r.body?.elements));
    assert.ok(linkedin, 'a linkedin request carried the conversion');
    assert.equal(linkedin.headers['x-restli-method'], 'BATCH_CREATE');
    assert.deepEqual(linkedin.body.elements, [{
      conversion: 'urn:lla:llaPartnerConversion:888',
      conversionHappenedAt: good.occurred_at.getTime(),
      eventId: good.event_id,
      user: {
        userIds: [
          { idType: 'SHA256_EMAIL', idValue: leads[0].email_hash },
          { idType: 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID', idValue: 'li-fat-good' },
        ],
      },
      conversionValue: { currencyCode: 'BRL', amount: '250.00' },
    }]);
    const { rows: [dead] } = await db.query(
      `select count(*)::int as n from ops.dead_letters where company_id = $1 and queue_name = 'conversion_platforms'`,
      [companyId],
    );
    assert.equal(dead.n, 1, 'the refused conversion is a dead letter');
  },
);
