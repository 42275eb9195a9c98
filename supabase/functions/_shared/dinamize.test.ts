// The Dinamize gateway against the platform sandbox: success, rate limit, token expiry, 5xx,
// timeouts, wrong credentials, idempotent pushes, incremental search, and what gets logged.
import {
  classify,
  createDinamizeClient,
  type DinamizeCall,
  formatDinamizeDate,
  parseDinamizeDate,
  retryAfterSeconds,
} from './dinamize.ts';
import {
  clearDinamizeFaults,
  codeModes,
  dinamizeUrl,
  expireAllTokens,
  recordedFor,
  registerAccount,
  sandboxContacts,
  seedContacts,
  setDinamizeFaults,
  setDinamizeMode,
  uniqueClientCode,
} from './testing/dinamize-sandbox.ts';
import { assert, assertEquals } from './testing/assert.ts';

const hasSandbox = Deno.env.get('SANDBOX_URL') !== undefined;
const sandboxTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !hasSandbox, fn, sanitizeResources: false, sanitizeOps: false });

function newClient(calls: DinamizeCall[] = [], overrides: { password?: string; timeoutMs?: number } = {}) {
  const clientCode = uniqueClientCode();
  const client = createDinamizeClient(
    { user: 'ops@empresa.com.br', password: overrides.password ?? 'sandbox-secret-1', clientCode },
    { baseUrl: dinamizeUrl(), timeoutMs: overrides.timeoutMs, onCall: (call) => calls.push(call) },
  );
  return { client, clientCode };
}

/** Signs in, lets the sandbox expire every token, then adds a contact (which must succeed). */
async function addAfterTokenExpiry(): Promise<{ calls: DinamizeCall[]; clientCode: string }> {
  const calls: DinamizeCall[] = [];
  const { client, clientCode } = newClient(calls);
  assert((await client.authenticate()).ok, 'auth');
  await expireAllTokens();
  const added = await client.addContact('1', { email: 'ana@exemplo.com.br' });
  assert(added.ok, `add after expiry: ${JSON.stringify(added)}`);
  return { calls, clientCode };
}

Deno.test('dinamize: dates are Brasília time, second precision', () => {
  assertEquals(formatDinamizeDate(new Date('2025-01-15T13:30:00.900Z')), '2025-01-15 10:30:00');
  assertEquals(parseDinamizeDate('2025-01-15 10:30:00')?.toISOString(), '2025-01-15T13:30:00.000Z');
  assertEquals(parseDinamizeDate('2025-13-01 00:00:00'), null);
});

Deno.test('dinamize: answers are classified by the envelope code, HTTP status second (assumed codes 240024, 401, 404, 409, 400)', () => {
  const envelope = (code: string, body: unknown = {}) => ({ code, code_detail: 'x', body });
  const none = new Headers();
  assertEquals(classify(200, none, envelope('480001', { a: 1 }), false), { ok: true, body: { a: 1 } });
  const limited = classify(200, none, envelope('240024', { 'retry-after': '17' }), false);
  assert(
    !limited.ok && limited.kind === 'rate_limited' && limited.retryAfterSeconds === 17,
    'rate limit with retry-after 17',
  );
  assertEquals((classify(200, none, envelope('240004'), true) as { kind: string }).kind, 'auth_failed');
  assertEquals((classify(200, none, envelope('401'), false) as { kind: string }).kind, 'token_expired');
  assertEquals((classify(200, none, envelope('401'), true) as { kind: string }).kind, 'auth_failed');
  assertEquals((classify(200, none, envelope('404'), false) as { kind: string }).kind, 'not_found');
  assertEquals((classify(200, none, envelope('409'), false) as { kind: string }).kind, 'duplicate');
  assertEquals((classify(200, none, envelope('400'), false) as { kind: string }).kind, 'invalid_request');
  assertEquals((classify(200, none, envelope('123456'), false) as { kind: string }).kind, 'unrecognised');
  assertEquals(
    (classify(200, none, { code: '480001', code_detail: 'Sucesso', body: {} }, false) as { ok: boolean }).ok,
    true,
    'success is the code; the detail text is never read',
  );
  assertEquals((classify(502, none, null, false) as { kind: string }).kind, 'server_error');
  assertEquals((classify(200, none, null, false) as { kind: string }).kind, 'server_error');
  assertEquals((classify(404, none, null, false) as { kind: string }).kind, 'invalid_request');
  const proxied = classify(429, new Headers({ 'retry-after': '5' }), null, false);
  assert(!proxied.ok && proxied.kind === 'rate_limited' && proxied.retryAfterSeconds === 5, 'HTTP 429 + Retry-After');
});

