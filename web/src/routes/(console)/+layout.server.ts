import { m } from '#lib/paraglide/messages.js';
import { error, redirect } from '@sveltejs/kit';
import { loadMemberships } from '#lib/server/memberships.ts';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals }) => {
	const { user, claims } = await locals.safeGetSession();
	if (!user) redirect(303, '/login');

	let memberships;
	try {
		memberships = await loadMemberships(locals.supabase);
	} catch (cause) {
		console.error(cause);
		error(503, m.layout_error_companies());
	}

	// The token's company is the one RLS scopes every query to; its role is read from the membership
	// (as core.current_company_role() does), so a role change shows up before the token expires.
	const current = memberships.find((membership) => membership.companyId === claims.companyId) ?? null;

	return {
		email: user.email ?? '',
		memberships,
		company: current && { id: current.companyId, name: current.companyName },
		role: current?.role ?? null
	};
};
