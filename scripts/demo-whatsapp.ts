// `npm run demo:whatsapp [-- --from 5511987654321 --ad 120237888636060701 --no-ctwa --count 1]`: posts
// seed 002's webhook payload, signed with the stack's WHATSAPP_APP_SECRET exactly as Meta signs it
// (X-Hub-Signature-256 over the raw body), to the running stack's whatsapp-webhook for the demo number
// (DEMO_WHATSAPP_PHONE_NUMBER_ID). Each run is a new message (new wamid, new ctwa_clid); the ticket
// appears on the console's WhatsApp page.
import { parseArgs } from 'node:util';
import { hubSignature, seedPayload } from '../supabase/functions/whatsapp-webhook/payloads.ts';
import { readRunningEnv } from './seed-demo.ts';
import { demoWhatsappPhoneNumberId } from './seed-demo-whatsapp.ts';

const { values } = parseArgs({
  options: {
    from: { type: 'string', default: '557998093883' },
    name: { type: 'string', default: 'Contato demo' },
    ad: { type: 'string', default: '120237888636060701' },
    'no-ctwa': { type: 'boolean', default: false },
    organic: { type: 'boolean', default: false },
    'phone-number-id': { type: 'string', default: process.env.DEMO_WHATSAPP_PHONE_NUMBER_ID ?? demoWhatsappPhoneNumberId },
    count: { type: 'string', default: '1' },
  },
});

const env = readRunningEnv();
for (let i = 0; i < Number(values.count); i++) {
  const ctwaClid = `AfeDIj2Ewr2X${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const referral = values.organic ? null : {
    headline: 'Prof Didática',
    source_id: values.ad,
    source_url: 'https://fb.me/demo',
    source_type: 'ad',
    media_type: 'video',
    ...(values['no-ctwa'] ? {} : { ctwa_clid: ctwaClid }),
  };
  const payload = seedPayload(values['phone-number-id']!, {
    from: values.from,
    name: values.name,
    timestamp: Math.floor(Date.now() / 1000),
    referral,
  });
  const raw = JSON.stringify(payload);
  const res = await fetch(`${env.API_URL}/functions/v1/whatsapp-webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': await hubSignature(env.WHATSAPP_APP_SECRET, raw) },
    body: raw,
  });
  console.log(`${res.status} ${await res.text()}${referral?.ctwa_clid ? `  (ctwa_clid ${referral.ctwa_clid})` : ''}`);
  if (!res.ok) process.exitCode = 1;
}
