import { describe, expect, it } from 'vitest';
import { call, nowSeconds, postJson, useSandbox, websiteEvent } from './helpers.ts';

const sandbox = useSandbox();
const day = 24 * 60 * 60;

const eventsUrl = (token: string | null = 'token', pixelId = '1234', version = 'v21.0') =>
  `${sandbox.url}/meta/${version}/${pixelId}/events${token === null ? '' : `?access_token=${token}`}`;
const send = (body: unknown, url = eventsUrl()) => postJson(url, body);

function systemEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { event_name: 'Purchase', event_time: nowSeconds() - 3600, action_source: 'system_generated', user_data: { em: ['b'.repeat(64)] }, custom_data: { value: 1500, currency: 'BRL' }, ...overrides };
}

function whatsappEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_name: 'LeadSubmitted',
    event_time: nowSeconds() - 120,
    action_source: 'business_messaging',
    messaging_channel: 'whatsapp',
    user_data: {
      whatsapp_business_account_id: '104918734729122',
      ctwa_clid: 'ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRMv-_zfUQ2a',
    },
    ...overrides,
  };
}

/** The refusal's Meta fields, checked for the common shape. */
function refusal(answer: { status: number; body: any }) {
  expect(answer.status).toBe(400);
  expect(typeof answer.body.error.fbtrace_id).toBe('string');
  expect(typeof answer.body.error.message).toBe('string');
  return answer.body.error;
}

function invalidParameter(answer: { status: number; body: any }, title: string) {
  const error = refusal(answer);
  expect(error).toMatchObject({ type: 'OAuthException', code: 100, error_user_title: title });
  return error;
}

describe('Meta CAPI events — accepted', () => {
  it('accepts a valid mixed batch and answers events_received, messages and fbtrace_id', async () => {
    const answer = await send({ data: [websiteEvent(), systemEvent(), whatsappEvent()], test_event_code: 'TEST123' });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ events_received: 3, messages: [], fbtrace_id: expect.any(String) });
  });

  it('accepts 1,000 events in one request', async () => {
    const answer = await send({ data: Array.from({ length: 1000 }, (_, index) => websiteEvent({ event_id: `lead-${index}` })) });
    expect(answer.body.events_received).toBe(1000);
  });

  it('reads the token from the Authorization header or the body as Graph does', async () => {
    expect((await postJson(eventsUrl(null), { data: [websiteEvent()] }, { authorization: 'Bearer token' })).status).toBe(200);
    expect((await send({ data: [websiteEvent()], access_token: 'token' }, eventsUrl(null))).status).toBe(200);
  });

  it('accepts physical_store events up to 62 days old', async () => {
    const answer = await send({ data: [systemEvent({ action_source: 'physical_store', event_time: nowSeconds() - 30 * day })] });
    expect(answer.status).toBe(200);
  });

  it('accepts WhatsApp Purchase events with value and currency', async () => {
    const answer = await send({ data: [whatsappEvent({ event_name: 'Purchase', custom_data: { value: 99.9, currency: 'BRL' } })] });
    expect(answer.status).toBe(200);
  });
});

