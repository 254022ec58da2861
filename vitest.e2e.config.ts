import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    // One Chromium at a time is plenty on a 2-core machine.
    fileParallelism: false,
    // The files share the worker's modules (as in vitest.config.ts): the app is imported once.
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});
