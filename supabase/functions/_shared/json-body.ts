// Reading a JSON request body through its zod contract: 400 when it is not JSON, 422 with the
// issues (path and message, never the offending values) when it breaks the contract.
import type { z } from 'zod';
import { HttpError } from './errors.ts';

export async function readJsonBody<Schema extends z.ZodType>(
  req: Request,
  schema: Schema,
  options: { emptyAs?: unknown } = {},
): Promise<z.infer<Schema>> {
  const text = await req.text();
  let value: unknown;
  if (text.trim() === '' && 'emptyAs' in options) {
    value = options.emptyAs;
  } else {
    try {
      value = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'invalid_json', 'The request body must be JSON');
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    throw new HttpError(422, 'validation_failed', 'The request does not match the contract', issues);
  }
  return parsed.data;
}
