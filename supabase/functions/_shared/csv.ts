// CSV reading for uploads, in two halves that never hold the whole file:
// - openCsvUpload reads the request body once, front to back, with only cheap native checks on every
//   byte (decoding, a regular expression for binary characters, the byte limit), parses
//   the header record, makes sure a data record follows, and hands the raw bytes on in slices to store;
// - parseCsvSlice parses one stored slice later, continuing from the carry the previous slice left
//   (a record, a CRLF or a UTF-8 character may be cut anywhere by a slice boundary).
//
// What it accepts (RFC 4180 plus what spreadsheets actually export):
// - UTF-8, with or without a byte-order mark, or Windows-1252 (what Excel's "CSV (separado por
//   vírgulas)" writes; ISO-8859-1 text reads the same): detected while streaming — UTF-8 as long as the
//   bytes are valid UTF-8; a byte that is not, before any other non-ASCII character, makes the whole
//   file Windows-1252 — or forced by the caller. NUL or other C0 control characters (tab, line feed,
//   vertical tab, form feed and carriage return excepted) mean the upload is not a CSV file.
// - `,` or `;` as separator, chosen from the header record: whichever occurs more often outside quotes
//   (`,` when neither does, i.e. a one-column file).
// - Quoted fields with `""` for a quote and separators or line breaks inside; CRLF, LF or a lone CR
//   ending a record.
// Every record carries the physical line it starts on (1-based; a quoted field spanning lines does
// not shift the numbers of later records). Records whose fields are all blank (empty lines, `;;;`
// rows spreadsheets leave behind) are skipped. Malformed quoting or an over-long record does not stop
// the file: that record comes back with a `problem` and no fields, and reading continues.
import type { CsvCarry, CsvEncoding } from '@rastro/contracts/lead-imports.ts';

export type { CsvCarry, CsvEncoding };

export type CsvRecord = {
  /** Physical line (1-based) the record starts on. */
  line: number;
  fields: string[];
  /** Set when the record could not be read; its fields are then empty. */
  problem?: string;
};

export type CsvSeparator = ',' | ';';

export type CsvErrorCode = 'not_csv' | 'file_too_large' | 'missing_header';

export class CsvError extends Error {
  readonly code: CsvErrorCode;
  readonly line?: number;
  constructor(code: CsvErrorCode, message: string, line?: number) {
    super(message);
    this.code = code;
    this.line = line;
  }
}

export type CsvOptions = {
  /** Bytes of input accepted before failing with `file_too_large` (counted as they stream in). */
  maxBytes?: number;
  /** Characters of one record (all fields together) before it is reported as too long. */
  maxRecordChars?: number;
  /** Characters read while looking for the end of the header record before giving up. */
  maxHeaderChars?: number;
  /** Bytes per slice handed out by CsvUpload.slices() (the last one may be smaller). */
  sliceBytes?: number;
  /** Read the file in this encoding instead of detecting it. */
  encoding?: CsvEncoding;
};

export type CsvUpload = {
  separator: CsvSeparator;
  /** The first record that is not blank. */
  header: CsvRecord;
  /**
   * The file's bytes exactly as uploaded, `sliceBytes` at a time, checked (UTF-8, binary characters,
   * byte limit) as they pass; throws CsvError `not_csv` or `file_too_large` on the way. Iterate once.
   */
  slices(): AsyncGenerator<Uint8Array>;
  /** Bytes read from the stream so far. */
  bytesRead(): number;
  /** Whether a data record follows the header; final once slices() is exhausted. */
  hasRows(): boolean;
  /** The file's encoding: as forced, else as detected so far (final once slices() is exhausted). */
  encoding(): CsvEncoding;
  /** Stops reading (the rest of the body is not wanted, e.g. the header does not fit the mapping). */
  close(): Promise<void>;
};

export const defaultCsvMaxBytes = 50 * 1024 * 1024;
export const defaultCsvMaxRecordChars = 100_000;

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;

// C0 controls that never appear in text: NUL..BS, SO..US. Tab, LF, VT, FF and CR are allowed.
// deno-lint-ignore no-control-regex
const binaryCharacters = /[\u0000-\u0008\u000e-\u001f]/;

type Piece = { bytes: Uint8Array | null; text: string };

