// email-tracking through the gateway (verify_jwt = false): the pixel, the click redirect and the
// one-click unsubscribe do their job, and every bad request (forged or unknown ids, ids of the wrong
// kind, open-redirect attempts, replays, wrong bodies) answers its code and writes nothing.
import assert from 'node:assert/strict';
import { signId, verifyId } from '../_shared/email-ids.ts';
import { emailFixture, emailFootprint, foldQueuedEvents } from '../_shared/testing/email-fixtures.ts';
import { adminDb, stackEnv, stackTest } from '../_shared/testing/stack.ts';
import { deriveTrackingKey } from '@rastro/contracts/email-ids.ts';
import { redirectTarget } from './handler.ts';

const base = () => `${stackEnv.apiUrl}/functions/v1/email-tracking`;
const browser =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

function get(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${base()}${path}`, {
    redirect: 'manual',
    ...init,
    headers: { 'user-agent': browser, ...(init.headers as Record<string, string> | undefined) },
  });
}

async function expectRefused(res: Response, status: number, code: string): Promise<void> {
  const body = await res.json();
  assert.equal(res.status, status, `${code}: ${JSON.stringify(body)}`);
  assert.equal(body.error?.code, code);
  assert.equal(res.headers.get('location'), null, 'never a redirect');
}

/** A token with one character of its signature changed. */
function forged(token: string): string {
  const last = token.at(-1) === 'A' ? 'B' : 'A';
  return token.slice(0, -1) + last;
}

/** Makes the message look sent a minute ago, so the timing rule does not flag the test's requests. */
async function markSent(messageId: string): Promise<void> {
  const db = await adminDb();
  await db.query(
    `insert into mtrk.events (company_id, campaign_id, message_id, contact_id, type, source, occurred_at)
     select company_id, campaign_id, id, contact_id, 'sent', 'smtp', now() - interval '1 minute' from mtrk.messages where id = $1`,
    [messageId],
  );
}

Deno.test('redirectTarget: the registered URL, its own UTMs first, then mid and rid; fragment and encoding kept', () => {
  const key = deriveTrackingKey(btoa('k'.repeat(32)));
  const ids = {
    message_public_id: '0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a',
    contact_public_id: '1a2b3c4d-5e6f-4071-8293-a4b5c6d7e8f9',
  };
  const utms = { utm_source: 'email', utm_medium: 'email', utm_campaign: 'black friday', utm_content: 'cta-1' };
  const mid = signId('message', ids.message_public_id, key);
  const rid = signId('contact', ids.contact_public_id, key);
  assert.equal(
    redirectTarget({ url: 'https://loja.test/p?utm_source=news&q=a%20b#oferta', ...utms, ...ids }, key),
    `https://loja.test/p?utm_source=news&q=a+b&utm_medium=email&utm_campaign=black+friday&utm_content=cta-1&mid=${mid}&rid=${rid}#oferta`,
  );
  assert.equal(
    redirectTarget({ url: 'https://loja.test', ...utms, ...ids }, key),
    `https://loja.test/?utm_source=email&utm_medium=email&utm_campaign=black+friday&utm_content=cta-1&mid=${mid}&rid=${rid}`,
  );
});

