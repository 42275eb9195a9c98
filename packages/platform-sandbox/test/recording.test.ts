import { describe, expect, it } from 'vitest';
import { startSandbox } from '../src/server.ts';
import { call, postJson, recorded, useSandbox, websiteEvent } from './helpers.ts';

describe('control API', () => {
  const sandbox = useSandbox();

  it('answers health checks', async () => {
    expect(await call(`${sandbox.url}/__sandbox/health`)).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('answers 404 for unknown control resources and 405 with Allow for wrong methods', async () => {
    expect((await call(`${sandbox.url}/__sandbox/nothing`)).body.error.code).toBe('not_found');
    const wrongMethod = await call(`${sandbox.url}/__sandbox/health`, { method: 'POST' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
  });
});

describe('recording', () => {
  const sandbox = useSandbox();

  it('records platform, method, path, query, raw headers, parsed body and the answer', async () => {
    const body = { data: [websiteEvent()] };
    const answer = await postJson(`${sandbox.url}/meta/v21.0/1234/events?access_token=secret-token&x=1&x=2`, body, {
      authorization: 'Bearer header-token',
    });

    const [record, ...others] = await recorded(sandbox.url);
    expect(others).toEqual([]);
    expect(record).toMatchObject({
      platform: 'meta',
      method: 'POST',
      path: '/v21.0/1234/events',
      query: { access_token: 'secret-token', x: ['1', '2'] },
      body,
      status: 200,
      response: answer.body,
      fault: null,
    });
    expect(record.headers.authorization).toBe('Bearer header-token');
    expect(record.headers['content-type']).toBe('application/json');
    expect(Date.parse(record.receivedAt)).not.toBeNaN();
  });

  it('keeps non-JSON bodies as text and empty bodies as null', async () => {
    await call(`${sandbox.url}/dinamize/emkt/contact/add`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'name=Ana' });
    await call(`${sandbox.url}/dinamize/emkt/contact/search`);
    const [text, empty] = await recorded(sandbox.url, 'dinamize');
    expect(text.body).toBe('name=Ana');
    expect(empty.body).toBeNull();
  });

  it('lists oldest first, filters by platform and clears one platform or all', async () => {
    await call(`${sandbox.url}/tiktok/open_api/v1.3/event/track/`, { method: 'POST' });
    await call(`${sandbox.url}/linkedin/rest/conversionEvents`, { method: 'POST' });
    await call(`${sandbox.url}/tiktok/second`);

    const all = await recorded(sandbox.url);
    expect(all.map((record) => `${record.platform} ${record.path}`)).toEqual([
      'tiktok /open_api/v1.3/event/track/',
      'linkedin /rest/conversionEvents',
      'tiktok /second',
    ]);
    expect(all[0].id).toBeLessThan(all[1].id);
    expect((await recorded(sandbox.url, 'tiktok')).map((record) => record.path)).toEqual(['/open_api/v1.3/event/track/', '/second']);

    expect((await call(`${sandbox.url}/__sandbox/requests?platform=tiktok`, { method: 'DELETE' })).body).toEqual({ cleared: 2 });
    expect((await recorded(sandbox.url)).map((record) => record.platform)).toEqual(['linkedin']);
    expect((await call(`${sandbox.url}/__sandbox/requests`, { method: 'DELETE' })).body).toEqual({ cleared: 1 });
    expect(await recorded(sandbox.url)).toEqual([]);
  });

  it('answers 404 JSON for an unknown platform and still records it', async () => {
    const answer = await call(`${sandbox.url}/v21.0/1234/events`, { method: 'POST' });
    expect(answer.status).toBe(404);
    expect(answer.body.error).toMatchObject({ code: 'unknown_platform', details: { platforms: ['meta', 'google-ads', 'tiktok', 'linkedin', 'dinamize', 'conversion-service'] } });
    expect((await recorded(sandbox.url, 'v21.0'))[0]).toMatchObject({ path: '/1234/events', status: 404 });
  });

  it("answers 404 for unknown routes in each platform's own error shape", async () => {
    const meta = await call(`${sandbox.url}/meta/v21.0/me/nothing`);
    expect(meta.status).toBe(404);
    expect(meta.body.error).toMatchObject({ type: 'GraphMethodException', code: 100 });
    expect(typeof meta.body.error.fbtrace_id).toBe('string');

    expect((await call(`${sandbox.url}/google-ads/v20/nothing`)).body.error).toMatchObject({ code: 404, status: 'NOT_FOUND' });
    expect((await call(`${sandbox.url}/tiktok/nothing`)).body).toMatchObject({ code: 40002, data: {} });
    expect((await call(`${sandbox.url}/linkedin/nothing`)).body).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect((await call(`${sandbox.url}/dinamize/nothing`)).body).toMatchObject({ code: '404', body: {} });
  });
});

describe('recording limits and logging', () => {
  it('keeps at most maxRecords requests, dropping the oldest', async () => {
    const sandbox = await startSandbox({ port: 0, recorderLimits: { maxRecords: 3 } });
    try {
      for (let index = 1; index <= 5; index++) await call(`${sandbox.url}/tiktok/call-${index}`);
      expect((await recorded(sandbox.url)).map((record) => record.path)).toEqual(['/call-3', '/call-4', '/call-5']);
    } finally {
      await sandbox.close();
    }
  });

  it('keeps at most maxBytes of request bodies, dropping the oldest', async () => {
    const sandbox = await startSandbox({ port: 0, recorderLimits: { maxBytes: 250 } });
    try {
      for (let index = 1; index <= 4; index++) {
        await call(`${sandbox.url}/linkedin/batch-${index}`, { method: 'POST', body: 'x'.repeat(100) });
      }
      expect((await recorded(sandbox.url)).map((record) => record.path)).toEqual(['/batch-3', '/batch-4']);
    } finally {
      await sandbox.close();
    }
  });

  it('logs one line per request without tokens from the query or the headers', async () => {
    const lines: string[] = [];
    const sandbox = await startSandbox({ port: 0, log: (line) => lines.push(line) });
    try {
      await postJson(`${sandbox.url}/meta/v21.0/1234/events?access_token=query-secret`, { data: [websiteEvent()] }, {
        authorization: 'Bearer header-secret',
      });
      expect(lines).toEqual(['meta POST /v21.0/1234/events → 200']);
      expect(lines.join('\n')).not.toMatch(/secret/);
    } finally {
      await sandbox.close();
    }
  });
});
