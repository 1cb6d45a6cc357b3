/**
 * Configuration is read once from the environment: defaults that make `npm start` work, and one
 * clear line naming the variable for anything invalid.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { spawnTollgate, tempDir, testEnv } from '../helpers/tollgate.js';

describe('loadConfig', () => {
  it('defaults to the standard ports, loopback and the embedded store under ./data', () => {
    const c = loadConfig({}, '/srv/tollgate');
    expect(c).toMatchObject({
      httpPort: 8080,
      otlpHttpPort: 4318,
      otlpGrpcPort: 4317,
      listenHost: '127.0.0.1',
      dataDir: '/srv/tollgate/data',
      sloDir: '/srv/tollgate/slo-definitions',
      clickhouse: { kind: 'embedded', path: path.join('/srv/tollgate/data', 'clickhouse') },
      maxBodyBytes: 16 * 1024 * 1024,
    });
  });

  it('talks to a ClickHouse server when CLICKHOUSE_URL is set', () => {
    const c = loadConfig({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_USER: 'tg', CLICKHOUSE_PASSWORD: 'pw', CLICKHOUSE_DATABASE: 'otel', TOLLGATE_CLICKHOUSE_CLUSTER: 'prod' });
    expect(c.clickhouse).toEqual({ kind: 'server', url: 'http://ch:8123', username: 'tg', password: 'pw', database: 'otel', cluster: 'prod' });
  });

  it.each([
    [{ TOLLGATE_HTTP_PORT: 'abc' }, 'TOLLGATE_HTTP_PORT=abc: expected a port number from 0 to 65535'],
    [{ TOLLGATE_OTLP_GRPC_PORT: '70000' }, 'TOLLGATE_OTLP_GRPC_PORT=70000: expected a port number from 0 to 65535'],
    [{ TOLLGATE_MAX_BODY_BYTES: '-5' }, 'TOLLGATE_MAX_BODY_BYTES=-5: expected a whole number from 1024 to 1073741824'],
    [{ CLICKHOUSE_URL: 'not a url' }, 'CLICKHOUSE_URL=not a url: expected an http(s) URL such as http://localhost:8123'],
    [{ CLICKHOUSE_URL: 'tcp://ch:9000' }, "CLICKHOUSE_URL=tcp://ch:9000: expected an http:// or https:// URL (ClickHouse's HTTP interface)"],
    [{ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_DATABASE: 'x; DROP' }, 'CLICKHOUSE_DATABASE=x; DROP: expected an identifier (letters, digits, underscore)'],
    [{ TOLLGATE_CLICKHOUSE_CLUSTER: 'prod' }, 'TOLLGATE_CLICKHOUSE_CLUSTER=prod: a cluster needs CLICKHOUSE_URL (the embedded store is one machine)'],
    [{ TOLLGATE_LOG_LEVEL: 'loud' }, 'TOLLGATE_LOG_LEVEL=loud: expected one of fatal, error, warn, info, debug, trace, silent'],
  ])('rejects %o with "%s"', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never shows a password from CLICKHOUSE_URL in an error', () => {
    expect(() => loadConfig({ CLICKHOUSE_URL: 'ftp://admin:hunter2@ch' })).toThrow('CLICKHOUSE_URL=ftp://***@ch');
  });
});

describe('start-up with an invalid variable', () => {
  it('stops with exit code 2 and one line naming the variable', async () => {
    const dataDir = tempDir();
    try {
      const failure = spawnTollgate(testEnv(dataDir, { TOLLGATE_HTTP_PORT: 'eighty' }));
      await expect(failure).rejects.toThrow(/exited \(code 2, signal null\) before listening:\ntollgate: TOLLGATE_HTTP_PORT=eighty: expected a port number from 0 to 65535\n$/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('health with a missing SLO directory', () => {
  it('answers 503 and names the failed check', async () => {
    const dataDir = tempDir();
    const tg = await spawnTollgate(testEnv(dataDir, { TOLLGATE_SLO_DIR: '/nonexistent/slo-definitions' }));
    try {
      const res = await fetch(`http://127.0.0.1:${tg.ports.http}/healthz`);
      expect(res.status).toBe(503);
      // The lease is held all the same (the process still writes its own metrics).
      expect(await res.json()).toEqual({
        status: 'unavailable', checks: { store: true, schema: true, slo_directory: false },
        lease: expect.objectContaining({ role: 'holder', is_holder: true }),
      });
    } finally {
      tg.child.kill('SIGKILL');
      await tg.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
