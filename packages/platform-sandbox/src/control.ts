// The sandbox's own API under /__sandbox: health, recorded requests, fault knobs. Errors use the
// project's one shape, `{ error: { code, message, details? } }`.
import { parseFaultSettings } from './faults.ts';
import type { FaultBoard } from './faults.ts';
import { json } from './platform.ts';
import type { HttpMethod, Platform, PlatformResponse } from './platform.ts';
import type { RequestRecorder } from './recorder.ts';

export const controlBasePath = '/__sandbox';

export type ControlContext = { recorder: RequestRecorder; faults: FaultBoard; platformNames: readonly string[]; platforms: readonly Platform[] };

export type ControlRequest = { method: string; path: string; query: URLSearchParams; body: unknown; bodyIsJson: boolean };

type Handlers = Partial<Record<string, (context: ControlContext, request: ControlRequest) => PlatformResponse>>;

const resources: Record<string, Handlers> = {
  '/health': { GET: () => json(200, { ok: true }) },
  '/requests': {
    // ?after=<id>: only records newer than that id (long runs read them as they come, before the
    // recorder's memory bound drops the oldest).
    GET: ({ recorder }, { query }) => {
      const after = Number(query.get('after') ?? 0);
      const records = recorder.list(query.get('platform') ?? undefined);
      return json(200, { requests: after > 0 ? records.filter((record) => record.id > after) : records });
    },
    DELETE: ({ recorder }, { query }) => json(200, { cleared: recorder.clear(query.get('platform') ?? undefined) }),
  },
  '/faults': {
    GET: ({ faults }) => json(200, { faults: faults.list() }),
    POST: setFaults,
    DELETE: clearFaults,
  },
};

const platformControlPrefix = '/platforms/';

export function handleControl(context: ControlContext, request: ControlRequest): PlatformResponse {
  const resource = request.path.slice(controlBasePath.length);
  if (resource.startsWith(platformControlPrefix)) return handlePlatformControl(context, request, resource.slice(platformControlPrefix.length));
  const handlers = resources[resource];
  if (!handlers) return controlError(404, 'not_found', `no sandbox resource at ${request.path}`);
  const handler = handlers[request.method];
  if (!handler) {
    const allowed = Object.keys(handlers).join(', ');
    return { ...controlError(405, 'method_not_allowed', `${request.method} is not allowed on ${request.path}`), headers: { allow: allowed } };
  }
  return handler(context, request);
}

/** `/__sandbox/platforms/<name>[/<path>]`: the platform's own controls (see `PlatformControl`). */
function handlePlatformControl(context: ControlContext, request: ControlRequest, rest: string): PlatformResponse {
  const slash = rest.indexOf('/');
  const name = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash);
  const control = context.platforms.find((platform) => platform.name === name)?.control;
  const handlers = control?.[path];
  if (!handlers) return controlError(404, 'not_found', `no sandbox resource at ${request.path}`);
  const handler = handlers[request.method as HttpMethod];
  if (!handler) {
    return { ...controlError(405, 'method_not_allowed', `${request.method} is not allowed on ${request.path}`), headers: { allow: Object.keys(handlers).join(', ') } };
  }
  if (request.body !== null && !request.bodyIsJson) return controlError(400, 'invalid_json', 'send a JSON object (content-type: application/json)');
  return handler(request.body, request.query);
}

function setFaults(context: ControlContext, request: ControlRequest): PlatformResponse {
  if (!request.bodyIsJson) return controlError(400, 'invalid_json', 'send the fault settings as a JSON object (content-type: application/json)');
  const parsed = parseFaultSettings(request.body, context.platformNames);
  if (!parsed.ok) return controlError(422, 'invalid_faults', 'the fault settings are not valid', parsed.issues);
  return json(200, { fault: context.faults.set(parsed.settings) });
}

function clearFaults(context: ControlContext, request: ControlRequest): PlatformResponse {
  const platform = request.query.get('platform') ?? undefined;
  if (platform !== undefined && !context.platformNames.includes(platform)) {
    return controlError(422, 'unknown_platform', `platform must be one of ${context.platformNames.join(', ')}`);
  }
  context.faults.clear(platform);
  return json(200, { faults: context.faults.list() });
}

export function controlError(status: number, code: string, message: string, details?: unknown): PlatformResponse {
  return json(status, { error: details === undefined ? { code, message } : { code, message, details } });
}
