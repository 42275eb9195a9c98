import { beforeEach, describe, expect, it } from 'vitest';
import { formatDinamizeDate, parseDinamizeDate } from '../src/platforms/dinamize.ts';
import { call, postJson, recorded, setFaults, useSandbox } from './helpers.ts';

const sandbox = useSandbox();
const control = () => `${sandbox.url}/__sandbox/platforms/dinamize`;
const api = (path: string) => `${sandbox.url}/dinamize${path}`;
const jsonHeaders = { 'content-type': 'application/json; charset=utf-8' };

beforeEach(async () => {
  await call(control(), { method: 'DELETE' });
});

async function authenticate(clientCode = '300001'): Promise<string> {
  const answer = await postJson(api('/auth'), { user: 'ana@example.com', password: 'secret', client_code: clientCode }, jsonHeaders);
  expect(answer.body.code).toBe('480001');
  return answer.body.body['auth-token'];
}

function withToken(path: string, token: string, body: unknown) {
  return postJson(api(path), body, { ...jsonHeaders, 'auth-token': token });
}

async function addContact(token: string, fields: Record<string, unknown> = {}) {
  return withToken('/emkt/contact/add', token, { 'contact-list_code': '1', email: 'lead@example.com', name: 'Lead', ...fields });
}

describe('dates', () => {
  it('formats and parses Brasília time (UTC−03:00)', () => {
    expect(formatDinamizeDate(new Date('2025-01-15T13:30:00Z'))).toBe('2025-01-15 10:30:00');
    expect(parseDinamizeDate('2025-01-15 10:30:00')?.toISOString()).toBe('2025-01-15T13:30:00.000Z');
    expect(parseDinamizeDate('2025-02-30 10:30:00')).toBeNull();
    expect(parseDinamizeDate('2025-01-15T10:30:00')).toBeNull();
  });
});

describe('POST /auth', () => {
  it('issues a token in the documented envelope, shaped as real clients see it', async () => {
    const answer = await postJson(api('/auth'), { user: 'ana@example.com', password: 'secret', client_code: '300001' }, jsonHeaders);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ code: '480001', code_detail: 'Success', body: { manager: true }, warning: [] });
    expect(answer.body.body['auth-token']).toMatch(/^\d{5}\.\d{6}\.\d{1,2}\.[A-Za-z0-9+/]{48}$/);
    expect(answer.body.request_unique).toMatch(/^\d+$/);
  });

  it('refuses missing fields with the documented codes, always over HTTP 200 (malformed: assumed code 400)', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ password: 'secret', client_code: '300001' }, '240003'],
      [{ user: 'ana@example.com', client_code: '300001' }, '240002'],
      [{ user: 'ana@example.com', password: 'secret' }, '240029'],
      [{ user: 'ana@example.com', password: 'secret', client_code: 'abc' }, '240029'],
      [{ user: 'ana@example.com', password: 'secret', client_code: '300001', extra: 1 }, '400'],
    ];
    for (const [body, code] of cases) {
      const answer = await postJson(api('/auth'), body, jsonHeaders);
      expect(answer.status).toBe(200);
      expect(answer.body.code, JSON.stringify(body)).toBe(code);
    }
    const notJson = await call(api('/auth'), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'user=ana' });
    expect(notJson.body.code).toBe('400');
  });

  it('checks the password of a registered account (240004)', async () => {
    await postJson(`${control()}/accounts`, { client_code: '300002', user: 'ana@example.com', password: 'right' });
    const wrong = await postJson(api('/auth'), { user: 'ana@example.com', password: 'wrong', client_code: '300002' }, jsonHeaders);
    expect(wrong.body).toMatchObject({ code: '240004', code_detail: 'Username or password are invalid' });
    const right = await postJson(api('/auth'), { user: 'ana@example.com', password: 'right', client_code: '300002' }, jsonHeaders);
    expect(right.body.code).toBe('480001');
    expect((await call(control())).body.accounts).toEqual([{ client_code: '300002', user: 'ana@example.com' }]);
  });
});

