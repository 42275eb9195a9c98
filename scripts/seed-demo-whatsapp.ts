// Demo WhatsApp data for "Demo Rastro" (issue 9, decision 0013): one WhatsApp number (its
// phone_number_id is DEMO_WHATSAPP_PHONE_NUMBER_ID, printed by `npm start`; `npm run demo:whatsapp`
// posts signed seed-002 webhooks to it) and a few conversations written through the same function the
// webhook calls (lead.ingest_whatsapp_messages): one from an ad with a ctwa_clid (names filled as
// enrichment would), one that switched ads (history), one organic. Idempotent: the wamids are fixed.
// The ads are the platform sandbox's own (its first ad account's "Leads WhatsApp" ads), so the
// enrichment worker finds them there and writes the same names as this seed.
import type pg from 'pg';
import { sandboxAdsOfAccount } from '../packages/platform-sandbox/src/server.ts';

export const demoWhatsappPhoneNumberId = '106540352242922';
export const demoWhatsappBusinessAccountId = '102290129340398';

export async function seedDemoWhatsapp(db: pg.Client): Promise<number> {
  await db.query(
    `insert into core_marketing.whatsapp_numbers (company_id, phone_number_id, whatsapp_business_account_id, display_phone_number, label)
     select id, $1, $2, '+55 11 4000-1234', 'Vendas (demo)' from core.companies where slug = 'demo-rastro'
     on conflict (phone_number_id) do nothing`,
    [demoWhatsappPhoneNumberId, demoWhatsappBusinessAccountId],
  );
  const now = Math.floor(Date.now() / 1000);
  const ad = (sourceId: string, ctwaClid: string | null, headline: string) => ({
    source_id: sourceId,
    source_type: 'ad',
    media_type: 'video',
    headline,
    source_url: 'https://fb.me/demo',
    ...(ctwaClid ? { ctwa_clid: ctwaClid } : {}),
  });
  const message = (wamid: string, from: string, name: string, hoursAgo: number, referral: Record<string, unknown> | null) => ({
    phone_number_id: demoWhatsappPhoneNumberId,
    wamid,
    from,
    sent_at: now - hoursAgo * 3600,
    type: 'text',
    contact_name: name,
    referral,
  });
  const [videoAd, blackFridayAd] = sandboxAdsOfAccount('act_1000000001');
  const messages = [
    message('wamid.demo-ana-1', '5511987650001', 'Ana Souza', 30, ad(videoAd.id, 'AfeDIj2Ewr2XdemoAna01', 'Prof Didática')),
    message('wamid.demo-ana-2', '5511987650001', 'Ana Souza', 29, null),
    message('wamid.demo-bruno-1', '557998093883', 'Bruno Lima', 50, ad(videoAd.id, 'AfeDIj2Ewr2XdemoBruno1', 'Prof Didática')),
    message('wamid.demo-bruno-2', '557998093883', 'Bruno Lima', 6, ad(blackFridayAd.id, 'AfeDIj2Ewr2XdemoBruno2', 'Black Friday')),
    message('wamid.demo-carla-1', '5521976540003', 'Carla Dias', 3, null),
  ];
  const { rows: [result] } = await db.query<{ r: { stored: number } }>(`select lead.ingest_whatsapp_messages($1::jsonb) as r`, [
    JSON.stringify(messages),
  ]);
  // Names as the enrichment consumer (meta-sync-worker) writes them from the sandbox, for the ads it
  // has not reached yet.
  const names = [videoAd, blackFridayAd].map((a) => ({
    ad_id: a.id,
    result: {
      status: 'COMPLETED',
      ad_name: a.name,
      adset_id: a.adsetId,
      adset_name: a.adsetName,
      campaign_id: a.campaignId,
      campaign_name: a.campaignName,
      account_id: a.accountId,
    },
  }));
  await db.query(
    `select lead.record_ticket_enrichment(k.id, k.meta_ad_id, n.result)
     from lead.ticket_tracking k
     join core_marketing.whatsapp_numbers w on w.company_id = k.company_id and w.phone_number_id = $1
     join jsonb_to_recordset($2::jsonb) as n (ad_id text, result jsonb) on n.ad_id = k.meta_ad_id
     where k.meta_enrichment_status = 'PENDING'`,
    [demoWhatsappPhoneNumberId, JSON.stringify(names)],
  );
  return result.r.stored;
}
