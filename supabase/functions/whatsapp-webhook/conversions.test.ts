// A CTWA ticket's conversions reach the sandbox as CAPI for Business Messaging (issue 9 acceptance, the
// function-level half; tests/e2e/whatsapp.e2e.test.ts does it through the console): the seed's webhook
// opens the ticket, qualified ⇒ LeadSubmitted, won ⇒ Purchase with the deal value, both with
// action_source business_messaging, messaging_channel whatsapp, user_data { whatsapp_business_account_id,
// ctwa_clid } unhashed, event_time in seconds, event_id lead-<ticket> / purchase-<ticket>, sent once.
import { assert, assertEquals } from '../_shared/testing/assert.ts';
import { adminDb, stackEnv, stackTest } from '../_shared/testing/stack.ts';
import { createPixel, sandboxRequests, workersSettled } from '../_shared/testing/conversions.ts';
import { handler as metaWorker } from '../meta-queue-worker/handler.ts';
import { handler } from './handler.ts';
import { firstMessage } from './payloads.ts';
import { createWhatsappCompany, seedPayload, signedPost } from './testing.ts';

async function runMetaWorker(db: Awaited<ReturnType<typeof adminDb>>): Promise<void> {
  await workersSettled(db);
  const res = await metaWorker(
    new Request('http://functions.local/meta-queue-worker', {
      method: 'POST',
      headers: { authorization: `Bearer ${stackEnv.serviceRoleKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ trigger: 'test', maxRuntimeMs: 10_000 }),
    }),
  );
  assertEquals(res.status, 200, await res.clone().text());
  await res.body?.cancel();
  await workersSettled(db);
}

stackTest(
  'ticket conversions: qualified ⇒ LeadSubmitted, won ⇒ Purchase, as Business Messaging events the sandbox accepts',
  async () => {
    const db = await adminDb();
    const wa = await createWhatsappCompany(db, `wa-capi-${crypto.randomUUID().slice(0, 8)}`);
    const datasetId = String(700000000000 + Math.floor(Math.random() * 99999999999));
    const pixel = await createPixel(db, wa.companyId, datasetId, 'EAAB-dataset-token-0123456789');
    await db.query(`update core_marketing.whatsapp_numbers set pixel_config_id = $2 where id = $1`, [
      wa.numberId,
      pixel,
    ]);

    const now = Math.floor(Date.now() / 1000);
    const payload = seedPayload(wa.phoneNumberId, { timestamp: now - 3600 });
    const ctwaClid = firstMessage(payload).referral!.ctwa_clid;
    const res = await handler(await signedPost(JSON.stringify(payload)));
    assertEquals(res.status, 200);
    await res.body?.cancel();
    const { rows: [{ id: ticketId }] } = await db.query(`select id from lead.tickets where company_id = $1`, [
      wa.companyId,
    ]);

    const eventsFor = async (eventId: string) =>
      (await sandboxRequests('meta'))
        .filter((r) => r.status === 200 && r.path.includes(`/${datasetId}/events`))
        .flatMap((r) => r.body.data as Record<string, unknown>[])
        .filter((e) => e.event_id === eventId);

    const qualified = await db.query(`select lead.move_ticket($1, 'qualified') as r`, [ticketId]);
    assertEquals(qualified.rows[0].r.conversions[0].status, 'PENDING');
    await runMetaWorker(db);
    const leads = await eventsFor(`lead-${ticketId}`);
    assertEquals(leads.length, 1, 'LeadSubmitted sent once');
    const lead = leads[0];
    assert(
      typeof lead.event_time === 'number' && lead.event_time <= Math.floor(Date.now() / 1000) &&
        lead.event_time > now - 60,
      `event_time in seconds: ${lead.event_time}`,
    );
    assertEquals({ ...lead, event_time: 0 }, {
      event_name: 'LeadSubmitted',
      event_time: 0,
      event_id: `lead-${ticketId}`,
      action_source: 'business_messaging',
      messaging_channel: 'whatsapp',
      user_data: { whatsapp_business_account_id: wa.wabaId, ctwa_clid: ctwaClid },
    });

    const won = await db.query(`select lead.move_ticket($1, 'won', 2490.9, 'BRL') as r`, [ticketId]);
    assertEquals(won.rows[0].r.conversions.map((c: { status: string }) => c.status).sort(), ['PENDING', 'SENT']);
    await runMetaWorker(db);
    const purchases = await eventsFor(`purchase-${ticketId}`);
    assertEquals(purchases.length, 1, 'Purchase sent once');
    assertEquals({ ...purchases[0], event_time: 0 }, {
      event_name: 'Purchase',
      event_time: 0,
      event_id: `purchase-${ticketId}`,
      action_source: 'business_messaging',
      messaging_channel: 'whatsapp',
      user_data: { whatsapp_business_account_id: wa.wabaId, ctwa_clid: ctwaClid },
      custom_data: { currency: 'BRL', value: 2490.9 },
    });
    const { rows: statuses } = await db.query(
      `select event_name, status, fbtrace_id is not null as traced from lead.ticket_conversions where ticket_id = $1 order by event_name`,
      [ticketId],
    );
    assertEquals(statuses, [{ event_name: 'LeadSubmitted', status: 'SENT', traced: true }, {
      event_name: 'Purchase',
      status: 'SENT',
      traced: true,
    }]);
    await runMetaWorker(db);
    assertEquals((await eventsFor(`purchase-${ticketId}`)).length, 1, 'another worker run sends nothing again');
  },
);
