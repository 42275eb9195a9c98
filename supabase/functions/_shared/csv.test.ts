import assert from 'node:assert/strict';
import { CsvCarrySchema } from '@rastro/contracts/lead-imports.ts';
import {
  type CsvCarry,
  type CsvEncoding,
  CsvError,
  type CsvOptions,
  type CsvRecord,
  type CsvSliceOptions,
  detectSeparator,
  openCsvUpload,
  parseCsvSlice,
  startCsvCarry,
} from './csv.ts';

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

/** Collects an upload's slices. */
async function sliced(input: Uint8Array | string, pieceSize?: number, options: CsvOptions = {}) {
  const upload = await openCsvUpload(streamOf(input, pieceSize), options);
  const slices: Uint8Array[] = [];
  for await (const slice of upload.slices()) slices.push(slice);
  return { upload, slices };
}

/**
 * Parses slices one after the other, in steps of at most `maxRecords` records, the carry going through
 * JSON and its schema as on the queue.
 */
function parseSlices(slices: Uint8Array[], separator: ',' | ';', options: CsvSliceOptions = {}, encoding: CsvEncoding = 'utf-8') {
  const records: CsvRecord[] = [];
  let carry: CsvCarry = startCsvCarry(separator, encoding);
  slices.forEach((slice, i) => {
    let offset = 0;
    do {
      const step = parseCsvSlice(slice.subarray(offset), carry, i === slices.length - 1, options);
      assert.ok(step.consumed > 0 || slice.byteLength === 0, 'every step moves on');
      if (options.maxRecords !== undefined && options.windowBytes !== undefined) {
        assert.ok(step.records.length <= options.maxRecords + options.windowBytes, 'a step stops after its window');
      }
      records.push(...step.records);
      offset += step.consumed;
      carry = CsvCarrySchema.parse(JSON.parse(JSON.stringify(step.carry)));
    } while (offset < slice.byteLength);
  });
  return records;
}

/** The upload's view (separator, header, whether rows follow) and every record the slices hold. */
async function readAll(input: Uint8Array | string, pieceSize?: number, options: CsvOptions & CsvSliceOptions = {}) {
  const { upload, slices } = await sliced(input, pieceSize, options);
  const bytes = slices.reduce((n, slice) => n + slice.byteLength, 0);
  assert.equal(bytes, upload.bytesRead(), 'the slices hold every byte read');
  const records = parseSlices(slices, upload.separator, options, upload.encoding());
  assert.equal(upload.hasRows(), records.length > 0, 'the upload knows whether rows follow the header');
  return { separator: upload.separator, header: upload.header, records, encoding: upload.encoding() };
}

/** Reads the whole upload (its slices) and throws what the upload throws. */
async function upload(input: Uint8Array | string, pieceSize?: number, options: CsvOptions = {}): Promise<void> {
  await sliced(input, pieceSize, options);
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
  await rejectsWith(upload(''), 'missing_header');
  await rejectsWith(upload('\uFEFF'), 'missing_header');
  await rejectsWith(upload('\r\n\n  \n'), 'missing_header');
  await rejectsWith(upload('"email,name\nx,y\n'), 'missing_header', 1);
  await rejectsWith(upload('x'.repeat(5000), undefined, { maxHeaderChars: 1000 }), 'missing_header');
});

Deno.test('csv: binary input is not CSV, nor invalid UTF-8 in a file read as UTF-8', async () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
  const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]);
  const utf16 = new Uint8Array([0xff, 0xfe, 0x65, 0x00, 0x6d, 0x00, 0x0a, 0x00]);
  for (const [name, bytes] of [['png', png], ['xlsx/zip', zip], ['utf-16', utf16]] as const) {
    await rejectsWith(upload(bytes), 'not_csv').catch((error) => {
      throw new Error(`${name}: ${error.message}`);
    });
  }
  const latin1 = new Uint8Array([...encoder.encode('email;nome\na@x.test;Jo'), 0xe3, 0x6f, 0x0a]);
  await rejectsWith(upload(latin1, undefined, { encoding: 'utf-8' }), 'not_csv');
  // After UTF-8 text (here with a BOM, or an "ã"), a byte that is not UTF-8 is a broken file, not Windows-1252.
  await rejectsWith(upload(new Uint8Array([0xef, 0xbb, 0xbf, ...latin1])), 'not_csv');
  await rejectsWith(upload(new Uint8Array([...encoder.encode('email;nome\na@x.test;São\n'), ...latin1.subarray(11)])), 'not_csv');
  // Binary found far after the header fails while the slices stream.
  await rejectsWith(upload(`email\n${'a@x.test\n'.repeat(10)}\u0000\u0001\n`, 16, { sliceBytes: 8 }), 'not_csv');
  // A sequence cut off at the very end is invalid too, in a file read as UTF-8.
  await rejectsWith(upload(new Uint8Array([...encoder.encode('email\na@x.test\n'), 0xc3]), undefined, { encoding: 'utf-8' }), 'not_csv');
  // The slice parser refuses invalid bytes too (never the ones an upload accepted).
  assert.throws(() => parseCsvSlice(new Uint8Array([0x61, 0xff, 0x0a]), startCsvCarry(',', 'utf-8'), true), CsvError);
  assert.throws(() => parseCsvSlice(new Uint8Array([0x61, 0xc3]), startCsvCarry(',', 'utf-8'), true), CsvError);
});

