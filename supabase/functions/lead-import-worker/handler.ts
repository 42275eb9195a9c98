// lead-import-worker: drains the pgmq queue `lead_import`: parse steps (each reads part of a stored
// slice of an uploaded file, see parse.ts) and the chunks of CSV rows they queue.
// Each row is validated with LeadImportRowSchema; valid rows and row errors of a chunk go to
// lead.apply_import_chunk in one set-based call, in the same transaction as the message's archive, so
// a chunk is applied once however often it is delivered (the function also ignores repeats).
// A chunk that keeps failing is dead-lettered after `maxAttempts` reads: each of its rows becomes an
// import error, the import ends `failed` with the reason, and the message is archived.
// Called by pg_cron every minute and kicked by leads-import; drains for up to `budgetMs`.
import {
  type LeadImportChunk,
  LeadImportChunkSchema,
  type LeadImportWorkerRun,
} from '@rastro/contracts/lead-imports.ts';
import { importRowErrorReason, type LeadImportError, LeadImportRowSchema } from '@rastro/contracts/leads.ts';
import { requireServiceRole } from '../_shared/claims.ts';
import { dbPool, inTransaction } from '../_shared/db.ts';
import { HttpError, toErrorResponse } from '../_shared/errors.ts';
import { handleParseMessage, isParseMessage } from './parse.ts';

export type LeadImportWorkerOptions = {
  /** How long one invocation keeps draining (pg_cron calls every minute). */
  budgetMs?: number;
  /** Messages claimed per read and applied at the same time (each in its own transaction). */
  concurrency?: number;
  /** Visibility timeout of a claimed message, seconds. */
  visibilitySeconds?: number;
  /** Reads after which a failing chunk or parse step is dead-lettered. */
  maxAttempts?: number;
  /** Rows per chunk a parse step queues. */
  chunkRows?: number;
  /** Records one parse step reads at most (plus its last window's). */
  maxRecordsPerStep?: number;
  /** Bytes a parse step decodes at a time (it stops only between windows). */
  stepWindowBytes?: number;
};

const queue = 'lead_import';
const workerName = 'lead-import-worker';

type QueueMessage = { msg_id: string; read_ct: number; message: unknown };
type RowError = LeadImportError;
type Outcome = 'succeeded' | 'failed' | 'retried';

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

async function applyAndArchive(
  msgId: string,
  chunk: LeadImportChunk,
  valid: unknown[],
  errors: RowError[],
): Promise<void> {
  await inTransaction(async (db) => {
    await db.query('select lead.apply_import_chunk($1, $2, $3, $4)', [
      chunk.import_id,
      chunk.chunk_no,
      JSON.stringify(valid),
      JSON.stringify(errors),
    ]);
    await db.query('select pgmq.archive($1, $2::bigint)', [queue, msgId]);
  });
}