describe('Meta CAPI events — refused', () => {
  it('refuses a request without access_token with code 104', async () => {
    const error = refusal(await send({ data: [websiteEvent()] }, eventsUrl(null)));
    expect(error).toMatchObject({ type: 'OAuthException', code: 104 });
  });

  it('refuses empty, missing and non-array data', async () => {
    expect(invalidParameter(await send({ data: [] }), 'Invalid data').error_user_msg).toMatch(/at least one event/);
    invalidParameter(await send({}), 'Missing data');
    invalidParameter(await send({ data: websiteEvent() }), 'Invalid data');
  });

  it('refuses more than 1,000 events', async () => {
    const error = invalidParameter(await send({ data: Array.from({ length: 1001 }, () => websiteEvent()) }), 'Too many events');
    expect(error.error_user_msg).toMatch(/1001 events; at most 1000/);
  });

  it('refuses an event without action_source', async () => {
    invalidParameter(await send({ data: [websiteEvent({ action_source: undefined })] }), 'Missing action_source');
  });

  it('refuses an invalid action_source', async () => {
    const error = invalidParameter(await send({ data: [websiteEvent({ action_source: 'web' })] }), 'Invalid action_source');
    expect(error.error_user_msg).toMatch(/website, email, app, phone_call, chat, physical_store, system_generated, business_messaging, other/);
  });

  it('refuses events without event_name, event_time in seconds or user_data', async () => {
    invalidParameter(await send({ data: [websiteEvent({ event_name: '' })] }), 'Missing event_name');
    invalidParameter(await send({ data: [websiteEvent({ event_time: '1700000000' })] }), 'Invalid event_time');
    invalidParameter(await send({ data: [websiteEvent({ event_time: Date.now() })] }), 'Invalid event_time');
    invalidParameter(await send({ data: [systemEvent({ user_data: undefined })] }), 'Missing user_data');
  });

  it('refuses a website event without event_source_url or client_user_agent', async () => {
    invalidParameter(await send({ data: [websiteEvent({ event_source_url: undefined })] }), 'Missing event_source_url');
    invalidParameter(await send({ data: [websiteEvent({ user_data: { em: ['a'.repeat(64)] } })] }), 'Missing client_user_agent');
  });

  it('refuses an event older than 7 days with subcode 2804003', async () => {
    const error = invalidParameter(await send({ data: [websiteEvent({ event_time: nowSeconds() - 7 * day - 60 })] }), 'Event Timestamp Too Old');
    expect(error.error_subcode).toBe(2804003);
  });

  it('refuses physical_store events older than 62 days', async () => {
    const old = systemEvent({ action_source: 'physical_store', event_time: nowSeconds() - 63 * day });
    expect(invalidParameter(await send({ data: [old] }), 'Event Timestamp Too Old').error_subcode).toBe(2804003);
  });

  it('rejects the whole batch for one bad event and names it', async () => {
    const answer = await send({ data: [websiteEvent(), websiteEvent({ action_source: 'shop' }), websiteEvent()] });
    expect(invalidParameter(answer, 'Invalid action_source').error_user_msg).toMatch(/^data\[1\]: /);
  });

  it('refuses Purchase without value and currency, and malformed custom_data', async () => {
    invalidParameter(await send({ data: [systemEvent({ custom_data: undefined })] }), 'Missing custom_data');
    invalidParameter(await send({ data: [systemEvent({ custom_data: { value: 10 } })] }), 'Missing value or currency');
    invalidParameter(await send({ data: [systemEvent({ custom_data: { value: '10', currency: 'BRL' } })] }), 'Invalid value');
    invalidParameter(await send({ data: [systemEvent({ custom_data: { value: 10, currency: 'REAL' } })] }), 'Invalid currency');
  });

  it('refuses business messaging events Meta does not take', async () => {
    const lead = invalidParameter(await send({ data: [whatsappEvent({ event_name: 'Lead' })] }), 'Messaging Event Invalid Event Type');
    expect(lead.error_subcode).toBe(2804066);
    invalidParameter(await send({ data: [whatsappEvent({ messaging_channel: undefined })] }), 'Invalid messaging_channel');
    invalidParameter(await send({ data: [whatsappEvent({ user_data: { ph: ['c'.repeat(64)] } })] }), 'Missing ctwa_clid');
  });

  it('refuses WhatsApp events without the WABA, with hashed ids, in the future, or with half a value', async () => {
    const clid = 'ARAkLkA8rmlFeiCktEJQ';
    invalidParameter(await send({ data: [whatsappEvent({ user_data: { ctwa_clid: clid } })] }), 'Missing whatsapp_business_account_id');
    invalidParameter(
      await send({ data: [whatsappEvent({ user_data: { whatsapp_business_account_id: '104918734729122', ctwa_clid: 'a'.repeat(64) } })] }),
      'Hashed ctwa_clid',
    );
    invalidParameter(
      await send({ data: [whatsappEvent({ user_data: { whatsapp_business_account_id: 'f'.repeat(64), ctwa_clid: clid } })] }),
      'Hashed whatsapp_business_account_id',
    );
    invalidParameter(
      await send({ data: [whatsappEvent({ user_data: { whatsapp_business_account_id: 'waba-1', ctwa_clid: clid } })] }),
      'Invalid whatsapp_business_account_id',
    );
    invalidParameter(await send({ data: [whatsappEvent({ event_time: nowSeconds() + 600 })] }), 'Invalid event_time');
    invalidParameter(await send({ data: [whatsappEvent({ event_time: Date.now() })] }), 'Invalid event_time');
    invalidParameter(await send({ data: [whatsappEvent({ custom_data: { value: 10 } })] }), 'Missing value or currency');
    invalidParameter(await send({ data: [whatsappEvent({ event_name: 'Purchase' })] }), 'Missing custom_data');
    invalidParameter(await send({ data: [whatsappEvent({ event_name: 'Purchase', custom_data: { currency: 'BRL' } })] }), 'Missing value or currency');
    const accepted = await send({ data: [whatsappEvent({ custom_data: { value: 10, currency: 'BRL' } })] });
    expect(accepted.status).toBe(200);
  });

  it('refuses a body sent without a JSON content type', async () => {
    const answer = await call(eventsUrl(), { method: 'POST', body: JSON.stringify({ data: [websiteEvent()] }) });
    invalidParameter(answer, 'Missing data');
  });

  it('refuses a pixel id that is not a Graph object id', async () => {
    const error = refusal(await send({ data: [websiteEvent()] }, eventsUrl('token', 'my-pixel')));
    expect(error).toMatchObject({ type: 'GraphMethodException', code: 100, error_subcode: 33 });
  });

  it('answers 404 for a path without a Graph version', async () => {
    expect((await send({ data: [websiteEvent()] }, eventsUrl('token', '1234', 'latest'))).status).toBe(404);
  });
});