Deno.test('dinamize: retry-after comes from the body, then the header, else 60 s, within 1 s … 1 h', () => {
  assertEquals(retryAfterSeconds({ 'retry-after': '17' }, new Headers()), 17);
  assertEquals(retryAfterSeconds({ 'retry-after': 3 }, new Headers({ 'retry-after': '9' })), 3);
  assertEquals(retryAfterSeconds({}, new Headers({ 'retry-after': '9' })), 9);
  assertEquals(retryAfterSeconds({ 'retry-after': 'soon' }, new Headers()), 60);
  assertEquals(retryAfterSeconds({ 'retry-after': '0' }, new Headers()), 1);
  assertEquals(retryAfterSeconds({ 'retry-after': '999999' }, new Headers()), 3600);
  assertEquals(retryAfterSeconds({ 'retry-after': 17 }, new Headers()), 17, 'a number');
  assertEquals(retryAfterSeconds({ 'retry-after': ' 17 ' }, new Headers()), 17, 'a padded string');
  assertEquals(retryAfterSeconds({ 'retry-after': '16.2' }, new Headers()), 17, 'a decimal string, rounded up');
});

sandboxTest('dinamize: authenticates once and adds a contact (sandbox holds it)', async () => {
  const calls: DinamizeCall[] = [];
  const { client, clientCode } = newClient(calls);
  const added = await client.addContact('1', {
    email: 'ana@exemplo.com.br',
    name: 'Ana',
    externalCode: 'lead-1',
    customFields: { cmp4: '+5511999990000' },
  });
  assert(added.ok, `add failed: ${JSON.stringify(added)}`);
  const second = await client.addContact('1', { email: 'bia@exemplo.com.br' });
  assert(second.ok, 'second add');
  assertEquals(calls.map((call) => `${call.operation}:${call.outcome}`), [
    'auth:ok',
    'contact_add:ok',
    'contact_add:ok',
  ], 'one auth for both calls');
  const contacts = await sandboxContacts(clientCode);
  assertEquals(
    contacts.map((
      contact,
    ) => [contact.code, contact.email, contact.name, contact.external_code, contact.custom_fields]),
    [
      [added.contactCode, 'ana@exemplo.com.br', 'Ana', 'lead-1', { cmp4: '+5511999990000' }],
      [second.contactCode, 'bia@exemplo.com.br', '', '', {}],
    ],
  );
  const [auth, add] = await recordedFor(clientCode);
  assertEquals(auth.headers['content-type'], 'application/json; charset=utf-8', 'JSON content type');
  assertEquals(
    add.headers['auth-token'],
    auth.response.body['auth-token'],
    'the token travels in the auth-token header',
  );
});

