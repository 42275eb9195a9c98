// Meta Conversions API: POST /{version}/{pixelId}/events — website, system and business-messaging
// events. Rules from PLATFORMS.md; one invalid event rejects the whole batch, as on the real API.
import { isPlainObject, json } from '../platform.ts';
import type { PlatformRequest, PlatformResponse, Route } from '../platform.ts';
import { accessTokenOf, invalidParameter, metaError, metaErrors, missingAccessToken, newTraceId } from './meta-errors.ts';

export const maxEventsPerRequest = 1000;

export const actionSources = [
  'website',
  'email',
  'app',
  'phone_call',
  'chat',
  'physical_store',
  'system_generated',
  'business_messaging',
  'other',
] as const;

const day = 24 * 60 * 60;
const maxEventAgeSeconds = 7 * day;
const maxPhysicalStoreEventAgeSeconds = 62 * day;
// Not from Meta's documentation: a margin that accepts clock skew but refuses millisecond timestamps.
const maxFutureSeconds = 60 * 60;

const messagingChannels = ['whatsapp', 'messenger', 'instagram'];
// Events Meta accepts with action_source business_messaging (third-party reports of the live API;
// plain `Lead` is refused, `LeadSubmitted` is the lead event). Subcode 2804066 comes from the same source.
const businessMessagingEvents = [
  'LeadSubmitted',
  'QualifiedLead',
  'Purchase',
  'InitiateCheckout',
  'AddToCart',
  'ViewContent',
  'OrderCreated',
  'OrderShipped',
  'OrderDelivered',
  'OrderCanceled',
  'OrderReturned',
  'CartAbandoned',
  'RatingProvided',
  'ReviewProvided',
];
const timestampTooOldSubcode = 2804003;
const invalidMessagingEventSubcode = 2804066;

type Problem = { title: string; detail: string; subcode?: number };

export const capiRoutes: Route[] = [{ method: 'POST', path: '/{version}/{pixelId}/events', handler: receiveEvents }];

function receiveEvents(request: PlatformRequest): PlatformResponse {
  const { version, pixelId } = request.params;
  if (!/^v\d+\.\d+$/.test(version)) return metaErrors.notFound(request);
  if (!accessTokenOf(request)) return missingAccessToken();
  if (!/^\d+$/.test(pixelId)) {
    return metaError(400, {
      message: `Unsupported post request. Object with ID '${pixelId}' does not exist or cannot be loaded with this token.`,
      type: 'GraphMethodException',
      code: 100,
      subcode: 33,
    });
  }
  const problem = batchProblem(request.body, Math.floor(request.receivedAt.getTime() / 1000));
  if (problem) return invalidParameter(problem.title, problem.detail, problem.subcode);
  const data = (request.body as { data: unknown[] }).data;
  return json(200, { events_received: data.length, messages: [], fbtrace_id: newTraceId() });
}

function batchProblem(body: unknown, nowSeconds: number): Problem | null {
  if (!isPlainObject(body) || body.data === undefined) {
    return { title: 'Missing data', detail: 'The request body must be a JSON object with a "data" array of events.' };
  }
  const { data, test_event_code: testEventCode } = body;
  if (!Array.isArray(data)) return { title: 'Invalid data', detail: '"data" must be an array of events.' };
  if (data.length === 0) return { title: 'Invalid data', detail: '"data" must contain at least one event.' };
  if (data.length > maxEventsPerRequest) {
    return { title: 'Too many events', detail: `"data" holds ${data.length} events; at most ${maxEventsPerRequest} are accepted per request.` };
  }
  if (testEventCode !== undefined && typeof testEventCode !== 'string') {
    return { title: 'Invalid test_event_code', detail: '"test_event_code" must be a string.' };
  }
  for (const [index, event] of data.entries()) {
    const problem = eventProblem(event, nowSeconds);
    if (problem) return { ...problem, detail: `data[${index}]: ${problem.detail}` };
  }
  return null;
}

function eventProblem(event: unknown, nowSeconds: number): Problem | null {
  if (!isPlainObject(event)) return { title: 'Invalid event', detail: 'each event must be a JSON object.' };
  if (!isNonEmptyString(event.event_name)) return { title: 'Missing event_name', detail: 'event_name is required.' };
  if (typeof event.event_time !== 'number' || !Number.isInteger(event.event_time)) {
    return { title: 'Invalid event_time', detail: 'event_time must be a Unix timestamp in seconds.' };
  }
  if (event.action_source === undefined) return { title: 'Missing action_source', detail: 'action_source is required.' };
  if (!(actionSources as readonly unknown[]).includes(event.action_source)) {
    return { title: 'Invalid action_source', detail: `action_source must be one of ${actionSources.join(', ')}.` };
  }
  const timeProblem = eventTimeProblem(event.event_time, event.action_source as string, nowSeconds);
  if (timeProblem) return timeProblem;
  if (!isPlainObject(event.user_data)) return { title: 'Missing user_data', detail: 'user_data is required and must be an object.' };
  return (
    websiteProblem(event) ??
    businessMessagingProblem(event) ??
    customDataProblem(event) ??
    optionalFieldsProblem(event)
  );
}

