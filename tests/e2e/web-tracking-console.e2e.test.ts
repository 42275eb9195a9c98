// End-to-end: the web-tracking console pages in headless Chromium against the demo data set (its
// demo landing site, A/B test and 90 days of traffic): sites with their install snippet, adding a site
// and rotating its key, the A/B results, UTM performance with its chart, and a lead's web journey.
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullPageScreenshot, launchChromium, openContext, openPage, signIn } from './browser.ts';

const CONSOLE_URL = process.env.CONSOLE_URL?.replace(/\/+$/, '');
const DB_URL = process.env.DB_URL;
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const ADMIN = { email: 'admin@demo.rastro.local', password: 'demo-admin-pass' };
const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

describe.skipIf(!CONSOLE_URL || !DB_URL)('web tracking console', () => {
	let browser: Browser;
	let db: pg.Client;
	let page: Page;

	beforeAll(async () => {
		browser = await launchChromium();
		db = new pg.Client({ connectionString: DB_URL });
		await db.connect();
	});
	afterAll(async () => {
		await browser?.close();
		await db?.end();
	});

	it('sites, snippet, a new site and its key rotation, A/B results', async () => {
		({ page } = await openContext(browser, 15_000));
		await signIn(page, CONSOLE_URL!, ADMIN);
		await openPage(page, CONSOLE_URL!, '/web-tracking');
		const demo = page.getByRole('article', { name: 'Demo landing' });
		expect(await demo.getByTestId('snippet').inputValue()).toMatch(/data-site-key="rk_[A-Za-z0-9_-]{24}" data-endpoint="http[^"]+\/functions\/v1"/);

		const ab = page.getByTestId('ab-test').first();
		const rows = ab.locator('tbody tr');
		expect(await rows.count()).toBe(2);
		expect(await rows.nth(0).innerText()).toMatch(/control/i);
		expect(await rows.nth(1).locator('td').nth(6).innerText()).toMatch(/^(Yes|No)$/);

		const name = `Site ${RUN}`;
		await page.getByLabel('Name', { exact: true }).fill(name);
		await page.locator('#domain_url').fill(`https://${RUN}.example.com`);
		await page.locator('#allowed_origins').fill(`https://${RUN}.example.com/any/path\nhttps://www.${RUN}.example.com`);
		await page.getByRole('button', { name: 'Add site' }).click();
		await page.waitForLoadState('networkidle');
		const site = page.getByRole('article', { name });
		const before = await site.getByTestId('snippet').inputValue();
		const { rows: [stored] } = await db.query(`select allowed_origins, site_key from lead.domains where domain_name = $1`, [name]);
		expect(stored.allowed_origins).toEqual([`https://${RUN}.example.com`, `https://www.${RUN}.example.com`]);
		expect(before).toContain(stored.site_key);

		await site.getByRole('button', { name: 'Rotate site key' }).click();
		await page.waitForLoadState('networkidle');
		const { rows: [rotated] } = await db.query(`select site_key from lead.domains where domain_name = $1`, [name]);
		expect(rotated.site_key).not.toBe(stored.site_key);
		expect(await page.getByRole('article', { name }).getByTestId('snippet').inputValue()).toContain(rotated.site_key);
		await fullPageScreenshot(page, `${RESULTS}web-tracking.png`);
	}, 120_000);

	it('UTM performance: a chart of sessions and leads and the table under each model', async () => {
		await openPage(page, CONSOLE_URL!, '/web-tracking/utm');
		const chart = page.getByTestId('traffic-chart');
		// two lines (sessions, leads) of one point per day over 90 days, drawn by LayerChart
		const lines = () =>
			chart.locator('svg path').evaluateAll((paths) => paths.filter((p) => (p.getAttribute('d') ?? '').split(/[LC]/).length > 30).length);
		await expect.poll(lines, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
		const table = page.getByTestId('utm-table');
		expect(await table.locator('tbody tr').count()).toBeGreaterThan(5);
		expect(await table.innerText()).toContain('facebook');
		await page.getByLabel('Attribution model').selectOption('first');
		await page.getByRole('button', { name: 'Apply' }).click();
		await page.waitForURL(/model=first/);
		expect(await page.getByTestId('utm-table').locator('tbody tr').count()).toBeGreaterThan(5);
		await fullPageScreenshot(page, `${RESULTS}web-tracking-utm.png`);
		// The demo has more combinations than one page holds: 50 a page, the next keeps the filters.
		expect(await page.getByTestId('utm-table').locator('tbody tr').count()).toBe(50);
		const summary = await page.getByRole('navigation', { name: 'Pages' }).innerText();
		expect(summary).toMatch(/Showing 1–50 of [\d,]+ rows/);
		await page.getByRole('link', { name: 'Next' }).click();
		await page.waitForURL(/page=2/);
		expect(page.url()).toContain('model=first');
		expect(await page.getByTestId('utm-table').locator('tbody tr').count()).toBeGreaterThan(0);
		expect(await page.getByRole('navigation', { name: 'Pages' }).innerText()).toMatch(/Showing 51–/);
		// a page past the last one (the data or the filters changed) goes back to the first, filters kept
		await openPage(page, CONSOLE_URL!, '/web-tracking/utm?model=first&page=999');
		expect(new URL(page.url()).searchParams.get('page')).toBeNull();
		expect(new URL(page.url()).searchParams.get('model')).toBe('first');
		expect(await page.getByTestId('utm-table').locator('tbody tr').count()).toBe(50);
	}, 120_000);

	it('a demo lead shows its web journey in order', async () => {
		const { rows: [lead] } = await db.query(
			`select l.id from lead.leads l join core.companies c on c.id = l.company_id and c.slug = 'demo-rastro'
			 where l.session_id like 'demo-lead-session-%' order by l.created_at desc limit 1`
		);
		expect(lead).toBeDefined();
		await openPage(page, CONSOLE_URL!, `/leads/${lead.id}`);
		const journey = page.getByTestId('journey');
		const items = journey.locator('li');
		expect(await items.count()).toBeGreaterThan(2);
		expect(await items.first().innerText()).toMatch(/Touch/);
		expect(await journey.innerText()).toMatch(/Page 1/);
		const times = await journey.locator('time').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('datetime') ?? ''));
		expect([...times].sort()).toEqual(times);
	}, 60_000);
});
