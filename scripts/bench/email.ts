// `npm run bench`, e-mail part (issue 10):
// 1. mtrk._generate_messages for a campaign whose audience has `contacts` contacts, 5 % of them
//    ineligible (1 % each: bounced, complained, global unsubscribe, campaign unsubscribe, on the
//    suppression list), beside a plain INSERT…SELECT of the same messages and links without any rule
//    (the contacts generation chose, read from a table made beforehand), in the same run.
// 2. The click redirect of email-tracking at a fixed 500 requests/s (fixed-rate.ts: open loop, latency
//    from when each request left; 1,000 distinct signed links) beside a function on the same
//    functions host that answers a static 302, p50 and p99; autocannon's bursts at the same rate too.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type pg from 'pg';
import { deriveTrackingKey, signEmailId } from '../../packages/contracts/src/email-ids.ts';
import type { RunningStack } from '../../packages/local-stack/src/stack.ts';
import { cpuByPart, cpuPerRequest, machineCpu, machineLoad } from './cpu.ts';
import { serveAlone } from './alone.ts';
import { fireAtFixedRate, type FixedRateResult, quantile } from './fixed-rate.ts';

type Report = (label: string, value: string) => void;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function timed(db: pg.Client, sql: string, values: unknown[] = []): Promise<number> {
  const started = performance.now();
  await db.query(sql, values);
  return performance.now() - started;
}

/** A company with one audience of `contacts` contacts, 5 % ineligible, and two campaigns to it. */
async function arrange(db: pg.Client, contacts: number): Promise<{ campaign: string; baseline: string }> {
  const { rows: [ids] } = await db.query<{ company: string; audience: string; campaign: string; baseline: string }>(
    `with company as (insert into core.companies (name, slug) values ('Bench e-mail', 'bench-email-' || extract(epoch from now())::bigint) returning id),
     audience as (insert into mtrk.audiences (company_id, name) select id, 'Bench' from company returning id, company_id),
     campaigns as (
       insert into mtrk.campaigns (company_id, name, subject, html_content, sender_name, sender_email)
       select a.company_id, n, 'Bench', '<a href="https://loja.test/a">A</a> <a href="https://loja.test/b">B</a>', 'Bench', 'b@bench.test'
       from audience a, unnest(array['generated', 'baseline']) n
       returning id, name
     )
     select (select id from company) as company, (select id from audience) as audience,
            (select id from campaigns where name = 'generated') as campaign, (select id from campaigns where name = 'baseline') as baseline`,
  );
  await db.query(
    `insert into mtrk.contacts (company_id, email, status)
     select $1, 'c' || g || '@bench.test', case when g % 100 = 1 then 'bounced' when g % 100 = 2 then 'complained' else 'active' end
     from generate_series(1, $2::int) g`,
    [ids.company, contacts],
  );
  await db.query(
    `insert into mtrk.audience_contacts (company_id, audience_id, contact_id) select $1, $2, id from mtrk.contacts where company_id = $1`,
    [ids.company, ids.audience],
  );
  await db.query(
    `insert into mtrk.unsubscribes (company_id, contact_id, scope, campaign_id, source)
     select c.company_id, c.id, case when split_part(c.email, '@', 1) ~ '3$' then 'global' else 'campaign' end,
            case when split_part(c.email, '@', 1) ~ '4$' then $2::uuid end, 'console'
     from mtrk.contacts c
     where c.company_id = $1 and (substr(c.email, 2, strpos(c.email, '@') - 2))::int % 100 in (3, 4)`,
    [ids.company, ids.campaign],
  );
  await db.query(
    `insert into ops.suppression_list (company_id, email, reason)
     select company_id, upper(email), 'manual' from mtrk.contacts
     where company_id = $1 and (substr(email, 2, strpos(email, '@') - 2))::int % 100 = 5`,
    [ids.company],
  );
  await db.query('insert into mtrk.campaign_audiences (company_id, campaign_id, audience_id) values ($1, $2, $3)', [
    ids.company,
    ids.campaign,
    ids.audience,
  ]);
  await db.query('vacuum analyze mtrk.contacts, mtrk.audience_contacts, mtrk.unsubscribes, ops.suppression_list');
  return { campaign: ids.campaign, baseline: ids.baseline };
}

