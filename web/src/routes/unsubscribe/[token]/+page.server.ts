// The page a person opens from the unsubscribe link of an e-mail: no sign-in (hooks.server.ts lets
// exactly /unsubscribe/<signed token> through). The token is checked by the email-tracking function,
// which this server calls; hosted edge functions cannot serve this HTML themselves (PLATFORMS.md).
import { error, fail } from '@sveltejs/kit';
import { m } from '#lib/paraglide/messages.js';
import { functionUrl } from '#lib/server/edge-functions.ts';
import type { Actions, PageServerLoad } from './$types';

type Info = { company: string; campaign: string; email: string; global: boolean; campaign_scope: boolean };

const unsubscribeUrl = (token: string) => functionUrl(`email-tracking/u/${token}`);

export const load: PageServerLoad = async ({ params, fetch }) => {
	const res = await fetch(unsubscribeUrl(params.token));
	if (res.status === 404) error(404, m.email_unsubscribe_unknown());
	if (!res.ok) error(503, m.error_save_failed());
	return { info: (await res.json()) as Info };
};

export const actions: Actions = {
	default: async ({ params, request, fetch }) => {
		const scope = (await request.formData()).get('scope') === 'campaign' ? 'campaign' : 'global';
		const res = await fetch(unsubscribeUrl(params.token), {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ scope })
		});
		if (res.status === 409) return { done: true, scope, already: true };
		if (res.status === 404) error(404, m.email_unsubscribe_unknown());
		if (!res.ok) return fail(503, { message: m.error_save_failed() });
		return { done: true, scope, already: false };
	}
};
