// Meta Graph API reads for the Meta Ads module (PLATFORMS.md "Meta Graph / Marketing API"): one GET,
// Graph's error answer classified by `error.code` (never by HTTP status: Graph throttles with 400),
// and paging that follows `paging.next`. The token travels in the Authorization header, never in a URL
// we build or log; a `next` URL's own access_token is dropped and only URLs on META_GRAPH_URL's origin
// are followed.

export type GraphErrorKind = 'token' | 'permission' | 'rate' | 'retry' | 'not_found' | 'invalid';

export class GraphError extends Error {
  constructor(
    message: string,
    readonly kind: GraphErrorKind,
    readonly status: number,
    readonly code: number | null = null,
    readonly subcode: number | null = null,
  ) {
    super(message);
    this.name = 'GraphError';
  }
  /** Worth trying again later (throttling, 5xx, timeouts, Graph's "request timed out"). */
  get retryable(): boolean {
    return this.kind === 'rate' || this.kind === 'retry';
  }
}

export type GraphEnv = (name: string) => string | undefined;

export function graphSettings(env: GraphEnv = (name) => Deno.env.get(name)) {
  return {
    baseUrl: (env('META_GRAPH_URL') ?? 'https://graph.facebook.com').replace(/\/+$/, ''),
    version: env('META_GRAPH_VERSION') ?? 'v21.0',
    dialogUrl: (env('META_OAUTH_DIALOG_URL') ?? 'https://www.facebook.com').replace(/\/+$/, ''),
  };
}

/** Graph's `{ error: { code, error_subcode, message } }` (or a transport failure) as a GraphError. */
export function classifyGraphError(status: number, body: unknown): GraphError {
  const error = (body as { error?: { message?: unknown; code?: unknown; error_subcode?: unknown } } | null)?.error;
  const code = typeof error?.code === 'number' ? error.code : null;
  const subcode = typeof error?.error_subcode === 'number' ? error.error_subcode : null;
  const message = `Meta ${status}${code === null ? '' : ` code ${code}`}${subcode === null ? '' : `/${subcode}`}: ${
    typeof error?.message === 'string' ? error.message : 'no error message'
  }`;
  let kind: GraphErrorKind;
  if (code === 190 || code === 102 || code === 104) kind = 'token';
  else if (code === 4 || code === 17 || code === 32 || code === 341 || code === 613 || code === 80004) kind = 'rate';
  else if (code === 10 || (code !== null && code >= 200 && code <= 299)) kind = 'permission';
  else if (code === 100 && subcode === 1504018) kind = 'retry';
  else if (code === 100 && subcode === 33) kind = 'not_found';
  else if (code === 2 || status >= 500) kind = 'retry';
  else kind = 'invalid';
  return new GraphError(message, kind, status, code, subcode);
}

async function send(url: URL, token: string | null, timeoutMs: number): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new GraphError(`Meta did not answer: ${(error as Error).message}`, 'retry', 0);
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    if (response.ok) throw new GraphError(`Meta answered ${response.status} with a body that is not JSON`, 'retry', response.status);
  }
  if (!response.ok) throw classifyGraphError(response.status, body);
  return body;
}

export type GraphClient = {
  /** GET {base}/{version}{path}?params (path starts with "/"). */
  get<T = Record<string, unknown>>(path: string, params: Record<string, string>, token: string | null): Promise<T>;
  /** Every page's `data` of a paged edge, at most `maxPages` pages (then an error: never a silent cut). */
  pages<T = Record<string, unknown>>(
    path: string,
    params: Record<string, string>,
    token: string,
    options?: { maxPages?: number; onPage?: (data: T[]) => Promise<void> },
  ): Promise<T[]>;
  settings: ReturnType<typeof graphSettings>;
};

export function graphClient(env?: GraphEnv, timeoutMs = 20_000): GraphClient {
  const settings = graphSettings(env);
  const origin = new URL(settings.baseUrl).origin;
  const urlOf = (path: string, params: Record<string, string>) => {
    const url = new URL(`${settings.baseUrl}/${settings.version}${path}`);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return url;
  };
  return {
    settings,
    get: async <T>(path: string, params: Record<string, string>, token: string | null) =>
      (await send(urlOf(path, params), token, timeoutMs)) as T,
    async pages<T>(
      path: string,
      params: Record<string, string>,
      token: string,
      options: { maxPages?: number; onPage?: (data: T[]) => Promise<void> } = {},
    ) {
      const maxPages = options.maxPages ?? 50;
      const all: T[] = [];
      let url: URL | null = urlOf(path, params);
      for (let pageNumber = 1; url; pageNumber++) {
        if (pageNumber > maxPages) throw new GraphError(`${path} has more than ${maxPages} pages`, 'invalid', 0);
        const body = (await send(url, token, timeoutMs)) as { data?: T[]; paging?: { next?: string } };
        const data = Array.isArray(body?.data) ? body.data : [];
        if (options.onPage) await options.onPage(data);
        else all.push(...data);
        url = null;
        if (typeof body?.paging?.next === 'string') {
          const next = new URL(body.paging.next);
          if (next.origin !== origin) throw new GraphError(`paging.next leaves ${origin}: refused`, 'invalid', 0);
          next.searchParams.delete('access_token');
          url = next;
        }
      }
      return all;
    },
  };
}
