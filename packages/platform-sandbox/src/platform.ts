// What a platform module provides to the sandbox server, and what its route handlers receive.
import type { IncomingHttpHeaders } from 'node:http';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One request as a platform handler sees it: the path is relative to the platform's base path. */
export type PlatformRequest = {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON when the content type is JSON and the body parses; otherwise the text; null when empty. */
  body: unknown;
  rawBody: string;
  receivedAt: Date;
};

/** Every answer is JSON: `body` is serialised as is. */
export type PlatformResponse = {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
};

export type RouteHandler = (request: PlatformRequest) => PlatformResponse | Promise<PlatformResponse>;

/**
 * `path` is a pattern below the platform's base path. `{name}` captures the characters of one
 * segment up to the next literal (so `/{version}/customers/{customerId}:uploadClickConversions`
 * works); everything else must match exactly.
 */
export type Route = { method: HttpMethod; path: string; handler: RouteHandler };

/**
 * How the platform itself says "no such route", "bad token", "slow down" and "we failed" — the
 * fault knobs and the router answer through these, so each platform keeps its own error shape.
 * Requests are passed in case the shape depends on them (API version, trace ids).
 */
export type PlatformErrors = {
  notFound(request: PlatformRequest): PlatformResponse;
  invalidToken(request: PlatformRequest): PlatformResponse;
  rateLimited(request: PlatformRequest, retryAfterSeconds: number): PlatformResponse;
  serverError(request: PlatformRequest): PlatformResponse;
};

/**
 * Platform-specific test controls, served under `/__sandbox/platforms/<name><path>` (never recorded,
 * never subject to faults): for platforms that keep state, such as Dinamize's contact store.
 * Handlers get the parsed JSON body (null when there is none) and the query string.
 */
export type PlatformControlHandler = (body: unknown, query: URLSearchParams) => PlatformResponse;
export type PlatformControl = Record<string, Partial<Record<HttpMethod, PlatformControlHandler>>>;

export type Platform = {
  /** Base path segment: the platform is served under `/<name>`. */
  name: string;
  /** The variable the gateways read the base URL from (`META_GRAPH_URL`, …). */
  envVar: string;
  routes: Route[];
  errors: PlatformErrors;
  control?: PlatformControl;
};

export function json(status: number, body: unknown, headers?: Record<string, string>): PlatformResponse {
  return headers ? { status, headers, body } : { status, body };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
