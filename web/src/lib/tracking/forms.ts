// Parsing what admins type into the web-tracking forms, the way the database checks it
// (lead._origins_are_valid, landing_pages.page_url_is_origin_and_path).

export type ParsedOrigins = { ok: true; origins: string[] } | { ok: false; bad: string };

/** Origins one per line or comma-separated; URLs are cut to their origin; lower case. */
export function parseOrigins(text: string): ParsedOrigins {
	const origins: string[] = [];
	for (const raw of text.split(/[\s,]+/).filter(Boolean)) {
		if (!/^https?:\/\//i.test(raw) || !URL.canParse(raw)) return { ok: false, bad: raw };
		const origin = new URL(raw).origin.toLowerCase();
		if (!origins.includes(origin)) origins.push(origin);
	}
	return { ok: true, origins };
}

/** A landing page URL as track matches it: origin and path, no query, fragment or trailing slash. */
export function parsePageUrl(text: string): string | null {
	if (!/^https?:\/\//i.test(text) || !URL.canParse(text)) return null;
	const url = new URL(text);
	const path = url.pathname.length > 1 && url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
	return `${url.origin}${path}`;
}

/** The tag a site pastes into its pages. */
export function installSnippet(scriptUrl: string, siteKey: string, functionsUrl: string): string {
	return `<script async src="${scriptUrl}" data-site-key="${siteKey}" data-endpoint="${functionsUrl}"></script>`;
}
