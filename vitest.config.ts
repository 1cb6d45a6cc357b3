import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Prometheus, Alertmanager, Chromium and curl: found, or installed when run as root, before any file starts.
    globalSetup: ['test/setup/real-parts.ts'],
    // chDB allows one data directory per process; forks give each test file its own process.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
