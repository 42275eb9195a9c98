import { z } from 'zod';

export const companyRoles = ['owner', 'backoffice_admin', 'marketing_admin', 'sales', 'viewer'] as const;
export const CompanyRoleSchema = z.enum(companyRoles);
export type CompanyRole = z.infer<typeof CompanyRoleSchema>;

/** Roles allowed to run admin-only commands (pixels, connections, ad accounts, remarketing). */
export const adminRoles: readonly CompanyRole[] = ['owner', 'backoffice_admin', 'marketing_admin'];

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
