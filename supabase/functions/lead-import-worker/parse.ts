// Parse steps of a CSV import (docs/decisions/0003-csv-import.md, "Parsing"). leads-import stores an
// uploaded file's bytes in slices (lead.lead_import_slices) and queues a `parse` message for slice 1 on
// pgmq `lead_import`; each message names a slice and a byte offset in it, and carries where the CSV
// reader stopped before (a record, a CRLF or a UTF-8 character may be cut by a boundary). One step, in
// one transaction: read the slice from the offset, parse it from the carry (csv.ts parseCsvSlice) up
// to the end of the slice or about leadImportMaxRecordsPerStep records, and hand the rows as chunks plus
// the next step's carry to lead.apply_import_slice — which claims the bytes read (a message delivered
// twice finds them read and changes nothing), queues the chunks and the next parse message, or after
// the file's last byte fixes the totals — in the transaction that archives the message (the shared
// worker runtime settles it). A step reads at most one slice of
// leadImportSliceBytes (1 MiB) and at most ~25,000 records plus one 16 KiB window, so its CPU time
// and memory stay small whatever the file's rows look like.
import {
  type CsvCarry,
  type LeadImportChunkRow,
  leadImportMaxRecordsPerStep,
  type LeadImportParse,
  LeadImportParseSchema,
} from '@rastro/contracts/lead-imports.ts';
import { CsvError, type CsvRecord, parseCsvSlice } from '../_shared/csv.ts';
import { dbPool } from '../_shared/db.ts';
import type { QueueMessage } from '../_shared/queue.ts';
import { type MessageWork, settle, type Settlement } from '../_shared/worker.ts';

/** Rows per chunk message a parse step queues. */
export const defaultChunkRows = 2000;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type SliceStepOptions = { chunkRows?: number; maxRecords?: number; windowBytes?: number };
export type ParseStepOptions = SliceStepOptions & { maxAttempts: number };
export type ParsedSlice = {
  chunks: Array<{ header: string[]; fields: Record<string, number>; rows: LeadImportChunkRow[] }>;
  rows: number;
  /** Bytes of `bytes` the step read; the next step starts there (or at the next slice). */
  consumed: number;
  carry: CsvCarry;
};

/** Parse steps are told apart from chunks by `kind`. */
export function isParseMessage(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { kind?: unknown }).kind === 'parse';
}

/** One CSV record as a chunk row; the chunk path maps, checks and validates it. */
function toChunkRow(record: CsvRecord): LeadImportChunkRow {
  return record.problem === undefined
    ? { line: record.line, cells: record.fields }
    : { line: record.line, problem: record.problem };
}

/**
 * The CPU part of a step: the records of `bytes` (the slice from the step's offset on; `last` when it
 * ends the file) as chunks of `chunkRows` rows, how many bytes that took, and the carry for the next.
 */
export function parseSlice(
  step: LeadImportParse,
  bytes: Uint8Array,
  last: boolean,
  options: SliceStepOptions = {},
): ParsedSlice {
  const chunkRows = options.chunkRows ?? defaultChunkRows;
  const { records, consumed, carry } = parseCsvSlice(bytes, step.carry, last, {
    maxRecords: options.maxRecords ?? leadImportMaxRecordsPerStep,
    windowBytes: options.windowBytes,
  });
  const chunks: ParsedSlice['chunks'] = [];
  for (let start = 0; start < records.length; start += chunkRows) {
    chunks.push({
      header: step.header,
      fields: step.fields,
      rows: records.slice(start, start + chunkRows).map(toChunkRow),
    });
  }
  return { chunks, rows: records.length, consumed, carry };
}

/** The import a message names, if it names one well enough to fail it. */
function importOf(message: QueueMessage): string | null {
  const importId = (message.message as { import_id?: unknown } | null)?.import_id;
  return typeof importId === 'string' && uuidPattern.test(importId) ? importId : null;
}

/** Terminal: the import (if the message names one still parsing) fails with `reason`; the message is dead-lettered. */
function failParse(message: QueueMessage, importId: string | null, reason: string): Settlement {
  return settle(
    message,
    { outcome: 'failed', error: reason },
    importId === null ? undefined : (tx) => tx.query('select lead.fail_import_parse($1, $2)', [importId, reason]),
  );
}

/** "import <id> slice <n>" for problem lines, when the message says so. */
export function parseLabel(message: QueueMessage): string | null {
  const step = message.message as { import_id?: unknown; slice_no?: unknown } | null;
  return isParseMessage(step) ? `import ${step?.import_id} slice ${step?.slice_no}` : null;
}

/**
 * Parse steps on the shared runtime: a step is parsed outside any transaction (a read and CPU work),
 * then lead.apply_import_slice and the message's archive commit together. apply_import_slice claims
 * the bytes it is given (parsed_to must still be the step's offset), so a step delivered twice, or
 * one whose import finished meanwhile, changes nothing. Malformed steps, slices that are not UTF-8 and
 * steps read more than `maxAttempts` times fail their import and are dead-lettered; a step whose
 * transaction fails comes back after the runtime's backoff.
 */
export function parseWork(options: ParseStepOptions): MessageWork {
  return {
    async handle(message) {
      const parsed = LeadImportParseSchema.safeParse(message.message);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]?.message ?? 'unknown shape';
        return failParse(message, importOf(message), `parse message ${message.msg_id} is malformed: ${issue}`);
      }
      const step = parsed.data;
      // The bytes from the step's offset on (an uncompressed value is read from there, not from 0).
      const { rows: [slice] } = await dbPool().query<{ bytes: Uint8Array; last_slice: boolean }>(
        `select substring(s.bytes from $3 + 1) as bytes, s.slice_no = i.slices_total as last_slice
         from lead.lead_import_slices s join lead.lead_imports i on i.id = s.import_id
         where s.import_id = $1 and s.slice_no = $2 and s.parsed_to = $3`,
        [step.import_id, step.slice_no, step.offset],
      );
      // No such bytes: an earlier delivery read them, or the import finished and dropped its slices.
      if (!slice) return settle(message, { outcome: 'skipped' });
      let result: ParsedSlice;
      try {
        result = parseSlice(step, slice.bytes, slice.last_slice, options);
      } catch (error) {
        if (error instanceof CsvError) {
          return failParse(message, step.import_id, `slice ${step.slice_no} cannot be read: ${error.message}`);
        }
        throw error;
      }
      const fileDone = slice.last_slice && result.consumed === slice.bytes.byteLength;
      return settle(
        message,
        { outcome: 'succeeded' },
        (tx) =>
          tx.query('select lead.apply_import_slice($1, $2, $3, $4, $5, $6)', [
            step.import_id,
            step.slice_no,
            step.offset,
            step.offset + result.consumed,
            JSON.stringify(result.chunks),
            fileDone ? null : JSON.stringify({ header: step.header, fields: step.fields, carry: result.carry }),
          ]),
      );
    },
    giveUp(message) {
      const sliceNo = (message.message as { slice_no?: unknown } | null)?.slice_no;
      return failParse(
        message,
        importOf(message),
        `slice ${sliceNo} could not be parsed after ${options.maxAttempts} attempts`,
      );
    },
  };
}
