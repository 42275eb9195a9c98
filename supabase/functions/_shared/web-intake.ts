// What `track` and `lead-capture` share: they are called by browsers on customer sites, carry a public
// site key instead of a JWT, and must answer every malformed request with a 4xx and write nothing.
// Bodies are read with a byte cap (413 past it), parsed (400), checked for text Postgres cannot store
// (NUL, lone surrogates: 422), then given to the function's zod contract (422).
import { isIP } from 'node:net';
import Bowser from 'bowser';
import crawlers from 'crawler-user-agents';
import type { z } from 'zod';
import { HttpError } from './errors.ts';

/** Headers of every answer to a browser: the Origin is echoed only when the site allows it. */
export function intakeHeaders(origin: string | null, allowed: boolean): Record<string, string> {
  const headers: Record<string, string> = { vary: 'Origin', 'cache-control': 'no-store' };
  if (allowed && origin) headers['access-control-allow-origin'] = origin;
  return headers;
}

/**
 * Preflight: which origins may call is only known once the body's site key is resolved, so the
 * preflight is answered for any origin and the POST itself is checked. The snippet sends text/plain
 * bodies (no preflight at all); this is for sites that post JSON themselves.
 */
export function intakePreflight(req: Request): Response {
  const origin = req.headers.get('origin');
  return new Response(null, {
    status: 204,
    headers: {
      ...(origin ? { 'access-control-allow-origin': origin } : {}),
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'content-type',
      'access-control-max-age': '86400',
      vary: 'Origin',
    },
  });
}

export function requirePost(req: Request): void {
  if (req.method !== 'POST') {
    throw new HttpError(405, 'method_not_allowed', 'Use POST (or OPTIONS for a preflight)');
  }
}

/** The body as text, refusing more than maxBytes before reading it all (413). */
export async function readCappedText(req: Request, maxBytes: number): Promise<string> {
  return decodeUtf8(await readCappedBytes(req, maxBytes));
}

/** The body's raw bytes, refused (413) as soon as they pass maxBytes (declared or streamed). */
export async function readCappedBytes(
  req: Request,
  maxBytes: number,
  options: { drainUpTo?: number } = {},
): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new HttpError(413, 'payload_too_large', `At most ${maxBytes} bytes per request`);
  }
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // With drainUpTo, the rest is read and dropped first (see discardBody), up to that many bytes.
      while (size <= (options.drainUpTo ?? 0)) {
        const next = await reader.read();
        if (next.done) break;
        size += next.value.byteLength;
      }
      await reader.cancel();
      throw new HttpError(413, 'payload_too_large', `At most ${maxBytes} bytes per request`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Reads and drops what is left of a refused request's body, up to maxBytes, then lets go of it:
 * answering while the client is still uploading makes proxies (and the local functions host) reset the
 * connection instead of passing the answer on.
 */
export async function discardBody(req: Request, maxBytes = 1024 * 1024): Promise<void> {
  if (!req.body || req.bodyUsed || req.body.locked) return;
  const reader = req.body.getReader();
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    size += value.byteLength;
    if (size > maxBytes) break;
  }
  await reader.cancel();
}

/** UTF-8 text of a body (400 invalid_encoding otherwise). */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, 'invalid_encoding', 'The body must be UTF-8');
  }
}

/** First string anywhere in value that Postgres text/jsonb cannot hold, or null. */
function unstorableText(value: unknown, depth = 0): string | null {
  if (depth > 20) return 'nesting';
  if (typeof value === 'string') return value.includes('\u0000') || !value.isWellFormed() ? value : null;
  if (Array.isArray(value)) {
    for (const item of value) if (unstorableText(item, depth + 1) !== null) return 'item';
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (unstorableText(key, depth + 1) !== null || unstorableText(item, depth + 1) !== null) return 'entry';
    }
  }
  return null;
}

export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid_json', 'The request body must be JSON');
  }
}

/** A parsed body checked for unstorable text (422 invalid_text), then against its contract (422). */
export function validateIntake<Schema extends z.ZodType>(value: unknown, schema: Schema): z.infer<Schema> {
  if (unstorableText(value) !== null) {
    throw new HttpError(
      422,
      'invalid_text',
      'Text must not contain NUL characters, lone surrogates or nest deeper than 20 levels',
    );
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 20).map((issue) => ({
      path: issue.path.join('.'),
      message: issue.message,
    }));
    throw new HttpError(422, 'validation_failed', 'The request does not match the contract', issues);
  }
  return parsed.data;
}

/** The RPCs' refusals as HTTP: unknown key 401, inactive site or wrong origin 403. */
export function refusalError(status: string): HttpError | null {
  switch (status) {
    case 'unknown_site_key':
      return new HttpError(401, 'unknown_site_key', 'No site has this key (it may have been rotated)');
    case 'site_inactive':
      return new HttpError(403, 'site_inactive', 'This site is not active');
    case 'origin_not_allowed':
      return new HttpError(403, 'origin_not_allowed', 'This Origin is not an allowed origin of the site');
    default:
      return null;
  }
}

export function requireOrigin(req: Request): string {
  const origin = req.headers.get('origin');
  if (!origin || origin === 'null') {
    throw new HttpError(403, 'origin_not_allowed', 'Requests must come from a page of an allowed origin');
  }
  return origin.toLowerCase();
}

/** The client address the platform put first in x-forwarded-for, when it is one. */
export function clientIp(req: Request): string | null {
  const first = req.headers.get('x-forwarded-for')?.split(',')[0]?.trim() ?? '';
  return isIP(first) ? first : null;
}

// crawler-user-agents (MIT, maintained list of bot, crawler and spider user agents): one regular
// expression of all its patterns, compiled once per worker.
const botPattern = new RegExp((crawlers as Array<{ pattern: string }>).map((c) => `(?:${c.pattern})`).join('|'));

// The pattern has about 1,500 alternatives (~30 µs a test), while a site's or a campaign's traffic
// comes from comparatively few distinct agents: the answers for the latest ones are kept, bounded.
const botAnswers = new Map<string, boolean>();
const botAnswersKept = 2_000;

/** True for crawlers, headless automation and requests without a user agent. */
export function isBot(userAgent: string | null): boolean {
  if (!userAgent || userAgent.trim().length < 10) return true;
  const known = botAnswers.get(userAgent);
  if (known !== undefined) return known;
  const answer = botPattern.test(userAgent);
  if (botAnswers.size >= botAnswersKept) botAnswers.clear();
  botAnswers.set(userAgent, answer);
  return answer;
}

export type Device = {
  device: 'desktop' | 'mobile' | 'tablet' | 'tv' | 'other';
  browser: string | null;
  os: string | null;
};

/** Device class, browser and OS from the user agent (bowser, MIT). */
export function deviceOf(userAgent: string): Device {
  const parsed = Bowser.parse(userAgent);
  const type = parsed.platform?.type;
  const device = type === 'desktop' || type === 'mobile' || type === 'tablet' || type === 'tv' ? type : 'other';
  return { device, browser: parsed.browser?.name?.slice(0, 60) ?? null, os: parsed.os?.name?.slice(0, 60) ?? null };
}
