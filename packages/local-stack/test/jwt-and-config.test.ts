import { describe, expect, it } from 'vitest';
import { deriveApiKeys, signJwt, verifyJwt } from '../src/jwt.ts';
import { parseTomlSubset, readSupabaseConfig } from '../src/config.ts';

describe('jwt', () => {
  const secret = 'a-test-secret-of-decent-length-0123456789';

  it('round-trips claims', () => {
    const token = signJwt({ sub: 'u1', role: 'authenticated', exp: 2_000_000_000 }, secret);
    expect(verifyJwt(token, secret, 1_900_000_000)).toEqual({ ok: true, claims: { sub: 'u1', role: 'authenticated', exp: 2_000_000_000 } });
  });

  it('rejects expiry, a wrong secret, tampering and garbage', () => {
    const token = signJwt({ sub: 'u1', exp: 100 }, secret);
    expect(verifyJwt(token, secret, 100)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyJwt(token, 'other-secret', 50)).toEqual({ ok: false, reason: 'bad_signature' });
    const [h, , s] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'admin', exp: 100 })).toString('base64url')}.${s}`;
    expect(verifyJwt(forged, secret, 50)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyJwt('abc', secret)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyJwt('a.b.c', secret)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses alg none', () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ role: 'service_role' })).toString('base64url');
    expect(verifyJwt(`${header}.${payload}.x`, secret)).toEqual({ ok: false, reason: 'unsupported_alg' });
  });

  it('derives anon and service_role keys from the secret', () => {
    const { anonKey, serviceRoleKey } = deriveApiKeys(secret, 1_000);
    const anon = verifyJwt(anonKey, secret, 2_000);
    const service = verifyJwt(serviceRoleKey, secret, 2_000);
    expect(anon.ok && anon.claims.role).toBe('anon');
    expect(service.ok && service.claims.role).toBe('service_role');
  });
});

describe('config.toml subset', () => {
  it('parses sections, strings with #, numbers, booleans and arrays', () => {
    const parsed = parseTomlSubset('a = "x # y" # comment\n[s.t]\nn = 3\nb = false\nl = ["p", "q"]\n');
    expect(parsed).toEqual({ '': { a: 'x # y' }, 's.t': { n: 3, b: false, l: ['p', 'q'] } });
  });

  it('reports the line of what it cannot parse', () => {
    expect(() => parseTomlSubset('[ok]\nthis is not toml\n')).toThrow(/line 2/);
  });

  it('reads the project config: exposed schemas and the access token hook', () => {
    const config = readSupabaseConfig();
    expect(config.apiSchemas).toEqual(['public', 'core', 'core_marketing', 'mtrk', 'lead', 'ops', 'analytics']);
    expect(config.accessTokenHook).toEqual({ enabled: true, schema: 'public', name: 'custom_access_token_hook' });
  });
});
