// leads-import against the test stack: every bad upload answers its status and code and writes nothing
// (no import row, no stored slice, no queued message, no lead); a good upload is one committed import
// with its file stored in slices and its first parse step queued.
import assert from 'node:assert/strict';
import { LeadImportAcceptedSchema } from '@rastro/contracts/lead-imports.ts';
import { adminDb, demoUsers, eventually, signIn, stackEnv, stackTest } from '../_shared/testing/stack.ts';
import { createLeadsImportHandler } from './handler.ts';

const encoder = new TextEncoder();
const mapping = { columns: { email: 'email', name: 'name', phone: 'phone' } };

type Upload = {
  token: string;
  body?: BodyInit | null;
  fileName?: string | null;
  mapping?: unknown;
  rawMapping?: string;
  encoding?: string;
  contentType?: string | null;
  headers?: Record<string, string>;
};

function uploadUrl(base: string, upload: Upload): string {
  const url = new URL(base);
  if (upload.fileName !== null) url.searchParams.set('file_name', upload.fileName ?? 'leads.csv');
  const mappingText = upload.rawMapping ??
    (upload.mapping === undefined ? JSON.stringify(mapping) : JSON.stringify(upload.mapping));
  url.searchParams.set('mapping', mappingText);
  if (upload.encoding !== undefined) url.searchParams.set('encoding', upload.encoding);
  return url.toString();
}

function uploadRequest(base: string, upload: Upload): Request {
  const headers: Record<string, string> = {
    authorization: `Bearer ${upload.token}`,
    apikey: stackEnv.anonKey,
    ...upload.headers,
  };
  if (upload.contentType !== null) headers['content-type'] = upload.contentType ?? 'text/csv';
  return new Request(uploadUrl(base, upload), { method: 'POST', headers, body: upload.body ?? null });
}

/** Through the gateway, as the console does. */
function upload(u: Upload): Promise<Response> {
  return fetch(uploadRequest(`${stackEnv.apiUrl}/functions/v1/leads-import`, u));
}

/** Everything an upload could write. */
async function footprint(): Promise<Record<string, number>> {
  const db = await adminDb();
  const { rows } = await db.query(`select
      (select count(*) from lead.lead_imports)::int as imports,
      (select count(*) from lead.lead_import_slices)::int as slices,
      (select count(*) from pgmq.q_lead_import)::int + (select count(*) from pgmq.a_lead_import)::int as messages,
      (select count(*) from lead.leads)::int as leads,
      (select count(*) from lead.lead_import_errors)::int as errors`);
  return rows[0];
}

async function expectRefused(
  res: Response,
  status: number,
  code: string,
  before: Record<string, number>,
): Promise<void> {
  const body = await res.json();
  assert.equal(res.status, status, `status for ${code}: ${JSON.stringify(body)}`);
  assert.equal(body.error?.code, code);
  assert.ok(typeof body.error?.message === 'string' && body.error.message.length > 0);
  assert.deepEqual(await footprint(), before, `nothing written for ${code}`);
}

function csv(lines: string[]): string {
  return `${lines.join('\r\n')}\r\n`;
}

/** A body of `total` bytes of valid CSV generated on demand (nothing held in memory). */
function generatedCsv(total: number): ReadableStream<Uint8Array> {
  let sent = 0;
  let n = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      let text = sent === 0 ? 'email,name,phone\n' : '';
      while (text.length < 64 * 1024) text += `big${n}@example.com,Big ${n++},\n`;
      const bytes = encoder.encode(text).slice(0, total - sent);
      sent += bytes.length;
      controller.enqueue(bytes);
    },
  });
}

