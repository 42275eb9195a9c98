// Where Meta's OAuth dialog sends the person back (META_OAUTH_REDIRECT_URL): the code and the signed
// state go to meta-oauth with the user's token, which checks the state against company and user,
// exchanges the code and stores the profile. Then back to the Meta Ads page.
import { error, redirect } from '@sveltejs/kit';
import { m } from '#lib/paraglide/messages.js';
import { callFunction } from '#lib/server/edge-functions.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	await openModule(event, 'meta-ads');
	const params = event.url.searchParams;
	if (params.get('error')) {
		return { problem: m.meta_ads_callback_denied({ reason: params.get('error_reason') ?? params.get('error') ?? '' }) };
	}
	const code = params.get('code');
	const state = params.get('state');
	if (!code || !state) return { problem: m.meta_ads_callback_incomplete() };
	const { session } = await event.locals.safeGetSession();
	if (!session) error(401);
	const result = await callFunction(session.access_token, { path: 'meta-oauth/connections', method: 'POST', json: { code, state } });
	if (!result.ok) return { problem: result.message };
	const body = result.body as { connection: { fb_user_name: string }; return_to: string };
	const back = body.return_to.startsWith('/') && !body.return_to.startsWith('//') ? body.return_to : '/meta-ads';
	redirect(303, `${back}?connected=${encodeURIComponent(body.connection.fb_user_name)}`);
};