const UTF8_BOM = [0xef, 0xbb, 0xbf];
// deno-lint-ignore no-control-regex
const nonAscii = /[^\u0000-\u007f]/;
/** A character UTF-8 decoding produced from valid multi-byte bytes (U+FFFD marks the invalid ones). */
// deno-lint-ignore no-control-regex
const utf8Beside = /[^\u0000-\u007f\ufffd]/;

/**
 * Turns a file's bytes into text as they stream in. Forced to an encoding, it decodes in that one
 * (UTF-8 fatally: invalid bytes → `not_csv`). Otherwise it reads UTF-8 (dropping a leading BOM) and,
 * while it has produced nothing but ASCII, the first invalid byte makes the file Windows-1252: the
 * text so far is the same in both, and the bytes the UTF-8 decoder was still holding are decoded
 * again with the piece that failed. After a BOM or another non-ASCII character the file is UTF-8.
 */
export class CsvTextDecoder {
  private chosen: CsvEncoding | null;
  private utf8 = new TextDecoder('utf-8', { fatal: true });
  private readonly windows1252 = new TextDecoder('windows-1252');
  /** While undecided: bytes read and characters produced (equal but for bytes the decoder holds). */
  private bytesIn = 0;
  private charsOut = 0;
  /** While undecided: the last bytes read, where the decoder's held bytes come from. */
  private tail: Uint8Array = new Uint8Array(0);
  private readonly head: number[] = [];

  constructor(forced?: CsvEncoding) {
    this.chosen = forced ?? null;
  }

  /** The encoding decided, or the one the file still reads as (UTF-8) while it is all ASCII. */
  encoding(): CsvEncoding {
    return this.chosen ?? 'utf-8';
  }

  /** The text of `bytes` (null: the end of the file). Throws CsvError `not_csv` for invalid UTF-8. */
  decode(bytes: Uint8Array | null): string {
    if (this.chosen === 'windows-1252') return bytes ? this.windows1252.decode(bytes, { stream: true }) : '';
    if (this.chosen === 'utf-8') {
      try {
        return bytes ? this.utf8.decode(bytes, { stream: true }) : this.utf8.decode();
      } catch {
        throw new CsvError('not_csv', 'The file is not UTF-8 text');
      }
    }
    return this.decodeUndecided(bytes);
  }

  private decodeUndecided(bytes: Uint8Array | null): string {
    if (bytes && this.head.length < 3) {
      for (const byte of bytes.subarray(0, 3 - this.head.length)) this.head.push(byte);
      if (this.head.length === 3 && this.head.every((byte, i) => byte === UTF8_BOM[i])) {
        this.chosen = 'utf-8';
        return this.decode(bytes);
      }
    }
    let text: string;
    try {
      text = bytes ? this.utf8.decode(bytes, { stream: true }) : this.utf8.decode();
    } catch {
      const held = this.tail.subarray(this.tail.byteLength - (this.bytesIn - this.charsOut));
      const again = new Uint8Array(held.byteLength + (bytes?.byteLength ?? 0));
      again.set(held);
      if (bytes) again.set(bytes, held.byteLength);
      // Valid UTF-8 beside the invalid bytes in the same piece: a broken UTF-8 file, not Windows-1252.
      if (utf8Beside.test(new TextDecoder('utf-8').decode(again))) {
        this.chosen = 'utf-8';
        throw new CsvError('not_csv', 'The file is not UTF-8 text');
      }
      this.chosen = 'windows-1252';
      return this.windows1252.decode(again);
    }
    if (nonAscii.test(text)) {
      this.chosen = 'utf-8';
      return text;
    }
    if (bytes) {
      this.bytesIn += bytes.byteLength;
      this.charsOut += text.length;
      this.tail = bytes.byteLength >= 3 ? bytes.subarray(bytes.byteLength - 3) : Uint8Array.of(...this.tail, ...bytes).slice(-3);
    }
    return text;
  }
}

/**
 * Decodes the byte stream (CsvTextDecoder), enforcing the byte limit and the text check; yields each
 * piece's bytes beside its text (a character cut between pieces is in the later text).
 */
