// The platform sandbox: one HTTP server with a base path per platform (/meta, /google-ads, …),
// the control API under /__sandbox, a record of every platform request and per-platform faults.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { controlBasePath, controlError, handleControl } from './control.ts';
import type { ControlContext } from './control.ts';
import { FaultBoard } from './faults.ts';
import type { Fault } from './faults.ts';
import type { Platform, PlatformRequest, PlatformResponse } from './platform.ts';
import { createPlatforms } from './platforms/index.ts';
import { RequestRecorder, defaultRecorderLimits } from './recorder.ts';
import type { RecorderLimits } from './recorder.ts';
import { compileRoute, matchRoute } from './router.ts';
import type { CompiledRoute } from './router.ts';

export type { RecordedRequest } from './recorder.ts';
export type { FaultSettings } from './faults.ts';

export type SandboxOptions = {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** One line per platform request (platform, method, path, status, fault); never headers or query strings. */
  log?: (message: string) => void;
  recorderLimits?: Partial<RecorderLimits>;
};

export type Sandbox = { url: string; port: number; close(): Promise<void> };

// Bodies above this are refused before parsing; a full 1,000-event CAPI batch is far smaller.
const maxBodyBytes = 32 * 1024 * 1024;

type ServedPlatform = { platform: Platform; routes: CompiledRoute[] };
type Served = Map<string, ServedPlatform>;

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const log = options.log ?? (() => {});
  const recorder = new RequestRecorder({ ...defaultRecorderLimits, ...options.recorderLimits });
  const platforms = createPlatforms();
  const served: Served = new Map(platforms.map((platform) => [platform.name, { platform, routes: platform.routes.map(compileRoute) }]));
  const context: ControlContext = { recorder, faults: new FaultBoard(), platformNames: [...served.keys()], platforms };

  const server = createServer((incoming, outgoing) => {
    handle(context, served, log, incoming, outgoing).catch((error: unknown) => {
      log(`platform sandbox failed on ${incoming.method} ${pathOnly(incoming.url)}: ${error instanceof Error ? error.stack : String(error)}`);
      if (!outgoing.headersSent) send(outgoing, controlError(500, 'sandbox_failure', 'the sandbox failed; see its log'));
      else outgoing.destroy();
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** The base-URL variables the gateways read, pointed at this sandbox (`META_GRAPH_URL=<url>/meta`, …). */
export function platformEnv(sandboxUrl: string): Record<string, string> {
  return Object.fromEntries(createPlatforms().map((platform) => [platform.envVar, `${sandboxUrl}/${platform.name}`]));
}

async function handle(context: ControlContext, served: Served, log: (message: string) => void, incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
  const receivedAt = new Date();
  const url = new URL(incoming.url ?? '/', 'http://sandbox.invalid');
  const method = incoming.method ?? 'GET';
  const raw = await readBody(incoming);
  if (raw === null) {
    send(outgoing, controlError(413, 'payload_too_large', `request bodies above ${maxBodyBytes} bytes are refused`));
    return;
  }
  const rawBody = raw.toString('utf8');
  const body = parseBody(rawBody, incoming.headers['content-type']);

  if (url.pathname === controlBasePath || url.pathname.startsWith(`${controlBasePath}/`)) {
    send(outgoing, handleControl(context, { method, path: url.pathname, query: url.searchParams, body: body.value, bodyIsJson: body.isJson }));
    return;
  }

  const platformName = url.pathname.split('/')[1] ?? '';
  const request: PlatformRequest = {
    method,
    path: url.pathname.slice(platformName.length + 1) || '/',
    params: {},
    query: url.searchParams,
    headers: incoming.headers,
    body: body.value,
    rawBody,
    receivedAt,
  };
  const target = served.get(platformName);
  const { response, fault } = target ? await answerPlatform(context.faults, target, request) : { response: unknownPlatform(served, platformName), fault: null };

  context.recorder.add(
    {
      receivedAt: receivedAt.toISOString(),
      platform: platformName,
      method,
      path: request.path,
      query: queryObject(url.searchParams),
      headers: incoming.headers,
      body: body.value,
      status: response.status,
      response: response.body,
      fault: fault?.kind ?? null,
    },
    raw.length,
  );
  log(`${platformName || '(no platform)'} ${method} ${request.path} → ${response.status}${fault ? ` (fault: ${fault.kind})` : ''}`);
  send(outgoing, response);
}

/** Faults are decided at arrival (so counters follow arrival order), before the route is looked up. */
async function answerPlatform(faults: FaultBoard, target: ServedPlatform, request: PlatformRequest): Promise<{ response: PlatformResponse; fault: Fault | null }> {
  const { latencyMs, fault } = faults.decide(target.platform.name);
  const response = fault ? faultAnswer(target.platform, request, fault) : await routeAnswer(target, request);
  if (latencyMs > 0) await delay(latencyMs);
  return { response, fault };
}

function faultAnswer(platform: Platform, request: PlatformRequest, fault: Fault): PlatformResponse {
  switch (fault.kind) {
    case 'invalidToken':
      return platform.errors.invalidToken(request);
    case 'rateLimit':
      return platform.errors.rateLimited(request, fault.retryAfterSeconds);
    case 'serverError':
      return platform.errors.serverError(request);
  }
}

async function routeAnswer(target: ServedPlatform, request: PlatformRequest): Promise<PlatformResponse> {
  const match = matchRoute(target.routes, request.method, request.path);
  if (!match) return target.platform.errors.notFound(request);
  return match.route.handler({ ...request, params: match.params });
}

function unknownPlatform(served: Served, name: string): PlatformResponse {
  return controlError(404, 'unknown_platform', `the sandbox serves no platform "${name}"`, { platforms: [...served.keys()] });
}

/** The whole body, or null when it is larger than `maxBodyBytes` (the rest is read and dropped). */
async function readBody(incoming: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming) {
    size += (chunk as Buffer).length;
    if (size <= maxBodyBytes) chunks.push(chunk as Buffer);
  }
  return size > maxBodyBytes ? null : Buffer.concat(chunks);
}

/** JSON content types are parsed; a body that does not parse is kept as text, which the handlers refuse. */
function parseBody(text: string, contentType: string | undefined): { value: unknown; isJson: boolean } {
  if (text === '') return { value: null, isJson: false };
  if (!contentType || !/[/+]json\b/i.test(contentType)) return { value: text, isJson: false };
  try {
    return { value: JSON.parse(text), isJson: true };
  } catch {
    return { value: text, isJson: false };
  }
}

function queryObject(params: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    query[key] = values.length === 1 ? values[0] : values;
  }
  return query;
}

function send(outgoing: ServerResponse, response: PlatformResponse): void {
  const payload = JSON.stringify(response.body);
  outgoing.writeHead(response.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...response.headers,
  });
  outgoing.end(payload);
}

function pathOnly(url: string | undefined): string {
  return (url ?? '/').split('?')[0];
}

// The Meta Graph stand-ins' app credentials and seeded profiles, for the local stack and demo seeds.
export { adsOf, sandboxAdsOfAccount, sandboxMetaApp, sandboxMetaProfiles, sandboxMetaSeedToken } from './platforms/meta-graph.ts';
