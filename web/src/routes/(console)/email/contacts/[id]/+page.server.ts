import { loadContact } from '#lib/server/email.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { module } = await openModule(event, 'email');
	return { module, ...(await loadContact(event.locals.supabase, event.params.id)) };
};
