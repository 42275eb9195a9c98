// WhatsApp section of `npm run bench` (issue 9): whatsapp-webhook with one signed seed-002 message per
// request at 20 connections (autocannon), every request a new wamid (contacts cycle over 2,000
// numbers, so most messages join an open ticket and the first of each opens one, with a referral:
// last touch, history when the ad changes, enrichment queued), beside Meta's GET verification of the
// same function through the same gateway and host (no signature, no database). Then the stored count
// is checked against the 200s, and a replay run (the same wamids again: the idempotent path).
import { createHmac } from 'node:crypto';
import autocannon from 'autocannon';
import type pg from 'pg';
import type { RunningStack } from '../../packages/local-stack/src/stack.ts';
import { seedPayload } from '../../supabase/functions/whatsapp-webhook/payloads.ts';

type Report = (label: string, value: string) => void;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const latency = (r: autocannon.Result) => `p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms`;

function run(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

export async function benchWhatsapp(stack: RunningStack, db: pg.Client, report: Report, options: { seconds: number }): Promise<void> {
  const { env } = stack;
  const phoneNumberId = String(300000000000000 + Math.floor(Math.random() * 1e12));
  const { rows: [company] } = await db.query<{ id: string }>(
    `with c as (insert into core.companies (name, slug) values ('Bench WhatsApp', 'bench-whatsapp-' || $1::text) returning id)
     insert into core_marketing.whatsapp_numbers (company_id, phone_number_id, whatsapp_business_account_id)
     select id, $1, '400000000000001' from c returning company_id as id`,
    [phoneNumberId],
  );
  const url = `${env.API_URL}/functions/v1/whatsapp-webhook`;
  const tag = `b${Date.now().toString(36)}`;
  const bodies: string[] = [];
  const signed = (n: number) => {
    const raw = JSON.stringify(seedPayload(phoneNumberId, {
      wamid: `wamid.bench-${tag}-${n}`,
      from: `55119${String(10000000 + (n % 2000))}`,
      timestamp: Math.floor(Date.now() / 1000),
      referral: n % 3 === 0
        ? { ctwa_clid: `bench-${tag}-${n}`, source_id: String(120000000000000000 + (n % 5)), source_type: 'ad', media_type: 'video' }
        : null,
    }));
    bodies[n] = raw;
    return raw;
  };
  const sign = (raw: string) => `sha256=${createHmac('sha256', env.WHATSAPP_APP_SECRET).update(raw).digest('hex')}`;

  const verification = await run({
    url: `${url}?hub.mode=subscribe&hub.verify_token=${env.WHATSAPP_VERIFY_TOKEN}&hub.challenge=1158201444`,
    connections: 20,
    duration: options.seconds,
  });
  let n = 0;
  const messages = await run({
    url,
    connections: 20,
    duration: options.seconds,
    method: 'POST',
    requests: [{
      setupRequest: (request) => {
        const raw = signed(n++);
        return { ...request, body: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(raw) } };
      },
    }],
  });
  const { rows: [stored] } = await db.query<{ messages: number; tickets: number; history: number }>(
    `select (select count(*)::int from lead.whatsapp_messages where company_id = $1) as messages,
            (select count(*)::int from lead.tickets where company_id = $1) as tickets,
            (select count(*)::int from lead.attribution_history where company_id = $1) as history`,
    [company.id],
  );
  const failed = messages.non2xx + messages.errors;
  report('whatsapp-webhook, 1 signed message/request, 20 connections',
    `${fmt(messages.requests.average)} requests/s, ${latency(messages)}${failed ? `, ${failed} failed` : ''} (${fmt(stored.messages)} messages stored of ${fmt(messages['2xx'])} accepted; ${fmt(stored.tickets)} tickets, ${fmt(stored.history)} ad changes)`);
  report('  baseline: GET verification of whatsapp-webhook (same gateway and host, no signature, no database)',
    `${fmt(verification.requests.average)} requests/s, ${latency(verification)}`);
  report('  ratio signed messages / verification', (messages.requests.average / verification.requests.average).toFixed(2));

  // The same deliveries again (Meta retries): answered from the wamid check, nothing written.
  let m = 0;
  const sent = bodies.length;
  const replay = await run({
    url,
    connections: 20,
    amount: Math.min(sent, 20 * options.seconds * 50),
    method: 'POST',
    requests: [{
      setupRequest: (request) => {
        const raw = bodies[m++ % sent];
        return { ...request, body: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(raw) } };
      },
    }],
  });
  const { rows: [after] } = await db.query<{ n: number }>(`select count(*)::int as n from lead.whatsapp_messages where company_id = $1`, [company.id]);
  report('whatsapp-webhook replay of the same messages (idempotent on wamid), 20 connections',
    `${fmt(replay.requests.average)} requests/s, ${latency(replay)}; messages stored ${fmt(stored.messages)} → ${fmt(after.n)}`);
}
