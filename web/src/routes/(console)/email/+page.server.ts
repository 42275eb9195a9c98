import { canWriteEmail, loadCampaigns } from '#lib/server/email.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { module, role } = await openModule(event, 'email');
	return { module, canWrite: canWriteEmail(role), campaigns: await loadCampaigns(event.locals.supabase) };
};
