import { defineConfig } from 'vitest/config';

// Unit tests live beside the code (src/**/x.test.ts); real-socket integration tests in test/.
// test/global-setup.ts installs or detects the Debian tools (dig, kdig…) once per run.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
    // child processes, not worker threads: each file gets its own sockets and event loop
    pool: 'forks',
    fileParallelism: true,
    // the CI machine has 2 cores
    minWorkers: 1,
    maxWorkers: 2,
  },
});
