// WhatsApp Click-to-WhatsApp contracts (issue 9, seed 002; BLUEPRINT §6.4; decision 0013): what Meta
// posts to `whatsapp-webhook`, what the webhook hands to Postgres in one call, the `meta_enrichment`
// queue message the webhook enqueues for meta-sync-worker, and the console's ticket commands.
import { z } from 'zod';

// ---- meta_enrichment queue ------------------------------------------------------------------------

/**
 * A message on pgmq queue `meta_enrichment`: enrich one ticket's tracking with the ad's names.
 * Enqueued by the webhook whenever a ticket's ad (referral.source_id) is new or changed. The consumer
 * (meta-sync-worker) writes through `lead.record_ticket_enrichment`, which applies the names only while
 * the tracking still points at `meta_ad_id` (the race guard on meta_ad_id_at_enrichment).
 */
export const MetaEnrichmentMessageSchema = z.strictObject({
  company_id: z.uuid(),
  ticket_tracking_id: z.uuid(),
  meta_ad_id: z.string().regex(/^[0-9]{1,30}$/, 'the numeric ad id (referral.source_id)'),
});
export type MetaEnrichmentMessage = z.infer<typeof MetaEnrichmentMessageSchema>;
export const metaEnrichmentQueue = 'meta_enrichment';

export const enrichmentStatuses = ['PENDING', 'COMPLETED', 'FAILED'] as const;
export const EnrichmentStatusSchema = z.enum(enrichmentStatuses);
export type EnrichmentStatus = z.infer<typeof EnrichmentStatusSchema>;

/** What the enrichment consumer found for an ad (Graph `/{ad_id}?fields=name,adset{id,name},campaign{id,name},account_id`). */
export const TicketEnrichmentResultSchema = z.union([
  z.strictObject({
    status: z.literal('COMPLETED'),
    ad_name: z.string().max(500).nullable(),
    adset_id: z.string().max(30).nullable(),
    adset_name: z.string().max(500).nullable(),
    campaign_id: z.string().max(30).nullable(),
    campaign_name: z.string().max(500).nullable(),
    account_id: z.string().max(40).nullable(),
  }),
  z.strictObject({ status: z.literal('FAILED'), error: z.string().min(1).max(2000) }),
]);
export type TicketEnrichmentResult = z.infer<typeof TicketEnrichmentResultSchema>;

// ---- the webhook --------------------------------------------------------------------------------

/** Largest webhook body accepted (Meta batches at most a few messages; anything bigger is refused, 413). */
export const whatsappWebhookMaxBytes = 256 * 1024;
/** At most this many messages are taken from one delivery (the rest would be a malformed or hostile body). */
export const whatsappWebhookMaxMessages = 200;

const text = (max: number) => z.string().max(max);

/** `referral` of the first message after an ad click (PLATFORMS.md "WhatsApp Cloud API webhook"). */
export const WhatsappReferralSchema = z.object({
  source_url: text(2048).optional(),
  source_id: text(64).optional(),
  source_type: text(32).optional(),
  body: text(4096).optional(),
  headline: text(1024).optional(),
  media_type: text(32).optional(),
  image_url: text(2048).optional(),
  video_url: text(2048).optional(),
  thumbnail_url: text(2048).optional(),
  ctwa_clid: text(512).optional(),
});
export type WhatsappReferral = z.infer<typeof WhatsappReferralSchema>;

export const WhatsappInboundMessageSchema = z.object({
  from: z.string().regex(/^[0-9]{7,20}$/, 'the sender wa_id (digits)'),
  id: z.string().min(1).max(256),
  timestamp: z.string().regex(/^[0-9]{1,12}$/, 'unix seconds'),
  type: text(40).optional(),
  referral: WhatsappReferralSchema.optional(),
});

const WhatsappChangeValueSchema = z.object({
  messaging_product: text(40).optional(),
  metadata: z.object({ phone_number_id: text(64), display_phone_number: text(40).optional() }).optional(),
  contacts: z.array(z.object({ wa_id: text(20).optional(), profile: z.object({ name: text(300).optional() }).optional() }))
    .max(200).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
});

