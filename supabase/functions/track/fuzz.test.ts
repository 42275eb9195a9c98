// A scripted fuzz of track and lead-capture: 1,200 malformed requests from a seeded generator (bad
// JSON, wrong types, oversize bodies and batches, unknown site keys, wrong or missing origins, huge
// strings, odd Unicode, invalid UTF-8, wrong methods). Every one must get exactly the 4xx its family
// calls for (401 unknown key, 403 wrong origin, 405 method, 400 not JSON, 413 oversize, 422 invalid),
// never a 5xx, and together they must write nothing at all.
import { assert, assertEquals } from '../_shared/testing/assert.ts';
import { pick, prng } from '../_shared/testing/prng.ts';
import { stackEnv, stackTest } from '../_shared/testing/stack.ts';
import { browserUserAgent, createTestSite, type TestSite, trackingFootprint } from './testing.ts';

type Case = {
  family: string;
  fn: 'track' | 'lead-capture';
  method?: string;
  body: string | Uint8Array<ArrayBuffer>;
  origin?: string | null;
  status: number;
};

const oddUnicode = ['\u200b', '\u202e', '\ufeff', '😀', 'é', '\u0301', '\u00a0', 'ß', '\u2028'];
const wrongValues: unknown[] = [42, -1.5, true, false, null, [], [1, 2], { a: 1 }]; // not {}: an empty context is valid

function validBatch(site: TestSite, n: number): Record<string, unknown> {
  return {
    site_key: site.siteKey,
    visitor_id: `visitor-fuzz-${n}`,
    session_id: `session-fuzz-${n}-${site.tag}`,
    context: { fbc: 'fb.1.1700000000000.ABC', language: 'pt-BR' },
    events: [
      {
        id: `pv-fuzz-${n}-1`,
        type: 'page_view',
        at: 1_764_590_000_000,
        url: `${site.origin}/?utm_source=x`,
        title: 'T',
      },
      {
        id: `ev-fuzz-${n}-2`,
        type: 'click',
        at: 1_764_590_000_100,
        url: `${site.origin}/`,
        label: 'L',
        data: { k: 'v' },
      },
    ],
  };
}

function validCapture(site: TestSite, n: number): Record<string, unknown> {
  return { site_key: site.siteKey, email: `fuzz${n}@acme.test`, name: 'N', phone: '+55 11 99999-0000', message: 'M' };
}

/** A copy of value with one field (top level or, for track, of one event) replaced by replace(old). */
function mutate(
  random: () => number,
  value: Record<string, unknown>,
  replace: (old: unknown) => unknown,
): Record<string, unknown> {
  const copy = structuredClone(value);
  const events = copy.events as Record<string, unknown>[] | undefined;
  const target = events && random() < 0.6 ? pick(random, events) : copy;
  const key = pick(random, Object.keys(target).filter((k) => k !== 'data'));
  target[key] = replace(target[key]);
  return copy;
}

