// End-to-end: the Meta Ads page in headless Chromium against the served console, the stack and the
// sandbox's Graph stand-ins. The demo admin sees the demo profile and its ad accounts, adds a second
// Facebook profile through the OAuth round trip (console → sandbox dialog → console callback →
// meta-oauth), sees the accounts of both merged, picks a dataset in the modal, switches tracking on,
// and reads ROI (totals equal to the synced spend, a chart, the level filter, the UTM template); a
// viewer reads the ROI and changes nothing.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pauseCron, resumeCron } from '../../supabase/functions/_shared/testing/cron.ts';
import { fullPageScreenshot, launchChromium, openContext, openPage, signIn, type ConsoleUser } from './browser.ts';

const CONSOLE_URL = process.env.CONSOLE_URL?.replace(/\/+$/, '');
const DB_URL = process.env.DB_URL;
const SANDBOX_URL = process.env.SANDBOX_URL;
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const DEMO_ADMIN: ConsoleUser = { email: 'admin@demo.rastro.local', password: 'demo-admin-pass' };
const DEMO_VIEWER: ConsoleUser = { email: 'viewer@demo.rastro.local', password: 'demo-viewer-pass' };
const VIVIANE = { id: '10000000000002', name: 'Viviane Borges' };

async function sandboxLogin(fbUserId: string): Promise<void> {
	const res = await fetch(`${SANDBOX_URL}/__sandbox/platforms/meta/login`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ fb_user_id: fbUserId })
	});
	if (!res.ok) throw new Error(`sandbox login: ${res.status} ${await res.text()}`);
}

