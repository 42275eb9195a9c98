// email-events: signed webhooks in the generic shape and SendGrid's record delivered, bounce and
// complaint events once (a hard bounce marks the contact bounced, a complaint suppresses it); unsigned,
// wrongly signed, stale, oversize, malformed and unknown-message batches are refused and write nothing.
import assert from 'node:assert/strict';
import { signId } from '../_shared/email-ids.ts';
import { emailFixture, emailFootprint } from '../_shared/testing/email-fixtures.ts';
import { adminDb, stackEnv, stackTest } from '../_shared/testing/stack.ts';
import { createEmailEventsHandler, signGenericBody } from './handler.ts';

const secret = 'test-email-events-secret';

async function sendgridKeys() {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
  return { privateKey: pair.privateKey, publicKey: btoa(String.fromCharCode(...spki)) };
}

/** DER-encodes a raw r‖s ECDSA signature the way SendGrid sends it. */
function rawToDer(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const trimmed = bytes.slice(start);
    const value = trimmed[0] & 0x80 ? Uint8Array.of(0, ...trimmed) : trimmed;
    return [0x02, value.length, ...value];
  };
  const body = [...integer(raw.slice(0, 32)), ...integer(raw.slice(32))];
  return Uint8Array.of(0x30, body.length, ...body);
}

async function sendgridRequest(privateKey: CryptoKey, body: string, timestamp = Math.floor(Date.now() / 1000)) {
  const raw = new Uint8Array(
    await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      privateKey,
      new TextEncoder().encode(`${timestamp}${body}`),
    ),
  );
  return new Request('http://local/email-events/sendgrid', {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-twilio-email-event-webhook-signature': btoa(String.fromCharCode(...rawToDer(raw))),
      'x-twilio-email-event-webhook-timestamp': String(timestamp),
    },
  });
}

async function genericRequest(body: string, options: { signature?: string | null; t?: number } = {}) {
  const t = options.t ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature = options.signature === undefined ? await signGenericBody(secret, body, t) : options.signature;
  if (signature !== null) headers['x-rastro-signature'] = signature;
  return new Request('http://local/email-events', { method: 'POST', body, headers });
}

async function expectRefused(res: Response, status: number, code: string) {
  const body = await res.json();
  assert.equal(res.status, status, `${code}: ${JSON.stringify(body)}`);
  assert.equal(body.error?.code, code);
}

stackTest('email-events: the generic shape records delivery, bounces and complaints once', async () => {
  const db = await adminDb();
  const fx = await emailFixture(db, { contacts: 3 });
  const handler = createEmailEventsHandler({ secret });
  const [a, b, c] = await Promise.all(fx.messages.map((m) => signId('message', m.publicId)));
  const at = new Date(Date.now() - 60_000).toISOString();
  const body = JSON.stringify({
    events: [
      { id: 'e1', type: 'delivered', message: a, occurred_at: at },
      { id: 'e2', type: 'bounce', bounce_kind: 'hard', message: b, occurred_at: at, reason: '550 no such user' },
      { id: 'e3', type: 'complaint', message: c, occurred_at: at },
    ],
  });
  const res = await handler(await genericRequest(body));
  assert.deepEqual(await res.json(), { recorded: 3, duplicates: 0, unknown: 0 });
  const again = await handler(await genericRequest(body));
  assert.deepEqual(await again.json(), { recorded: 0, duplicates: 3, unknown: 0 }, 'a redelivery records nothing');

  const { rows } = await db.query(
    `select c.email, c.status, exists (select 1 from ops.suppression_list s where s.company_id = c.company_id and s.email = c.email) as suppressed
     from mtrk.contacts c where c.company_id = $1 order by c.email`,
    [fx.companyId],
  );
  assert.deepEqual(rows.map((r) => [r.status, r.suppressed]), [['active', false], ['bounced', false], [
    'complained',
    true,
  ]]);
  const { rows: [metrics] } = await db.query(
    'select delivered, hard_bounces, complaints from mtrk.campaign_metrics where campaign_id = $1',
    [fx.campaignId],
  );
  assert.deepEqual(metrics, { delivered: 1, hard_bounces: 1, complaints: 1 });
});