/** Terminal state: the chunk's rows become errors, the import fails with `reason`, the message is archived. */
async function deadLetter(
  msgId: string,
  importId: string,
  chunkNo: number,
  errors: RowError[],
  reason: string,
): Promise<void> {
  await inTransaction(async (db) => {
    await db.query('select lead.fail_import_chunk($1, $2, $3, $4)', [
      importId,
      chunkNo,
      JSON.stringify(errors),
      reason,
    ]);
    await db.query('select pgmq.archive($1, $2::bigint)', [queue, msgId]);
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createLeadImportWorker(options: LeadImportWorkerOptions = {}): (req: Request) => Promise<Response> {
  const budgetMs = options.budgetMs ?? 50_000;
  const concurrency = options.concurrency ?? 2;
  const visibilitySeconds = options.visibilitySeconds ?? 120;
  const maxAttempts = options.maxAttempts ?? 5;

  /** Leaves a message on the queue: it comes back after an exponential backoff (or the visibility timeout). */
  async function retryLater(message: QueueMessage, what: string, error: unknown, problems: string[]): Promise<Outcome> {
    const backoffSeconds = Math.min(visibilitySeconds, 5 * 2 ** (message.read_ct - 1));
    problems.push(`${what}, attempt ${message.read_ct}: ${describe(error)}`);
    console.error(`${workerName}: ${what} attempt ${message.read_ct} failed:`, describe(error));
    await dbPool().query('select pgmq.set_vt($1, $2::bigint, $3)', [queue, message.msg_id, backoffSeconds]);
    return 'retried';
  }

  async function processMessage(message: QueueMessage, problems: string[]): Promise<Outcome> {
    // ---- parse steps (parse.ts): a message of kind 'parse' reads part of a stored slice of a file ----
    if (isParseMessage(message.message)) {
      try {
        const stepOptions = {
          maxAttempts,
          chunkRows: options.chunkRows,
          maxRecords: options.maxRecordsPerStep,
          windowBytes: options.stepWindowBytes,
        };
        return await handleParseMessage(message, stepOptions, problems);
      } catch (error) {
        const step = message.message as { import_id?: unknown; slice_no?: unknown };
        return await retryLater(message, `import ${step.import_id} slice ${step.slice_no}`, error, problems);
      }
    }
    // ---- chunks ----
    const parsed = LeadImportChunkSchema.safeParse(message.message);
    if (!parsed.success) {
      // Not something leads-import writes; keep it in the archive and fail its import if it names one.
      const raw = message.message as { import_id?: unknown; chunk_no?: unknown } | null;
      const reason = `chunk message ${message.msg_id} is malformed: ${
        parsed.error.issues[0]?.message ?? 'unknown shape'
      }`;
      problems.push(reason);
      const importId = typeof raw?.import_id === 'string' && /^[0-9a-f-]{36}$/i.test(raw.import_id)
        ? raw.import_id
        : null;
      const chunkNo = Number.isInteger(raw?.chunk_no) && (raw?.chunk_no as number) > 0 ? raw?.chunk_no as number : null;
      if (importId !== null && chunkNo !== null) {
        await deadLetter(message.msg_id, importId, chunkNo, [], reason);
      } else {
        await dbPool().query('select pgmq.archive($1, $2::bigint)', [queue, message.msg_id]);
      }
      return 'failed';
    }
    const chunk = parsed.data;

    if (message.read_ct > maxAttempts) {
      const reason = `chunk ${chunk.chunk_no} could not be applied after ${maxAttempts} attempts`;
      problems.push(`${reason} (import ${chunk.import_id})`);
      await deadLetter(
        message.msg_id,
        chunk.import_id,
        chunk.chunk_no,
        deadLetterErrors(chunk, `not imported: ${reason}`),
        reason,
      );
      return 'failed';
    }

    const { valid, errors } = validateChunk(chunk);
    try {
      await applyAndArchive(message.msg_id, chunk, valid, errors);
      return 'succeeded';
    } catch (error) {
      return await retryLater(message, `import ${chunk.import_id} chunk ${chunk.chunk_no}`, error, problems);
    }
  }

  return async (req) => {
    try {
      if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'POST to run the worker');
      requireServiceRole(req);
      const pool = dbPool();
      const run = await pool.query<{ id: string }>('insert into ops.worker_runs (worker) values ($1) returning id', [
        workerName,
      ]);
      const counts: LeadImportWorkerRun = { processed: 0, succeeded: 0, failed: 0, retried: 0 };
      const problems: string[] = [];
      const deadline = Date.now() + budgetMs;
      try {
        while (Date.now() < deadline) {
          const { rows } = await pool.query<QueueMessage>(
            'select msg_id::text, read_ct, message from pgmq.read($1, $2, $3)',
            [queue, visibilitySeconds, concurrency],
          );
          if (rows.length === 0) break;
          // Chunks share rows only through repeated e-mails, which apply_import_chunk upserts in e-mail
          // order, so concurrent chunks mostly just wait for each other; a deadlock Postgres breaks
          // comes back as an ordinary retry.
          for (const outcome of await Promise.all(rows.map((message) => processMessage(message, problems)))) {
            counts.processed += 1;
            counts[outcome] += 1;
          }
        }
      } finally {
        await pool.query(
          `update ops.worker_runs set finished_at = now(), processed = $2, succeeded = $3, failed = $4, retried = $5, error = $6
           where id = $1`,
          [
            run.rows[0].id,
            counts.processed,
            counts.succeeded,
            counts.failed,
            counts.retried,
            problems.length > 0 ? problems.slice(0, 20).join('\n') : null,
          ],
        );
      }
      return Response.json(counts);
    } catch (error) {
      return toErrorResponse(error);
    }
  };
}

export const handler = createLeadImportWorker();
