// Entry point of `npm start`, `npm test` and `npm run bench`. Runs on whatever Node the machine has:
// installs the npm dependencies when they are missing or stale (which brings the pinned Node 22 LTS
// through the `node` package), then hands over to scripts/<command>.ts under that Node 22.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [command, ...args] = process.argv.slice(2);
const scripts = { start: 'start.ts', test: 'test.ts', bench: 'bench.ts', parity: 'parity.ts' };
if (!scripts[command]) {
  console.error(`usage: node scripts/bootstrap.mjs ${Object.keys(scripts).join('|')} [args]`);
  process.exit(2);
}

const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
const node22 = join(root, 'node_modules', '.bin', 'node');
const stale = !existsSync(installed) || !existsSync(node22) || statSync(lock).mtimeMs > statSync(installed).mtimeMs;
if (stale) {
  console.error('[rastro] installing npm dependencies (first run or package-lock.json changed)…');
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('[rastro] npm install failed; see the output above');
    process.exit(result.status ?? 1);
  }
}
if (!existsSync(node22)) {
  console.error('[rastro] node_modules/.bin/node is missing: the `node` package install script did not run. Run `npm rebuild node deno` and retry.');
  process.exit(1);
}

const binDir = join(root, 'node_modules', '.bin');
const child = spawn(node22, [join(root, 'scripts', scripts[command]), ...args], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ''}` },
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
