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

/** Whether something already listens on the loopback port (a listen attempt fails with EADDRINUSE). */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(true) : reject(error)));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

/**
 * Refuses to start a stack on ports another process holds: without this check the readiness probes
 * would happily talk to that other stack's services (its Postgres would get our migrations).
 */
export async function assertPortsFree(ports: Ports): Promise<void> {
  const taken: string[] = [];
  for (const [name, port] of Object.entries(ports)) {
    if (await portTaken(port)) taken.push(`${name} ${port}`);
  }
  if (taken.length > 0) {
    throw new Error(
      `ports already in use: ${taken.join(', ')} — another stack (or program) is running; stop it, or start this one with --free-ports`,
    );
  }
}
