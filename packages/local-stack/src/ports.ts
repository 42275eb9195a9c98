import { createServer } from 'node:net';
import type { Ports } from './config.ts';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Six distinct free loopback ports, for throw-away stacks (tests, type generation). */
export async function freePorts(): Promise<Ports> {
  const taken = new Set<number>();
  const next = async () => {
    let port = await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    return port;
  };
  return { api: await next(), db: await next(), console: await next(), sandbox: await next(), postgrest: await next(), functions: await next() };
}
