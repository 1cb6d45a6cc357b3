/**
 * @module server
 * Wires config → store → ingest → api and owns the listeners. `startTollgate` is what `main.ts`
 * runs and what in-process tests start on port 0; `stop()` is the graceful shutdown:
 * stop accepting, finish and acknowledge what is in flight, flush, close the store.
 */
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { serve, type ServerType } from '@hono/node-server';
import type { Logger } from 'pino';
import { createApiApp } from './api/index.js';
import { requireScope } from './api/auth.js';
import { createSloRoutes } from './api/slo-routes.js';
import { createGateRoutes } from './api/gate-routes.js';
import { createCorrelateRoutes } from './api/correlate-routes.js';
import { createUiRoutes } from './api/ui-routes.js';
import { createBacktestRoutes } from './api/backtest-routes.js';
import { createBacktestService } from './backtest/index.js';
import { createPromRoutes } from './api/prom-routes.js';
import { createSeriesCatalog } from './series/index.js';
import { createQueryRunner } from './query/index.js';
import { createAlertmanagerNotifier, createAlertRoutes, toAlertmanagerAlerts } from './alerts/index.js';
import { createSloEngine, openSloRegistry, type LiveTally, type SloEngine, type SloRegistry } from './engine/index.js';
import { causesForAMinute, createDecisionLog, createGateService, topCauses, type DecisionLog } from './gate/index.js';
import { alertInstances } from './slo/evaluate/index.js';
import { loadTokens } from './auth/index.js';
import { isLoopbackHost, type Config } from './config/index.js';
import { type Signal, createIngestBudget, createIngestPipeline, createOtlpGrpcServer, createOtlpHttpApp } from './ingest/index.js';
import { classifyInsertError, createBatchWriter, openStore, rowErrorReason, type RowBatch, type Store } from './store/index.js';
import { createTollgateMetrics, startSelfScrape } from './telemetry/index.js';
import { VERSION } from './version.js';

export interface RunningTollgate {
  ports: { http: number; otlpHttp: number; otlpGrpc: number };
  store: Store;
  /** The SLO directory as loaded (undefined when it could not be read at start). */
  slos: SloRegistry | undefined;
  engine: SloEngine | undefined;
  stop(): Promise<void>;
}