describe.skipIf(!CONSOLE_URL || !DB_URL || !SANDBOX_URL)('meta ads page', () => {
	let browser: Browser;
	let context: BrowserContext;
	let page: Page;
	let db: pg.Client;
	const open = (path: string) => openPage(page, CONSOLE_URL!, path);
	const accountRow = (id: string) => page.locator(`[data-testid="meta-account"][data-account="${id}"]`);

	beforeAll(async () => {
		mkdirSync(RESULTS, { recursive: true });
		db = new pg.Client({ connectionString: DB_URL });
		await db.connect();
		// The daily insights sync would change the spend between the tests' reading it and the page's.
		await pauseCron(db, ['meta-insights-sync'], ['meta-sync-worker']);
		// Viviane is this suite's second profile: start without her.
		await db.query(
			`delete from core_marketing.meta_connections
			 where fb_user_id = $1 and company_id = (select id from core.companies where slug = 'demo-rastro')`,
			[VIVIANE.id]
		);
		browser = await launchChromium();
	});
	afterAll(async () => {
		await browser?.close();
		if (db) await resumeCron(db, ['meta-insights-sync']);
		await db?.end();
	});
	beforeEach(async () => {
		({ context, page } = await openContext(browser, 15_000));
	});
	afterEach(async () => {
		await context?.close();
	});

	it('admin: adds a second profile by OAuth, accounts merged, dataset modal, tracking switch, ROI', async () => {
		await signIn(page, CONSOLE_URL!, DEMO_ADMIN);
		await open('/meta-ads');
		const profiles = page.getByTestId('meta-profile');
		expect(await profiles.allInnerTexts()).toEqual([expect.stringContaining('Thiago Gontijo')]);
		expect(await accountRow('act_2000000001').count()).toBe(0);
		await fullPageScreenshot(page, `${RESULTS}meta-ads-before.png`);

		await sandboxLogin(VIVIANE.id);
		await page.getByTestId('meta-add-profile').click();
		await page.waitForURL((url) => url.pathname === '/meta-ads' && url.searchParams.has('connected'));
		await page.waitForLoadState('networkidle');
		expect(await page.getByTestId('meta-connected').innerText()).toBe(`Profile ${VIVIANE.name} connected.`);
		expect((await profiles.allInnerTexts()).map((t) => t.split('\t')[0].trim()).sort()).toEqual(['Thiago Gontijo', VIVIANE.name]);
		expect(await accountRow('act_2000000001').innerText()).toContain(VIVIANE.name);
		const shared = await accountRow('act_1000000003').innerText();
		expect(shared).toContain('Thiago Gontijo');
		expect(shared).toContain(VIVIANE.name);
		const { rows: [stored] } = await db.query(
			`select status, access_token_ciphertext is not null as sealed from core_marketing.meta_connections
			 where fb_user_id = $1 and company_id = (select id from core.companies where slug = 'demo-rastro')`,
			[VIVIANE.id]
		);
		expect(stored).toEqual({ status: 'ACTIVE', sealed: true });

		await accountRow('act_1000000001').getByTestId('meta-pick-pixel').click();
		await page.waitForLoadState('networkidle');
		const modal = page.getByTestId('meta-pixel-modal');
		expect(await modal.innerText()).toContain('Pixel Principal');
		await modal.getByLabel(/Pixel Principal/).check();
		await fullPageScreenshot(page, `${RESULTS}meta-ads-pixel-modal.png`);
		await modal.getByTestId('meta-save-pixel').click();
		await expect.poll(() => page.getByTestId('meta-message').innerText()).toBe('Tracking Prof Didática — Principal (dataset: Pixel Principal).');

		await open('/meta-ads');
		const toggle = accountRow('act_2000000001').getByTestId('meta-toggle');
		expect(await toggle.getAttribute('aria-checked')).toBe('false');
		await toggle.click();
		await expect.poll(() => page.getByTestId('meta-message').innerText()).toBe('Tracking Viviane — Lançamentos (dataset: no dataset).');
		expect(await accountRow('act_2000000001').getByTestId('meta-toggle').getAttribute('aria-checked')).toBe('true');
		const { rows: [tracked] } = await db.query(
			`select is_active, connection_id = (select id from core_marketing.meta_connections where fb_user_id = $1 and company_id = a.company_id) as hers
			 from core_marketing.meta_ad_accounts a where ad_account_id = 'act_2000000001'
			   and company_id = (select id from core.companies where slug = 'demo-rastro')`,
			[VIVIANE.id]
		);
		expect(tracked).toEqual({ is_active: true, hers: true });

		// ROI over a fixed range: the totals equal the spend synced for the demo company.
		const to = new Date().toISOString().slice(0, 10);
		const from = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
		const { rows: [spent] } = await db.query(
			`select coalesce(sum(spend), 0)::numeric(14, 2)::text as spend, count(distinct m.campaign_id)::int as campaigns
			 from core_marketing.meta_ad_insights i
			 join core_marketing.meta_ads m on m.company_id = i.company_id and m.ad_id = i.ad_id
			 where i.company_id = (select id from core.companies where slug = 'demo-rastro') and i.day between $1 and $2`,
			[from, to]
		);
		expect(spent.campaigns).toBeGreaterThan(0);
		await open(`/meta-ads?from=${from}&to=${to}&level=campaign`);
		expect(await page.getByTestId('meta-total-spend').getAttribute('data-value')).toBe(spent.spend);
		expect(await page.getByTestId('meta-roi-row').count()).toBeGreaterThanOrEqual(spent.campaigns);
		expect(await page.getByTestId('meta-roi-chart').locator('svg').count()).toBeGreaterThan(0);
		expect(await page.getByTestId('meta-utm-value').innerText()).toContain('utm_term={{ad.id}}');
		await fullPageScreenshot(page, `${RESULTS}meta-ads-roi.png`);
		await page.getByTestId('meta-roi-filters').getByLabel('Level').selectOption('ad');
		await page.getByTestId('meta-roi-filters').getByRole('button', { name: 'Apply' }).click();
		await page.waitForURL((url) => url.searchParams.get('level') === 'ad');
		expect(await page.getByTestId('meta-roi-table').innerText()).toContain('Anúncio 1 — Leads WhatsApp');
	}, 120_000);

	it('ROI table in pages of 50: totals over every row, level kept, a page past the last goes back to the first', async () => {
		// 60 more ads with spend today, so the ad level has more rows than one page.
		const { rows: [account] } = await db.query(
			`select a.id, a.company_id, a.ad_account_id from core_marketing.meta_ad_accounts a
			 join core.companies c on c.id = a.company_id where c.slug = 'demo-rastro' order by a.ad_account_id limit 1`
		);
		await db.query(
			`insert into core_marketing.meta_ads (company_id, ad_id, ad_name, adset_id, adset_name, campaign_id, campaign_name, account_id)
			 select $1, (990000000000 + g)::text, 'E2E ad ' || g, '990000000001', 'E2E ad set', '990000000002', 'E2E campaign', regexp_replace($2, '^act_', '')
			 from generate_series(1, 60) g`,
			[account.company_id, account.ad_account_id]
		);
		await db.query(
			`insert into core_marketing.meta_ad_insights (company_id, ad_id, day, meta_ad_account_id, adset_id, campaign_id, spend, impressions, clicks, currency)
			 select $1, (990000000000 + g)::text, current_date, $2, '990000000001', '990000000002', g, 100 * g, g, 'BRL'
			 from generate_series(1, 60) g`,
			[account.company_id, account.id]
		);
		try {
			const to = new Date().toISOString().slice(0, 10);
			const from = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
			const { rows: [all] } = await db.query(
				`select coalesce(sum(spend), 0)::numeric(14, 2)::text as spend, count(distinct ad_id)::int as ads
				 from core_marketing.meta_ad_insights where company_id = $1 and day between $2 and $3`,
				[account.company_id, from, to]
			);
			expect(all.ads).toBeGreaterThan(50);
			await signIn(page, CONSOLE_URL!, DEMO_ADMIN);
			await open(`/meta-ads?from=${from}&to=${to}&level=ad`);
			expect(await page.getByTestId('meta-roi-row').count()).toBe(50);
			const range = await page.getByRole('navigation', { name: 'Pages' }).innerText();
			expect(range).toMatch(/Showing 1–50 of [\d,]+ rows/);
			const total = Number(/of ([\d,]+)/.exec(range)![1].replace(/,/g, ''));
			expect(total).toBeGreaterThanOrEqual(all.ads);
			expect(await page.getByTestId('meta-total-spend').getAttribute('data-value')).toBe(all.spend);
			await page.getByRole('link', { name: 'Next' }).click();
			await page.waitForURL((url) => url.searchParams.get('page') === '2');
			expect(new URL(page.url()).searchParams.get('level')).toBe('ad');
			expect(await page.getByTestId('meta-roi-row').count()).toBe(Math.min(50, total - 50));
			expect(await page.getByTestId('meta-total-spend').getAttribute('data-value')).toBe(all.spend);
			await open(`/meta-ads?from=${from}&to=${to}&level=ad&page=999`);
			const back = new URL(page.url());
			expect(back.searchParams.get('page')).toBeNull();
			expect(back.searchParams.get('level')).toBe('ad');
			expect(await page.getByTestId('meta-roi-row').count()).toBe(50);
		} finally {
			await db.query(`delete from core_marketing.meta_ad_insights where company_id = $1 and ad_id like '99000000%'`, [account.company_id]);
			await db.query(`delete from core_marketing.meta_ads where company_id = $1 and ad_id like '99000000%'`, [account.company_id]);
		}
	}, 120_000);

	it('admin: disconnects a profile after confirming; its row and its settings go', async () => {
		const { rows: [gone] } = await db.query(
			`insert into core_marketing.meta_connections (company_id, fb_user_id, fb_user_name, status, status_message)
			 select id, '10000000009999', 'Perfil E2E Antigo', 'EXPIRED', 'The token expired; reconnect the profile' from core.companies where slug = 'demo-rastro'
			 returning id`
		);
		await signIn(page, CONSOLE_URL!, DEMO_ADMIN);
		await open('/meta-ads');
		const row = page.getByTestId('meta-profile').filter({ hasText: 'Perfil E2E Antigo' });
		await row.getByTestId('meta-disconnect').locator('summary').click();
		await row.getByRole('button', { name: 'Disconnect', exact: true }).click();
		await expect.poll(() => page.getByTestId('meta-message').textContent()).toContain('Perfil E2E Antigo disconnected');
		expect(await page.getByTestId('meta-profile').filter({ hasText: 'Perfil E2E Antigo' }).count()).toBe(0);
		expect((await db.query('select 1 from core_marketing.meta_connections where id = $1', [gone.id])).rowCount).toBe(0);
		expect(await page.getByTestId('meta-profile').filter({ hasText: VIVIANE.name }).count()).toBe(1);
	}, 60_000);

	it('viewer: reads profiles and ROI, changes nothing', async () => {
		await signIn(page, CONSOLE_URL!, DEMO_VIEWER);
		await open('/meta-ads');
		expect(await page.getByTestId('meta-profile').count()).toBeGreaterThan(0);
		expect(await page.getByTestId('meta-add-profile').count()).toBe(0);
		expect(await page.getByTestId('meta-disconnect').count()).toBe(0);
		expect(await page.getByTestId('meta-accounts').count()).toBe(0);
		expect(await page.getByTestId('meta-roi-table').count()).toBe(1);
		await fullPageScreenshot(page, `${RESULTS}meta-ads-viewer.png`);
	}, 60_000);
});
