#!/usr/bin/env node
// rastro-stack: start | stop | status [-o env] | reset | env   (see packages/local-stack/README.md)
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultPorts, defaultStateDir } from './config.ts';
import { processAlive, stopOrphanCluster } from './postgres.ts';
import { freePorts } from './ports.ts';
import { formatEnv, stackEnv, startStack } from './stack.ts';

const log = (message: string) => console.error(`[stack] ${message}`);

type State = { pid: number; ports: typeof defaultPorts; startedAt: string };

function readState(stateDir: string): State | null {
  const file = join(stateDir, 'state.json');
  if (!existsSync(file)) return null;
  const state = JSON.parse(readFileSync(file, 'utf8')) as State;
  return processAlive(state.pid) ? state : null;
}

async function stop(stateDir: string): Promise<boolean> {
  const state = readState(stateDir);
  if (!state) return stopOrphanCluster(stateDir);
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + 60_000;
  while (processAlive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (processAlive(state.pid)) throw new Error(`stack (pid ${state.pid}) did not stop within 60 s`);
  return true;
}

export async function runForeground(opts: { stateDir: string; reset: boolean; withConsole: boolean; standIns?: boolean; freePorts?: boolean; onReady?: (env: ReturnType<typeof stackEnv>) => Promise<void> }): Promise<void> {
  if (readState(opts.stateDir)) throw new Error(`a stack is already running from ${opts.stateDir} (npm run stack -- stop)`);
  const ports = opts.freePorts ? await freePorts() : defaultPorts;
  const stack = await startStack({ stateDir: opts.stateDir, ports, withConsole: opts.withConsole, log, resetDatabase: opts.reset, standIns: opts.standIns });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping every service…`);
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  try {
    await opts.onReady?.(stack.env);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  log(`ready in ${(stack.timings.total / 1000).toFixed(1)} s`);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      'state-dir': { type: 'string' },
      reset: { type: 'boolean', default: false },
      'no-console': { type: 'boolean', default: false },
      'stand-ins': { type: 'boolean' },
      'free-ports': { type: 'boolean', default: false },
    },
  });
  const command = positionals[0] ?? 'status';
  const stateDir = values['state-dir'] ?? defaultStateDir;
  switch (command) {
    case 'start':
      await runForeground({
        stateDir,
        reset: values.reset ?? false,
        withConsole: !values['no-console'],
        standIns: values['stand-ins'],
        freePorts: values['free-ports'],
        onReady: async (env) => console.log(formatEnv(env)),
      });
      return;
    case 'stop':
      console.log((await stop(stateDir)) ? 'stack stopped' : 'stack was not running');
      return;
    case 'status': {
      const state = readState(stateDir);
      if (values.output === 'env') {
        if (!state) throw new Error('stack is not running (npm start)');
        console.log(formatEnv(stackEnv(stateDir, state.ports)));
        return;
      }
      console.log(state ? `running (pid ${state.pid}) since ${state.startedAt}` : 'stopped');
      if (!state) process.exitCode = 1;
      return;
    }
    case 'env':
      console.log(formatEnv(stackEnv(stateDir, readState(stateDir)?.ports ?? defaultPorts)));
      return;
    case 'reset':
      await stop(stateDir);
      rmSync(join(stateDir, 'db'), { recursive: true, force: true });
      console.log(`database removed from ${stateDir}; the next start rebuilds it`);
      return;
    default:
      throw new Error(`unknown command "${command}": use start | stop | status [-o env] | reset | env`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(`[stack] ${(error as Error).message}`);
    process.exit(1);
  });
}