sandboxTest(
  'dinamize: rate limit 240024 is reported with its retry-after, and nothing is stored (assumed code 240024)',
  async () => {
    const { client, clientCode } = newClient();
    assert((await client.authenticate()).ok, 'auth');
    await setDinamizeFaults({ rateLimit: { count: 1, retryAfterSeconds: 17 } });
    try {
      const limited = await client.addContact('1', { email: 'ana@exemplo.com.br' });
      assert(!limited.ok && limited.kind === 'rate_limited', `expected rate_limited, got ${JSON.stringify(limited)}`);
      assertEquals(limited.retryAfterSeconds, 17, 'retry-after');
      assertEquals(limited.code, '240024', 'code');
      assertEquals((await sandboxContacts(clientCode)).length, 0, 'nothing stored');
      assert((await client.addContact('1', { email: 'ana@exemplo.com.br' })).ok, 'the next call goes through');
    } finally {
      await clearDinamizeFaults();
    }
  },
);

sandboxTest('dinamize: an expired token is renewed once and the call repeated (assumed code 401)', async () => {
  const { calls, clientCode } = await addAfterTokenExpiry();
  assertEquals(calls.map((call) => `${call.operation}:${call.outcome}`), [
    'auth:ok',
    'contact_add:token_expired',
    'auth:ok',
    'contact_add:ok',
  ]);
  const recorded = await recordedFor(clientCode);
  assertEquals(
    recorded.map((request) => request.response.code),
    ['480001', '401', '480001', '480001'],
    'what the sandbox saw',
  );
  assert(
    recorded[1].headers['auth-token'] !== recorded[3].headers['auth-token'],
    'the repeated call used the new token',
  );
  assertEquals((await sandboxContacts(clientCode)).length, 1, 'one contact');
});

sandboxTest(
  'dinamize: a token refused twice in a row is reported, not looped on (assumed: 401 on /auth is a refusal)',
  async () => {
    const calls: DinamizeCall[] = [];
    const { client } = newClient(calls);
    assert((await client.authenticate()).ok, 'auth');
    await setDinamizeFaults({ invalidToken: true });
    try {
      const result = await client.addContact('1', { email: 'ana@exemplo.com.br' });
      assert(
        !result.ok && result.kind === 'auth_failed',
        `a refused /auth means the credentials fail: ${JSON.stringify(result)}`,
      );
      assert(calls.length <= 4, `bounded number of calls, got ${calls.length}`);
    } finally {
      await clearDinamizeFaults();
    }
  },
);

sandboxTest('dinamize: 5xx is a server error, a slow answer a timeout (assumed: both transient)', async () => {
  const { client } = newClient([], { timeoutMs: 200 });
  assert((await client.authenticate()).ok, 'auth');
  await setDinamizeFaults({ failNext: 1 });
  try {
    const failed = await client.addContact('1', { email: 'ana@exemplo.com.br' });
    assert(
      !failed.ok && failed.kind === 'server_error' && failed.httpStatus === 500,
      `expected server_error: ${JSON.stringify(failed)}`,
    );
    await setDinamizeFaults({ latencyMs: 600 });
    const slow = await client.addContact('1', { email: 'bia@exemplo.com.br' });
    assert(!slow.ok && slow.kind === 'timeout', `expected timeout: ${JSON.stringify(slow)}`);
  } finally {
    await clearDinamizeFaults();
  }
});

sandboxTest('dinamize: wrong credentials are auth_failed with the documented code', async () => {
  const calls: DinamizeCall[] = [];
  const { client, clientCode } = newClient(calls, { password: 'wrong-password' });
  await registerAccount(clientCode, 'ops@empresa.com.br', 'right-password');
  const result = await client.addContact('1', { email: 'ana@exemplo.com.br' });
  assert(
    !result.ok && result.kind === 'auth_failed' && result.code === '240004',
    `expected 240004: ${JSON.stringify(result)}`,
  );
  assertEquals(calls.map((call) => call.operation), ['auth'], 'no contact call without a token');
});

