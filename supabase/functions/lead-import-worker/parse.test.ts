// Parse steps against the test stack: a file stored in many small slices (records, CRLF and UTF-8
// characters cut at the boundaries) imports exactly like one slice would; a parse message delivered
// twice changes nothing; a parse step that keeps failing, or a malformed one, is dead-lettered and fails
// its import. pg_cron and the upload's kick may run the worker in the functions host beside these
// direct calls, so assertions are about the database, which ends the same whichever worker parsed.
// Also measures (prints, never asserts) what one parse step costs per megabyte.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { LeadImportAcceptedSchema, type LeadImportParse } from '@rastro/contracts/lead-imports.ts';
import { adminDb, demoUsers, eventually, signIn, stackEnv, stackTest } from '../_shared/testing/stack.ts';
import { openCsvUpload, startCsvCarry } from '../_shared/csv.ts';
import { createLeadsImportHandler } from '../leads-import/handler.ts';
import { createLeadImportWorker } from './handler.ts';
import { parseSlice } from './parse.ts';

const encoder = new TextEncoder();
// Small chunks, and parse steps of a few records each, so slices take several steps.
const worker = createLeadImportWorker({ budgetMs: 5_000, chunkRows: 7, maxRecordsPerStep: 3, stepWindowBytes: 16 });

async function drainUntil(what: string, done: () => Promise<boolean>): Promise<void> {
  await eventually(what, async () => {
    const res = await worker(
      new Request('http://functions.local/lead-import-worker', {
        method: 'POST',
        headers: { authorization: `Bearer ${stackEnv.serviceRoleKey}` },
      }),
    );
    assert.equal(res.status, 200);
    await res.body?.cancel();
    return (await done()) ? true : undefined;
  });
}

async function importState(importId: string) {
  const db = await adminDb();
  const { rows: [row] } = await db.query(
    `select i.status, i.rows_total, i.rows_done, i.rows_failed, i.rows_inserted, i.bytes_parsed, i.error,
            i.chunks_total = i.chunks_done as all_chunks_done,
            (select count(*)::int from lead.lead_import_chunks c where c.import_id = i.id) = i.chunks_total as chunks_once,
            (select count(*)::int from lead.lead_import_slices s where s.import_id = i.id) as slices_left
     from lead.lead_imports i where i.id = $1`,
    [importId],
  );
  return row;
}

const finished = (importId: string) => async () =>
  ['completed', 'failed'].includes((await importState(importId)).status);

/**
 * 60 rows: CRLF line ends, a quoted name spanning two lines, accents and an emoji, quoted separators,
 * and three bad rows (lines 12, 31, 50 after the two-line record on lines 6–7).
 */
function sampleCsv(run: string): { text: string; bad: number[] } {
  let text = '\uFEFFNome;E-mail;Telefone\r\n';
  for (let i = 0; i < 60; i++) {
    const name = i === 4 ? `"Maria\r\nda Conceição ${i}"` : i === 5 ? `"Zoë; ""🚀"" ${i}"` : `Joël ${i} ação`;
    const email = i === 9 ? `not-an-email-${run}` : i === 28 ? '' : `slice${i}.${run}@example.com`;
    const phone = i === 47 ? 'call me' : '+55 11 98765-4321';
    text += `${name};${email};${phone}\r\n`;
  }
  return { text, bad: [12, 31, 50] };
}

async function uploadInSlices(text: string, fileName: string, sliceBytes: number) {
  const token = await signIn(demoUsers.admin);
  const url = new URL('http://functions.local/leads-import');
  url.searchParams.set('file_name', fileName);
  url.searchParams.set('mapping', JSON.stringify({ columns: { email: 'E-mail', name: 'Nome', phone: 'Telefone' } }));
  const res = await createLeadsImportHandler({ sliceBytes })(
    new Request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, apikey: stackEnv.anonKey, 'content-type': 'text/csv' },
      body: text,
    }),
  );
  const body = await res.json();
  assert.equal(res.status, 202, JSON.stringify(body));
  return LeadImportAcceptedSchema.parse(body);
}

async function expectImported(importId: string, run: string, bad: number[]): Promise<void> {
  const db = await adminDb();
  assert.deepEqual(await importState(importId), {
    status: 'completed',
    rows_total: 60,
    rows_done: 60,
    rows_failed: 3,
    rows_inserted: 57,
    bytes_parsed: String(encoder.encode(sampleCsv(run).text).length),
    error: null,
    all_chunks_done: true,
    chunks_once: true,
    slices_left: 0,
  });
  const { rows: errors } = await db.query(
    'select line_number from lead.lead_import_errors where import_id = $1 order by 1',
    [importId],
  );
  assert.deepEqual(errors.map((e) => e.line_number), bad);
  const { rows: names } = await db.query(
    `select email, name from lead.leads where email in ($1, $2, $3) order by email`,
    [`slice4.${run}@example.com`, `slice5.${run}@example.com`, `slice59.${run}@example.com`],
  );
  assert.deepEqual(names.map((n) => n.name), ['Maria\r\nda Conceição 4', 'Zoë; "🚀" 5', 'Joël 59 ação']);
}

