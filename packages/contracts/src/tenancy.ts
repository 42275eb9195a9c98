import { z } from 'zod';

export const companyRoles = ['owner', 'backoffice_admin', 'marketing_admin', 'sales', 'viewer'] as const;
export const CompanyRoleSchema = z.enum(companyRoles);
export type CompanyRole = z.infer<typeof CompanyRoleSchema>;

// The role sets, named once. SQL has the same three as core.is_company_manager(), core.is_company_admin()
// and core.is_company_editor() (migration 20261201000100); policies and RPCs call those, web and
// functions import these. viewer is in none: it only reads.

/** Company name and memberships. */
export const managerRoles: readonly CompanyRole[] = ['owner', 'backoffice_admin'];
/** Set-up and admin-only commands: stages, integrations, pixels, connections, ad accounts, remarketing, ops views. */
export const adminRoles: readonly CompanyRole[] = [...managerRoles, 'marketing_admin'];
/** Writing leads, opportunities and imports. */
export const editorRoles: readonly CompanyRole[] = [...adminRoles, 'sales'];

/** The tenant claims `public.custom_access_token_hook` adds to every access token. */
export const TenantClaimsSchema = z.object({
  sub: z.uuid(),
  email: z.string().optional(),
  role: z.string(),
  company_id: z.uuid().optional(),
  company_role: CompanyRoleSchema.optional(),
});
export type TenantClaims = z.infer<typeof TenantClaimsSchema>;

export const MyCompanySchema = z.object({
  company_id: z.uuid(),
  name: z.string(),
  role: CompanyRoleSchema,
  is_default: z.boolean(),
});
export type MyCompany = z.infer<typeof MyCompanySchema>;

/** The database role edge-function workers act as (never a browser credential; named for display logic). */
export const workerDatabaseRole = 'service_role';
