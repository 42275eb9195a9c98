// One gateway per platform: how a delivery becomes that platform's item, how a batch of items becomes
// one HTTP request, and how the answer reads (PLATFORMS.md is the contract for every payload).
// Every gateway is pure: no I/O, so the dispatch engine (dispatch.ts) owns sending, logging, retries.
import type { AccountCredentials } from './secrets.ts';
import type { GoogleAdsCredentials, TokenCredentials, WebhookCredentials } from '@rastro/contracts';

/** A delivery with its conversion and mapping, as the engine loads it. */
export type DeliveryRow = {
  delivery_id: string;
  company_id: string;
  conversion_id: string;
  platform: string;
  status: string;
  attempts: number;
  pixel_config_id: string | null;
  platform_account_id: string | null;
  click_id: string | null;
  event_id: string;
  conversion_name: string;
  value: string | null;
  currency: string | null;
  occurred_at: Date;
  fbc: string | null;
  fbp: string | null;
  gclid: string | null;
  gbraid: string | null;
  wbraid: string | null;
  ttclid: string | null;
  li_fat_id: string | null;
  ctwa_clid: string | null;
  /** whatsapp: a CAPI for Business Messaging event (a ticket's conversion, decision 0013). */
  messaging_channel: string | null;
  whatsapp_business_account_id: string | null;
  email_hash: string | null;
  phone_hash: string | null;
  external_id_hash: string | null;
  client_user_agent: string | null;
  event_source_url: string | null;
  meta_event_name: string | null;
  google_conversion_action_id: string | null;
  tiktok_event_name: string | null;
  linkedin_rule_id: string | null;
  upload_limit_days: number | null;
};

/** Where a group of deliveries goes, with its secret opened. */
export type Destination = {
  id: string;
  companyId: string;
  platform: string;
  /** Pixel id, Google customer id, TikTok pixel code, LinkedIn ad account, webhook URL. */
  ref: string;
  loginCustomerId: string | null;
  graphVersion: string;
  testEventCode: string | null;
  actionSource: string;
  secret: string | AccountCredentials;
};

export type Built = { ok: true; item: Record<string, unknown> } | { ok: false; error: string };

export type Outcome =
  /** Accepted; `failures` are items the platform refused inside an accepted request (Google partial failure). */
  | { kind: 'sent'; traceId: string | null; failures: Array<{ index: number; error: string }> }
  /** The whole request was refused because of one item: drop it (permanently failed) and resend the rest. */
  | { kind: 'invalid_item'; index: number; error: string }
  | { kind: 'retry'; error: string; delaySeconds?: number }
  | { kind: 'token_invalid'; error: string }
  | { kind: 'failed'; error: string };

export type HttpAnswer = { status: number; headers: Headers; body: unknown };

export type Gateway = {
  platform: string;
  /** Items per request. */
  maxBatch: number;
  build(row: DeliveryRow, destination: Destination): Built;
  /** The request; `logged` is what dispatch_log keeps (never a token or secret). */
  request(
    items: Record<string, unknown>[],
    destination: Destination,
    env: (name: string) => string | undefined,
  ): Promise<{ url: string; init: RequestInit; logged: Record<string, unknown> }>;
  interpret(answer: HttpAnswer, itemCount: number): Outcome;
};

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** Retry-After in seconds (number or HTTP date), capped to a day; null when absent or unreadable. */
export function retryAfterSeconds(headers: Headers): number | null {
  const value = headers.get('retry-after');
  if (value === null) return null;
  if (/^\d+$/.test(value.trim())) return Math.min(Number(value.trim()), 86_400);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.min(Math.max(0, Math.ceil((at - Date.now()) / 1000)), 86_400) : null;
}

function baseUrl(env: (name: string) => string | undefined, name: string, fallback: string): string {
  return (env(name) ?? fallback).replace(/\/+$/, '');
}

