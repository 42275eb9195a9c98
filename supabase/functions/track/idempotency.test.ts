// Two copies of one batch at the same moment (a retry sent while the first request is still being
// written): lead.ingest_tracking_batch looks at the session before it locks it, so the second copy
// first sees nothing, waits for the first copy's lock, and must then look again (migration
// 20261211000600). The first copy's transaction is held open on its own connection to force exactly
// that order; one copy of each row must come out, with the session's totals counted once.
import pg from 'pg';
import { assertEquals } from '../_shared/testing/assert.ts';
import { adminDb, eventually, stackEnv, stackTest } from '../_shared/testing/stack.ts';
import { ingestBatch } from './handler.ts';
import { browserUserAgent, createTestSite } from './testing.ts';

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: stackEnv.dbUrl });
  await client.connect();
  return client;
}

for (const returning of [false, true]) {
  stackTest(
    `track: two copies of a batch of a ${returning ? 'returning' : 'new'} session at once are written once`,
    async () => {
      const site = await createTestSite('track-race');
      const db = await adminDb();
      const session = `session-race-${returning ? 'r' : 'n'}-${site.tag}`;
      const at = Date.now();
      const request = { origin: site.origin, clientIp: '203.0.113.20', userAgent: browserUserAgent };
      const batchOf = (ids: string[]) =>
        ingestBatch({
          site_key: site.siteKey,
          visitor_id: `visitor-race-${site.tag}`,
          session_id: session,
          events: [
            { id: ids[0], type: 'page_view', at, url: `${site.origin}/?utm_source=news` },
            { id: ids[1], type: 'click', at: at + 5, url: `${site.origin}/`, label: 'Quero' },
            { id: ids[2], type: 'page_view', at: at + 10, url: `${site.origin}/precos` },
          ],
        }, request);
      if (returning) {
        await db.query('select lead.ingest_tracking_batch($1::jsonb)', [JSON.stringify(batchOf(['pv-race-0', 'ev-race-0', 'pv-race-00']))]);
      }
      const batch = JSON.stringify(batchOf(['pv-race-1', 'ev-race-1', 'pv-race-2']));

      const first = await connect();
      const second = await connect();
      try {
        await first.query('begin');
        const [firstAnswer] = (await first.query('select lead.ingest_tracking_batch($1::jsonb) as a', [batch])).rows;
        const secondCall = second.query('select lead.ingest_tracking_batch($1::jsonb) as a', [batch]);
        // the second copy is waiting on the first's lock before the first commits
        await eventually('the second copy waiting on the session lock', async () => {
          const { rows: [waiting] } = await db.query(
            `select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%ingest_tracking_batch%'`,
          );
          return waiting.n > 0 ? true : undefined;
        }, 10_000);
        await first.query('commit');
        const { rows: [secondAnswer] } = await secondCall;

        // a returning session's page with the same UTMs as its last touch makes no new touch
        assertEquals(firstAnswer.a, { status: 'accepted', page_views: 2, events: 1, touches: returning ? 0 : 1, duplicates: 0 });
        assertEquals(secondAnswer.a, { status: 'accepted', page_views: 0, events: 0, touches: 0, duplicates: 3 });
        const { rows: [counts] } = await db.query(
          `select (select count(*)::int from lead.page_views where company_id = $1 and session_id = $2) as views,
                  (select count(*)::int from lead.web_events where company_id = $1 and session_id = $2) as events,
                  (select count(*)::int from lead.page_views where company_id = $1 and session_id = $2 and exit_page) as exits,
                  s.total_page_views, s.total_events, j.total_page_views as journey_views, j.total_sessions
           from lead.sessions s join lead.visitor_journeys j on j.id = s.journey_id where s.company_id = $1 and s.id = $2`,
          [site.companyId, session],
        );
        const before = returning ? 2 : 0;
        assertEquals(counts, {
          views: before + 2,
          events: before / 2 + 1,
          exits: 1,
          total_page_views: before + 2,
          total_events: before / 2 + 1,
          journey_views: before + 2,
          total_sessions: 1,
        });
      } finally {
        await first.end();
        await second.end();
      }
    },
  );
}

stackTest('track: a batch whose transaction began before its session existed is still found by its retry', async () => {
  // Grouped batches share their transaction's now(): a group that began before another group created the
  // session, and then waited for it, used to stamp its rows earlier than the session's start, where the
  // lookups bounded by that start did not see them (and a retry was written twice).
  const site = await createTestSite('track-early');
  const db = await adminDb();
  const session = `session-early-${site.tag}`;
  const request = { origin: site.origin, clientIp: '203.0.113.21', userAgent: browserUserAgent };
  const batchOf = (id: string) =>
    JSON.stringify(ingestBatch({
      site_key: site.siteKey,
      visitor_id: `visitor-early-${site.tag}`,
      session_id: session,
      events: [{ id, type: 'page_view', at: Date.now(), url: `${site.origin}/${id}` }],
    }, request));
  const early = await connect();
  try {
    await early.query('begin');
    await early.query('select now()'); // its now() is fixed here, before the session exists
    await new Promise((resolve) => setTimeout(resolve, 50));
    await db.query('select lead.ingest_tracking_batch($1::jsonb)', [batchOf('pv-early-1')]);
    const { rows: [late] } = await early.query('select lead.ingest_tracking_batch($1::jsonb) as a', [batchOf('pv-early-2')]);
    await early.query('commit');
    assertEquals(late.a.page_views, 1);
  } finally {
    await early.end();
  }
  const { rows: [retry] } = await db.query('select lead.ingest_tracking_batch($1::jsonb) as a', [batchOf('pv-early-2')]);
  assertEquals(retry.a, { status: 'accepted', page_views: 0, events: 0, touches: 0, duplicates: 1 });
  const { rows: [counts] } = await db.query(
    `select count(*)::int as views, bool_and(v.created_at >= s.started_at) as after_start, max(s.total_page_views) as total
     from lead.page_views v join lead.sessions s on s.company_id = v.company_id and s.id = v.session_id
     where v.company_id = $1 and v.session_id = $2`,
    [site.companyId, session],
  );
  assertEquals(counts, { views: 2, after_start: true, total: 2 });
});