describe('tokens', () => {
  it('are required on every /emkt call (assumed code 401)', async () => {
    expect((await postJson(api('/emkt/contact/add'), { 'contact-list_code': '1', email: 'a@example.com' }, jsonHeaders)).body.code).toBe('401');
    expect((await withToken('/emkt/contact/add', 'made.up.token', { 'contact-list_code': '1', email: 'a@example.com' })).body.code).toBe('401');
  });

  it('die after the idle time, the maximum age, a number of uses, or on demand (assumed code 401)', async () => {
    await postJson(`${control()}/settings`, { tokenMaxUses: 2 });
    let token = await authenticate();
    expect((await addContact(token, { email: 'one@example.com' })).body.code).toBe('480001');
    expect((await addContact(token, { email: 'two@example.com' })).body.code).toBe('480001');
    expect((await addContact(token, { email: 'three@example.com' })).body).toMatchObject({ code: '401', code_detail: 'Invalid or expired auth-token.' });

    await postJson(`${control()}/settings`, { tokenIdleSeconds: 0 });
    token = await authenticate();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await addContact(token, { email: 'three@example.com' })).body.code).toBe('401');

    await postJson(`${control()}/settings`, { tokenMaxAgeSeconds: 0 });
    token = await authenticate();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await addContact(token, { email: 'three@example.com' })).body.code).toBe('401');

    await postJson(`${control()}/settings`, {});
    token = await authenticate();
    expect((await postJson(`${control()}/expire-tokens`, {})).body.expired).toBeGreaterThanOrEqual(1);
    expect((await addContact(token, { email: 'three@example.com' })).body.code).toBe('401');
    expect((await addContact(await authenticate(), { email: 'three@example.com' })).body.code).toBe('480001');
  });

  it('refuses invalid settings', async () => {
    const answer = await postJson(`${control()}/settings`, { tokenMaxUses: 0, tokenIdleSeconds: -1, ttl: 3 });
    expect(answer.status).toBe(422);
    expect(answer.body.error.details).toEqual([
      'unknown setting "ttl"',
      'tokenIdleSeconds must be a non-negative integer',
      'tokenMaxUses must be a positive integer or null',
    ]);
  });
});

describe('POST /emkt/contact/add', () => {
  it('stores the contact and returns its code', async () => {
    const token = await authenticate();
    const answer = await addContact(token, { external_code: 'lead-42', custom_fields: { cmp4: 'Ativo', cmp5: ['a', 'b'] } });
    expect(answer.body).toMatchObject({ code: '480001', body: { code: expect.stringMatching(/^\d+$/) } });
    const [contact] = (await call(control())).body.contacts;
    expect(contact).toMatchObject({
      code: answer.body.body.code,
      email: 'lead@example.com',
      name: 'Lead',
      external_code: 'lead-42',
      custom_fields: { cmp4: 'Ativo', cmp5: ['a', 'b'] },
      client_code: '300001',
      contact_list_code: '1',
    });
    expect(parseDinamizeDate(contact.insert_date)).not.toBeNull();
  });

  it('refuses wrong shapes with code 400 and duplicates with 409 (assumed codes 400, 409)', async () => {
    const token = await authenticate();
    const bad: Record<string, unknown>[] = [
      { email: 'lead@example.com' },
      { 'contact-list_code': 1, email: 'lead@example.com' },
      { 'contact-list_code': '1' },
      { 'contact-list_code': '1', email: 'not-an-email' },
      { 'contact-list_code': '1', email: 'lead@example.com', name: 42 },
      { 'contact-list_code': '1', email: 'lead@example.com', custom_fields: { phone: '1' } },
      { 'contact-list_code': '1', email: 'lead@example.com', custom_fields: { cmp4: { nested: true } } },
      { 'contact-list_code': '1', email: 'lead@example.com', date_rest: '31/12/2025' },
      { 'contact-list_code': '1', email: 'lead@example.com', contact_list_code: '1' },
    ];
    for (const body of bad) expect((await withToken('/emkt/contact/add', token, body)).body.code, JSON.stringify(body)).toBe('400');
    expect((await addContact(token)).body.code).toBe('480001');
    expect((await addContact(token, { email: 'LEAD@example.com' })).body.code).toBe('409');
    expect((await addContact(token, { 'contact-list_code': '2' })).body.code).toBe('480001');
    expect((await addContact(await authenticate('300009'))).body.code, 'another account has its own contacts').toBe('480001');
  });
});