async function benchGeneration(db: pg.Client, report: Report, contacts: number): Promise<void> {
  const { campaign, baseline } = await arrange(db, contacts);
  const generateMs = await timed(db, 'select mtrk._generate_messages($1)', [campaign]);
  const { rows: [made] } = await db.query<{ messages: number; links: number }>(
    `select (select count(*) from mtrk.messages where campaign_id = $1)::int as messages,
            (select count(*) from mtrk.links where campaign_id = $1)::int as links`,
    [campaign],
  );
  if (made.messages !== Math.round(contacts * 0.95)) throw new Error(`generate_messages made ${made.messages} messages, expected 95 % of ${contacts}`);
  const againMs = await timed(db, 'select mtrk._generate_messages($1)', [campaign]);
  // The same rows, chosen beforehand: the baseline writes them with no rule, no dedupe, no conflict check.
  await db.query('create temp table bench_chosen as select contact_id, company_id from mtrk.messages where campaign_id = $1', [campaign]);
  const plainMs = await timed(
    db,
    `with made as (
       insert into mtrk.messages (company_id, campaign_id, contact_id) select company_id, $1, contact_id from bench_chosen returning id, company_id
     )
     insert into mtrk.links (company_id, campaign_id, message_id, cta_id)
     select m.company_id, $1, m.id, t.id from made m cross join mtrk.campaign_ctas t where t.campaign_id = $1`,
    [baseline],
  );
  await db.query('drop table bench_chosen');
  report(`generate_messages, ${contacts.toLocaleString('en-US')} contacts (5 % ineligible), 2 CTAs`, '');
  report('  messages / links made', `${made.messages.toLocaleString('en-US')} / ${made.links.toLocaleString('en-US')}`);
  report('  mtrk.generate_messages', seconds(generateMs));
  report('  baseline: plain INSERT…SELECT of the same messages and links', seconds(plainMs));
  report('  ratio generate / plain (aim ≤ 2×)', `${(generateMs / plainMs).toFixed(2)}×`);
  report('  second run (adds nothing)', seconds(againMs));
}

/** A function directory with `static-redirect`, served beside the project's functions for the baseline. */
export function staticRedirectFunctionDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rastro-bench-functions-'));
  mkdirSync(join(dir, 'static-redirect'));
  writeFileSync(
    join(dir, 'static-redirect', 'index.ts'),
    `Deno.serve(() => new Response(null, { status: 302, headers: { location: 'https://loja.test/a?utm_source=email' } }));\n`,
  );
  return dir;
}

export function removeFunctionDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const ratio = (value: number, base: number) => `${(value / base).toFixed(2)}×`;

function fixedLine(r: FixedRateResult): string {
  const other = Object.entries(r.statuses).filter(([status]) => status !== '302').reduce((n, [, count]) => n + count, 0);
  return `p50 ${ms(r.p50)}  p90 ${ms(r.p90)}  p99 ${ms(r.p99)}  max ${ms(r.max)}  ${Math.round(r.rate)} answered/s  ` +
    `not 302 ${other}  errors ${r.errors + r.timeouts}  connections ${r.connections}  generator lag p99 ${ms(r.lagP99Ms)} max ${ms(r.maxLagMs)}`;
}

function burstLine(r: autocannon.Result): string {
  return `p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  ${Math.round(r.requests.average)} req/s  non-2xx/3xx ${r.non2xx - (r.statusCodeStats?.['302']?.count ?? 0)}  errors ${r.errors + r.timeouts}`;
}

/** autocannon at `rate` per second over 20 connections (warm-ups, and the comparison with earlier runs). */
function fire(url: string, paths: string[], headers: Record<string, string>, rate: number, durationSeconds: number) {
  let next = 0;
  return autocannon({
    url,
    connections: 20,
    overallRate: rate,
    duration: durationSeconds,
    headers,
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] }) }],
  });
}

