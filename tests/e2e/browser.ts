// The one way e2e suites start a browser: Debian's Chromium (playwright cannot download its own here),
// headless, with the flags that keep it off the closed network.
import { execFileSync } from 'node:child_process';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export function chromiumPath(): string {
	return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
}

export function launchChromium(): Promise<Browser> {
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
			'--disable-sync'
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