stackTest('email-events: unsigned, forged, stale, oversize, malformed and unknown batches write nothing', async () => {
  const db = await adminDb();
  const fx = await emailFixture(db, { contacts: 1 });
  const handler = createEmailEventsHandler({ secret });
  const token = await signId('message', fx.messages[0].publicId);
  const at = new Date().toISOString();
  const good = JSON.stringify({ events: [{ id: 'x1', type: 'delivered', message: token, occurred_at: at }] });
  const before = await emailFootprint(db, fx.companyId);

  await expectRefused(await handler(await genericRequest(good, { signature: null })), 401, 'missing_signature');
  await expectRefused(
    await handler(
      await genericRequest(good, {
        signature: await signGenericBody('other-secret', good, Math.floor(Date.now() / 1000)),
      }),
    ),
    401,
    'invalid_signature',
  );
  const t = Math.floor(Date.now() / 1000);
  const tampered = new Request('http://local/email-events', {
    method: 'POST',
    body: good.replace('delivered', 'complaint'),
    headers: { 'x-rastro-signature': await signGenericBody(secret, good, t) },
  });
  await expectRefused(await handler(tampered), 401, 'invalid_signature');
  const old = t - 3600;
  await expectRefused(
    await handler(await genericRequest(good, { t: old, signature: await signGenericBody(secret, good, old) })),
    401,
    'stale_signature',
  );
  await expectRefused(await handler(await genericRequest('x'.repeat(600 * 1024))), 413, 'body_too_large');
  await expectRefused(await handler(await genericRequest('{"events": [')), 400, 'invalid_json');
  await expectRefused(
    await handler(
      await genericRequest(JSON.stringify({ events: [{ id: 'x', type: 'open', message: token, occurred_at: at }] })),
    ),
    422,
    'validation_failed',
  );
  await expectRefused(
    await handler(
      await genericRequest(JSON.stringify({ events: [{ id: 'x', type: 'bounce', message: token, occurred_at: at }] })),
    ),
    422,
    'validation_failed',
  );
  await expectRefused(
    await handler(
      await genericRequest(
        JSON.stringify({
          events: [{ id: 'x', type: 'delivered', message: token, occurred_at: '2019-01-01T00:00:00Z' }],
        }),
      ),
    ),
    422,
    'validation_failed',
  );
  const forgedToken = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
  await expectRefused(
    await handler(
      await genericRequest(
        JSON.stringify({
          events: [{ id: 'ok', type: 'delivered', message: token, occurred_at: at }, {
            id: 'f',
            type: 'delivered',
            message: forgedToken,
            occurred_at: at,
          }],
        }),
      ),
    ),
    422,
    'unknown_message',
  );
  await expectRefused(
    await handler(
      await genericRequest(
        JSON.stringify({
          events: [{ id: 'ok', type: 'delivered', message: token, occurred_at: at }, {
            id: 'u',
            type: 'delivered',
            message: await signId('message', crypto.randomUUID()),
            occurred_at: at,
          }],
        }),
      ),
    ),
    422,
    'unknown_message',
  );
  await expectRefused(
    await handler(new Request('http://local/email-events', { method: 'GET' })),
    405,
    'method_not_allowed',
  );
  assert.deepEqual(await emailFootprint(db, fx.companyId), before, 'nothing written');

  // Through the gateway: the function is public (verify_jwt = false) and still refuses unsigned calls.
  const viaGateway = await fetch(`${stackEnv.apiUrl}/functions/v1/email-events`, { method: 'POST', body: good });
  const answer = await viaGateway.json();
  assert.equal(viaGateway.status, 401, JSON.stringify(answer));
  assert.equal(answer.error.code, 'missing_signature');
});

stackTest('email-events: SendGrid signed events map to delivered, hard/soft bounce and complaint', async () => {
  const db = await adminDb();
  const fx = await emailFixture(db, { contacts: 3 });
  const keys = await sendgridKeys();
  const handler = createEmailEventsHandler({ sendgridPublicKey: keys.publicKey });
  const ts = Math.floor(Date.now() / 1000) - 30;
  const [a, b, c] = fx.messages;
  const body = JSON.stringify([
    { email: a.email, timestamp: ts, event: 'processed', sg_event_id: 'p1', rastro_mid: a.publicId },
    {
      email: a.email,
      timestamp: ts,
      event: 'delivered',
      sg_event_id: 'd1',
      sg_message_id: 'abc.filter1',
      rastro_mid: a.publicId,
    },
    {
      email: b.email,
      timestamp: ts,
      event: 'bounce',
      type: 'blocked',
      reason: 'mailbox full',
      sg_event_id: 'b1',
      rastro_mid: b.publicId,
    },
    { email: c.email, timestamp: ts, event: 'spamreport', sg_event_id: 's1', rastro_mid: c.publicId },
    { email: 'other@x.test', timestamp: ts, event: 'delivered', sg_event_id: 'o1' },
  ]);
  const res = await handler(await sendgridRequest(keys.privateKey, body));
  assert.deepEqual(await res.json(), { recorded: 3, duplicates: 0, unknown: 0 });
  const { rows } = await db.query(
    `select type, bounce_kind, source from mtrk.events where company_id = $1 order by provider_event_id`,
    [fx.companyId],
  );
  assert.deepEqual(rows, [
    { type: 'bounce', bounce_kind: 'soft', source: 'webhook' },
    { type: 'delivered', bounce_kind: null, source: 'webhook' },
    { type: 'complaint', bounce_kind: null, source: 'webhook' },
  ]);
  const before = await emailFootprint(db, fx.companyId);
  const other = await sendgridKeys();
  await expectRefused(await handler(await sendgridRequest(other.privateKey, body)), 401, 'invalid_signature');
  await expectRefused(await handler(await sendgridRequest(keys.privateKey, body, ts - 3600)), 401, 'stale_signature');
  await expectRefused(
    await handler(new Request('http://local/email-events/sendgrid', { method: 'POST', body })),
    401,
    'missing_signature',
  );
  assert.deepEqual(await emailFootprint(db, fx.companyId), before, 'nothing written');
});