stackTest('parse steps: a file in 41-byte slices imports exactly, every boundary cut anywhere', async () => {
  const run = crypto.randomUUID().slice(0, 8);
  const { text, bad } = sampleCsv(run);
  const accepted = await uploadInSlices(text, `slices-${run}.csv`, 41);
  assert.equal(accepted.slices_total, Math.ceil(encoder.encode(text).length / 41));
  await drainUntil('the import to finish', finished(accepted.import_id));
  await expectImported(accepted.import_id, run, bad);
});

stackTest('parse steps: a parse message delivered twice (before and after parsing) changes nothing', async () => {
  const run = crypto.randomUUID().slice(0, 8);
  const { text, bad } = sampleCsv(run);
  const bytes = encoder.encode(text);
  const db = await adminDb();
  // An import as the upload leaves it, written directly so no kick races the duplicate below.
  const sliceBytes = 300;
  const slices = Math.ceil(bytes.length / sliceBytes);
  const { rows: [created] } = await db.query(
    `insert into lead.lead_imports (company_id, file_name, file_size_bytes, mapping, status, slices_total)
     select id, $1, $2, '{"columns": {"email": "E-mail", "name": "Nome", "phone": "Telefone"}}', 'parsing', $3
     from core.companies where slug = 'demo-rastro' returning id, company_id`,
    [`twice-${run}.csv`, bytes.length, slices],
  );
  for (let n = 0; n < slices; n++) {
    await db.query(
      `insert into lead.lead_import_slices (company_id, import_id, slice_no, bytes) values ($1, $2, $3, $4)`,
      [created.company_id, created.id, n + 1, Buffer.from(bytes.subarray(n * sliceBytes, (n + 1) * sliceBytes))],
    );
  }
  const first: LeadImportParse = {
    kind: 'parse',
    company_id: created.company_id,
    import_id: created.id,
    slice_no: 1,
    offset: 0,
    header: ['Nome', 'E-mail', 'Telefone'],
    fields: { email: 1, name: 0, phone: 2 },
    carry: startCsvCarry(';', 'utf-8'),
  };
  await db.query(`select pgmq.send('lead_import', $1), pgmq.send('lead_import', $1)`, [JSON.stringify(first)]);

  await drainUntil('the import to finish', finished(created.id));
  await expectImported(created.id, run, bad);

  const { rows: again } = await db.query(
    `select pgmq.send('lead_import', message) as msg_id from pgmq.a_lead_import
     where message ->> 'import_id' = $1 and message ->> 'kind' = 'parse'`,
    [created.id],
  );
  assert.ok(again.length > slices + 1, 'every parse step (and the duplicate) is in the archive');
  await drainUntil('the redelivered parse steps to be archived', async () => {
    const { rows: [left] } = await db.query(
      'select count(*)::int as n from pgmq.q_lead_import where msg_id = any($1)',
      [
        again.map((m) => m.msg_id),
      ],
    );
    return left.n === 0;
  });
  await expectImported(created.id, run, bad);
});

stackTest(
  'parse steps: one that keeps failing, or a malformed one, is dead-lettered and fails its import',
  async () => {
    const run = crypto.randomUUID().slice(0, 8);
    const db = await adminDb();
    const { rows: [created] } = await db.query(
      `insert into lead.lead_imports (company_id, file_name, file_size_bytes, mapping, status, slices_total)
     select id, $1, 12, '{"columns": {"email": "email"}}', 'parsing', 2 from core.companies where slug = 'demo-rastro'
     returning id, company_id`,
      [`dead-${run}.csv`],
    );
    await db.query(
      `insert into lead.lead_import_slices (company_id, import_id, slice_no, bytes)
     values ($1, $2, 1, convert_to('email' || chr(10), 'UTF8')), ($1, $2, 2, convert_to('a@x.test' || chr(10), 'UTF8'))`,
      [created.company_id, created.id],
    );
    const step: LeadImportParse = {
      kind: 'parse',
      company_id: created.company_id,
      import_id: created.id,
      slice_no: 1,
      offset: 0,
      header: ['email'],
      fields: { email: 0 },
      carry: startCsvCarry(',', 'utf-8'),
    };
    await db.query('begin');
    const { rows: [tired] } = await db.query(`select pgmq.send('lead_import', $1) as msg_id`, [JSON.stringify(step)]);
    await db.query('update pgmq.q_lead_import set read_ct = 5 where msg_id = $1', [tired.msg_id]);
    const { rows: [malformed] } = await db.query(
      `select pgmq.send('lead_import', '{"kind": "parse", "import_id": "not-a-uuid"}') as msg_id`,
    );
    await db.query('commit');

    await drainUntil('the import to fail', finished(created.id));
    const state = await importState(created.id);
    assert.deepEqual([state.status, state.error, state.slices_left], [
      'failed',
      'slice 1 could not be parsed after 5 attempts',
      0,
    ]);
    await drainUntil('the malformed message to be dead-lettered', async () => {
      const { rows } = await db.query(
        `select 1 from ops.dead_letters where queue_name = 'lead_import' and msg_id = $1`,
        [
          malformed.msg_id,
        ],
      );
      return rows.length === 1;
    });
    const { rows: dead } = await db.query(
      `select msg_id::text, worker, company_id, last_error from ops.dead_letters
     where queue_name = 'lead_import' and msg_id = any($1) order by msg_id`,
      [[tired.msg_id, malformed.msg_id]],
    );
    assert.deepEqual(dead.map((d) => [d.worker, d.company_id]), [
      ['lead-import-worker', created.company_id],
      ['lead-import-worker', null],
    ]);
    assert.equal(dead[0].last_error, 'slice 1 could not be parsed after 5 attempts');
    assert.match(dead[1].last_error, /^parse message \d+ is malformed/);
  },
);

