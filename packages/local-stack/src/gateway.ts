// One port laid out like a Supabase project's API gateway:
//   /rest/v1/*       → PostgREST (apikey required; Authorization defaults to the apikey)
//   /auth/v1/*       → the local auth service
//   /functions/v1/*  → the Deno functions host (verify_jwt per function from config.toml)
//   /tracker/v1/rastro.js → the browser snippet (packages/tracker), built with esbuild
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { trackerBundle } from '../../tracker/src/build.ts';
import { verifyJwt } from './jwt.ts';
import type { SupabaseConfig } from './config.ts';

export type GatewayOptions = {
  port: number;
  postgrestPort: number;
  functionsPort: number;
  jwtSecret: string;
  apiKeys: string[]; // anon and service_role keys
  config: SupabaseConfig;
  functionDirs: string[]; // folders holding <name>/index.ts (what Supabase deploys and runs)
  auth: { handle(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> };
  log: (message: string) => void;
};

const exposedHeaders = 'Content-Range, Range, Content-Location, Content-Profile, Preference-Applied, X-Supabase-Api-Version, X-Total-Count';

function jsonError(res: ServerResponse, status: number, code: string, message: string, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', ...extraHeaders }).end(JSON.stringify({ error: { code, message } }));
}

function corsHeaders(req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin;
  return {
    'access-control-allow-origin': origin ?? '*',
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
    'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? 'authorization, x-client-info, apikey, content-type, accept-profile, content-profile, prefer, range'),
    'access-control-expose-headers': exposedHeaders,
    'access-control-max-age': '3600',
    vary: 'Origin',
  };
}

function proxy(req: IncomingMessage, res: ServerResponse, port: number, path: string, headers: Record<string, string | string[] | undefined>, extraResponseHeaders: Record<string, string>, log: (m: string) => void): void {
  let answer: IncomingMessage | undefined;
  const upstream = httpRequest({ host: '127.0.0.1', port, method: req.method, path, headers }, (upstreamRes) => {
    answer = upstreamRes;
    const responseHeaders: Record<string, string | string[]> = {};
    for (const [key, value] of Object.entries(upstreamRes.headers)) if (value !== undefined) responseHeaders[key] = value;
    const head = () => res.writeHead(upstreamRes.statusCode ?? 502, { ...responseHeaders, ...extraResponseHeaders });
    if (req.complete) {
      head();
      upstreamRes.pipe(res);
      return;
    }
    // Answered before the whole body was sent (a 413 from the declared length, say). Supabase's gateway
    // reads a request body in full before it answers, so the caller always finishes sending and then
    // reads the answer; answering mid-body here would close the connection under a caller still
    // writing, which then sees a broken pipe instead of the status. The answer (short: an error) is
    // kept until the caller's last byte has been read and dropped.
    req.unpipe(upstream);
    req.resume();
    const chunks: Buffer[] = [];
    upstreamRes.on('data', (chunk: Buffer) => chunks.push(chunk));
    let pending = 2;
    const forward = () => {
      if (--pending > 0) return;
      head();
      res.end(Buffer.concat(chunks));
      // The rest of the body is never sent upstream: close that half-finished request, or its
      // connection stays open waiting for bytes that will not come.
      upstream.destroy();
    };
    upstreamRes.once('end', forward);
    req.once('end', forward);
  });
  upstream.on('error', (error) => {
    if (answer) {
      // The answer is in: a write of the leftover body may still fail once the service has closed.
      // Only an answer cut short is the caller's problem.
      if (answer.complete) return;
      log(`gateway: upstream 127.0.0.1:${port} broke off its answer to ${req.method} ${path}: ${error.message}`);
      res.destroy();
      return;
    }
    log(`gateway: upstream 127.0.0.1:${port} failed for ${req.method} ${path}: ${error.message}`);
    jsonError(res, 502, 'upstream_unavailable', 'The service behind this path is not answering; check the local stack log');
  });
  req.pipe(upstream);
}

export function startGateway(options: GatewayOptions): Promise<Server> {
  const { config, jwtSecret } = options;

  function functionExists(name: string): boolean {
    return !name.startsWith('_') && options.functionDirs.some((dir) => existsSync(join(dir, name, 'index.ts')));
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://gateway.local');
    const path = url.pathname;

    if (path === '/health' || path === '/') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, service: 'rastro local stack' }));
      return;
    }

    // The browser snippet (packages/tracker), built once per process. On Supabase it is served from the
    // site itself or any CDN (functions serve scripts as text/plain there): docs/runbook.md.
    if (path === '/tracker/v1/rastro.js') {
      trackerBundle().then(
        ({ code }) => res.writeHead(200, {
          'content-type': 'application/javascript; charset=utf-8',
          'cache-control': 'public, max-age=300',
          'access-control-allow-origin': '*',
        }).end(req.method === 'HEAD' ? undefined : code),
        (error: Error) => jsonError(res, 500, 'tracker_build_failed', error.message),
      );
      return;
    }

    if (path.startsWith('/rest/v1') || path.startsWith('/auth/v1')) {
      const cors = corsHeaders(req);
      if (req.method === 'OPTIONS') {
        res.writeHead(200, cors).end();
        return;
      }
      const isAuth = path.startsWith('/auth/v1');
      const subPath = path.slice(isAuth ? '/auth/v1'.length : '/rest/v1'.length) || '/';
      // Supabase's gateway wants a project API key on every request to these services.
      const apikey = (req.headers.apikey as string | undefined) ?? url.searchParams.get('apikey') ?? undefined;
      const isPublicAuthPath = isAuth && (subPath === '/health' || subPath === '/settings');
      if (!apikey && !isPublicAuthPath) {
        return jsonError(res, 401, 'no_api_key', 'No API key found in request: send the project anon key in the apikey header', cors);
      }
      if (apikey && !options.apiKeys.includes(apikey)) {
        return jsonError(res, 401, 'invalid_api_key', 'Invalid API key', cors);
      }
      if (isAuth) {
        for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);
        if (!req.headers.authorization && apikey && subPath.startsWith('/admin')) req.headers.authorization = `Bearer ${apikey}`;
        options.auth.handle(req, res, subPath, url).catch((error) => {
          options.log(`gateway: auth crashed: ${(error as Error).stack ?? error}`);
          jsonError(res, 500, 'unexpected_failure', 'Unexpected failure in local auth');
        });
        return;
      }
      const headers = { ...req.headers };
      if (!headers.authorization) headers.authorization = `Bearer ${apikey}`;
      delete headers.host;
      return proxy(req, res, options.postgrestPort, subPath + url.search, headers, cors, options.log);
    }

    const fn = /^\/functions\/v1\/([A-Za-z0-9_-]+)(\/.*)?$/.exec(path);
    if (fn) {
      const name = fn[1];
      if (!functionExists(name)) return jsonError(res, 404, 'function_not_found', `Function "${name}" does not exist`);
      const verify = config.functions[name]?.verifyJwt ?? true;
      if (verify && req.method !== 'OPTIONS') {
        const header = req.headers.authorization;
        const token = header ? /^Bearer\s+(.+)$/i.exec(header)?.[1] : undefined;
        if (!token) return jsonError(res, 401, 'missing_authorization', 'Missing authorization header (this function has verify_jwt = true)');
        const check = verifyJwt(token.trim(), jwtSecret);
        if (!check.ok) return jsonError(res, 401, check.reason === 'expired' ? 'jwt_expired' : 'invalid_jwt', check.reason === 'expired' ? 'JWT expired' : 'Invalid JWT');
      }
      const headers = { ...req.headers };
      delete headers.host;
      return proxy(req, res, options.functionsPort, `/${name}${fn[2] ?? ''}${url.search}`, headers, {}, options.log);
    }

    jsonError(res, 404, 'route_not_found', `No service at ${path}: use /rest/v1, /auth/v1 or /functions/v1`);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve(server));
  });
}
