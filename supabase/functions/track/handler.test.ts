// track: the pure parts (URL → touch, page key, bot and device detection) without a stack, then the
// function through the gateway against the test stack: what one batch writes, retries, return visits,
// page leaves, and each refusal with nothing written.
import { assert, assertEquals } from '../_shared/testing/assert.ts';
import { adminDb, stackEnv, stackTest } from '../_shared/testing/stack.ts';
import { deviceOf, isBot } from '../_shared/web-intake.ts';
import { pageKey, touchOf } from './handler.ts';
import { browserUserAgent, createTestSite, tracking, trackingFootprint } from './testing.ts';

Deno.test('a Facebook ad click: paid touch, UTMs, fbclid as sent and fbc in Meta format', () => {
  const url = new URL(
    'https://shop.test/lp/?utm_source=facebook&utm_medium=cpc&utm_campaign=bf&fbclid=IwAR0_Ab-c%2Bd&x=1',
  );
  const touch = touchOf(url, 'https://l.facebook.com/', 1_764_590_000_123, { fbp: 'fb.1.1700000000000.987654321' });
  assertEquals(touch.channel, 'paid');
  assertEquals([touch.utm_source, touch.utm_medium, touch.utm_campaign], ['facebook', 'cpc', 'bf']);
  assertEquals(touch.fbclid, 'IwAR0_Ab-c%2Bd', 'never decoded');
  assertEquals(touch.fbc, 'fb.1.1764590000123.IwAR0_Ab-c%2Bd');
  assertEquals(touch.fbp, 'fb.1.1700000000000.987654321');
  assertEquals(touch.url_params, { x: '1' });
});

Deno.test('fbc: the cookie is kept (appendix and all) unless the URL brings another fbclid', () => {
  const cookie = 'fb.1.1700000000000.OLD.AQB';
  assertEquals(touchOf(new URL('https://s.test/'), undefined, 1_764_590_000_000, { fbc: cookie }).fbc, cookie);
  assertEquals(
    touchOf(new URL('https://s.test/?fbclid=OLD'), undefined, 1_764_590_000_000, { fbc: cookie }).fbc,
    cookie,
  );
  assertEquals(
    touchOf(new URL('https://s.test/?fbclid=NEW'), undefined, 1_764_590_000_000, { fbc: cookie }).fbc,
    'fb.1.1764590000000.NEW',
  );
  assertEquals(touchOf(new URL('https://s.test/'), undefined, 1, { fbc: 'not an fbc' }).fbc, undefined);
});

Deno.test('channels: click id > e-mail > UTMs > outside referrer > direct', () => {
  const at = 1_764_590_000_000;
  assertEquals(touchOf(new URL('https://s.test/?gclid=G1&utm_source=x'), undefined, at, undefined).channel, 'paid');
  assertEquals(touchOf(new URL('https://s.test/?mid=m_1'), undefined, at, undefined).channel, 'email');
  assertEquals(touchOf(new URL('https://s.test/?utm_medium=Email'), undefined, at, undefined).channel, 'email');
  assertEquals(touchOf(new URL('https://s.test/?utm_source=news'), undefined, at, undefined).channel, 'campaign');
  assertEquals(touchOf(new URL('https://s.test/'), 'https://www.google.com/', at, undefined).channel, 'referral');
  assertEquals(touchOf(new URL('https://www.s.test/a'), 'https://s.test/b', at, undefined).channel, 'direct');
  assertEquals(touchOf(new URL('https://s.test/'), undefined, at, undefined).channel, 'direct');
  for (const id of ['gbraid', 'wbraid', 'ttclid', 'li_fat_id', 'msclkid']) {
    const touch = touchOf(new URL(`https://s.test/?${id}=V1`), undefined, at, undefined);
    assertEquals([touch.channel, touch[id]], ['paid', 'V1'], id);
  }
});

Deno.test('page key: origin and path without query, fragment or trailing slash', () => {
  assertEquals(pageKey(new URL('https://S.test/a/b/?q=1#x')), 'https://s.test/a/b');
  assertEquals(pageKey(new URL('https://s.test/?q=1')), 'https://s.test/');
  assertEquals(pageKey(new URL('http://s.test:8080/A')), 'http://s.test:8080/A');
});

Deno.test('bots: crawlers, headless browsers and empty agents are bots; browsers are not', () => {
  assert(isBot('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'), 'Googlebot');
  assert(
    isBot('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/130.0 Safari/537.36'),
    'headless',
  );
  assert(isBot('curl/8.5.0'), 'curl');
  assert(isBot(null) && isBot(''), 'no agent');
  assert(!isBot(browserUserAgent), 'desktop Chrome');
  assert(
    !isBot(
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    ),
    'iPhone Safari',
  );
});

