// End-to-end: the console in both languages (decision 0009) in headless Chromium against a served build
// (CONSOLE_URL) and the local stack (DB_URL) with the demo data set. Elements are found by role, label
// or test id; text is read only to check the language and the formats it should be in.
//   - a pt-BR browser gets Portuguese, São Paulo times and R$ 1.234,56 on the first response; English
//     from the header switcher, kept on the profile across sign-out and sign-in;
//   - a de-DE browser gets the company default: Portuguese for Demo Rastro, English for Outra Empresa;
//   - axe-core (WCAG 2 A/AA) finds nothing on the main pages in either language;
//   - a Windows-1252 CSV imports with João, Conceição and São José intact from the console.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fullPageScreenshot, launchChromium, openContext, openPage, signIn, submitLogin } from './browser.ts';

const CONSOLE_URL = process.env.CONSOLE_URL?.replace(/\/+$/, '');
const DB_URL = process.env.DB_URL;
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const ADMIN = { email: 'admin@demo.rastro.local', password: 'demo-admin-pass' };
const OUTRA_ADMIN = { email: 'admin@outra.rastro.local', password: 'outra-admin-pass' };

const STEP_TIMEOUT = 15_000;
const TEST_TIMEOUT = 180_000;
const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

/** Intl puts a no-break space between "R$" and the amount in pt-BR (and narrow ones in times). */
const plain = (text: string | null) => (text ?? '').replace(/[\u00a0\u202f]/g, ' ');

const htmlLang = (page: Page) => page.locator('html').getAttribute('lang');

