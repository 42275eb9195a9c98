// email-send-worker against the stack and a local SMTP sink: real SMTP over implicit TLS delivers
// each eligible message once with its tracked links, pixel and one-click headers; contacts that left
// since generation are skipped; the per-company rate stops a run and a later run resumes from the
// keyset checkpoint without resending; the simulator sends nothing and plans a labelled event stream.
import assert from 'node:assert/strict';
import { verifyId } from '../_shared/email-ids.ts';
import { smtpTransport } from '../_shared/email-transport.ts';
import { Queue } from '../_shared/queue.ts';
import { emailFixture } from '../_shared/testing/email-fixtures.ts';
import { startSmtpSink } from '../_shared/testing/smtp-sink.ts';
import { adminDb, stackEnv, stackTest } from '../_shared/testing/stack.ts';
import { createEmailSendWorker } from './handler.ts';

const urls = () => ({
  trackingBase: `${stackEnv.apiUrl}/functions/v1/email-tracking`,
  consoleBase: 'http://console.test',
});

/** A queue of the test's own, so the stack's pg_cron run of the worker never takes its messages. */
async function testQueue(): Promise<Queue> {
  const name = `email_send_t${crypto.randomUUID().slice(0, 8).replaceAll('-', '')}`;
  await (await adminDb()).query('select pgmq.create($1)', [name]);
  return new Queue(name);
}

async function startCampaign(queue: Queue, campaignId: string, companyId: string, transport: string) {
  const db = await adminDb();
  await db.query(`update mtrk.campaigns set status = 'sending', transport = $2 where id = $1`, [campaignId, transport]);
  await queue.send({ company_id: companyId, campaign_id: campaignId });
}

function run(worker: (req: Request) => Promise<Response>) {
  return worker(
    new Request('http://local/email-send-worker', {
      method: 'POST',
      headers: { authorization: `Bearer ${stackEnv.serviceRoleKey}` },
    }),
  );
}