async function* decodePieces(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
  counter: { bytes: number },
  decoder: CsvTextDecoder,
): AsyncGenerator<Piece> {
  const reader = stream.getReader();
  let finished = false;
  try {
    while (true) {
      const { done, value } = await reader.read();
      let text: string;
      if (done) {
        finished = true;
        text = decoder.decode(null);
      } else {
        counter.bytes += value.byteLength;
        if (counter.bytes > maxBytes) {
          throw new CsvError('file_too_large', `The file is larger than ${maxBytes} bytes`);
        }
        text = decoder.decode(value);
      }
      if (binaryCharacters.test(text)) throw new CsvError('not_csv', 'The file contains binary data, not CSV text');
      yield { bytes: done ? null : value, text };
      if (done) return;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** Collects bytes and hands them out in slices of exactly `size` bytes (the last one shorter). */
class Slicer {
  private parts: Uint8Array[] = [];
  private length = 0;
  constructor(private readonly size: number) {}

  add(bytes: Uint8Array): Uint8Array[] {
    const full: Uint8Array[] = [];
    let rest = bytes;
    while (this.length + rest.byteLength >= this.size) {
      const take = this.size - this.length;
      this.parts.push(rest.subarray(0, take));
      full.push(this.drain());
      rest = rest.subarray(take);
    }
    if (rest.byteLength > 0) {
      this.parts.push(rest);
      this.length += rest.byteLength;
    }
    return full;
  }

  /** The bytes collected so far as one slice (empty when there are none). */
  drain(): Uint8Array {
    const slice = new Uint8Array(this.parts.reduce((n, part) => n + part.byteLength, 0));
    let offset = 0;
    for (const part of this.parts) {
      slice.set(part, offset);
      offset += part.byteLength;
    }
    this.parts = [];
    this.length = 0;
    return slice;
  }
}

/**
 * Picks the separator from the first record of `text` that is not blank: `;` when it occurs more
 * often than `,` outside quotes, else `,`. Returns null when that record does not end within `text`
 * (more input is needed), unless `atEnd`.
 */
export function detectSeparator(text: string, atEnd: boolean): CsvSeparator | null {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  let atFieldStart = true;
  let sawContent = false;
  const choice = (): CsvSeparator => (semicolons > commas ? ';' : ',');
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c !== QUOTE) continue;
      if (i + 1 === text.length) return atEnd ? choice() : null;
      if (text.charCodeAt(i + 1) === QUOTE) i++;
      else quoted = false;
      continue;
    }
    if (c === LF || c === CR) {
      if (sawContent) return choice();
      atFieldStart = true;
      continue;
    }
    sawContent = true;
    if (c === COMMA || c === SEMICOLON) {
      if (c === COMMA) commas++;
      else semicolons++;
      atFieldStart = true;
      continue;
    }
    if (c === QUOTE && atFieldStart) quoted = true;
    atFieldStart = false;
  }
  return atEnd ? choice() : null;
}

type State = CsvCarry['state'];

/**
 * The record state machine. Text goes in with `push` in any slicing (a piece may end anywhere,
 * including between CR and LF or between two quotes); finished records accumulate in `out`. Its whole
 * state between two pushes is `snapshot()`, which a parser for the next slice starts from.
 */
class CsvParser {
  readonly out: CsvRecord[] = [];
  private readonly separator: number;
  private readonly maxRecordChars: number;
  private state: State = 'fieldStart';
  private fields: string[] = [];
  private field = '';
  private recordChars = 0;
  private recordLine = 1;
  private line = 1;
  private pendingCR = false;
  private quotedCR = false;
  private problem: string | undefined;

  constructor(separator: CsvSeparator, maxRecordChars: number, from?: CsvCarry) {
    this.separator = separator.charCodeAt(0);
    this.maxRecordChars = maxRecordChars;
    if (from) {
      this.state = from.state;
      this.fields = [...from.fields];
      this.field = from.field;
      this.recordChars = from.record_chars;
      this.recordLine = from.record_line;
      this.line = from.line;
      this.pendingCR = from.pending_cr;
      this.quotedCR = from.quoted_cr;
      this.problem = from.problem ?? undefined;
    }
  }

  /** Inside a quoted field (where line breaks are text, not record ends). */
  inQuotedField(): boolean {
    return this.state === 'quoted';
  }

