// The signed webhook destination and conversion-callback: a conversion forwarded to a company's own
// conversion service carries a valid X-Rastro-Signature (the sandbox checks it with the shared secret);
// the service's callback confirms or fails the delivery once. Bad input — bad or missing signature, a
// stale timestamp, a replayed callback, an unknown or another company's delivery, a malformed body —
// gets a clear 4xx with a code and writes nothing.
import assert from 'node:assert/strict';
import { signPayload } from '../_shared/conversions/gateways.ts';
import { adminDb, stackEnv, stackTest } from '../_shared/testing/stack.ts';
import {
  clearSandbox,
  createAccount,
  createCompany,
  sandboxRequests,
  sandboxUrl,
  workersSettled,
} from '../_shared/testing/conversions.ts';
import { handler as platformWorker } from '../platform-sync-worker/handler.ts';
import { handler } from './handler.ts';

const secret = 'whsec-' + 'k'.repeat(40);

async function signedCallback(body: Record<string, unknown>, options: { key?: string; timestamp?: number } = {}) {
  const raw = JSON.stringify(body);
  const t = options.timestamp ?? Math.floor(Date.now() / 1000);
  return new Request('http://functions.local/conversion-callback', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-rastro-signature': `t=${t},v1=${await signPayload(options.key ?? secret, t, raw)}`,
    },
    body: raw,
  });
}

async function answer(
  req: Request,
): Promise<{ status: number; body: { error?: { code: string } } & Record<string, unknown> }> {
  const res = await handler(req);
  return { status: res.status, body: await res.json() };
}

