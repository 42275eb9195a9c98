import { redirect } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async ({ locals }) => {
	const { error } = await locals.supabase.auth.signOut();
	if (error) {
		// The auth server could not revoke the refresh token; still drop the session from this browser.
		console.error('sign-out failed, clearing the local session only', error);
		await locals.supabase.auth.signOut({ scope: 'local' });
	}
	redirect(303, '/login');
};
