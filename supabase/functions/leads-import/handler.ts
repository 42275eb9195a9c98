// leads-import: a member uploads a CSV file of leads. The body streams through cheap checks only (text encoding,
// binary characters, size, the header record against the mapping, some data after it) and its bytes are
// stored in slices (lead.lead_import_slices) in the same transaction that creates the lead.lead_imports
// row and queues the first parse step, committed only once the whole file has been read. Any problem
// with the file rolls everything back: nothing half-written. Parsing the records, validating and
// applying them is lead-import-worker's, a slice per invocation step, so no request here parses a whole
// file (Supabase: 2 s of CPU per request). Contract: docs/decisions/0003-csv-import.md.
import {
  type CsvEncoding,
  isCsvEncoding,
  type LeadImportAccepted,
  leadImportContentTypes,
  leadImportMaxBytes,
  leadImportSliceBytes,
} from '@rastro/contracts/lead-imports.ts';
import { type LeadImportMapping, LeadImportMappingSchema } from '@rastro/contracts/leads.ts';
import { memberClaims, roleRequired } from '../_shared/member-claims.ts';
import { corsHeaders, preflight } from '../_shared/cors.ts';
import { Buffer } from 'node:buffer';
import { CsvError, type CsvRecord, openCsvUpload, startCsvCarry } from '../_shared/csv.ts';
import { asUser } from '../_shared/db.ts';
import { HttpError, toErrorResponse } from '../_shared/errors.ts';

export type LeadsImportOptions = {
  /** Bytes per stored slice, i.e. per parse step of the worker (tests make it small). */
  sliceBytes?: number;
  maxBytes?: number;
  /** Origins of the console, allowed to call from the browser (env RASTRO_CONSOLE_ORIGINS, comma-separated). */
  allowedOrigins?: readonly string[];
};

const maxFileNameLength = 255;

function consoleOrigins(): string[] {
  return (Deno.env.get('RASTRO_CONSOLE_ORIGINS') ?? '').split(',').map((o) => o.trim()).filter(Boolean);
}

function fileNameOf(url: URL): string {
  const name = url.searchParams.get('file_name')?.trim() ?? '';
  if (name === '' || name.length > maxFileNameLength) {
    throw new HttpError(
      400,
      'invalid_request',
      `Pass the file name as ?file_name= (1 to ${maxFileNameLength} characters)`,
    );
  }
  return name;
}

function mappingOf(url: URL): LeadImportMapping {
  const text = url.searchParams.get('mapping');
  if (text === null) throw new HttpError(400, 'invalid_request', 'Pass the column mapping as ?mapping=<JSON>');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'bad_mapping_json', 'The mapping parameter is not valid JSON');
  }
  const parsed = LeadImportMappingSchema.safeParse(json);
  if (!parsed.success) {
    throw new HttpError(
      422,
      'invalid_mapping',
      'The mapping is not valid: it maps lead fields to header names, e-mail required',
      {
        issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      },
    );
  }
  return parsed.data;
}

/** `?encoding=utf-8|windows-1252` forces how the file is read; absent, it is detected. */
function encodingOf(url: URL): CsvEncoding | undefined {
  const asked = url.searchParams.get('encoding');
  if (asked === null || asked === '') return undefined;
  if (!isCsvEncoding(asked)) {
    throw new HttpError(400, 'invalid_request', 'Pass ?encoding= as utf-8 or windows-1252, or leave it out to detect it', {
      encoding: asked,
    });
  }
  return asked;
}

function checkContentType(req: Request): void {
  const type = (req.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (!(leadImportContentTypes as readonly string[]).includes(type)) {
    throw new HttpError(
      415,
      'not_csv',
      `Send the file as the request body with Content-Type text/csv (got "${type || 'none'}")`,
    );
  }
}

function checkDeclaredSize(req: Request, maxBytes: number): void {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    throw new HttpError(413, 'file_too_large', `Files up to ${maxBytes} bytes can be imported`, {
      max_bytes: maxBytes,
    });
  }
}

function csvErrorToHttp(error: CsvError, maxBytes: number): HttpError {
  switch (error.code) {
    case 'file_too_large':
      return new HttpError(413, 'file_too_large', `Files up to ${maxBytes} bytes can be imported`, {
        max_bytes: maxBytes,
      });
    case 'not_csv':
      return new HttpError(422, 'not_csv', error.message);
    case 'missing_header':
      return new HttpError(
        422,
        'missing_header',
        error.message,
        error.line === undefined ? undefined : { line: error.line },
      );
  }
}

/** File problems found while streaming, and the database refusing the member (RLS), as their answers. */
function asHttpError(error: unknown, maxBytes: number): unknown {
  if (error instanceof CsvError) return csvErrorToHttp(error, maxBytes);
  if ((error as { code?: unknown })?.code === '42501') {
    return roleRequired('editor');
  }
  return error;
}

