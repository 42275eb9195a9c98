import { describe, expect, it } from 'vitest';
import { compileRoute, matchRoute } from '../src/router.ts';

const handler = () => ({ status: 200, body: {} });
const routes = [
  compileRoute({ method: 'POST', path: '/{version}/{pixelId}/events', handler }),
  compileRoute({ method: 'POST', path: '/{version}/customers/{customerId}:uploadClickConversions', handler }),
  compileRoute({ method: 'GET', path: '/me', handler }),
];

describe('router', () => {
  it('captures named segments', () => {
    const match = matchRoute(routes, 'POST', '/v21.0/1234/events');
    expect(match?.route.path).toBe('/{version}/{pixelId}/events');
    expect(match?.params).toEqual({ version: 'v21.0', pixelId: '1234' });
  });

  it('captures a placeholder followed by a literal inside one segment', () => {
    const match = matchRoute(routes, 'POST', '/v20/customers/987:uploadClickConversions');
    expect(match?.params).toEqual({ version: 'v20', customerId: '987' });
  });

  it('decodes captured segments', () => {
    expect(matchRoute(routes, 'POST', '/v21.0/a%20b/events')?.params.pixelId).toBe('a b');
  });

  it('requires the method and the whole path to match', () => {
    expect(matchRoute(routes, 'GET', '/v21.0/1234/events')).toBeNull();
    expect(matchRoute(routes, 'POST', '/v21.0/1234/events/extra')).toBeNull();
    expect(matchRoute(routes, 'POST', '/v21.0//events')).toBeNull();
    expect(matchRoute(routes, 'GET', '/me')?.params).toEqual({});
  });

  it('refuses patterns that do not start with a slash', () => {
    expect(() => compileRoute({ method: 'GET', path: 'me', handler })).toThrow(/must start with/);
  });
});