/** `text` as Windows-1252 bytes (every character of it is in Latin-1, where the two agree). */
function windows1252(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => {
    assert.ok(c.charCodeAt(0) < 0x100 && !(c.charCodeAt(0) >= 0x80 && c.charCodeAt(0) < 0xa0), `not Latin-1: ${c}`);
    return c.charCodeAt(0);
  });
}

Deno.test('csv: a Windows-1252 file (Excel "CSV separado por vírgulas") is detected and read intact', async () => {
  const text = 'email;nome;cidade;valor\r\njoao@x.test;João;São José;1.234,56\r\nmaria@x.test;Conceição;Brasília;10\r\n';
  const bytes = windows1252(text);
  for (const pieceSize of [1, 2, 5, 29, 1000]) {
    for (const sliceBytes of [3, 16, 1024]) {
      const { encoding, header, records } = await readAll(bytes, pieceSize, { sliceBytes, windowBytes: 7 });
      const at = `piece size ${pieceSize}, slice ${sliceBytes}`;
      assert.equal(encoding, 'windows-1252', at);
      assert.deepEqual(header.fields, ['email', 'nome', 'cidade', 'valor'], at);
      assert.deepEqual(records.map((r) => r.fields), [
        ['joao@x.test', 'João', 'São José', '1.234,56'],
        ['maria@x.test', 'Conceição', 'Brasília', '10'],
      ], at);
    }
  }
  // The first non-UTF-8 byte may come late (here in the last record) or in the header itself.
  const late = windows1252(`email;nome\n${'a@x.test;Ana\n'.repeat(50)}c@x.test;Conceição\n`);
  const lateRead = await readAll(late, 16, { sliceBytes: 64 });
  assert.equal(lateRead.encoding, 'windows-1252');
  assert.deepEqual(lateRead.records.at(-1)?.fields, ['c@x.test', 'Conceição']);
  const inHeader = await readAll(windows1252('e-mail;endereço\na@x.test;Rua Ação\n'), 3);
  assert.deepEqual([inHeader.encoding, inHeader.header.fields, inHeader.records[0].fields], [
    'windows-1252', ['e-mail', 'endereço'], ['a@x.test', 'Rua Ação'],
  ]);
  // ISO-8859-1 text is the same bytes; asking for Windows-1252 reads a file that is all ASCII so far too.
  const forced = await readAll(windows1252('email;nome\na@x.test;Zé\n'), undefined, { encoding: 'windows-1252' });
  assert.deepEqual([forced.encoding, forced.records[0].fields], ['windows-1252', ['a@x.test', 'Zé']]);
});

Deno.test('csv: UTF-8, with or without a byte-order mark, and ASCII-only files read as UTF-8', async () => {
  for (const text of ['email;nome\na@x.test;João\n', '\uFEFFemail;nome\na@x.test;João\n', 'email\na@x.test\n']) {
    const { encoding, records } = await readAll(text, 2);
    assert.equal(encoding, 'utf-8', JSON.stringify(text));
    assert.equal(records[0].fields[0], 'a@x.test');
  }
  // Forced to Windows-1252, UTF-8 bytes read as what they are in it (the person chose so).
  const { records } = await readAll('email;nome\na@x.test;João\n', undefined, { encoding: 'windows-1252' });
  assert.equal(records[0].fields[1], 'JoÃ£o');
});

Deno.test('csv: the byte limit is enforced while streaming', async () => {
  const text = `email\n${'abcdefgh@x.test\n'.repeat(100)}`;
  const size = encoder.encode(text).length;
  assert.equal((await readAll(text, 64, { maxBytes: size })).records.length, 100, 'exactly at the limit is fine');
  const csv = await openCsvUpload(streamOf(text, 64), { maxBytes: size - 1, sliceBytes: 100 });
  let seen = 0;
  await rejectsWith(
    (async () => {
      for await (const slice of csv.slices()) seen += slice.byteLength;
    })(),
    'file_too_large',
  );
  assert.ok(seen > 0 && seen < size, 'slices before the limit were handed out as they streamed');
});

Deno.test('csv: slices have the requested size and the stream is read lazily', async () => {
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
  const csv = await openCsvUpload(stream, { maxBytes: 100 * 1024 * 1024, sliceBytes: 100_000 });
  const sizes: number[] = [];
  for await (const slice of csv.slices()) {
    if (sizes.length === 0) {
      assert.ok(produced <= 10_000, `only what the first slice needs was read (${produced} rows produced)`);
    }
    sizes.push(slice.byteLength);
    if (sizes.length === 10) break;
  }
  assert.deepEqual(sizes, Array(10).fill(100_000));
  assert.ok(cancelled, 'stopping early cancels the upload stream');

  const all = await sliced(`email\n${'x@y.z\n'.repeat(2500)}`, 100, { sliceBytes: 6000 });
  assert.deepEqual(all.slices.map((s) => s.byteLength), [6000, 6000, 3006]);
  assert.equal(all.upload.bytesRead(), 6 + 2500 * 6);
});

