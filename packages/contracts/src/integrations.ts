import { z } from 'zod';

// Contracts of the `integrations` edge function (console ↔ per-company CRM settings) and of the
// `crm-sync-worker` (pg_cron / enqueue kick ↔ worker). The crm_sync message itself is in leads.ts.

export const integrationProviders = ['dinamize'] as const;
export const IntegrationProviderSchema = z.enum(integrationProviders);
export type IntegrationProvider = z.infer<typeof IntegrationProviderSchema>;

const digitCode = z.string().trim().regex(/^\d{1,12}$/, 'a code of digits');
const dinamizeFieldCode = z.string().regex(/^cmp\d{1,4}$/, 'a Dinamize field code such as cmp4');

/** What Dinamize's /auth takes. Write-only: stored encrypted, never returned by any API. */
export const DinamizeCredentialsSchema = z.strictObject({
  user: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(256),
  client_code: digitCode,
});
export type DinamizeCredentials = z.infer<typeof DinamizeCredentialsSchema>;

/** Lead fields that can be copied into Dinamize custom fields (e-mail and name have their own). */
export const dinamizeMappableLeadFields = ['phone', 'company_name', 'job_title', 'status'] as const;

export const DinamizeSettingsSchema = z.strictObject({
  /** The Dinamize list (contact-list_code) leads are pushed to and pulled from. */
  contact_list_code: digitCode,
  /** Lead field → Dinamize custom field code, e.g. { phone: 'cmp4' }. */
  custom_fields: z.partialRecord(z.enum(dinamizeMappableLeadFields), dinamizeFieldCode).default({}),
});
export type DinamizeSettings = z.infer<typeof DinamizeSettingsSchema>;

/** PUT /integrations: create or replace a company's integration. Omit `credentials` to keep the stored ones. */
export const IntegrationUpsertSchema = z.discriminatedUnion('provider', [
  z.strictObject({
    provider: z.literal('dinamize'),
    display_name: z.string().trim().min(1).max(120).nullable().optional(),
    sync_enabled: z.boolean(),
    settings: DinamizeSettingsSchema,
    credentials: DinamizeCredentialsSchema.optional(),
  }),
]);
export type IntegrationUpsert = z.infer<typeof IntegrationUpsertSchema>;

/** POST /integrations/test: tries the given credentials, or the stored ones when none are given. */
export const IntegrationTestRequestSchema = z.strictObject({
  provider: IntegrationProviderSchema,
  credentials: DinamizeCredentialsSchema.optional(),
});
export type IntegrationTestRequest = z.infer<typeof IntegrationTestRequestSchema>;

export const integrationStatuses = ['pending', 'connected', 'error'] as const;

/** What GET/PUT answer: everything but the credentials, which are never returned. */
export const IntegrationViewSchema = z.object({
  id: z.uuid(),
  provider: IntegrationProviderSchema,
  display_name: z.string().nullable(),
  /** As stored (a row made before the settings were complete may not satisfy DinamizeSettingsSchema yet). */
  settings: z.record(z.string(), z.unknown()),
  sync_enabled: z.boolean(),
  status: z.enum(integrationStatuses),
  status_message: z.string().nullable(),
  has_credentials: z.boolean(),
  credentials_updated_at: z.string().nullable(),
  last_successful_pull: z.string().nullable(),
  updated_at: z.string(),
});
export type IntegrationView = z.infer<typeof IntegrationViewSchema>;

export const IntegrationAnswerSchema = z.object({ integration: IntegrationViewSchema.nullable() });
export type IntegrationAnswer = z.infer<typeof IntegrationAnswerSchema>;

/** Names of the Dinamize codes the gateway only assumes (`assumedCodes` in _shared/dinamize.ts; decision 0002). */
export const dinamizeAssumedCodeNames = [
  'rateLimited',
  'invalidToken',
  'contactNotFound',
  'duplicateEmail',
  'invalidRequest',
] as const;
export type DinamizeAssumedCodeName = (typeof dinamizeAssumedCodeNames)[number];

/** One finding of the integration check, as data the console words in the reader's language. */
export const IntegrationCheckFindingSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('call'),
    operation: z.enum(['auth', 'contact_add', 'contact_update', 'contact_search']),
    code: z.string().nullable(),
    outcome: z.string(),
    /** Dinamize's code_detail (or a transport message), shown as is, never parsed. */
    detail: z.string().nullable(),
    assumed: z.enum(dinamizeAssumedCodeNames).nullable(),
    list: z.string().nullable(),
    searched: z.enum(['contact_found', 'list_empty']).nullable(),
  }),
  z.object({ kind: z.literal('no_list') }),
  z.object({
    kind: z.literal('not_observed'),
    assumed: z.array(z.object({ name: z.enum(dinamizeAssumedCodeNames), code: z.string() })),
  }),
]);
export type IntegrationCheckFinding = z.infer<typeof IntegrationCheckFindingSchema>;

/** What the integration check met: every call's code and outcome, its findings, and a report in English. */
export const IntegrationCheckSchema = z.object({
  steps: z.array(z.object({ operation: z.string(), code: z.string().nullable(), outcome: z.string() })),
  /** Names of the assumed Dinamize codes some answer carried (see decision 0002). */
  assumedMet: z.array(z.string()),
  findings: z.array(IntegrationCheckFindingSchema),
  report: z.array(z.string()),
});
export type IntegrationCheck = z.infer<typeof IntegrationCheckSchema>;

export const IntegrationTestAnswerSchema = z.object({
  ok: z.boolean(),
  /** Which credentials were tried. */
  tested: z.enum(['given', 'stored']),
  error: z.object({ kind: z.string(), code: z.string().nullable(), message: z.string() }).optional(),
  /** Sign-in, then a read-only search of one contact of the saved list. */
  check: IntegrationCheckSchema,
});
export type IntegrationTestAnswer = z.infer<typeof IntegrationTestAnswerSchema>;

// ---- crm-sync-worker ----------------------------------------------------------------------------

/** Body of a crm-sync-worker call. pg_cron sends `{ mode }`; the enqueue kick `{ trigger, messages }`. */
export const CrmSyncWorkerRequestSchema = z.object({
  mode: z.enum(['push', 'pull']).default('push'),
  /** Stop taking new work after this long (the function's own wall-clock limit is higher). */
  maxRuntimeMs: z.number().int().min(100).max(140_000).default(50_000),
  trigger: z.string().max(40).optional(),
  messages: z.number().int().min(0).optional(),
  /** Pull only: carry on passes already under way and start none (what a run's chained kick asks). */
  continuePasses: z.boolean().default(false),
});
export type CrmSyncWorkerRequest = z.infer<typeof CrmSyncWorkerRequestSchema>;

export const CrmSyncWorkerResultSchema = z.object({
  processed: z.number().int().min(0),
  succeeded: z.number().int().min(0),
  failed: z.number().int().min(0),
  retried: z.number().int().min(0),
});
export type CrmSyncWorkerResult = z.infer<typeof CrmSyncWorkerResultSchema>;
