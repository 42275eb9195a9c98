// Acceptance: a demo lead that arrived with an fbclid and a gclid, moved to "won" through the API,
// makes the sandbox receive exactly one Meta CAPI event and one Google Ads click conversion with the
// expected fields and hashes (fixed vectors below, computed independently with `sha256sum`) within
// two worker cycles. The kick after commit (pg_net → functions host) may run the workers too; the
// test runs at most two cycles itself and then requires both deliveries sent.
import assert from 'node:assert/strict';
import { sha256Hex } from '@rastro/contracts';
import { adminDb, demoUsers, signIn, stackEnv, stackTest } from '../_shared/testing/stack.ts';
import {
  clearSandbox,
  createAccount,
  createPixel,
  deliveryStates,
  sandboxRequests,
} from '../_shared/testing/conversions.ts';
import { googleDateTime } from '../_shared/conversions/gateways.ts';
import { handler as metaWorker } from './handler.ts';
import { handler as platformWorker } from '../platform-sync-worker/handler.ts';

// printf 'maria.silva@example.com' | sha256sum ; printf '5511987654321' | sha256sum
const emailVector = '5504a61f3ca7140339278c6dabcc059695c852b2aba44c4d00b7ca8c5716106a';
const phoneVector = '029c7290f14c4516673508635f0519db95f7daf42057fd0e4ad1de84c5408a66';