stackTest('leads-import: bad uploads are refused with a code and write nothing', async () => {
  const token = await signIn(demoUsers.admin);
  const good = csv(['email,name,phone', 'a@example.com,Ana,']);
  const before = await footprint();

  await expectRefused(await upload({ token, body: '' }), 422, 'missing_header', before);
  await expectRefused(await upload({ token, body: '\r\n\r\n;;\r\n' }), 422, 'missing_header', before);
  await expectRefused(await upload({ token, body: 'email,name,phone\r\n' }), 422, 'no_rows', before);
  await expectRefused(await upload({ token, body: 'email,name,phone\r\n\r\n,,\r\n"", ,\r\n' }), 422, 'no_rows', before);
  await expectRefused(
    await upload({ token, body: csv(['email\tname\tphone', 'a@example.com\tAna\t']) }),
    422,
    'wrong_separator',
    before,
  );
  await expectRefused(
    await upload({ token, body: csv(['email,nome', 'a@example.com,Ana']) }),
    422,
    'invalid_mapping',
    before,
  );
  await expectRefused(
    await upload({ token, body: good, mapping: { columns: { name: 'name' } } }),
    422,
    'invalid_mapping',
    before,
  );
  await expectRefused(
    await upload({ token, body: good, mapping: { columns: { email: 'email', name: 'email' } } }),
    422,
    'invalid_mapping',
    before,
  );
  await expectRefused(await upload({ token, body: good, rawMapping: '{"columns": ' }), 400, 'bad_mapping_json', before);
  await expectRefused(await upload({ token, body: good, fileName: null }), 400, 'invalid_request', before);
  await expectRefused(await upload({ token, body: good, contentType: 'application/pdf' }), 415, 'not_csv', before);
  await expectRefused(await upload({ token, body: encoder.encode(good), contentType: null }), 415, 'not_csv', before);
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
  await expectRefused(await upload({ token, body: png }), 422, 'not_csv', before);
  const latin1 = new Uint8Array([...encoder.encode('email,name,phone\r\na@example.com,Jo'), 0xe3, 0x6f, 0x0d, 0x0a]);
  await expectRefused(await upload({ token, body: latin1, encoding: 'utf-8' }), 422, 'not_csv', before);
  await expectRefused(await upload({ token, body: good, encoding: 'latin-9' }), 400, 'invalid_request', before);
  // UTF-8 text, then a byte that is not UTF-8: a broken file, not a Windows-1252 one.
  const mixed = new Uint8Array([...encoder.encode('email,name,phone\r\nb@example.com,São,\r\n'), ...latin1.subarray(17)]);
  await expectRefused(await upload({ token, body: mixed }), 422, 'not_csv', before);

  // A file that goes wrong after thousands of rows (slices were already stored): all rolled back.
  const lateBinary = `email,name,phone\n${
    Array.from({ length: 4500 }, (_, i) => `late${i}@example.com,Late ${i},`).join('\n')
  }\n\u0000\u0001\u0002`;
  await expectRefused(await upload({ token, body: lateBinary }), 422, 'not_csv', before);
  const smallSlices = createLeadsImportHandler({ sliceBytes: 4096 });
  await expectRefused(
    await smallSlices(uploadRequest('http://functions.local/leads-import', { token, body: lateBinary })),
    422,
    'not_csv',
    before,
  );
  const lateLatin1 = new Uint8Array([...encoder.encode(lateBinary.slice(0, -3)), 0xe3]);
  await expectRefused(
    await smallSlices(uploadRequest('http://functions.local/leads-import', { token, body: lateLatin1, encoding: 'utf-8' })),
    422,
    'not_csv',
    before,
  );

  // Roles and tokens.
  await expectRefused(
    await upload({ token: await signIn(demoUsers.viewer), body: good }),
    403,
    'editor_role_required',
    before,
  );
  await expectRefused(await upload({ token: stackEnv.serviceRoleKey, body: good }), 401, 'not_a_user', before);
  await expectRefused(await upload({ token: 'not-a-jwt', body: good }), 401, 'invalid_jwt', before);
});

stackTest('leads-import: files over 50 MB are refused on Content-Length and while streaming', async () => {
  const token = await signIn(demoUsers.admin);
  const before = await footprint();
  const handler = createLeadsImportHandler();
  const direct = (u: Upload) => handler(uploadRequest('http://functions.local/leads-import', u));

  // Declared too large: refused before reading a byte.
  await expectRefused(
    await direct({ token, body: 'email\n', headers: { 'content-length': String(50 * 1024 * 1024 + 1) } }),
    413,
    'file_too_large',
    before,
  );
  // Streamed without a length (chunked upload): refused once the 50 MB are passed, after storing slices.
  await expectRefused(await direct({ token, body: generatedCsv(50 * 1024 * 1024 + 1) }), 413, 'file_too_large', before);
  // Through the gateway, chunked: same answer.
  await expectRefused(
    await upload({ token, body: generatedCsv(50 * 1024 * 1024 + 100) }),
    413,
    'file_too_large',
    before,
  );
});

