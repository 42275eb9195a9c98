// End-to-end: the Operations page in headless Chromium against a served build (CONSOLE_URL) wired to the
// local stack (API_URL, DB_URL, SERVICE_ROLE_KEY) with the demo data set. The test causes what the page
// must show: messages of Demo Rastro (and one of Outra Empresa) on a queue of its own, one of Demo's
// dead-lettered through ops.dead_letter as service_role, and a worker run. Each run uses its own queue
// name and error text, so the suite can run again against the same stack. Screenshots in test-results/.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatCount, formatDateTime } from '../../web/src/lib/format.ts';

/** The browser asks for English (openContext) and Demo Rastro thinks in São Paulo time, in reais. */
const SHOWN = { locale: 'en', timeZone: 'America/Sao_Paulo', currency: 'BRL' } as const;
import { fullPageScreenshot, headerCompany, launchChromium, openContext, openPage, signIn, switchCompany, type ConsoleUser } from './browser.ts';

const CONSOLE_URL = process.env.CONSOLE_URL?.replace(/\/+$/, '');
const API_URL = process.env.API_URL?.replace(/\/+$/, '');
const DB_URL = process.env.DB_URL;
const SERVICE_ROLE_KEY = process.env.SERVICE_ROLE_KEY;
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

const DEMO_ADMIN: ConsoleUser = { email: 'admin@demo.rastro.local', password: 'demo-admin-pass' };
const DEMO_VIEWER: ConsoleUser = { email: 'viewer@demo.rastro.local', password: 'demo-viewer-pass' };
const OUTRA_ADMIN: ConsoleUser = { email: 'admin@outra.rastro.local', password: 'outra-admin-pass' };
/** Marketing admin of Demo Rastro and viewer of Outra Empresa. */
const AGENCY: ConsoleUser = { email: 'agency@demo.rastro.local', password: 'demo-agency-pass' };

const STEP_TIMEOUT = 15_000;
const TEST_TIMEOUT = 120_000;
const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const QUEUE = `ops_e2e_${RUN}`;
const DEAD_ERROR = `gave up after 5 attempts: Dinamize answered 422 for e2e run ${RUN}`;
const WORKER = 'lead-import-worker';

