import { loadContacts } from '#lib/server/email.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { module } = await openModule(event, 'email');
	const search = event.url.searchParams.get('q')?.trim().slice(0, 200) || null;
	return { module, search, contacts: await loadContacts(event.locals.supabase, search) };
};