stackTest('email-tracking: pixel records an open and is never cached; machines are flagged', async () => {
  const db = await adminDb();
  const fx = await emailFixture(db);
  const [message] = fx.messages;
  await markSent(message.id);
  const token = await signId('message', message.publicId);

  const res = await get(`/o/${token}.gif`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/gif');
  assert.match(res.headers.get('cache-control') ?? '', /no-store/);
  const bytes = new Uint8Array(await res.arrayBuffer());
  assert.equal(new TextDecoder().decode(bytes.slice(0, 6)), 'GIF89a');
  assert.deepEqual([bytes[6], bytes[8]], [1, 1], '1×1');
  assert.equal(bytes.at(-1), 0x3b, 'a complete GIF (trailer byte)');

  await (await get(`/o/${token}.gif`, { headers: { 'user-agent': 'Mozilla/5.0 (via ggpht.com GoogleImageProxy)' } }))
    .arrayBuffer();
  // Opens wait in mtrk.pending_events until a fold (the function asks for one after answering, at most
  // every 0.5 s; pg_cron every minute); this is the minute job's run, now.
  await foldQueuedEvents(db);
  const { rows } = await db.query(
    `select is_machine, machine_reason from mtrk.events where message_id = $1 and type = 'open' order by id`,
    [message.id],
  );
  assert.deepEqual(rows, [{ is_machine: false, machine_reason: null }, {
    is_machine: true,
    machine_reason: 'Gmail image proxy',
  }]);
  const { rows: [metrics] } = await db.query(
    'select unique_opens, machine_opens from mtrk.campaign_metrics where campaign_id = $1',
    [fx.campaignId],
  );
  assert.deepEqual(metrics, { unique_opens: 1, machine_opens: 1 });
});

stackTest('email-tracking: a click redirects to the registered URL with UTMs, mid and rid', async () => {
  const db = await adminDb();
  const fx = await emailFixture(db);
  const [message] = fx.messages;
  await markSent(message.id);
  const res = await get(`/c/${await signId('link', message.linkPublicIds[0])}`);
  await res.body?.cancel();
  assert.equal(res.status, 302);
  const location = new URL(res.headers.get('location')!);
  assert.equal(`${location.origin}${location.pathname}`, 'https://loja.test/ofertas');
  assert.equal(location.searchParams.get('ref'), 'mail', 'the registered query is kept');
  assert.equal(location.searchParams.get('utm_source'), 'email');
  assert.equal(location.searchParams.get('utm_medium'), 'email');
  assert.equal(location.searchParams.get('utm_campaign'), 'black-friday');
  assert.equal(location.searchParams.get('utm_content'), 'cta-1');
  assert.equal(await verifyId('message', location.searchParams.get('mid')!), message.publicId);
  assert.equal(await verifyId('contact', location.searchParams.get('rid')!), message.contactPublicId);

  const head = await get(`/c/${await signId('link', message.linkPublicIds[1])}`, { method: 'HEAD' });
  assert.equal(head.status, 302);
  await foldQueuedEvents(db); // the queue into the log, as the minute job does
  const { rows } = await db.query(
    `select e.is_machine, e.machine_reason, t.position from mtrk.events e join mtrk.links l on l.id = e.link_id
     join mtrk.campaign_ctas t on t.id = l.cta_id where e.message_id = $1 and e.type = 'click' order by e.id`,
    [message.id],
  );
  assert.deepEqual(rows, [{ is_machine: false, machine_reason: null, position: 1 }, {
    is_machine: true,
    machine_reason: 'HEAD request',
    position: 2,
  }]);
});

stackTest(
  'email-tracking: forged, unknown and misused ids and open-redirect attempts are refused, nothing written',
  async () => {
    const db = await adminDb();
    const fx = await emailFixture(db);
    const [message] = fx.messages;
    const linkToken = await signId('link', message.linkPublicIds[0]);
    const messageToken = await signId('message', message.publicId);
    const before = await emailFootprint(db, fx.companyId);

    await expectRefused(await get(`/c/${forged(linkToken)}`), 404, 'link_not_found');
    await expectRefused(await get(`/c/${await signId('link', crypto.randomUUID())}`), 404, 'link_not_found');
    await expectRefused(await get(`/c/${messageToken}`), 404, 'link_not_found');
    await expectRefused(await get(`/c/${message.linkPublicIds[0].replaceAll('-', '')}`), 404, 'link_not_found');
    await expectRefused(await get(`/o/${forged(messageToken)}.gif`), 404, 'message_not_found');
    await expectRefused(await get(`/o/${linkToken}.gif`), 404, 'message_not_found');
    await expectRefused(await get(`/c/${linkToken}?url=https://evil.test/`), 400, 'unexpected_query');
    await expectRefused(await get(`/c/${linkToken}?redirect=%2F%2Fevil.test`), 400, 'unexpected_query');
    await expectRefused(await get(`/c/https%3A%2F%2Fevil.test%2F`), 404, 'route_not_found');
    await expectRefused(await get(`/c//evil.test`), 404, 'route_not_found');
    await expectRefused(await get(`/c/${linkToken}/https://evil.test`), 404, 'route_not_found');
    await expectRefused(await get(`/c/%2F%2Fevil.test`), 404, 'route_not_found');
    await expectRefused(await get(`/o/${messageToken}.gif`, { method: 'POST' }), 405, 'method_not_allowed');
    await expectRefused(
      await get(`/u/${forged(messageToken)}`, {
        method: 'POST',
        body: 'List-Unsubscribe=One-Click',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      404,
      'message_not_found',
    );

    assert.deepEqual(await emailFootprint(db, fx.companyId), before, 'nothing written');
  },
);

stackTest('email-tracking: RFC 8058 one-click unsubscribes once; replays and wrong bodies write nothing', async () => {
  const db = await adminDb();
  const fx = await emailFixture(db, { contacts: 3 });
  const [first, second] = fx.messages;
  const token = await signId('message', first.publicId);
  const oneClick = (body: BodyInit, contentType = 'application/x-www-form-urlencoded') =>
    get(`/u/${token}`, { method: 'POST', body, headers: { 'content-type': contentType } });

  const empty = await emailFootprint(db, fx.companyId);
  await expectRefused(await oneClick('List-Unsubscribe=Yes'), 400, 'not_one_click');
  await expectRefused(await oneClick('List-Unsubscribe=One-Click', 'text/plain'), 400, 'not_one_click');
  await expectRefused(await oneClick(`List-Unsubscribe=One-Click&pad=${'x'.repeat(5000)}`), 413, 'body_too_large');
  await expectRefused(await oneClick('{"scope":"everything"}', 'application/json'), 422, 'invalid_scope');
  await expectRefused(await oneClick('{"scope":', 'application/json'), 400, 'invalid_json');
  assert.deepEqual(await emailFootprint(db, fx.companyId), empty, 'bad bodies wrote nothing');

  const info = await (await get(`/u/${token}`)).json();
  assert.deepEqual(info, {
    company: `Empresa ${first.email.split('@')[1].replace('.test', '')}`,
    campaign: 'Black Friday',
    email: 'p***@' + first.email.split('@')[1],
    global: false,
    campaign_scope: false,
  });

  const form = new FormData();
  form.set('List-Unsubscribe', 'One-Click');
  const res = await get(`/u/${token}`, { method: 'POST', body: form });
  assert.equal(res.status, 200, await res.clone().text());
  assert.deepEqual(await res.json(), { status: 'unsubscribed', scope: 'global' });
  const { rows: [state] } = await db.query(
    `select (select scope from mtrk.unsubscribes where contact_id = c.id) as scope,
            (select reason from ops.suppression_list s where s.company_id = c.company_id and lower(s.email) = lower(c.email)) as suppression,
            (select count(*)::int from mtrk.events e where e.message_id = $2 and e.type = 'unsubscribe') as events
     from mtrk.contacts c where c.public_id = $1`,
    [first.contactPublicId, first.id],
  );
  assert.deepEqual(state, { scope: 'global', suppression: 'unsubscribe', events: 1 });

  const afterFirst = await emailFootprint(db, fx.companyId);
  await expectRefused(await oneClick('List-Unsubscribe=One-Click'), 409, 'already_unsubscribed');
  await expectRefused(await oneClick('{"scope":"campaign"}', 'application/json'), 409, 'already_unsubscribed');
  assert.deepEqual(await emailFootprint(db, fx.companyId), afterFirst, 'a replay wrote nothing');

  const page = await get(`/u/${await signId('message', second.publicId)}`, {
    method: 'POST',
    body: JSON.stringify({ scope: 'campaign' }),
    headers: { 'content-type': 'application/json' },
  });
  assert.deepEqual(await page.json(), { status: 'unsubscribed', scope: 'campaign' });

  // The next campaign to the same audience leaves out the global unsubscribe, not the campaign one.
  const { rows: [next] } = await db.query<{ id: string }>(
    `insert into mtrk.campaigns (company_id, name, subject, html_content, sender_name, sender_email)
     values ($1, 'Next', 'S', '<a href="https://loja.test/">Loja</a>', 'Loja', 'news@loja.test') returning id`,
    [fx.companyId],
  );
  await db.query('insert into mtrk.campaign_audiences values ($1, $2, $3)', [fx.companyId, next.id, fx.audienceId]);
  const { rows: [made] } = await db.query('select mtrk._generate_messages($1) as made', [next.id]);
  assert.deepEqual(made.made, { messages: 2, links: 2 });
  const { rows: excluded } = await db.query(
    'select 1 from mtrk.messages m join mtrk.contacts c on c.id = m.contact_id where m.campaign_id = $1 and c.email = $2',
    [next.id, first.email],
  );
  assert.equal(excluded.length, 0, 'the one-click unsubscriber is excluded from the next campaign');
});