describe.skipIf(!CONSOLE_URL || !DB_URL)('the console in pt-BR and English', () => {
	let browser: Browser;
	let db: pg.Client;
	let leadId: string;
	const contexts: BrowserContext[] = [];

	async function open(locale: string): Promise<Page> {
		const { context, page } = await openContext(browser, STEP_TIMEOUT, { locale });
		contexts.push(context);
		return page;
	}

	/** Nobody chose a language yet: the browser, then the company, decide. */
	async function forgetLanguageChoices(): Promise<void> {
		await db.query(
			`delete from core.user_profiles where user_id in (select id from auth.users where email = any($1))`,
			[[ADMIN.email, OUTRA_ADMIN.email]]
		);
	}

	beforeAll(async () => {
		mkdirSync(RESULTS, { recursive: true });
		browser = await launchChromium();
		db = new pg.Client({ connectionString: DB_URL });
		await db.connect();
		await forgetLanguageChoices();
		// 23:30 in São Paulo on 1 December is already the 2nd in UTC; its value has thousands and cents.
		const { rows } = await db.query<{ id: string }>(
			`insert into lead.leads (company_id, name, email, value, created_at)
			 select id, $1, $2, 1234.56, '2026-12-01 23:30:00 America/Sao_Paulo' from core.companies where slug = 'demo-rastro'
			 returning id`,
			[`Fuso ${RUN}`, `fuso.${RUN}@example.com`]
		);
		leadId = rows[0]!.id;
	}, 60_000);

	afterEach(async () => {
		for (const context of contexts.splice(0)) await context.close();
	});

	afterAll(async () => {
		// Other suites sign the same demo users in with an English browser.
		await forgetLanguageChoices().catch(() => undefined);
		await db?.end();
		await browser?.close();
	});

	it(
		'renders Portuguese on the first response, switches to English and keeps the choice across sign-in',
		async () => {
			const page = await open('pt-BR');
			await openPage(page, CONSOLE_URL!, '/login');
			expect(await htmlLang(page)).toBe('pt-BR');
			expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Entrar');
			await submitLogin(page, ADMIN);
			await page.waitForURL((url) => url.pathname === '/');

			// What the server sent, before any script ran: already Portuguese (no flash of English).
			const first = await page.context().request.get(`${CONSOLE_URL}/leads/${leadId}`);
			const html = await first.text();
			expect(html).toContain('<html lang="pt-BR">');
			expect(html).toContain('Visão geral');
			expect(html).not.toContain('>Overview<');

			await openPage(page, CONSOLE_URL!, `/leads/${leadId}`);
			const nav = page.getByRole('navigation', { name: 'Módulos' });
			await nav.getByRole('link', { name: 'Funil' }).waitFor();
			const details = plain(await page.getByRole('region', { name: 'Detalhes' }).textContent());
			expect(details).toContain('R$ 1.234,56');
			expect(details).toContain('1 de dez. de 2026, 23:30');
			await fullPageScreenshot(page, `${RESULTS}i18n-lead-pt-BR.png`);

			await page.getByTestId('language-switcher').getByRole('button', { name: 'English' }).click();
			await page.waitForFunction(() => document.documentElement.lang === 'en');
			await page.waitForLoadState('networkidle');
			expect(new URL(page.url()).pathname).toBe(`/leads/${leadId}`);
			const english = plain(await page.getByRole('region', { name: 'Details' }).textContent());
			expect(english).toContain('R$1,234.56');
			expect(english).toContain('Dec 1, 2026, 11:30 PM');
			expect(await page.getByTestId('language-switcher').getByRole('button', { name: 'English' }).getAttribute('aria-pressed')).toBe('true');
			await fullPageScreenshot(page, `${RESULTS}i18n-lead-en.png`);

			await page.getByTestId('sign-out').click();
			await page.waitForURL((url) => url.pathname === '/login');
			// Signed out, only the browser speaks: Portuguese again.
			expect(await htmlLang(page)).toBe('pt-BR');
			await submitLogin(page, ADMIN);
			await page.waitForURL((url) => url.pathname === '/');
			expect(await htmlLang(page)).toBe('en');
			await page.getByRole('navigation', { name: 'Modules' }).getByRole('link', { name: 'Pipeline' }).waitFor();
		},
		TEST_TIMEOUT
	);

	it(
		'gives a browser that asks for neither language the company default',
		async () => {
			await forgetLanguageChoices();
			const demo = await open('de-DE');
			await signIn(demo, CONSOLE_URL!, ADMIN);
			expect(await htmlLang(demo)).toBe('pt-BR');
			await demo.getByRole('navigation', { name: 'Módulos' }).waitFor();

			const outra = await open('de-DE');
			await signIn(outra, CONSOLE_URL!, OUTRA_ADMIN);
			expect(await htmlLang(outra)).toBe('en');
			await outra.getByRole('navigation', { name: 'Modules' }).waitFor();
		},
		TEST_TIMEOUT
	);

	it(
		'has no WCAG 2 A/AA violation on the main pages in either language',
		async () => {
			await forgetLanguageChoices();
			const pages = ['/', '/leads', `/leads/${leadId}`, '/leads/imports', '/pipeline', '/settings', '/settings/pipeline', '/integrations', '/operations'];
			const found: string[] = [];
			for (const locale of ['pt-BR', 'en']) {
				const page = await open(locale);
				const check = async (path: string) => {
					await page.addScriptTag({ path: AXE_SOURCE });
					const violations = await page.evaluate(async () => {
						const result = await (window as unknown as { axe: { run: (context: Document, options: unknown) => Promise<{ violations: { id: string; nodes: { target: unknown }[] }[] }> } }).axe.run(document, {
							runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] }
						});
						return result.violations.map((v) => `${v.id} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`);
					});
					for (const violation of violations) found.push(`${locale} ${path}: ${violation}`);
				};
				await openPage(page, CONSOLE_URL!, '/login');
				expect(await htmlLang(page)).toBe(locale);
				await check('/login');
				await submitLogin(page, ADMIN);
				await page.waitForURL((url) => url.pathname === '/');
				for (const path of pages) {
					await openPage(page, CONSOLE_URL!, path);
					expect(await htmlLang(page), path).toBe(locale);
					await check(path);
				}
			}
			expect(found).toEqual([]);
		},
		TEST_TIMEOUT
	);

	it(
		'imports a Windows-1252 CSV from the console with its accents intact, the encoding shown and overridable',
		async () => {
			await forgetLanguageChoices();
			const page = await open('pt-BR');
			await signIn(page, CONSOLE_URL!, ADMIN);
			await openPage(page, CONSOLE_URL!, '/leads/imports');

			const text = `Nome;E-mail;Empresa\r\nJoão da Silva;joao.${RUN}@example.com;São José\r\nMaria da Conceição;maria.${RUN}@example.com;Conceição Ltda\r\n`;
			const windows1252 = Buffer.from(Array.from(text, (c) => c.charCodeAt(0)));
			await page.locator('input[type="file"]').setInputFiles({ name: `excel-${RUN}.csv`, mimeType: 'text/csv', buffer: windows1252 });

			const encoding = page.getByTestId('import-encoding');
			await encoding.waitFor();
			expect(await encoding.inputValue()).toBe('windows-1252');
			const mapping = page.getByRole('table', { name: 'Associe as colunas do arquivo aos campos do lead' });
			await mapping.getByRole('rowheader', { name: 'Nome' }).waitFor();
			expect(plain(await mapping.textContent())).toContain('São José');
			await fullPageScreenshot(page, `${RESULTS}i18n-import-windows-1252.png`);

			// A wrong choice shows at once, and is undone as easily.
			await encoding.selectOption('utf-8');
			await page.getByRole('alert').waitFor();
			expect(await page.getByTestId('import-submit').count()).toBe(0);
			await encoding.selectOption('windows-1252');
			await mapping.getByRole('rowheader', { name: 'Empresa' }).waitFor();

			await page.getByTestId('import-submit').click();
			await page.waitForURL((url) => /^\/leads\/imports\/[0-9a-f-]{36}$/.test(url.pathname));
			const importId = new URL(page.url()).pathname.split('/').at(-1);
			const deadline = Date.now() + 60_000;
			let status = '';
			while (Date.now() < deadline) {
				({ rows: [{ status }] } = await db.query<{ status: string }>('select status from lead.lead_imports where id = $1', [importId]));
				if (status === 'completed' || status === 'failed') break;
				await new Promise((resolve) => setTimeout(resolve, 500));
			}
			expect(status).toBe('completed');
			const { rows } = await db.query(
				`select name, company_name from lead.leads where email in ($1, $2) order by email`,
				[`joao.${RUN}@example.com`, `maria.${RUN}@example.com`]
			);
			expect(rows).toEqual([
				{ name: 'João da Silva', company_name: 'São José' },
				{ name: 'Maria da Conceição', company_name: 'Conceição Ltda' }
			]);
		},
		TEST_TIMEOUT
	);
});
