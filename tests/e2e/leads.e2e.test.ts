// End-to-end: the leads console in headless Chromium against a served build (CONSOLE_URL) wired to the
// local stack with the demo data set. Every run uses its own e-mails, so the suite can run again against
// the same stack. Screenshots land in test-results/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { fullPageScreenshot, launchChromium, openContext, openPage, signIn as signInAs, type ConsoleUser } from './browser.ts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const CONSOLE_URL = process.env.CONSOLE_URL?.replace(/\/+$/, '');
const SANDBOX_URL = process.env.SANDBOX_URL?.replace(/\/+$/, '');
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

const ADMIN = { email: 'admin@demo.rastro.local', password: 'demo-admin-pass' };
const VIEWER = { email: 'viewer@demo.rastro.local', password: 'demo-viewer-pass' };
const OUTRA_ADMIN = { email: 'admin@outra.rastro.local', password: 'outra-admin-pass' };

const STEP_TIMEOUT = 15_000;
const TEST_TIMEOUT = 120_000;
/** Unique per run: every e-mail this suite creates carries it. */
const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

const open = (page: Page, path: string) => openPage(page, CONSOLE_URL!, path);
const signIn = (page: Page, user: ConsoleUser) => signInAs(page, CONSOLE_URL!, user);
const screenshot = (page: Page, name: string) => fullPageScreenshot(page, `${RESULTS}${name}.png`);

const leadPage = /^\/leads\/[0-9a-f-]{36}$/;

/** A CSV of `rows` leads (header + rows), with three bad rows at file lines 101, 501 and 901. */
function importFile(rows: number): { path: string; badLines: number[] } {
	const lines = ['E-mail;Nome;Telefone;Empresa;Valor'];
	for (let i = 1; i <= rows; i += 1) {
		const email = i === 100 ? `not-an-email-${RUN}` : i === 500 ? '' : `imp.${RUN}.${i}@example.com`;
		const phone = i === 900 ? '12' : `+55 11 9${String(i).padStart(4, '0')}-0000`;
		lines.push(`${email};Pessoa ${i} ${RUN};${phone};"Empresa ${i}; Ltda";${i},50`);
	}
	const path = `${RESULTS}leads-import-${RUN}.csv`;
	writeFileSync(path, `${lines.join('\r\n')}\r\n`);
	return { path, badLines: [101, 501, 901] };
}

