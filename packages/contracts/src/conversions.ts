import { z } from 'zod';

// Contracts of the conversions pipeline (seed 000 DTOs; BLUEPRINT §6.3): pixel settings, the one
// conversion contract (register_conversion), the workers' dispatch batches, the status queries, the
// conversion-settings function and the conversion-callback webhook.

export const conversionPlatforms = ['meta', 'google_ads', 'tiktok', 'linkedin', 'webhook'] as const;
export const ConversionPlatformSchema = z.enum(conversionPlatforms);
export type ConversionPlatform = z.infer<typeof ConversionPlatformSchema>;

/** Platforms other than Meta, each with an account row (platform_accounts). */
export const accountPlatforms = ['google_ads', 'tiktok', 'linkedin', 'webhook'] as const;
export const AccountPlatformSchema = z.enum(accountPlatforms);
export type AccountPlatform = z.infer<typeof AccountPlatformSchema>;

export const deliveryStatuses = ['pending', 'processing', 'sent', 'failed', 'skipped'] as const;
export const DeliveryStatusSchema = z.enum(deliveryStatuses);
export type DeliveryStatus = z.infer<typeof DeliveryStatusSchema>;

export const skipReasons = ['no_click_id', 'outside_window', 'no_active_pixel', 'duplicate'] as const;
export const SkipReasonSchema = z.enum(skipReasons);
export type SkipReason = z.infer<typeof SkipReasonSchema>;

export const tokenStatuses = ['missing', 'unverified', 'valid', 'invalid'] as const;

const actionSources = ['website', 'system_generated', 'physical_store', 'phone_call', 'chat', 'email', 'other'] as const;

// ---- pixels ---------------------------------------------------------------------------------------

/** UpsertPixelConfig: create (no id) or change a pixel. Omit access_token to keep the stored one. */
export const UpsertPixelConfigSchema = z.strictObject({
  id: z.uuid().optional(),
  name: z.string().trim().min(1).max(120),
  pixel_id: z.string().trim().regex(/^\d{5,20}$/, 'the numeric pixel (dataset) id'),
  /** Write-only: sealed by the function, never returned. */
  access_token: z.string().trim().min(20).max(1000).optional(),
  test_event_code: z.string().trim().min(1).max(64).nullable().optional(),
  domain: z.string().trim().max(253).nullable().optional(),
  action_source: z.enum(actionSources).default('system_generated'),
  is_active: z.boolean(),
});
export type UpsertPixelConfig = z.infer<typeof UpsertPixelConfigSchema>;

/** PixelConfigDetails: a pixel as anyone may see it (core_marketing.pixel_config_details). */
export const PixelConfigDetailsSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  pixel_id: z.string(),
  has_access_token: z.boolean(),
  token_status: z.enum(tokenStatuses),
  token_error: z.string().nullable(),
  test_event_code: z.string().nullable(),
  domain: z.string().nullable(),
  action_source: z.enum(actionSources),
  is_active: z.boolean(),
  updated_at: z.string(),
});
export type PixelConfigDetails = z.infer<typeof PixelConfigDetailsSchema>;

// ---- platform accounts -----------------------------------------------------------------------------

const GoogleAdsCredentialsSchema = z.strictObject({
  access_token: z.string().trim().min(10).max(4000),
  developer_token: z.string().trim().min(10).max(200),
});
const TokenCredentialsSchema = z.strictObject({ access_token: z.string().trim().min(10).max(4000) });
const WebhookCredentialsSchema = z.strictObject({ secret: z.string().min(32).max(200) });

export const PlatformCredentialsSchemas = {
  google_ads: GoogleAdsCredentialsSchema,
  tiktok: TokenCredentialsSchema,
  linkedin: TokenCredentialsSchema,
  webhook: WebhookCredentialsSchema,
} as const;
export type GoogleAdsCredentials = z.infer<typeof GoogleAdsCredentialsSchema>;
export type TokenCredentials = z.infer<typeof TokenCredentialsSchema>;
export type WebhookCredentials = z.infer<typeof WebhookCredentialsSchema>;

const accountBase = {
  id: z.uuid().optional(),
  name: z.string().trim().min(1).max(120),
  is_active: z.boolean(),
};

/** Create or change a platform account; credentials are write-only (omit them to keep the stored ones). */
export const UpsertPlatformAccountSchema = z.discriminatedUnion('platform', [
  z.strictObject({
    ...accountBase,
    platform: z.literal('google_ads'),
    account_ref: z.string().trim().regex(/^\d{10}$/, 'the 10-digit customer id'),
    login_customer_id: z.string().trim().regex(/^\d{10}$/).nullable().optional(),
    credentials: GoogleAdsCredentialsSchema.optional(),
  }),
  z.strictObject({
    ...accountBase,
    platform: z.literal('tiktok'),
    account_ref: z.string().trim().regex(/^[A-Za-z0-9]{6,40}$/, 'the pixel code'),
    credentials: TokenCredentialsSchema.optional(),
  }),
  z.strictObject({
    ...accountBase,
    platform: z.literal('linkedin'),
    account_ref: z.string().trim().regex(/^\d{1,20}$/, 'the ad account id'),
    credentials: TokenCredentialsSchema.optional(),
  }),
  z.strictObject({
    ...accountBase,
    platform: z.literal('webhook'),
    account_ref: z.url({ protocol: /^https?$/ }),
    credentials: WebhookCredentialsSchema.optional(),
  }),
]);
export type UpsertPlatformAccount = z.infer<typeof UpsertPlatformAccountSchema>;

