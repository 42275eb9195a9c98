// The functions host's request idle timeout (Supabase: no response within 150 s → 504). Runs a host of
// its own, outside any stack, with the timeout shortened to 1 s (the host accepts only shorter values)
// and the `slow` fixture, which answers after 200 s unless stopped (or after ?ms=).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binDir, repoRoot } from '../src/config.ts';
import { freePorts } from '../src/ports.ts';

const workDir = mkdtempSync(join(tmpdir(), 'rastro-functions-idle-'));
const log = join(workDir, 'function-invocations.jsonl');
let host: ChildProcess;
let port = 0;

beforeAll(async () => {
  port = (await freePorts()).functions;
  host = spawn(join(binDir, 'deno'), ['run', '--config', join(repoRoot, 'deno.json'), '--allow-all', join(repoRoot, 'packages', 'local-stack', 'src', 'deno', 'functions-host.ts')], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DENO_NO_UPDATE_CHECK: '1',
      RASTRO_FUNCTIONS_PORT: String(port),
      RASTRO_FUNCTION_DIRS: join(repoRoot, 'packages', 'local-stack', 'test', 'fixtures', 'functions'),
      RASTRO_FUNCTIONS_CONFIG: join(repoRoot, 'deno.json'),
      RASTRO_FUNCTIONS_LOG: log,
      RASTRO_FUNCTIONS_IDLE_TIMEOUT_MS: '1000',
    },
  });
  await new Promise<void>((resolve, reject) => {
    host.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
    host.on('exit', (code) => reject(new Error(`functions host exited with ${code}`)));
  });
}, 60_000);

afterAll(() => {
  host?.kill('SIGTERM');
  rmSync(workDir, { recursive: true, force: true });
});

describe('functions host: request idle timeout', () => {
  it('answers 504 IDLE_TIMEOUT when the function has not responded in time, stops its worker and logs it', { timeout: 60_000 }, async () => {
    const res = await fetch(`http://127.0.0.1:${port}/slow?ms=200000`, { method: 'POST' });
    expect(res.status).toBe(504);
    expect(res.headers.get('sb-error-code')).toBe('IDLE_TIMEOUT');
    expect((await res.json()).code).toBe('IDLE_TIMEOUT');
    const logged = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line)).filter((line) => line.function === 'slow').pop();
    expect(logged).toMatchObject({ status: 504, limit_hit: 'idle_timeout', limits: { idle_timeout_ms: 1000 } });
    // The worker that was still waiting is gone (killed, not left running in the background).
    let alive = true;
    for (let i = 0; i < 50 && alive; i++) {
      alive = existsSync(`/proc/${logged.worker_pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${logged.worker_pid}/status`, 'utf8'));
      if (alive) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(alive).toBe(false);
  });

  it('a function that answers in time is not affected', { timeout: 60_000 }, async () => {
    const res = await fetch(`http://127.0.0.1:${port}/slow?ms=10`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ waited_ms: 10 });
  });
});

describe('functions host: concurrent requests', () => {
  it('serves requests beside each other on the function\'s one worker, as a hosted isolate does (per_worker)', { timeout: 60_000 }, async () => {
    const before = readFileSync(log, 'utf8').trim().split('\n').length;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => fetch(`http://127.0.0.1:${port}/slow?ms=600`, { method: 'POST' }).then(async (res) => [res.status, await res.json()])),
    );
    expect(answers).toEqual(Array.from({ length: 10 }, () => [200, { waited_ms: 600 }]));
    type Logged = { ts: string; wait_ms: number; wall_ms: number; worker_pid: number; status: number };
    const mine = readFileSync(log, 'utf8').trim().split('\n').slice(before).map((line) => JSON.parse(line) as Logged);
    expect(mine).toHaveLength(10);
    const pids = new Set(mine.map((m) => m.worker_pid));
    expect(pids.size).toBe(1); // a new worker only when the function has none live (or its one nears retirement)
    // Ten requests on one worker: it had several in flight at once.
    const spans = mine.map((m) => {
      const start = Date.parse(m.ts) + m.wait_ms;
      return { pid: m.worker_pid, start, end: start + m.wall_ms };
    });
    const overlapping = spans.some((a, i) => spans.some((b, j) => i !== j && a.pid === b.pid && a.start < b.end && b.start < a.end));
    expect(overlapping).toBe(true);
  });
});

describe('functions host: a worker hands over to its successor', () => {
  it('starts the successor before the worker retires, so no request after the first waits on a boot', { timeout: 90_000 }, async () => {
    const before = readFileSync(log, 'utf8').trim().split('\n').length;
    // 12 × 150 ms of CPU, one after another: past the 1 s at which a worker retires.
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/cpu-burn?ms=150`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    type Logged = { function: string; cold_start: boolean; wait_ms: number; worker_pid: number };
    const mine = readFileSync(log, 'utf8').trim().split('\n').slice(before).map((line) => JSON.parse(line) as Logged)
      .filter((m) => m.function === 'cpu-burn');
    expect(mine).toHaveLength(12);
    const pids = [...new Set(mine.map((m) => m.worker_pid))];
    expect(pids.length).toBeGreaterThanOrEqual(2); // the first worker retired and another took over
    expect(mine.slice(1).filter((m) => m.cold_start)).toEqual([]); // the successor was up before it was needed
    // The older worker serves until it retires (it wins ties), and then takes nothing more.
    const firstOfSecond = mine.findIndex((m) => m.worker_pid === pids[1]);
    expect(mine.slice(firstOfSecond).filter((m) => m.worker_pid === pids[0])).toEqual([]);
  });
});
