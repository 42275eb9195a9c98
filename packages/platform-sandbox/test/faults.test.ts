import { describe, expect, it } from 'vitest';
import { errorRateFails } from '../src/faults.ts';
import { call, postJson, recorded, setFaults, useSandbox, websiteEvent } from './helpers.ts';

const sandbox = useSandbox();

const capiUrl = () => `${sandbox.url}/meta/v21.0/1234/events?access_token=token`;
const sendCapi = () => postJson(capiUrl(), { data: [websiteEvent()] });
const googleUpload = () => postJson(`${sandbox.url}/google-ads/v20/customers/123:uploadClickConversions`, { conversions: [] });
const tiktokTrack = () => postJson(`${sandbox.url}/tiktok/open_api/v1.3/event/track/`, { data: [] });
const linkedinBatch = () => postJson(`${sandbox.url}/linkedin/rest/conversionEvents`, { elements: [] });
const dinamizeAdd = () => postJson(`${sandbox.url}/dinamize/emkt/contact/add`, {});

async function statuses(times: number, send: () => Promise<{ status: number }>): Promise<number[]> {
  const seen: number[] = [];
  for (let index = 0; index < times; index++) seen.push((await send()).status);
  return seen;
}

describe('latencyMs', () => {
  it('delays every answer of the platform, and only that platform', async () => {
    await setFaults(sandbox.url, { platform: 'meta', latencyMs: 200 });
    const started = performance.now();
    expect((await sendCapi()).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);

    const otherStarted = performance.now();
    await tiktokTrack();
    expect(performance.now() - otherStarted).toBeLessThan(190);
  });
});

describe('errorRate and failNext', () => {
  it('errorRate 1 fails every request with a 5xx in the platform shape', async () => {
    await setFaults(sandbox.url, { platform: 'meta', errorRate: 1 });
    const answer = await sendCapi();
    expect(answer.status).toBe(500);
    expect(answer.body.error).toMatchObject({ type: 'OAuthException', code: 2, is_transient: true });
    expect(await statuses(3, sendCapi)).toEqual([500, 500, 500]);
  });

  it('errorRate 0.5 fails every second request, deterministically', async () => {
    await setFaults(sandbox.url, { platform: 'meta', errorRate: 0.5 });
    expect(await statuses(6, sendCapi)).toEqual([200, 500, 200, 500, 200, 500]);
  });

  it('holds exactly floor(n × rate) failures among the first n requests', () => {
    for (const rate of [0, 0.1, 0.25, 0.29, 1 / 3, 0.5, 0.7, 1]) {
      let failures = 0;
      for (let n = 1; n <= 1000; n++) {
        if (errorRateFails(rate, n)) failures++;
        expect(failures).toBe(Math.floor(n * rate + 1e-9));
      }
    }
  });

  it('failNext fails exactly the next n requests and shows what is left', async () => {
    await setFaults(sandbox.url, { platform: 'google-ads', failNext: 2 });
    const first = await googleUpload();
    expect(first.status).toBe(500);
    expect(first.body.error).toMatchObject({ code: 500, status: 'INTERNAL' });
    expect((await call(`${sandbox.url}/__sandbox/faults`)).body.faults).toEqual([{ platform: 'google-ads', failNext: 1 }]);
    expect(await statuses(2, googleUpload)).toEqual([500, 401]); // then the route itself: no OAuth token
  });

  it('expresses 5xx in every platform shape', async () => {
    for (const platform of ['tiktok', 'linkedin', 'dinamize']) await setFaults(sandbox.url, { platform, failNext: 1 });
    expect(await tiktokTrack()).toMatchObject({ status: 500, body: { code: 50000 } });
    expect(await linkedinBatch()).toMatchObject({ status: 500, body: { status: 500, code: 'INTERNAL_SERVER_ERROR' } });
    expect(await dinamizeAdd()).toMatchObject({ status: 500, body: { code: '500' } });
  });
});

