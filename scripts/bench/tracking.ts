// Web-tracking section of `npm run bench` (issue 7), each figure beside a baseline of the same run:
//   (a) `track` with one event per request at 20 connections (autocannon): requests/s, p50/p99, beside
//       a preflight (OPTIONS) of the same function through the same gateway and host, which does no
//       parsing and no database work; for scale, the best-known open-source analytics server manages
//       about 250 requests/s on this kind of machine (the aim here: 1,000/s, p99 under 50 ms);
//   (b) batches of 20 events at 50 connections: events/s, beside a COPY of as many page-view rows
//       into lead.page_views (ratio; the aim: 25,000 events/s);
//   (c) a page-view query over --page-views rows (default 1,000,000; run once with 10,000,000) spread
//       over twelve monthly partitions: the last 30 days of one company, whose plan must show partition
//       pruning (partitions scanned vs present), beside the same aggregate over all months;
//   (d) the UTM performance page's queries (analytics.utm_performance and the daily chart's
//       analytics.daily_web_traffic, 90 days) over --utm-sessions
//       sessions (default 1,000,000), from the rolled days (migration 20261211000800) beside the same
//       call answered from the raw rows alone (ratio); both answers must be equal.
// Every request carries fresh client event ids, so none is a cheap duplicate.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type pg from 'pg';
import type { RunningStack } from '../../packages/local-stack/src/stack.ts';
import { cpuByPart, cpuPerRequest } from './cpu.ts';
import { serveAlone } from './alone.ts';

type Report = (label: string, value: string) => void;
type Options = { pageViews: number; utmSessions: number; seconds: number; workDir: string; log: (m: string) => void };

const userAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function benchSite(db: pg.Client): Promise<{ siteKey: string; origin: string; domainId: string; companyId: string }> {
  const origin = 'https://bench-site.test';
  const { rows: [site] } = await db.query(
    `insert into lead.domains (company_id, domain_name, domain_url, allowed_origins)
     select id, 'bench site', $1, array[$1] from core.companies where slug = 'demo-rastro'
     on conflict on constraint domains_name_per_company_is_unique do update set allowed_origins = excluded.allowed_origins
     returning id, company_id, site_key`,
    [origin],
  );
  return { siteKey: site.site_key, origin, domainId: site.id, companyId: site.company_id };
}