  /** The record in progress and the position reached (the CsvCarry fields the parser owns). */
  snapshot(): Omit<CsvCarry, 'separator' | 'encoding' | 'pending_bytes' | 'at_start' | 'skip_records'> {
    return {
      state: this.state,
      fields: [...this.fields],
      field: this.field,
      record_chars: this.recordChars,
      record_line: this.recordLine,
      line: this.line,
      pending_cr: this.pendingCR,
      quoted_cr: this.quotedCR,
      problem: this.problem ?? null,
    };
  }

  push(text: string): void {
    if (text.length === 0) return;
    const sep = this.separator;
    let i = 0;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (text.charCodeAt(0) === LF) i = 1;
    }
    // Start of the field text not yet copied into `this.field` (for unquoted and quoted states).
    let segment = i;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      switch (this.state) {
        case 'fieldStart':
          if (c === QUOTE) {
            this.state = 'quoted';
            segment = i + 1;
          } else if (c === sep) {
            this.endField('');
          } else if (c === LF || c === CR) {
            this.endField('');
            i = this.endRecord(text, i);
          } else {
            this.state = 'unquoted';
            segment = i;
          }
          break;
        case 'unquoted':
          if (c === sep) {
            this.endField(text.slice(segment, i));
            this.state = 'fieldStart';
          } else if (c === LF || c === CR) {
            this.endField(text.slice(segment, i));
            i = this.endRecord(text, i);
          }
          break;
        case 'quoted':
          if (c === QUOTE) {
            this.append(text.slice(segment, i));
            this.state = 'quoteInQuoted';
            this.quotedCR = false;
          } else if (c === CR || (c === LF && !this.quotedCR)) {
            // Line breaks inside a quoted field still advance the physical line count (CRLF once).
            this.line++;
            this.quotedCR = c === CR;
          } else {
            this.quotedCR = false;
          }
          break;
        case 'quoteInQuoted':
          if (c === QUOTE) {
            // An escaped quote: keep one, continue the quoted field after the second.
            this.append('"');
            this.state = 'quoted';
            segment = i + 1;
          } else if (c === sep) {
            this.endField('');
            this.state = 'fieldStart';
          } else if (c === LF || c === CR) {
            this.endField('');
            i = this.endRecord(text, i);
          } else {
            this.problem ??= 'unexpected character after a closing quote';
            this.state = 'afterClosingQuote';
          }
          break;
        case 'afterClosingQuote':
          // Skip to the end of the malformed field; the record is reported with its problem.
          if (c === sep) {
            this.endField('');
            this.state = 'fieldStart';
          } else if (c === LF || c === CR) {
            this.endField('');
            i = this.endRecord(text, i);
          }
          break;
      }
    }
    if (this.state === 'unquoted' || this.state === 'quoted') {
      this.append(text.slice(segment));
    }
  }

  /** Ends the input: finishes a record without a final line break; reports an unclosed quote. */
  finish(): void {
    if (this.pendingCR) this.pendingCR = false;
    if (this.state === 'quoted') {
      this.problem ??= 'quoted field is not closed before the end of the file';
      this.endField('');
      this.emit();
      return;
    }
    // A record is open unless the parser stands at the start of one (a record over the length limit
    // has no fields left but its problem).
    if (this.state !== 'fieldStart' || this.fields.length > 0 || this.problem !== undefined) {
      this.endField('');
      this.emit();
    }
  }

  private append(text: string): void {
    if (this.problem !== undefined || text.length === 0) return;
    if (this.grow(text.length)) this.field += text;
  }

  private endField(rest: string): void {
    this.append(rest);
    // Each field also counts as one character, so a line of nothing but separators can be too long too.
    if (this.problem === undefined && this.grow(1)) this.fields.push(this.field);
    this.field = '';
  }

  /** Counts `n` more characters of the record; false (and the record gets its problem) past the limit. */
  private grow(n: number): boolean {
    this.recordChars += n;
    if (this.recordChars <= this.maxRecordChars) return true;
    this.problem = `record is longer than ${this.maxRecordChars} characters`;
    this.fields = [];
    this.field = '';
    return false;
  }

  /** Ends the record at the line break at `i`; returns the index of its last character (CRLF counts once). */
  private endRecord(text: string, i: number): number {
    this.emit();
    let end = i;
    if (text.charCodeAt(i) === CR) {
      if (i + 1 < text.length) {
        if (text.charCodeAt(i + 1) === LF) end = i + 1;
      } else {
        this.pendingCR = true;
      }
    }
    this.line++;
    this.recordLine = this.line;
    this.state = 'fieldStart';
    return end;
  }

  private emit(): void {
    const line = this.recordLine;
    if (this.problem !== undefined) {
      this.out.push({ line, fields: [], problem: this.problem });
    } else if (this.fields.some((f) => f.trim() !== '')) {
      this.out.push({ line, fields: this.fields });
    }
    this.fields = [];
    this.field = '';
    this.recordChars = 0;
    this.problem = undefined;
  }
}