describe('POST /emkt/contact/update', () => {
  it('updates a contact of the list and merges custom fields', async () => {
    const token = await authenticate();
    const code = (await addContact(token, { custom_fields: { cmp4: 'x' } })).body.body.code;
    const answer = await withToken('/emkt/contact/update', token, { contact_code: code, 'contact-list_code': '1', name: 'Novo', custom_fields: { cmp5: 'y' } });
    expect(answer.body.code).toBe('480001');
    expect((await call(control())).body.contacts[0]).toMatchObject({ name: 'Novo', custom_fields: { cmp4: 'x', cmp5: 'y' } });
  });

  it('answers 404 for an unknown contact, 409 for a taken e-mail, 400 for wrong shapes (assumed codes 404, 409, 400)', async () => {
    const token = await authenticate();
    const first = (await addContact(token)).body.body.code;
    await addContact(token, { email: 'other@example.com' });
    expect((await withToken('/emkt/contact/update', token, { contact_code: '999', 'contact-list_code': '1', name: 'x' })).body.code).toBe('404');
    expect((await withToken('/emkt/contact/update', token, { contact_code: first, 'contact-list_code': '2', name: 'x' })).body.code).toBe('404');
    expect((await withToken('/emkt/contact/update', token, { contact_code: first, 'contact-list_code': '1', email: 'other@example.com' })).body.code).toBe('409');
    expect((await withToken('/emkt/contact/update', token, { 'contact-list_code': '1', name: 'x' })).body.code).toBe('400');
    expect((await withToken('/emkt/contact/update', token, { contact_code: Number(first), 'contact-list_code': '1' })).body.code).toBe('400');
  });
});

describe('POST /emkt/contact/search', () => {
  async function seed() {
    await postJson(`${control()}/contacts`, {
      client_code: '300001',
      contact_list_code: '1',
      contacts: [
        { email: 'old@example.com', name: 'Old', insert_date: '2025-01-01 08:00:00' },
        { email: 'mid@example.com', name: 'Mid', insert_date: '2025-01-15 10:30:00' },
        { email: 'new@example.com', name: 'New', insert_date: '2025-02-01 00:00:00' },
      ],
    });
  }

  it('filters by insert_date >= a mark and pages with next', async () => {
    await seed();
    const token = await authenticate();
    const query = { 'contact-list_code': '1', search: [{ field: 'insert_date', operator: '>=', value: '2025-01-15 10:30:00' }], order: [{ field: 'insert_date', type: 'ASC' }] };
    const first = await withToken('/emkt/contact/search', token, { ...query, page_number: '1', page_size: '1' });
    expect(first.body).toMatchObject({ code: '480001', body: { next: true, items: [{ email: 'mid@example.com', insert_date: '2025-01-15 10:30:00', status: 'V' }] } });
    const second = await withToken('/emkt/contact/search', token, { ...query, page_number: '2', page_size: '1' });
    expect(second.body.body).toMatchObject({ next: false, items: [{ email: 'new@example.com' }] });
    const all = await withToken('/emkt/contact/search', token, { 'contact-list_code': '1' });
    expect(all.body.body.items.map((item: { email: string }) => item.email)).toEqual(['old@example.com', 'mid@example.com', 'new@example.com']);
  });

  it('matches e-mail and name with the text operators', async () => {
    await seed();
    const token = await authenticate();
    const emails = async (search: unknown) =>
      (await withToken('/emkt/contact/search', token, { 'contact-list_code': '1', search })).body.body.items.map((item: { email: string }) => item.email);
    expect(await emails([{ field: 'email', operator: '=', value: 'MID@example.com' }])).toEqual(['mid@example.com']);
    expect(await emails([{ field: 'name', operator: '*v*', value: 'e' }])).toEqual(['new@example.com']);
    expect(await emails([{ field: 'name', operator: '!v*', value: 'o' }])).toEqual(['mid@example.com', 'new@example.com']);
  });

  it('refuses wrong shapes with code 400 (assumed code 400)', async () => {
    const token = await authenticate();
    const bad: Record<string, unknown>[] = [
      {},
      { 'contact-list_code': '1', page_size: '10001' },
      { 'contact-list_code': '1', page_number: 1 },
      { 'contact-list_code': '1', search: { field: 'email' } },
      { 'contact-list_code': '1', search: [{ field: 'phone', operator: '=', value: '1' }] },
      { 'contact-list_code': '1', search: [{ field: 'insert_date', operator: '>=', value: '2025-01-15' }] },
      { 'contact-list_code': '1', search: [{ field: 'insert_date', operator: '*v*', value: '2025-01-15 00:00:00' }] },
      { 'contact-list_code': '1', search: [{ field: 'email', operator: '>=', value: 'a' }] },
      { 'contact-list_code': '1', order: [{ field: 'email', type: 'UP' }] },
      { 'contact-list_code': '1', status_contact: 'ALL' },
    ];
    for (const body of bad) expect((await withToken('/emkt/contact/search', token, body)).body.code, JSON.stringify(body)).toBe('400');
  });
});

