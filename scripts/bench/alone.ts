// One edge function's handler served by Deno.serve in a process of its own (scripts/bench/deno/
// serve-handler.ts), with the functions' env and no gateway or functions host in front: what one
// isolate of the hosted runtime does, measured beside the same function through the local stack.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { binDir, repoRoot } from '../../packages/local-stack/src/config.ts';
import { freePort } from '../../packages/local-stack/src/ports.ts';
import type { RunningStack } from '../../packages/local-stack/src/stack.ts';

/** Serves `supabase/functions/<name>/handler.ts` (or the bench's `static-redirect`) alone; resolves once it listens. */
export async function serveAlone(stack: RunningStack, name: string): Promise<{ origin: string; stop: () => void }> {
  const port = await freePort();
  const child = spawn(join(binDir, 'deno'), ['run', '--config', 'deno.json', '--allow-net', '--allow-env', '--allow-read', '--allow-sys', 'scripts/bench/deno/serve-handler.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ...stack.functionEnv, FUNCTION: name, PORT: String(port), DENO_NO_UPDATE_CHECK: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`serve-handler (${name}) exited with ${code}`)));
  });
  return { origin: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}
