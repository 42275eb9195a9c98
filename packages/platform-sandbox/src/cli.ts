// Runs the platform sandbox on its own: node packages/platform-sandbox/src/cli.ts [--port 54324] [--host 127.0.0.1]
import { parseArgs } from 'node:util';
import { platformEnv, startSandbox } from './server.ts';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '54324' }, host: { type: 'string', default: '127.0.0.1' } },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`--port must be an integer from 0 to 65535, got "${values.port}"`);
  process.exit(2);
}

const sandbox = await startSandbox({ port, host: values.host, log: (message) => console.log(message) });
console.log(`platform sandbox listening on ${sandbox.url}`);
for (const [name, value] of Object.entries(platformEnv(sandbox.url))) console.log(`  ${name}=${value}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('platform sandbox did not close cleanly:', error);
        process.exit(1);
      },
    );
  });
}