stackTest(
  'webhook destination + conversion-callback: signed both ways, confirmed once, bad input refused with nothing written',
  async () => {
    const db = await adminDb();
    const run = crypto.randomUUID().slice(0, 8);
    const companyId = await createCompany(db, `webhook-${run}`);
    const otherCompanyId = await createCompany(db, `webhook-other-${run}`);
    const accountId = await createAccount(db, companyId, 'webhook', `${sandboxUrl}/conversion-service/conversions`, {
      secret,
    });
    const otherAccountId = await createAccount(
      db,
      otherCompanyId,
      'webhook',
      `${sandboxUrl}/conversion-service/conversions`,
      {
        secret: 'other-' + 'x'.repeat(40),
      },
    );
    await db.query(
      `update core_marketing.conversion_mappings set send_to_webhook = true where business_event = 'lead_won' and company_id = any ($1)`,
      [
        [companyId, otherCompanyId],
      ],
    );
    await clearSandbox('conversion-service');
    await fetch(`${sandboxUrl}/__sandbox/platforms/conversion-service/secret`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ secret }),
    }).then((r) => r.body?.cancel());
    const won = async (company: string) => {
      const { rows: [lead] } = await db.query<{ id: string }>(
        `insert into lead.leads (company_id, name, email, origin) values ($1, 'Webhook', $2, 'csv') returning id`,
        [company, `wh-${crypto.randomUUID().slice(0, 8)}@example.com`],
      );
      await db.query(
        `update lead.leads set stage_id = (select id from lead.pipeline_stages where company_id = $1 and is_won) where id = $2`,
        [company, lead.id],
      );
      const { rows: [delivery] } = await db.query<{ id: string; status: string }>(
        `select d.id, d.status from core_marketing.conversion_deliveries d join core_marketing.conversions v on v.id = d.conversion_id
       where v.source_id = $1 and d.platform = 'webhook'`,
        [lead.id],
      );
      return delivery;
    };
    const delivery = await won(companyId);
    const otherDelivery = await won(otherCompanyId);
    assert.equal(delivery.status, 'pending', "no click id needed for the company's own service");

    const status = async (id: string) =>
      (await db.query(
        `select status, platform_trace_id, last_error from core_marketing.conversion_deliveries where id = $1`,
        [id],
      )).rows[0];
    for (let i = 0; i < 3 && (await workersSettled(db), await status(delivery.id)).status !== 'sent'; i++) {
      const res = await platformWorker(
        new Request('http://functions.local/platform-sync-worker', {
          method: 'POST',
          headers: { authorization: `Bearer ${stackEnv.serviceRoleKey}` },
          body: JSON.stringify({ maxRuntimeMs: 5_000 }),
        }),
      );
      assert.equal(res.status, 200);
      await res.body?.cancel();
    }
    assert.equal((await status(delivery.id)).status, 'sent');
    const received = (await sandboxRequests('conversion-service')).filter((r) => r.status === 202);
    const forwarded = received.flatMap((r) => r.body.conversions).find((c: { delivery_id: string }) =>
      c.delivery_id === delivery.id
    );
    assert.ok(
      forwarded,
      'the conversion service accepted the signed request (the sandbox verified the HMAC with the shared secret)',
    );
    assert.match(forwarded.event_id, /^purchase-/);

    const counts = async () =>
      (await db.query(
        `select (select count(*)::int from core_marketing.conversion_callbacks where platform_account_id = any ($1)) as callbacks,
              (select count(*)::int from core_marketing.dispatch_log where worker = 'conversion-callback' and platform_account_id = any ($1)) as logs`,
        [[accountId, otherAccountId]],
      )).rows[0];
    const before = await counts();
    const callbackId = `cb-${run}-1`;
    const good = {
      account_id: accountId,
      callback_id: callbackId,
      delivery_id: delivery.id,
      outcome: 'confirmed',
      reference: 'svc-ref-42',
    };

    // Refusals first: nothing may be written by any of them.
    const refusals: Array<[string, Request, number, string]> = [
      ['wrong secret', await signedCallback(good, { key: 'w'.repeat(46) }), 401, 'signature_invalid'],
      [
        'stale timestamp',
        await signedCallback(good, { timestamp: Math.floor(Date.now() / 1000) - 600 }),
        401,
        'signature_expired',
      ],
      [
        'no signature',
        new Request('http://x/conversion-callback', { method: 'POST', body: JSON.stringify(good) }),
        401,
        'signature_missing',
      ],
      [
        'tampered body',
        new Request('http://x/conversion-callback', {
          method: 'POST',
          headers: { 'x-rastro-signature': (await signedCallback(good)).headers.get('x-rastro-signature')! },
          body: JSON.stringify({ ...good, outcome: 'failed' }),
        }),
        401,
        'signature_invalid',
      ],
      [
        'unknown delivery',
        await signedCallback({ ...good, delivery_id: crypto.randomUUID() }),
        404,
        'delivery_not_found',
      ],
      [
        "another company's delivery",
        await signedCallback({ ...good, delivery_id: otherDelivery.id }),
        404,
        'delivery_not_found',
      ],
      ['malformed outcome', await signedCallback({ ...good, outcome: 'maybe' }), 422, 'validation_failed'],
      ['unknown account', await signedCallback({ ...good, account_id: crypto.randomUUID() }), 401, 'signature_invalid'],
      ['GET', new Request('http://x/conversion-callback'), 405, 'method_not_allowed'],
    ];
    for (const [what, req, expectedStatus, code] of refusals) {
      const { status: got, body } = await answer(req);
      assert.deepEqual([got, body.error?.code], [expectedStatus, code], what);
    }
    assert.deepEqual(await counts(), before, 'the refused callbacks wrote nothing');
    assert.equal((await status(delivery.id)).platform_trace_id !== 'svc-ref-42', true);

    // A good callback confirms once; its replay is refused.
    const first = await answer(await signedCallback(good));
    assert.deepEqual([first.status, first.body], [200, { delivery_id: delivery.id, status: 'sent' }]);
    assert.equal((await status(delivery.id)).platform_trace_id, 'svc-ref-42');
    const replay = await answer(await signedCallback(good));
    assert.deepEqual([replay.status, replay.body.error?.code], [409, 'callback_replayed']);
    assert.deepEqual(await counts(), { callbacks: before.callbacks + 1, logs: before.logs + 1 });

    // The service may fail a delivery afterwards (e.g. its own upload was refused), through the gateway.
    const failed = await signedCallback({
      ...good,
      callback_id: `cb-${run}-2`,
      outcome: 'failed',
      error: 'downstream refused',
    });
    const res = await fetch(`${stackEnv.apiUrl}/functions/v1/conversion-callback`, {
      method: 'POST',
      headers: Object.fromEntries(failed.headers),
      body: await failed.text(),
    });
    assert.equal(res.status, 200, await res.clone().text());
    await res.body?.cancel();
    assert.deepEqual(await status(delivery.id), {
      status: 'failed',
      platform_trace_id: 'svc-ref-42',
      last_error: 'downstream refused',
    });
  },
);