function run(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** Bodies with unique event ids: request n of connection c. */
function trackBody(siteKey: string, origin: string, run: string, n: number, events: number): string {
  const session = `bench-${run}-s${n % 5000}`;
  const at = Date.now();
  const list = Array.from({ length: events }, (_, i) =>
    i % 2 === 0
      ? { id: `${run}-${n}-${i}`, type: 'page_view', at, url: `${origin}/p${i}?utm_source=bench&utm_campaign=c${n % 7}`, title: 'Bench' }
      : { id: `${run}-${n}-${i}`, type: 'click', at, url: `${origin}/p${i}`, action: 'cta', label: 'Bench' }
  );
  return JSON.stringify({ site_key: siteKey, visitor_id: `bench-visitor-${n % 20000}`, session_id: session, events: list });
}

async function trackLoad(url: string, site: { siteKey: string; origin: string }, connections: number, events: number, seconds: number) {
  const tag = `r${Date.now().toString(36)}`;
  let n = 0;
  const result = await run({
    url,
    connections,
    duration: seconds,
    method: 'POST',
    headers: { origin: site.origin, 'user-agent': userAgent, 'content-type': 'text/plain' },
    requests: [{
      setupRequest: (request) => ({ ...request, body: trackBody(site.siteKey, site.origin, tag, n++, events) }),
    }],
  });
  return result;
}

function latency(result: autocannon.Result): string {
  return `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`;
}

async function countWritten(db: pg.Client, domainId: string): Promise<number> {
  const { rows: [row] } = await db.query(
    `select (select count(*) from lead.page_views where domain_id = $1) + (select count(*) from lead.web_events where domain_id = $1) as n`,
    [domainId],
  );
  return Number(row.n);
}

export async function benchTracking(stack: RunningStack, db: pg.Client, report: Report, options: Options): Promise<void> {
  const { log } = options;
  const site = await benchSite(db);
  const url = `${stack.env.API_URL}/functions/v1/track`;
  const warm = await fetch(url, { method: 'POST', headers: { origin: site.origin, 'user-agent': userAgent }, body: trackBody(site.siteKey, site.origin, 'warm', 0, 1) });
  if (warm.status !== 202) throw new Error(`track is not answering 202: ${warm.status} ${await warm.text()}`);

  // The stack's boot and demo seed are flushed first, so their writeback does not stall the commits
  // timed below (as in the e-mail bench; decision 0012, "Commit stalls behind the disk").
  await db.query('checkpoint');

  // (a) one event per request, 20 connections, beside the preflight of the same function
  log('track: 1 event per request at 20 connections…');
  const preflight = await run({ url, connections: 20, duration: options.seconds, method: 'OPTIONS', headers: { origin: site.origin } });
  // Count the calls of the grouped statement (track_functions reloaded into every session).
  await db.query(`alter system set track_functions = 'pl'`);
  await db.query('select pg_reload_conf(), pg_stat_reset()');
  const groupCalls = async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500)); // backends flush their counters within a second of idling
    const { rows: [row] } = await db.query<{ calls: number }>(
      `select coalesce(sum(calls), 0)::int as calls from pg_stat_user_functions where schemaname = 'lead' and funcname = 'ingest_tracking_batches'`,
    );
    return row.calls;
  };
  const cpuBefore = cpuByPart();
  const single = await trackLoad(url, site, 20, 1, options.seconds);
  const cpuSingle = cpuByPart();
  const singleCalls = await groupCalls();
  const errors = single.non2xx + single.errors + single.timeouts;
  report('track, 1 event/request, 20 connections', `${fmt(single.requests.average)} requests/s, ${latency(single)}${errors ? `, ${errors} failed` : ''}`);
  report('  baseline: OPTIONS preflight of track (same gateway and host, no work)', `${fmt(preflight.requests.average)} requests/s, ${latency(preflight)}`);
  report('  CPU ms per request by part', cpuPerRequest(cpuBefore, cpuSingle, single.requests.total));
  report('  statements that wrote them (batches per statement)', `${fmt(singleCalls)} (${(single.requests.total / Math.max(singleCalls, 1)).toFixed(2)})`);
  report('  ratio track / preflight', `${(single.requests.average / preflight.requests.average).toFixed(2)} (the best-known open-source analytics server: ~250 requests/s here; aim 1,000/s, p99 < 50 ms)`);
  // The same handler in one Deno process without the local functions host (which runs each request in
  // a measured worker process, one live per function): what one hosted isolate does.
  const alone = await serveAlone(stack, 'track');
  const direct = { url: `${alone.origin}/track`, stop: alone.stop };
  try {
    const directPreflight = await run({ url: direct.url, connections: 20, duration: options.seconds, method: 'OPTIONS', headers: { origin: site.origin } });
    const directSingle = await trackLoad(direct.url, site, 20, 1, options.seconds);
    const directErrors = directSingle.non2xx + directSingle.errors + directSingle.timeouts;
    report('track served by Deno.serve alone, 1 event/request, 20 connections', `${fmt(directSingle.requests.average)} requests/s, ${latency(directSingle)}${directErrors ? `, ${directErrors} failed` : ''}`);
    report('  baseline: its OPTIONS preflight', `${fmt(directPreflight.requests.average)} requests/s, ${latency(directPreflight)}`);
    const beforeDirect = await countWritten(db, site.domainId);
    const directBatch = await trackLoad(direct.url, site, 50, 20, options.seconds);
    const directWritten = (await countWritten(db, site.domainId)) - beforeDirect;
    report('track served by Deno.serve alone, batches of 20, 50 connections', `${fmt(directWritten / options.seconds)} events/s written (${fmt(directBatch.requests.average)} requests/s, ${latency(directBatch)})`);
  } finally {
    direct.stop();
  }

  // (b) batches of 20 at 50 connections, beside COPY of as many rows
  log('track: batches of 20 events at 50 connections…');
  const before = await countWritten(db, site.domainId);
  const callsBeforeBatch = await groupCalls();
  const cpuBeforeBatch = cpuByPart();
  const batch = await trackLoad(url, site, 50, 20, options.seconds);
  const cpuBatch = cpuByPart();
  const batchCalls = (await groupCalls()) - callsBeforeBatch;
  await db.query('alter system reset track_functions');
  await db.query('select pg_reload_conf()');
  const after = await countWritten(db, site.domainId);
  const written = after - before;
  const eventsPerSecond = written / options.seconds;
  const batchErrors = batch.non2xx + batch.errors + batch.timeouts;
  report('track, batches of 20 events, 50 connections', `${fmt(eventsPerSecond)} events/s written (${fmt(batch.requests.average)} requests/s, ${latency(batch)}${batchErrors ? `, ${batchErrors} failed` : ''})`);
  report('  CPU ms per request (20 events) by part', cpuPerRequest(cpuBeforeBatch, cpuBatch, batch.requests.total));
  report('  statements that wrote them (batches per statement)', `${fmt(batchCalls)} (${(batch.requests.total / Math.max(batchCalls, 1)).toFixed(2)})`);

  const copyRows = Math.max(written, 10_000);
  const file = join(options.workDir, 'page-views.csv');
  const session = (await db.query(`select id from lead.sessions where domain_id = $1 limit 1`, [site.domainId])).rows[0].id as string;
  const lines: string[] = [];
  for (let i = 0; i < copyRows; i++) lines.push(`${site.companyId},${site.domainId},${session},copy-${i},${site.origin}/p,/p,${i + 1}`);
  writeFileSync(file, lines.join('\n') + '\n');
  const url2 = new URL(stack.env.DB_URL);
  const started = Date.now();
  const copy = spawnSync('psql', [stack.env.DB_URL, '-v', 'ON_ERROR_STOP=1', '-c',
    `\\copy lead.page_views (company_id, domain_id, session_id, client_event_id, page_url, page_path, view_order) from '${file}' csv`], {
    encoding: 'utf8', env: { ...process.env, PGPASSWORD: decodeURIComponent(url2.password) },
  });
  const copyMs = Date.now() - started;
  if (copy.status !== 0) throw new Error(`COPY failed: ${copy.stderr}`);
  const copyPerSecond = copyRows / (copyMs / 1000);
  report('  baseline: COPY of page-view rows into lead.page_views', `${fmt(copyPerSecond)} rows/s (${fmt(copyRows)} rows)`);
  report('  ratio track / COPY', `${(eventsPerSecond / copyPerSecond).toFixed(3)} (aim: 25,000 events/s)`);

  // (c) partition pruning over many page views
  log(`page views: loading ${fmt(options.pageViews)} rows over twelve months…`);
  const loadStarted = Date.now();
  await db.query(`insert into lead.visitor_journeys (company_id, domain_id, visitor_id, first_visit_at, last_visit_at)
                  values ($1, $2, 'bench-bulk-visitor', now() - interval '1 year', now()) on conflict do nothing`, [site.companyId, site.domainId]);
  await db.query(`insert into lead.sessions (company_id, id, domain_id, journey_id, visitor_id, started_at, last_activity_at)
                  select $1, 'bench-bulk-' || g, $2, j.id, j.visitor_id, now() - interval '1 year', now()
                  from generate_series(1, 10000) g, lead.visitor_journeys j where j.domain_id = $2 and j.visitor_id = 'bench-bulk-visitor'
                  on conflict do nothing`, [site.companyId, site.domainId]);
  // Bench data only: the foreign-key triggers are skipped for the bulk load (replica role), the rows are valid.
  await db.query(`set session_replication_role = replica`);
  const chunk = 1_000_000;
  for (let offset = 0; offset < options.pageViews; offset += chunk) {
    await db.query(
      `insert into lead.page_views (created_at, company_id, domain_id, session_id, client_event_id, page_url, page_path, view_order)
       select now() - make_interval(secs => (g * 31.536) % 31536000), $1, $2, 'bench-bulk-' || (1 + g % 10000), 'bulk-' || g, $3, '/bulk', 1
       from generate_series($4::bigint, $5::bigint) g`,
      [site.companyId, site.domainId, `${site.origin}/bulk`, offset + 1, Math.min(options.pageViews, offset + chunk)],
    );
    log(`  ${fmt(Math.min(options.pageViews, offset + chunk))} rows`);
  }
  await db.query(`set session_replication_role = origin`);
  await db.query('analyze lead.page_views');
  report(`page views loaded`, `${fmt(options.pageViews)} rows in ${((Date.now() - loadStarted) / 1000).toFixed(0)} s`);

  const lastMonth = `select count(*) as views, count(distinct session_id) as sessions from lead.page_views
                     where company_id = $1 and created_at >= now() - interval '30 days'`;
  const allMonths = `select count(*) as views, count(distinct session_id) as sessions from lead.page_views where company_id = $1`;
  const explain = async (sql: string) => {
    const { rows } = await db.query(`explain (analyze, format json) ${sql}`, [site.companyId]);
    const plan = rows[0]['QUERY PLAN'][0];
    const scanned = new Set<string>();
    const walk = (node: { 'Relation Name'?: string; Plans?: unknown[] }) => {
      if (node['Relation Name']) scanned.add(node['Relation Name']);
      for (const child of (node.Plans ?? []) as typeof node[]) walk(child);
    };
    walk(plan.Plan);
    return { ms: plan['Execution Time'] as number, scanned: [...scanned] };
  };
  const { rows: [{ partitions }] } = await db.query(`select count(*)::int as partitions from pg_inherits where inhparent = 'lead.page_views'::regclass`);
  await explain(lastMonth); // warm the cache the same way for both
  await explain(allMonths);
  const pruned = await explain(lastMonth);
  const full = await explain(allMonths);
  report('page views of the last 30 days (one company)', `${pruned.ms.toFixed(0)} ms, ${pruned.scanned.length} of ${partitions} partitions scanned: ${pruned.scanned.join(', ')}`);
  report('  baseline: the same aggregate over every month', `${full.ms.toFixed(0)} ms, ${full.scanned.length} of ${partitions} partitions scanned`);
  report('  ratio all months / last 30 days', `${(full.ms / pruned.ms).toFixed(1)}`);

  await benchUtmPerformance(db, report, site, options);
}

