// Roles and role sets come from @rastro/contracts (named once; SQL has the same sets as
// core.is_company_editor() / core.is_company_admin()); this adds what only the console needs.
import { m } from '#lib/paraglide/messages.js';
import { adminRoles, companyRoles, editorRoles, type CompanyRole } from '@rastro/contracts/tenancy.ts';

export type { CompanyRole };

/** Roles a member can hold in a company (`core.company_members.role`). */
export const COMPANY_ROLES = companyRoles;

const ROLE_LABELS: Record<CompanyRole, () => string> = {
	owner: m.role_owner,
	backoffice_admin: m.role_backoffice_admin,
	marketing_admin: m.role_marketing_admin,
	sales: m.role_sales,
	viewer: m.role_viewer
};

export function isCompanyRole(value: unknown): value is CompanyRole {
	return typeof value === 'string' && (COMPANY_ROLES as readonly string[]).includes(value);
}

export function roleLabel(role: CompanyRole): string {
	return ROLE_LABELS[role]();
}

/** Viewers may look at everything they can open but change nothing. */
export function isReadOnly(role: CompanyRole): boolean {
	return role === 'viewer';
}

/** Creates and changes leads, moves stages, converts and imports (editorRoles, as the RLS policies on lead.leads). */
export function canWriteLeads(role: CompanyRole | null): boolean {
	return role !== null && editorRoles.includes(role);
}

/** Manages the company's set-up: pipeline stages, integrations (adminRoles). */
export function isAdmin(role: CompanyRole | null): boolean {
	return role !== null && adminRoles.includes(role);
}
