import assert from 'node:assert/strict';
import { CsvError, type CsvRecord, detectSeparator, openCsv } from './csv.ts';

const encoder = new TextEncoder();

/** A stream delivering `bytes` in pieces of `pieceSize` bytes (so boundaries fall everywhere). */
function streamOf(bytes: Uint8Array | string, pieceSize = 64 * 1024): ReadableStream<Uint8Array> {
  const data = typeof bytes === 'string' ? encoder.encode(bytes) : bytes;
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= data.length) {
        controller.close();
        return;
      }
      controller.enqueue(data.slice(offset, offset + pieceSize));
      offset += pieceSize;
    },
  });
}

async function readAll(input: Uint8Array | string, pieceSize?: number, options = {}) {
  const csv = await openCsv(streamOf(input, pieceSize), options);
  const records: CsvRecord[] = [];
  for await (const batch of csv.batches(1000)) records.push(...batch);
  return { separator: csv.separator, header: csv.header, records };
}

async function rejectsWith(promise: Promise<unknown>, code: string, line?: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof CsvError, `expected a CsvError, got ${error}`);
    assert.equal(error.code, code);
    if (line !== undefined) assert.equal(error.line, line);
    return true;
  });
}

Deno.test('csv: header, records and their physical line numbers', async () => {
  const { separator, header, records } = await readAll('email,name\na@x.test,Ana\nb@x.test,Bia\n');
  assert.equal(separator, ',');
  assert.deepEqual(header, { line: 1, fields: ['email', 'name'] });
  assert.deepEqual(records, [
    { line: 2, fields: ['a@x.test', 'Ana'] },
    { line: 3, fields: ['b@x.test', 'Bia'] },
  ]);
});

Deno.test('csv: semicolon is detected from the header, ignoring separators inside quotes', async () => {
  const { separator, header, records } = await readAll('"e-mail, principal";nome;telefone\na@x.test;"Silva, Ana";11\n');
  assert.equal(separator, ';');
  assert.deepEqual(header.fields, ['e-mail, principal', 'nome', 'telefone']);
  assert.deepEqual(records[0].fields, ['a@x.test', 'Silva, Ana', '11']);
  assert.equal(detectSeparator('"a;b;c",d\n', true), ',');
  assert.equal(detectSeparator('a;b,c;d', false), null, 'needs the end of the header record');
  assert.equal(detectSeparator('a;b,c;d', true), ';');
  assert.equal(detectSeparator('email\n', true), ',', 'one column');
  assert.equal(detectSeparator('\n\na;b\nc,d,e,f\n', false), ';', 'blank lines before the header are skipped');
  assert.equal(detectSeparator('"say ""hi"", ok";x;y\n', false), ';', 'escaped quotes inside the quoted header field');
});

Deno.test('csv: a UTF-8 byte-order mark is dropped; multi-byte characters survive any split', async () => {
  const text = '\uFEFFemail;nome\nj@x.test;João Conceição 🚀\n';
  for (const pieceSize of [1, 2, 3, 5, 7, 1000]) {
    const { header, records } = await readAll(text, pieceSize);
    assert.deepEqual(header.fields, ['email', 'nome'], `piece size ${pieceSize}`);
    assert.deepEqual(records[0].fields, ['j@x.test', 'João Conceição 🚀'], `piece size ${pieceSize}`);
  }
});

Deno.test('csv: RFC 4180 quoting: escaped quotes, separators and line breaks inside quotes', async () => {
  const text = 'a,b,c\r\n"say ""hi""","x,y","line one\r\nline two\nline three"\r\nafter,2,3\r\n"",,""\r\nlast,"",z';
  const { records } = await readAll(text);
  assert.deepEqual(records, [
    { line: 2, fields: ['say "hi"', 'x,y', 'line one\r\nline two\nline three'] },
    { line: 5, fields: ['after', '2', '3'] },
    { line: 7, fields: ['last', '', 'z'] },
  ], 'a record spanning lines reports its first line; the blank ",," record on line 6 is skipped');
});

