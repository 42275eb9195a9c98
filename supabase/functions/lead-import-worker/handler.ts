// lead-import-worker: drains the pgmq queue `lead_import` on the shared worker runtime
// (_shared/worker.ts). Two kinds of message: parse steps (kind 'parse', parse.ts: each reads part of a
// stored slice of an uploaded file and queues the chunks of rows it found) and chunks (no kind). Each row is validated with LeadImportRowSchema;
// valid rows and row errors of a chunk go to lead.apply_import_chunk in one set-based call, in the
// same transaction as the message's archive, so a chunk is applied once however often it is delivered
// (the function also ignores repeats). A chunk whose transaction fails comes back after a backoff.
// A chunk still failing after `maxAttempts` reads is dead-lettered: each of its rows becomes an import
// error, the import ends `failed` with the reason (lead.fail_import_chunk), and the message goes to
// ops.dead_letters — all in one transaction. Messages are dispatched by `kind` (absent: a chunk).
// Called by pg_cron every minute, kicked by leads-import and by its own chained run; each invocation
// stops starting new chunks when its budget (wall time, CPU time, chunks) is spent and, with chunks
// left, kicks the next one.
import { type LeadImportChunk, LeadImportChunkSchema } from '@rastro/contracts/lead-imports.ts';
import { importRowErrorReason, type LeadImportError, LeadImportRowSchema } from '@rastro/contracts/leads.ts';
import type pg from 'pg';
import { Queue, type QueueMessage } from '../_shared/queue.ts';
import { type Budget, byKind, type MessageWork, runQueueWorker, settle, workerEndpoint } from '../_shared/worker.ts';
import { parseLabel, parseWork } from './parse.ts';

export type LeadImportWorkerOptions = {
  /** Wall time one invocation keeps starting chunks, ms. */
  budgetMs?: number;
  /** CPU time one invocation may use before it stops starting chunks, ms. */
  cpuBudgetMs?: number;
  /** Chunks one invocation reads at most. */
  maxMessages?: number;
  /** Messages claimed per read and applied at the same time (each in its own transaction). */
  concurrency?: number;
  /** Visibility timeout of a claimed message, seconds. */
  visibilitySeconds?: number;
  /** Reads after which a failing chunk is dead-lettered. */
  maxAttempts?: number;
  /** Kick the next invocation when the budget ended with chunks left (default true). */
  chain?: boolean;
  /** Rows per chunk a parse step queues. */
  chunkRows?: number;
  /** Records one parse step reads at most (plus its last window's). */
  maxRecordsPerStep?: number;
  /** Bytes a parse step decodes at a time (it stops only between windows). */
  stepWindowBytes?: number;
};

export const leadImportQueue = new Queue('lead_import');
export const leadImportWorkerName = 'lead-import-worker';
/** Per invocation; see docs/decisions/0005-worker-runtime.md. */
export const leadImportBudget: Budget = { wallMs: 50_000, cpuMs: 1000, maxMessages: 40 };

type RowError = LeadImportError;

/** The record as read, header → cell (cells beyond the header as column_<n>), for the error report. */
function rawRow(header: string[], cells: string[]): Record<string, string> {
  const raw: Record<string, string> = {};
  cells.forEach((cell, i) => (raw[i < header.length ? header[i] : `column_${i + 1}`] = cell));
  return raw;
}

/**
 * Maps each row's cells to lead fields and validates them with LeadImportRowSchema (which trims and
 * drops blank cells). Valid rows carry their line_number; the others become row errors.
 */
export function validateChunk(chunk: LeadImportChunk): { valid: Array<Record<string, unknown>>; errors: RowError[] } {
  const valid: Array<Record<string, unknown>> = [];
  const errors: RowError[] = [];
  const width = chunk.header.length;
  const fields = Object.entries(chunk.fields);
  for (const row of chunk.rows) {
    if ('problem' in row) {
      errors.push({ line_number: row.line, reason: row.problem });
      continue;
    }
    const { cells } = row;
    if (cells.length < width || cells.slice(width).some((cell) => cell.trim() !== '')) {
      errors.push({
        line_number: row.line,
        reason: `expected ${width} fields like the header, found ${cells.length}`,
        raw: rawRow(chunk.header, cells),
      });
      continue;
    }
    const parsed = LeadImportRowSchema.safeParse(
      Object.fromEntries(fields.map(([field, index]) => [field, cells[index]])),
    );
    if (parsed.success) {
      valid.push({ ...parsed.data, line_number: row.line });
    } else {
      errors.push({
        line_number: row.line,
        reason: importRowErrorReason(parsed.error),
        raw: rawRow(chunk.header, cells),
      });
    }
  }
  return { valid, errors };
}

/** The chunk's rows, all as errors: what is left of a chunk that could not be applied. */
function deadLetterErrors(chunk: LeadImportChunk, reason: string): RowError[] {
  return chunk.rows.map((row) => {
    if ('problem' in row) return { line_number: row.line, reason };
    return { line_number: row.line, reason, raw: rawRow(chunk.header, row.cells) };
  });
}

