// lead-import-worker against the test stack. pg_cron and the upload's kick may run the worker in the
// functions host at the same time as these direct calls, so assertions are about the database, which
// ends the same whichever worker took a message.
import assert from 'node:assert/strict';
import { LeadImportAcceptedSchema, LeadImportWorkerRunSchema } from '@rastro/contracts/lead-imports.ts';
import { adminDb, demoUsers, eventually, signIn, stackEnv, stackTest } from '../_shared/testing/stack.ts';
import { createLeadImportWorker, validateChunk } from './handler.ts';

const worker = createLeadImportWorker({ budgetMs: 5_000 });

function runWorker(token = stackEnv.serviceRoleKey, method = 'POST'): Promise<Response> {
  return worker(
    new Request('http://functions.local/lead-import-worker', { method, headers: { authorization: `Bearer ${token}` } }),
  );
}

/** Runs the worker until `done` holds (other workers may be draining the same queue). */
async function drainUntil(what: string, done: () => Promise<boolean>): Promise<void> {
  await eventually(what, async () => {
    const res = await runWorker();
    assert.equal(res.status, 200);
    LeadImportWorkerRunSchema.parse(await res.json());
    return (await done()) ? true : undefined;
  });
}

async function importState(importId: string) {
  const db = await adminDb();
  const { rows: [row] } = await db.query(
    `select status, rows_total, rows_done, rows_failed, rows_inserted, rows_updated, chunks_total, chunks_done, error
     from lead.lead_imports where id = $1`,
    [importId],
  );
  return row;
}

const completed = (importId: string) => async () => (await importState(importId)).status === 'completed';

async function uploadCsv(text: string, fileName: string): Promise<string> {
  const token = await signIn(demoUsers.admin);
  const url = new URL(`${stackEnv.apiUrl}/functions/v1/leads-import`);
  url.searchParams.set('file_name', fileName);
  url.searchParams.set(
    'mapping',
    JSON.stringify({ columns: { email: 'E-mail', name: 'Nome', phone: 'Telefone', score: 'Pontos' } }),
  );
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, apikey: stackEnv.anonKey, 'content-type': 'text/csv' },
    body: text,
  });
  const body = await res.json();
  assert.equal(res.status, 202, JSON.stringify(body));
  return LeadImportAcceptedSchema.parse(body).import_id;
}

stackTest('lead-import-worker: 1,000 rows with 3 bad ones → 997 leads, 3 errors with their lines, 100 %', async () => {
  const run = crypto.randomUUID().slice(0, 8);
  // Semicolons, CRLF, a quoted name spanning two lines (so physical lines and row numbers differ).
  let text = 'Nome;E-mail;Telefone;Pontos\r\n';
  let line = 2;
  const badLines: Record<number, string> = {};
  for (let i = 0; i < 1000; i++) {
    let email = `bulk${i}.${run}@example.com`;
    let phone = '+55 11 98765-4321';
    let name = i === 9 ? `"Maria\r\nda Silva ${i}"` : `Lead ${i}`;
    if (i === 99) email = `not-an-email-${run}`;
    if (i === 500) email = '';
    if (i === 900) phone = 'call me';
    if (i === 99 || i === 500 || i === 900) badLines[line] = i === 99 ? 'email' : i === 500 ? 'email' : 'phone';
    if (i === 10) name = `"Quoted ""name""; with separator"`;
    text += `${name};${email};${phone};${i % 101}\r\n`;
    line += i === 9 ? 2 : 1;
  }
  const importId = await uploadCsv(text, `bulk-${run}.csv`);
  await drainUntil('the import to complete', completed(importId));

  assert.deepEqual(await importState(importId), {
    status: 'completed',
    rows_total: 1000,
    rows_done: 1000,
    rows_failed: 3,
    rows_inserted: 997,
    rows_updated: 0,
    chunks_total: 1,
    chunks_done: 1,
    error: null,
  });
  const db = await adminDb();
  const { rows: [leads] } = await db.query(
    `select count(*)::int as n, count(*) filter (where origin = 'csv')::int as csv, count(distinct company_id)::int as companies
     from lead.leads where email like $1`,
    [`%.${run}@example.com`],
  );
  assert.deepEqual(leads, { n: 997, csv: 997, companies: 1 });
  const { rows: named } = await db.query(`select name, score from lead.leads where email in ($1, $2) order by email`, [
    `bulk10.${run}@example.com`,
    `bulk9.${run}@example.com`,
  ]);
  assert.deepEqual(named, [{ name: 'Quoted "name"; with separator', score: 10 }, {
    name: 'Maria\r\nda Silva 9',
    score: 9,
  }]);

  const { rows: errors } = await db.query(
    'select line_number, reason, raw from lead.lead_import_errors where import_id = $1 order by line_number',
    [importId],
  );
  assert.deepEqual(errors.map((e) => e.line_number), Object.keys(badLines).map(Number));
  assert.deepEqual(errors.map((e) => e.reason.split(':')[0]), Object.values(badLines));
  assert.equal(errors[0].line_number, 102, 'row 100 sits on line 102: the header and the two-line name come before it');
  assert.deepEqual(errors[0].raw, {
    Nome: 'Lead 99',
    'E-mail': `not-an-email-${run}`,
    Telefone: '+55 11 98765-4321',
    Pontos: '99',
  });
});

