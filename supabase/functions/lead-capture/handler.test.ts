// lead-capture through the gateway against the test stack: a form after a tracked visit becomes one
// lead tied to its session and touches; the same e-mail again updates it; honeypot, rate limit and
// invalid input write nothing.
import { assert, assertEquals } from '../_shared/testing/assert.ts';
import { adminDb, stackTest } from '../_shared/testing/stack.ts';
import { capturing, createTestSite, tracking, trackingFootprint } from '../track/testing.ts';
import { isBusinessEmail } from './handler.ts';

Deno.test('business e-mail: free-mail providers are not business addresses', () => {
  for (const email of ['maria@gmail.com', 'joao@hotmail.com', 'ana@uol.com.br', 'x@bol.com.br', 'y@outlook.com']) {
    assert(!isBusinessEmail(email), email);
  }
  assert(isBusinessEmail('compras@acme-industria.com.br'), 'a company domain');
});

stackTest(
  'lead-capture: the lead carries its session, first and last touch, hashes, score and e-mail mid',
  async () => {
    const site = await createTestSite('capture');
    const db = await adminDb();
    const session1 = `session-cap-1-${site.tag}`;
    const session2 = `session-cap-2-${site.tag}`;
    const visitor = `visitor-cap-${site.tag}`;
    const at = Date.now();
    await tracking(site, {
      site_key: site.siteKey,
      visitor_id: visitor,
      session_id: session1,
      events: [{
        id: 'pv-cap-0001',
        type: 'page_view',
        at,
        url: `${site.origin}/?utm_source=google&utm_medium=cpc&gclid=G-CAP`,
      }],
    });
    const second = await tracking(site, {
      site_key: site.siteKey,
      visitor_id: visitor,
      session_id: session2,
      events: [
        {
          id: 'pv-cap-0002',
          type: 'page_view',
          at: at + 1000,
          url: `${site.origin}/?utm_source=newsletter&utm_medium=email&mid=msg_77`,
        },
        { id: 'pv-cap-0003', type: 'page_view', at: at + 2000, url: `${site.origin}/contato` },
      ],
    });
    assertEquals((await second.json()).touches, 1);

    const email = `Compras.${site.tag}@Acme-Industria.com.br`;
    const res = await capturing(site, {
      site_key: site.siteKey,
      session_id: session2,
      visitor_id: visitor,
      email,
      name: 'Compras Acme',
      phone: '+55 (11) 98888-7777',
      company: 'Acme',
      form_location: 'footer',
      consent: true,
      page_url: `${site.origin}/contato`,
    });
    assertEquals([res.status, await res.json()], [202, { status: 'accepted' }]);
    assertEquals(res.headers.get('access-control-allow-origin'), site.origin);

    const { rows: [lead] } = await db.query(
      `select l.origin, l.session_id, l.email_hash = lead.hash_email($2) as email_hashed, l.phone_hash = lead.hash_phone('5511988887777') as phone_hashed,
            l.is_business_email, l.score, l.email_mid, l.utm_source, l.gclid, l.time_to_conversion_seconds >= 0 as ttc,
            f.gclid as first_gclid, f.touched_at = l.first_touch_at as first_at_matches, t.mid as last_mid, t.touched_at = l.last_touch_at as last_at_matches,
            (l.extra ->> 'consent')::boolean as consent, l.stage_id is not null as in_pipeline,
            (select count(*) from lead.lead_stages s where s.lead_id = l.id)::int as stage_rows
     from lead.leads l
     join lead.utm_touches f on f.id = l.first_touch_id
     join lead.utm_touches t on t.id = l.last_touch_id
     where l.company_id = $1 and lower(l.email) = lower($2)`,
      [site.companyId, email],
    );
    assertEquals(lead, {
      origin: 'form',
      session_id: session2,
      email_hashed: true,
      phone_hashed: true,
      is_business_email: true,
      score: 30 + 15 + 10 + 2 * 3 + 5 + 10,
      email_mid: 'msg_77',
      utm_source: 'google',
      gclid: 'G-CAP',
      ttc: true,
      first_gclid: 'G-CAP',
      first_at_matches: true,
      last_mid: 'msg_77',
      last_at_matches: true,
      consent: true,
      in_pipeline: true,
      stage_rows: 1,
    });
    const { rows: links } = await db.query(
      `select (select count(*) from lead.utm_touches t join lead.leads l on l.id = t.lead_id where t.domain_id = $1 and lower(l.email) = lower($2))::int as touches,
            (select array_agg(s.converted order by s.started_at) from lead.sessions s where s.domain_id = $1) as converted,
            (select j.converted and j.conversion_session_id = $3 from lead.visitor_journeys j where j.domain_id = $1) as journey`,
      [site.domainId, email, session2],
    );
    assertEquals(links[0], { touches: 2, converted: [false, true], journey: true });

    // the same person again, e-mail in another case: the one lead is updated, not duplicated
    const again = await capturing(site, {
      site_key: site.siteKey,
      session_id: session2,
      email: email.toLowerCase(),
      message: 'Quero uma proposta',
    });
    assertEquals(again.status, 202);
    const { rows: [after] } = await db.query(
      `select count(*)::int as leads, max(message) as message, max(name) as name from lead.leads where company_id = $1 and lower(email) = lower($2)`,
      [site.companyId, email],
    );
    assertEquals(after, { leads: 1, message: 'Quero uma proposta', name: 'Compras Acme' });
  },
);