/** The body Meta POSTs (only the parts used are checked; Meta adds fields freely). */
export const WhatsappWebhookSchema = z.object({
  object: text(64).optional(),
  entry: z.array(z.object({
    id: text(64).optional(),
    changes: z.array(z.object({ field: text(64).optional(), value: WhatsappChangeValueSchema })).max(100),
  })).max(100),
});
export type WhatsappWebhook = z.infer<typeof WhatsappWebhookSchema>;

/** One inbound message as the webhook passes it to `lead.ingest_whatsapp_messages` (all of a delivery in one call). */
export const WhatsappIngestMessageSchema = z.strictObject({
  phone_number_id: text(64),
  wamid: z.string().min(1).max(256),
  from: z.string().regex(/^[0-9]{7,20}$/),
  /** Unix seconds (Meta's timestamp). */
  sent_at: z.number().int().min(0),
  type: text(40).nullable(),
  contact_name: text(300).nullable(),
  referral: WhatsappReferralSchema.nullable(),
});
export type WhatsappIngestMessage = z.infer<typeof WhatsappIngestMessageSchema>;

/** What `lead.ingest_whatsapp_messages` answers (and the webhook logs). */
export const WhatsappIngestResultSchema = z.object({
  received: z.number().int(),
  stored: z.number().int(),
  duplicates: z.number().int(),
  unknown_number: z.number().int(),
  tickets_opened: z.number().int(),
  tickets_expired: z.number().int(),
  attribution_changes: z.number().int(),
  enrichments_queued: z.number().int(),
});
export type WhatsappIngestResult = z.infer<typeof WhatsappIngestResultSchema>;

// ---- tickets (console) ----------------------------------------------------------------------------

export const ticketStatuses = ['open', 'closed', 'expired'] as const;
export const TicketStatusSchema = z.enum(ticketStatuses);
export type TicketStatus = z.infer<typeof TicketStatusSchema>;

/** Ticket stages: `qualified` sends LeadSubmitted (with a ctwa_clid), `won` sends Purchase with the deal value. */
export const ticketStages = ['new', 'qualified', 'won', 'lost'] as const;
export const TicketStageSchema = z.enum(ticketStages);
export type TicketStage = z.infer<typeof TicketStageSchema>;

/** Seed 002 MetaConversionEvent statuses, as a ticket shows its conversions (derived from the delivery). */
export const ticketConversionStatuses = [
  'PENDING',
  'SENT',
  'FAILED',
  'SKIPPED_NO_CTWA',
  'SKIPPED_DUPLICATE_LEAD',
  'SKIPPED_NO_DATASET',
  'SKIPPED_OUTSIDE_WINDOW',
] as const;
export const TicketConversionStatusSchema = z.enum(ticketConversionStatuses);
export type TicketConversionStatus = z.infer<typeof TicketConversionStatusSchema>;

/** MoveTicket: the console moves a ticket to a stage (won needs the deal value). */
export const MoveTicketSchema = z.strictObject({
  ticket_id: z.uuid(),
  stage: TicketStageSchema,
  deal_value: z.number().min(0).max(999_999_999_999).nullable().optional(),
  currency: z.string().regex(/^[A-Z]{3}$/).optional(),
}).refine((value) => value.stage !== 'won' || (value.deal_value !== null && value.deal_value !== undefined), {
  message: 'a won ticket needs its deal value',
  path: ['deal_value'],
});
export type MoveTicket = z.infer<typeof MoveTicketSchema>;

/** A company's WhatsApp number (console settings). */
export const UpsertWhatsappNumberSchema = z.strictObject({
  id: z.uuid().optional(),
  phone_number_id: z.string().trim().regex(/^[0-9]{5,30}$/, 'the numeric phone number id from Meta'),
  whatsapp_business_account_id: z.string().trim().regex(/^[0-9]{5,30}$/, 'the numeric WhatsApp Business Account id'),
  display_phone_number: z.string().trim().max(40).nullable().optional(),
  label: z.string().trim().min(1).max(120),
  pixel_config_id: z.uuid().nullable().optional(),
  is_active: z.boolean(),
});
export type UpsertWhatsappNumber = z.infer<typeof UpsertWhatsappNumberSchema>;

export const ticketExpirationDaysDefault = 7;
export const WhatsappSettingsSchema = z.strictObject({
  ticket_expiration_days: z.number().int().min(1).max(365),
});
export type WhatsappSettings = z.infer<typeof WhatsappSettingsSchema>;
