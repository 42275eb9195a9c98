import type { Database } from '@rastro/contracts';
import { createServerClient } from '@supabase/ssr';
import { redirect } from '@sveltejs/kit';
import { sequence, type Handle } from '@sveltejs/kit/hooks';
import { AsyncLocalStorage } from 'node:async_hooks';
import { PUBLIC_SUPABASE_ANON_KEY, PUBLIC_SUPABASE_URL } from '$app/env/public';
import { overwriteFormatSettings, type FormatSettings } from '#lib/i18n/settings.ts';
import { defineCustomServerStrategy, type Locale } from '#lib/paraglide/runtime.js';
import { paraglideMiddleware } from '#lib/paraglide/server.js';
import { loadConsoleSettings, requestSettings } from '#lib/server/i18n.ts';
import { validatedSession, type SessionState } from '#lib/server/session.ts';

const LOGIN_PATH = '/login';

const supabase: Handle = async ({ event, resolve }) => {
	event.locals.supabase = createServerClient<Database>(PUBLIC_SUPABASE_URL, PUBLIC_SUPABASE_ANON_KEY, {
		cookies: {
			getAll: () => event.cookies.getAll(),
			setAll: (cookiesToSet, headers) => {
				for (const { name, value, options } of cookiesToSet) {
					// Only the server talks to Supabase, so page scripts never need to read the tokens.
					event.cookies.set(name, value, {
						...options,
						path: '/',
						httpOnly: true,
						secure: event.url.protocol === 'https:'
					});
				}
				// No-store headers, so no cache ever hands one user's fresh tokens to another.
				event.setHeaders(headers);
			}
		}
	});

	let sessionState: Promise<SessionState> | undefined;
	event.locals.safeGetSession = () => (sessionState ??= validatedSession(event.locals.supabase));

	return resolve(event, {
		filterSerializedResponseHeaders: (name) => name === 'content-range' || name === 'x-supabase-api-version'
	});
};

// Each request's language, time zone and currency, for Paraglide's messages and #lib/format.ts alike.
const requestLocales = new WeakMap<Request, Locale>();
defineCustomServerStrategy('custom-rastro', { getLocale: (request) => (request ? requestLocales.get(request) : undefined) });
const formatStore = new AsyncLocalStorage<FormatSettings>();
overwriteFormatSettings(() => {
	const settings = formatStore.getStore();
	if (!settings) throw new Error('formatting outside a request: pass the settings explicitly');
	return settings;
});

/** Language: the member's choice, else Accept-Language, else the company default (decision 0009). */
const i18n: Handle = async ({ event, resolve }) => {
	const { session } = await event.locals.safeGetSession();
	const stored = session ? await loadConsoleSettings(event.locals.supabase) : null;
	const settings = requestSettings(stored, event.request.headers.get('accept-language'));
	event.locals.formatting = settings;
	requestLocales.set(event.request, settings.locale);

	return formatStore.run(settings, () =>
		paraglideMiddleware(event.request, () =>
			resolve(event, { transformPageChunk: ({ html }) => html.replace('%paraglide.lang%', settings.locale) })
		)
	);
};

/** Everything but the sign-in page needs a signed-in user. */
const authGuard: Handle = async ({ event, resolve }) => {
	const { session } = await event.locals.safeGetSession();
	const onLoginPage = event.url.pathname === LOGIN_PATH;

	if (!session && !onLoginPage) {
		const back = `${event.url.pathname}${event.url.search}`;
		const comesBack = event.request.method === 'GET' && back !== '/';
		redirect(303, comesBack ? `${LOGIN_PATH}?redirectTo=${encodeURIComponent(back)}` : LOGIN_PATH);
	}
	if (session && onLoginPage) redirect(303, '/');

	return resolve(event);
};

export const handle = sequence(supabase, i18n, authGuard);