describe.skipIf(!CONSOLE_URL || !DB_URL || !API_URL || !SERVICE_ROLE_KEY)('operations page', () => {
	let browser: Browser;
	let context: BrowserContext;
	let page: Page;
	let db: pg.Client;
	let workerCalledAt: Date;

	const companyId = async (slug: string) =>
		(await db.query<{ id: string }>('select id from core.companies where slug = $1', [slug])).rows[0]!.id;
	const waitingOf = async (slug: string) =>
		Number(
			(
				await db.query<{ n: string }>(`select count(*) as n from pgmq.${pg.escapeIdentifier(`q_${QUEUE}`)} where message ->> 'company_id' = $1`, [
					await companyId(slug)
				])
			).rows[0]!.n
		);
	const open = (path: string) => openPage(page, CONSOLE_URL!, path);
	const queueRow = () => page.getByRole('table', { name: 'Queue depth per queue' }).getByRole('row').filter({ hasText: QUEUE });
	/** The text of one cell of a row (row headers are not cells: the first cell is the first value). */
	const cellText = async (row: ReturnType<Page['locator']>, index: number) => (await row.getByRole('cell').nth(index).innerText()).trim();

	beforeAll(async () => {
		mkdirSync(RESULTS, { recursive: true });
		db = new pg.Client({ connectionString: DB_URL });
		await db.connect();
		const demo = await companyId('demo-rastro');
		const outra = await companyId('outra-empresa');
		await db.query('select pgmq.create($1)', [QUEUE]);
		const sent = await db.query<{ msg_id: string }>(
			`select pgmq.send($1, m) as msg_id from unnest(array[
			   jsonb_build_object('company_id', $2::uuid, 'e2e', $4::text, 'n', 1),
			   jsonb_build_object('company_id', $2::uuid, 'e2e', $4::text, 'n', 2),
			   jsonb_build_object('company_id', $2::uuid, 'e2e', $4::text, 'n', 3),
			   jsonb_build_object('company_id', $3::uuid, 'e2e', $4::text, 'n', 4)
			 ]) with ordinality as t (m, i) order by i`,
			[QUEUE, demo, outra, RUN]
		);
		// The worker's side of a give-up, as service_role: read Demo's first message (a failed attempt),
		// then move it to ops.dead_letters.
		await db.query('begin');
		await db.query('set local role service_role');
		await db.query('select msg_id from pgmq.read($1, 0, 1)', [QUEUE]);
		const dead = await db.query<{ ok: boolean }>('select ops.dead_letter($1, $2, $3, $4) as ok', [QUEUE, sent.rows[0]!.msg_id, WORKER, DEAD_ERROR]);
		await db.query('commit');
		expect(dead.rows[0]!.ok).toBe(true);

		// A worker run of our own, so "last run" is not left to pg_cron's timing.
		workerCalledAt = new Date(Date.now() - 1000);
		const answer = await fetch(`${API_URL}/functions/v1/${WORKER}`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${SERVICE_ROLE_KEY}`, apikey: SERVICE_ROLE_KEY!, 'Content-Type': 'application/json' },
			body: '{}',
			signal: AbortSignal.timeout(90_000)
		});
		expect(answer.status, await answer.text()).toBe(200);
		browser = await launchChromium();
	}, 150_000);

	afterAll(async () => {
		await browser?.close();
		if (db) {
			await db.query('select pgmq.drop_queue($1)', [QUEUE]);
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
		"shows Demo's admin the queue depth, the dead letter with its error, the last worker runs and no setup problems",
		async () => {
			await signIn(page, CONSOLE_URL!, DEMO_ADMIN);
			await open('/operations');
			await page.getByRole('heading', { name: 'Operations', level: 1 }).waitFor();

			await page.getByText('No setup problems.').waitFor();

			const waiting = await waitingOf('demo-rastro');
			expect(waiting, "Demo's messages still waiting").toBe(2);
			expect(await cellText(queueRow(), 0), 'waiting').toBe(formatCount(waiting, SHOWN));
			expect(await cellText(queueRow(), 4), 'dead letters of the queue').toBe('1');

			const deadLetters = page.getByRole('table', { name: 'Dead letters, latest first' });
			const letter = deadLetters.getByRole('row').filter({ hasText: DEAD_ERROR });
			expect(await letter.count()).toBe(1);
			expect(await letter.innerText()).toContain(QUEUE);
			expect(await letter.innerText()).toContain(WORKER);
			expect(await cellText(letter, 4), 'read once before it was given up on').toBe('1');

			const run = page.getByRole('table', { name: 'Last run of every worker' }).getByRole('row').filter({ hasText: WORKER });
			expect(await run.count()).toBe(1);
			const shown = await cellText(run, 0);
			const since = await db.query<{ started_at: Date }>('select started_at from ops.worker_runs where worker = $1 and started_at >= $2', [
				WORKER,
				workerCalledAt
			]);
			expect(
				since.rows.map((row) => formatDateTime(row.started_at, SHOWN)),
				'the last run shown is ours or a later one'
			).toContain(shown);

			await fullPageScreenshot(page, `${RESULTS}operations-admin.png`);
		},
		TEST_TIMEOUT
	);

	it(
		"shows the admin of another company none of Demo's dead letters or messages",
		async () => {
			await signIn(page, CONSOLE_URL!, OUTRA_ADMIN);
			await open('/operations');
			await page.getByRole('heading', { name: 'Operations', level: 1 }).waitFor();

			expect(await waitingOf('outra-empresa')).toBe(1);
			expect(await cellText(queueRow(), 0), "Outra's own message only").toBe('1');
			expect(await cellText(queueRow(), 4), "none of Demo's dead letters").toBe('0');
			expect(await page.getByText(DEAD_ERROR).count()).toBe(0);
			expect(await page.getByText(RUN).count(), 'nothing of this run but the queue name').toBe(1);
			await fullPageScreenshot(page, `${RESULTS}operations-other-company.png`);
		},
		TEST_TIMEOUT
	);

	/** The 403 a non-admin gets: the reason, and nothing of the page's data. */
	async function expectAdminsOnly(): Promise<void> {
		const response = await page.goto(`${CONSOLE_URL}/operations`);
		expect(response?.status()).toBe(403);
		await page.getByText('Operations is for company admins only').waitFor();
		expect(await page.getByRole('table').count()).toBe(0);
		expect(await page.getByText(DEAD_ERROR).count()).toBe(0);
		expect(await page.getByText('setup problems').count()).toBe(0);
		expect(await page.getByText(QUEUE).count()).toBe(0);
	}

	it(
		'shows a viewer of Demo only that the page is for admins',
		async () => {
			await signIn(page, CONSOLE_URL!, DEMO_VIEWER);
			expect(await page.getByRole('link', { name: 'Operations' }).count(), 'no Operations link in the navigation').toBe(0);
			await expectAdminsOnly();
			await fullPageScreenshot(page, `${RESULTS}operations-viewer.png`);
		},
		TEST_TIMEOUT
	);

	it(
		'shows a viewer of another company nothing, though they are an admin of Demo',
		async () => {
			await signIn(page, CONSOLE_URL!, AGENCY);
			if (await headerCompany(page, 'Demo Rastro').isVisible()) await switchCompany(page, 'Outra Empresa');
			try {
				await expectAdminsOnly();
			} finally {
				await openPage(page, CONSOLE_URL!, '/');
				await switchCompany(page, 'Demo Rastro'); // their default again, as the other suites expect
			}
		},
		TEST_TIMEOUT
	);
});
