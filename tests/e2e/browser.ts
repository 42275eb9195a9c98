// The one way e2e suites start a browser: Debian's Chromium (playwright cannot download its own here),
// headless, with the flags that keep it off the closed network.
import { execFileSync } from 'node:child_process';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export function chromiumPath(): string {
	return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
}

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
	return chromium.launch({
		executablePath: chromiumPath(),
		timeout: 30_000,
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			...extraArgs
		]
	});
}

/** A fresh context (console-sized viewport, bounded timeouts) and its first page, one per test. */
export async function openContext(browser: Browser, stepTimeoutMs: number, options: { acceptDownloads?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, acceptDownloads: options.acceptDownloads ?? false });
	context.setDefaultTimeout(stepTimeoutMs);
	context.setDefaultNavigationTimeout(30_000);
	return { context, page: await context.newPage() };
}

/** A console user of the demo data set (scripts/seed-demo.ts, README "Demo logins"). */
export interface ConsoleUser {
	email: string;
	password: string;
}

/** Opens a console page and waits until it is hydrated (its scripts loaded, nothing in flight). */
export async function openPage(page: Page, consoleUrl: string, path: string): Promise<void> {
	await page.goto(`${consoleUrl}${path}`);
	await page.waitForLoadState('networkidle');
}

/** Signs in through the login form and waits for the Overview. */
export async function signIn(page: Page, consoleUrl: string, user: ConsoleUser): Promise<void> {
	await openPage(page, consoleUrl, '/login');
	await page.getByLabel('E-mail').fill(user.email);
	await page.getByLabel('Password').fill(user.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL((url) => url.pathname === '/');
}

/** A full-page capture from the top: the sidebar is sticky, so that is where a person sees it. */
export async function fullPageScreenshot(page: Page, path: string): Promise<void> {
	await page.evaluate(() => window.scrollTo(0, 0));
	await page.screenshot({ path, fullPage: true });
}

/** The current company as the header shows it: the name on its own, not inside the switcher. */
export function headerCompany(page: Page, name: string) {
	return page.getByRole('banner').getByText(name, { exact: true });
}

/** Switches the current company through the header's switcher and waits for the header to show it. */
export async function switchCompany(page: Page, name: string): Promise<void> {
	const switcher = page.getByRole('form', { name: 'Switch company' });
	const option = switcher.getByRole('option', { name: new RegExp(`^${name} ·`) });
	const value = await option.getAttribute('value');
	if (!value) throw new Error(`the company switcher has no option for ${name}`);
	await switcher.getByLabel('Company').selectOption(value);
	await switcher.getByRole('button', { name: 'Switch' }).click();
	await headerCompany(page, name).waitFor();
}
