import { createServerClient } from '@supabase/ssr';
import { redirect } from '@sveltejs/kit';
import { sequence, type Handle } from '@sveltejs/kit/hooks';
import { PUBLIC_SUPABASE_ANON_KEY, PUBLIC_SUPABASE_URL } from '$app/env/public';
import { validatedSession, type SessionState } from '#lib/server/session.ts';

const LOGIN_PATH = '/login';

const supabase: Handle = async ({ event, resolve }) => {
	event.locals.supabase = createServerClient(PUBLIC_SUPABASE_URL, PUBLIC_SUPABASE_ANON_KEY, {
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

export const handle = sequence(supabase, authGuard);
