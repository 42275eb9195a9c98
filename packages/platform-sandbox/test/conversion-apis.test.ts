// Google Ads click conversions, TikTok Events API, LinkedIn Conversions API and the conversion-service
// webhook stand-in: one accepted request each, then one refusal per rule (PLATFORMS.md).
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { call, postJson, setFaults, useSandbox } from './helpers.ts';

const sandbox = useSandbox();
const sha = 'a'.repeat(64);

const googleUrl = (customer = '1234567890') => `${sandbox.url}/google-ads/v20/customers/${customer}:uploadClickConversions`;
const googleHeaders = { authorization: 'Bearer ya29.token', 'developer-token': 'dev-token-123' };
function clickConversion(overrides: Record<string, unknown> = {}) {
  return {
    gclid: 'Cj0KCQgclid',
    conversionAction: 'customers/1234567890/conversionActions/555',
    conversionDateTime: '2026-11-30 10:00:00-03:00',
    conversionValue: 1500.5,
    currencyCode: 'BRL',
    orderId: 'purchase-1',
    userIdentifiers: [{ hashedEmail: sha }],
    ...overrides,
  };
}

describe('Google Ads uploadClickConversions', () => {
  it('accepts valid conversions with partialFailure true', async () => {
    const answer = await postJson(googleUrl(), { conversions: [clickConversion()], partialFailure: true }, googleHeaders);
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([{ gclid: 'Cj0KCQgclid', conversionAction: 'customers/1234567890/conversionActions/555', conversionDateTime: '2026-11-30 10:00:00-03:00' }]);
    expect(answer.body.partialFailureError).toBeUndefined();
  });

  it('refuses a request without partialFailure, without a token or developer token', async () => {
    expect((await postJson(googleUrl(), { conversions: [clickConversion()] }, googleHeaders)).status).toBe(400);
    expect((await postJson(googleUrl(), { conversions: [clickConversion()], partialFailure: true }, { 'developer-token': 'x' })).status).toBe(401);
    const noDev = await postJson(googleUrl(), { conversions: [clickConversion()], partialFailure: true }, { authorization: 'Bearer t' });
    expect(noDev.status).toBe(400);
    expect(noDev.body.error.details[0].errors[0].errorCode).toEqual({ authenticationError: 'DEVELOPER_TOKEN_PARAMETER_MISSING' });
    expect((await postJson(googleUrl('123'), { conversions: [clickConversion()], partialFailure: true }, googleHeaders)).status).toBe(400);
    const tooMany = Array.from({ length: 2001 }, () => clickConversion());
    expect((await postJson(googleUrl(), { conversions: tooMany, partialFailure: true }, googleHeaders)).status).toBe(400);
  });

  it('maps each bad conversion to its index as a partial failure; the others succeed', async () => {
    const conversions = [
      clickConversion(),
      clickConversion({ conversionDateTime: '2026-11-30 10:00:00' }), // no time zone
      clickConversion({ gclid: 'INVALIDgclid' }),
      clickConversion({ gclid: undefined, gbraid: 'gbraid1' }),
      clickConversion({ conversionAction: 'customers/999/conversionActions/1' }),
      clickConversion({ userIdentifiers: [{ hashedEmail: 'maria@example.com' }] }),
      clickConversion({ currencyCode: 'brl' }),
      clickConversion({ gclid: 'a', gbraid: 'b' }),
    ];
    const answer = await postJson(googleUrl(), { conversions, partialFailure: true }, googleHeaders);
    expect(answer.status).toBe(200);
    const failed = answer.body.partialFailureError.details[0].errors.map((e: any) => e.location.fieldPathElements[0].index);
    expect(failed).toEqual([1, 2, 4, 5, 6, 7]);
    expect(answer.body.results[0]).toHaveProperty('gclid');
    expect(answer.body.results[3]).toHaveProperty('gbraid', 'gbraid1');
    expect(answer.body.results[1]).toEqual({});
    expect(answer.body.partialFailureError.details[0].errors[0].errorCode).toEqual({ dateError: 'INVALID_STRING_DATE_TIME_SECONDS_WITH_OFFSET' });
  });
});

