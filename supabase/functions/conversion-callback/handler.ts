// conversion-callback: a company's own conversion service (the signed-webhook destination) confirms or
// fails a delivery it received. No Supabase JWT (verify_jwt = false): the request is authenticated by
// its signature instead —
//   X-Rastro-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the account's secret>
// — checked over the raw bytes before the body is parsed, in constant time, with the timestamp within
// 5 minutes (older or newer: 401 signature_expired). Each callback_id is accepted once (replay: 409).
// Body: ConversionCallback { account_id, callback_id, delivery_id, outcome: confirmed | failed,
// reference?, error? }. Everything is written by one RPC (core_marketing.apply_conversion_callback).
import { callbackToleranceSeconds, ConversionCallbackSchema } from '@rastro/contracts';
import { signPayload } from '../_shared/conversions/gateways.ts';
import { openAccountCredentials } from '../_shared/conversions/secrets.ts';
import type { WebhookCredentials } from '@rastro/contracts';
import { dbPool } from '../_shared/db.ts';
import { HttpError, toErrorResponse } from '../_shared/errors.ts';

const maxBodyBytes = 64 * 1024;

export async function handler(req: Request): Promise<Response> {
  try {
    if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'POST a signed callback');
    const signature = /^t=(\d{9,11}),v1=([0-9a-f]{64})$/.exec(req.headers.get('x-rastro-signature') ?? '');
    if (!signature) {
      throw new HttpError(
        401,
        'signature_missing',
        'X-Rastro-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256> is required',
      );
    }
    const raw = await req.text();
    if (new TextEncoder().encode(raw).length > maxBodyBytes) {
      throw new HttpError(413, 'body_too_large', 'At most 64 KiB');
    }
    const timestamp = Number(signature[1]);
    if (Math.abs(Date.now() / 1000 - timestamp) > callbackToleranceSeconds) {
      throw new HttpError(
        401,
        'signature_expired',
        `The signature's timestamp is more than ${callbackToleranceSeconds} s away`,
      );
    }
    // The account is named in the body, so it is read before the signature can be checked; nothing
    // is written and no detail is answered until the signature holds.
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw new HttpError(400, 'invalid_json', 'The body must be JSON');
    }
    const accountId = typeof body === 'object' && body !== null
      ? (body as { account_id?: unknown }).account_id
      : undefined;
    const secret = typeof accountId === 'string' ? await accountSecret(accountId) : null;
    if (secret === null || !constantTimeEqual(await signPayload(secret, timestamp, raw), signature[2])) {
      throw new HttpError(401, 'signature_invalid', 'The signature does not match');
    }
    const parsed = ConversionCallbackSchema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
      throw new HttpError(422, 'validation_failed', 'The callback does not match the contract', issues);
    }
    const callback = parsed.data;
    try {
      const { rows: [row] } = await dbPool().query<{ result: { delivery_id: string; status: string } }>(
        'select core_marketing.apply_conversion_callback($1, $2, $3, $4, $5, $6) as result',
        [
          callback.account_id,
          callback.callback_id,
          callback.delivery_id,
          callback.outcome,
          callback.reference ?? null,
          callback.error ?? null,
        ],
      );
      return Response.json(row.result);
    } catch (error) {
      const hint = (error as { hint?: string }).hint;
      if (hint === 'callback_replayed') throw new HttpError(409, hint, 'This callback_id was already received');
      if (hint === 'delivery_not_found') throw new HttpError(404, hint, 'No delivery of this account has that id');
      throw error;
    }
  } catch (error) {
    return toErrorResponse(error);
  }
}

/** The signing secret of an active webhook account, or null (unknown, inactive, unreadable). */
async function accountSecret(accountId: string): Promise<string | null> {
  if (!/^[0-9a-f-]{36}$/i.test(accountId)) return null;
  const { rows: [account] } = await dbPool().query<{ company_id: string; credentials_ciphertext: string | null }>(
    `select company_id, credentials_ciphertext from core_marketing.platform_accounts
     where id = $1 and platform = 'webhook' and is_active`,
    [accountId],
  );
  if (!account?.credentials_ciphertext) return null;
  try {
    const credentials = await openAccountCredentials(
      account.company_id,
      accountId,
      'webhook',
      account.credentials_ciphertext,
    );
    return (credentials as WebhookCredentials).secret;
  } catch (error) {
    console.error(`conversion-callback: account ${accountId} secret does not open: ${(error as Error).message}`);
    return null;
  }
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
