// End-to-end: the WhatsApp page in headless Chromium against the served console and the stack (issue 9
// acceptance). An admin adds a Meta dataset (Conversions settings) and links it to the demo WhatsApp
// number; a signed seed-002 webhook from a new contact opens a demo ticket; the admin sees its
// attribution (ctwa_clid, ad), moves it to qualified, then won with a deal value, and the sandbox
// receives LeadSubmitted, then Purchase, as CAPI for Business Messaging events (action_source
// business_messaging, messaging_channel whatsapp, ctwa_clid and the WABA unhashed, value and currency);
// the ticket shows both as sent. A viewer cannot open the module.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hubSignature, seedPayload } from '../../supabase/functions/whatsapp-webhook/payloads.ts';
import { demoWhatsappBusinessAccountId, demoWhatsappPhoneNumberId } from '../../scripts/seed-demo-whatsapp.ts';
import { fullPageScreenshot, launchChromium, openContext, openPage, signIn, type ConsoleUser } from './browser.ts';

const CONSOLE_URL = process.env.CONSOLE_URL?.replace(/\/+$/, '');
const DB_URL = process.env.DB_URL;
const API_URL = process.env.API_URL;
const SANDBOX_URL = process.env.SANDBOX_URL;
const APP_SECRET = process.env.WHATSAPP_APP_SECRET;
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const DEMO_ADMIN: ConsoleUser = { email: 'admin@demo.rastro.local', password: 'demo-admin-pass' };
const DEMO_VIEWER: ConsoleUser = { email: 'viewer@demo.rastro.local', password: 'demo-viewer-pass' };
const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const DATASET_ID = String(800_000_000_000 + Math.floor(Math.random() * 1e9));
const CONTACT = `55119${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
const CTWA_CLID = `AfeDIj2Ewr2X-e2e-${RUN}`;

type MetaEvent = Record<string, unknown> & { event_id: string; event_name: string };

async function metaEvents(): Promise<MetaEvent[]> {
	const res = await fetch(`${SANDBOX_URL}/__sandbox/requests?platform=meta`);
	const { requests } = (await res.json()) as { requests: { path: string; status: number; body: { data?: MetaEvent[] } }[] };
	return requests.filter((r) => r.status === 200 && r.path.includes(`/${DATASET_ID}/events`)).flatMap((r) => r.body.data ?? []);
}

describe.skipIf(!CONSOLE_URL || !DB_URL || !APP_SECRET || !SANDBOX_URL)('WhatsApp page', () => {
	let browser: Browser;
	let context: BrowserContext;
	let page: Page;
	let db: pg.Client;
	let ticketId = '';
	const open = (path: string) => openPage(page, CONSOLE_URL!, path);

	beforeAll(async () => {
		mkdirSync(RESULTS, { recursive: true });
		db = new pg.Client({ connectionString: DB_URL });
		await db.connect();
		browser = await launchChromium();
	});
	afterAll(async () => {
		await db.query(`update core_marketing.whatsapp_numbers set pixel_config_id = null where phone_number_id = $1`, [demoWhatsappPhoneNumberId]);
		await db.query(`delete from core_marketing.pixel_configs where pixel_id = $1`, [DATASET_ID]);
		await browser?.close();
		await db?.end();
	});
	beforeEach(async () => {
		({ context, page } = await openContext(browser, 15_000));
	});
	afterEach(async () => {
		await context?.close();
	});

	it('admin: a CTWA ticket qualified then won sends LeadSubmitted then Purchase as Business Messaging events', async () => {
		await signIn(page, CONSOLE_URL!, DEMO_ADMIN);
		// The WABA's dataset, with its token (write-only), as a pixel of the conversions pipeline.
		await open('/conversions/settings');
		const form = page.getByTestId('new-pixel-form');
		await form.getByLabel('Name').fill(`WhatsApp dataset ${RUN}`);
		await form.getByLabel('Pixel (dataset) id').fill(DATASET_ID);
		await form.getByLabel('Conversions API access token').fill(`EAAB-e2e-${RUN}-token-0123456789`);
		await form.getByRole('button', { name: 'Save pixel' }).click();
		await expect.poll(() => page.getByTestId('settings-message').innerText()).toBe('Saved.');

		// Link it to the demo number on the WhatsApp page.
		await open('/whatsapp');
		const number = page.getByTestId('number-form').and(page.locator(`[data-phone-number-id="${demoWhatsappPhoneNumberId}"]`));
		await number.getByLabel('Dataset (CAPI)').selectOption({ label: `WhatsApp dataset ${RUN} (${DATASET_ID})` });
		await number.getByRole('button', { name: 'Save' }).click();
		await expect.poll(() => page.getByTestId('whatsapp-message').innerText()).toBe('Number saved.');

		// A contact clicks the ad: Meta posts the seed's webhook, signed with the app secret.
		const raw = JSON.stringify(
			seedPayload(demoWhatsappPhoneNumberId, {
				from: CONTACT,
				name: `E2E ${RUN}`,
				timestamp: Math.floor(Date.now() / 1000) - 60,
				referral: { headline: 'Prof Didática', ctwa_clid: CTWA_CLID, source_id: '120237888636060701', source_type: 'ad', media_type: 'video' }
			})
		);
		const webhook = await fetch(`${API_URL}/functions/v1/whatsapp-webhook`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'x-hub-signature-256': await hubSignature(APP_SECRET!, raw) },
			body: raw
		});
		expect(webhook.status).toBe(200);
		expect((await webhook.json()).tickets_opened).toBe(1);
		const { rows: [ticket] } = await db.query<{ id: string }>(`select id from lead.tickets where contact_wa_id = $1 and status = 'open'`, [CONTACT]);
		ticketId = ticket.id;

		await open('/whatsapp?status=open');
		const link = page.getByTestId('ticket-link').filter({ hasText: `E2E ${RUN}` });
		await expect.poll(() => link.count()).toBe(1);
		await link.click();
		await page.waitForURL((url) => url.searchParams.get('ticket') === ticketId);
		await expect.poll(() => page.getByTestId('ticket-ctwa').innerText()).toBe(CTWA_CLID);
		expect(await page.getByTestId('ticket-attribution').innerText()).toContain('120237888636060701');

		const move = page.getByTestId('move-ticket');
		await move.getByLabel('Stage').selectOption('qualified');
		await move.getByRole('button', { name: 'Move ticket' }).click();
		await expect.poll(() => page.getByTestId('whatsapp-message').innerText()).toContain('LeadSubmitted: PENDING');
		await expect.poll(async () => (await metaEvents()).filter((e) => e.event_id === `lead-${ticketId}`).length, { timeout: 60_000 }).toBe(1);

		await move.getByLabel('Stage').selectOption('won');
		await move.getByLabel('Deal value').fill('1890,50');
		await move.getByRole('button', { name: 'Move ticket' }).click();
		await expect.poll(() => page.getByTestId('whatsapp-message').innerText()).toContain('Purchase: PENDING');
		await expect.poll(async () => (await metaEvents()).filter((e) => e.event_id === `purchase-${ticketId}`).length, { timeout: 60_000 }).toBe(1);

		const events = await metaEvents();
		const lead = events.find((e) => e.event_id === `lead-${ticketId}`)!;
		const purchase = events.find((e) => e.event_id === `purchase-${ticketId}`)!;
		const userData = { whatsapp_business_account_id: demoWhatsappBusinessAccountId, ctwa_clid: CTWA_CLID };
		expect(lead).toMatchObject({ event_name: 'LeadSubmitted', action_source: 'business_messaging', messaging_channel: 'whatsapp', user_data: userData });
		expect(lead.custom_data).toBeUndefined();
		expect(purchase).toMatchObject({
			event_name: 'Purchase',
			action_source: 'business_messaging',
			messaging_channel: 'whatsapp',
			user_data: userData,
			custom_data: { currency: 'BRL', value: 1890.5 }
		});
		expect(Number.isInteger(lead.event_time) && (lead.event_time as number) <= Math.floor(Date.now() / 1000)).toBe(true);
		expect(events.indexOf(lead)).toBeLessThan(events.indexOf(purchase));

		await open(`/whatsapp?ticket=${ticketId}`);
		const conversions = page.getByTestId('ticket-conversion');
		await expect.poll(() => conversions.evaluateAll((items) => items.map((i) => `${i.dataset.event}:${i.dataset.status}`))).toEqual([
			'LeadSubmitted:SENT',
			'Purchase:SENT'
		]);
		await fullPageScreenshot(page, `${RESULTS}whatsapp-ticket.png`);
	}, 180_000);

	it('viewer: the WhatsApp module is not for viewers (navigation decision): a typed URL is refused', async () => {
		expect(ticketId).not.toBe('');
		await signIn(page, CONSOLE_URL!, DEMO_VIEWER);
		const answer = await page.goto(`${CONSOLE_URL}/whatsapp?ticket=${ticketId}`);
		expect(answer?.status()).toBe(403);
		expect(await page.getByTestId('ticket-detail').count()).toBe(0);
		expect(await page.getByTestId('move-ticket').count()).toBe(0);
	}, 60_000);
});
