// The snippet as sites get it: one minified IIFE under 3 KB gzipped, with no imports left and no
// dependency bundled in. Behaviour is covered end to end in Chromium (tests/e2e/tracking.e2e.test.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildTracker, trackerEntry } from '../src/build.ts';

describe('tracker bundle', () => {
  it('is a minified IIFE under 3 KB gzipped', async () => {
    const built = await buildTracker();
    console.log(`rastro.js: ${built.bytes} bytes minified, ${built.gzipBytes} bytes gzipped`);
    expect(built.gzipBytes).toBeLessThan(3 * 1024);
    expect(built.code).toMatch(/^("use strict";)?\(\(\)=>\{/);
    expect(built.code).not.toMatch(/\brequire\(|\bimport\s*[{(*"']/);
  });

  it('has no imports: dependency-free by construction', () => {
    expect(readFileSync(trackerEntry, 'utf8')).not.toMatch(/^\s*import\s/m);
  });
});
