/**
 * @module config
 * Reads the environment once, validates it, and gives the rest of Tollgate a typed `Config`.
 * Nothing else reads `process.env`. Defaults make `npm start` work with no setup.
 */
import { isIP } from 'node:net';
import path from 'node:path';

export interface Config {
  httpPort: number;
  otlpHttpPort: number;
  otlpGrpcPort: number;
  listenHost: string;
  dataDir: string;
  sloDir: string;
  clickhouse: ClickHouseTarget;
  /** @default 16 MiB: the OTLP body limit, on the wire and after gzip inflation. */
  maxBodyBytes: number;
  /**
   * @default 64 MiB: what exports may hold between receipt and acknowledgement (body bytes, and the
   * insert text of their rows) before OTLP/HTTP is answered 429.
   */
  ingestSoftLimitBytes: number;
  /** @default twice the soft limit: above this patient retries and gRPC are refused too; the JS gRPC exporter does not retry, so gRPC gets the larger share. */
  ingestHardLimitBytes: number;
  /** @default 2_500: the longest an admitted OTLP/HTTP export may expect to wait for its answer; past it, 429 at once. */
  ingestMaxWaitMs: number;
  /** @default 10_000: how long a request body (or gRPC message) may take to arrive; a stalled one is answered 408 and let go. */
  ingestReadTimeoutMs: number;
  grpcMaxMessageBytes: number;
  batchMaxRows: number;
  batchMaxDelayMs: number;
  tokensFile: string | undefined;
  tokensInline: string | undefined;
  logLevel: string;
  /** How often every SLO is evaluated for alerts; API calls evaluate on demand regardless. */
  evaluationIntervalMs: number;
  /** Bytes of old recorded minutes kept between series queries (engine/old-minutes.ts). */
  seriesCacheBytes: number;
  /** Where alerts go (Alertmanager's base URL); unset: alerts are only served at /api/v1/alerts. */
  alertmanagerUrl: string | undefined;
  /** How Tollgate's pages are reached, for links in alerts and gate answers. */
  publicUrl: string;
  /** When set, Tollgate traces itself and exports over OTLP/gRPC (the standard OTel variable). */
  selfTracingEndpoint: string | undefined;
  /** @default 15_000: how often Tollgate writes its own /metrics into its metric tables (service `tollgate`); 0: never. */
  selfScrapeIntervalMs: number;
  /** @default 2: PromQL evaluations at once, each on its own worker thread. */
  queryWorkers: number;
  /** @default 30_000: the timeout of a PromQL query that does not ask for one (at most 120 s when asked). */
  queryTimeoutMs: number;
  /** @default 5_000: how often the SLO engine re-reads recent minutes from the store and records them. */
  recordIntervalMs: number;
  /** How long each kind of data is kept (TTLs); recorded SLO minutes outlive the raw signals. */
  retention: RetentionConfig;
  /**
   * @default 15_000: the evaluator lease among replicas on one ClickHouse (lease/): renewed every third
   * of it, taken over by another replica within two of it when its holder dies.
   */
  leaseMs: number;
  /** This process's name as lease holder; undefined: host, pid and random bytes. */
  instanceId: string | undefined;
  /**
   * @default 5_000: on a ClickHouse server, an insert not done within this (waiting included) is given up and its
   * exports answered 503 / UNAVAILABLE, before the OTel exporters' own 10 s timeout.
   */
  insertTimeoutMs: number;
  /** @default 30_000: how long a ClickHouse server may take to answer any other request. */
  storeTimeoutMs: number;
}

export interface RetentionConfig {
  tracesSeconds: number;
  logsSeconds: number;
  metricsSeconds: number;
  /** The minute span rollup: how far back a new or changed SLO can be recorded from it. */
  rollupSeconds: number;
  /** The hourly span rollup and the recorded SLO minutes: SLO history. */
  historySeconds: number;
}

export type ClickHouseTarget =
  | { kind: 'embedded'; path: string }
  | { kind: 'server'; url: string; username: string; password: string; database: string; cluster: string | undefined };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const MIB = 1024 * 1024;
