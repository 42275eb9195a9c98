// End-to-end web tracking: the demo landing site (scripts/demo-site.ts) with the real snippet, in
// headless Chromium, against the local stack's track and lead-capture functions. A visitor arrives
// from a Facebook ad, browses, clicks a tracked button and fills in the form; the database must hold
// the session, the touch with that fbclid and a well-formed fbc, and one lead tied to both.
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoSite, type DemoSite } from '../../scripts/demo-site.ts';
import { freePort } from '../../packages/local-stack/src/ports.ts';
import { eventually } from './wait.ts';
import { launchChromium } from './browser.ts';

const API_URL = process.env.API_URL?.replace(/\/+$/, '');
const DB_URL = process.env.DB_URL;
const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
/** A desktop Chrome: the headless build says "HeadlessChrome", which track rightly drops as a bot. Set on the
 * command line, not per context: beacons sent after a page is gone do not carry a context's override. */
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

describe.skipIf(!API_URL || !DB_URL)('web tracking on the demo landing site', () => {
	let db: pg.Client;
	let browser: Browser;
	let site: DemoSite;
	let domainId: string;
	let siteKey: string;

	beforeAll(async () => {
		db = new pg.Client({ connectionString: DB_URL });
		await db.connect();
		const port = await freePort();
		const origin = `http://127.0.0.1:${port}`;
		const { rows: [domain] } = await db.query(
			`with site as (
			   insert into lead.domains (company_id, domain_name, domain_url, allowed_origins)
			   select id, $2, $1, array[$1] from core.companies where slug = 'demo-rastro' returning id, company_id, site_key
			 ), pages as (
			   insert into lead.landing_pages (company_id, domain_id, page_url, page_name, page_variant, is_control, ab_test_id)
			   select company_id, id, $1 || p.path, p.name, p.variant, p.control, p.test
			   from site, (values ('/a', 'A', 'A', true, $3::uuid), ('/b', 'B', 'B', false, $3::uuid), ('/precos', 'Preços', null, false, null))
			        as p (path, name, variant, control, test)
			 )
			 select id, site_key from site`,
			[origin, `E2E landing ${RUN}`, crypto.randomUUID()],
		);
		domainId = domain.id;
		siteKey = domain.site_key;
		site = await startDemoSite({ port, siteKey: domain.site_key, functionsUrl: `${API_URL}/functions/v1` });
		browser = await launchChromium([`--user-agent=${USER_AGENT}`]);
	});

	afterAll(async () => {
		await browser?.close();
		await site?.close();
		await db?.end();
	});

	it('an ad click, a visit and a form become one session, one touch with fbclid and fbc, and one lead', async () => {
		const context = await browser.newContext({ userAgent: USER_AGENT, viewport: { width: 1280, height: 800 } });
		context.setDefaultTimeout(15_000);
		const page = await context.newPage();
		await page.goto(`${site.url}/?utm_source=facebook&utm_medium=cpc&utm_campaign=bf&fbclid=ABC`);
		await expect.poll(() => new URL(page.url()).pathname, { timeout: 15_000 }).toMatch(/^\/(a|b)$/);
		const variant = new URL(page.url()).pathname.slice(1);

		const touch = await eventually('the landing touch', async () => {
			const { rows } = await db.query(
				`select t.id, t.session_id, t.channel, t.utm_source, t.utm_medium, t.utm_campaign, t.fbclid, t.fbc, t.fbp, p.page_variant
				 from lead.utm_touches t left join lead.landing_pages p on p.id = t.page_id where t.domain_id = $1`,
				[domainId],
			);
			return rows[0];
		});
		expect(touch).toMatchObject({ channel: 'paid', utm_source: 'facebook', utm_medium: 'cpc', utm_campaign: 'bf', fbclid: 'ABC', page_variant: variant.toUpperCase() });
		expect(touch.fbc).toMatch(/^fb\.1\.\d{13}\.ABC$/);
		expect(touch.fbp).toMatch(/^fb\.1\.\d{13}\.\d+$/);
		const cookies = Object.fromEntries((await context.cookies(site.url)).map((c) => [c.name, c.value]));
		expect(cookies._fbc).toBe(touch.fbc);
		expect(cookies._rastro_sid.split('.')[0]).toBe(touch.session_id);

		// browse: pricing, a tracked button, back to the landing page (same variant), the form
		await page.getByRole('link', { name: 'Preços' }).click();
		await page.waitForURL(/\/precos$/);
		await page.getByRole('button', { name: 'Escolher o Pro' }).click();
		await page.getByRole('link', { name: 'Início' }).click();
		await page.waitForURL(new RegExp(`/${variant}$`));
		const email = `E2E.${RUN}@Acme-Industria.com.br`;
		await page.getByLabel('Nome').fill('Maria E2E');
		await page.getByLabel('E-mail').fill(email);
		await page.getByLabel('Telefone').fill('+55 11 98765-4321');
		await page.getByRole('button', { name: 'Enviar' }).click();
		await expect.poll(() => page.locator('#lead-form').getAttribute('data-state'), { timeout: 15_000 }).toBe('sent');
		expect(await page.getByRole('status').isVisible()).toBe(true);

		const lead = await eventually('the captured lead', async () => {
			const { rows } = await db.query(
				`select id, origin, session_id, email_hash, phone_hash, first_touch_id, last_touch_id, utm_source, fbclid, is_business_email
				 from lead.leads where lower(email) = lower($1)`,
				[email],
			);
			return rows[0];
		});
		const sha = (value: string) => createHash('sha256').update(value).digest('hex');
		expect(lead).toMatchObject({
			origin: 'form', session_id: touch.session_id, first_touch_id: touch.id, last_touch_id: touch.id, utm_source: 'facebook', fbclid: 'ABC',
			email_hash: sha(email.toLowerCase()), phone_hash: sha('5511987654321'), is_business_email: true,
		});
		const { rows: [{ leads }] } = await db.query(`select count(*)::int as leads from lead.leads where lower(email) = lower($1)`, [email]);
		expect(leads).toBe(1);

		await page.close(); // the last page's leave goes out as a beacon
		const session = await eventually('the session with every page and the click', async () => {
			const { rows: [s] } = await db.query(
				`select s.converted, s.lead_id, s.device, s.browser, s.total_page_views,
				        (select array_agg(v.page_path order by v.view_order) from lead.page_views v where v.company_id = s.company_id and v.session_id = s.id) as paths,
				        (select array_agg(e.event_type || ':' || coalesce(e.event_action, '') order by e.created_at, e.event_type) from lead.web_events e
				          where e.company_id = s.company_id and e.session_id = s.id and e.event_type in ('click', 'form_submit')) as events,
				        (select count(*)::int from lead.page_views v where v.company_id = s.company_id and v.session_id = s.id and v.time_on_page is not null) as timed
				 from lead.sessions s where s.domain_id = $1 and s.id = $2`,
				[domainId, touch.session_id],
			);
			return s && s.timed >= 2 && s.events?.length >= 2 ? s : undefined;
		});
		expect(session).toMatchObject({ converted: true, lead_id: lead.id, device: 'desktop', browser: 'Chrome', total_page_views: 3 });
		expect(session.paths).toEqual([`/${variant}`, '/precos', `/${variant}`]);
		expect(session.events).toEqual(expect.arrayContaining(['click:plan_select', `form_submit:hero-${variant}`]));
		const { rows: [{ touches }] } = await db.query(`select count(*)::int as touches from lead.utm_touches where domain_id = $1`, [domainId]);
		expect(touches).toBe(1);
		await context.close();
	}, 120_000);

	it('sends nothing before consent, or at all under Global Privacy Control when the site honours it', async () => {
		// the demo site's toggles put data-consent="required" / data-gpc="respect" on its snippet
		const viewsOf = async (marker: string) =>
			Number((await db.query(`select count(*) from lead.page_views where domain_id = $1 and page_url like $2`, [domainId, `%${marker}%`])).rows[0].count);

		const context = await browser.newContext();
		const page = await context.newPage();
		await page.goto(`${site.url}/precos?rastro_consent=required`);
		await page.getByRole('button', { name: 'Escolher o Pro' }).click();
		await page.waitForTimeout(3000); // longer than the snippet's 2 s batch timer
		expect(await viewsOf('rastro_consent')).toBe(0);
		expect((await context.cookies(site.url)).map((c) => c.name).filter((n) => n.startsWith('_rastro') || n.startsWith('_fb'))).toEqual([]);
		await page.evaluate(() => (window as unknown as { rastro: { consent(granted: boolean): void } }).rastro.consent(true));
		await eventually('the page view after consent', async () => ((await viewsOf('rastro_consent')) === 1 ? true : undefined));

		const gpc = await browser.newContext();
		await gpc.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }));
		const gpcPage = await gpc.newPage();
		await gpcPage.goto(`${site.url}/precos?rastro_gpc=respect&run=gpc`);
		await gpcPage.getByRole('button', { name: 'Escolher o Pro' }).click();
		await gpcPage.waitForTimeout(3000);
		await gpcPage.close();
		expect(await viewsOf('run=gpc')).toBe(0);
		// the same page without the signal is tracked: the zero above is GPC, not a broken page
		const plain = await context.newPage();
		await plain.goto(`${site.url}/precos?rastro_gpc=respect&run=plain`);
		await eventually('the page view without GPC', async () => ((await viewsOf('run=plain')) === 1 ? true : undefined));
		await context.close();
		await gpc.close();
	}, 60_000);
});