Deno.test('csv: the same records whatever the stream pieces look like', async () => {
  const text = '\uFEFF"h1";h2;h3\r\n"a;""b""\r\nc";d;e\r\r\n\nf;"";"g"\rh;i;j\n"k"";";"l\n";m';
  const expected = await readAll(text, 1 << 20);
  assert.deepEqual(expected.records.map((r) => r.line), [2, 6, 7, 8]);
  assert.deepEqual(expected.records[0].fields, ['a;"b"\r\nc', 'd', 'e']);
  assert.deepEqual(expected.records[3].fields, ['k";', 'l\n', 'm']);
  for (let pieceSize = 1; pieceSize <= text.length + 1; pieceSize++) {
    const got = await readAll(text, pieceSize);
    assert.deepEqual(got, expected, `piece size ${pieceSize}`);
  }
});

Deno.test('csv: CRLF, LF and lone CR line endings; blank and separator-only lines are skipped', async () => {
  const { records } = await readAll('email\r\na@x.test\r\n\r\nb@x.test\nc@x.test\rd@x.test\n\n');
  assert.deepEqual(records.map((r) => [r.line, r.fields[0]]), [[2, 'a@x.test'], [4, 'b@x.test'], [5, 'c@x.test'], [
    6,
    'd@x.test',
  ]]);
  const semis = await readAll('email;name\n;;\n  ;  \nz@x.test;Z\n');
  assert.deepEqual(semis.records, [{ line: 4, fields: ['z@x.test', 'Z'] }]);
});

Deno.test('csv: last record without a line break; header-only file; blank lines before the header', async () => {
  assert.deepEqual((await readAll('email,name\na@x.test,Ana')).records, [{ line: 2, fields: ['a@x.test', 'Ana'] }]);
  assert.deepEqual((await readAll('email,name\na@x.test,')).records, [{ line: 2, fields: ['a@x.test', ''] }]);
  const headerOnly = await readAll('email,name\r\n');
  assert.deepEqual(headerOnly.header.fields, ['email', 'name']);
  assert.deepEqual(headerOnly.records, []);
  const late = await readAll('\n\nemail\nq@x.test\n');
  assert.deepEqual(late.header, { line: 3, fields: ['email'] });
  assert.deepEqual(late.records, [{ line: 4, fields: ['q@x.test'] }]);
});

Deno.test('csv: a quote inside an unquoted field is kept as it is', async () => {
  const { records } = await readAll('name,note\nO"Brien,5" screen\n');
  assert.deepEqual(records[0].fields, ['O"Brien', '5" screen']);
});

Deno.test('csv: malformed records come back with a problem and do not stop the file', async () => {
  const { records } = await readAll(
    'email,name\n"a@x.test"oops,Ana\nb@x.test,Bia\n"c@x.test,"never closed\nd@x.test,Di\n',
  );
  assert.deepEqual(records[0], { line: 2, fields: [], problem: 'unexpected character after a closing quote' });
  assert.deepEqual(records[1], { line: 3, fields: ['b@x.test', 'Bia'] });
  assert.deepEqual(records[2], { line: 4, fields: [], problem: 'unexpected character after a closing quote' });
  assert.deepEqual(records[3], { line: 5, fields: ['d@x.test', 'Di'] });
  const unclosed = await readAll('email,name\nb@x.test,"Bia\nc@x.test,Cid\n');
  assert.deepEqual(unclosed.records, [{
    line: 2,
    fields: [],
    problem: 'quoted field is not closed before the end of the file',
  }]);
});

Deno.test('csv: an over-long record is reported and skipped, the next one is read', async () => {
  const long = 'x'.repeat(500);
  const { records } = await readAll(
    `email,note\na@x.test,${long}\n"b@x.test","${long}\n${long}"\n${','.repeat(300)}\nc@x.test,ok\n`,
    7,
    { maxRecordChars: 200 },
  );
  assert.deepEqual(records, [
    { line: 2, fields: [], problem: 'record is longer than 200 characters' },
    { line: 3, fields: [], problem: 'record is longer than 200 characters' },
    { line: 5, fields: [], problem: 'record is longer than 200 characters' },
    { line: 6, fields: ['c@x.test', 'ok'] },
  ]);
});