/** `rows` lines like the benchmark's file: e-mail, name, phone. */
function benchLikeCsv(bytes: number): Uint8Array {
  let text = 'email,name,phone\n';
  for (let i = 0; text.length < bytes; i++) text += `b${i}@bench.test,Lead ${i},+55119${String(i).padStart(8, '0')}\n`;
  return encoder.encode(text).subarray(0, bytes);
}

/** CPU milliseconds of this process (user + system) around `body`, beside the wall-clock time. */
function measure(body: () => void): { cpuMs: number; wallMs: number } {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  body();
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - wall };
}

Deno.test('parse steps: what one step costs (printed, not asserted)', async () => {
  const sliceBytes = 2 * 1024 * 1024;
  const slice = benchLikeCsv(sliceBytes);
  const step: LeadImportParse = {
    kind: 'parse',
    company_id: crypto.randomUUID(),
    import_id: crypto.randomUUID(),
    slice_no: 1,
    offset: 0,
    header: ['email', 'name', 'phone'],
    fields: { email: 0, name: 1, phone: 2 },
    carry: startCsvCarry(',', 'utf-8'),
  };
  /** Parses `bytes` in steps as the worker does (default limits); prints the costliest step. */
  const stepThrough = (what: string, bytes: Uint8Array) => {
    const runs: Array<{ cpuMs: number; wallMs: number; rows: number; bytes: number }> = [];
    let carry = step.carry;
    for (let offset = 0; offset < bytes.byteLength;) {
      let parsed: ReturnType<typeof parseSlice> | undefined;
      const cost = measure(() => {
        parsed = parseSlice({ ...step, carry }, bytes.subarray(offset), false);
        // What the step sends to Postgres is part of its cost.
        JSON.stringify(parsed.chunks);
        JSON.stringify(parsed.carry);
      });
      runs.push({ ...cost, rows: parsed!.rows, bytes: parsed!.consumed });
      offset += parsed!.consumed;
      carry = parsed!.carry;
    }
    const worst = runs.reduce((a, b) => (a.cpuMs > b.cpuMs ? a : b));
    const rows = runs.reduce((n, r) => n + r.rows, 0);
    const cpuPerMiB = runs.reduce((n, r) => n + r.cpuMs, 0) / (bytes.byteLength / 1024 / 1024);
    console.log(
      `parse steps, ${what}: ${rows} rows in ${runs.length} step(s); costliest step ${worst.rows} rows / ` +
        `${(worst.bytes / 1024).toFixed(0)} KiB: ${worst.cpuMs.toFixed(0)} ms CPU, ${
          worst.wallMs.toFixed(0)
        } ms wall; ` +
        `${cpuPerMiB.toFixed(0)} ms CPU per MiB overall`,
    );
    return rows;
  };
  const rows = stepThrough('2 MiB of benchmark rows', slice);
  assert.ok(rows > 40_000, `the 2 MiB slice holds ${rows} rows`);
  const tiny = encoder.encode('x\n'.repeat(sliceBytes / 4));
  assert.equal(stepThrough('1 MiB of one-character rows', tiny), sliceBytes / 4 - 1, 'every row but the header');

  // The upload's share per megabyte: decoding, the binary check, slicing (no record parsing).
  const file = benchLikeCsv(20 * 1024 * 1024);
  let uploadCpu = 0;
  const cpu = process.cpuUsage();
  const upload = await openCsvUpload(
    new ReadableStream({
      start(controller) {
        for (let o = 0; o < file.length; o += 64 * 1024) controller.enqueue(file.subarray(o, o + 64 * 1024));
        controller.close();
      },
    }),
  );
  let stored = 0;
  for await (const s of upload.slices()) stored += s.byteLength;
  const used = process.cpuUsage(cpu);
  uploadCpu = (used.user + used.system) / 1000;
  assert.equal(stored, file.length);
  console.log(`upload checks: 20 MiB in ${uploadCpu.toFixed(0)} ms CPU (${(uploadCpu / 20).toFixed(1)} ms per MiB)`);
});
