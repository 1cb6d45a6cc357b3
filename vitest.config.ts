import { defineConfig } from 'vitest/config';

/**
 * The main API and ingest paths again in server mode: each in-process Tollgate stores through its
 * own test ClickHouse server (ClickHouse's HTTP interface answered by chDB, test/helpers/clickhouse-http)
 * instead of chDB in-process, so the HTTP client, bound parameters over HTTP, 64-bit quoting and
 * ClickHouse's error answers are exercised end to end. The main paths, not every file: the whole
 * suite stays within minutes on two cores.
 */
const SERVER_MODE_FILES = [
  'test/ingest/exporters.test.ts',
  'test/ingest/poison.test.ts',
  'test/engine/slo-api.test.ts',
  'test/engine/recording.test.ts',
  'test/engine/alerts-out.test.ts',
  'test/gate/gate-api.test.ts',
  'test/api/prom-api.test.ts',
  'test/correlate/correlate-api.test.ts',
];

export default defineConfig({
  test: {
    // Prometheus, Alertmanager, Chromium and curl: found, or installed when run as root, before any file starts.
    globalSetup: ['test/setup/real-parts.ts'],
    // chDB allows one data directory per process; forks give each test file its own process.
    pool: 'forks',
    // Two files at a time: vitest's default on two cores is one, which took 555 s; most files wait on
    // sockets, child processes and timers rather than the CPU, and two took 335 s with every file
    // passing (the flood, crash-loop, stall and replica files were written to hold on a loaded machine).
    maxWorkers: 2,
    minWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'chdb', include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'server', include: SERVER_MODE_FILES, env: { TOLLGATE_TEST_STORE: 'server' } } },
    ],
  },
});