Deno.test('device: bowser classes desktop, mobile and tablet', () => {
  assertEquals(deviceOf(browserUserAgent), { device: 'desktop', browser: 'Chrome', os: 'Linux' });
  assertEquals(
    deviceOf(
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    ).device,
    'mobile',
  );
  assertEquals(
    deviceOf(
      'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    ).device,
    'tablet',
  );
});

stackTest(
  'track: one batch writes session, journey, touch, page views and events together; a retry writes nothing',
  async () => {
    const site = await createTestSite('track-batch');
    const db = await adminDb();
    const at = Date.now();
    const batch = {
      site_key: site.siteKey,
      visitor_id: 'visitor-batch-1',
      session_id: `session-batch-1-${site.tag}`,
      context: { fbp: 'fb.1.1700000000000.1234567890', language: 'pt-BR', screen: '1280x800' },
      events: [
        {
          id: 'pv-batch-0001',
          type: 'page_view',
          at,
          url: `${site.origin}/?utm_source=facebook&utm_campaign=bf&fbclid=ABC`,
          title: 'Home',
          referrer: 'https://l.facebook.com/',
        },
        { id: 'ev-batch-0001', type: 'click', at: at + 10, url: `${site.origin}/`, label: 'Quero', element_id: 'cta' },
        {
          id: 'pv-batch-0002',
          type: 'page_view',
          at: at + 20,
          url: `${site.origin}/precos`,
          referrer: `${site.origin}/`,
        },
        {
          id: 'lv-batch-0001',
          type: 'page_leave',
          at: at + 30,
          url: `${site.origin}/`,
          view_id: 'pv-batch-0001',
          time_on_page: 12,
          scroll_depth: 75,
        },
      ],
    };
    const first = await tracking(site, batch);
    assertEquals(first.status, 202);
    assertEquals(first.headers.get('access-control-allow-origin'), site.origin);
    assertEquals(await first.json(), { status: 'accepted', page_views: 2, events: 1, touches: 1, duplicates: 0 });

    const { rows: [session] } = await db.query(
      `select s.total_page_views, s.total_events, s.device, s.browser, s.return_visits, s.first_page_id = p.id as first_page_matched,
            j.total_sessions, j.total_page_views as journey_views
     from lead.sessions s join lead.visitor_journeys j on j.id = s.journey_id
     left join lead.landing_pages p on p.domain_id = s.domain_id and p.page_url = $2
     where s.company_id = $1 and s.id = $3`,
      [site.companyId, `${site.origin}/`, `session-batch-1-${site.tag}`],
    );
    assertEquals(session, {
      total_page_views: 2,
      total_events: 1,
      device: 'desktop',
      browser: 'Chrome',
      return_visits: 0,
      first_page_matched: true,
      total_sessions: 1,
      journey_views: 2,
    });
    const { rows: views } = await db.query(
      `select client_event_id, view_order, exit_page, time_on_page, scroll_depth, page_id is not null as on_landing_page
     from lead.page_views where company_id = $1 and session_id = $2 order by view_order`,
      [site.companyId, `session-batch-1-${site.tag}`],
    );
    assertEquals(views, [
      {
        client_event_id: 'pv-batch-0001',
        view_order: 1,
        exit_page: false,
        time_on_page: 12,
        scroll_depth: 75,
        on_landing_page: true,
      },
      {
        client_event_id: 'pv-batch-0002',
        view_order: 2,
        exit_page: true,
        time_on_page: null,
        scroll_depth: null,
        on_landing_page: false,
      },
    ]);
    const { rows: touches } = await db.query(
      `select channel, utm_source, fbclid, fbc ~ '^fb\\.1\\.[0-9]{13}\\.ABC$' as fbc_ok, fbp, device, user_agent is not null as has_agent
     from lead.utm_touches where company_id = $1 and session_id = $2`,
      [site.companyId, `session-batch-1-${site.tag}`],
    );
    assertEquals(touches, [{
      channel: 'paid',
      utm_source: 'facebook',
      fbclid: 'ABC',
      fbc_ok: true,
      fbp: 'fb.1.1700000000000.1234567890',
      device: 'desktop',
      has_agent: true,
    }]);

    const before = await trackingFootprint();
    const retry = await tracking(site, batch);
    assertEquals(await retry.json(), { status: 'accepted', page_views: 0, events: 0, touches: 0, duplicates: 4 });
    assertEquals(await trackingFootprint(), before, 'a retried batch writes nothing');
    const { rows: [domain] } = await db.query(
      'select last_event_at is not null as seen from lead.domains where id = $1',
      [site.domainId],
    );
    assertEquals(domain.seen, true, 'last event seen');
  },
);

stackTest(
  'track: a return visit is a new session of the same journey; new UTMs make a new touch, old ones stay',
  async () => {
    const site = await createTestSite('track-return');
    const db = await adminDb();
    const visit = (session: string, id: string, query: string) =>
      tracking(site, {
        site_key: site.siteKey,
        visitor_id: 'visitor-return-1',
        session_id: session,
        events: [{ id, type: 'page_view', at: Date.now(), url: `${site.origin}/${query}` }],
      });
    assertEquals(
      (await (await visit(`session-return-1-${site.tag}`, 'pv-return-0001', '?utm_source=google&gclid=G-1')).json())
        .touches,
      1,
    );
    assertEquals(
      (await (await visit(`session-return-1-${site.tag}`, 'pv-return-0002', '?utm_source=google&gclid=G-1')).json())
        .touches,
      0,
      'same UTMs, same session: no new touch',
    );
    assertEquals(
      (await (await visit(`session-return-1-${site.tag}`, 'pv-return-0003', 'sobre')).json()).touches,
      0,
      'an inner page without UTMs: none',
    );
    assertEquals(
      (await (await visit(`session-return-2-${site.tag}`, 'pv-return-0004', '?utm_source=newsletter&mid=msg_42'))
        .json()).touches,
      1,
    );
    assertEquals(
      (await (await visit(`session-return-3-${site.tag}`, 'pv-return-0005', '')).json()).touches,
      1,
      'a direct return visit is a direct touch',
    );
    const { rows } = await db.query(
      `select s.id, s.return_visits, t.channel, t.utm_source, t.gclid, t.mid
     from lead.sessions s join lead.utm_touches t on t.company_id = s.company_id and t.session_id = s.id
     where s.domain_id = $1 order by t.touched_at`,
      [site.domainId],
    );
    assertEquals(rows, [
      {
        id: `session-return-1-${site.tag}`,
        return_visits: 0,
        channel: 'paid',
        utm_source: 'google',
        gclid: 'G-1',
        mid: null,
      },
      {
        id: `session-return-2-${site.tag}`,
        return_visits: 1,
        channel: 'email',
        utm_source: 'newsletter',
        gclid: null,
        mid: 'msg_42',
      },
      {
        id: `session-return-3-${site.tag}`,
        return_visits: 2,
        channel: 'direct',
        utm_source: null,
        gclid: null,
        mid: null,
      },
    ]);
    const { rows: [journey] } = await db.query(
      `select count(*)::int as journeys, sum(total_sessions)::int as sessions, sum(total_page_views)::int as views
     from lead.visitor_journeys where domain_id = $1`,
      [site.domainId],
    );
    assertEquals(journey, { journeys: 1, sessions: 3, views: 5 });
  },
);

stackTest('track: without a visitor id the visitor is a keyed hash of IP, agent and site', async () => {
  const site = await createTestSite('track-hash');
  const db = await adminDb();
  const send = (session: string, id: string, ip: string) =>
    tracking(site, {
      site_key: site.siteKey,
      session_id: session,
      events: [{ id, type: 'page_view', at: Date.now(), url: `${site.origin}/` }],
    }, {
      'x-forwarded-for': ip,
    });
  assertEquals((await send(`session-hash-1-${site.tag}`, 'pv-hash-0001', '203.0.113.7')).status, 202);
  assertEquals((await send(`session-hash-2-${site.tag}`, 'pv-hash-0002', '203.0.113.7')).status, 202);
  assertEquals((await send(`session-hash-3-${site.tag}`, 'pv-hash-0003', '198.51.100.1')).status, 202);
  const { rows } = await db.query(
    `select visitor_id, total_sessions from lead.visitor_journeys where domain_id = $1 order by total_sessions desc`,
    [site.domainId],
  );
  assertEquals(rows.length, 2, 'two addresses, two visitors');
  assertEquals(rows[0].total_sessions, 2, 'the same address and agent came back');
  assert(/^h\.[0-9a-f]{40}$/.test(rows[0].visitor_id), `hashed visitor id: ${rows[0].visitor_id}`);
  const { rows: [touch] } = await db.query(
    `select host(client_ip) as ip from lead.utm_touches where company_id = $1 and session_id = $2`,
    [site.companyId, `session-hash-3-${site.tag}`],
  );
  assertEquals(touch.ip, '198.51.100.1');
});

stackTest('track: concurrent batches (written in groups) each land once, in session order, and retries add nothing', async () => {
  const site = await createTestSite('track-group');
  const db = await adminDb();
  // 48 requests at once: 6 sessions × 8 page views each, sent all together, so the isolate groups them.
  const requests = Array.from({ length: 48 }, (_, i) => ({
    site_key: site.siteKey,
    visitor_id: `visitor-group-${i % 3}-${site.tag}`,
    session_id: `session-group-${i % 6}-${site.tag}`,
    events: [{ id: `pv-group-${String(i).padStart(4, '0')}`, type: 'page_view', at: Date.now(), url: `${site.origin}/p${i}` }],
  }));
  const send = () =>
    Promise.all(requests.map(async (body) => {
      const res = await tracking(site, body);
      return [res.status, await res.json()] as const;
    }));
  const first = await send();
  assertEquals(first.map(([status]) => status), requests.map(() => 202));
  assertEquals(first.map(([, body]) => body.page_views), requests.map(() => 1), 'each answered for its own batch');
  const { rows } = await db.query(
    `select s.id, s.total_page_views, array_agg(v.view_order order by v.view_order) as orders
     from lead.sessions s join lead.page_views v on v.company_id = s.company_id and v.session_id = s.id
     where s.domain_id = $1 group by s.id, s.total_page_views order by s.id`,
    [site.domainId],
  );
  assertEquals(rows.length, 6);
  for (const row of rows) {
    assertEquals(row.total_page_views, 8, row.id);
    assertEquals(row.orders, [1, 2, 3, 4, 5, 6, 7, 8], `${row.id}: every view numbered once`);
  }
  const before = await trackingFootprint();
  const again = await send();
  assertEquals(again.map(([status, body]) => [status, body.page_views]), requests.map(() => [202, 0]), 'retries write nothing');
  assertEquals(await trackingFootprint(), before);
});

stackTest('track: refusals answer their code and write nothing', async () => {
  const site = await createTestSite('track-refusals');
  const event = { id: 'pv-refuse-0001', type: 'page_view', at: Date.now(), url: `${site.origin}/` };
  const valid = { site_key: site.siteKey, session_id: `session-refuse-1-${site.tag}`, events: [event] };
  const before = await trackingFootprint();
  const cases: Array<[string, Promise<Response>, number, string]> = [
    ['unknown key', tracking(site, { ...valid, site_key: 'rk_unknownunknown00' }), 401, 'unknown_site_key'],
    ['wrong origin', tracking(site, valid, { origin: 'https://evil.test' }), 403, 'origin_not_allowed'],
    ['no origin', tracking(site, valid, { origin: '' }), 403, 'origin_not_allowed'],
    [
      '51 events',
      tracking(site, {
        ...valid,
        events: Array.from({ length: 51 }, (_, i) => ({ ...event, id: `pv-refuse-${1000 + i}` })),
      }),
      413,
      'too_many_events',
    ],
    ['65 KB', tracking(site, { ...valid, pad: 'x'.repeat(65 * 1024) }), 413, 'payload_too_large'],
    ['not JSON', tracking(site, '{"site_key":'), 400, 'invalid_json'],
    ['wrong type', tracking(site, { ...valid, events: [{ ...event, at: 'yesterday' }] }), 422, 'validation_failed'],
    ['NUL in a title', tracking(site, { ...valid, events: [{ ...event, title: 'a\u0000b' }] }), 422, 'invalid_text'],
    [
      'GET',
      fetch(`${stackEnv.apiUrl}/functions/v1/track`, { headers: { origin: site.origin } }),
      405,
      'method_not_allowed',
    ],
  ];
  for (const [name, pending, status, code] of cases) {
    const res = await pending;
    const body = await res.json();
    assertEquals([res.status, body.error?.code], [status, code], name);
  }
  const bot = await tracking(site, valid, {
    'user-agent': 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  });
  assertEquals([bot.status, await bot.json()], [202, { status: 'dropped', reason: 'bot' }], 'bots are dropped');
  await (await adminDb()).query('update lead.domains set is_active = false where id = $1', [site.domainId]);
  const inactive = await tracking(site, valid);
  assertEquals([inactive.status, (await inactive.json()).error.code], [403, 'site_inactive']);
  assertEquals(await trackingFootprint(), before, 'nothing written by any refusal');
});
