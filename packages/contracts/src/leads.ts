// Lead contracts: what the console, edge functions and workers may send for leads, conversions,
// CSV imports and CRM sync. The limits mirror the check constraints of lead.leads
// (supabase/migrations/20261122001400_create_leads.sql) so anything these accept, the database takes.
import { z } from 'zod';
import { normalizeEmail, normalizePhone } from './hashing.ts';

export const leadOrigins = ['manual', 'csv', 'dinamize', 'form', 'whatsapp', 'email'] as const;
export const LeadOriginSchema = z.enum(leadOrigins);
export type LeadOrigin = z.infer<typeof LeadOriginSchema>;

/** Qualification status. `converted` is set only by lead.convert_to_opportunity. */
export const leadStatuses = ['new', 'contacted', 'qualified', 'converted', 'lost'] as const;
export const LeadStatusSchema = z.enum(leadStatuses);
export type LeadStatus = z.infer<typeof LeadStatusSchema>;
export const SettableLeadStatusSchema = LeadStatusSchema.exclude(['converted']);

const maxMoney = 999_999_999_999.99; // numeric(14, 2)

/** Free text: trimmed; blank means "no value" (null). */
const text = (max: number) =>
  z.string().trim().max(max).transform((value) => (value === '' ? null : value)).nullable().optional();

const email = z.string().trim().max(320).refine((value) => normalizeEmail(value) !== null, 'invalid e-mail address');
const phone = z.string().trim().max(40).refine((value) => normalizePhone(value) !== null, 'not a phone number (7 to 15 digits)');
const blankToNull = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? null : value);

const leadFields = z.object({
  name: text(300),
  email: z.preprocess(blankToNull, email.nullable().optional()),
  phone: z.preprocess(blankToNull, phone.nullable().optional()),
  company_name: text(300),
  job_title: text(200),
  message: text(10_000),
  status: SettableLeadStatusSchema.optional(),
  stage_id: z.uuid().optional(),
  owner_id: z.uuid().nullable().optional(),
  value: z.number().min(0).max(maxMoney).nullable().optional(),
  score: z.int().min(0).max(100).nullable().optional(),
  sync_to_crm: z.boolean().optional(),
  external_id: text(200),
  extra: z.record(z.string(), z.unknown()).optional(),
});

const firstTouchFields = z.object({
  origin: LeadOriginSchema.default('manual'),
  form_location: text(500),
  session_id: text(200),
  utm_touch_id: z.uuid().nullable().optional(),
  landing_page_id: z.uuid().nullable().optional(),
  utm_source: text(500),
  utm_medium: text(500),
  utm_campaign: text(500),
  utm_term: text(500),
  utm_content: text(500),
  utm_id: text(500),
  gclid: text(500),
  fbclid: text(500),
  ttclid: text(500),
  li_fat_id: text(500),
  referrer: text(2000),
  landing_page_url: text(2000),
});

/** A new lead (console form, lead-capture). company_id comes from the session or the site key, not from here. */
export const LeadCreateSchema = leadFields.extend(firstTouchFields.shape).refine(
  (lead) => Boolean(lead.email) || Boolean(lead.phone),
  { message: 'an e-mail or a phone is required', path: ['email'] },
);
export type LeadCreate = z.infer<typeof LeadCreateSchema>;

/** A change to a lead: only the columns members may update (see the grants on lead.leads). */
export const LeadUpdateSchema = leadFields.partial();
export type LeadUpdate = z.infer<typeof LeadUpdateSchema>;