/**
 * Reads the stream up to and including the header record and returns the file's separator and header,
 * and a generator for the file's bytes in slices (those read for the header included). Throws CsvError
 * `not_csv`, `file_too_large` or `missing_header`, here or while iterating. Only the header, and what
 * follows it up to the first data record, goes through the record parser; every other byte gets the
 * cheap checks only, so the cost per megabyte stays that of decoding.
 */
export async function openCsvUpload(stream: ReadableStream<Uint8Array>, options: CsvOptions = {}): Promise<CsvUpload> {
  const maxBytes = options.maxBytes ?? defaultCsvMaxBytes;
  const maxHeaderChars = options.maxHeaderChars ?? 1_000_000;
  const maxRecordChars = options.maxRecordChars ?? defaultCsvMaxRecordChars;
  const slicer = new Slicer(options.sliceBytes ?? 1024 * 1024);
  const counter = { bytes: 0 };
  const decoder = new CsvTextDecoder(options.encoding);
  const pieces = decodePieces(stream, maxBytes, counter, decoder);
  /** Full slices not handed out yet. */
  const ready: Uint8Array[] = [];
  let ended = false;
  const next = async (): Promise<string> => {
    const piece = await pieces.next();
    if (piece.done || piece.value.bytes === null) ended = true;
    if (piece.done) return '';
    if (piece.value.bytes !== null) ready.push(...slicer.add(piece.value.bytes));
    return piece.value.text;
  };

  let parser: CsvParser;
  let header: CsvRecord | undefined;
  let separator: CsvSeparator | null = null;
  try {
    let prefix = '';
    while (separator === null) {
      prefix += await next();
      separator = detectSeparator(prefix, ended);
      if (separator === null && prefix.length > maxHeaderChars) {
        throw new CsvError('missing_header', `No complete header line within the first ${maxHeaderChars} characters`);
      }
    }
    parser = new CsvParser(separator, maxRecordChars);
    parser.push(prefix);
    while (parser.out.length === 0 && !ended) parser.push(await next());
    if (ended) parser.finish();
    header = parser.out.shift();
    if (!header) {
      throw new CsvError('missing_header', 'The file is empty: a header line naming the columns is required');
    }
    if (header.problem !== undefined) {
      throw new CsvError('missing_header', `The header line cannot be read: ${header.problem}`, header.line);
    }
  } catch (error) {
    await pieces.return(undefined);
    throw error;
  }

  // After the header, a character that is neither white space, the separator nor a quote always ends
  // up in a record the parser reports (a field that is not blank, or a problem); until one shows up,
  // the parser decides (blank lines, quoted blanks, an over-long line of separators…).
  const certainlyData = new RegExp(`[^\\s"${separator}]`);
  let rowsFound = parser.out.length > 0;
  /**
   * Feeds the parser text of white space and separators only. Outside a quoted field, with no quote in
   * it and shorter than a record may be, the lines between its first and last line break are complete
   * blank records: only its two ends need the parser (a file of empty `;;;` rows costs what decoding does).
   */
  const pushBlank = (text: string) => {
    const first = text.search(/[\r\n]/);
    if (first === -1 || text.length >= maxRecordChars || text.includes('"') || parser.inQuotedField()) {
      parser.push(text);
      return;
    }
    parser.push(text.slice(0, first + 1));
    parser.push(text.slice(Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'))));
  };
  let iterated = false;
  async function* slices(): AsyncGenerator<Uint8Array> {
    if (iterated) throw new Error('CsvUpload.slices() can only be iterated once');
    iterated = true;
    try {
      while (true) {
        while (ready.length > 0) yield ready.shift()!;
        if (ended) break;
        const text = await next();
        if (rowsFound) continue;
        if (certainlyData.test(text)) {
          rowsFound = true;
        } else {
          pushBlank(text);
          if (ended) parser.finish();
          rowsFound = parser.out.length > 0;
        }
      }
      const last = slicer.drain();
      if (last.byteLength > 0) yield last;
    } finally {
      await pieces.return(undefined);
    }
  }

  return {
    separator,
    header,
    slices,
    bytesRead: () => counter.bytes,
    hasRows: () => rowsFound,
    encoding: () => decoder.encoding(),
    close: async () => void await pieces.return(undefined),
  };
}

/** The carry a file's first slice starts from: nothing read yet, the header record still to skip. */
export function startCsvCarry(separator: CsvSeparator, encoding: CsvEncoding): CsvCarry {
  return {
    separator,
    encoding,
    pending_bytes: [],
    at_start: true,
    skip_records: 1,
    state: 'fieldStart',
    fields: [],
    field: '',
    record_chars: 0,
    record_line: 1,
    line: 1,
    pending_cr: false,
    quoted_cr: false,
    problem: null,
  };
}

/** Length of the prefix of `bytes` that ends on a UTF-8 character boundary (a cut sequence excluded). */
function completeUtf8Length(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back];
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: its lead byte is further back
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? bytes.length - back : bytes.length;
  }
  return bytes.length; // no lead byte in the last three: invalid, and the decoder says so
}

