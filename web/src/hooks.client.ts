import { defineCustomClientStrategy } from '#lib/paraglide/runtime.js';

// The server decided the language (hooks.server.ts) and wrote it into <html lang>; the browser keeps
// it, so hydration renders the same text. Changing it is a form post to /language and a new page.
defineCustomClientStrategy('custom-rastro', {
	getLocale: () => document.documentElement.lang || undefined,
	setLocale: (locale) => {
		document.documentElement.lang = locale;
	}
});
