// The bench's open-loop generator (scripts/bench/fixed-rate.ts, decision 0015) against a local server
// whose answers take a known time: requests arrive evenly at the asked rate whatever the server does,
// each latency covers the server's time and any wait for a connection, and autocannon at the same
// "rate" is shown to arrive in bursts (why the generator exists).
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { afterEach, describe, expect, it } from 'vitest';
import { fireAtFixedRate, quantile, reusableFor } from '../../scripts/bench/fixed-rate.ts';

type Server = { origin: string; arrivals: number[]; close: () => Promise<void> };

/** A server answering 302 after `delayFor(n)` ms for its n-th request; records arrival times (ms). */
function serve(delayFor: (n: number) => number): Promise<Server> {
  const arrivals: number[] = [];
  const server = http.createServer((_req, res) => {
    arrivals.push(performance.now());
    setTimeout(() => {
      res.writeHead(302, { location: 'https://loja.test/a', 'content-length': '0' });
      res.end();
    }, delayFor(arrivals.length));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        arrivals,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
    server.keepAliveTimeout = 30_000;
  });
}

/** Arrivals per `windowMs` window, from the first arrival to the last. */
function perWindow(arrivals: number[], windowMs: number): number[] {
  const first = arrivals[0];
  const counts: number[] = [];
  for (const at of arrivals) {
    const i = Math.floor((at - first) / windowMs);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return Array.from(counts, (n) => n ?? 0);
}

/**
 * A server on plain sockets that announces `Keep-Alive: timeout=2` and, like any server closing an idle
 * connection, loses a request that arrives on one idle for 1.2 s or more (the close and the request
 * cross: here it closes without answering). Requests arriving in a stall window wait for its end, so
 * the client opens more connections then. Counts the requests it lost.
 */
function serveClosingIdle(stalls: Array<[number, number]>): Promise<Server & { lost: () => number }> {
  const arrivals: number[] = [];
  let lost = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let idleSince = performance.now();
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        buffered = buffered.slice(end + 4);
        const now = performance.now();
        if (now - idleSince >= 1200) {
          lost++;
          socket.destroy();
          return;
        }
        arrivals.push(now);
        const at = now - arrivals[0];
        const stall = stalls.find(([from, to]) => at >= from && at < to);
        idleSince = Infinity; // busy until answered
        setTimeout(() => {
          socket.write('HTTP/1.1 302 Found\r\nlocation: https://loja.test/a\r\ncontent-length: 0\r\nkeep-alive: timeout=2\r\n\r\n');
          idleSince = performance.now();
        }, stall ? stall[1] - at : 1);
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        arrivals,
        lost: () => lost,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

let current: Server | null = null;
afterEach(async () => {
  await current?.close();
  current = null;
});

describe('fixed-rate generator', () => {
  it('quantile is the smallest value with at least q of all at or below it', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.99)).toBe(4);
    expect(quantile([5], 0.5)).toBe(5);
    expect(quantile([], 0.5)).toBe(0);
  });

  it('sends evenly at the asked rate, and each latency covers the server time', async () => {
    current = await serve(() => 5);
    const result = await fireAtFixedRate({ origin: current.origin, paths: ['/a', '/b'], rate: 200, durationSeconds: 2 });
    expect(result.sent).toBe(400);
    expect(result.answered).toBe(400);
    expect(result.statuses).toEqual({ 302: 400 });
    expect(result.errors + result.timeouts).toBe(0);
    expect(result.latenciesMs).toHaveLength(400);
    expect(result.p50).toBeGreaterThanOrEqual(5);
    expect(result.p50).toBeLessThan(50);
    // 200/s is 20 per 100 ms: every full window of the run holds about that many, never a burst.
    const windows = perWindow(current.arrivals, 100).slice(0, -1);
    expect(windows.length).toBeGreaterThanOrEqual(18);
    for (const n of windows) {
      expect(n).toBeGreaterThanOrEqual(10);
      expect(n).toBeLessThanOrEqual(30);
    }
  });

  it('keeps sending while the server stalls, and the stall shows in the latencies', async () => {
    // The 50th request takes 400 ms; a closed loop would stop sending on that connection.
    current = await serve((n) => (n === 50 ? 400 : 2));
    const result = await fireAtFixedRate({ origin: current.origin, paths: ['/a'], rate: 100, durationSeconds: 2 });
    expect(result.answered).toBe(200);
    expect(result.max).toBeGreaterThanOrEqual(400);
    const stalledAt = current.arrivals[49];
    const during = current.arrivals.filter((at) => at > stalledAt && at < stalledAt + 400).length;
    expect(during).toBeGreaterThanOrEqual(30); // ~40 due in those 400 ms
  });

  it('counts the wait for a connection when all are busy', async () => {
    // Two connections, 50 ms answers, 100 requests/s: at most 40/s can be answered, so requests
    // queue for a connection and their latency grows far past the server's 50 ms.
    current = await serve(() => 50);
    const result = await fireAtFixedRate({ origin: current.origin, paths: ['/a'], rate: 100, durationSeconds: 1, maxConnections: 2 });
    expect(result.answered).toBe(100);
    expect(result.connections).toBe(2);
    expect(result.p50).toBeGreaterThan(300);
  });

  it('counts a refused connection as an error and still finishes', async () => {
    const closed = await serve(() => 0);
    const origin = closed.origin;
    await closed.close(); // nothing listens there any more
    const result = await fireAtFixedRate({ origin, paths: ['/a'], rate: 50, durationSeconds: 0.2 });
    expect(result.sent).toBe(10);
    expect(result.answered).toBe(0);
    expect(result.errors).toBe(10);
  });

  it('reads how long a connection may be reused from Keep-Alive, less a second', () => {
    expect(reusableFor(['Connection', 'keep-alive', 'Keep-Alive', 'timeout=5'])).toBe(4000);
    expect(reusableFor(['keep-alive', 'max=100, timeout=2'])).toBe(1000);
    expect(reusableFor(['keep-alive', 'timeout=1'])).toBe(0);
    expect(reusableFor(['content-length', '0'])).toBe(4000);
  });

  it('does not send on a connection the server may be closing, so no request is lost to the close', async () => {
    // The first stall opens ~20 connections; between the stalls one or two carry the load and the rest
    // sit idle; the second stall needs ~30 again, when those have been idle past the server's limit.
    const server = await serveClosingIdle([[300, 500], [2300, 2600]]);
    current = server;
    const result = await fireAtFixedRate({ origin: server.origin, paths: ['/a'], rate: 100, durationSeconds: 3.5 });
    expect(result.connections).toBeGreaterThan(25); // the second stall needed fresh connections
    expect(server.lost()).toBe(0);
    expect(result.errors + result.timeouts).toBe(0);
    expect(result.answered).toBe(350);
  });

  it('autocannon at the same rate arrives in bursts (each connection sends its share at once)', async () => {
    current = await serve(() => 2);
    await autocannon({ url: current.origin, connections: 20, overallRate: 200, duration: 2 });
    const windows = perWindow(current.arrivals, 100);
    // Its 200 a second land in the first part of each second; later windows of the second are empty.
    expect(Math.max(...windows)).toBeGreaterThan(60);
    expect(windows.filter((n) => n === 0).length).toBeGreaterThanOrEqual(5);
  });
});