stackTest(
  'leads-import: a good upload is one committed import, its file stored in slices, parsing queued',
  async () => {
    const token = await signIn(demoUsers.admin);
    const run = crypto.randomUUID().slice(0, 8);
    const handler = createLeadsImportHandler({ sliceBytes: 1000 });
    const lines = [
      '\uFEFFNome;E-mail;Telefone;Ignorada',
      ...Array.from({ length: 250 }, (_, i) => `"Lead ${i}; ${run}";lead${i}.${run}@example.com;;x`),
    ];
    const size = encoder.encode(csv(lines)).length;
    const res = await handler(uploadRequest('http://functions.local/leads-import', {
      token,
      body: csv(lines),
      fileName: `queued-${run}.csv`,
      mapping: { columns: { email: 'E-mail', name: 'Nome', phone: 'Telefone' } },
    }));
    const body = await res.json();
    assert.equal(res.status, 202, JSON.stringify(body));
    const accepted = LeadImportAcceptedSchema.parse(body);
    assert.deepEqual(accepted, {
      import_id: accepted.import_id,
      status: 'parsing',
      file_size_bytes: size,
      slices_total: Math.ceil(size / 1000),
      encoding: 'utf-8',
    });

    const db = await adminDb();
    const { rows: [imported] } = await db.query(
      `select i.file_name, i.file_size_bytes, i.slices_total, i.mapping, i.created_by = u.id as by_uploader, c.slug
     from lead.lead_imports i join auth.users u on u.email = $2 join core.companies c on c.id = i.company_id
     where i.id = $1`,
      [accepted.import_id, demoUsers.admin.email],
    );
    assert.deepEqual(imported, {
      file_name: `queued-${run}.csv`,
      file_size_bytes: String(size),
      slices_total: Math.ceil(size / 1000),
      mapping: { columns: { email: 'E-mail', name: 'Nome', phone: 'Telefone' }, sync_to_crm: false },
      by_uploader: true,
      slug: 'demo-rastro',
    });
    const { rows: [first] } = await db.query(
      `select message from pgmq.q_lead_import where message ->> 'import_id' = $1 and message ->> 'kind' = 'parse'
     union all select message from pgmq.a_lead_import where message ->> 'import_id' = $1 and (message ->> 'slice_no')::int = 1`,
      [accepted.import_id],
    );
    assert.equal(first.message.kind, 'parse');
    assert.deepEqual(first.message.header, ['Nome', 'E-mail', 'Telefone', 'Ignorada']);
    assert.deepEqual(first.message.fields, { email: 1, name: 0, phone: 2 });

    // The upload kicked the worker through pg_net; it (or pg_cron) parses the slices and applies the rows.
    await eventually('the kicked worker to complete the import', async () => {
      const { rows: [state] } = await db.query('select status from lead.lead_imports where id = $1', [
        accepted.import_id,
      ]);
      return state.status === 'completed' ? true : undefined;
    });
    const { rows: [done] } = await db.query(
      `select i.rows_total, i.rows_inserted, i.bytes_parsed,
            (select count(*)::int from lead.lead_import_slices s where s.import_id = i.id) as slices_left,
            (select name from lead.leads l where l.email = $2) as last_name
     from lead.lead_imports i where i.id = $1`,
      [accepted.import_id, `lead249.${run}@example.com`],
    );
    assert.deepEqual(done, {
      rows_total: 250,
      rows_inserted: 250,
      bytes_parsed: String(size),
      slices_left: 0,
      last_name: `Lead 249; ${run}`,
    });
  },
);

