import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'actions/**/*.test.ts', 'checks/**/*.test.ts', 'test/support/**/*.test.ts'],
          // A time-out detects a hang, it does not measure speed: RSA key generation and forge
          // signing take seconds on a loaded 2-core machine (a fresh-clone run hit 5 s).
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          // Real binaries on real ports: one file at a time keeps them from competing for CPU.
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'resilience',
          include: ['test/resilience/**/*.test.ts'],
          testTimeout: 240_000,
          hookTimeout: 120_000,
          // Kills Redis and workers on purpose: one file at a time, so no test sees another's crash.
          fileParallelism: false,
        },
      },
    ],
    pool: 'forks',
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
  },
});
