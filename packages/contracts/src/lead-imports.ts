// The CSV import's wire contracts: the upload answer the console reads, and the messages on the pgmq
// queue `lead_import` for `lead-import-worker`: parse steps (one stored slice of the file each) and the
// chunks of rows they produce.
// The upload contract itself is described in docs/decisions/0003-csv-import.md.
import { z } from 'zod';

/** Largest file `leads-import` accepts (bytes); checked on Content-Length and again while streaming. */
export const leadImportMaxBytes = 50 * 1024 * 1024;

/** Content types accepted for the upload body (browsers label .csv files differently per platform). */
export const leadImportContentTypes = ['text/csv', 'application/csv', 'text/plain', 'application/vnd.ms-excel'] as const;

/**
 * Text encodings a CSV upload may be in: UTF-8 (with or without BOM), or Windows-1252, which Excel's
 * "CSV (separado por vírgulas)" writes on Brazilian Windows and which ISO-8859-1 text also reads as.
 * `leads-import` detects it (UTF-8 while the bytes are valid UTF-8) unless `?encoding=` says which.
 */
export const csvEncodings = ['utf-8', 'windows-1252'] as const;
export type CsvEncoding = (typeof csvEncodings)[number];

export function isCsvEncoding(value: unknown): value is CsvEncoding {
  return typeof value === 'string' && (csvEncodings as readonly string[]).includes(value);
}

/**
 * The encoding of a file from its first bytes (`complete` when they are the whole file): UTF-8 when
 * they are valid UTF-8 (a character cut at the end of an incomplete prefix is not held against it),
 * else Windows-1252. The console shows this guess in the mapping step; the upload decides on all bytes.
 */
export function detectCsvEncoding(bytes: Uint8Array, complete: boolean): CsvEncoding {
  let end = bytes.length;
  if (!complete) {
    // Drop a UTF-8 sequence the prefix may have cut: at most 3 continuation bytes after its lead byte.
    for (let back = 1; back <= Math.min(4, bytes.length); back++) {
      const byte = bytes[bytes.length - back]!;
      if ((byte & 0xc0) === 0x80) continue;
      if (byte >= 0xc0) end = bytes.length - back;
      break;
    }
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end));
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

/** Error codes `leads-import` answers with, beside the generic ones (401/403/405/500). */
export const leadImportErrorCodes = [
  'invalid_request', // 400: file_name or mapping parameter missing, file_name too long, unknown encoding
  'bad_mapping_json', // 400: the mapping parameter is not JSON
  'invalid_mapping', // 422: mapping fails its schema, names columns the header lacks, or no e-mail column
  'file_too_large', // 413: Content-Length or streamed size above leadImportMaxBytes
  'not_csv', // 415 (content type) or 422 (binary; invalid UTF-8 when UTF-8 was asked for or other UTF-8 came first)
  'missing_header', // 422: empty file or no readable header line
  'wrong_separator', // 422: the header is one column but the mapping names several
  'no_rows', // 422: a header and no data rows
] as const;
export type LeadImportErrorCode = (typeof leadImportErrorCodes)[number];

/** Bytes of the file stored per lead.lead_import_slices row; one parse step reads one slice. */
export const leadImportSliceBytes = 1024 * 1024;

/**
 * 202 answer of the upload: the file is checked (UTF-8 text, size, header, mapping, some data) and
 * stored, and its first parse step is queued. How many rows it holds is known once the worker has
 * parsed the last slice (lead.lead_imports.rows_total, null until then).
 */
export const LeadImportAcceptedSchema = z.object({
  import_id: z.uuid(),
  status: z.literal('parsing'),
  file_size_bytes: z.int().positive(),
  slices_total: z.int().positive(),
  /** The encoding the file is read in (detected, or as asked with ?encoding=). */
  encoding: z.enum(csvEncodings),
});
export type LeadImportAccepted = z.infer<typeof LeadImportAcceptedSchema>;