stackTest('lead-import-worker: a chunk delivered twice changes nothing', async () => {
  const run = crypto.randomUUID().slice(0, 8);
  const rows = Array.from({ length: 30 }, (_, i) => `Twice ${i};twice${i}.${run}@example.com;;${i}`);
  rows.push(`Dup;TWICE0.${run}@example.com;;99`, `Bad;nope-${run};;1`);
  const importId = await uploadCsv(`Nome;E-mail;Telefone;Pontos\n${rows.join('\n')}\n`, `twice-${run}.csv`);
  await drainUntil('the import to complete', completed(importId));
  const db = await adminDb();
  const snapshot = async () => {
    const { rows: [counts] } = await db.query(
      `select (select count(*)::int from lead.leads where email ilike $2) as leads,
              (select count(*)::int from lead.lead_import_errors where import_id = $1) as errors,
              (select count(*)::int from lead.lead_import_chunks where import_id = $1) as chunks,
              (select max(updated_at) from lead.leads where email ilike $2) as last_update`,
      [importId, `%.${run}@example.com`],
    );
    return { ...counts, import: await importState(importId) };
  };
  const before = await snapshot();
  assert.equal(before.leads, 30, 'the repeated e-mail (other case) updated the first lead');
  assert.equal(before.import.rows_updated, 1);
  assert.equal(before.errors, 1);

  const { rows: [again] } = await db.query(
    `select pgmq.send('lead_import', message) as msg_id from pgmq.a_lead_import
     where message ->> 'import_id' = $1 and message ? 'chunk_no'`,
    [importId],
  );
  await drainUntil('the redelivered chunk to be archived', async () => {
    const { rows: [left] } = await db.query('select count(*)::int as n from pgmq.q_lead_import where msg_id = $1', [
      again.msg_id,
    ]);
    return left.n === 0;
  });
  assert.deepEqual(await snapshot(), before);
});

stackTest(
  'lead-import-worker: a chunk that keeps failing is dead-lettered; the import fails with the reason',
  async () => {
    const run = crypto.randomUUID().slice(0, 8);
    const db = await adminDb();
    // An import whose only chunk has been read 5 times already: the next read is over the limit.
    const { rows: [created] } = await db.query(
      `insert into lead.lead_imports (company_id, file_name, file_size_bytes, mapping, rows_total, chunks_total)
     select id, $1, 100, '{"columns": {"email": "email"}}', 2, 1 from core.companies where slug = 'demo-rastro'
     returning id, company_id`,
      [`dead-${run}.csv`],
    );
    await db.query('begin');
    const { rows: [sent] } = await db.query(
      `select pgmq.send('lead_import', jsonb_build_object('company_id', $3::uuid, 'import_id', $1::uuid, 'chunk_no', 1, 'header', '["email"]'::jsonb,
       'fields', '{"email": 0}'::jsonb, 'rows', jsonb_build_array(jsonb_build_object('line', 2, 'cells', jsonb_build_array($2::text)),
                                                                  jsonb_build_object('line', 3, 'problem', 'bad quotes')))) as msg_id`,
      [created.id, `dead.${run}@example.com`, created.company_id],
    );
    await db.query('update pgmq.q_lead_import set read_ct = 5 where msg_id = $1', [sent.msg_id]);
    await db.query('commit');

    await drainUntil('the import to fail', async () => (await importState(created.id)).status === 'failed');
    const state = await importState(created.id);
    assert.equal(state.error, 'chunk 1 could not be applied after 5 attempts');
    assert.deepEqual([state.rows_done, state.rows_failed, state.chunks_done], [2, 2, 1]);
    const { rows: errors } = await db.query(
      'select line_number, reason, raw from lead.lead_import_errors where import_id = $1 order by 1',
      [created.id],
    );
    assert.deepEqual(errors, [
      {
        line_number: 2,
        reason: 'not imported: chunk 1 could not be applied after 5 attempts',
        raw: { email: `dead.${run}@example.com` },
      },
      { line_number: 3, reason: 'not imported: chunk 1 could not be applied after 5 attempts', raw: null },
    ]);
    const { rows: [archived] } = await db.query('select count(*)::int as n from pgmq.a_lead_import where msg_id = $1', [
      sent.msg_id,
    ]);
    assert.equal(archived.n, 1, 'the message is archived, not deleted');
    const { rows: letters } = await db.query(
      `select company_id, worker, read_ct, last_error from ops.dead_letters where queue_name = 'lead_import' and msg_id = $1`,
      [sent.msg_id],
    );
    assert.deepEqual(letters, [{
      company_id: created.company_id,
      worker: 'lead-import-worker',
      read_ct: 6,
      last_error: `chunk 1 could not be applied after 5 attempts (import ${created.id})`,
    }], 'one dead letter, attributed to the company, written with the failed import');
  },
);