describe.skipIf(!CONSOLE_URL)('leads console', () => {
	let browser: Browser;
	let context: BrowserContext;
	let page: Page;

	beforeAll(async () => {
		mkdirSync(RESULTS, { recursive: true });
		browser = await launchChromium();
	}, 45_000);

	afterAll(async () => {
		await browser?.close();
	});

	beforeEach(async () => {
		({ context, page } = await openContext(browser, STEP_TIMEOUT, { acceptDownloads: true }));
	});

	afterEach(async () => {
		await context?.close();
	});

	it(
		'creates a lead, moves it through stages with each step on the timeline, converts it once',
		async () => {
			const email = `ana.${RUN}@example.com`;
			await signIn(page, ADMIN);
			await open(page, '/leads');
			await page.getByRole('link', { name: 'New lead' }).click();
			await page.waitForURL((url) => url.pathname === '/leads/new');
			await page.waitForLoadState('networkidle');

			// Refused first, with the problem next to its field.
			await page.getByLabel('Name').fill(`Ana Souza ${RUN}`);
			await page.getByLabel('E-mail').fill('not-an-email');
			await page.getByRole('button', { name: 'Create lead' }).click();
			await page.getByText('Invalid e-mail address').waitFor();
			expect(await page.getByLabel('E-mail').getAttribute('aria-invalid')).toBe('true');

			await page.getByLabel('E-mail').fill(email);
			await page.getByLabel('Expected value (R$)').fill('2500');
			await page.getByLabel('Score (0–100)').fill('80');
			await page.getByRole('button', { name: 'Create lead' }).click();
			await page.waitForURL((url) => leadPage.test(url.pathname));
			await page.waitForLoadState('networkidle');
			const leadUrl = page.url();

			const timeline = page.getByRole('list', { name: 'Stage history' }).getByRole('listitem');
			expect(await timeline.count()).toBe(1);
			expect(await timeline.first().textContent()).toContain('Entered the pipeline in New');

			const moves = [
				{ stage: 'Qualified', reason: 'Called back, wants a demo' },
				{ stage: 'Proposal', reason: 'Proposal sent by e-mail' },
				{ stage: 'Negotiation', reason: '' }
			];
			for (const [index, move] of moves.entries()) {
				const form = page.getByRole('form', { name: 'Change stage' });
				const stage = form.getByLabel('Move to', { exact: true });
				const option = await stage.locator('option', { hasText: new RegExp(`^${move.stage} ·`) }).getAttribute('value');
				await stage.selectOption(option!);
				await form.getByLabel(/Reason/).fill(move.reason);
				await form.getByRole('button', { name: 'Move lead' }).click();
				await page.getByRole('status').filter({ hasText: `Moved to ${move.stage}.` }).waitFor();
				await expect.poll(() => timeline.count()).toBe(index + 2);
				const newest = await timeline.first().textContent();
				expect(newest).toContain(`to ${move.stage}`);
				if (move.reason) expect(newest).toContain(move.reason);
			}
			const history = await timeline.allTextContents();
			expect(history.map((entry) => /\b(?:to|in) (\w+)/.exec(entry.replace(/\s+/g, ' '))?.[1])).toEqual([
				'Negotiation',
				'Proposal',
				'Qualified',
				'New'
			]);

			// A colleague has the same lead open: their page will try to convert it too.
			const colleague = await context.newPage();
			await colleague.goto(leadUrl);
			await colleague.waitForLoadState('networkidle');

			await page.getByRole('button', { name: 'Convert to opportunity' }).click();
			const dialog = page.getByRole('dialog', { name: 'Convert to opportunity' });
			await dialog.waitFor();
			await dialog.getByRole('button', { name: 'Convert', exact: true }).click();
			const opportunity = page.getByRole('region', { name: 'Opportunity' });
			await opportunity.waitFor();
			expect(await opportunity.textContent()).toContain('R$2,500.00');
			expect(await opportunity.textContent()).toContain('Negotiation');
			expect(await page.getByRole('button', { name: 'Convert to opportunity' }).count()).toBe(0);
			expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`Ana Souza ${RUN}`);
			await screenshot(page, 'leads-lead-detail');

			await colleague.getByRole('button', { name: 'Convert to opportunity' }).click();
			const staleDialog = colleague.getByRole('dialog', { name: 'Convert to opportunity' });
			await staleDialog.getByRole('button', { name: 'Convert', exact: true }).click();
			const refusal = staleDialog.getByRole('alert');
			await refusal.waitFor();
			expect(await refusal.textContent()).toContain('This lead was already converted');
			await colleague.getByRole('region', { name: 'Opportunity' }).waitFor();
			await colleague.screenshot({ path: `${RESULTS}leads-convert-again.png` });

			// The e-mail is taken now, whatever its case.
			await open(page, '/leads/new');
			await page.getByLabel('E-mail').fill(email.toUpperCase());
			await page.getByRole('button', { name: 'Create lead' }).click();
			await page.getByText('Another lead of this company already has this e-mail.').waitFor();
			await page.getByRole('link', { name: 'Open that lead' }).click();
			await page.waitForURL(leadUrl);
		},
		TEST_TIMEOUT
	);

	it(
		'imports 1,000 rows with 3 bad ones: progress reaches 100 %, 997 leads, 3 errors with their lines and a report',
		async () => {
			const file = importFile(1000);
			await signIn(page, ADMIN);
			await open(page, '/leads/imports');
			await page.locator('input[type="file"]').setInputFiles(file.path);

			const mapping = page.getByRole('table', { name: "Map the file's columns to lead fields" });
			await mapping.waitFor();
			expect(await page.getByLabel('Lead field for column E-mail').inputValue()).toBe('email');
			expect(await page.getByLabel('Lead field for column Telefone').inputValue()).toBe('phone');
			await page.getByRole('button', { name: 'Import 5 columns' }).click();

			await page.waitForURL((url) => /^\/leads\/imports\/[0-9a-f-]{36}$/.test(url.pathname), { timeout: 60_000 });
			const progress = page.getByRole('progressbar', { name: /Import progress/ });
			await expect.poll(() => progress.getAttribute('aria-valuenow'), { timeout: 90_000, interval: 500 }).toBe('100');
			await page.getByText('Completed', { exact: true }).waitFor();
			const summary = await page.locator('dl').first().evaluate((list) =>
				Object.fromEntries([...list.querySelectorAll('div')].map((item) => [item.querySelector('dt')?.textContent?.trim(), item.querySelector('dd')?.textContent?.trim()]))
			);
			expect(summary).toMatchObject({ 'Rows in file': '1,000', 'New leads': '997', 'Rejected rows': '3' });

			const rejected = page.getByRole('table', { name: /Rejected rows/ }).locator('tbody tr');
			expect(await rejected.count()).toBe(3);
			const lines = await rejected.locator('th').allTextContents();
			expect(lines.map((line) => Number(line.trim()))).toEqual(file.badLines);
			// Reasons are stored as the worker writes them ("email: required") and shown with the field's name.
			expect(await rejected.nth(0).textContent()).toContain('E-mail: invalid e-mail address');
			expect(await rejected.nth(1).textContent()).toContain('E-mail: required');
			expect(await rejected.nth(2).textContent()).toContain('Phone: not a phone number');
			await page.waitForTimeout(500); // the bar's last step animates
			await screenshot(page, 'leads-import-complete');

			const [download] = await Promise.all([
				page.waitForEvent('download'),
				page.getByRole('link', { name: 'Download error report (CSV)' }).click()
			]);
			expect(download.suggestedFilename()).toBe(`leads-import-${RUN}-errors.csv`);
			const reportPath = `${RESULTS}leads-import-${RUN}-errors.csv`;
			await download.saveAs(reportPath);
			const report = readFileSync(reportPath, 'utf8').replace(/^\ufeff/, '').trim().split('\r\n');
			expect(report[0]).toBe('line,reason,E-mail,Nome,Telefone,Empresa,Valor');
			expect(report.slice(1).map((line) => line.split(',')[0])).toEqual(['101', '501', '901']);
			expect(report[1]).toContain(`not-an-email-${RUN}`);

			// The leads are there, counted exactly, and the list's filters live in the URL.
			await open(page, `/leads?q=${RUN}&origin=csv`);
			expect(await page.getByRole('navigation', { name: 'Pages' }).innerText()).toMatch(/Showing 1–25 of 997 leads/);
			await page.getByRole('link', { name: 'Next' }).click();
			await page.waitForURL((url) => url.searchParams.get('page') === '2');
			expect(await page.getByRole('navigation', { name: 'Pages' }).innerText()).toMatch(/Showing 26–50 of 997 leads/);
			await page.goBack();
			await page.waitForURL((url) => !url.searchParams.has('page'));
			expect(await page.getByLabel('Search').inputValue()).toBe(RUN);

			await open(page, `/leads?q=Pessoa+99+${RUN}&sort=name`);
			const names = await page.getByRole('table', { name: 'Leads' }).locator('tbody th a').allTextContents();
			expect(names).toEqual([`Pessoa 99 ${RUN}`]);

			await open(page, '/leads');
			await screenshot(page, 'leads-list');
		},
		TEST_TIMEOUT
	);

	it(
		'shows leads read-only to a viewer',
		async () => {
			await signIn(page, VIEWER);
			await open(page, '/leads');
			await page.getByText('Your role can look at leads but not change them.').waitFor();
			expect(await page.getByRole('link', { name: 'New lead' }).count()).toBe(0);
			await page.getByRole('table', { name: 'Leads' }).locator('tbody th a').first().click();
			await page.waitForURL((url) => leadPage.test(url.pathname));
			await page.getByRole('heading', { name: 'Stage history' }).waitFor();
			expect(await page.getByRole('link', { name: 'Edit' }).count()).toBe(0);
			expect(await page.getByRole('form', { name: 'Change stage' }).count()).toBe(0);

			const refused = await page.goto(`${CONSOLE_URL}/leads/new`);
			expect(refused?.status()).toBe(403);
		},
		TEST_TIMEOUT
	);

	it.skipIf(!SANDBOX_URL)(
		'keeps Dinamize credentials write-only and tests the connection',
		async () => {
			const clientCode = String(100_000_000 + Math.floor(Math.random() * 899_999_999));
			const registered = await fetch(`${SANDBOX_URL}/__sandbox/platforms/dinamize/accounts`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ client_code: clientCode, user: `ops.${RUN}@outra.test`, password: 'Senha-certa-123' })
			});
			expect(registered.status).toBe(200);

			await signIn(page, OUTRA_ADMIN);
			await open(page, '/integrations');
			await page.getByLabel('User').fill(`ops.${RUN}@outra.test`);
			await page.getByLabel('Password').fill('senha-errada');
			await page.getByLabel('Client code').fill(clientCode);
			await page.getByLabel('Contact list code').fill('12');
			await page.getByRole('button', { name: 'Test connection' }).click();
			await page.getByRole('alert').filter({ hasText: 'Dinamize refused the credentials you typed' }).waitFor();

			await page.getByLabel('Password').fill('Senha-certa-123');
			await page.getByRole('button', { name: 'Save settings' }).click();
			await page.getByRole('status').filter({ hasText: 'Settings saved' }).waitFor();
			expect(await page.getByLabel('Password').inputValue()).toBe('');
			await page.getByRole('button', { name: 'Test connection' }).click();
			await page.getByRole('status').filter({ hasText: 'Connection works: Dinamize accepted the stored credentials' }).waitFor();
			const check = page.getByRole('region', { name: 'What Dinamize answered' });
			await check.getByText('Sign-in answered 480001 (success) as expected.').waitFor();
			await check.getByText('The search of one contact in list 12 answered 480001 (success) as expected; the list is empty.').waitFor();
			await check.getByText(/^Not observed, so still assumed: the rate-limit \(240024\), token-expiry \(401\)/).waitFor();

			await open(page, '/integrations');
			await page.getByText('Credentials set').waitFor();
			expect(await page.content()).not.toContain('Senha-certa-123');
			await screenshot(page, 'integrations-dinamize');
		},
		TEST_TIMEOUT
	);
});