// ---- the conversion contract -----------------------------------------------------------------------

/** ConversionEvent: what a CRM schema hands to core_marketing.register_conversion (company comes from the record). */
export const ConversionEventSchema = z.strictObject({
  source_table: z.string().regex(/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/, 'schema.table'),
  source_id: z.uuid(),
  business_event: z.string().regex(/^[a-z][a-z0-9_]{1,40}(\.[a-z][a-z0-9_]{1,40})?$/),
  value: z.number().nonnegative().optional(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code').optional(),
  occurred_at: z.iso.datetime({ offset: true }).optional(),
});
export type ConversionEvent = z.infer<typeof ConversionEventSchema>;

/** EnqueueResult: what register_conversion answers. */
export const EnqueueResultSchema = z.object({
  conversion_id: z.uuid().nullable(),
  event_id: z.string().nullable(),
  created: z.boolean(),
  reason: z.literal('no_active_mapping').optional(),
  deliveries: z.array(z.object({
    platform: ConversionPlatformSchema,
    status: DeliveryStatusSchema,
    skip_reason: SkipReasonSchema.nullable(),
  })),
});
export type EnqueueResult = z.infer<typeof EnqueueResultSchema>;

/** A message on pgmq conversion_meta / conversion_platforms. */
export const ConversionMessageSchema = z.object({
  delivery_id: z.uuid(),
  company_id: z.uuid(),
  platform: ConversionPlatformSchema,
});
export type ConversionMessage = z.infer<typeof ConversionMessageSchema>;

// ---- workers ----------------------------------------------------------------------------------------

/** DispatchBatch: the body of a meta-queue-worker / platform-sync-worker call (pg_cron, kick, chain). */
export const DispatchBatchSchema = z.object({
  trigger: z.string().max(40).optional(),
  /** Stop taking new batches after this long. */
  maxRuntimeMs: z.number().int().min(100).max(140_000).default(50_000),
  /** Messages per read (Meta: at most 1,000 events a request). */
  batchSize: z.number().int().min(1).max(1000).optional(),
  /** Seconds a read batch stays invisible to other runs (default 60). */
  visibilitySeconds: z.number().int().min(5).max(600).optional(),
  /** First retry delay, doubling per attempt (default 30 s); tests shorten it. */
  retryBaseSeconds: z.number().int().min(1).max(300).optional(),
});
export type DispatchBatch = z.infer<typeof DispatchBatchSchema>;

/** DispatchBatchResult: the run's counts (also in ops.worker_runs). */
export const DispatchBatchResultSchema = z.object({
  processed: z.number().int().min(0),
  succeeded: z.number().int().min(0),
  failed: z.number().int().min(0),
  retried: z.number().int().min(0),
});
export type DispatchBatchResult = z.infer<typeof DispatchBatchResultSchema>;

// ---- status queries ----------------------------------------------------------------------------------

/** TrackingStatusFilter: the conversions ledger's filters. */
export const TrackingStatusFilterSchema = z.object({
  status: DeliveryStatusSchema.optional(),
  platform: ConversionPlatformSchema.optional(),
  reason: SkipReasonSchema.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  page: z.coerce.number().int().min(1).default(1),
});
export type TrackingStatusFilter = z.infer<typeof TrackingStatusFilterSchema>;

/** TrackingStatus: one delivery as the ledger lists it. */
export const TrackingStatusSchema = z.object({
  delivery_id: z.uuid(),
  conversion_id: z.uuid(),
  event_id: z.string(),
  conversion_name: z.string(),
  platform: ConversionPlatformSchema,
  status: DeliveryStatusSchema,
  skip_reason: SkipReasonSchema.nullable(),
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  platform_trace_id: z.string().nullable(),
  occurred_at: z.string(),
});
export type TrackingStatus = z.infer<typeof TrackingStatusSchema>;

// ---- conversion-settings function ------------------------------------------------------------------

export const SendTestEventSchema = z.strictObject({ pixel_config_id: z.uuid() });
export const RetryDeliveriesSchema = z.union([
  z.strictObject({ delivery_ids: z.array(z.uuid()).min(1).max(1000) }),
  z.strictObject({
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    platform: ConversionPlatformSchema.optional(),
  }),
]);
export type RetryDeliveries = z.infer<typeof RetryDeliveriesSchema>;

// ---- conversion-callback -----------------------------------------------------------------------------

/**
 * What a company's own conversion service POSTs back to /conversion-callback, signed with the webhook
 * account's secret: header `X-Rastro-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256("<t>.<raw body>")>`.
 * `callback_id` is unique per callback (replays are refused).
 */
export const ConversionCallbackSchema = z.strictObject({
  account_id: z.uuid(),
  callback_id: z.string().min(8).max(100),
  delivery_id: z.uuid(),
  outcome: z.enum(['confirmed', 'failed']),
  reference: z.string().max(200).optional(),
  error: z.string().max(2000).optional(),
});
export type ConversionCallback = z.infer<typeof ConversionCallbackSchema>;

/** How far a signed callback's timestamp may be from now. */
export const callbackToleranceSeconds = 300;