function field(body: unknown, ...path: string[]): unknown {
  let current = body;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function itemIndex(message: string, prefix: string): number | null {
  const match = new RegExp(`${prefix}\\[(\\d+)\\]`).exec(message);
  return match ? Number(match[1]) : null;
}

const headersOf = (init: Record<string, string>) => init;

// ---- Meta Conversions API ------------------------------------------------------------------------

const metaThrottling = new Set([4, 17, 341, 613, 80004]);

export const metaGateway: Gateway = {
  platform: 'meta',
  maxBatch: 1000,
  build(row, destination) {
    if (!row.meta_event_name) return { ok: false, error: 'the mapping names no Meta event for this conversion' };
    if (row.messaging_channel) return buildBusinessMessagingEvent(row, row.meta_event_name);
    const userData: Record<string, unknown> = {};
    if (row.email_hash) userData.em = [row.email_hash];
    if (row.phone_hash) userData.ph = [row.phone_hash];
    if (row.external_id_hash) userData.external_id = [row.external_id_hash];
    // fbc / fbp / ctwa_clid travel exactly as captured: never hashed, lower-cased or rebuilt.
    if (row.fbc) userData.fbc = row.fbc;
    if (row.fbp) userData.fbp = row.fbp;
    if (row.client_user_agent) userData.client_user_agent = row.client_user_agent;
    if (Object.keys(userData).length === 0) {
      return { ok: false, error: 'no match key (fbc, fbp, e-mail, phone or external id)' };
    }
    const event: Record<string, unknown> = {
      event_name: row.meta_event_name,
      event_time: seconds(row.occurred_at),
      event_id: row.event_id,
      action_source: destination.actionSource,
      user_data: userData,
    };
    if (destination.actionSource === 'website') {
      if (!row.event_source_url || !row.client_user_agent) {
        return { ok: false, error: 'website events need event_source_url and client_user_agent; use system_generated' };
      }
      event.event_source_url = row.event_source_url;
    }
    if (row.value !== null) event.custom_data = { value: Number(row.value), currency: row.currency };
    else if (row.meta_event_name === 'Purchase') {
      return { ok: false, error: 'Purchase needs a value and currency (mapping send_value)' };
    }
    return { ok: true, item: event };
  },
  request(items, destination, env) {
    const path = `/${destination.graphVersion}/${destination.ref}/events`;
    const body: Record<string, unknown> = { data: items };
    if (destination.testEventCode) body.test_event_code = destination.testEventCode;
    return Promise.resolve({
      url: `${baseUrl(env, 'META_GRAPH_URL', 'https://graph.facebook.com')}${path}`,
      init: {
        method: 'POST',
        headers: headersOf({
          'content-type': 'application/json',
          authorization: `Bearer ${destination.secret as string}`,
        }),
        body: JSON.stringify(body),
      },
      logged: { method: 'POST', path, body },
    });
  },
  interpret(answer) {
    const error = field(answer.body, 'error') as Record<string, unknown> | undefined;
    if (answer.status === 200 && !error) {
      return { kind: 'sent', traceId: (field(answer.body, 'fbtrace_id') as string) ?? null, failures: [] };
    }
    const code = Number(error?.code);
    const subcode = Number(error?.error_subcode);
    const text = `Meta ${answer.status} code ${Number.isFinite(code) ? code : '?'}: ${
      String(error?.error_user_msg ?? error?.message ?? 'no error body')
    }`;
    if (code === 190) return { kind: 'token_invalid', error: text };
    if (metaThrottling.has(code)) return { kind: 'retry', error: text };
    if (answer.status >= 500 || code === 1 || code === 2 || error?.is_transient === true) {
      return { kind: 'retry', error: text };
    }
    if (code === 100 && subcode === 1504018) return { kind: 'retry', error: text };
    if (code === 100) {
      const index = itemIndex(String(error?.error_user_msg ?? ''), 'data');
      if (index !== null) return { kind: 'invalid_item', index, error: text };
    }
    return { kind: 'failed', error: text };
  },
};

/**
 * CAPI for Business Messaging (PLATFORMS.md): action_source business_messaging, messaging_channel
 * whatsapp, user_data { whatsapp_business_account_id, ctwa_clid } exactly as received (never hashed),
 * custom_data { currency, value } when there is a value (Purchase must have one), event_time in seconds.
 * Meta does not deduplicate these: the delivery ledger sends each once.
 */
function buildBusinessMessagingEvent(row: DeliveryRow, eventName: string): Built {
  if (!businessMessagingEvents.has(eventName)) {
    return { ok: false, error: `${eventName} is not a Business Messaging event (LeadSubmitted, Purchase, …)` };
  }
  if (!row.ctwa_clid) return { ok: false, error: 'no ctwa_clid: a WhatsApp conversion is not sent without one' };
  if (!row.whatsapp_business_account_id) return { ok: false, error: 'no WhatsApp Business Account id' };
  const event: Record<string, unknown> = {
    event_name: eventName,
    event_time: Math.min(seconds(row.occurred_at), seconds(new Date())),
    event_id: row.event_id,
    action_source: 'business_messaging',
    messaging_channel: row.messaging_channel,
    user_data: { whatsapp_business_account_id: row.whatsapp_business_account_id, ctwa_clid: row.ctwa_clid },
  };
  if (row.value !== null && row.currency !== null) {
    event.custom_data = { currency: row.currency, value: Number(row.value) };
  } else if (eventName === 'Purchase') {
    return { ok: false, error: 'Purchase needs a value and currency (mapping send_value)' };
  }
  return { ok: true, item: event };
}

/** Meta's Business Messaging event names (plain `Lead` is not one of them). */
const businessMessagingEvents = new Set([
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
]);

// ---- Google Ads click conversions -------------------------------------------------------------------

/** "yyyy-mm-dd hh:mm:ss+00:00": the time zone is mandatory; we always send UTC. */
export function googleDateTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}+00:00`;
}

export const googleAdsGateway: Gateway = {
  platform: 'google_ads',
  maxBatch: 2000,
  build(row, destination) {
    if (!row.google_conversion_action_id) {
      return { ok: false, error: 'the mapping names no Google Ads conversion action' };
    }
    const kind = row.gclid ? 'gclid' : row.gbraid ? 'gbraid' : row.wbraid ? 'wbraid' : null;
    if (!kind) return { ok: false, error: 'no gclid, gbraid or wbraid' };
    const item: Record<string, unknown> = {
      [kind]: row[kind],
      conversionAction: `customers/${destination.ref}/conversionActions/${row.google_conversion_action_id}`,
      conversionDateTime: googleDateTime(row.occurred_at),
      orderId: row.event_id,
    };
    if (row.value !== null) {
      item.conversionValue = Number(row.value);
      item.currencyCode = row.currency;
    }
    // Google hashes phone numbers in E.164 (with "+"), unlike Meta: only the e-mail hash is shared.
    if (row.email_hash) item.userIdentifiers = [{ hashedEmail: row.email_hash }];
    return { ok: true, item };
  },
  request(items, destination, env) {
    const credentials = destination.secret as GoogleAdsCredentials;
    const path = `/v20/customers/${destination.ref}:uploadClickConversions`;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      authorization: `Bearer ${credentials.access_token}`,
      'developer-token': credentials.developer_token,
    };
    if (destination.loginCustomerId) headers['login-customer-id'] = destination.loginCustomerId;
    const body = { conversions: items, partialFailure: true };
    return Promise.resolve({
      url: `${baseUrl(env, 'GOOGLE_ADS_URL', 'https://googleads.googleapis.com')}${path}`,
      init: { method: 'POST', headers, body: JSON.stringify(body) },
      logged: { method: 'POST', path, body },
    });
  },
  interpret(answer) {
    const traceId = answer.headers.get('request-id') ?? (field(answer.body, 'jobId') as string | undefined) ?? null;
    if (answer.status === 200) {
      const details = (field(answer.body, 'partialFailureError', 'details') as unknown[] | undefined) ?? [];
      const failures = details.flatMap((detail) =>
        ((field(detail, 'errors') as unknown[] | undefined) ?? []).flatMap((error) => {
          const index = Number(field(error, 'location', 'fieldPathElements', '0', 'index'));
          const code = JSON.stringify(field(error, 'errorCode') ?? {});
          return Number.isInteger(index)
            ? [{ index, error: `Google Ads ${code}: ${String(field(error, 'message'))}` }]
            : [];
        })
      );
      return { kind: 'sent', traceId, failures };
    }
    const text = `Google Ads ${answer.status} ${String(field(answer.body, 'error', 'status') ?? '')}: ${
      String(field(answer.body, 'error', 'message') ?? 'no error body')
    }`;
    if (answer.status === 401 || answer.status === 403) return { kind: 'token_invalid', error: text };
    if (answer.status === 429) {
      return { kind: 'retry', error: text, delaySeconds: retryAfterSeconds(answer.headers) ?? undefined };
    }
    if (answer.status >= 500) return { kind: 'retry', error: text };
    return { kind: 'failed', error: text };
  },
};

// ---- TikTok Events API 2.0 -----------------------------------------------------------------------------

export const tiktokGateway: Gateway = {
  platform: 'tiktok',
  maxBatch: 1000,
  build(row) {
    if (!row.tiktok_event_name) return { ok: false, error: 'the mapping names no TikTok event' };
    const user: Record<string, unknown> = {};
    if (row.ttclid) user.ttclid = row.ttclid;
    if (row.email_hash) user.email = [row.email_hash];
    if (row.phone_hash) user.phone = [row.phone_hash];
    if (row.external_id_hash) user.external_id = [row.external_id_hash];
    const item: Record<string, unknown> = {
      event: row.tiktok_event_name,
      event_time: seconds(row.occurred_at),
      event_id: row.event_id,
      user,
    };
    if (row.value !== null) {
      item.properties = { value: Number(row.value), currency: row.currency, order_id: row.event_id };
    }
    return { ok: true, item };
  },
  request(items, destination, env) {
    const path = '/open_api/v1.3/event/track/';
    const body: Record<string, unknown> = { event_source: 'web', event_source_id: destination.ref, data: items };
    if (destination.testEventCode) body.test_event_code = destination.testEventCode;
    return Promise.resolve({
      url: `${baseUrl(env, 'TIKTOK_URL', 'https://business-api.tiktok.com')}${path}`,
      init: {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'access-token': (destination.secret as TokenCredentials).access_token,
        },
        body: JSON.stringify(body),
      },
      logged: { method: 'POST', path, body },
    });
  },
  interpret(answer) {
    const code = Number(field(answer.body, 'code'));
    const message = String(field(answer.body, 'message') ?? 'no body');
    const traceId = (field(answer.body, 'request_id') as string | undefined) ?? null;
    const text = `TikTok ${answer.status} code ${Number.isFinite(code) ? code : '?'}: ${message}`;
    if (answer.status >= 500) return { kind: 'retry', error: text };
    if (answer.status === 200 && code === 0) return { kind: 'sent', traceId, failures: [] };
    if (code === 40105 || code === 40104 || code === 40001) return { kind: 'token_invalid', error: text };
    if (code === 40100 || code === 40016) return { kind: 'retry', error: text };
    if (code === 40002) {
      const index = itemIndex(message, 'data');
      if (index !== null) return { kind: 'invalid_item', index, error: text };
    }
    return { kind: 'failed', error: text };
  },
};

// ---- LinkedIn Conversions API ---------------------------------------------------------------------------

export const linkedinVersion = '202411';

export const linkedinGateway: Gateway = {
  platform: 'linkedin',
  maxBatch: 5000,
  build(row) {
    if (!row.linkedin_rule_id) return { ok: false, error: 'the mapping names no LinkedIn conversion rule' };
    const userIds: Array<Record<string, string>> = [];
    if (row.email_hash) userIds.push({ idType: 'SHA256_EMAIL', idValue: row.email_hash });
    if (row.li_fat_id) userIds.push({ idType: 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID', idValue: row.li_fat_id });
    if (userIds.length === 0) return { ok: false, error: 'no li_fat_id or e-mail hash' };
    const item: Record<string, unknown> = {
      conversion: `urn:lla:llaPartnerConversion:${row.linkedin_rule_id}`,
      conversionHappenedAt: row.occurred_at.getTime(),
      eventId: row.event_id,
      user: { userIds },
    };
    if (row.value !== null) item.conversionValue = { currencyCode: row.currency, amount: Number(row.value).toFixed(2) };
    return { ok: true, item };
  },
  request(items, destination, env) {
    const path = '/rest/conversionEvents';
    const body = { elements: items };
    return Promise.resolve({
      url: `${baseUrl(env, 'LINKEDIN_URL', 'https://api.linkedin.com')}${path}`,
      init: {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${(destination.secret as TokenCredentials).access_token}`,
          'linkedin-version': linkedinVersion,
          'x-restli-protocol-version': '2.0.0',
          'x-restli-method': 'BATCH_CREATE',
        },
        body: JSON.stringify(body),
      },
      logged: { method: 'POST', path, body },
    });
  },
  interpret(answer) {
    const traceId = answer.headers.get('x-li-uuid') ?? answer.headers.get('x-restli-id');
    const text = `LinkedIn ${answer.status} ${String(field(answer.body, 'code') ?? '')}: ${
      String(field(answer.body, 'message') ?? '')
    }`;
    if (answer.status === 200 || answer.status === 201) {
      const elements = (field(answer.body, 'elements') as unknown[] | undefined) ?? [];
      const failures = elements.flatMap((element, index) => {
        const status = Number(field(element, 'status'));
        return status >= 400
          ? [{ index, error: `LinkedIn element ${status}: ${JSON.stringify(field(element, 'error') ?? {})}` }]
          : [];
      });
      return { kind: 'sent', traceId, failures };
    }
    if (answer.status === 401) return { kind: 'token_invalid', error: text };
    if (answer.status === 429) {
      return { kind: 'retry', error: text, delaySeconds: retryAfterSeconds(answer.headers) ?? undefined };
    }
    if (answer.status >= 500) return { kind: 'retry', error: text };
    const index = itemIndex(String(field(answer.body, 'message') ?? ''), 'elements');
    if (index !== null) return { kind: 'invalid_item', index, error: text };
    return { kind: 'failed', error: text };
  },
};