sandboxTest('dinamize: pushContact is idempotent (known e-mail → update; lost contact code → add)', async () => {
  const { client, clientCode } = newClient();
  const first = await client.pushContact('1', { email: 'ana@exemplo.com.br', name: 'Ana' }, null);
  assert(first.ok && first.operation === 'added', `first push adds: ${JSON.stringify(first)}`);
  const again = await client.pushContact('1', { email: 'ANA@exemplo.com.br', name: 'Ana Maria' }, null);
  assert(
    again.ok && again.operation === 'updated' && again.contactCode === first.contactCode,
    `second push updates: ${JSON.stringify(again)}`,
  );
  const known = await client.pushContact('1', { email: 'ana@exemplo.com.br', name: 'Ana M.' }, first.contactCode);
  assert(known.ok && known.operation === 'updated', 'known code updates');
  const gone = await client.pushContact('1', { email: 'bia@exemplo.com.br' }, '999999999');
  assert(gone.ok && gone.operation === 'added', `a code Dinamize lost is added again: ${JSON.stringify(gone)}`);
  const contacts = await sandboxContacts(clientCode);
  assertEquals(contacts.map((contact) => [contact.email, contact.name]), [['ana@exemplo.com.br', 'Ana M.'], [
    'bia@exemplo.com.br',
    '',
  ]]);
});

sandboxTest('dinamize: search pages through contacts inserted since a mark', async () => {
  const { client, clientCode } = newClient();
  await seedContacts(clientCode, '7', [
    { email: 'old@exemplo.com.br', insert_date: '2025-01-01 08:00:00' },
    { email: 'a@exemplo.com.br', name: 'A', insert_date: '2025-01-15 10:30:00' },
    { email: 'b@exemplo.com.br', insert_date: '2025-01-16 00:00:00' },
    { email: 'c@exemplo.com.br', insert_date: '2025-01-17 00:00:00' },
  ]);
  const since = parseDinamizeDate('2025-01-15 10:30:00')!;
  const first = await client.searchContactsInsertedSince('7', since, 1, 2);
  assert(first.ok && first.hasMore, `first page: ${JSON.stringify(first)}`);
  assertEquals(first.contacts.map((contact) => [contact.email, contact.name, contact.insertedAt?.toISOString()]), [
    ['a@exemplo.com.br', 'A', '2025-01-15T13:30:00.000Z'],
    ['b@exemplo.com.br', '', '2025-01-16T03:00:00.000Z'],
  ]);
  const second = await client.searchContactsInsertedSince('7', since, 2, 2);
  assert(second.ok && !second.hasMore, 'last page');
  assertEquals(second.contacts.map((contact) => contact.email), ['c@exemplo.com.br']);
  const everything = await client.searchContactsInsertedSince('7', null, 1, 100);
  assert(everything.ok && everything.contacts.length === 4, 'no mark: everything');
  const found = await client.findContactByEmail('7', 'B@exemplo.com.br');
  assert(found.ok && found.contact?.email === 'b@exemplo.com.br', 'find by e-mail');
});

sandboxTest('dinamize: call records never hold the password, the token or a full e-mail', async () => {
  const calls: DinamizeCall[] = [];
  const { client } = newClient(calls);
  await client.pushContact('1', {
    email: 'ana.secreta@exemplo.com.br',
    name: 'Ana Secreta',
    customFields: { cmp4: '+5511912345678' },
  }, null);
  await client.findContactByEmail('1', 'ana.secreta@exemplo.com.br');
  const text = JSON.stringify(calls);
  for (const secret of ['sandbox-secret-1', 'ana.secreta@', 'Ana Secreta', '+5511912345678', 'ops@empresa']) {
    assert(!text.includes(secret), `call records leak ${secret}: ${text}`);
  }
  assert(text.includes('a***@exemplo.com.br'), 'masked e-mail kept for support');
});

