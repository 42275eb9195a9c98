// A scripted fuzz of whatsapp-webhook through the functions host (issue 9 acceptance): 600 requests
// from a seeded generator — bad, missing and foreign signatures, truncated bodies (signed before or
// after the cut), huge payloads, JSON that is not the webhook's shape, NUL / lone surrogates, invalid
// UTF-8, unknown phone number ids, status callbacks, malformed messages, wrong methods. Each must get
// exactly the answer its family calls for (401, 400, 413, 422, 405, or 200 ignored), never a 5xx, and
// together they must write nothing at all.
import { assert, assertEquals } from '../_shared/testing/assert.ts';
import { pick, prng } from '../_shared/testing/prng.ts';
import { adminDb, stackEnv, stackTest } from '../_shared/testing/stack.ts';
import { firstMessage } from './payloads.ts';
import {
  appSecret,
  createWhatsappCompany,
  hubSignature,
  seedPayload,
  statusPayload,
  whatsappFootprint,
} from './testing.ts';

type Case = {
  family: string;
  method?: string;
  body: string | Uint8Array<ArrayBuffer>;
  signature: string | null;
  status: number;
};

const encoder = new TextEncoder();

async function generate(phoneNumberId: string, count: number): Promise<Case[]> {
  const random = prng(20261207);
  const secret = appSecret();
  const cases: Case[] = [];
  const sign = (raw: string | Uint8Array) => hubSignature(secret, raw);
  for (let n = 0; cases.length < count; n++) {
    const valid = seedPayload(phoneNumberId, { wamid: `wamid.fuzz-${n}`, timestamp: 1771407964 + n });
    const text = JSON.stringify(valid);
    const family = pick(
      random,
      [
        'foreign_secret',
        'random_signature',
        'signature_of_other_body',
        'missing_signature',
        'malformed_header',
        'truncated_unsigned',
        'truncated_signed',
        'huge_payload',
        'not_the_shape',
        'nul_or_surrogate',
        'invalid_utf8',
        'unknown_number',
        'status_callback',
        'malformed_message',
        'wrong_method',
      ] as const,
    );
    switch (family) {
      case 'foreign_secret':
        cases.push({ family, body: text, signature: await hubSignature(`other-${n}-${secret}`, text), status: 401 });
        break;
      case 'random_signature': {
        const hex = Array.from({ length: 64 }, () => Math.floor(random() * 16).toString(16)).join('');
        cases.push({ family, body: text, signature: `sha256=${hex}`, status: 401 });
        break;
      }
      case 'signature_of_other_body':
        cases.push({ family, body: text, signature: await sign(text.replace('Prof', 'Pr0f')), status: 401 });
        break;
      case 'missing_signature':
        cases.push({ family, body: text, signature: null, status: 401 });
        break;
      case 'malformed_header':
        cases.push({
          family,
          body: text,
          signature: pick(random, [
            'sha1=abc',
            'sha256=',
            `sha256=${'g'.repeat(64)}`,
            (await sign(text)).slice(7),
            `${await sign(text)}00`,
          ]),
          status: 401,
        });
        break;
      case 'truncated_unsigned':
        cases.push({
          family,
          body: text.slice(0, Math.floor(random() * (text.length - 1))),
          signature: await sign(text),
          status: 401,
        });
        break;
      case 'truncated_signed': {
        const cut = text.slice(0, 1 + Math.floor(random() * (text.length - 2)));
        cases.push({ family, body: cut, signature: await sign(cut), status: 400 });
        break;
      }
      case 'huge_payload': {
        const huge = JSON.stringify({ ...valid, pad: 'x'.repeat(262_144 + Math.floor(random() * 500_000)) });
        // Unsigned, the missing header is refused first (401); signed, the size (413) before reading it.
        const signed = random() < 0.5;
        cases.push({ family, body: huge, signature: signed ? await sign(huge) : null, status: signed ? 413 : 401 });
        break;
      }
      case 'not_the_shape': {
        const body = pick(random, [
          'null',
          '[]',
          '42',
          '"text"',
          '{}',
          '{"entry":{}}',
          '{"entry":[{"changes":"x"}]}',
          '{"entry":[{"changes":[{"value":{"messages":{}}}]}]}',
        ]);
        cases.push({ family, body, signature: await sign(body), status: 422 });
        break;
      }
      case 'nul_or_surrogate': {
        const body = text.replace('"Contato"', `"${pick(random, ['\\u0000', '\\ud800', 'a\\u0000b', '\\udfff'])}"`);
        cases.push({ family, body, signature: await sign(body), status: 422 });
        break;
      }
      case 'invalid_utf8': {
        const bytes = encoder.encode(text);
        const at = 2 + Math.floor(random() * (bytes.length - 4));
        const broken = new Uint8Array(bytes.length + 2);
        broken.set(bytes.slice(0, at));
        broken.set(pick(random, [[0xc3, 0x28], [0xff, 0xfe], [0xed, 0xa0]]), at);
        broken.set(bytes.slice(at), at + 2);
        cases.push({ family, body: broken, signature: await sign(broken), status: 400 });
        break;
      }
      case 'unknown_number': {
        const body = JSON.stringify(seedPayload(String(900000000000000 + n), { wamid: `wamid.fuzz-unknown-${n}` }));
        cases.push({ family, body, signature: await sign(body), status: 200 });
        break;
      }
      case 'status_callback': {
        const body = JSON.stringify(statusPayload(phoneNumberId));
        cases.push({ family, body, signature: await sign(body), status: 200 });
        break;
      }
      case 'malformed_message': {
        const copy = structuredClone(valid);
        const message = firstMessage(copy);
        const key = pick(random, ['from', 'id', 'timestamp'] as const);
        const invalid = {
          from: [null, 42, '', 'abc+1', '12', { x: 1 }],
          id: [null, 42, '', 'x'.repeat(300), { x: 1 }],
          timestamp: [null, 42, '', 'abc', '1.5', 'x'.repeat(20)],
        }[key];
        message[key] = pick(random, invalid);
        const body = JSON.stringify(copy);
        cases.push({ family, body, signature: await sign(body), status: 200 });
        break;
      }
      case 'wrong_method':
        cases.push({
          family,
          method: pick(random, ['PUT', 'DELETE', 'PATCH']),
          body: text,
          signature: await sign(text),
          status: 405,
        });
        break;
    }
  }
  return cases;
}