async function benchClicks(stack: RunningStack, db: pg.Client, report: Report, rate: number, durationSeconds: number): Promise<void> {
  const { rows: links } = await db.query<{ public_id: string }>(
    `select l.public_id from mtrk.links l join mtrk.campaigns c on c.id = l.campaign_id where c.name = 'generated' and c.subject = 'Bench'
     order by l.id limit 1000`,
  );
  const key = await deriveTrackingKey(stack.functionEnv.RASTRO_ENCRYPTION_KEY);
  const api = new URL(stack.env.API_URL);
  const clickPaths = await Promise.all(links.map(async (l) => `/functions/v1/email-tracking/c/${await signEmailId(key, 'link', l.public_id)}`));
  const headers = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 Safari/537.36', authorization: `Bearer ${stack.env.ANON_KEY}`, apikey: stack.env.ANON_KEY };
  // Count the calls of the grouped click statement (track_functions is reloaded into every session).
  await db.query(`alter system set track_functions = 'pl'`);
  await db.query('select pg_reload_conf(), pg_stat_reset()');
  // What the generation above wrote is flushed first: otherwise the kernel writes it back during the
  // click run, and a commit's WAL flush waits behind it (seen: 0.8 s stalls of track_clicks on
  // IO:WALSync, decision 0012), which is the previous phase's cost, not the click's.
  await db.query('checkpoint');
  // Warm both (workers started, pools open), then measure each in turn.
  await fire(api.origin, clickPaths, headers, 50, 3);
  await fire(api.origin, ['/functions/v1/static-redirect'], headers, 50, 3);
  if (clickPaths.length === 0) throw new Error('no generated links to click');
  // The aim's figures: requests sent at a fixed rate, each timed from when it left (fixed-rate.ts).
  const logFrom = existsSync(stack.functionInvocationLog) ? statSync(stack.functionInvocationLog).size : 0;
  const cpu0 = cpuByPart();
  const machine0 = machineCpu();
  const clicks = await fireAtFixedRate({ origin: api.origin, paths: clickPaths, headers, rate, durationSeconds });
  const cpu1 = cpuByPart();
  const machine1 = machineCpu();
  const logMid = statSync(stack.functionInvocationLog).size;
  const baseline = await fireAtFixedRate({ origin: api.origin, paths: ['/functions/v1/static-redirect'], headers, rate, durationSeconds });
  const cpu2 = cpuByPart();
  const machine2 = machineCpu();
  const logEnd = statSync(stack.functionInvocationLog).size;
  // The same rate as autocannon sends it (each connection's share of a second back to back, then
  // idle): the figures of earlier runs, for comparison; not the aim's.
  const clickBursts = await fire(api.origin, clickPaths, headers, rate, durationSeconds);
  const baselineBursts = await fire(api.origin, ['/functions/v1/static-redirect'], headers, rate, durationSeconds);
  const inHost = (from: number, to: number, name: string) => {
    const rows = readFileSync(stack.functionInvocationLog).subarray(from, to).toString('utf8').split('\n').filter(Boolean)
      .map((line) => JSON.parse(line) as { function: string; wall_ms: number; wait_ms: number; cold_start: boolean; worker_pid: number })
      .filter((row) => row.function === name);
    const walls = rows.map((row) => row.wall_ms + row.wait_ms).sort((a, b) => a - b);
    return `p50 ${quantile(walls, 0.5)} ms  p99 ${quantile(walls, 0.99)} ms  workers ${new Set(rows.map((row) => row.worker_pid)).size}  cold starts ${rows.filter((row) => row.cold_start).length}`;
  };
  report(`Click redirect at a fixed ${rate} requests/s for ${durationSeconds} s through the gateway and functions host (latency from when each request left)`, '');
  report('  email-tracking /c/<signed link> (302 to the registered URL, click event recorded)', fixedLine(clicks));
  report('  baseline: static 302 function on the same host', fixedLine(baseline));
  report('  inside the functions host (wait + wall), clicks', inHost(logFrom, logMid, 'email-tracking'));
  report('  inside the functions host (wait + wall), static 302', inHost(logMid, logEnd, 'static-redirect'));
  report('  CPU ms per request by part, clicks', cpuPerRequest(cpu0, cpu1, clicks.answered));
  report('  CPU ms per request by part, static 302', cpuPerRequest(cpu1, cpu2, baseline.answered));
  report('  the machine during each run, clicks / static 302', `${machineLoad(machine0, machine1)} / ${machineLoad(machine1, machine2)}`);
  report('  ratio p50 / p99 (aim ≤ 2×)', `${ratio(clicks.p50, baseline.p50)} / ${ratio(clicks.p99, baseline.p99)}`);
  report(`  for comparison, autocannon at ${rate}/s (20 connections, each sending its share of a second back to back)`, '');
  report('    email-tracking', burstLine(clickBursts));
  report('    static 302', burstLine(baselineBursts));
  report('    ratio p50 / p99', `${(clickBursts.latency.p50 / Math.max(baselineBursts.latency.p50, 1)).toFixed(2)}× / ${(clickBursts.latency.p99 / Math.max(baselineBursts.latency.p99, 1)).toFixed(2)}×`);
  // Backends flush their counters within a second of going idle; the baseline run gave them 20.
  const { rows: [grouping] } = await db.query<{ calls: number }>(
    `select coalesce(sum(calls), 0)::int as calls from pg_stat_user_functions where schemaname = 'mtrk' and funcname = 'track_clicks'`,
  );
  await db.query('alter system reset track_functions');
  await db.query('select pg_reload_conf()');
  // Clicks reach mtrk.events and the aggregates off the request path (migration 20261210000100): what
  // the requests left queued, folded now as the minute job would, then the campaign's total checked
  // against the log.
  const foldStarted = performance.now();
  const { rows: [left] } = await db.query<{ n: number }>('select mtrk.fold_pending_events(1000000) as n');
  const foldMs = performance.now() - foldStarted;
  const { rows: [totals] } = await db.query<{ clicks: number; events: number }>(
    `select m.clicks + m.machine_clicks as clicks,
            (select count(*)::int from mtrk.events e where e.campaign_id = m.campaign_id and e.type = 'click') as events
     from mtrk.campaign_metrics m join mtrk.campaigns c on c.id = m.campaign_id where c.name = 'generated' and c.subject = 'Bench'`,
  );
  const { rows: [recorded] } = await db.query<{ n: number }>(
    `select count(*)::int as n from mtrk.events e join mtrk.campaigns c on c.id = e.campaign_id where c.name = 'generated' and c.subject = 'Bench' and e.type = 'click'`,
  );
  report('  click events recorded', recorded.n.toLocaleString('en-US'));
  report('  statements that recorded them (mtrk.track_clicks calls; clicks per statement)',
    `${grouping.calls.toLocaleString('en-US')} (${(recorded.n / Math.max(grouping.calls, 1)).toFixed(2)})`);
  report('  left queued by the requests, folded after the run', `${left.n.toLocaleString('en-US')} events in ${Math.round(foldMs)} ms`);
  if (totals.clicks !== totals.events) throw new Error(`campaign counts ${totals.clicks} clicks for ${totals.events} click events`);
  report('  campaign clicks after the fold = click events', totals.clicks.toLocaleString('en-US'));
  // The same two, each served by Deno.serve alone (one isolate, no gateway or host in front).
  const alonePaths = clickPaths.map((path) => path.replace('/functions/v1', ''));
  const clickAlone = await serveAlone(stack, 'email-tracking');
  const staticAlone = await serveAlone(stack, 'static-redirect');
  try {
    await fire(clickAlone.origin, alonePaths, headers, 50, 3);
    await fire(staticAlone.origin, ['/static-redirect'], headers, 50, 3);
    const clicksAlone = await fireAtFixedRate({ origin: clickAlone.origin, paths: alonePaths, headers, rate, durationSeconds });
    const baselineAlone = await fireAtFixedRate({ origin: staticAlone.origin, paths: ['/static-redirect'], headers, rate, durationSeconds });
    report('  email-tracking served by Deno.serve alone', fixedLine(clicksAlone));
    report('  baseline: static 302 served by Deno.serve alone', fixedLine(baselineAlone));
    report('  ratio alone p50 / p99', `${ratio(clicksAlone.p50, baselineAlone.p50)} / ${ratio(clicksAlone.p99, baselineAlone.p99)}`);
  } finally {
    clickAlone.stop();
    staticAlone.stop();
  }
}

export async function benchEmail(
  stack: RunningStack,
  db: pg.Client,
  report: Report,
  options: { contacts: number; clickRate: number; clickSeconds: number },
): Promise<void> {
  await benchGeneration(db, report, options.contacts);
  await benchClicks(stack, db, report, options.clickRate, options.clickSeconds);
}

