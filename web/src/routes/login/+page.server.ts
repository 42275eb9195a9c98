import { m } from '#lib/paraglide/messages.js';
import { fail, redirect } from '@sveltejs/kit';
import type { AuthError } from '@supabase/supabase-js';
import { localPath } from '#lib/paths.ts';
import type { Actions } from './$types';

export const actions: Actions = {
	default: async ({ request, url, locals }) => {
		const form = await request.formData();
		const email = String(form.get('email') ?? '').trim();
		const password = String(form.get('password') ?? '');

		if (!email || !password) {
			return fail(400, { email, message: m.login_error_missing() });
		}

		const { error } = await locals.supabase.auth.signInWithPassword({ email, password });
		if (error) {
			return fail(error.status === 400 ? 400 : 503, { email, message: signInErrorMessage(error) });
		}

		redirect(303, localPath(url.searchParams.get('redirectTo')));
	}
};

function signInErrorMessage(error: AuthError): string {
	if (error.code === 'invalid_credentials' || error.status === 400) {
		return m.login_error_invalid_credentials();
	}
	if (error.status === 429) {
		return m.login_error_rate_limited();
	}
	console.error('sign-in failed', error);
	return m.login_error_unavailable();
}
