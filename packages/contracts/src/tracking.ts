// Web tracking contracts (issue 7): what the browser snippet (packages/tracker) sends to the `track`
// and `lead-capture` edge functions, and what they answer. Keys are short-lived browser state, so
// every string has a hard length limit; anything longer is refused (422), never truncated silently.
import { z } from 'zod';

/** A request to `track` carries at most this many events … */
export const trackMaxEvents = 50;
/** … and at most this many bytes of body (413 beyond either). */
export const trackMaxBytes = 64 * 1024;
/** lead-capture bodies are smaller still. */
export const leadCaptureMaxBytes = 16 * 1024;
/** A session ends after this much inactivity (the snippet starts a new id). */
export const sessionIdleMs = 30 * 60 * 1000;

const clientId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'letters, digits, - and _ (8 to 64)');
export const siteKeySchema = z.string().regex(/^rk_[A-Za-z0-9_-]{8,60}$/, 'a site key (rk_…)');
const pageUrl = z.string().max(2048).refine((value) => /^https?:\/\//.test(value) && URL.canParse(value), 'an http(s) URL');
const shortText = (max: number) => z.string().max(max);

export const TrackContextSchema = z.strictObject({
  fbc: shortText(500).optional(),
  fbp: shortText(200).optional(),
  language: shortText(35).optional(),
  screen: z.string().regex(/^[0-9]{1,5}x[0-9]{1,5}$/).optional(),
  timezone: shortText(64).optional(),
});

const eventBase = {
  id: clientId,
  /** When it happened, in the browser's clock (ms since the epoch). */
  at: z.number().int().min(0).max(8.64e15),
  url: pageUrl,
};

const eventData = z.record(z.string().max(40), z.union([z.string().max(500), z.number().finite(), z.boolean(), z.null()]))
  .refine((value) => Object.keys(value).length <= 20, 'at most 20 keys');

export const TrackPageViewSchema = z.strictObject({
  ...eventBase,
  type: z.literal('page_view'),
  title: shortText(300).optional(),
  referrer: z.string().max(2048).optional(),
});

export const TrackPageLeaveSchema = z.strictObject({
  ...eventBase,
  type: z.literal('page_leave'),
  /** The id of the page_view event of the page being left. */
  view_id: clientId,
  time_on_page: z.number().int().min(0).max(86_400),
  scroll_depth: z.number().int().min(0).max(100).optional(),
});

export const trackInteractionTypes = ['click', 'outbound', 'scroll', 'form_submit', 'custom'] as const;

export const TrackInteractionSchema = z.strictObject({
  ...eventBase,
  type: z.enum(trackInteractionTypes),
  category: shortText(100).optional(),
  action: shortText(100).optional(),
  label: shortText(200).optional(),
  value: z.number().finite().min(-1e12).max(1e12).optional(),
  element_id: shortText(200).optional(),
  element_class: shortText(200).optional(),
  data: eventData.optional(),
});

export const TrackEventSchema = z.discriminatedUnion('type', [TrackPageViewSchema, TrackPageLeaveSchema, TrackInteractionSchema]);

export const TrackBatchSchema = z.strictObject({
  site_key: siteKeySchema,
  /** The snippet's first-party visitor id; without it track derives one from IP + user agent + site. */
  visitor_id: clientId.optional(),
  session_id: clientId,
  context: TrackContextSchema.optional(),
  events: z.array(TrackEventSchema).min(1).max(trackMaxEvents)
    // track dedupes retries on these ids, so one batch cannot carry an id twice
    .refine((events) => new Set(events.map((event) => event.id)).size === events.length, 'event ids must be unique within a batch'),
});

export type TrackBatch = z.infer<typeof TrackBatchSchema>;
export type TrackEvent = z.infer<typeof TrackEventSchema>;

export type TrackAccepted = {
  status: 'accepted';
  page_views: number;
  events: number;
  touches: number;
  duplicates: number;
};
export type TrackDropped = { status: 'dropped'; reason: 'bot' };

export const LeadCaptureSchema = z.strictObject({
  site_key: siteKeySchema,
  session_id: clientId.optional(),
  visitor_id: clientId.optional(),
  email: z.string().min(3).max(320),
  name: shortText(300).optional(),
  phone: shortText(40).optional(),
  company: shortText(300).optional(),
  message: shortText(5000).optional(),
  form_location: shortText(200).optional(),
  page_url: pageUrl.optional(),
  consent: z.boolean().optional(),
  /** E-mail message public id (the mid of an e-mail link), when the snippet saw one. */
  mid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  /** Honeypot: a hidden field people leave empty. Filled in, the capture is silently dropped. */
  website: z.string().max(500).optional(),
});
export type LeadCapture = z.infer<typeof LeadCaptureSchema>;
export type LeadCaptureAccepted = { status: 'accepted' };

/** URL parameters a touch keeps in columns of its own (everything else goes to url_params). */
export const utmParameters = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_id', 'utm_term', 'utm_content'] as const;
export const clickIdParameters = ['gclid', 'gbraid', 'wbraid', 'fbclid', 'ttclid', 'li_fat_id', 'msclkid'] as const;

/** Meta's fbc / fbp shapes (PLATFORMS.md): fb.<0-2>.<ms>.<value>[.<appendix>]; never altered. */
export const fbcShape = /^fb\.[0-2]\.[0-9]{10,16}\.[^.\s]+(\.[^.\s]+)?$/;
export const fbpShape = /^fb\.[0-2]\.[0-9]{10,16}\.[0-9A-Za-z_-]+(\.[^.\s]+)?$/;
