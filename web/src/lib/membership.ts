import type { CompanyRole } from './roles.ts';

/** One of the signed-in user's companies, with their role in it. */
export interface Membership {
	companyId: string;
	companyName: string;
	role: CompanyRole;
	isDefault: boolean;
}
