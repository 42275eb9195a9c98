import { z } from 'zod';

// Contracts of the Meta Ads module (seed 002 sprints 2, 3 and 5; docs/decisions/0014-meta-ads.md):
// the meta-oauth and meta-accounts functions, the meta-sync-worker's request and its insights message.

export const metaConnectionStatuses = ['ACTIVE', 'EXPIRED', 'INVALID_SCOPES'] as const;
export const MetaConnectionStatusSchema = z.enum(metaConnectionStatuses);
export type MetaConnectionStatus = z.infer<typeof MetaConnectionStatusSchema>;

/** The permissions a connection needs (seed 002 §8). */
export const metaRequiredScopes = ['ads_read', 'ads_management', 'business_management'] as const;

/** POST /meta-oauth/connect: where the console wants the person back after the dialog (a console path). */
export const MetaConnectStartSchema = z.strictObject({
  return_to: z.string().regex(/^\/[A-Za-z0-9/_-]{0,200}$/, 'a console path such as /meta-ads').optional(),
});
export type MetaConnectStart = z.infer<typeof MetaConnectStartSchema>;

/** POST /meta-oauth/connections: the dialog's answer as the console's callback page received it. */
export const MetaOAuthCallbackSchema = z.strictObject({
  code: z.string().min(1).max(2000),
  state: z.string().min(1).max(2000),
});
export type MetaOAuthCallback = z.infer<typeof MetaOAuthCallbackSchema>;

export const MetaAdAccountIdSchema = z.string().regex(/^act_\d{1,25}$/, 'an ad account id such as act_123');

/** PUT /meta-accounts/ad-accounts/{act_id}/config: track the account (or not) with this connection's token. */
export const MetaAdAccountConfigSchema = z.strictObject({
  connection_id: z.uuid(),
  is_active: z.boolean(),
  /** The dataset/pixel CAPI events of this account go to; null clears it. */
  pixel_id: z.string().regex(/^\d{5,20}$/, 'the numeric dataset (pixel) id').nullable().optional(),
});
export type MetaAdAccountConfig = z.infer<typeof MetaAdAccountConfigSchema>;

/** meta-sync-worker's request: which queue(s) to drain (both when omitted). */
export const MetaSyncRequestSchema = z.object({
  trigger: z.string().max(40).optional(),
  job: z.enum(['enrichment', 'insights']).optional(),
  maxRuntimeMs: z.number().int().min(100).max(140_000).default(50_000),
  retryBaseSeconds: z.number().int().min(1).max(300).optional(),
});
export type MetaSyncRequest = z.infer<typeof MetaSyncRequestSchema>;

/** A pgmq meta_insights message: sync one ad account (the worker chooses the days). */
export const MetaInsightsMessageSchema = z.object({
  company_id: z.uuid(),
  meta_ad_account_id: z.uuid(),
});
export type MetaInsightsMessage = z.infer<typeof MetaInsightsMessageSchema>;

/**
 * The UTM template web ads carry so web leads join spend by id (names change; ids do not):
 * utm_campaign = campaign id, utm_content = ad set id, utm_term = ad id (docs/decisions/0014).
 */
export const metaUtmTemplate =
  'utm_source=facebook&utm_medium=paid&utm_campaign={{campaign.id}}&utm_content={{adset.id}}&utm_term={{ad.id}}';

export const roiLevels = ['campaign', 'adset', 'ad'] as const;
export const RoiLevelSchema = z.enum(roiLevels);
export type RoiLevel = z.infer<typeof RoiLevelSchema>;

/** One ad account of GET /meta-accounts/ad-accounts: what Meta says, who reaches it, what is saved. */
export type MetaAdAccountListing = {
  ad_account_id: string;
  account_id: string;
  name: string;
  currency: string | null;
  timezone_name: string | null;
  account_status: number | null;
  profiles: Array<{ connection_id: string; fb_user_name: string }>;
  /** False: saved earlier, but no usable profile reaches it now. */
  reachable: boolean;
  config_id: string | null;
  connection_id: string;
  is_active: boolean;
  pixel_id: string | null;
  pixel_name: string | null;
  insights_synced_at: string | null;
  insights_error: string | null;
};

/** The answer of GET /meta-accounts/ad-accounts; `problems`: profiles Meta refused (code token_expired). */
export type MetaAdAccountsAnswer = {
  accounts: MetaAdAccountListing[];
  problems: Array<{ connection_id: string; fb_user_name: string; code: string; message: string }>;
};