describe('what real clients send', () => {
  it('searches cmpN custom fields in search and in custom_filter, and still refuses unknown fields (assumed code 400)', async () => {
    await postJson(`${control()}/contacts`, {
      client_code: '300001',
      contact_list_code: '1',
      contacts: [
        { email: 'sp@example.com', custom_fields: { cmp4: 'São Paulo', cmp7: ['a', 'b'] } },
        { email: 'rj@example.com', custom_fields: { cmp4: 'Rio' } },
        { email: 'none@example.com' },
      ],
    });
    const token = await authenticate();
    const emails = async (body: Record<string, unknown>) => {
      const answer = await withToken('/emkt/contact/search', token, { 'contact-list_code': '1', ...body });
      expect(answer.body.code, JSON.stringify(answer.body)).toBe('480001');
      return answer.body.body.items.map((item: { email: string }) => item.email);
    };
    expect(await emails({ search: [{ field: 'cmp4', operator: '=', value: 'rio' }] })).toEqual(['rj@example.com']);
    expect(await emails({ custom_filter: [{ field: 'cmp4', operator: 'v*', value: 'São' }] })).toEqual(['sp@example.com']);
    expect(await emails({ custom_filter: [{ field: 'cmp7', operator: '*v*', value: 'b' }] })).toEqual(['sp@example.com']);
    expect(await emails({ search: [{ field: 'email', operator: '*v', value: 'example.com' }], custom_filter: [{ field: 'cmp4', operator: '!=', value: 'Rio' }] }))
      .toEqual(['sp@example.com', 'none@example.com']);
    const refused: Record<string, unknown>[] = [
      { 'contact-list_code': '1', search: [{ field: 'cmpx', operator: '=', value: '1' }] },
      { 'contact-list_code': '1', custom_filter: [{ field: 'email', operator: '=', value: 'a' }] },
      { 'contact-list_code': '1', custom_filter: [{ field: 'cmp4', operator: '>=', value: 'a' }] },
      { 'contact-list_code': '1', custom_filter: { field: 'cmp4' } },
    ];
    for (const body of refused) expect((await withToken('/emkt/contact/search', token, body)).body.code, JSON.stringify(body)).toBe('400');
  });

  it('answers "Sucesso" as code_detail behind a switch; success is the code either way', async () => {
    expect((await postJson(`${control()}/mode`, { successDetail: 'Sucesso' })).body.mode).toEqual({ codes: 'assumed', successDetail: 'Sucesso', retryAfter: 'string' });
    const answer = await postJson(api('/auth'), { user: 'ana@example.com', password: 'secret', client_code: '300001' }, jsonHeaders);
    expect(answer.body).toMatchObject({ code: '480001', code_detail: 'Sucesso' });
  });

  it('answers the assumed situations with unknown codes in codes: "unknown" mode', async () => {
    await postJson(`${control()}/mode`, { codes: 'unknown' });
    const token = await authenticate();
    expect((await addContact(token)).body.code).toBe('480001');
    expect((await addContact(token)).body.code, 'duplicate e-mail').toBe('299909');
    expect((await withToken('/emkt/contact/update', token, { contact_code: '1', 'contact-list_code': '1' })).body.code, 'unknown contact').toBe('299904');
    expect((await withToken('/emkt/contact/add', token, { email: 'x@example.com' })).body.code, 'malformed').toBe('299900');
    expect((await withToken('/emkt/contact/add', 'made.up.token', { 'contact-list_code': '1', email: 'a@example.com' })).body.code, 'refused token').toBe('299901');
    await postJson(`${control()}/expire-tokens`, {});
    expect((await addContact(token, { email: 'late@example.com' })).body.code, 'expired token').toBe('299901');
    await setFaults(sandbox.url, { platform: 'dinamize', invalidToken: true });
    expect((await addContact(token, { email: 'late@example.com' })).body.code, 'the invalidToken fault too').toBe('299901');
  });

  it('sends retry-after as a number behind a switch, and refuses unknown modes (assumed code 240024)', async () => {
    const token = await authenticate();
    await postJson(`${control()}/mode`, { retryAfter: 'number' });
    await setFaults(sandbox.url, { platform: 'dinamize', rateLimit: { count: 1, retryAfterSeconds: 17 } });
    expect((await addContact(token)).body).toMatchObject({ code: '240024', body: { 'retry-after': 17 } });
    const wrong = await postJson(`${control()}/mode`, { codes: 'other', speed: 1 });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.details).toEqual(['codes must be one of assumed, unknown', 'unknown mode "speed"']);
    expect((await call(control(), { method: 'DELETE' })).body.mode).toEqual({ codes: 'assumed', successDetail: 'Success', retryAfter: 'string' });
  });
});

