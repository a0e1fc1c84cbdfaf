import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside the code, and integration/e2e tests that need the
// real Kafka broker and ClickHouse server (the global setup finds or starts them).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'services/*/src/**/*.test.ts',
            'rules/**/*.test.ts',
            'test/deploy/**/*.test.ts',
          ],
          environment: 'node',
          // property tests run thousands of cases: give them room on a busy 2-core machine
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/deploy/**', '**/node_modules/**'],
          environment: 'node',
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