stackTest(
  'fuzz: 600 hostile or odd deliveries to whatsapp-webhook, each its exact answer, no 5xx, nothing written',
  async () => {
    const db = await adminDb();
    const wa = await createWhatsappCompany(db, `wa-fuzz-${crypto.randomUUID().slice(0, 8)}`);
    const cases = await generate(wa.phoneNumberId, 600);
    const wamidsBefore = await db.query(
      `select count(*)::int as n from lead.whatsapp_messages where wamid like 'wamid.fuzz-%'`,
    );
    const seen = new Map<string, number>();
    const failures: string[] = [];
    for (let i = 0; i < cases.length; i += 8) {
      await Promise.all(
        cases.slice(i, i + 8).map(async (c, j) => {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (c.signature !== null) headers['x-hub-signature-256'] = c.signature;
          const res = await fetch(`${stackEnv.apiUrl}/functions/v1/whatsapp-webhook`, {
            method: c.method ?? 'POST',
            headers,
            body: c.body,
          });
          const body = await res.text();
          const key = `${c.family} ${res.status}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
          if (res.status !== c.status) {
            failures.push(`#${i + j} ${c.family}: ${res.status} (wanted ${c.status}) ${body.slice(0, 200)}`);
          } else if (res.status === 200) {
            const answer = JSON.parse(body);
            if ((answer.stored ?? 0) !== 0) failures.push(`#${i + j} ${c.family}: stored ${answer.stored}`);
          } else if (typeof JSON.parse(body)?.error?.code !== 'string') {
            failures.push(`#${i + j} ${c.family}: no error code in ${body.slice(0, 100)}`);
          }
        }),
      );
    }
    console.log([...seen.entries()].sort().map(([k, v]) => `${k}: ${v}`).join('\n'));
    assertEquals(failures.slice(0, 20), [], `${failures.length} of ${cases.length} requests answered wrongly`);
    assert(new Set([...seen.keys()].map((k) => k.split(' ')[0])).size === 15, 'every family came up');
    assertEquals(await whatsappFootprint(db, wa.companyId), {
      tickets: 0,
      tracking: 0,
      history: 0,
      messages: 0,
      leads: 0,
      enrichments: 0,
    }, 'the fuzz wrote nothing for the company');
    const wamidsAfter = await db.query(
      `select count(*)::int as n from lead.whatsapp_messages where wamid like 'wamid.fuzz-%'`,
    );
    assertEquals(wamidsAfter.rows[0].n, wamidsBefore.rows[0].n, 'nor any message anywhere');
  },
);
