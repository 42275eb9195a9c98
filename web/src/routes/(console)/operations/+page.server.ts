// Operations: setup problems, queues, dead letters, worker runs and failing integrations of the
// current company, for its admins. Other roles are refused before anything is read.
import { m } from '#lib/paraglide/messages.js';
import { error, redirect } from '@sveltejs/kit';
import { loadOperations } from '#lib/server/operations.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { module } = await openModule(event, 'operations');
	const requested = Number(event.url.searchParams.get('dead_page'));
	const deadLetterPage = Number.isSafeInteger(requested) && requested > 1 ? requested : 1;
	const snapshot = await loadOperations(event.locals.supabase, deadLetterPage).catch((cause) => {
		console.error(cause);
		error(503, m.ops_error_load_failed());
	});
	if (snapshot.deadLetterPastEnd) redirect(303, '/operations');
	return { module, deadLetterPage, ...snapshot };
};
