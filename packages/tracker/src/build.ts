// Bundles and minifies the snippet with esbuild into one IIFE and reports its gzipped size
// (`node packages/tracker/src/build.ts` prints it; the local stack serves the result at
// /tracker/v1/rastro.js and tests load the same bytes).
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const trackerEntry = fileURLToPath(new URL('./rastro.ts', import.meta.url));

export type BuiltTracker = { code: string; bytes: number; gzipBytes: number };

export async function buildTracker(): Promise<BuiltTracker> {
  const result = await build({
    entryPoints: [trackerEntry],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020'],
    write: false,
    legalComments: 'none',
  });
  const code = result.outputFiles[0].text;
  return { code, bytes: Buffer.byteLength(code), gzipBytes: gzipSync(code, { level: 9 }).length };
}

let cached: Promise<BuiltTracker> | null = null;
/** Built once per process. */
export function trackerBundle(): Promise<BuiltTracker> {
  cached ??= buildTracker();
  return cached;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const built = await buildTracker();
  console.log(`rastro.js: ${built.bytes} bytes minified, ${built.gzipBytes} bytes gzipped`);
}
