// End-to-end: the Conversions pages in headless Chromium against the served console and the stack.
// An admin adds a Meta pixel (the token field stays empty after saving: write-only), sends a test event
// that the sandbox accepts (the token becomes "valid"), finds a lead's conversion in the ledger by
// platform, opens its timeline of attempts and retries a failed delivery; a viewer can change nothing.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fullPageScreenshot, launchChromium, openContext, openPage, signIn, type ConsoleUser } from './browser.ts';

const CONSOLE_URL = process.env.CONSOLE_URL?.replace(/\/+$/, '');
const DB_URL = process.env.DB_URL;
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const DEMO_ADMIN: ConsoleUser = { email: 'admin@demo.rastro.local', password: 'demo-admin-pass' };
const DEMO_VIEWER: ConsoleUser = { email: 'viewer@demo.rastro.local', password: 'demo-viewer-pass' };
const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const PIXEL_ID = String(700_000_000_000 + Math.floor(Math.random() * 1e9));
const TOKEN = `EAAB-e2e-${RUN}-token-0123456789`;

describe.skipIf(!CONSOLE_URL || !DB_URL)('conversions pages', () => {
	let browser: Browser;
	let context: BrowserContext;
	let page: Page;
	let db: pg.Client;
	const open = (path: string) => openPage(page, CONSOLE_URL!, path);

	beforeAll(async () => {
		mkdirSync(RESULTS, { recursive: true });
		db = new pg.Client({ connectionString: DB_URL });
		await db.connect();
		browser = await launchChromium();
	});
	afterAll(async () => {
		await db.query(`delete from core_marketing.pixel_configs where pixel_id = $1`, [PIXEL_ID]);
		await browser?.close();
		await db?.end();
	});
	beforeEach(async () => {
		({ context, page } = await openContext(browser, 15_000));
	});
	afterEach(async () => {
		await context?.close();
	});

	it('admin: pixel with write-only token, test event, ledger, timeline, retry', async () => {
		await signIn(page, CONSOLE_URL!, DEMO_ADMIN);
		await open('/conversions/settings');
		const form = page.getByTestId('new-pixel-form');
		await form.getByLabel('Name').fill(`E2E pixel ${RUN}`);
		await form.getByLabel('Pixel (dataset) id').fill(PIXEL_ID);
		await form.getByLabel('Conversions API access token').fill(TOKEN);
		await form.getByRole('button', { name: 'Save pixel' }).click();
		await expect.poll(() => page.getByTestId('settings-message').innerText()).toBe('Saved.');
		const saved = page.getByTestId('pixel-form').and(page.locator(`[data-pixel-id="${PIXEL_ID}"]`));
		await expect.poll(() => saved.getByTestId('token-status').innerText()).toContain('stored, not used yet');
		expect(await saved.getByLabel('Conversions API access token').inputValue()).toBe('');
		expect(await page.content()).not.toContain(TOKEN);

		await saved.getByRole('button', { name: 'Send test event' }).click();
		await expect.poll(() => page.getByTestId('settings-message').innerText()).toBe('Meta accepted the test event.');
		await open('/conversions/settings');
		const again = page.getByTestId('pixel-form').and(page.locator(`[data-pixel-id="${PIXEL_ID}"]`));
		expect(await again.getByTestId('token-status').innerText()).toContain('valid');
		await fullPageScreenshot(page, `${RESULTS}conversions-settings.png`);

		// A lead from a form with an fbclid: its Meta delivery is in the ledger; one failed delivery to retry.
		const { rows: [lead] } = await db.query<{ id: string }>(
			`insert into lead.leads (company_id, name, email, fbclid, origin)
			 select id, 'E2E', $1, 'fbclid-e2e', 'form' from core.companies where slug = 'demo-rastro' returning id`,
			[`e2e-${RUN}@example.com`]
		);
		// The kicked worker sends it first; only a delivery no worker still holds is marked failed, or the
		// worker's own outcome would overwrite the mark (seen once in a full run).
		await expect
			.poll(async () => {
				const { rows } = await db.query<{ status: string }>(
					`select d.status from core_marketing.conversion_deliveries d join core_marketing.conversions v on v.id = d.conversion_id
					 where v.source_id = $1 and d.platform = 'meta'`,
					[lead.id]
				);
				return rows[0]?.status;
			}, { timeout: 60_000 })
			.toMatch(/^(sent|failed)$/);
		const { rows: [delivery] } = await db.query<{ id: string }>(
			`update core_marketing.conversion_deliveries d set status = 'failed', last_error = 'e2e: HTTP 500 x8'
			 from core_marketing.conversions v where v.id = d.conversion_id and v.source_id = $1 and d.platform = 'meta' returning d.id`,
			[lead.id]
		);
		await open('/conversions?platform=meta&status=failed');
		const row = page.getByTestId('delivery-row').filter({ hasText: `lead-${lead.id}` });
		await expect.poll(() => row.count()).toBe(1);
		expect(await row.innerText()).toContain('e2e: HTTP 500 x8');
		await row.getByRole('link', { name: 'Timeline' }).click();
		await page.waitForURL((url) => url.searchParams.get('delivery') === delivery.id);
		await expect.poll(() => page.getByTestId('delivery-timeline').isVisible()).toBe(true);
		await page.getByTestId('delivery-row').filter({ hasText: `lead-${lead.id}` }).getByRole('button', { name: 'Retry' }).click();
		await expect.poll(() => page.getByTestId('conversions-message').innerText()).toContain('1 queued again');
		const { rows: [after] } = await db.query(`select status, attempts from core_marketing.conversion_deliveries where id = $1`, [delivery.id]);
		expect(['pending', 'processing', 'sent']).toContain(after.status);
		expect(await page.getByTestId('match-quality').isVisible()).toBe(true);
		await fullPageScreenshot(page, `${RESULTS}conversions-ledger.png`);
	}, 180_000);

	it('viewer: reads, changes nothing', async () => {
		await signIn(page, CONSOLE_URL!, DEMO_VIEWER);
		await open('/conversions/settings');
		expect(await page.getByTestId('new-pixel-form').getByRole('button', { name: 'Save pixel' }).isDisabled()).toBe(true);
		await open('/conversions?status=failed');
		expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(0);
		expect(await page.getByTestId('replay-form').count()).toBe(0);
	}, 60_000);
});
