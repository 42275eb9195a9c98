// whatsapp-webhook against the stack (issue 9 acceptance): the seed's payload signed with the app
// secret creates a ticket with ctwa_clid and ad id; the same payload again changes nothing; a wrong
// signature is 401 with nothing stored; a second ad for the open ticket updates the tracking and writes
// history; an expired ticket is closed and a new one opened; status callbacks and unknown numbers are
// 200 and ignored; GET verification answers the challenge only for the right token.
import { assert, assertEquals } from '../_shared/testing/assert.ts';
import { adminDb, stackTest } from '../_shared/testing/stack.ts';
import { handler } from './handler.ts';
import { firstMessage } from './payloads.ts';
import {
  createWhatsappCompany,
  noFootprint,
  seedPayload,
  signedPost,
  statusPayload,
  whatsappFootprint,
  withMetaSyncPaused,
} from './testing.ts';

async function post(body: unknown, options: { secret?: string; signature?: string | null } = {}) {
  const res = await handler(await signedPost(JSON.stringify(body), options));
  return { status: res.status, body: await res.json() };
}

stackTest('whatsapp-webhook: GET verification answers the challenge for the verify token only', async () => {
  const token = Deno.env.get('WHATSAPP_VERIFY_TOKEN')!;
  const ok = await handler(
    new Request(`http://x/whatsapp-webhook?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=1158201444`),
  );
  assertEquals([ok.status, await ok.text()], [200, '1158201444']);
  for (
    const query of [
      `hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1`,
      `hub.mode=unsubscribe&hub.verify_token=${token}&hub.challenge=1`,
      `hub.mode=subscribe&hub.challenge=1`,
    ]
  ) {
    const res = await handler(new Request(`http://x/whatsapp-webhook?${query}`));
    assertEquals(res.status, 403, query);
    await res.body?.cancel();
  }
});

stackTest(
  'whatsapp-webhook: seed payload → ticket with ctwa_clid and ad; replay changes nothing; wrong signature 401 and nothing stored',
  async () => {
    const db = await adminDb();
    // The ticket stays PENDING and its enrichment queued only while nothing drains the queue.
    await withMetaSyncPaused(db, async () => {
      const wa = await createWhatsappCompany(db, `wa-seed-${crypto.randomUUID().slice(0, 8)}`);
      const payload = seedPayload(wa.phoneNumberId, { name: 'Maria' });
      const referral = firstMessage(payload).referral!;

      const forged = await post(payload, { secret: 'not-the-app-secret' });
      assertEquals([forged.status, forged.body.error.code], [401, 'signature_invalid']);
      const unsigned = await post(payload, { signature: null });
      assertEquals([unsigned.status, unsigned.body.error.code], [401, 'signature_missing']);
      assertEquals(await whatsappFootprint(db, wa.companyId), noFootprint, 'nothing stored for bad signatures');

      const first = await post(payload);
      assertEquals(first.status, 200);
      assertEquals([first.body.stored, first.body.tickets_opened, first.body.enrichments_queued], [1, 1, 1]);
      const { rows: [ticket] } = await db.query(
        `select t.status, t.stage, t.contact_wa_id, t.contact_name, l.origin, l.phone, k.ctwa_clid, k.meta_ad_id, k.meta_source_type,
            k.meta_placement, k.meta_enrichment_status, t.last_message_at = to_timestamp(1771407964) as at_message_time
     from lead.tickets t join lead.leads l on l.id = t.lead_id join lead.ticket_tracking k on k.ticket_id = t.id
     where t.company_id = $1`,
        [wa.companyId],
      );
      assertEquals(ticket, {
        status: 'open',
        stage: 'new',
        contact_wa_id: '557998093883',
        contact_name: 'Maria',
        origin: 'whatsapp',
        phone: '+557998093883',
        ctwa_clid: referral.ctwa_clid,
        meta_ad_id: '120237888636060701',
        meta_source_type: 'ad',
        meta_placement: 'video',
        meta_enrichment_status: 'PENDING',
        at_message_time: true,
      });
      const { rows: queued } = await db.query(
        `select message from pgmq.q_meta_enrichment where message ->> 'company_id' = $1`,
        [wa.companyId],
      );
      assertEquals(queued.map((r) => Object.keys(r.message).sort()), [[
        'company_id',
        'meta_ad_id',
        'ticket_tracking_id',
      ]]);
      assertEquals(queued[0].message.meta_ad_id, '120237888636060701');

      const before = await whatsappFootprint(db, wa.companyId);
      const again = await post(payload);
      assertEquals([again.status, again.body.duplicates, again.body.stored], [200, 1, 0]);
      assertEquals(await whatsappFootprint(db, wa.companyId), before, 'the same wamid again changes nothing');
    });
  },
);