/**
 * Where the CSV reader stopped at the end of a slice, so the next slice continues the same record:
 * the reader's state machine, the record read so far (at most the record length limit), the bytes of a
 * UTF-8 character cut by the slice boundary (none in Windows-1252), and the physical line reached. `skip_records` is 1 until
 * the header record has been read again (the upload already checked it).
 */
export const CsvCarrySchema = z.strictObject({
  separator: z.enum([',', ';']),
  /** How the file's bytes are decoded; absent on parse steps queued before 20261202 (then UTF-8). */
  encoding: z.enum(csvEncodings).default('utf-8'),
  pending_bytes: z.array(z.int().min(0).max(255)).max(3),
  at_start: z.boolean(),
  skip_records: z.int().nonnegative(),
  state: z.enum(['fieldStart', 'unquoted', 'quoted', 'quoteInQuoted', 'afterClosingQuote']),
  fields: z.array(z.string()),
  field: z.string(),
  record_chars: z.int().nonnegative(),
  record_line: z.int().positive(),
  line: z.int().positive(),
  pending_cr: z.boolean(),
  quoted_cr: z.boolean(),
  problem: z.string().nullable(),
});
export type CsvCarry = z.infer<typeof CsvCarrySchema>;

/** Records one parse step reads at most (plus those of its last 16 KiB window): bounds its CPU and memory. */
export const leadImportMaxRecordsPerStep = 25_000;

/**
 * A pgmq message on `lead_import` asking for a stored slice to be parsed from byte `offset` on (a
 * slice of very short rows takes several steps). The upload sends the one for slice 1, offset 0
 * (lead.finish_import_upload); each parse step sends the next with its carry (lead.apply_import_slice).
 * `header` and `fields` are what chunks carry (see LeadImportChunkSchema).
 */
export const LeadImportParseSchema = z.object({
  kind: z.literal('parse'),
  company_id: z.uuid(),
  import_id: z.uuid(),
  slice_no: z.int().positive(),
  offset: z.int().nonnegative(),
  header: z.array(z.string()).min(1),
  fields: z.record(z.string(), z.int().nonnegative()),
  carry: CsvCarrySchema,
});
export type LeadImportParse = z.infer<typeof LeadImportParseSchema>;

/** One CSV data record in a chunk: its physical line and its cells as read (not trimmed). */
export const LeadImportChunkRowSchema = z.union([
  z.strictObject({ line: z.int().positive(), cells: z.array(z.string()) }),
  /** A record the CSV reader could not read (bad quoting, too long): no cells. */
  z.strictObject({ line: z.int().positive(), problem: z.string().min(1) }),
]);
export type LeadImportChunkRow = z.infer<typeof LeadImportChunkRowSchema>;

/**
 * A pgmq message on `lead_import`. `header` is the file's header record and `fields` maps each lead
 * field of the import's mapping to its column index in it, so the worker maps cells without another
 * query and can report a rejected row as header → cell. chunk_no comes from lead.apply_import_slice.
 */
export const LeadImportChunkSchema = z.object({
  /** The import's company, set by lead.enqueue_import_chunk (absent on chunks queued before 20261201003100). */
  company_id: z.uuid().optional(),
  import_id: z.uuid(),
  chunk_no: z.int().positive(),
  header: z.array(z.string()).min(1),
  fields: z.record(z.string(), z.int().nonnegative()),
  rows: z.array(LeadImportChunkRowSchema).min(1),
});
export type LeadImportChunk = z.infer<typeof LeadImportChunkSchema>;

/** What lead-import-worker answers and records in ops.worker_runs. */
export const LeadImportWorkerRunSchema = z.object({
  processed: z.int().nonnegative(),
  succeeded: z.int().nonnegative(),
  failed: z.int().nonnegative(),
  retried: z.int().nonnegative(),
});
export type LeadImportWorkerRun = z.infer<typeof LeadImportWorkerRunSchema>;