/** The import and chunk a message names, when it names them well enough to fail that chunk. */
function chunkIdentity(raw: unknown): { importId: string; chunkNo: number } | null {
  const fields = raw as { import_id?: unknown; chunk_no?: unknown } | null;
  const importId = typeof fields?.import_id === 'string' && /^[0-9a-f-]{36}$/i.test(fields.import_id)
    ? fields.import_id
    : null;
  const chunkNo = Number.isInteger(fields?.chunk_no) && (fields?.chunk_no as number) > 0
    ? fields?.chunk_no as number
    : null;
  return importId !== null && chunkNo !== null ? { importId, chunkNo } : null;
}

/** The terminal state of a chunk: its rows (if any) become errors and its import fails with `reason`. */
function failChunk(importId: string, chunkNo: number, errors: RowError[], reason: string) {
  return (tx: pg.PoolClient) =>
    tx.query('select lead.fail_import_chunk($1, $2, $3, $4)', [importId, chunkNo, JSON.stringify(errors), reason]);
}

/** A message that is not a chunk leads-import wrote: dead-lettered, failing its import if it names one. */
function malformed(message: QueueMessage, issue: string) {
  const reason = `chunk message ${message.msg_id} is malformed: ${issue}`;
  const identity = chunkIdentity(message.message);
  return settle(
    message,
    { outcome: 'failed', error: reason },
    identity ? failChunk(identity.importId, identity.chunkNo, [], reason) : undefined,
  );
}

function parseChunk(message: QueueMessage): { chunk: LeadImportChunk } | { issue: string } {
  const parsed = LeadImportChunkSchema.safeParse(message.message);
  return parsed.success ? { chunk: parsed.data } : { issue: parsed.error.issues[0]?.message ?? 'unknown shape' };
}

function chunkWork(maxAttempts: number): MessageWork {
  return {
    handle(message) {
      const parsed = parseChunk(message);
      if ('issue' in parsed) return malformed(message, parsed.issue);
      const { chunk } = parsed;
      const { valid, errors } = validateChunk(chunk);
      return settle(
        message,
        { outcome: 'succeeded' },
        (tx) =>
          tx.query('select lead.apply_import_chunk($1, $2, $3, $4)', [
            chunk.import_id,
            chunk.chunk_no,
            JSON.stringify(valid),
            JSON.stringify(errors),
          ]),
      );
    },
    giveUp(message) {
      const parsed = parseChunk(message);
      if ('issue' in parsed) return malformed(message, parsed.issue);
      const { chunk } = parsed;
      const reason = `chunk ${chunk.chunk_no} could not be applied after ${maxAttempts} attempts`;
      return settle(
        message,
        { outcome: 'failed', error: `${reason} (import ${chunk.import_id})` },
        failChunk(chunk.import_id, chunk.chunk_no, deadLetterErrors(chunk, `not imported: ${reason}`), reason),
      );
    },
  };
}

/** A message's place for problem lines: "import <id> chunk <n>" / "… slice <n>" when the message says so. */
function messageLabel(message: QueueMessage): string {
  const identity = chunkIdentity(message.message);
  if (identity) return `import ${identity.importId} chunk ${identity.chunkNo}`;
  return parseLabel(message) ?? `lead_import message ${message.msg_id}`;
}

export function createLeadImportWorker(options: LeadImportWorkerOptions = {}): (req: Request) => Promise<Response> {
  const maxAttempts = options.maxAttempts ?? 5;
  const visibilitySeconds = options.visibilitySeconds ?? 120;
  const budget: Budget = {
    wallMs: options.budgetMs ?? leadImportBudget.wallMs,
    cpuMs: options.cpuBudgetMs ?? leadImportBudget.cpuMs,
    maxMessages: options.maxMessages ?? leadImportBudget.maxMessages,
  };
  const work = byKind((message) => {
    const kind = (message.message as { kind?: unknown } | null)?.kind;
    return typeof kind === 'string' ? kind : 'chunk';
  }, {
    chunk: chunkWork(maxAttempts),
    parse: parseWork({
      maxAttempts,
      chunkRows: options.chunkRows,
      maxRecords: options.maxRecordsPerStep,
      windowBytes: options.stepWindowBytes,
    }),
  });
  return workerEndpoint(() =>
    runQueueWorker({
      name: leadImportWorkerName,
      queue: leadImportQueue,
      // Chunks share rows only through repeated e-mails, which apply_import_chunk upserts in e-mail
      // order, so concurrent chunks mostly just wait for each other; a deadlock Postgres breaks comes
      // back as an ordinary retry.
      batchSize: options.concurrency ?? 2,
      visibilitySeconds,
      maxReads: maxAttempts,
      backoff: { baseSeconds: 5, capSeconds: visibilitySeconds, jitter: 0.1 },
      label: messageLabel,
      work,
      chain: options.chain === false ? null : { functionName: leadImportWorkerName, payload: {} },
    }, budget)
  );
}

export const handler = createLeadImportWorker();
