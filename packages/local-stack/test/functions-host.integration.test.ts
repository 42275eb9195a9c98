// The functions host behaves as Supabase's edge runtime does: it runs index.ts (not handler.ts), stops
// a request over 2 s of CPU or 256 MB of memory with 546 WORKER_LIMIT, and logs every invocation.
// Runs against the stack scripts/test.ts boots, with the fixture functions in test/fixtures/functions.
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';

const env = {
  api: process.env.API_URL ?? '',
  anon: process.env.ANON_KEY ?? '',
  log: process.env.FUNCTION_INVOCATION_LOG ?? '',
};
const hasStack = env.api !== '' && env.log !== '';

type Invocation = {
  function: string;
  path: string;
  status: number;
  wall_ms: number;
  cpu_ms: number;
  peak_mb: number;
  limit_hit: string | null;
  limits: { cpu_ms: number; memory_mb: number; idle_timeout_ms: number };
};

function call(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${env.api}/functions/v1/${path}`, { method: 'POST', ...init, headers: { authorization: `Bearer ${env.anon}`, ...init.headers } });
}

/** The last logged invocation of a function (the host writes the line before it answers). */
function lastInvocation(name: string): Invocation {
  const lines = readFileSync(env.log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Invocation);
  const mine = lines.filter((line) => line.function === name);
  expect(mine.length, `no invocation of ${name} in ${env.log}`).toBeGreaterThan(0);
  return mine[mine.length - 1];
}

describe.skipIf(!hasStack)('functions host: Supabase edge runtime parity', () => {
  it('runs the function through index.ts, never by importing handler.ts', async () => {
    const res = await call('entry-point/x');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ran: 'index.ts', path: '/entry-point/x' });
  });

  it('runs functions on the Deno release Supabase\'s edge runtime is built on (2.1), not the tools\' Deno', async () => {
    const res = await call('entry-point/version');
    expect((await res.json()).deno).toMatch(/^2\.1\./);
  });

  it('a function that answers 413 before reading a big body: the caller, still writing, gets the 413 every time', { timeout: 180_000 }, async () => {
    // A caller that streams its body (Node's http client, 16 KiB per write) while the function answers
    // from the declared length. Each local hop (gateway, host, worker) must read the rest of the body
    // and keep the answer, as Supabase's gateway does; a connection closed mid-body loses the answer
    // (a broken pipe at the caller, or 502/500 from the hop in front).
    const url = new URL(`${env.api}/functions/v1/early-answer`);
    const send = (size: number) =>
      new Promise<string>((resolve) => {
        const req = httpRequest({
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: url.pathname,
          headers: { authorization: `Bearer ${env.anon}`, 'content-type': 'text/plain', 'content-length': size },
        }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve(`${res.statusCode} ${text}`));
        });
        req.on('error', (error) => resolve(`error ${error.message}`));
        const chunk = Buffer.alloc(16_384, 120);
        let left = size;
        const pump = () => {
          while (left > 0) {
            const piece = chunk.subarray(0, Math.min(left, chunk.length));
            left -= piece.length;
            if (!req.write(piece)) return void req.once('drain', pump);
          }
          req.end();
        };
        pump();
      });
    const wrong: string[] = [];
    for (let i = 0; i < 300; i++) {
      const got = await send(70_000 + ((i * 7_919) % 200_000));
      if (!got.startsWith('413 ') || !got.includes('payload_too_large')) wrong.push(`#${i}: ${got.slice(0, 160)}`);
    }
    expect(wrong).toEqual([]);
    expect(await send(10)).toBe('200 {"read":10}');
  });

  it('stops a request that burns more than 2 s of CPU: 546 WORKER_LIMIT, and the log says cpu', { timeout: 120_000 }, async () => {
    // Busy for up to 60 s of wall time: on a loaded machine 2 s of the isolate's CPU take far longer than 2 s.
    const res = await call('cpu-burn?ms=60000');
    expect(res.status).toBe(546);
    expect(res.headers.get('sb-error-code')).toBe('WORKER_LIMIT');
    expect(await res.json()).toEqual({ code: 'WORKER_LIMIT', message: 'Function failed due to not having enough compute resources (please check logs)' });
    const logged = lastInvocation('cpu-burn');
    expect(logged).toMatchObject({ status: 546, limit_hit: 'cpu' });
    expect(logged.cpu_ms).toBeGreaterThanOrEqual(logged.limits.cpu_ms - 1000); // killed once the isolate's 2 s were gone
  });

  it('stops a request that holds more than 256 MB: 546 WORKER_LIMIT, and the log says memory', { timeout: 120_000 }, async () => {
    const res = await call('memory-hog?mb=400');
    expect(res.status).toBe(546);
    expect((await res.json()).code).toBe('WORKER_LIMIT');
    const logged = lastInvocation('memory-hog');
    expect(logged).toMatchObject({ status: 546, limit_hit: 'memory' });
    expect(logged.peak_mb).toBeGreaterThan(256);
  });

  it('serves the same functions again after a kill, within the limits', { timeout: 120_000 }, async () => {
    const burn = await call('cpu-burn?ms=50');
    expect(burn.status).toBe(200);
    expect(lastInvocation('cpu-burn')).toMatchObject({ status: 200, limit_hit: null });
    const hog = await call('memory-hog?mb=20');
    expect(await hog.json()).toEqual({ allocated_mb: 20 });
    expect(lastInvocation('memory-hog')).toMatchObject({ status: 200, limit_hit: null });
  });

  it('a function that fails while loading → 500 function_boot_error', { timeout: 60_000 }, async () => {
    const res = await call('boot-error');
    expect(res.status).toBe(500);
    expect((await res.json()).error.code).toBe('function_boot_error');
  });

  it('logs each invocation as one JSON line: function, path without query, status, wall, CPU, peak memory, limits; no credentials', async () => {
    const res = await call('echo/logged?token=secret-value', { body: 'hi' });
    expect(res.status).toBe(200);
    const logged = lastInvocation('echo');
    expect(logged).toMatchObject({ function: 'echo', path: '/echo/logged', status: 200, limit_hit: null, limits: { cpu_ms: 2000, memory_mb: 256, idle_timeout_ms: 150000 } });
    expect(logged.wall_ms).toBeGreaterThanOrEqual(0);
    expect(logged.cpu_ms).toBeGreaterThanOrEqual(0);
    expect(logged.peak_mb).toBeGreaterThan(0);
    expect(logged.peak_mb).toBeLessThan(256);
    expect(existsSync(env.log)).toBe(true);
    const text = readFileSync(env.log, 'utf8');
    expect(text).not.toContain(env.anon);
    expect(text).not.toContain('secret-value');
  });
});
