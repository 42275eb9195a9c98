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
import { eventually } from './wait.ts';

const CONSOLE_URL = process.env.CONSOLE_URL?.replace(/\/+$/, '');
const DB_URL = process.env.DB_URL;
const API_URL = process.env.API_URL?.replace(/\/+$/, '');
const SANDBOX_URL = process.env.SANDBOX_URL?.replace(/\/+$/, '');
const SERVICE_ROLE_KEY = process.env.SERVICE_ROLE_KEY;
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
			expect(await fact('Pages pulled')).toBe(formatCount(248, SHOWN));
			expect(await fact('Last page at')).not.toBeNull();
			await page.getByText('Dinamize does not say how many contacts the list holds, so no total is shown.').waitFor();
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

	/** The pull's progress as the database holds it (what the console must show). */
	const progress = async () =>
		(
			await db.query<{ pass_started_at: Date | null; pass_finished_at: Date | null; pass_pulled: string; pass_pages: number }>(
				`select pass_started_at, pass_finished_at, pass_pulled, pass_pages from ops.sync_state
				 where integration_id = $1 and sync_type = 'contacts_pull'`,
				[integrationId]
			)
		).rows[0];
	const unfinishedPullRuns = async () =>
		(
			await db.query<{ n: number }>(
				`select count(*)::int as n from ops.worker_runs where worker = 'crm-sync-worker:pull' and finished_at is null
				   and started_at > now() - interval '10 minutes'`
			)
		).rows[0]!.n;
	/** One pull run through the functions host, as pg_cron or a chained kick starts it. */
	const pullRun = async (body: Record<string, unknown>) => {
		const answer = await fetch(`${API_URL}/functions/v1/crm-sync-worker`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${SERVICE_ROLE_KEY}`, apikey: SERVICE_ROLE_KEY!, 'Content-Type': 'application/json' },
			body: JSON.stringify({ mode: 'pull', ...body }),
			signal: AbortSignal.timeout(90_000)
		});
		expect(answer.status, await answer.text()).toBe(200);
	};

	it.skipIf(!API_URL || !SANDBOX_URL || !SERVICE_ROLE_KEY)(
		"a real first pull through the worker: Demo's admin sees it under way, then finished",
		async () => {
			const contacts = 20_000;
			const prefix = `pull-e2e-${Date.now()}-`;
			const clientCode = String(100_000_000 + Math.floor(Math.random() * 899_999_999));
			const { rows: [{ pauses }] } = await db.query<{ pauses: unknown[] }>(
				`select coalesce(jsonb_agg(jobid), '[]'::jsonb) as pauses from cron.job where jobname = 'crm-sync-pull' and active`
			);
			// pg_cron's 15-minute pull would start passes of its own meanwhile: paused for this test.
			await db.query(`select cron.alter_job(jobid, active := false) from cron.job where jobid = any($1::bigint[])`, [pauses]);
			try {
				await db.query(`delete from ops.sync_state where integration_id = $1 and sync_type = 'contacts_pull'`, [integrationId]);
				// Contacts a day old, seven to a second, in the sandbox account the settings will name.
				const seeded = await fetch(`${SANDBOX_URL}/__sandbox/platforms/dinamize/contacts/bulk`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({
						client_code: clientCode,
						contact_list_code: '5',
						count: contacts,
						first_insert_date: new Date(Date.now() - 86_400_000 - 3 * 3600_000).toISOString().slice(0, 19).replace('T', ' '),
						per_second: 7,
						email_prefix: prefix
					})
				});
				expect(seeded.status, await seeded.text()).toBe(200);

				// The admin saves the account and turns sync on in the console (credentials stored sealed).
				await signIn(page, CONSOLE_URL!, DEMO_ADMIN);
				await openIntegrations();
				await page.getByLabel('User').fill('pull-e2e@demo.test');
				await page.getByLabel('Password').fill('Senha-do-pull-1');
				await page.getByLabel('Client code').fill(clientCode);
				await page.getByLabel('Contact list code').fill('5');
				// The switch's input sits under its drawn track: the person clicks the label.
				if (!(await page.getByRole('switch').isChecked())) await page.getByText('Sync leads with Dinamize').click();
				expect(await page.getByRole('switch').isChecked()).toBe(true);
				await page.getByRole('button', { name: 'Save settings' }).click();
				await page.getByRole('status').filter({ hasText: 'Settings saved' }).waitFor();

				// One run of the smallest budget reads a page and chains the next; turning sync off halts the
				// chain (a chained run lists only enabled integrations), so the pass stays under way.
				await pullRun({ maxRuntimeMs: 100 });
				await db.query('update ops.integrations set sync_enabled = false where id = $1', [integrationId]);
				await eventually('the chained pull runs to stop', async () => ((await unfinishedPullRuns()) === 0 ? true : undefined), { timeoutMs: 120_000 });
				const midway = (await progress())!;
				expect(midway.pass_started_at, 'the pass is under way').not.toBeNull();
				expect(Number(midway.pass_pulled)).toBeGreaterThan(0);
				expect(Number(midway.pass_pulled)).toBeLessThan(contacts);
				await openIntegrations();
				expect(await fact('Pull')).toBe('First pull running');
				expect(await fact('Contacts pulled so far')).toBe(formatCount(Number(midway.pass_pulled), SHOWN));
				expect(await fact('Pages pulled')).toBe(formatCount(midway.pass_pages, SHOWN));
				expect(await fact('Last page at')).not.toBeNull();
				await fullPageScreenshot(page, `${RESULTS}integrations-dinamize-real-pull-midway.png`);

				// Sync back on: chained runs (continuePasses) finish the pass; a run is started again only when
				// none is going (a kick lost by pg_net would otherwise wait for the 15-minute schedule).
				await db.query('update ops.integrations set sync_enabled = true where id = $1', [integrationId]);
				const done = await eventually(
					'the pass to finish',
					async () => {
						const state = (await progress())!;
						if (state.pass_started_at === null && state.pass_finished_at !== null) return state;
						if ((await unfinishedPullRuns()) === 0) await pullRun({ maxRuntimeMs: 10_000, continuePasses: true });
						return undefined;
					},
					{ timeoutMs: 600_000 }
				);
				const { rows: [{ pulled }] } = await db.query<{ pulled: number }>(
					`select count(*)::int as pulled from lead.leads where company_id = (select company_id from ops.integrations where id = $1)
					   and email like $2 and origin = 'dinamize'`,
					[integrationId, `${prefix}%`]
				);
				expect(pulled, 'each contact once').toBe(contacts);
				await openIntegrations();
				expect(await fact('Pull')).toBe('Up to date');
				expect(await fact('Contacts in the last pull')).toBe(formatCount(Number(done.pass_pulled), SHOWN));
				expect(Number(done.pass_pulled)).toBeGreaterThanOrEqual(contacts);
				await fullPageScreenshot(page, `${RESULTS}integrations-dinamize-real-pull-done.png`);
			} finally {
				await db.query('update ops.integrations set sync_enabled = false where id = $1', [integrationId]);
				await db.query(`delete from lead.leads where email like $1`, [`${prefix}%`]);
				await db.query(`select cron.alter_job(jobid, active := true) from cron.job where jobid = any($1::bigint[])`, [pauses]);
			}
		},
		15 * 60_000
	);
});