function generate(site: TestSite, count: number): Case[] {
  const random = prng(20261203);
  const cases: Case[] = [];
  for (let n = 0; cases.length < count; n++) {
    const fn = n % 2 === 0 ? 'track' : 'lead-capture';
    const valid = fn === 'track' ? validBatch(site, n) : validCapture(site, n);
    const text = JSON.stringify(valid);
    const family = pick(random, [
      'bad_json',
      'json_not_object',
      'wrong_type',
      'oversize_body',
      'oversize_batch',
      'unknown_key',
      'wrong_origin',
      'no_origin',
      'huge_string',
      'nul_or_surrogate',
      'odd_unicode_in_ids',
      'invalid_utf8',
      'wrong_method',
      'unknown_field',
    ]);
    switch (family) {
      case 'bad_json':
        cases.push({
          family,
          fn,
          body: text.slice(0, Math.floor(random() * (text.length - 1))) + pick(random, ['', ',', '}}', '\u0000', "'"]),
          status: 400,
        });
        break;
      case 'json_not_object':
        cases.push({ family, fn, body: pick(random, ['null', '[]', '42', '"text"', 'true', '[{}]']), status: 422 });
        break;
      case 'wrong_type':
        cases.push({
          family,
          fn,
          body: JSON.stringify(mutate(random, valid, (old) =>
            pick(
              random,
              wrongValues.filter((v) => typeof v !== typeof old || typeof old === 'object'),
            ))),
          status: 422,
        });
        break;
      case 'oversize_body':
        cases.push({
          family,
          fn,
          body: JSON.stringify({ ...valid, pad: 'x'.repeat(70_000 + Math.floor(random() * 200_000)) }),
          status: 413,
        });
        break;
      case 'oversize_batch':
        if (fn === 'track') {
          const event = (valid.events as unknown[])[0] as Record<string, unknown>;
          const events = Array.from(
            { length: 51 + Math.floor(random() * 100) },
            (_, i) => ({ ...event, id: `pv-many-${n}-${i}` }),
          );
          cases.push({ family, fn, body: JSON.stringify({ ...valid, events }), status: 413 });
        } else {
          cases.push({
            family,
            fn,
            body: JSON.stringify({ ...valid, message: 'm'.repeat(17_000 + Math.floor(random() * 5_000)) }),
            status: 413,
          });
        }
        break;
      case 'unknown_key':
        cases.push({
          family,
          fn,
          body: JSON.stringify({ ...valid, site_key: `rk_${crypto.randomUUID().replaceAll('-', '')}` }),
          status: 401,
        });
        break;
      case 'wrong_origin':
        cases.push({
          family,
          fn,
          body: text,
          origin: pick(random, [
            'https://evil.test',
            site.origin.replace('https', 'http'),
            `${site.origin}:444`,
            'null',
          ]),
          status: 403,
        });
        break;
      case 'no_origin':
        cases.push({ family, fn, body: text, origin: null, status: 403 });
        break;
      case 'huge_string': {
        const huge = pick(random, ['a', '€', '😀']).repeat(5_001 + Math.floor(random() * 3_000));
        const body = JSON.stringify(mutate(random, valid, () => huge));
        const limit = fn === 'track' ? 64 * 1024 : 16 * 1024;
        cases.push({ family, fn, body, status: new TextEncoder().encode(body).length > limit ? 413 : 422 });
        break;
      }
      case 'nul_or_surrogate': {
        const bad = pick(random, ['\\u0000', '\\ud800', '\\udfff', 'a\\u0000b', '\\ud83d']);
        const key = fn === 'track' ? 'title' : 'name';
        const body = fn === 'track'
          ? text.replace('"title":"T"', `"${key}":"${bad}"`)
          : text.replace('"name":"N"', `"${key}":"${bad}"`);
        cases.push({ family, fn, body, status: 422 });
        break;
      }
      case 'odd_unicode_in_ids': {
        const odd = pick(random, oddUnicode);
        const copy = structuredClone(valid);
        if (fn === 'track' && random() < 0.5) {
          const event = (copy.events as Record<string, unknown>[])[0];
          event[pick(random, ['id', 'type', 'url'])] = `${String(event.id)}${odd}`.replace(
            'https',
            random() < 0.5 ? 'https' : 'javascript',
          );
        } else {
          copy[
            fn === 'track'
              ? pick(random, ['site_key', 'session_id', 'visitor_id'])
              : pick(random, ['site_key', 'email'])
          ] = `${odd}x${odd}`;
        }
        cases.push({ family, fn, body: JSON.stringify(copy), status: 422 });
        break;
      }
      case 'invalid_utf8': {
        const bytes = new TextEncoder().encode(text);
        const at = 2 + Math.floor(random() * (bytes.length - 4));
        const broken = new Uint8Array(bytes.length + 2);
        broken.set(bytes.slice(0, at));
        broken.set(pick(random, [[0xc3, 0x28], [0xff, 0xfe], [0xe2, 0x82], [0xed, 0xa0]]), at);
        broken.set(bytes.slice(at), at + 2);
        cases.push({ family, fn, body: broken, status: 400 });
        break;
      }
      case 'wrong_method':
        cases.push({ family, fn, method: pick(random, ['GET', 'PUT', 'DELETE', 'PATCH']), body: text, status: 405 });
        break;
      case 'unknown_field':
        cases.push({
          family,
          fn,
          body: JSON.stringify({ ...valid, [pick(random, ['company_id', 'admin', '__proto__x', 'role'])]: 'x' }),
          status: 422,
        });
        break;
    }
  }
  return cases;
}

stackTest(
  'fuzz: 1,200 malformed requests to track and lead-capture, each its exact 4xx, no 5xx, nothing written',
  async () => {
    const site = await createTestSite('fuzz');
    const cases = generate(site, 1_200);
    const before = await trackingFootprint();
    const seen = new Map<string, number>();
    const failures: string[] = [];
    for (let i = 0; i < cases.length; i += 8) {
      await Promise.all(
        cases.slice(i, i + 8).map(async (c, j) => {
          const headers: Record<string, string> = {
            'user-agent': browserUserAgent,
            'content-type': 'text/plain',
            'x-forwarded-for': `198.18.${(i + j) % 250}.1`,
          };
          if (c.origin !== null) headers.origin = c.origin ?? site.origin;
          const method = c.method ?? 'POST';
          const res = await fetch(`${stackEnv.apiUrl}/functions/v1/${c.fn}`, {
            method,
            headers,
            body: method === 'GET' ? undefined : c.body,
          });
          const body = await res.text();
          seen.set(`${c.fn} ${c.family} ${res.status}`, (seen.get(`${c.fn} ${c.family} ${res.status}`) ?? 0) + 1);
          if (res.status >= 500 || res.status !== c.status) {
            failures.push(
              `#${i + j} ${c.fn} ${c.family}: ${res.status} (wanted ${c.status}) ${body.slice(0, 200)} for ${
                String(c.body).slice(0, 300)
              }`,
            );
          }
          if (res.status !== 405) {
            const parsed = JSON.parse(body);
            if (typeof parsed?.error?.code !== 'string') {
              failures.push(`#${i + j} ${c.fn} ${c.family}: no error code in ${body.slice(0, 100)}`);
            }
          }
        }),
      );
    }
    console.log([...seen.entries()].sort().map(([k, v]) => `${k}: ${v}`).join('\n'));
    assertEquals(failures.slice(0, 20), [], `${failures.length} of ${cases.length} requests answered wrongly`);
    assert(seen.size >= 20, 'every family came up for both functions');
    assertEquals(await trackingFootprint(), before, 'the fuzz wrote nothing');
  },
);
