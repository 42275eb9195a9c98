import { error, redirect } from '@sveltejs/kit';
import { asLocale } from '#lib/i18n/locale.ts';
import { localPath } from '#lib/paths.ts';
import { m } from '#lib/paraglide/messages.js';
import type { RequestHandler } from './$types';

/** The header's language switcher: keeps the choice on the person's profile, then shows the page again. */
export const POST: RequestHandler = async ({ request, locals }) => {
	const form = await request.formData();
	const locale = asLocale(String(form.get('locale') ?? ''));
	if (!locale) error(400, m.language_error_unsupported());

	const { error: saveError } = await locals.supabase.schema('core').rpc('set_my_locale', { locale });
	if (saveError) {
		console.error('core.set_my_locale failed', saveError);
		error(502, m.error_save_failed());
	}
	redirect(303, localPath(form.get('return_to')));
};