/** Arguments of the RPC lead.convert_to_opportunity (PostgREST: POST /rest/v1/rpc/convert_to_opportunity, schema lead). */
export const ConvertToOpportunityInputSchema = z.object({
  lead_id: z.uuid(),
  stage_id: z.uuid(),
  value: z.number().min(0).max(maxMoney).nullable().optional(),
  title: z.string().trim().min(1).max(300).optional(),
  owner_id: z.uuid().optional(),
  expected_close_date: z.iso.date().optional(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. BRL').optional(),
  reason: z.string().trim().max(1000).optional(),
});
export type ConvertToOpportunityInput = z.infer<typeof ConvertToOpportunityInputSchema>;

/**
 * Errors of lead.convert_to_opportunity and lead.move_to_stage as PostgREST returns them: HTTP status
 * from the SQLSTATE (`PTxyz` → xyz), the machine code in `hint`.
 */
export const leadRpcErrors = {
  lead_not_found: { status: 404, sqlstate: 'PT404' },
  lead_already_converted: { status: 409, sqlstate: 'PT409' },
  stage_not_active: { status: 422, sqlstate: 'PT422' },
  owner_not_member: { status: 422, sqlstate: 'PT422' },
  not_allowed: { status: 403, sqlstate: '42501' },
} as const;
export type LeadRpcErrorCode = keyof typeof leadRpcErrors;

// ---- CSV import -------------------------------------------------------------------------------------

/** Lead fields a CSV column can be mapped to. */
export const importableLeadFields = [
  'email', 'name', 'phone', 'company_name', 'job_title', 'message', 'value', 'score', 'external_id',
  'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content',
] as const;
export type ImportableLeadField = (typeof importableLeadFields)[number];

const header = z.string().trim().min(1).max(200);

/** lead.lead_imports.mapping: which CSV header feeds which lead field (e-mail is required), and whether to sync. */
export const LeadImportMappingSchema = z.object({
  columns: z.strictObject({
    email: header,
    name: header.optional(),
    phone: header.optional(),
    company_name: header.optional(),
    job_title: header.optional(),
    message: header.optional(),
    value: header.optional(),
    score: header.optional(),
    external_id: header.optional(),
    utm_source: header.optional(),
    utm_medium: header.optional(),
    utm_campaign: header.optional(),
    utm_term: header.optional(),
    utm_content: header.optional(),
  }),
  sync_to_crm: z.boolean().default(false),
}).refine(
  (mapping) => new Set(Object.values(mapping.columns)).size === Object.values(mapping.columns).length,
  { message: 'a CSV column can feed only one field', path: ['columns'] },
);
export type LeadImportMapping = z.infer<typeof LeadImportMappingSchema>;

/** Cell text: trimmed; an empty cell is absent (it never erases existing data on upsert). */
const cell = (max: number) =>
  z.string().trim().max(max).transform((value) => (value === '' ? undefined : value)).optional();

/**
 * Amounts as people type them: 1234.5, 1234,5, 1.234,56, 1,234.56, R$ 1.500. The last separator is the
 * decimal one unless three digits follow it (then it separates thousands).
 */
function parseDecimal(raw: string): number | null {
  const compact = raw.replace(/^R\$/i, '').replace(/\s/g, '');
  if (!/^\d[\d.,]*$/.test(compact)) return null;
  const decimalAt = Math.max(compact.lastIndexOf(','), compact.lastIndexOf('.'));
  const digitsAfter = decimalAt < 0 ? 0 : compact.length - decimalAt - 1;
  const normalized = decimalAt >= 0 && digitsAfter <= 2
    ? compact.slice(0, decimalAt).replace(/[.,]/g, '') + '.' + compact.slice(decimalAt + 1)
    : compact.replace(/[.,]/g, '');
  const value = Number(normalized);
  return Number.isFinite(value) ? value : null;
}

const decimalCell = cell(40).transform((raw, ctx) => {
  if (raw === undefined) return undefined;
  const value = parseDecimal(raw);
  if (value === null || value > maxMoney) {
    ctx.addIssue({ code: 'custom', message: 'not an amount' });
    return z.NEVER;
  }
  return value;
});

const scoreCell = cell(10).transform((raw, ctx) => {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d{1,3}$/.test(raw) || value > 100) {
    ctx.addIssue({ code: 'custom', message: 'not a whole number from 0 to 100' });
    return z.NEVER;
  }
  return value;
});

/**
 * One CSV row after mapping (lead field → cell text), as the import worker validates it. The output,
 * plus the row's `line_number`, is one element of lead.apply_import_chunk's `rows`.
 */
export const LeadImportRowSchema = z.object({
  email: z.string({ error: 'required' }).trim().min(1, 'required').pipe(email),
  name: cell(300),
  phone: cell(40).pipe(phone.optional()),
  company_name: cell(300),
  job_title: cell(200),
  message: cell(10_000),
  value: decimalCell,
  score: scoreCell,
  external_id: cell(200),
  utm_source: cell(500),
  utm_medium: cell(500),
  utm_campaign: cell(500),
  utm_term: cell(500),
  utm_content: cell(500),
});
export type LeadImportRow = z.infer<typeof LeadImportRowSchema>;

/** The reason stored in lead.lead_import_errors: "field: message" per problem, joined with "; ". */
export function importRowErrorReason(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'row'}: ${issue.message}`).join('; ');
}

/** One rejected row as lead.apply_import_chunk's `errors` takes it. */
export const LeadImportErrorSchema = z.object({
  line_number: z.int().min(1),
  reason: z.string().min(1),
  raw: z.record(z.string(), z.string()).optional(),
});
export type LeadImportError = z.infer<typeof LeadImportErrorSchema>;

// ---- CRM sync ---------------------------------------------------------------------------------------

/** A message on pgmq queue crm_sync, sent by the lead write triggers. `operation` is a hint: re-read lead_sync. */
export const CrmSyncMessageSchema = z.object({
  lead_id: z.uuid(),
  company_id: z.uuid(),
  lead_sync_id: z.uuid(),
  provider: z.literal('dinamize'),
  operation: z.enum(['add', 'update']),
});
export type CrmSyncMessage = z.infer<typeof CrmSyncMessageSchema>;

export const leadSyncStatuses = ['pending', 'synced', 'failed'] as const;
export const LeadSyncStatusSchema = z.enum(leadSyncStatuses);
export type LeadSyncStatus = z.infer<typeof LeadSyncStatusSchema>;

/** One contact for lead.apply_crm_pull (contacts without a valid e-mail are skipped there). */
export const CrmPulledContactSchema = z.object({
  external_id: z.string().min(1),
  email: z.string(),
  name: z.string().optional(),
  phone: z.string().optional(),
  company_name: z.string().optional(),
  job_title: z.string().optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
});
export type CrmPulledContact = z.infer<typeof CrmPulledContactSchema>;
