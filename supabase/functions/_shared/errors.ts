// One JSON error shape for every function: { error: { code, message, details? } }.
import type { ApiError } from '@rastro/contracts';

export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function errorResponse(
  status: number,
  code: string,
  message: string,
  details?: unknown,
  headers: HeadersInit = {},
): Response {
  const body: ApiError = { error: { code, message, ...(details === undefined ? {} : { details }) } };
  return Response.json(body, { status, headers });
}

/** Turns a thrown HttpError into its response; anything else is logged and becomes an opaque 500. */
export function toErrorResponse(error: unknown, headers: HeadersInit = {}): Response {
  if (error instanceof HttpError) return errorResponse(error.status, error.code, error.message, error.details, headers);
  console.error('unexpected error', error);
  return errorResponse(500, 'internal_error', 'Unexpected error; it has been logged', undefined, headers);
}
