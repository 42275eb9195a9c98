/** Roles a member can hold in a company (`core.company_members.role`). */
export const COMPANY_ROLES = ['owner', 'backoffice_admin', 'marketing_admin', 'sales', 'viewer'] as const;

export type CompanyRole = (typeof COMPANY_ROLES)[number];

const ROLE_LABELS: Record<CompanyRole, string> = {
	owner: 'Owner',
	backoffice_admin: 'Back-office admin',
	marketing_admin: 'Marketing admin',
	sales: 'Sales',
	viewer: 'Viewer'
};

export function isCompanyRole(value: unknown): value is CompanyRole {
	return typeof value === 'string' && (COMPANY_ROLES as readonly string[]).includes(value);
}

export function roleLabel(role: CompanyRole): string {
	return ROLE_LABELS[role];
}

/** Viewers may look at everything they can open but change nothing. */
export function isReadOnly(role: CompanyRole): boolean {
	return role === 'viewer';
}