stackTest('lead-import-worker: a failing chunk is retried later; a malformed message is archived', async () => {
  const db = await adminDb();
  const { rows: [orphan] } = await db.query(
    `select pgmq.send('lead_import', jsonb_build_object('import_id', gen_random_uuid(), 'chunk_no', 1, 'header', '["email"]'::jsonb,
       'fields', '{"email": 0}'::jsonb, 'rows', '[{"line": 2, "cells": ["x@example.com"]}]'::jsonb)) as msg_id`,
  );
  const { rows: [malformed] } = await db.query(`select pgmq.send('lead_import', '{"hello": "world"}') as msg_id`);
  try {
    await drainUntil('both messages to be handled', async () => {
      const { rows: [state] } = await db.query(
        `select (select read_ct from pgmq.q_lead_import where msg_id = $1) as orphan_reads,
                (select vt > now() from pgmq.q_lead_import where msg_id = $1) as orphan_hidden,
                exists (select 1 from pgmq.a_lead_import where msg_id = $2) as malformed_archived`,
        [orphan.msg_id, malformed.msg_id],
      );
      return state.orphan_reads >= 1 && state.orphan_hidden && state.malformed_archived;
    });
    const { rows: [letter] } = await db.query(
      `select company_id, last_error from ops.dead_letters where queue_name = 'lead_import' and msg_id = $1`,
      [malformed.msg_id],
    );
    assert.equal(letter.company_id, null, 'a message naming no company is dead-lettered unattributed');
    assert.match(letter.last_error, /is malformed/);
    const { rows: [run] } = await db.query(
      `select count(*)::int as n from ops.worker_runs where worker = 'lead-import-worker' and finished_at is not null and error like '%malformed%'`,
    );
    assert.ok(run.n >= 1, 'the run that archived the malformed message says so in ops.worker_runs');
  } finally {
    await db.query(`select pgmq.delete('lead_import', $1::bigint)`, [orphan.msg_id]);
  }
});

stackTest('lead-import-worker: only the service role runs it', async () => {
  const userToken = await signIn(demoUsers.admin);
  const res = await runWorker(userToken);
  assert.equal(res.status, 403);
  assert.equal((await res.json()).error.code, 'service_role_required');
  assert.equal((await runWorker(stackEnv.serviceRoleKey, 'GET')).status, 405);
});

Deno.test('lead-import-worker: rows are mapped from cells and validated; problems keep their line', () => {
  const { valid, errors } = validateChunk({
    import_id: crypto.randomUUID(),
    chunk_no: 1,
    header: ['Nome', 'E-mail', 'Valor'],
    fields: { name: 0, email: 1, value: 2 },
    rows: [
      { line: 2, cells: [' Ana ', 'ana@example.com ', 'R$ 1.500,50'] },
      { line: 3, cells: ['Bia', '', ''] },
      { line: 4, cells: ['Cid', 'cid@example.com'] },
      { line: 5, cells: ['Di', 'di@example.com', '', 'extra'] },
      { line: 6, cells: ['Eva', 'eva@example.com', '', '  '] },
      { line: 8, problem: 'quoted field is not closed before the end of the file' },
    ],
  });
  assert.deepEqual(JSON.parse(JSON.stringify(valid)), [
    { line_number: 2, name: 'Ana', email: 'ana@example.com', value: 1500.5 },
    { line_number: 6, name: 'Eva', email: 'eva@example.com' },
  ]);
  assert.deepEqual(errors, [
    { line_number: 3, reason: 'email: required', raw: { Nome: 'Bia', 'E-mail': '', Valor: '' } },
    {
      line_number: 4,
      reason: 'expected 3 fields like the header, found 2',
      raw: { Nome: 'Cid', 'E-mail': 'cid@example.com' },
    },
    {
      line_number: 5,
      reason: 'expected 3 fields like the header, found 4',
      raw: { Nome: 'Di', 'E-mail': 'di@example.com', Valor: '', column_4: 'extra' },
    },
    { line_number: 8, reason: 'quoted field is not closed before the end of the file' },
  ]);
});