const runCycle = (worker: (req: Request) => Promise<Response>) =>
  worker(
    new Request('http://functions.local/worker', {
      method: 'POST',
      headers: { authorization: `Bearer ${stackEnv.serviceRoleKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ trigger: 'test', maxRuntimeMs: 10_000 }),
    }),
  ).then(async (res) => {
    assert.equal(res.status, 200, await res.clone().text());
    return res.json();
  });

/** Waits until no run of either worker is in flight (the kick after commit starts one in the functions host). */
async function settled(db: Awaited<ReturnType<typeof adminDb>>): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const { rows: [running] } = await db.query(
      `select count(*)::int as n from ops.worker_runs where worker in ('meta-queue-worker', 'platform-sync-worker')
       and finished_at is null and started_at > now() - interval '2 minutes'`,
    );
    if (running.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Runs worker cycles (at most two of ours; kicked runs count as cycles too) until every delivery is sent. */
async function untilSent(db: Awaited<ReturnType<typeof adminDb>>, conversionId: string): Promise<number> {
  let cycles = 0;
  for (; cycles < 2; cycles++) {
    await settled(db);
    const states = await deliveryStates(db, [conversionId]);
    if (states.every((s) => s.status === 'sent' || s.status === 'skipped')) return cycles;
    await Promise.all([runCycle(metaWorker), runCycle(platformWorker)]);
  }
  await settled(db);
  return cycles;
}

stackTest(
  'conversions: a demo lead with fbclid + gclid moved to won → one CAPI event and one Google Ads conversion, exact fields',
  async () => {
    const db = await adminDb();
    const { rows: [company] } = await db.query<{ id: string }>(
      `select id from core.companies where slug = 'demo-rastro'`,
    );
    await createPixel(db, company.id, '1234567890123', 'EAAB-demo-capi-token-0123456789');
    await createAccount(db, company.id, 'google_ads', '1234567890', {
      access_token: 'ya29.demo-google-oauth-token',
      developer_token: 'demo-developer-token',
    });
    await db.query(
      `update core_marketing.conversion_mappings set google_conversion_action_id = '555'
     where company_id = $1 and business_event = 'lead_won'`,
      [company.id],
    );

    // The lead arrives from a form with both click ids (e-mail and phone as a person types them).
    const email = 'Maria.Silva@Example.com';
    await db.query(`delete from lead.leads where company_id = $1 and lower(email) = lower($2)`, [company.id, email]);
    const { rows: [lead] } = await db.query<{ id: string; created_at: Date }>(
      `insert into lead.leads (company_id, name, email, phone, fbclid, gclid, origin, value)
     values ($1, 'Maria Silva', $2, ' +55 (11) 98765-4321 ', 'IwAR2-demo_fbclid.Test', 'Cj0KCQ-demo-gclid', 'form', 1500.50)
     returning id, created_at`,
      [company.id, email],
    );
    // Its Lead event goes out first (lead_created); wait for it so what follows is the purchase alone.
    const { rows: [leadConversion] } = await db.query<{ id: string }>(
      `select id from core_marketing.conversions where source_id = $1 and conversion_name = 'lead'`,
      [lead.id],
    );
    await untilSent(db, leadConversion.id);
    assert.deepEqual((await deliveryStates(db, [leadConversion.id])).map((s) => [s.platform, s.status]), [
      ['meta', 'sent'],
      ['tiktok', 'skipped'],
    ]);
    await clearSandbox('meta');
    await clearSandbox('google-ads');

    // The sales team moves it to won through the API, as the console does.
    const token = await signIn(demoUsers.admin);
    const { rows: [won] } = await db.query<{ id: string }>(
      `select id from lead.pipeline_stages where company_id = $1 and is_won`,
      [company.id],
    );
    const res = await fetch(`${stackEnv.apiUrl}/rest/v1/rpc/move_to_stage`, {
      method: 'POST',
      headers: {
        apikey: stackEnv.anonKey,
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-profile': 'lead',
      },
      body: JSON.stringify({ lead_id: lead.id, stage_id: won.id, reason: 'contract signed' }),
    });
    assert.equal(res.status, 200, await res.text());

    const { rows: [purchase] } = await db.query<{ id: string; occurred_at: Date; event_id: string }>(
      `select id, occurred_at, event_id from core_marketing.conversions where source_id = $1 and conversion_name = 'purchase'`,
      [lead.id],
    );
    assert.equal(purchase.event_id, `purchase-${lead.id}`);
    const cycles = await untilSent(db, purchase.id);
    const states = await deliveryStates(db, [purchase.id]);
    assert.deepEqual(states.map((s) => [s.platform, s.status, s.attempts]), [
      ['google_ads', 'sent', 1],
      ['meta', 'sent', 1],
      ['tiktok', 'skipped', 0],
    ], `after ${cycles} explicit cycles`);
    assert.ok(cycles <= 2);

    // Meta: exactly one accepted request holding exactly one event for this lead.
    const capi = (await sandboxRequests('meta')).filter((r) => r.status === 200);
    const events = capi.flatMap((r) => r.body.data).filter((e: { event_id: string }) =>
      e.event_id === purchase.event_id
    );
    assert.equal(events.length, 1, 'one CAPI event');
    assert.equal(
      capi.find((r) => r.body.data.includes(events[0]))!.headers.authorization,
      'Bearer EAAB-demo-capi-token-0123456789',
    );
    const normalisedEmailHash = emailVector;
    const leadIdHash = await sha256Hex(lead.id);
    assert.deepEqual(events[0], {
      event_name: 'Purchase',
      event_time: Math.floor(purchase.occurred_at.getTime() / 1000),
      event_id: `purchase-${lead.id}`,
      action_source: 'system_generated',
      user_data: {
        em: [normalisedEmailHash],
        ph: [phoneVector],
        external_id: [leadIdHash],
        fbc: `fb.1.${lead.created_at.getTime()}.IwAR2-demo_fbclid.Test`,
      },
      custom_data: { value: 1500.5, currency: 'BRL' },
    });
    assert.equal(
      states.find((s) => s.platform === 'meta')!.platform_trace_id,
      capi.find((r) => r.body.data.includes(events[0]))!.response.fbtrace_id,
      'fbtrace_id stored',
    );

    // Google Ads: exactly one conversion, partialFailure on, token and developer token in headers.
    const google = (await sandboxRequests('google-ads')).filter((r) => r.status === 200);
    const conversions = google.flatMap((r) => r.body.conversions).filter((c: { orderId: string }) =>
      c.orderId === purchase.event_id
    );
    assert.equal(conversions.length, 1, 'one Google Ads conversion');
    // The request that carried it (pg_cron's workers may deliver other companies' conversions beside).
    const ours = google.find((r) => r.body.conversions.includes(conversions[0]));
    assert.ok(ours, 'the request that carried the conversion');
    assert.equal(ours.body.partialFailure, true);
    assert.equal(ours.headers.authorization, 'Bearer ya29.demo-google-oauth-token');
    assert.equal(ours.headers['developer-token'], 'demo-developer-token');
    assert.equal(ours.path, '/v20/customers/1234567890:uploadClickConversions');
    assert.deepEqual(conversions[0], {
      gclid: 'Cj0KCQ-demo-gclid',
      conversionAction: 'customers/1234567890/conversionActions/555',
      conversionDateTime: googleDateTime(purchase.occurred_at),
      orderId: `purchase-${lead.id}`,
      conversionValue: 1500.5,
      currencyCode: 'BRL',
      userIdentifiers: [{ hashedEmail: normalisedEmailHash }],
    });
    assert.match(conversions[0].conversionDateTime, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\+00:00$/);

    // Fixed vectors: the database's hashing of the same e-mail / phone forms.
    const { rows: [hashes] } = await db.query(
      `select lead.hash_email(' Maria.Silva@Example.com ') as em, lead.hash_phone(' +55 (11) 98765-4321 ') as ph`,
    );
    assert.deepEqual(hashes, { em: emailVector, ph: phoneVector });

    // Every attempt is in dispatch_log, without any token; the pixel's token is now known valid.
    const { rows: logs } = await db.query(
      `select platform, outcome, status_code, request::text as request from core_marketing.dispatch_log
     where delivery_ids && (select array_agg(id) from core_marketing.conversion_deliveries where conversion_id = $1)`,
      [purchase.id],
    );
    assert.deepEqual(logs.map((l) => [l.platform, l.outcome, l.status_code]).sort(), [['google_ads', 'sent', 200], [
      'meta',
      'sent',
      200,
    ]]);
    for (const log of logs) {
      assert.ok(!/EAAB-demo|ya29\.|demo-developer-token/.test(log.request), 'no secret in dispatch_log');
    }
    const { rows: [pixel] } = await db.query(
      `select token_status from core_marketing.pixel_configs where company_id = $1 and pixel_id = '1234567890123'`,
      [company.id],
    );
    assert.equal(pixel.token_status, 'valid');
    const { rows: [dispatched] } = await db.query(
      `select count(*)::int as n from ops.domain_events where aggregate_id = $1 and event_type = 'ConversionEventDispatched'`,
      [purchase.id],
    );
    assert.equal(dispatched.n, 2, 'ConversionEventDispatched per platform');
  },
);