stackTest('lead-capture: honeypot, rate limit and invalid input write nothing', async () => {
  const site = await createTestSite('capture-refusals');
  const valid = { site_key: site.siteKey, email: `x.${site.tag}@acme.test`, website: 'http://spam.example' };
  const ip = { 'x-forwarded-for': '192.0.2.44' };
  const before = await trackingFootprint();
  for (let i = 1; i <= 10; i++) {
    const res = await capturing(site, valid, ip);
    assertEquals([res.status, await res.json()], [202, { status: 'accepted' }], `honeypot ${i} looks accepted`);
  }
  const limited = await capturing(site, valid, ip);
  assertEquals([limited.status, (await limited.json()).error.code], [429, 'rate_limited']);
  assert(Number(limited.headers.get('retry-after')) >= 1, 'retry-after in seconds');
  const elsewhere = await capturing(site, valid, { 'x-forwarded-for': '192.0.2.45' });
  assertEquals(elsewhere.status, 202, 'another address is not limited');

  const cases: Array<[string, unknown, Record<string, string>, number, string]> = [
    ['bad e-mail', { site_key: site.siteKey, email: 'not-an-email' }, {}, 422, 'invalid_email'],
    ['bad phone', { site_key: site.siteKey, email: 'a@acme.test', phone: '12' }, {}, 422, 'invalid_phone'],
    ['unknown field', { site_key: site.siteKey, email: 'a@acme.test', admin: true }, {}, 422, 'validation_failed'],
    ['unknown key', { site_key: 'rk_nosuchkey000000', email: 'a@acme.test' }, {}, 401, 'unknown_site_key'],
    [
      'wrong origin',
      { site_key: site.siteKey, email: 'a@acme.test' },
      { origin: 'https://evil.test' },
      403,
      'origin_not_allowed',
    ],
    [
      'too large',
      { site_key: site.siteKey, email: 'a@acme.test', message: 'x'.repeat(17 * 1024) },
      {},
      413,
      'payload_too_large',
    ],
  ];
  for (const [name, body, headers, status, code] of cases) {
    const res = await capturing(site, body, { 'x-forwarded-for': '192.0.2.46', ...headers });
    assertEquals([res.status, (await res.json()).error?.code], [status, code], name);
  }
  assertEquals(await trackingFootprint(), before, 'nothing but rate-limit counters was written');
});