describe('TikTok Events API', () => {
  const url = () => `${sandbox.url}/tiktok/open_api/v1.3/event/track/`;
  const now = () => Math.floor(Date.now() / 1000);
  const event = (overrides: Record<string, unknown> = {}) => ({
    event: 'CompletePayment', event_time: now(), event_id: 'purchase-1',
    user: { ttclid: 'E.C.P.tt', email: [sha], external_id: sha }, properties: { value: 10, currency: 'BRL', order_id: 'purchase-1' },
    ...overrides,
  });
  it('accepts a valid batch (code 0)', async () => {
    const answer = await postJson(url(), { event_source: 'crm', event_source_id: 'CPIXEL123', data: [event()] }, { 'access-token': 't' });
    expect(answer).toMatchObject({ status: 200, body: { code: 0 } });
  });
  it('refuses, as HTTP 200 with a code, what the API refuses', async () => {
    const send = (body: unknown, headers: Record<string, string> = { 'access-token': 't' }) => postJson(url(), body, headers);
    expect((await send({ event_source: 'crm', event_source_id: 'C1', data: [event()] }, {})).body.code).toBe(40104);
    expect((await send({ event_source: 'mail', event_source_id: 'C1', data: [event()] })).body.code).toBe(40002);
    const unhashed = await send({ event_source: 'crm', event_source_id: 'C1', data: [event(), event({ user: { email: 'maria@example.com' } })] });
    expect(unhashed.body).toMatchObject({ code: 40002 });
    expect(unhashed.body.message).toMatch(/^data\[1\]: user.email/);
    expect((await send({ event_source: 'crm', event_source_id: 'C1', data: [event({ event_time: Date.now() })] })).body.code).toBe(40002);
    expect((await send({ event_source: 'crm', event_source_id: 'C1', data: [event({ properties: { value: 10 } })] })).body.code).toBe(40002);
  });
});

describe('LinkedIn Conversions API', () => {
  const url = () => `${sandbox.url}/linkedin/rest/conversionEvents`;
  const headers = { authorization: 'Bearer t', 'linkedin-version': '202411', 'x-restli-protocol-version': '2.0.0', 'x-restli-method': 'BATCH_CREATE' };
  const element = (overrides: Record<string, unknown> = {}) => ({
    conversion: 'urn:lla:llaPartnerConversion:777', conversionHappenedAt: Date.now() - 1000, eventId: 'purchase-1',
    conversionValue: { currencyCode: 'BRL', amount: '10.00' },
    user: { userIds: [{ idType: 'SHA256_EMAIL', idValue: sha }, { idType: 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID', idValue: 'li-fat' }] },
    ...overrides,
  });
  it('accepts a batch', async () => {
    const answer = await postJson(url(), { elements: [element(), element()] }, headers);
    expect(answer).toMatchObject({ status: 200, body: { elements: [{ status: 201 }, { status: 201 }] } });
  });
  it('refuses bad headers and bad elements, naming the element', async () => {
    expect((await postJson(url(), { elements: [element()] }, { ...headers, 'linkedin-version': '' })).status).toBe(400);
    expect((await postJson(url(), { elements: [element()] }, { ...headers, authorization: '' })).status).toBe(401);
    const seconds = await postJson(url(), { elements: [element(), element({ conversionHappenedAt: Math.floor(Date.now() / 1000) })] }, headers);
    expect(seconds.status).toBe(422);
    expect(seconds.body.message).toMatch(/^elements\[1\]: conversionHappenedAt must be epoch milliseconds/);
    expect((await postJson(url(), { elements: [element({ conversionHappenedAt: Date.now() - 91 * 86_400_000 })] }, headers)).status).toBe(422);
    expect((await postJson(url(), { elements: [element({ user: { userIds: [{ idType: 'SHA256_EMAIL', idValue: 'x@y.z' }] } })] }, headers)).status).toBe(422);
  });
});

describe('conversion-service (signed webhook destination)', () => {
  const url = () => `${sandbox.url}/conversion-service/conversions`;
  const secret = 's'.repeat(40);
  const signed = (body: string, key = secret) => {
    const t = Math.floor(Date.now() / 1000);
    return `t=${t},v1=${createHmac('sha256', key).update(`${t}.${body}`).digest('hex')}`;
  };
  it('accepts a correctly signed batch and refuses a wrong or missing signature', async () => {
    await postJson(`${sandbox.url}/__sandbox/platforms/conversion-service/secret`, { secret });
    const body = JSON.stringify({ conversions: [{ delivery_id: 'd1', event_id: 'purchase-1' }] });
    const send = (signature?: string) =>
      call(url(), { method: 'POST', headers: { 'content-type': 'application/json', ...(signature ? { 'x-rastro-signature': signature } : {}) }, body });
    expect(await send(signed(body))).toMatchObject({ status: 202, body: { accepted: 1 } });
    expect((await send(signed(body, 'x'.repeat(40)))).status).toBe(401);
    expect((await send()).status).toBe(401);
  });
});

describe('rateLimit.rate', () => {
  it("refuses a share of requests, spread evenly, with the platform's rate-limit answer", async () => {
    await setFaults(sandbox.url, { platform: 'google-ads', rateLimit: { rate: 0.25, retryAfterSeconds: 3 } });
    const seen: Array<[number, string | null]> = [];
    for (let i = 0; i < 8; i++) {
      const answer = await postJson(googleUrl(), { conversions: [clickConversion()], partialFailure: true }, googleHeaders);
      seen.push([answer.status, answer.headers.get('retry-after')]);
    }
    expect(seen).toEqual([[200, null], [200, null], [200, null], [429, '3'], [200, null], [200, null], [200, null], [429, '3']]);
    expect((await setFaults(sandbox.url, { platform: 'meta', rateLimit: { rate: 0.5, count: 1, retryAfterSeconds: 1 } })).status).toBe(422);
  });
});