for (const codes of codeModes) {
  const modeTest = (name: string, fn: () => Promise<void>) =>
    sandboxTest(`dinamize (${codes} codes): ${name}`, async () => {
      await setDinamizeMode({ codes, successDetail: 'Sucesso' });
      try {
        await fn();
      } finally {
        await setDinamizeMode({});
        await clearDinamizeFaults();
      }
    });

  modeTest('an expired token is renewed once, whatever code refuses it, and the call succeeds', async () => {
    const { calls, clientCode } = await addAfterTokenExpiry();
    assertEquals(calls.map((call) => `${call.operation}:${call.outcome}`), [
      'auth:ok',
      `contact_add:${codes === 'assumed' ? 'token_expired' : 'unrecognised'}`,
      'auth:ok',
      'contact_add:ok',
    ]);
    assertEquals(calls[1].code, codes === 'assumed' ? '401' : '299901', 'the refusal code is kept for the log');
    assertEquals((await sandboxContacts(clientCode)).length, 1, 'one contact');
  });

  modeTest('a duplicate e-mail ends as one updated contact, not two', async () => {
    const calls: DinamizeCall[] = [];
    const { client, clientCode } = newClient(calls);
    const [code] = await seedContacts(clientCode, '1', [{ email: 'ana@exemplo.com.br', name: 'Ana' }]);
    const pushed = await client.pushContact('1', { email: 'Ana@Exemplo.com.br', name: 'Ana Maria' }, null);
    assert(pushed.ok && pushed.operation === 'updated' && pushed.contactCode === code, JSON.stringify(pushed));
    assertEquals(
      (await sandboxContacts(clientCode)).map((contact) => [contact.code, contact.name]),
      [[code, 'Ana Maria']],
      'one contact, updated',
    );
    assert(!calls.some((call) => call.operation === 'contact_add'), 'no add was even tried');
  });

  modeTest('a stale contact code ends as one contact, found by its e-mail or added once', async () => {
    const { client, clientCode } = newClient();
    const [code] = await seedContacts(clientCode, '1', [{ email: 'ana@exemplo.com.br' }]);
    const moved = await client.pushContact('1', { email: 'ana@exemplo.com.br', name: 'Ana' }, '999999999');
    assert(moved.ok && moved.operation === 'updated' && moved.contactCode === code, JSON.stringify(moved));
    const gone = await client.pushContact('1', { email: 'bia@exemplo.com.br' }, '999999998');
    assert(gone.ok && gone.operation === 'added', JSON.stringify(gone));
    assertEquals(
      (await sandboxContacts(clientCode)).map((contact) => [contact.email, contact.name]),
      [['ana@exemplo.com.br', 'Ana'], ['bia@exemplo.com.br', '']],
    );
  });

  modeTest('an unrecognised refusal is repeated once after a new sign-in, then reported', async () => {
    const calls: DinamizeCall[] = [];
    const { client } = newClient(calls);
    // A malformed e-mail the sandbox refuses (the push never sends one; this drives the refusal).
    const result = await client.addContact('1', { email: 'not-an-email' });
    assert(!result.ok, 'refused');
    if (codes === 'assumed') {
      assertEquals(result.kind, 'invalid_request', 'the assumed 400 is permanent at once');
      assertEquals(calls.map((call) => call.operation), ['auth', 'contact_add']);
    } else {
      assertEquals([result.kind, result.code], ['unrecognised', '299900']);
      assertEquals(
        calls.map((call) => call.operation),
        ['auth', 'contact_add', 'auth', 'contact_add'],
        'once more, no loop',
      );
    }
  });

  for (const retryAfter of ['string', 'number'] as const) {
    modeTest(`retry-after sent as a ${retryAfter} is read as 17 s`, async () => {
      const { client } = newClient();
      await setDinamizeMode({ codes, retryAfter });
      assert((await client.authenticate()).ok, 'auth');
      await setDinamizeFaults({ rateLimit: { count: 1, retryAfterSeconds: 17 } });
      const limited = await client.addContact('1', { email: 'ana@exemplo.com.br' });
      assert(!limited.ok && limited.kind === 'rate_limited', JSON.stringify(limited));
      assertEquals(limited.retryAfterSeconds, 17);
    });
  }
}
