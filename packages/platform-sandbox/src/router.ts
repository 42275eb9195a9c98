// Matches a request path against a platform's route patterns (see `Route` for the pattern syntax).
import type { Route } from './platform.ts';

export type CompiledRoute = Route & { pattern: RegExp; paramNames: string[] };

export type RouteMatch = { route: CompiledRoute; params: Record<string, string> };

const placeholder = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function compileRoute(route: Route): CompiledRoute {
  if (!route.path.startsWith('/')) throw new Error(`route path must start with "/": ${route.path}`);
  const paramNames: string[] = [];
  let source = '';
  let last = 0;
  for (const found of route.path.matchAll(placeholder)) {
    source += escapeRegExp(route.path.slice(last, found.index));
    source += '([^/]+)';
    paramNames.push(found[1]);
    last = found.index + found[0].length;
  }
  source += escapeRegExp(route.path.slice(last));
  return { ...route, pattern: new RegExp(`^${source}$`), paramNames };
}

export function matchRoute(routes: CompiledRoute[], method: string, path: string): RouteMatch | null {
  for (const route of routes) {
    if (route.method !== method) continue;
    const found = route.pattern.exec(path);
    if (!found) continue;
    const params: Record<string, string> = {};
    route.paramNames.forEach((name, index) => {
      params[name] = safeDecode(found[index + 1]);
    });
    return { route, params };
  }
  return null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a malformed escape stays as sent; the handler's validation reports it
  }
}