Deno.test('csv: the same records whatever the slice boundaries (records, CRLF, UTF-8 characters cut)', async () => {
  const text = '\uFEFF"nome";e-mail\r\n"João\r\nConceição";j@x.test\r\n\r\n🚀 "x";"a;""b"""\rç;ü\n"open\r\n';
  const bytes = encoder.encode(text);
  const whole = await readAll(bytes, 1 << 20);
  assert.deepEqual(whole.header, { line: 1, fields: ['nome', 'e-mail'] });
  assert.deepEqual(whole.records, [
    { line: 2, fields: ['João\r\nConceição', 'j@x.test'] },
    { line: 5, fields: ['🚀 "x"', 'a;"b"'] },
    { line: 6, fields: ['ç', 'ü'] },
    { line: 7, fields: [], problem: 'quoted field is not closed before the end of the file' },
  ]);
  for (let sliceBytes = 1; sliceBytes <= bytes.length; sliceBytes++) {
    for (const pieceSize of [3, 64]) {
      assert.deepEqual(await readAll(bytes, pieceSize, { sliceBytes }), whole, `slices of ${sliceBytes} bytes`);
    }
    for (const windowBytes of [1, 2, 5]) {
      assert.deepEqual(
        await readAll(bytes, 64, { sliceBytes, maxRecords: 1, windowBytes }),
        whole,
        `slices of ${sliceBytes} bytes, steps of one record in windows of ${windowBytes} bytes`,
      );
    }
  }
});

Deno.test('csv: a step stops after the window that reached maxRecords, however short the rows', () => {
  const slice = encoder.encode(`email\n${'x\n'.repeat(100_000)}`);
  const first = parseCsvSlice(slice, startCsvCarry(',', 'utf-8'), true, { maxRecords: 1000, windowBytes: 1024 });
  assert.equal(first.consumed, 2048, 'two windows: the second reached 1,000 records');
  assert.equal(first.records.length, 1021, '(2048 - 6) / 2 rows after the header');
  assert.deepEqual(first.records[0], { line: 2, fields: ['x'] });
  const rest = parseCsvSlice(slice.subarray(first.consumed), first.carry, true);
  assert.equal(rest.consumed, slice.byteLength - first.consumed);
  assert.equal(first.records.length + rest.records.length, 100_000);
  assert.deepEqual(rest.records.at(-1), { line: 100_001, fields: ['x'] });
});

Deno.test('csv: a U+FEFF starting a later slice is text, not a byte-order mark', () => {
  const first = encoder.encode('email,name\n');
  const second = encoder.encode('\uFEFFa@x.test,A\n');
  const one = parseCsvSlice(first, startCsvCarry(',', 'utf-8'), false);
  assert.deepEqual(one.records, [], 'the header is skipped');
  assert.equal(one.carry.skip_records, 0);
  assert.equal(one.carry.at_start, false);
  const two = parseCsvSlice(second, one.carry, true);
  assert.deepEqual(two.records, [{ line: 2, fields: ['\uFEFFa@x.test', 'A'] }]);
});

Deno.test('csv: whether data rows follow the header', async () => {
  const cases: Array<[string, boolean, CsvOptions?]> = [
    ['email,name\r\n', false],
    ['email,name\n\n,,\n  , \n\r\n', false],
    ['email,name\n"",""\n" ",\n', false],
    ['email,name\n\n,,\nx,\n', true],
    ['email,name\n";",\n', true],
    ['email,name\n"""",\n', true],
    ['email,name\n"', true],
    ['email,name\n"",x', true],
    ['email,name\n' + ','.repeat(300) + '\n', true, { maxRecordChars: 200 }],
    ['email,name\n' + ',,\r\n'.repeat(500) + ', '.repeat(150) + '\n' + ',\n'.repeat(500), true, {
      maxRecordChars: 200,
    }],
    ['email,name\n' + ',,\r\n'.repeat(500) + ', '.repeat(90) + '\n' + ',\n'.repeat(500), false, {
      maxRecordChars: 200,
    }],
    ['email,name\n' + ',,\r\n'.repeat(500) + '"\n,,\n"' + ',\n'.repeat(500), true],
    ['email,name\n' + ',,\r\n'.repeat(500) + '"\n,,\n"' + ',\n'.repeat(500) + '"', true],
    ['email,name\n' + ',,\r\n'.repeat(500) + '""\n' + ',\r'.repeat(500), false],
  ];
  for (const [text, rows, options] of cases) {
    for (const pieceSize of [1, 4, 7, 64, 150, 1000]) {
      const { upload } = await sliced(text, pieceSize, options);
      assert.equal(upload.hasRows(), rows, `${JSON.stringify(text)} in pieces of ${pieceSize}`);
    }
  }
});