// ---- signed webhook to the company's own conversion service ----------------------------------------------

/** X-Rastro-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">, the same scheme conversion-callback checks. */
export async function signPayload(secret: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    [
      'sign',
    ],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${timestamp}.${body}`)));
  return Array.from(mac, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export const webhookGateway: Gateway = {
  platform: 'webhook',
  maxBatch: 1000,
  build(row) {
    return {
      ok: true,
      item: {
        delivery_id: row.delivery_id,
        event_id: row.event_id,
        conversion_name: row.conversion_name,
        occurred_at: row.occurred_at.toISOString(),
        value: row.value === null ? null : Number(row.value),
        currency: row.currency,
        click_ids: {
          fbc: row.fbc,
          fbp: row.fbp,
          gclid: row.gclid,
          gbraid: row.gbraid,
          wbraid: row.wbraid,
          ttclid: row.ttclid,
          li_fat_id: row.li_fat_id,
          ctwa_clid: row.ctwa_clid,
        },
        user: { email_sha256: row.email_hash, phone_sha256: row.phone_hash, external_id_sha256: row.external_id_hash },
      },
    };
  },
  async request(items, destination) {
    const body = JSON.stringify({ conversions: items });
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = await signPayload((destination.secret as WebhookCredentials).secret, timestamp, body);
    const url = new URL(destination.ref);
    return {
      url: destination.ref,
      init: {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-rastro-signature': `t=${timestamp},v1=${signature}` },
        body,
      },
      logged: { method: 'POST', path: `${url.origin}${url.pathname}`, body: { conversions: items } },
    };
  },
  interpret(answer) {
    const text = `webhook ${answer.status}: ${JSON.stringify(answer.body)?.slice(0, 500)}`;
    if (answer.status >= 200 && answer.status < 300) {
      return { kind: 'sent', traceId: (field(answer.body, 'reference') as string | undefined) ?? null, failures: [] };
    }
    if (answer.status === 401 || answer.status === 403) return { kind: 'token_invalid', error: text };
    if (answer.status === 429) {
      return { kind: 'retry', error: text, delaySeconds: retryAfterSeconds(answer.headers) ?? undefined };
    }
    if (answer.status >= 500 || answer.status === 408) return { kind: 'retry', error: text };
    return { kind: 'failed', error: text };
  },
};

export const gateways: Record<string, Gateway> = {
  meta: metaGateway,
  google_ads: googleAdsGateway,
  tiktok: tiktokGateway,
  linkedin: linkedinGateway,
  webhook: webhookGateway,
};