stackTest(
  'whatsapp-webhook: a second ad updates the tracking and writes history; no ctwa_clid never borrows source_id',
  async () => {
    const db = await adminDb();
    await withMetaSyncPaused(db, async () => {
      const wa = await createWhatsappCompany(db, `wa-touch-${crypto.randomUUID().slice(0, 8)}`);
      await post(seedPayload(wa.phoneNumberId, { timestamp: 1771407964 }));
      // The same contact clicks a status ad (no ctwa_clid) an hour later.
      const second = await post(seedPayload(wa.phoneNumberId, {
        timestamp: 1771407964 + 3600,
        referral: {
          source_id: '120999999999999999',
          source_type: 'ad',
          media_type: 'image',
          source_url: 'https://fb.me/x',
        },
      }));
      assertEquals([
        second.status,
        second.body.attribution_changes,
        second.body.tickets_opened,
        second.body.enrichments_queued,
      ], [200, 1, 0, 1]);
      const { rows: tracking } = await db.query(
        `select k.ctwa_clid, k.meta_ad_id, k.meta_placement, k.meta_enrichment_status from lead.ticket_tracking k where k.company_id = $1`,
        [wa.companyId],
      );
      assertEquals(tracking, [{
        ctwa_clid: null,
        meta_ad_id: '120999999999999999',
        meta_placement: 'image',
        meta_enrichment_status: 'PENDING',
      }]);
      const { rows: history } = await db.query(
        `select old_ad_id, new_ad_id, new_ctwa_clid from lead.attribution_history where company_id = $1`,
        [wa.companyId],
      );
      assertEquals(history, [{
        old_ad_id: '120237888636060701',
        new_ad_id: '120999999999999999',
        new_ctwa_clid: null,
      }]);
      // A plain message later: no referral, no change.
      const plain = await post(seedPayload(wa.phoneNumberId, { timestamp: 1771407964 + 7200, referral: null }));
      assertEquals([plain.body.stored, plain.body.attribution_changes], [1, 0]);
      assertEquals((await whatsappFootprint(db, wa.companyId)).tickets, 1);
    });
  },
);

stackTest('whatsapp-webhook: an expired ticket is closed and a new one opened', async () => {
  const db = await adminDb();
  const wa = await createWhatsappCompany(db, `wa-expiry-${crypto.randomUUID().slice(0, 8)}`, 3);
  await post(seedPayload(wa.phoneNumberId, { timestamp: 1771407964 }));
  const within = await post(seedPayload(wa.phoneNumberId, { timestamp: 1771407964 + 2 * 86400, referral: null }));
  assertEquals(
    [within.body.tickets_expired, within.body.tickets_opened],
    [0, 0],
    'two days idle: still the same ticket (3 days)',
  );
  const later = await post(seedPayload(wa.phoneNumberId, { timestamp: 1771407964 + 6 * 86400 }));
  assertEquals([later.body.tickets_expired, later.body.tickets_opened], [1, 1]);
  const { rows } = await db.query(
    `select status, closed_at is not null as closed from lead.tickets where company_id = $1 order by opened_at`,
    [wa.companyId],
  );
  assertEquals(rows, [{ status: 'expired', closed: true }, { status: 'open', closed: false }]);
  const { rows: leads } = await db.query(
    `select count(distinct lead_id)::int as n from lead.tickets where company_id = $1`,
    [wa.companyId],
  );
  assertEquals(leads[0].n, 1, 'both tickets belong to the same lead');
});

stackTest('whatsapp-webhook: status callbacks and unknown phone number ids are 200 and write nothing', async () => {
  const db = await adminDb();
  const wa = await createWhatsappCompany(db, `wa-ignore-${crypto.randomUUID().slice(0, 8)}`);
  const statuses = await post(statusPayload(wa.phoneNumberId));
  assertEquals([statuses.status, statuses.body.statuses, statuses.body.stored], [200, 1, 0]);
  const unknown = await post(seedPayload('999999999999999'));
  assertEquals([unknown.status, unknown.body.unknown_number, unknown.body.stored], [200, 1, 0]);
  await db.query(`update core_marketing.whatsapp_numbers set is_active = false where id = $1`, [wa.numberId]);
  const inactive = await post(seedPayload(wa.phoneNumberId));
  assertEquals([inactive.status, inactive.body.unknown_number], [200, 1]);
  const footprint = await whatsappFootprint(db, wa.companyId);
  assert(Object.values(footprint).every((n) => n === 0), `nothing written: ${JSON.stringify(footprint)}`);
});