stackTest(
  'email-send-worker: SMTP over implicit TLS delivers tracked messages once, skipping contacts that left',
  async () => {
    const db = await adminDb();
    const sink = await startSmtpSink({ tls: true });
    try {
      const fx = await emailFixture(db, { contacts: 3 });
      const [first, second, third] = fx.messages;
      await db.query(
        `insert into mtrk.unsubscribes (company_id, contact_id, scope, source)
       select company_id, id, 'global', 'console' from mtrk.contacts where public_id = $1`,
        [third.contactPublicId],
      );
      const queue = await testQueue();
      await startCampaign(queue, fx.campaignId, fx.companyId, 'smtp');
      const worker = createEmailSendWorker({
        queue,
        urls: urls(),
        chain: false,
        transports: {
          smtp: () => smtpTransport({ host: '127.0.0.1', port: sink.port, secure: true, caPem: sink.caPem! }),
        },
      });
      const res = await run(worker);
      assert.equal(res.status, 200, await res.clone().text());

      assert.deepEqual(
        sink.received.map((m) => m.to[0]).sort(),
        [first.email, second.email],
        'each eligible contact once',
      );
      const mail = sink.received.find((m) => m.to[0] === first.email)!;
      assert.equal(mail.subject, 'Ofertas da semana');
      assert.equal(mail.from, 'news@loja.test');
      const listUnsubscribe = String(mail.header('list-unsubscribe'));
      const oneClick = /<([^>]+\/email-tracking\/u\/([A-Za-z0-9_-]{54}))>/.exec(listUnsubscribe);
      assert.ok(oneClick, `List-Unsubscribe carries the one-click URL: ${listUnsubscribe}`);
      assert.equal(await verifyId('message', oneClick[2]), first.publicId);
      assert.equal(mail.header('list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
      assert.ok(!mail.html.includes('https://loja.test/'), 'no CTA points at its target directly');
      const clicks = [...mail.html.matchAll(/href="([^"]+\/email-tracking\/c\/([A-Za-z0-9_-]{54}))"/g)];
      assert.equal(clicks.length, 2, 'both CTAs rewritten');
      assert.deepEqual(await Promise.all(clicks.map((m) => verifyId('link', m[2]))), first.linkPublicIds);
      assert.match(mail.html, new RegExp(`/email-tracking/o/${oneClick[2]}\\.gif`), 'the open pixel');
      assert.match(
        mail.html,
        new RegExp(`http://console\\.test/unsubscribe/${oneClick[2]}`),
        'the unsubscribe page link',
      );

      // The received link works: redirected to the registered URL with mid.
      const redirect = await fetch(clicks[0][1], {
        redirect: 'manual',
        headers: { 'user-agent': 'Mozilla/5.0 Firefox/133.0' },
      });
      await redirect.body?.cancel();
      assert.equal(redirect.status, 302);
      assert.equal(
        await verifyId('message', new URL(redirect.headers.get('location')!).searchParams.get('mid')!),
        first.publicId,
      );

      const { rows } = await db.query(
        `select c.email, m.status, m.transport, m.provider_message_id is not null as has_provider_id,
              (select count(*)::int from mtrk.events e where e.message_id = m.id and e.type = 'sent' and e.source = 'smtp') as sent_events
       from mtrk.messages m join mtrk.contacts c on c.id = m.contact_id where m.campaign_id = $1 order by c.email`,
        [fx.campaignId],
      );
      assert.deepEqual(rows, [
        { email: first.email, status: 'sent', transport: 'smtp', has_provider_id: true, sent_events: 1 },
        { email: second.email, status: 'sent', transport: 'smtp', has_provider_id: true, sent_events: 1 },
        { email: third.email, status: 'skipped', transport: 'smtp', has_provider_id: false, sent_events: 0 },
      ]);
      const { rows: [campaign] } = await db.query(
        `select c.status, c.send_checkpoint = (select max(id) from mtrk.messages where campaign_id = c.id) as at_end,
              m.sent from mtrk.campaigns c join mtrk.campaign_metrics m on m.campaign_id = c.id where c.id = $1`,
        [fx.campaignId],
      );
      assert.deepEqual(campaign, { status: 'sent', at_end: true, sent: 2 });
    } finally {
      await sink.close();
    }
  },
);

stackTest(
  'email-send-worker: the per-company rate stops a run; the next resumes from the checkpoint without resending',
  async () => {
    const db = await adminDb();
    const sink = await startSmtpSink();
    try {
      const fx = await emailFixture(db, { contacts: 5 });
      await db.query('insert into mtrk.sender_settings (company_id, messages_per_minute) values ($1, 2)', [
        fx.companyId,
      ]);
      const queue = await testQueue();
      await startCampaign(queue, fx.campaignId, fx.companyId, 'smtp');
      const worker = createEmailSendWorker({
        queue,
        urls: urls(),
        chain: false,
        batchSize: 10,
        transports: {
          smtp: () => smtpTransport({ host: '127.0.0.1', port: sink.port, secure: false, requireTls: false }),
        },
      });
      await (await run(worker)).body?.cancel();
      assert.equal(sink.received.length, 2, 'the rate allowed two this minute');
      const { rows: [halfway] } = await db.query(
        `select status, send_checkpoint = (select max(id) from mtrk.messages where campaign_id = $1 and status = 'sent') as at_last_sent
       from mtrk.campaigns where id = $1`,
        [fx.campaignId],
      );
      assert.deepEqual(halfway, { status: 'sending', at_last_sent: true }, 'the checkpoint is the last message sent');

      // A minute later (the rate raised instead of waiting) the put-off message runs again.
      await db.query('update mtrk.sender_settings set messages_per_minute = 100 where company_id = $1', [fx.companyId]);
      await db.query(`update pgmq.${'q_' + queue.name} set vt = now()`);
      await (await run(worker)).body?.cancel();
      await (await run(worker)).body?.cancel();
      assert.deepEqual(
        sink.received.map((m) => m.to[0]).sort(),
        fx.messages.map((m) => m.email).sort(),
        'all five, none twice',
      );
      const { rows: [done] } = await db.query('select status from mtrk.campaigns where id = $1', [fx.campaignId]);
      assert.equal(done.status, 'sent');
    } finally {
      await sink.close();
    }
  },
);

stackTest('email-send-worker: the simulator sends nothing and plans a labelled event stream', async () => {
  const db = await adminDb();
  const fx = await emailFixture(db, { contacts: 400 });
  const queue = await testQueue();
  await startCampaign(queue, fx.campaignId, fx.companyId, 'simulator');
  const worker = createEmailSendWorker({ queue, urls: urls(), chain: false, batchSize: 200 });
  await (await run(worker)).body?.cancel();
  await (await run(worker)).body?.cancel();
  const { rows: [sent] } = await db.query(
    `select count(*) filter (where status = 'sent' and transport = 'simulator')::int as simulated,
            count(*) filter (where provider_message_id like 'simulated-%')::int as labelled
     from mtrk.messages where campaign_id = $1`,
    [fx.campaignId],
  );
  assert.deepEqual(sent, { simulated: 400, labelled: 400 });
  // The plan is what is still waiting plus what pg_cron's mtrk-simulated-events (every minute, every
  // company) may already have released: the first deliveries fall due a second after sending.
  const { rows: plan } = await db.query(
    `with planned as (
       select type, bounce_kind, is_machine, due_at from mtrk.simulated_events where campaign_id = $1
       union all
       select type, bounce_kind, is_machine, occurred_at from mtrk.events
       where campaign_id = $1 and source = 'simulator' and type <> 'sent'
     )
     select type, coalesce(bounce_kind, '') as kind, is_machine, count(*)::int as n,
            min(due_at) > now() - interval '1 minute' as ahead,
            max(due_at) - min(due_at) > interval '1 hour' as spread
     from planned group by 1, 2, 3 order by 1, 2, 3`,
    [fx.campaignId],
  );
  const count = (type: string, machine = false) =>
    plan.filter((p) => p.type === type && p.is_machine === machine).reduce((sum, p) => sum + p.n, 0);
  const total = plan.reduce((sum, p) => sum + p.n, 0);
  assert.ok(count('delivered') > 340 && count('delivered') < 400, `most delivered: ${count('delivered')}`);
  assert.ok(count('bounce') > 0, 'some bounce');
  assert.ok(count('open') > 80, `people open: ${count('open')}`);
  assert.ok(count('open', true) > 10, `image proxies prefetch: ${count('open', true)}`);
  assert.ok(count('click') > 10, `people click: ${count('click')}`);
  assert.ok(plan.find((p) => p.type === 'open' && !p.is_machine)?.spread, 'human opens spread over hours');

  const released = await db.query("select mtrk.release_simulated_events(now() + interval '2 days') as n");
  assert.ok(released.rows[0].n > 0, 'the rest released');
  assert.ok(total > 400, `events planned: ${total}`);
  const { rows: [after] } = await db.query(
    `select (select count(*)::int from mtrk.simulated_events where campaign_id = $1) as waiting,
            (select count(*)::int from mtrk.events where campaign_id = $1 and source = 'simulator' and type <> 'sent') as events`,
    [fx.campaignId],
  );
  assert.deepEqual(after, { waiting: 0, events: total }, 'every planned event released once');
  const { rows: [metrics] } = await db.query(
    `select delivered, unique_opens, machine_opens, (select count(*)::int from mtrk.events where campaign_id = $1 and source <> 'simulator') as others
     from mtrk.campaign_metrics where campaign_id = $1`,
    [fx.campaignId],
  );
  assert.equal(metrics.delivered, count('delivered'));
  assert.ok(metrics.unique_opens > 80 && metrics.unique_opens <= count('open'));
  assert.equal(metrics.others, 0, 'every event of a simulated campaign says simulator');
});