export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export async function startTollgate(config: Config, log: Logger): Promise<RunningTollgate> {
  const tokens = loadTokens({ file: config.tokensFile, inline: config.tokensInline });
  if (!tokens.enabled && !isLoopbackHost(config.listenHost)) {
    throw new StartupError(
      `TOLLGATE_LISTEN_HOST=${config.listenHost}: refusing to listen beyond loopback without tokens; set TOLLGATE_TOKENS_FILE (see README, Tokens)`,
    );
  }
  if (!tokens.enabled) log.warn({ listenHost: config.listenHost }, 'no tokens configured: listening on loopback only, every request allowed');

  const metrics = createTollgateMetrics();
  const { store, migrations, retention } = await openStore(config.clickhouse, metrics.observeStatement, config.retention);
  log.info({ store: store.kind, database: store.database, applied: migrations.applied, drifted: migrations.drifted }, 'store open, schema applied');
  for (const r of retention) log.info({ table: r.table, from: r.from || 'none', to: r.to }, 'retention changed');
  if (migrations.drifted.length > 0) log.warn({ versions: migrations.drifted }, 'applied migrations differ from this build (edited after release); not re-run');

  const storeLog = log.child({ module: 'store' });
  const writer = createBatchWriter({
    insert: (b) => store.insertEncoded(b.table, b.columns, b.chunks),
    classify: classifyInsertError,
    reasonOf: rowErrorReason,
    maxRows: config.batchMaxRows,
    maxDelayMs: config.batchMaxDelayMs,
    onInsert: (o) => {
      metrics.observeInsert(o);
      if (o.error !== undefined) storeLog.error({ table: o.table, rows: o.rows, err: o.error }, 'insert failed; exports answered retryable');
    },
  });
  const budget = createIngestBudget({ softLimitBytes: config.ingestSoftLimitBytes, hardLimitBytes: config.ingestHardLimitBytes });
  // The SLO engine counts what is stored into its recorded minutes as it is acknowledged (set once it exists).
  let tally: ((signal: Signal, batches: readonly RowBatch[]) => LiveTally | undefined) | undefined;
  const pipeline = createIngestPipeline({ writer, observer: metrics.ingest, tally: (signal, batches) => tally?.(signal, batches) });
  metrics.watchQueues({ ingestBytesInUse: budget.inUseBytes, pendingRows: writer.pendingRows, statementQueue: () => store.queueDepth() });
  // Tollgate's own /metrics into its metric tables, so its API answers PromQL about itself.
  const selfScrape = startSelfScrape({ registry: metrics.registry, writer, intervalMs: config.selfScrapeIntervalMs, serviceVersion: VERSION, log: log.child({ module: 'self-scrape' }) });

  // PromQL evaluation for the Prometheus API and PromQL SLIs, on worker threads under each query's deadline.
  const queries = createQueryRunner({ workers: config.queryWorkers, defaultTimeoutMs: config.queryTimeoutMs });
  const sloLog = log.child({ module: 'slo' });
  let slos: SloRegistry | undefined;
  let engine: SloEngine | undefined;
  let decisions: DecisionLog | undefined;
  try {
    slos = await openSloRegistry({ dir: config.sloDir, log: sloLog });
    const alertLog = log.child({ module: 'alerts' });
    const notifier = config.alertmanagerUrl === undefined ? undefined : createAlertmanagerNotifier({ url: config.alertmanagerUrl, log: alertLog });
    engine = await createSloEngine({
      store,
      registry: slos,
      // Sloth and OpenSLO SLIs read the applications' metrics and the span-derived series, never the SLO series.
      promql: { runner: queries, source: createSeriesCatalog({ store, registry: undefined, engine: undefined }) },
      log: log.child({ module: 'engine' }),
      retention: config.retention,
      recordIntervalMs: config.recordIntervalMs,
      evaluationIntervalMs: config.evaluationIntervalMs,
      onLate: (events, foundBy) => metrics.observeLateEvents(events, foundBy),
      // Firing alerts are resent on every evaluation (Alertmanager expires them otherwise);
      // a resolved one is sent once with endsAt = now.
      onEvaluated: async (changed, evaluated) => {
        if (notifier === undefined) return;
        const justResolved = new Set(changed.filter((s) => s.transition === 'resolved').map((s) => s.key));
        const alerts = toAlertmanagerAlerts(alertInstances(evaluated), {
          nowMs: Date.now(),
          resendIntervalMs: config.evaluationIntervalMs,
          tollgateUrl: config.publicUrl,
          justResolved,
        });
        if (alerts.length > 0) await notifier.send(alerts);
      },
    });
    const running = engine;
    tally = (signal, batches) => running.tally(signal, batches);
    metrics.watchRecordedMinutes(() => running.memoryBytes());
    await engine.recordNow();
    decisions = createDecisionLog({ store, log: log.child({ module: 'gate' }) });
    await decisions.start();
  } catch (e) {
    sloLog.error({ sloDir: config.sloDir, err: e }, 'cannot read the SLO directory');
  }

  const api = createApiApp({
    registry: metrics.registry,
    health: { checks: async () => ({ store: await store.ping(), schema: true, slo_directory: slos !== undefined }) },
  });
  if (slos !== undefined && engine !== undefined) {
    api.use('/v1/slos/*', requireScope(tokens, 'read', 'gate'));
    api.use('/v1/slos', requireScope(tokens, 'read', 'gate'));
    api.route('/', createSloRoutes({ engine, registry: slos }));
    const evaluated = engine;
    api.use('/api/v1/alerts', requireScope(tokens, 'read', 'gate'));
    api.use('/api/v1/rules', requireScope(tokens, 'read', 'gate'));
    api.route('/', createAlertRoutes(() => evaluated.latest().flatMap(alertInstances), {
      intervalSeconds: config.evaluationIntervalMs / 1000,
      lastEvaluationMs: () => Math.max(0, ...evaluated.latest().map((e) => e.status.evaluatedAtMs)) || null,
      log: log.child({ module: 'alerts' }),
    }));
    const registry = slos;
    const decisionLog = decisions!; // created with the engine
    const causes = causesForAMinute((configHash, ranIn) => topCauses(store, configHash, ranIn));
    const gate = createGateService({
      definitions: () => registry.current(),
      sources: {
        reader: engine.reader,
        causes: (request, _slos, ranIn) => causes(request.configHash, ranIn),
        overrides: (request, nowMs) => decisionLog.validOverrides(request.app, request.environment, nowMs),
      },
      decisions: decisionLog,
      publicUrl: config.publicUrl,
    });
    api.route('/', createGateRoutes({ gate, decisions: decisionLog, tokens }));
    // tollgate diff --url: a change to the SLO files replayed on this store's recorded minutes and decisions.
    api.route('/', createBacktestRoutes({ backtest: createBacktestService({ store, decisions: decisionLog, causes: (hash, ranIn) => topCauses(store, hash, ranIn) }), tokens }));
    api.route('/', createCorrelateRoutes({ store, registry: slos, engine, tokens }));
    engine.start();
  }
  // Grafana's Prometheus datasource: every /api/v1 route needs a read (or gate) token when tokens are on.
  api.use('/api/v1/*', requireScope(tokens, 'read', 'gate'));
  api.route('/', createPromRoutes({ catalog: createSeriesCatalog({ store, registry: slos, engine, runner: queries }), queries }));
  // The web UI: page shells and their files load without a token; the data they fetch needs one.
  api.route('/', createUiRoutes({ decisions, tokens, registry: slos, engine }));
  const otlpHttp = createOtlpHttpApp({ pipeline, budget, tokens, observer: metrics.ingest, maxBodyBytes: config.maxBodyBytes });
  const grpcServer = createOtlpGrpcServer({ pipeline, budget, tokens, observer: metrics.ingest, maxMessageBytes: config.grpcMaxMessageBytes });

  const apiServer = await listen(api.fetch, config.listenHost, config.httpPort);
  const otlpHttpServer = await listen(otlpHttp.fetch, config.listenHost, config.otlpHttpPort);
  const grpcPort = await new Promise<number>((resolve, reject) => {
    const host = config.listenHost.includes(':') ? `[${config.listenHost}]` : config.listenHost;
    grpcServer.bindAsync(`${host}:${config.otlpGrpcPort}`, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
  });
  const ports = { http: portOf(apiServer), otlpHttp: portOf(otlpHttpServer), otlpGrpc: grpcPort };
  log.info({ ports, listenHost: config.listenHost }, 'Tollgate is listening');

  let stopping: Promise<void> | undefined;
  return {
    ports,
    store,
    slos,
    engine,
    stop() {
      stopping ??= (async () => {
        // 1. No new connections; idle keep-alive connections go now, busy ones when answered.
        const httpClosed = Promise.all([closeServer(otlpHttpServer), closeServer(apiServer)]);
        const grpcClosed = new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()));
        await engine?.stop();
        await decisions?.close();
        await queries.close();
        slos?.close();
        await selfScrape.stop();
        // 2. Open batches go to the store now instead of waiting out their delay.
        await writer.flush();
        await Promise.all([httpClosed, grpcClosed]);
        pipeline.stopAccepting();
        await writer.flush();
        // 3. Everything acknowledged is stored; close the store last.
        await store.close();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}

type FetchHandler = Parameters<typeof serve>[0]['fetch'];

function listen(fetch: FetchHandler, hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolve(server));
    server.once('error', reject);
  });
}

function portOf(server: ServerType): number {
  return (server.address() as AddressInfo).port;
}

function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    // A busy keep-alive connection turns idle once answered; close those as they appear instead of
    // waiting out the keep-alive timeout (5 s) for each.
    const sweep = setInterval(() => {
      if ('closeIdleConnections' in server) server.closeIdleConnections();
    }, 50);
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  });
}