/** Column index of each mapped lead field, after checking the header can serve the mapping. */
function columnPositions(
  header: CsvRecord,
  separator: string,
  mapping: LeadImportMapping,
): Array<[field: string, index: number]> {
  const names = header.fields.map((f) => f.trim());
  const wanted = Object.entries(mapping.columns).filter((entry): entry is [string, string] => entry[1] !== undefined);
  const distinctColumns = new Set(wanted.map(([, column]) => column));
  if (names.length === 1 && distinctColumns.size > 1) {
    throw new HttpError(
      422,
      'wrong_separator',
      `The header line has a single column; separate columns with "," or ";"`,
      {
        separator,
        header: names,
      },
    );
  }
  const missing = [...distinctColumns].filter((column) => !names.includes(column));
  if (missing.length > 0) {
    throw new HttpError(
      422,
      'invalid_mapping',
      `The mapping names columns the file does not have: ${missing.join(', ')}`,
      {
        missing,
        header: names,
      },
    );
  }
  const repeated = [...distinctColumns].filter((column) => names.indexOf(column) !== names.lastIndexOf(column));
  if (repeated.length > 0) {
    throw new HttpError(422, 'invalid_mapping', `The header repeats columns the mapping uses: ${repeated.join(', ')}`, {
      repeated,
      header: names,
    });
  }
  return wanted.map(([field, column]) => [field, names.indexOf(column)]);
}

export function createLeadsImportHandler(options: LeadsImportOptions = {}): (req: Request) => Promise<Response> {
  const sliceBytes = options.sliceBytes ?? leadImportSliceBytes;
  const maxBytes = options.maxBytes ?? leadImportMaxBytes;

  return async (req) => {
    const origins = options.allowedOrigins ?? consoleOrigins();
    const cors = corsHeaders(req.headers.get('origin'), origins);
    const answered = preflight(req, origins);
    if (answered) return answered;
    try {
      if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'POST the CSV file');
      const claims = memberClaims(req, 'editor');
      const url = new URL(req.url);
      const fileName = fileNameOf(url);
      const mapping = mappingOf(url);
      const encoding = encodingOf(url);
      checkContentType(req);
      checkDeclaredSize(req, maxBytes);
      if (!req.body) {
        throw new HttpError(422, 'missing_header', 'The file is empty: a header line naming the columns is required');
      }

      const accepted = await storeUpload(req.body, claims, fileName, mapping, { sliceBytes, maxBytes, encoding });
      return Response.json(accepted, { status: 202, headers: cors });
    } catch (error) {
      return toErrorResponse(asHttpError(error, maxBytes), cors);
    }
  };
}

async function storeUpload(
  body: ReadableStream<Uint8Array>,
  claims: Record<string, unknown>,
  fileName: string,
  mapping: LeadImportMapping,
  reading: { sliceBytes: number; maxBytes: number; encoding: CsvEncoding | undefined },
): Promise<LeadImportAccepted> {
  const csv = await openCsvUpload(body, reading);
  let fields: Record<string, number>;
  try {
    fields = Object.fromEntries(columnPositions(csv.header, csv.separator, mapping));
  } catch (error) {
    await csv.close();
    throw error;
  }
  const header = csv.header.fields.map((f) => f.trim());

  return await asUser(claims, async (db) => {
    // The size is known for sure only at the end of the stream; lead.finish_import_upload records it.
    const created = await db.query<{ id: string }>(
      `insert into lead.lead_imports (company_id, file_name, file_size_bytes, mapping)
       values (core.current_company_id(), $1, 0, $2)
       returning id`,
      [fileName, mapping],
    );
    const importId = created.rows[0].id;
    let sliceNo = 0;
    for await (const slice of csv.slices()) {
      sliceNo += 1;
      // A Buffer goes to Postgres as a binary parameter: no hex or base64 text on the way.
      await db.query('select lead.store_import_slice($1, $2, $3)', [
        importId,
        sliceNo,
        Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength),
      ]);
    }
    if (!csv.hasRows()) throw new HttpError(422, 'no_rows', 'The file has a header line but no data rows');
    // The encoding is final now that every byte went through the decoder.
    const firstParse = { header, fields, carry: startCsvCarry(csv.separator, csv.encoding()) };
    const { rows: [finished] } = await db.query<{ slices_total: number }>(
      'select lead.finish_import_upload($1, $2, $3) as slices_total',
      [importId, csv.bytesRead(), JSON.stringify(firstParse)],
    );
    return {
      import_id: importId,
      status: 'parsing',
      file_size_bytes: csv.bytesRead(),
      slices_total: finished.slices_total,
      encoding: csv.encoding(),
    };
  });
}

export const handler = createLeadsImportHandler();
