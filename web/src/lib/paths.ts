/**
 * A path on this site to send the user to after signing in or switching company, or `fallback`
 * when the value could lead anywhere else (absolute URLs, `//host`, `/\host`): no open redirects.
 */
export function localPath(value: unknown, fallback = '/'): string {
	if (typeof value !== 'string' || !value.startsWith('/')) return fallback;
	if (value.startsWith('//') || value.startsWith('/\\')) return fallback;
	const url = new URL(value, 'http://rastro.invalid');
	if (url.origin !== 'http://rastro.invalid') return fallback;
	return `${url.pathname}${url.search}`;
}