Deno.test('csv: empty input and blank-only input have no header', async () => {
  await rejectsWith(openCsv(streamOf('')), 'missing_header');
  await rejectsWith(openCsv(streamOf('\uFEFF')), 'missing_header');
  await rejectsWith(openCsv(streamOf('\r\n\n  \n')), 'missing_header');
  await rejectsWith(openCsv(streamOf('"email,name\nx,y\n')), 'missing_header', 1);
  await rejectsWith(openCsv(streamOf('x'.repeat(5000)), { maxHeaderChars: 1000 }), 'missing_header');
});

Deno.test('csv: binary and non-UTF-8 input is not CSV', async () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
  const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]);
  const latin1 = new Uint8Array([...encoder.encode('email;nome\na@x.test;Jo'), 0xe3, 0x6f, 0x0a]);
  const utf16 = new Uint8Array([0xff, 0xfe, 0x65, 0x00, 0x6d, 0x00, 0x0a, 0x00]);
  for (const [name, bytes] of [['png', png], ['xlsx/zip', zip], ['latin-1', latin1], ['utf-16', utf16]] as const) {
    await rejectsWith(openCsv(streamOf(bytes)), 'not_csv').catch((error) => {
      throw new Error(`${name}: ${error.message}`);
    });
  }
  // Binary found after the header fails while iterating.
  const late = await openCsv(streamOf(`email\n${'a@x.test\n'.repeat(10)}\u0000\u0001\n`, 16));
  await rejectsWith(
    (async () => {
      for await (const _ of late.batches(5)) { /* drain */ }
    })(),
    'not_csv',
  );
  // A sequence cut off at the very end is invalid too.
  await rejectsWith(
    openCsv(streamOf(new Uint8Array([...encoder.encode('email\na@x.test\n'), 0xc3]))).then(async (csv) => {
      for await (const _ of csv.batches(5)) { /* drain */ }
    }),
    'not_csv',
  );
});

Deno.test('csv: the byte limit is enforced while streaming', async () => {
  const text = `email\n${'abcdefgh@x.test\n'.repeat(100)}`;
  const size = encoder.encode(text).length;
  assert.equal((await readAll(text, 64, { maxBytes: size })).records.length, 100, 'exactly at the limit is fine');
  const csv = await openCsv(streamOf(text, 64), { maxBytes: size - 1 });
  let seen = 0;
  await rejectsWith(
    (async () => {
      for await (const batch of csv.batches(10)) seen += batch.length;
    })(),
    'file_too_large',
  );
  assert.ok(seen < 100, 'records before the limit were yielded as they streamed');
});

Deno.test('csv: batches have the requested size and the stream is read lazily', async () => {
  const rows = 250_000;
  const row = (i: number) => `lead${i}@bulk.test;Lead ${i}\n`;
  let produced = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (produced >= rows) return controller.close();
      let text = produced === 0 ? 'email;name\n' : '';
      for (let n = 0; n < 1000 && produced < rows; n++) text += row(produced++);
      controller.enqueue(encoder.encode(text));
    },
    cancel() {
      cancelled = true;
    },
  }, { highWaterMark: 0 });
  const csv = await openCsv(stream, { maxBytes: 100 * 1024 * 1024 });
  const sizes: number[] = [];
  let lastLine = 0;
  for await (const batch of csv.batches(4000)) {
    if (sizes.length === 0) {
      assert.ok(produced <= 10_000, `only what the first batch needs was read (${produced} rows produced)`);
    }
    sizes.push(batch.length);
    lastLine = batch[batch.length - 1].line;
    if (sizes.length === 10) break;
  }
  assert.deepEqual(sizes, Array(10).fill(4000));
  assert.equal(lastLine, 40_001);
  assert.ok(cancelled, 'stopping early cancels the upload stream');

  const all = await openCsv(streamOf(`email\n${'x@y.z\n'.repeat(2500)}`, 100));
  const allSizes: number[] = [];
  for await (const batch of all.batches(1000)) allSizes.push(batch.length);
  assert.deepEqual(allSizes, [1000, 1000, 500]);
  assert.equal(all.bytesRead(), 6 + 2500 * 6);
});
