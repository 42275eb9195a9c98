// End-to-end e-mail campaign in headless Chromium against the local stack: an admin adds an address to
// the demo audience, creates a campaign whose CTA points at a tracked landing page (the demo site with
// the real snippet), generates and sends it through real SMTP to a local sink (smtp-server on
// SMTP_SINK_PORT, where npm test points the functions' SMTP settings), opens the received message's
// tracked link (redirected with mid), fills in the landing form (the lead is attributed to the
// campaign), uses the one-click unsubscribe (the contact is left out of the next campaign) and reads
// the numbers on the dashboard.
import { simpleParser } from 'mailparser';
import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoSite, type DemoSite } from '../../scripts/demo-site.ts';
import { demoAudienceName } from '../../scripts/seed-demo-email.ts';
import { freePort } from '../../packages/local-stack/src/ports.ts';
import { eventually } from './wait.ts';
import { launchChromium, openPage, signIn } from './browser.ts';

const CONSOLE_URL = process.env.CONSOLE_URL?.replace(/\/+$/, '');
const API_URL = process.env.API_URL?.replace(/\/+$/, '');
const DB_URL = process.env.DB_URL;
const SMTP_SINK_PORT = Number(process.env.SMTP_SINK_PORT ?? 0);
const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
/** Sending, delivery and attribution run through queues and cron kicks: a loaded machine needs a minute. */
const slow = { timeoutMs: 60_000, intervalMs: 300 };
const ADMIN = { email: 'admin@demo.rastro.local', password: 'demo-admin-pass' };
/** A desktop Chrome: "HeadlessChrome" is rightly counted as a machine by email-tracking and track. */
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

type Mail = { to: string; html: string; headers: string };

function startSink(port: number): Promise<{ received: Mail[]; close: () => Promise<void> }> {
	const received: Mail[] = [];
	const server = new SMTPServer({
		authOptional: true,
		disabledCommands: ['STARTTLS', 'AUTH'],
		logger: false,
		onData(stream, session, callback) {
			const chunks: Buffer[] = [];
			stream.on('data', (chunk: Buffer) => chunks.push(chunk));
			stream.on('end', async () => {
				const raw = Buffer.concat(chunks).toString('utf8');
				const parsed = await simpleParser(raw);
				received.push({
					to: session.envelope.rcptTo[0]?.address ?? '',
					html: typeof parsed.html === 'string' ? parsed.html : '',
					headers: raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ')
				});
				callback();
			});
		}
	});
	return new Promise((resolve, reject) => {
		server.on('error', reject);
		server.listen(port, '127.0.0.1', () => resolve({ received, close: () => new Promise<void>((done) => server.close(() => done())) }));
	});
}

