// Streaming CSV reader for uploads: reads a ReadableStream<Uint8Array> once, front to back, and yields
// records in batches, so a 50 MB file never sits in memory.
//
// What it accepts (RFC 4180 plus what spreadsheets actually export):
// - UTF-8, with or without a byte-order mark. Invalid UTF-8, NUL or other C0 control characters (tab,
//   line feed, vertical tab, form feed and carriage return excepted) mean the upload is not a CSV file.
// - `,` or `;` as separator, chosen from the header record: whichever occurs more often outside quotes
//   (`,` when neither does, i.e. a one-column file).
// - Quoted fields with `""` for a quote and separators or line breaks inside; CRLF, LF or a lone CR
//   ending a record.
// Every record carries the physical line it starts on (1-based; a quoted field spanning lines does
// not shift the numbers of later records). Records whose fields are all blank (empty lines, `;;;`
// rows spreadsheets leave behind) are skipped. Malformed quoting or an over-long record does not stop
// the file: that record comes back with a `problem` and no fields, and reading continues.

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
};

export type CsvFile = {
  separator: CsvSeparator;
  /** The first record that is not blank. */
  header: CsvRecord;
  /** The remaining records, `batchSize` at a time (the last batch may be smaller). Iterate once. */
  batches(batchSize: number): AsyncGenerator<CsvRecord[]>;
  /** Bytes read from the stream so far. */
  bytesRead(): number;
};

export const defaultCsvMaxBytes = 50 * 1024 * 1024;

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;

// C0 controls that never appear in text: NUL..BS, SO..US. Tab, LF, VT, FF and CR are allowed.
// deno-lint-ignore no-control-regex
const binaryCharacters = /[\u0000-\u0008\u000e-\u001f]/;

/** Decodes the byte stream as UTF-8 (dropping a leading BOM), enforcing the byte limit and the text check. */
async function* decodeText(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
  counter: { bytes: number },
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const reader = stream.getReader();
  let finished = false;
  try {
    while (true) {
      const { done, value } = await reader.read();
      let text: string;
      try {
        if (done) {
          finished = true;
          text = decoder.decode();
        } else {
          counter.bytes += value.byteLength;
          if (counter.bytes > maxBytes) {
            throw new CsvError('file_too_large', `The file is larger than ${maxBytes} bytes`);
          }
          text = decoder.decode(value, { stream: true });
        }
      } catch (error) {
        if (error instanceof TypeError) throw new CsvError('not_csv', 'The file is not UTF-8 text');
        throw error;
      }
      if (binaryCharacters.test(text)) throw new CsvError('not_csv', 'The file contains binary data, not CSV text');
      if (text.length > 0) yield text;
      if (done) return;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
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

type State = 'fieldStart' | 'unquoted' | 'quoted' | 'quoteInQuoted' | 'afterClosingQuote';

/**
 * The record state machine. Text goes in with `push` in any slicing (a chunk may end anywhere,
 * including between CR and LF or between two quotes); finished records accumulate in `out`.
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

  constructor(separator: CsvSeparator, maxRecordChars: number) {
    this.separator = separator.charCodeAt(0);
    this.maxRecordChars = maxRecordChars;
  }

  push(text: string): void {
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
    if (
      this.state === 'unquoted' || this.state === 'quoteInQuoted' || this.state === 'afterClosingQuote' ||
      this.fields.length > 0
    ) {
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
 * Reads the stream up to and including the header record and returns the file's separator, header and
 * a generator for the rest. Throws CsvError `not_csv`, `file_too_large` or `missing_header`, here or
 * while iterating.
 */
export async function openCsv(stream: ReadableStream<Uint8Array>, options: CsvOptions = {}): Promise<CsvFile> {
  const maxBytes = options.maxBytes ?? defaultCsvMaxBytes;
  const maxHeaderChars = options.maxHeaderChars ?? 1_000_000;
  const counter = { bytes: 0 };
  const texts = decodeText(stream, maxBytes, counter);

  let ended = false;
  let prefix = '';
  let separator: CsvSeparator | null = null;
  try {
    while (separator === null) {
      const next = await texts.next();
      if (next.done) ended = true;
      else prefix += next.value;
      separator = detectSeparator(prefix, ended);
      if (separator === null && prefix.length > maxHeaderChars) {
        throw new CsvError('missing_header', `No complete header line within the first ${maxHeaderChars} characters`);
      }
    }
  } catch (error) {
    await texts.return(undefined);
    throw error;
  }

  const parser = new CsvParser(separator, options.maxRecordChars ?? 100_000);
  /** Feeds the parser the next piece of text, or finishes it at the end of the stream. */
  const pull = async () => {
    const next = await texts.next();
    if (next.done) {
      ended = true;
      parser.finish();
    } else {
      parser.push(next.value);
    }
  };
  parser.push(prefix);
  prefix = '';
  if (ended) parser.finish();
  try {
    while (parser.out.length === 0 && !ended) await pull();
  } catch (error) {
    await texts.return(undefined);
    throw error;
  }
  const header = parser.out.shift();
  if (!header) throw new CsvError('missing_header', 'The file is empty: a header line naming the columns is required');
  if (header.problem !== undefined) {
    await texts.return(undefined);
    throw new CsvError('missing_header', `The header line cannot be read: ${header.problem}`, header.line);
  }

  let iterated = false;
  async function* batches(batchSize: number): AsyncGenerator<CsvRecord[]> {
    if (iterated) throw new Error('CsvFile.batches() can only be iterated once');
    iterated = true;
    try {
      while (true) {
        while (parser.out.length >= batchSize) yield parser.out.splice(0, batchSize);
        if (ended) break;
        await pull();
      }
      if (parser.out.length > 0) yield parser.out.splice(0);
    } finally {
      await texts.return(undefined);
    }
  }

  return { separator, header, batches, bytesRead: () => counter.bytes };
}