export type CsvSliceOptions = Pick<CsvOptions, 'maxRecordChars'> & {
  /** Stop after the window in which this many records have been read (the rest is for the next step). */
  maxRecords?: number;
  /** Bytes decoded and parsed at a time; a step stops only between windows. */
  windowBytes?: number;
};

/**
 * Parses (part of) one slice of a file's bytes, continuing from `carry` (startCsvCarry for the file's
 * first bytes): returns the data records that end in the bytes consumed (the header skipped), how many
 * bytes that was, and the carry for the bytes after them. It reads `windowBytes` at a time and stops
 * after the window in which `maxRecords` records were reached, so one call's records, and memory, stay
 * bounded however short the rows are. `final` marks the file's last bytes: when all of them are consumed
 * the record still open is finished. The bytes are read in `carry.encoding`. Throws CsvError `not_csv`
 * for bytes that are not UTF-8 in a UTF-8 file (never for bytes openCsvUpload accepted).
 */
export function parseCsvSlice(
  bytes: Uint8Array,
  carry: CsvCarry,
  final: boolean,
  options: CsvSliceOptions = {},
): { records: CsvRecord[]; consumed: number; carry: CsvCarry } {
  const maxRecords = options.maxRecords ?? Infinity;
  const windowBytes = options.windowBytes ?? 16 * 1024;
  const parser = new CsvParser(carry.separator, options.maxRecordChars ?? defaultCsvMaxRecordChars, carry);
  const encoding = carry.encoding;
  let pending = Uint8Array.from(carry.pending_bytes);
  let atStart = carry.at_start;
  let consumed = 0;
  while (consumed < bytes.byteLength && parser.out.length < maxRecords) {
    const end = Math.min(bytes.byteLength, consumed + windowBytes);
    let input = bytes.subarray(consumed, end);
    if (pending.byteLength > 0) {
      input = new Uint8Array(pending.byteLength + input.byteLength);
      input.set(pending);
      input.set(bytes.subarray(consumed, end), pending.byteLength);
    }
    // Windows-1252 is one byte per character: no character is ever cut.
    const complete = encoding === 'windows-1252' || (final && end === bytes.byteLength) ? input.byteLength : completeUtf8Length(input);
    try {
      // Only the file's very first bytes may hold the byte-order mark; later a U+FEFF is text.
      parser.push(new TextDecoder(encoding, { fatal: true, ignoreBOM: !atStart }).decode(input.subarray(0, complete)));
    } catch {
      throw new CsvError('not_csv', 'The file is not UTF-8 text');
    }
    atStart = atStart && complete === 0;
    pending = input.slice(complete);
    consumed = end;
  }
  if (final && consumed === bytes.byteLength) parser.finish();
  const skipped = Math.min(carry.skip_records, parser.out.length);
  return {
    records: skipped === 0 ? parser.out : parser.out.slice(skipped),
    consumed,
    carry: {
      separator: carry.separator,
      encoding,
      pending_bytes: [...pending],
      at_start: atStart,
      skip_records: carry.skip_records - skipped,
      ...parser.snapshot(),
    },
  };
}