/** (d): 90 days of sessions on the bench site, each with its landing touch, then the console's query. */
async function benchUtmPerformance(
  db: pg.Client,
  report: Report,
  site: { domainId: string; companyId: string },
  options: Options,
): Promise<void> {
  const n = options.utmSessions;
  options.log(`UTM performance: loading ${fmt(n)} sessions with their landing touches over 89 days…`);
  const loadStarted = Date.now();
  const { rows: [journey] } = await db.query<{ id: string }>(
    `insert into lead.visitor_journeys (company_id, domain_id, visitor_id, first_visit_at, last_visit_at)
     values ($1, $2, 'bench-utm-visitor', now() - interval '90 days', now())
     on conflict on constraint one_journey_per_visitor_and_site do update set last_visit_at = excluded.last_visit_at returning id`,
    [site.companyId, site.domainId],
  );
  // Bench data only: foreign-key triggers skipped for the bulk load (replica role); the rows are valid.
  await db.query('set session_replication_role = replica');
  const spacing = (89 * 86_400) / n;
  await db.query(
    `insert into lead.sessions (company_id, id, domain_id, journey_id, visitor_id, started_at, last_activity_at, converted)
     select $1, 'bench-utm-' || g, $2, $3, 'bench-utm-visitor', now() - interval '2 hours' - make_interval(secs => g * $5::float8),
            now() - interval '2 hours' - make_interval(secs => g * $5::float8), g % 50 = 0
     from generate_series(1, $4::int) g`,
    [site.companyId, site.domainId, journey.id, n, spacing],
  );
  await db.query(
    `insert into lead.utm_touches (touched_at, company_id, domain_id, session_id, visitor_id, journey_id, channel,
                                   utm_source, utm_medium, utm_campaign, utm_content, utm_term)
     select now() - interval '2 hours' - make_interval(secs => g * $5::float8) + interval '1 second', $1, $2, 'bench-utm-' || g,
            'bench-utm-visitor', $3, case when g % 7 = 0 then 'direct' else 'paid' end,
            case when g % 7 <> 0 then (array['google', 'facebook', 'tiktok', 'linkedin', 'bing'])[1 + g % 5] end,
            case when g % 7 <> 0 then 'cpc' end, case when g % 7 <> 0 then 'campaign-' || (g / 7) % 40 end,
            case when g % 7 <> 0 then 'ad-' || (g / 280) % 5 end, null
     from generate_series(1, $4::int) g`,
    [site.companyId, site.domainId, journey.id, n, spacing],
  );
  await db.query('set session_replication_role = origin');
  await db.query('analyze lead.sessions, lead.utm_touches');
  report('UTM performance: sessions loaded', `${fmt(n)} sessions and touches in ${((Date.now() - loadStarted) / 1000).toFixed(0)} s`);

  // As the console asks it: a member of the company, 90 company days ending tomorrow.
  const { rows: [member] } = await db.query<{ user_id: string }>(
    `select m.user_id from core.company_members m where m.company_id = $1 order by m.created_at limit 1`,
    [site.companyId],
  );
  const { rows: [range] } = await db.query<{ from_date: string; to_date: string }>(
    `select (((now() at time zone c.time_zone)::date - 89)::timestamp at time zone c.time_zone)::text as from_date,
            (((now() at time zone c.time_zone)::date + 1)::timestamp at time zone c.time_zone)::text as to_date
     from core.companies c where c.id = $1`,
    [site.companyId],
  );
  const asMember = async (sql: string): Promise<{ ms: number; rows: unknown[] }> => {
    await db.query('begin');
    try {
      await db.query(`select set_config('request.jwt.claims', $1, true)`, [
        JSON.stringify({ sub: member.user_id, role: 'authenticated', company_id: site.companyId }),
      ]);
      await db.query('set local role authenticated');
      const started = performance.now();
      const { rows } = await db.query(sql, [range.from_date, range.to_date]);
      const ms = performance.now() - started;
      await db.query('commit');
      return { ms, rows };
    } catch (error) {
      await db.query('rollback');
      throw error;
    }
  };
  const utmSql = 'select * from analytics.utm_performance($1, $2)';
  const chartSql = 'select * from analytics.daily_web_traffic($1, $2)';
  const best = async (sql: string) => {
    const runs = [await asMember(sql), await asMember(sql), await asMember(sql)];
    return { ms: Math.min(...runs.map((r) => r.ms)), rows: runs[0].rows };
  };
  await db.query('delete from lead.session_landing_rollups where company_id = $1', [site.companyId]);
  const raw = await best(utmSql);
  const rawChart = await best(chartSql);
  const rollStarted = performance.now();
  await db.query('select lead.roll_up_session_landings()');
  const rollMs = performance.now() - rollStarted;
  const { rows: [{ days }] } = await db.query<{ days: number }>(
    'select count(*)::int as days from lead.session_landing_days where company_id = $1',
    [site.companyId],
  );
  const rolled = await best(utmSql);
  const rolledChart = await best(chartSql);
  if (JSON.stringify(rolled.rows) !== JSON.stringify(raw.rows)) {
    throw new Error('analytics.utm_performance answered differently from the rolled days than from the raw rows');
  }
  if (JSON.stringify(rolledChart.rows) !== JSON.stringify(rawChart.rows)) {
    throw new Error('analytics.daily_web_traffic answered differently from the rolled days than from the raw rows');
  }
  report('  roll-up of every company (lead.roll_up_session_landings)', `${fmt(rollMs)} ms, ${fmt(days)} rows for this company`);
  report('  utm_performance, 90 days, from the rolled days', `${rolled.ms.toFixed(0)} ms (${fmt(rolled.rows.length)} rows, best of 3)`);
  report('  baseline: the same call from the raw rows', `${raw.ms.toFixed(0)} ms (same answer)`);
  report('  ratio raw / rolled', `${(raw.ms / Math.max(rolled.ms, 0.1)).toFixed(1)}`);
  report('  daily_web_traffic (the chart), 90 days, from the rolled days', `${rolledChart.ms.toFixed(0)} ms (best of 3)`);
  report('  baseline: the same call from the raw rows', `${rawChart.ms.toFixed(0)} ms (same answer)`);
  report('  ratio raw / rolled', `${(rawChart.ms / Math.max(rolledChart.ms, 0.1)).toFixed(1)}`);
}