const DAY = 86_400;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env, cwd: string = process.cwd()): Config {
  const dataDir = path.resolve(cwd, stringVar(env, 'TOLLGATE_DATA_DIR', './data'));
  const maxBodyBytes = intVar(env, 'TOLLGATE_MAX_BODY_BYTES', 16 * MIB, 1024, 1024 * MIB);
  // 64 MiB of decoded cost: with V8's heap at most twice what is live (server.ts), a full budget
  // still leaves the process under 1 GiB beside chDB's ~0.4 GiB.
  const ingestSoftLimitBytes = intVar(env, 'TOLLGATE_INGEST_SOFT_LIMIT_BYTES', 64 * MIB, MIB, 16 * 1024 * MIB);
  const config: Config = {
    httpPort: portVar(env, 'TOLLGATE_HTTP_PORT', 8080),
    otlpHttpPort: portVar(env, 'TOLLGATE_OTLP_HTTP_PORT', 4318),
    otlpGrpcPort: portVar(env, 'TOLLGATE_OTLP_GRPC_PORT', 4317),
    listenHost: hostVar(env, 'TOLLGATE_LISTEN_HOST', '127.0.0.1'),
    dataDir,
    sloDir: path.resolve(cwd, stringVar(env, 'TOLLGATE_SLO_DIR', './slo-definitions')),
    clickhouse: clickhouseTarget(env, dataDir),
    maxBodyBytes,
    ingestSoftLimitBytes,
    ingestHardLimitBytes: intVar(env, 'TOLLGATE_INGEST_HARD_LIMIT_BYTES', ingestSoftLimitBytes * 2, ingestSoftLimitBytes, 32 * 1024 * MIB),
    ingestMaxWaitMs: intVar(env, 'TOLLGATE_INGEST_MAX_WAIT_MS', 2_500, 100, 60_000),
    ingestReadTimeoutMs: intVar(env, 'TOLLGATE_INGEST_READ_TIMEOUT_MS', 10_000, 100, 600_000),
    grpcMaxMessageBytes: intVar(env, 'TOLLGATE_GRPC_MAX_MESSAGE_BYTES', maxBodyBytes, 1024, 1024 * MIB),
    batchMaxRows: intVar(env, 'TOLLGATE_BATCH_MAX_ROWS', 10_000, 1, 1_000_000),
    batchMaxDelayMs: intVar(env, 'TOLLGATE_BATCH_MAX_DELAY_MS', 200, 0, 60_000),
    tokensFile: optionalVar(env, 'TOLLGATE_TOKENS_FILE'),
    tokensInline: optionalVar(env, 'TOLLGATE_TOKENS'),
    logLevel: enumVar(env, 'TOLLGATE_LOG_LEVEL', 'info', LOG_LEVELS),
    evaluationIntervalMs: intVar(env, 'TOLLGATE_EVALUATION_INTERVAL_MS', 30_000, 100, 3_600_000),
    seriesCacheBytes: intVar(env, 'TOLLGATE_SERIES_CACHE_MB', 128, 0, 65_536) * 1024 * 1024,
    alertmanagerUrl: urlVar(env, 'TOLLGATE_ALERTMANAGER_URL'),
    publicUrl: urlVar(env, 'TOLLGATE_PUBLIC_URL') ?? `http://localhost:${env['TOLLGATE_HTTP_PORT'] ?? '8080'}`,
    selfTracingEndpoint: optionalVar(env, 'OTEL_EXPORTER_OTLP_ENDPOINT'),
    selfScrapeIntervalMs: intVar(env, 'TOLLGATE_SELF_SCRAPE_INTERVAL_MS', 15_000, 0, 3_600_000),
    queryWorkers: intVar(env, 'TOLLGATE_QUERY_WORKERS', 2, 1, 64),
    queryTimeoutMs: intVar(env, 'TOLLGATE_QUERY_TIMEOUT_MS', 30_000, 100, 120_000),
    recordIntervalMs: intVar(env, 'TOLLGATE_RECORD_INTERVAL_MS', 5_000, 100, 600_000),
    retention: {
      tracesSeconds: intVar(env, 'TOLLGATE_RETENTION_TRACES', 7, 1, 3_650) * DAY,
      logsSeconds: intVar(env, 'TOLLGATE_RETENTION_LOGS', 7, 1, 3_650) * DAY,
      metricsSeconds: intVar(env, 'TOLLGATE_RETENTION_METRICS', 7, 1, 3_650) * DAY,
      rollupSeconds: intVar(env, 'TOLLGATE_RETENTION_ROLLUPS', 35, 1, 3_650) * DAY,
      historySeconds: intVar(env, 'TOLLGATE_RETENTION_SLO_HISTORY', 400, 1, 3_650) * DAY,
    },
    leaseMs: intVar(env, 'TOLLGATE_LEASE_SECONDS', 15, 1, 600) * 1000,
    instanceId: instanceIdVar(env, 'TOLLGATE_INSTANCE_ID'),
    insertTimeoutMs: intVar(env, 'TOLLGATE_INSERT_TIMEOUT_MS', 5_000, 100, 600_000),
    storeTimeoutMs: intVar(env, 'TOLLGATE_STORE_TIMEOUT_MS', 30_000, 1_000, 600_000),
  };
  return config;
}