function eventTimeProblem(eventTime: number, actionSource: string, nowSeconds: number): Problem | null {
  const maxAge = actionSource === 'physical_store' ? maxPhysicalStoreEventAgeSeconds : maxEventAgeSeconds;
  if (eventTime < nowSeconds - maxAge) {
    return {
      title: 'Event Timestamp Too Old',
      detail: `event_time is more than ${maxAge / day} days in the past; ${actionSource} events older than that are refused.`,
      subcode: timestampTooOldSubcode,
    };
  }
  if (eventTime > nowSeconds + maxFutureSeconds) {
    return { title: 'Invalid event_time', detail: 'event_time is in the future (is it in milliseconds instead of seconds?).' };
  }
  return null;
}

function websiteProblem(event: Record<string, unknown>): Problem | null {
  if (event.action_source !== 'website') return null;
  if (!isNonEmptyString(event.event_source_url)) {
    return { title: 'Missing event_source_url', detail: 'website events require event_source_url.' };
  }
  const userData = event.user_data as Record<string, unknown>;
  if (!isNonEmptyString(userData.client_user_agent)) {
    return { title: 'Missing client_user_agent', detail: 'website events require user_data.client_user_agent.' };
  }
  return null;
}

function businessMessagingProblem(event: Record<string, unknown>): Problem | null {
  if (event.action_source !== 'business_messaging') return null;
  if (!messagingChannels.includes(event.messaging_channel as string)) {
    return {
      title: 'Invalid messaging_channel',
      detail: `business_messaging events require messaging_channel, one of ${messagingChannels.join(', ')}.`,
    };
  }
  if (!businessMessagingEvents.includes(event.event_name as string)) {
    return {
      title: 'Messaging Event Invalid Event Type',
      detail: `event_name "${String(event.event_name)}" is not accepted for business_messaging (use LeadSubmitted for leads).`,
      subcode: invalidMessagingEventSubcode,
    };
  }
  const userData = event.user_data as Record<string, unknown>;
  // Messenger and Instagram identify people by page- or Instagram-scoped ids; not used by Rastro yet.
  if (event.messaging_channel === 'whatsapp') {
    if (!isNonEmptyString(userData.ctwa_clid)) {
      return { title: 'Missing ctwa_clid', detail: 'whatsapp events require user_data.ctwa_clid (the click-to-WhatsApp click id).' };
    }
    if (!isNonEmptyString(userData.whatsapp_business_account_id)) {
      return {
        title: 'Missing whatsapp_business_account_id',
        detail: 'whatsapp events require user_data.whatsapp_business_account_id (the WABA the conversation is on).',
      };
    }
    // Both travel as Meta issued them (PLATFORMS.md): a SHA-256 / MD5 hex value is a hashed id, never matched.
    for (const key of ['ctwa_clid', 'whatsapp_business_account_id']) {
      if (looksHashed(userData[key] as string)) {
        return { title: `Hashed ${key}`, detail: `user_data.${key} must be sent unhashed, exactly as received.` };
      }
    }
    if (!/^\d+$/.test(userData.whatsapp_business_account_id as string)) {
      return { title: 'Invalid whatsapp_business_account_id', detail: 'user_data.whatsapp_business_account_id must be the numeric WABA id.' };
    }
  }
  if ((event.event_time as number) > businessMessagingNow() + maxMessagingSkewSeconds) {
    return { title: 'Invalid event_time', detail: 'business_messaging event_time must not be in the future (seconds, not milliseconds).' };
  }
  // Messaging wrappers take value and currency together or not at all.
  if (isPlainObject(event.custom_data) && (event.custom_data.value === undefined) !== (event.custom_data.currency === undefined)) {
    return { title: 'Missing value or currency', detail: 'business_messaging custom_data needs both value and currency, or neither.' };
  }
  return null;
}

// Not from Meta's documentation: one minute of clock skew between sender and receiver.
const maxMessagingSkewSeconds = 60;
const businessMessagingNow = () => Math.floor(Date.now() / 1000);

function looksHashed(value: string): boolean {
  return /^[0-9a-f]{64}$/i.test(value) || /^[0-9a-f]{32}$/i.test(value);
}

function customDataProblem(event: Record<string, unknown>): Problem | null {
  const customData = event.custom_data;
  if (customData === undefined) {
    return event.event_name === 'Purchase'
      ? { title: 'Missing custom_data', detail: 'Purchase events require custom_data.currency and custom_data.value.' }
      : null;
  }
  if (!isPlainObject(customData)) return { title: 'Invalid custom_data', detail: 'custom_data must be an object.' };
  const { value, currency } = customData;
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value))) {
    return { title: 'Invalid value', detail: 'custom_data.value must be a number.' };
  }
  if (currency !== undefined && !(typeof currency === 'string' && /^[A-Za-z]{3}$/.test(currency))) {
    return { title: 'Invalid currency', detail: 'custom_data.currency must be an ISO 4217 code.' };
  }
  if (event.event_name === 'Purchase' && (value === undefined || currency === undefined)) {
    return { title: 'Missing value or currency', detail: 'Purchase events require custom_data.currency and custom_data.value.' };
  }
  return null;
}

function optionalFieldsProblem(event: Record<string, unknown>): Problem | null {
  if (event.event_id !== undefined && typeof event.event_id !== 'string') {
    return { title: 'Invalid event_id', detail: 'event_id must be a string.' };
  }
  if (event.opt_out !== undefined && typeof event.opt_out !== 'boolean') {
    return { title: 'Invalid opt_out', detail: 'opt_out must be a boolean.' };
  }
  const options = event.data_processing_options;
  if (options !== undefined && !(Array.isArray(options) && options.every((option) => typeof option === 'string'))) {
    return { title: 'Invalid data_processing_options', detail: 'data_processing_options must be an array of strings.' };
  }
  return null;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}