describe('faults and recording', () => {
  it('rate limits and fails before any route logic, and records the token header (assumed code 240024)', async () => {
    const token = await authenticate();
    await setFaults(sandbox.url, { platform: 'dinamize', rateLimit: { count: 1, retryAfterSeconds: 17 }, failNext: 1 });
    expect((await addContact(token)).body).toMatchObject({ code: '240024', body: { 'retry-after': '17' } });
    expect(await addContact(token)).toMatchObject({ status: 500, body: { code: '500' } });
    expect((await addContact(token)).body.code).toBe('480001');
    const records = await recorded(sandbox.url, 'dinamize');
    expect(records.map((record) => record.fault)).toEqual([null, 'rateLimit', 'serverError', null]);
    expect(records[1].headers['auth-token']).toBe(token);
    expect((await call(control())).body.contacts).toHaveLength(1);
  });

  it('answers an unknown route with HTTP 404 and a wrong control path or method precisely', async () => {
    expect((await postJson(api('/emkt/contact/delete'), {}, jsonHeaders)).status).toBe(404);
    expect((await call(`${sandbox.url}/__sandbox/platforms/google-ads`)).status).toBe(404);
    const wrongMethod = await call(`${control()}/settings`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it('keeps state per sandbox and resets it with DELETE', async () => {
    await addContact(await authenticate());
    const reset = await call(control(), { method: 'DELETE' });
    expect(reset.body).toMatchObject({ contacts: [], liveTokens: 0, settings: { tokenIdleSeconds: 3600, tokenMaxAgeSeconds: 86400, tokenMaxUses: null } });
  });
});

describe('bulk seed and paging by insert date', () => {
  it('generates contacts in memory, ties on the date, and pages them by (insert date, code) with filters applied', async () => {
    const seeded = await postJson(`${control()}/contacts/bulk`, {
      client_code: '300001',
      contact_list_code: '1',
      count: 25,
      first_insert_date: '2026-01-10 08:00:00',
      per_second: 4,
    }, jsonHeaders);
    expect(seeded.status).toBe(200);
    expect(seeded.body).toMatchObject({ count: 25 });
    const token = await authenticate();
    const page = async (pageNumber: number, search: unknown[]) =>
      (await withToken('/emkt/contact/search', token, {
        'contact-list_code': '1',
        page_number: String(pageNumber),
        page_size: '10',
        search,
        order: [{ field: 'insert_date', type: 'ASC' }, { field: 'code', type: 'ASC' }],
      })).body.body as { next: boolean; items: { code: string; email: string; insert_date: string }[] };
    const since = [{ field: 'insert_date', operator: '>=', value: '2026-01-10 08:00:02' }];
    const pages = [await page(1, since), await page(2, since)];
    expect(pages.map((p) => p.next)).toEqual([true, false]);
    const emails = pages.flatMap((p) => p.items.map((item) => item.email));
    // Seconds 0 and 1 hold contacts 1–8; from second 2 on: 9–25, in code order.
    expect(emails).toEqual(Array.from({ length: 17 }, (_, i) => `contato${i + 9}@exemplo.com.br`));
    expect(pages[0]!.items[0]!.insert_date).toBe('2026-01-10 08:00:02');
    const filtered = await page(1, [...since, { field: 'email', operator: 'v*', value: 'contato1' }]);
    expect(filtered.items.map((item) => item.email)).toEqual(
      ['contato10', 'contato11', 'contato12', 'contato13', 'contato14', 'contato15', 'contato16', 'contato17', 'contato18', 'contato19'].map((e) => `${e}@exemplo.com.br`),
    );
    expect(filtered.next).toBe(false);
  });

  it('refuses a bad bulk request and e-mails already in the list', async () => {
    const bad = await postJson(`${control()}/contacts/bulk`, { client_code: '300001', contact_list_code: '1', count: 0, first_insert_date: '2026-01-10 08:00:00' }, jsonHeaders);
    expect(bad.status).toBe(422);
    const body = { client_code: '300001', contact_list_code: '1', count: 3, first_insert_date: '2026-01-10 08:00:00' };
    expect((await postJson(`${control()}/contacts/bulk`, body, jsonHeaders)).status).toBe(200);
    const again = await postJson(`${control()}/contacts/bulk`, body, jsonHeaders);
    expect(again.status).toBe(422);
    expect(again.body.error.code).toBe('invalid_contacts');
  });
});