describe('rateLimit', () => {
  it('Meta: HTTP 400 with code 4, transient, no Retry-After', async () => {
    await setFaults(sandbox.url, { platform: 'meta', rateLimit: { retryAfterSeconds: 30 } });
    const answer = await sendCapi();
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ type: 'OAuthException', code: 4, is_transient: true });
    expect(answer.headers.get('retry-after')).toBeNull();
  });

  it('Google Ads: 429 RESOURCE_EXHAUSTED with Retry-After and RetryInfo', async () => {
    await setFaults(sandbox.url, { platform: 'google-ads', rateLimit: { retryAfterSeconds: 17 } });
    const answer = await googleUpload();
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('17');
    expect(answer.body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect(answer.body.error.details).toContainEqual({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '17s' });
    expect(answer.body.error.details[0]['@type']).toBe('type.googleapis.com/google.ads.googleads.v20.errors.GoogleAdsFailure');
  });

  it('LinkedIn: 429 TOO_MANY_REQUESTS with Retry-After', async () => {
    await setFaults(sandbox.url, { platform: 'linkedin', rateLimit: { retryAfterSeconds: 5 } });
    const answer = await linkedinBatch();
    expect(answer).toMatchObject({ status: 429, body: { status: 429, code: 'TOO_MANY_REQUESTS' } });
    expect(answer.headers.get('retry-after')).toBe('5');
  });

  it('TikTok: HTTP 200 carrying code 40100', async () => {
    await setFaults(sandbox.url, { platform: 'tiktok', rateLimit: { retryAfterSeconds: 5 } });
    expect(await tiktokTrack()).toMatchObject({ status: 200, body: { code: 40100, data: {} } });
  });

  it('Dinamize: HTTP 200, code 240024, the retry-after in seconds as a string in the body', async () => {
    await setFaults(sandbox.url, { platform: 'dinamize', rateLimit: { retryAfterSeconds: 17 } });
    const answer = await dinamizeAdd();
    expect(answer).toMatchObject({ status: 200, body: { code: '240024', code_detail: 'Requests limit exceeded', body: { 'retry-after': '17' } } });
    expect(answer.headers.get('retry-after')).toBeNull();
  });

  it('with count, refuses exactly that many requests and then lets them through', async () => {
    await setFaults(sandbox.url, { platform: 'meta', rateLimit: { count: 2, retryAfterSeconds: 1 } });
    expect(await statuses(3, sendCapi)).toEqual([400, 400, 200]);
    expect((await call(`${sandbox.url}/__sandbox/faults`)).body.faults).toEqual([
      { platform: 'meta', rateLimit: { count: 0, retryAfterSeconds: 1 } },
    ]);
  });

  it('comes before failNext, which then fails the following requests', async () => {
    await setFaults(sandbox.url, { platform: 'meta', rateLimit: { count: 1, retryAfterSeconds: 1 }, failNext: 1 });
    expect(await statuses(3, sendCapi)).toEqual([400, 500, 200]);
  });
});

describe('invalidToken', () => {
  it("refuses every request in each platform's shape", async () => {
    for (const platform of ['meta', 'google-ads', 'tiktok', 'linkedin', 'dinamize']) {
      await setFaults(sandbox.url, { platform, invalidToken: true });
    }
    const meta = await sendCapi();
    expect(meta.status).toBe(400);
    expect(meta.body.error).toMatchObject({ type: 'OAuthException', code: 190, error_subcode: 463 });
    expect(await googleUpload()).toMatchObject({ status: 401, body: { error: { code: 401, status: 'UNAUTHENTICATED' } } });
    expect(await tiktokTrack()).toMatchObject({ status: 200, body: { code: 40105 } });
    expect(await linkedinBatch()).toMatchObject({ status: 401, body: { code: 'INVALID_ACCESS_TOKEN', serviceErrorCode: 65600 } });
    expect(await dinamizeAdd()).toMatchObject({ status: 200, body: { code: '401' } });
  });

  it('takes precedence over the other knobs and is recorded as the fault', async () => {
    await setFaults(sandbox.url, { platform: 'meta', invalidToken: true, rateLimit: { retryAfterSeconds: 1 }, errorRate: 1 });
    expect((await sendCapi()).body.error.code).toBe(190);
    expect((await recorded(sandbox.url, 'meta'))[0]).toMatchObject({ status: 400, fault: 'invalidToken' });
  });
});

describe('managing faults', () => {
  it('POST replaces the platform settings as a whole', async () => {
    await setFaults(sandbox.url, { platform: 'meta', errorRate: 1, latencyMs: 10 });
    const replaced = await setFaults(sandbox.url, { platform: 'meta', failNext: 1 });
    expect(replaced.body).toEqual({ fault: { platform: 'meta', failNext: 1 } });
    expect(await statuses(2, sendCapi)).toEqual([500, 200]);
  });

  it('DELETE resets one platform or all of them', async () => {
    await setFaults(sandbox.url, { platform: 'meta', errorRate: 1 });
    await setFaults(sandbox.url, { platform: 'tiktok', invalidToken: true });

    const afterOne = await call(`${sandbox.url}/__sandbox/faults?platform=meta`, { method: 'DELETE' });
    expect(afterOne.body.faults).toEqual([{ platform: 'tiktok', invalidToken: true }]);
    expect((await sendCapi()).status).toBe(200);

    await call(`${sandbox.url}/__sandbox/faults`, { method: 'DELETE' });
    expect((await call(`${sandbox.url}/__sandbox/faults`)).body).toEqual({ faults: [] });
    expect((await tiktokTrack()).body.code).toBe(40104); // the route itself: no Access-Token header
  });

  it('refuses invalid settings with 422 and the list of issues', async () => {
    const answer = await setFaults(sandbox.url, { platform: 'facebook', errorRate: 2, latency: 5, rateLimit: { count: 0 } });
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('invalid_faults');
    expect(answer.body.error.details).toEqual([
      'unknown knob "latency"',
      'platform must be one of meta, google-ads, tiktok, linkedin, dinamize, conversion-service',
      'errorRate must be a number from 0 to 1',
      'rateLimit.retryAfterSeconds must be an integer from 0 to 86400',
      'rateLimit.count must be a positive integer',
    ]);
    expect((await call(`${sandbox.url}/__sandbox/faults?platform=facebook`, { method: 'DELETE' })).status).toBe(422);
  });

  it('refuses a body that is not JSON with 400', async () => {
    const answer = await call(`${sandbox.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_json');
  });
});