function clickhouseTarget(env: Env, dataDir: string): ClickHouseTarget {
  const url = optionalVar(env, 'CLICKHOUSE_URL');
  const cluster = optionalVar(env, 'TOLLGATE_CLICKHOUSE_CLUSTER');
  if (url === undefined) {
    if (cluster !== undefined) {
      throw new ConfigError(`TOLLGATE_CLICKHOUSE_CLUSTER=${cluster}: a cluster needs CLICKHOUSE_URL (the embedded store is one machine)`);
    }
    return { kind: 'embedded', path: path.join(dataDir, 'clickhouse') };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`CLICKHOUSE_URL=${redactUrl(url)}: expected an http(s) URL such as http://localhost:8123`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`CLICKHOUSE_URL=${redactUrl(url)}: expected an http:// or https:// URL (ClickHouse's HTTP interface)`);
  }
  const database = stringVar(env, 'CLICKHOUSE_DATABASE', 'default');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    throw new ConfigError(`CLICKHOUSE_DATABASE=${database}: expected an identifier (letters, digits, underscore)`);
  }
  if (cluster !== undefined && !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(cluster)) {
    throw new ConfigError(`TOLLGATE_CLICKHOUSE_CLUSTER=${cluster}: expected a cluster name (letters, digits, underscore, dash)`);
  }
  return {
    kind: 'server',
    url,
    username: stringVar(env, 'CLICKHOUSE_USER', 'default'),
    password: env['CLICKHOUSE_PASSWORD'] ?? '',
    database,
    cluster,
  };
}

/** A lease holder id: shown in /healthz and as a metric label, so short and plain. */
function instanceIdVar(env: Env, name: string): string | undefined {
  const raw = optionalVar(env, name);
  if (raw !== undefined && !/^[A-Za-z0-9_.:-]{1,128}$/.test(raw)) {
    throw new ConfigError(`${name}=${raw}: expected up to 128 letters, digits, '_', '.', ':' or '-'`);
  }
  return raw;
}

/** Credentials never reach a log line or an error message. */
function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

function urlVar(env: Env, name: string): string | undefined {
  const raw = optionalVar(env, name);
  if (raw === undefined) return undefined;
  try {
    const u = new URL(raw);
    if (u.protocol === 'http:' || u.protocol === 'https:') return raw.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  throw new ConfigError(`${name}=${redactUrl(raw)}: expected an http:// or https:// URL`);
}

function optionalVar(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function stringVar(env: Env, name: string, fallback: string): string {
  return optionalVar(env, name) ?? fallback;
}

function intVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optionalVar(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name}=${raw}: expected a whole number from ${min} to ${max}`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name}=${raw}: expected a whole number from ${min} to ${max}`);
  return n;
}

function portVar(env: Env, name: string, fallback: number): number {
  const raw = optionalVar(env, name);
  if (raw === undefined) return fallback;
  // Port 0 asks the OS for a free port; tests use it.
  if (!/^\d+$/.test(raw) || Number(raw) > 65_535) throw new ConfigError(`${name}=${raw}: expected a port number from 0 to 65535`);
  return Number(raw);
}

function hostVar(env: Env, name: string, fallback: string): string {
  const raw = stringVar(env, name, fallback);
  if (isIP(raw) === 0 && raw !== 'localhost' && !/^[A-Za-z0-9.-]+$/.test(raw)) {
    throw new ConfigError(`${name}=${raw}: expected an IP address or host name`);
  }
  return raw;
}

function enumVar(env: Env, name: string, fallback: string, allowed: readonly string[]): string {
  const raw = stringVar(env, name, fallback);
  if (!allowed.includes(raw)) throw new ConfigError(`${name}=${raw}: expected one of ${allowed.join(', ')}`);
  return raw;
}

/** Loopback addresses are the only ones Tollgate may listen on without tokens. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
