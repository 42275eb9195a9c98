// End-to-end: the Dinamize pull's progress on the Integrations page (issue 11), read by the console
// through PostgREST with the member's token. The test writes the progress a worker would (as the
// database owner, DB_URL) and checks what Demo's admin sees — and that another company's admin does not.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatCount, formatDateTime } from '../../web/src/lib/format.ts';

/** The browser asks for English (openContext) and Demo Rastro thinks in São Paulo time, in reais. */
const SHOWN = { locale: 'en', timeZone: 'America/Sao_Paulo', currency: 'BRL' } as const;
import { fullPageScreenshot, launchChromium, openContext, openPage, signIn, type ConsoleUser } from './browser.ts';

const CONSOLE_URL = process.env.CONSOLE_URL?.replace(/\/+$/, '');
const DB_URL = process.env.DB_URL;
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

const DEMO_ADMIN: ConsoleUser = { email: 'admin@demo.rastro.local', password: 'demo-admin-pass' };
const OUTRA_ADMIN: ConsoleUser = { email: 'admin@outra.rastro.local', password: 'outra-admin-pass' };

const STEP_TIMEOUT = 15_000;
const TEST_TIMEOUT = 120_000;
const PULLED = 123_457;
const CURSOR = '2026-11-20T12:34:56.000Z';

describe.skipIf(!CONSOLE_URL || !DB_URL)('Dinamize pull progress', () => {
	let browser: Browser;
	let context: BrowserContext;
	let page: Page;
	let db: pg.Client;
	let integrationId: string;
	let createdIntegration = false;

	/** The value beside a label in the Sync state card, or null when the label is not shown. */
	const fact = async (label: string) => {
		const row = page.locator('.facts div').filter({ has: page.getByText(label, { exact: true }) });
		return (await row.count()) === 0 ? null : (await row.locator('dd').innerText()).trim();
	};
	const openIntegrations = async () => {
		await openPage(page, CONSOLE_URL!, '/integrations');
		await page.getByRole('heading', { name: 'Sync state' }).waitFor();
	};

	beforeAll(async () => {
		mkdirSync(RESULTS, { recursive: true });
		db = new pg.Client({ connectionString: DB_URL });
		await db.connect();
		const { rows: [demo] } = await db.query<{ id: string }>(`select id from core.companies where slug = 'demo-rastro'`);
		const existing = await db.query<{ id: string }>(`select id from ops.integrations where company_id = $1 and provider = 'dinamize'`, [demo!.id]);
		if (existing.rows[0]) integrationId = existing.rows[0].id;
		else {
			const { rows: [made] } = await db.query<{ id: string }>(
				`insert into ops.integrations (company_id, provider, display_name, settings, sync_enabled)
				 values ($1, 'dinamize', 'Dinamize', '{"contact_list_code": "5", "custom_fields": {}}', false) returning id`,
				[demo!.id]
			);
			integrationId = made!.id;
			createdIntegration = true;
		}
		// A first pull a third of the way through: no mark yet, the cursor at CURSOR.
		await db.query(
			`insert into ops.sync_state (company_id, integration_id, sync_type, pass_started_at, cursor_inserted_at, cursor_contact_code,
			                             pass_pulled, pass_pages, last_page_at, last_attempt_at)
			 select company_id, id, 'contacts_pull', now() - interval '1 hour', $2, 9000001, $3, 248, now(), now()
			 from ops.integrations where id = $1
			 on conflict (integration_id, sync_type) do update
			   set pass_started_at = excluded.pass_started_at, cursor_inserted_at = excluded.cursor_inserted_at,
			       cursor_contact_code = excluded.cursor_contact_code, pass_pulled = excluded.pass_pulled,
			       pass_pages = excluded.pass_pages, last_page_at = excluded.last_page_at, last_successful_sync = null,
			       pass_finished_at = null, last_error = null`,
			[integrationId, CURSOR, PULLED]
		);
		browser = await launchChromium();
	});

	afterAll(async () => {
		await browser?.close();
		if (db) {
			if (createdIntegration) await db.query('delete from ops.integrations where id = $1', [integrationId]);
			else await db.query(`delete from ops.sync_state where integration_id = $1 and sync_type = 'contacts_pull'`, [integrationId]);
			await db.end();
		}
	});

	beforeEach(async () => {
		({ context, page } = await openContext(browser, STEP_TIMEOUT));
	});

	afterEach(async () => {
		await context?.close();
	});

	it(
		"shows Demo's admin a running first pull, then the finished one; Outra's admin sees none of it",
		async () => {
			await signIn(page, CONSOLE_URL!, DEMO_ADMIN);
			await openIntegrations();
			expect(await fact('Pull')).toBe('First pull running');
			expect(await fact('Contacts pulled so far')).toBe(formatCount(PULLED, SHOWN));
			expect(await fact('Pulled up to')).toBe(formatDateTime(CURSOR, SHOWN));
			expect(await fact('Last page at')).not.toBeNull();
			await fullPageScreenshot(page, `${RESULTS}integrations-dinamize-first-pull.png`);

			// The last page: the worker closes the pass (as lead.apply_crm_pull_page does at the end).
			await db.query(
				`update ops.sync_state set last_successful_sync = pass_started_at, pass_started_at = null, cursor_inserted_at = null,
				   cursor_contact_code = null, pass_pulled = pass_pulled + 3, pass_finished_at = now(), last_page_at = now()
				 where integration_id = $1 and sync_type = 'contacts_pull'`,
				[integrationId]
			);
			await openIntegrations();
			expect(await fact('Pull')).toBe('Up to date');
			expect(await fact('Contacts in the last pull')).toBe(formatCount(PULLED + 3, SHOWN));
			expect(await fact('Pulled up to')).toBeNull();

			await context.close();
			({ context, page } = await openContext(browser, STEP_TIMEOUT));
			await signIn(page, CONSOLE_URL!, OUTRA_ADMIN);
			await openIntegrations();
			expect(await fact('Contacts in the last pull')).toBeNull();
			expect(await fact('Contacts pulled so far')).toBeNull();
		},
		TEST_TIMEOUT
	);
});