/** `text` as Windows-1252 bytes (only Latin-1 characters, where the two agree). */
function windows1252(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

stackTest('leads-import: a Windows-1252 file saved by Excel imports with its accents intact', async () => {
  const token = await signIn(demoUsers.admin);
  const run = crypto.randomUUID().slice(0, 8);
  const body = windows1252(csv([
    'Nome;E-mail;Cidade;Valor',
    `João da Silva;joao.${run}@example.com;São José;1.234,56`,
    `Maria da Conceição;maria.${run}@example.com;Florianópolis;"2.000,00"`,
    `Zé Brandão;ze.${run}@example.com;São José;10`,
  ]));
  assert.ok(body.includes(0xe3) && !body.includes(0xc3), 'the bytes are Windows-1252, not UTF-8');
  const res = await upload({
    token,
    body,
    fileName: `excel-${run}.csv`,
    mapping: { columns: { email: 'E-mail', name: 'Nome', company_name: 'Cidade', value: 'Valor' } },
  });
  const accepted = LeadImportAcceptedSchema.parse(await res.json());
  assert.equal(res.status, 202);
  assert.equal(accepted.encoding, 'windows-1252', 'detected');

  const db = await adminDb();
  await eventually('the import to complete', async () => {
    const { rows: [state] } = await db.query('select status from lead.lead_imports where id = $1', [accepted.import_id]);
    return state.status === 'completed' ? true : undefined;
  });
  const { rows } = await db.query(
    `select name, company_name, value::text from lead.leads where email like '%.' || $1 || '@example.com' order by email`,
    [run],
  );
  assert.deepEqual(rows, [
    { name: 'João da Silva', company_name: 'São José', value: '1234.56' },
    { name: 'Maria da Conceição', company_name: 'Florianópolis', value: '2000.00' },
    { name: 'Zé Brandão', company_name: 'São José', value: '10.00' },
  ]);
});

stackTest('leads-import: a member of another company cannot see the import (RLS)', async () => {
  const adminToken = await signIn(demoUsers.admin);
  const outsiderToken = await signIn(demoUsers.otherCompanyAdmin);
  const run = crypto.randomUUID().slice(0, 8);
  const res = await upload({
    token: adminToken,
    body: csv(['email,name,phone', `rls.${run}@example.com,Rls,`, `not-an-email-${run},X,`]),
    fileName: `rls-${run}.csv`,
  });
  const { import_id } = LeadImportAcceptedSchema.parse(await res.json());
  const db = await adminDb();
  await eventually('the import to complete', async () => {
    const { rows: [state] } = await db.query('select status from lead.lead_imports where id = $1', [import_id]);
    return state.status === 'completed' ? true : undefined;
  });

  const read = async (token: string, table: string, filter: string) => {
    const r = await fetch(`${stackEnv.apiUrl}/rest/v1/${table}?${filter}`, {
      headers: { apikey: stackEnv.anonKey, authorization: `Bearer ${token}`, 'accept-profile': 'lead' },
    });
    assert.equal(r.status, 200);
    return await r.json() as unknown[];
  };
  assert.equal(
    (await read(adminToken, 'lead_imports', `id=eq.${import_id}`)).length,
    1,
    "the uploader's company sees it",
  );
  assert.equal((await read(adminToken, 'lead_import_errors', `import_id=eq.${import_id}`)).length, 1);
  assert.deepEqual(await read(outsiderToken, 'lead_imports', `id=eq.${import_id}`), [], 'another company does not');
  assert.deepEqual(await read(outsiderToken, 'lead_import_errors', `import_id=eq.${import_id}`), []);
  assert.deepEqual(await read(outsiderToken, 'leads', `email=eq.rls.${run}@example.com`), []);
});

stackTest('leads-import: a token whose role was taken away since sign-in is refused by the database', async () => {
  const run = crypto.randomUUID().slice(0, 8);
  const email = `demoted.${run}@demo.rastro.local`;
  const created = await fetch(`${stackEnv.apiUrl}/auth/v1/admin/users`, {
    method: 'POST',
    headers: { apikey: stackEnv.serviceRoleKey, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'demoted-pass', email_confirm: true }),
  });
  assert.equal(created.status, 200, await created.clone().text());
  const userId = (await created.json()).id;
  const db = await adminDb();
  await db.query(
    `insert into core.company_members (company_id, user_id, role, is_default)
     select id, $1, 'sales', true from core.companies where slug = 'demo-rastro'`,
    [userId],
  );
  const token = await signIn({ email, password: 'demoted-pass' });
  await db.query(`update core.company_members set role = 'viewer' where user_id = $1`, [userId]);
  try {
    const before = await footprint();
    await expectRefused(
      await upload({ token, body: csv(['email,name,phone', `x.${run}@example.com,X,`]) }),
      403,
      'editor_role_required',
      before,
    );
  } finally {
    await db.query('delete from core.company_members where user_id = $1', [userId]);
  }
});
