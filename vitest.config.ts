import { defineConfig } from 'vitest/config';

// One run covers unit tests (pure), integration tests (against the stack whose URLs scripts/test.ts
// exports: API_URL, DB_URL, ANON_KEY, SERVICE_ROLE_KEY, JWT_SECRET, CONSOLE_URL, SANDBOX_URL) and the
// Playwright end-to-end tests in tests/e2e.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'web/src/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