describe.skipIf(!CONSOLE_URL || !API_URL || !DB_URL || !SMTP_SINK_PORT)('e-mail campaign end to end', () => {
	let db: pg.Client;
	let browser: Browser;
	let context: BrowserContext;
	let page: Page;
	let site: DemoSite;
	let sink: Awaited<ReturnType<typeof startSink>>;

	beforeAll(async () => {
		db = new pg.Client({ connectionString: DB_URL });
		await db.connect();
		sink = await startSink(SMTP_SINK_PORT);
		const port = await freePort();
		const origin = `http://127.0.0.1:${port}`;
		const { rows: [domain] } = await db.query(
			`with site as (
			   insert into lead.domains (company_id, domain_name, domain_url, allowed_origins)
			   select id, $2, $1, array[$1] from core.companies where slug = 'demo-rastro' returning id, company_id, site_key
			 ), pages as (
			   insert into lead.landing_pages (company_id, domain_id, page_url, page_name)
			   select company_id, id, $1 || '/a', 'E-mail landing' from site
			 )
			 select id, site_key from site`,
			[origin, `E-mail e2e ${RUN}`]
		);
		site = await startDemoSite({ port, siteKey: domain.site_key, functionsUrl: `${API_URL}/functions/v1` });
		browser = await launchChromium([`--user-agent=${USER_AGENT}`]);
		context = await browser.newContext({ userAgent: USER_AGENT, viewport: { width: 1360, height: 900 } });
		context.setDefaultTimeout(15_000);
		page = await context.newPage();
	}, 60_000);

	afterAll(async () => {
		await browser?.close();
		await site?.close();
		await sink?.close();
		await db?.end();
	});

	it('create, generate, send over SMTP, click, capture a lead, unsubscribe in one click, see the numbers', async () => {
		const person = `e2e.${RUN}@example.com`;
		await signIn(page, CONSOLE_URL!, ADMIN);

		// The demo audience gets one more address.
		await openPage(page, CONSOLE_URL!, '/email/audiences');
		const row = page.getByTestId(`audience-${demoAudienceName}`);
		await row.getByLabel('E-mail addresses (one per line)').fill(person);
		await row.getByRole('button', { name: 'Add addresses' }).click();
		await expect.poll(() => page.getByRole('status').textContent()).toContain('1 addresses added');
		// Earlier runs on the same stack leave unsubscribed members behind: count who can still receive.
		const { rows: [{ members }] } = await db.query(
			`select count(*)::int as members from mtrk.audience_contacts ac join mtrk.audiences a on a.id = ac.audience_id
			 join mtrk.contacts c on c.id = ac.contact_id
			 where a.name = $1 and c.status = 'active'
			   and not exists (select 1 from mtrk.unsubscribes u where u.contact_id = c.id and u.scope = 'global')
			   and not exists (select 1 from ops.suppression_list s where s.company_id = c.company_id and lower(s.email) = lower(c.email))`,
			[demoAudienceName]
		);

		// A campaign whose CTA is the tracked landing page.
		await openPage(page, CONSOLE_URL!, '/email/campaigns/new');
		await page.getByLabel('Campaign', { exact: true }).fill(`E2E ${RUN}`);
		await page.getByLabel('Subject').fill(`Novidades ${RUN}`);
		await page.getByLabel('Sender name').fill('Demo Rastro');
		await page.getByLabel('Sender e-mail').fill('news@demo.rastro.local');
		await page.getByLabel('Content (HTML)').fill(`<html><body><p>Olá!</p><a href="${site.url}/a">Quero saber mais</a></body></html>`);
		await page.getByRole('checkbox', { name: demoAudienceName }).check();
		await page.getByRole('button', { name: 'Create campaign' }).click();
		await page.waitForURL(/\/email\/campaigns\/[0-9a-f-]{36}$/);
		const campaignId = page.url().split('/').at(-1)!;
		await expect.poll(() => page.getByTestId('eligible-count').textContent()).toContain(`${members} contacts are eligible`);

		await page.getByRole('button', { name: 'Generate messages' }).click();
		await expect.poll(() => page.getByRole('status').textContent()).toContain(`${members} messages and ${members} tracked links generated`);
		await page.getByRole('button', { name: 'Send (SMTP)' }).click();
		await expect.poll(() => page.getByRole('status').textContent()).toContain('Sending started');

		const mail = await eventually('the message in the SMTP sink', async () => sink.received.find((m) => m.to === person), slow);
		await eventually('every message of the campaign sent', async () => {
			const { rows: [c] } = await db.query(`select status from mtrk.campaigns where id = $1`, [campaignId]);
			return c.status === 'sent' ? true : undefined;
		}, slow);
		expect(sink.received.filter((m) => m.to === person)).toHaveLength(1);
		expect(mail.headers).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
		const oneClick = /^List-Unsubscribe: <([^>]+)>$/m.exec(mail.headers)?.[1];
		expect(oneClick).toMatch(/\/functions\/v1\/email-tracking\/u\/[A-Za-z0-9_-]{54}$/);
		const tracked = /href="([^"]+\/email-tracking\/c\/[A-Za-z0-9_-]{54})"/.exec(mail.html)?.[1];
		expect(tracked, 'the CTA is a tracked link').toBeTruthy();
		expect(mail.html).not.toContain(`href="${site.url}/a"`);

		// A click within 10 s of sending counts as a scanner (decision 0012): a person reads first.
		await new Promise((r) => setTimeout(r, 11_000));
		const landing = await context.newPage();
		await landing.goto(tracked!);
		const landed = new URL(landing.url());
		expect(`${landed.origin}${landed.pathname}`).toBe(`${site.url}/a`);
		const mid = landed.searchParams.get('mid')!;
		const { rows: [message] } = await db.query(
			`select m.id, m.public_id from mtrk.messages m join mtrk.contacts c on c.id = m.contact_id where m.campaign_id = $1 and c.email = $2`,
			[campaignId, person]
		);
		expect(mid.slice(0, 32)).toBe(message.public_id.replaceAll('-', ''));
		expect(landed.searchParams.get('utm_source')).toBe('email');

		// The landing form: the lead carries the mid and is attributed to the campaign.
		const leadEmail = `lead.${RUN}@acme-industria.com.br`;
		await landing.getByLabel('Nome').fill('Pessoa E2E');
		await landing.getByLabel('E-mail').fill(leadEmail);
		await landing.getByLabel('Telefone').fill('+55 11 98765-4321');
		await landing.getByRole('button', { name: 'Enviar' }).click();
		const attribution = await eventually('the attributed lead', async () => {
			const { rows } = await db.query(
				`select l.email_mid, a.campaign_id, a.message_id::text from lead.leads l join mtrk.lead_attributions a on a.lead_id = l.id
				 where lower(l.email) = lower($1)`,
				[leadEmail]
			);
			return rows[0];
		}, slow);
		expect(attribution).toEqual({ email_mid: mid, campaign_id: campaignId, message_id: String(message.id) });

		// One-click unsubscribe as a mail client sends it (RFC 8058), then the public page says so.
		const res = await fetch(oneClick!, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
		expect(res.status).toBe(200);
		const pageLink = /href="([^"]+\/unsubscribe\/[A-Za-z0-9_-]{54})"/.exec(mail.html)?.[1];
		const anonymous = await browser.newContext({ userAgent: USER_AGENT });
		const unsubscribePage = await anonymous.newPage();
		await unsubscribePage.goto(pageLink!.replace(/^https?:\/\/[^/]+/, CONSOLE_URL!));
		expect(new URL(unsubscribePage.url()).pathname).toMatch(/^\/unsubscribe\//);
		expect(await unsubscribePage.getByTestId('unsubscribe-done').textContent()).toContain('already unsubscribed');
		await anonymous.close();

		// The next campaign to the same audience leaves the unsubscriber out.
		const { rows: [next] } = await db.query(
			`insert into mtrk.campaigns (company_id, name, subject, html_content, sender_name, sender_email)
			 select company_id, $2, 'S', html_content, sender_name, sender_email from mtrk.campaigns where id = $1 returning id`,
			[campaignId, `E2E next ${RUN}`]
		);
		await db.query(`insert into mtrk.campaign_audiences select company_id, $2, audience_id from mtrk.campaign_audiences where campaign_id = $1`, [campaignId, next.id]);
		await openPage(page, CONSOLE_URL!, `/email/campaigns/${next.id}`);
		await page.getByRole('button', { name: 'Generate messages' }).click();
		await expect.poll(() => page.getByRole('status').textContent()).toContain(`${members - 1} messages`);
		const { rows: left } = await db.query(
			`select 1 from mtrk.messages m join mtrk.contacts c on c.id = m.contact_id where m.campaign_id = $1 and c.email = $2`,
			[next.id, person]
		);
		expect(left).toHaveLength(0);

		// The dashboard of the first campaign. The click may still wait in mtrk.pending_events (the
		// function asks for a fold after answering, at most every 0.5 s); run the minute job's fold now,
		// after any fold still running (the fold's try-lock would otherwise make ours return 0).
		await db.query(`do $$ begin perform pg_advisory_xact_lock(hashtext('mtrk.fold_pending_events')); perform mtrk.fold_pending_events(); end $$`);
		await openPage(page, CONSOLE_URL!, `/email/campaigns/${campaignId}`);
		const metric = (id: string) => page.getByTestId(`metric-${id}`).locator('dd').textContent();
		expect(await metric('sent')).toBe(String(members));
		expect(await metric('unique_clicks')).toBe('1');
		expect(await metric('unique_opens')).toBe('1'); // a click is an open, even with images blocked
		expect(await metric('leads')).toBe('1');
		expect(await metric('unsubscribes')).toBe('1');
		expect(await page.getByTestId('cta-ranking').locator('tbody tr').first().textContent()).toContain('Quero saber mais');
		await page.screenshot({ path: `test-results/email-dashboard-${RUN}.png`, fullPage: true });
	}, 180_000);
});
