/**
 * @module server
 * Wires config → store → ingest → api and owns the listeners. `startTollgate` is what `main.ts`
 * runs and what in-process tests start on port 0; `stop()` is the graceful shutdown:
 * stop accepting, finish and acknowledge what is in flight, flush, close the store.
 */
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import * as grpc from '@grpc/grpc-js';
import { serve, type ServerType } from '@hono/node-server';
import type { Logger } from 'pino';
import type { Context, Next } from 'hono';
import { createApiApp, STORE_RETRY_AFTER_SECONDS, watchHealth } from './api/index.js';
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
import { alertKey, createAlertmanagerNotifier, createAlertRoutes, toAlertmanagerAlerts } from './alerts/index.js';
import { createSloEngine, openSloRegistry, type LiveTally, type SloEngine, type SloRegistry } from './engine/index.js';
import { alertCauses, attributionOn, createAttributionService, type AttributionService, type ReleaseMarker } from './attribution/index.js';
import { causesFrom, createDecisionLog, createGateService, type DecisionLog } from './gate/index.js';
import { alertInstances } from './slo/evaluate/index.js';
import { loadTokens } from './auth/index.js';
import { createLease, createLeaseTable, processHolderId, type Lease } from './lease/index.js';
import { isLoopbackHost, type Config } from './config/index.js';
import { type Signal, createInFlight, createIngestBudget, createIngestPipeline, createOtlpGrpcServer, createOtlpHttpApp, createRetryTickets } from './ingest/index.js';
import { classifyInsertError, createBatchWriter, openStore, rowErrorReason, type RowBatch, type Store } from './store/index.js';
import { createTollgateMetrics, startSelfScrape } from './telemetry/index.js';
import { VERSION } from './version.js';

export interface RunningTollgate {
  ports: { http: number; otlpHttp: number; otlpGrpc: number };
  store: Store;
  /** The evaluator lease: only its holder records, evaluates and sends alerts, and writes its own metrics. */
  lease: Lease;
  /** The SLO directory as loaded (undefined when it could not be read at start). */
  slos: SloRegistry | undefined;
  engine: SloEngine | undefined;
  stop(): Promise<void>;
}

export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export async function startTollgate(config: Config, log: Logger): Promise<RunningTollgate> {
  limitHeapGrowth();
  const tokens = loadTokens({ file: config.tokensFile, inline: config.tokensInline });
  if (!tokens.enabled && !isLoopbackHost(config.listenHost)) {
    throw new StartupError(
      `TOLLGATE_LISTEN_HOST=${config.listenHost}: refusing to listen beyond loopback without tokens; set TOLLGATE_TOKENS_FILE (see README, Tokens)`,
    );
  }
  if (!tokens.enabled) log.warn({ listenHost: config.listenHost }, 'no tokens configured: listening on loopback only, every request allowed');

  const metrics = createTollgateMetrics();
  const storeLog = log.child({ module: 'store' });
  const { store, migrations, retention, repair } = await openStore(config.clickhouse, metrics.observeStatement, config.retention, {
    insertTimeoutMs: config.insertTimeoutMs,
    statementTimeoutMs: config.storeTimeoutMs,
    onHealthChange: (h) => {
      if (h.up) storeLog.info('store answers again');
      else storeLog.error({ reason: h.reason }, 'store unreachable: exports refused, reads answer 503 until it answers');
    },
  });
  metrics.watchStore(() => store.health().up);
  log.info({ store: store.kind, database: store.database, applied: migrations.applied, drifted: migrations.drifted }, 'store open, schema applied');
  if (repair !== undefined) log.warn({ ...repair }, 'span views checked after an unclean end');
  for (const r of retention) log.info({ table: r.table, from: r.from || 'none', to: r.to }, 'retention changed');
  if (migrations.drifted.length > 0) log.warn({ versions: migrations.drifted }, 'applied migrations differ from this build (edited after release); not re-run');

  // One evaluator among the replicas on this store; on the embedded store this process is the only one.
  const lease = createLease({
    table: createLeaseTable(store),
    holderId: config.instanceId ?? processHolderId(),
    leaseMs: config.leaseMs,
    exclusive: store.kind === 'embedded',
    log: log.child({ module: 'lease' }),
  });
  const leaseAtStart = await lease.start();
  log.info({ role: leaseAtStart.role, holder: leaseAtStart.holder, me: leaseAtStart.me }, 'evaluator lease read');
  metrics.watchLease(() => {
    const { holder, term } = lease.status();
    return { holder, isHolder: lease.isHolder(), term };
  });

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
  const budget = createIngestBudget({ softLimitBytes: config.ingestSoftLimitBytes, hardLimitBytes: config.ingestHardLimitBytes, maxWaitMs: config.ingestMaxWaitMs });
  const tickets = createRetryTickets();
  const inFlight = createInFlight();
  // The SLO engine counts what is stored into its recorded minutes as it is acknowledged (set once it exists).
  let tally: ((signal: Signal, batches: readonly RowBatch[]) => LiveTally | undefined) | undefined;
  const pipeline = createIngestPipeline({ writer, observer: metrics.ingest, tally: (signal, batches) => tally?.(signal, batches) });
  metrics.watchQueues({ ingestBytesInUse: budget.inUseBytes, pendingRows: writer.pendingRows, statementQueue: () => store.queueDepth() });
  // Tollgate's own /metrics into its metric tables, so its API answers PromQL about itself.
  const selfScrape = startSelfScrape({
    registry: metrics.registry, writer, intervalMs: config.selfScrapeIntervalMs, serviceVersion: VERSION, log: log.child({ module: 'self-scrape' }),
    isEnabled: () => lease.isHolder(),
  });

  // PromQL evaluation for the Prometheus API and PromQL SLIs, on worker threads under each query's deadline.
  const queries = createQueryRunner({ workers: config.queryWorkers, defaultTimeoutMs: config.queryTimeoutMs });
  const sloLog = log.child({ module: 'slo' });
  let slos: SloRegistry | undefined;
  let engine: SloEngine | undefined;
  let decisions: DecisionLog | undefined;
  /** Created once the engine is: firing alerts name their top cause with it. */
  let attribution: AttributionService | undefined;
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
      oldMinutesMaxBytes: config.seriesCacheBytes,
      onLate: (events, foundBy) => metrics.observeLateEvents(events, foundBy),
      isLeader: () => lease.isHolder(),
      // Firing alerts are resent on every evaluation (Alertmanager expires them otherwise);
      // a resolved one is sent once with endsAt = now. Only the lease holder is called.
      onEvaluated: async (changed, evaluated) => {
        if (notifier === undefined || !lease.isHolder()) return;
        const justResolved = new Set(changed.filter((s) => s.transition === 'resolved').map((s) => s.key));
        const instances = alertInstances(evaluated);
        const nowMs = Date.now();
        // A firing alert names the top cause of its SLO's bad events over its long window.
        const firing = instances.filter((a) => a.state === 'firing').map((a) => ({ key: alertKey(a), slo: evaluated.slo, longWindow: a.longWindow }));
        const causes = attribution === undefined || firing.length === 0
          ? new Map()
          : await alertCauses(attribution, firing, { nowMs, publicUrl: config.publicUrl });
        const alerts = toAlertmanagerAlerts(instances, {
          nowMs,
          // Alertmanager keeps a firing alert 4 of these after each send: at least 4 lease periods, so a
          // takeover (within two) resends it before Alertmanager would resolve it on its own.
          resendIntervalMs: Math.max(config.evaluationIntervalMs, config.leaseMs),
          tollgateUrl: config.publicUrl,
          justResolved,
          causes,
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

  // Liveness answers from a ping made in the background, never waiting behind the inserts queued for the store.
  const storeHealth = watchHealth(() => store.ping());
  const api = createApiApp({
    registry: metrics.registry,
    log: log.child({ module: 'api' }),
    health: {
      checks: () => ({ store: storeHealth.ok() && store.health().up, schema: true, slo_directory: slos !== undefined }),
      details: () => {
        const s = lease.status();
        const h = store.health();
        return {
          lease: { holder: s.holder, is_holder: lease.isHolder(), role: s.role, term: s.term, instance: s.me, lease_seconds: s.leaseMs / 1000 },
          ...(h.up ? {} : { store: { down_since: new Date(h.downSinceMs ?? 0).toISOString(), reason: h.reason } }),
        };
      },
    },
  });
  // While the store cannot be reached, SLO numbers, queries and gate answers would be stale: say so.
  const storeDown = (shape: 'plain' | 'prometheus') => async (c: Context, next: Next): Promise<Response | void> => {
    const h = store.health();
    if (h.up) return next();
    const error = `the store (ClickHouse) is unavailable since ${new Date(h.downSinceMs ?? 0).toISOString()} (${h.reason ?? 'no answer'}); retry later`;
    c.header('Retry-After', String(STORE_RETRY_AFTER_SECONDS));
    return shape === 'prometheus' ? c.json({ status: 'error', errorType: 'unavailable', error }, 503) : c.json({ error }, 503);
  };
  for (const path of ['/v1/slos', '/v1/slos/*', '/v1/gate', '/v1/gate/*']) api.use(path, storeDown('plain'));
  api.use('/api/v1/*', storeDown('prometheus'));
  let markers: ((fromMs: number, toMs: number) => Promise<ReleaseMarker[]>) | undefined;
  if (slos !== undefined && engine !== undefined) {
    api.use('/v1/slos/*', requireScope(tokens, 'read', 'gate'));
    api.use('/v1/slos', requireScope(tokens, 'read', 'gate'));
    const decisionsForMarkers = decisions;
    // What burned each budget: the gate, the SLO and release pages, charts' markers and Grafana's annotations ask it.
    const causes = createAttributionService({
      store, reader: engine.reader,
      deployments: async (fromMs, toMs) => (await decisionsForMarkers?.listDeployments({ fromMs, toMs })) ?? [],
    });
    attribution = causes;
    const sloFiles = slos;
    markers = (fromMs, toMs) => causes.markers(sloFiles.current().slos, { environment: null, fromMs, toMs });
    api.route('/', createSloRoutes({ engine, registry: slos, attribution: causes }));
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
    const gate = createGateService({
      definitions: () => registry.current(),
      sources: {
        reader: engine.reader,
        causes: causesFrom(causes),
        overrides: (request, nowMs) => decisionLog.validOverrides(request.app, request.environment, nowMs),
      },
      decisions: decisionLog,
      publicUrl: config.publicUrl,
    });
    api.route('/', createGateRoutes({ gate, decisions: decisionLog, tokens }));
    // tollgate diff --url: a change to the SLO files replayed on this store's recorded minutes and decisions.
    api.route('/', createBacktestRoutes({ backtest: createBacktestService({ store, decisions: decisionLog, attributionFor: attributionOn(store) }), tokens }));
    api.route('/', createCorrelateRoutes({ store, registry: slos, engine, attribution: causes, tokens }));
    engine.start();
  }
  // Grafana's Prometheus datasource: every /api/v1 route needs a read (or gate) token when tokens are on.
  api.use('/api/v1/*', requireScope(tokens, 'read', 'gate'));
  api.route('/', createPromRoutes({ catalog: createSeriesCatalog({ store, registry: slos, engine, runner: queries, markers }), queries }));
  // The web UI: page shells and their files load without a token; the data they fetch needs one.
  api.route('/', createUiRoutes({ decisions, tokens, registry: slos, engine, attribution }));
  const ingestOptions = { pipeline, budget, tokens, observer: metrics.ingest, inFlight, readTimeoutMs: config.ingestReadTimeoutMs };
  const otlpHttp = createOtlpHttpApp({ ...ingestOptions, tickets, maxBodyBytes: config.maxBodyBytes });
  const grpcServer = createOtlpGrpcServer({ ...ingestOptions, maxMessageBytes: config.grpcMaxMessageBytes });

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
    lease,
    slos,
    engine,
    stop() {
      stopping ??= (async () => {
        // 1. No new connections; idle keep-alive connections go now, busy ones when answered.
        // Exports arriving on connections already open are answered 503 with Retry-After and
        // `Connection: close`; those in flight (mid-upload included) finish and are answered.
        inFlight.drain();
        // Closing a listener resets the connections the kernel accepted that Node has not read yet,
        // and closing idle connections resets those whose request has not been parsed yet: both
        // happened to half-sent uploads on a loaded machine. For a moment more, read them and
        // answer what they send (503 for new exports, with `Connection: close`).
        await new Promise((resolve) => setTimeout(resolve, ACCEPT_GRACE_MS));
        const httpClosed = Promise.all([closeServer(otlpHttpServer), closeServer(apiServer)]);
        const grpcClosed = new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()));
        await engine?.stop();
        // After the engine's last settle: another replica takes over at its next look.
        await lease.stop();
        await decisions?.close();
        await queries.close();
        slos?.close();
        await selfScrape.stop();
        storeHealth.stop();
        // 2. Open batches go to the store now instead of waiting out their delay.
        await writer.flush();
        // An export in flight is answered within the read timeout plus its admitted wait; past
        // DRAIN_LIMIT_MS what is left is cut, so the process still ends before main's 30 s.
        if (!(await within(Promise.all([httpClosed, grpcClosed, inFlight.idle()]), DRAIN_LIMIT_MS))) {
          log.warn({ inFlight: inFlight.count() }, 'exports still in flight at the drain limit; closing their connections');
          if ('closeAllConnections' in otlpHttpServer) otlpHttpServer.closeAllConnections();
          if ('closeAllConnections' in apiServer) apiServer.closeAllConnections();
          grpcServer.forceShutdown();
        }
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

/**
 * V8 lets its heap grow to about four times what survived the last full collection before
 * collecting again. Decoding makes ~3 KB of short-lived objects per span, so under an ingest flood
 * that headroom was 200–300 MB of garbage (peak RSS 0.9–1.0 GiB with ~75 MB live); growing by
 * at most 2× kept peaks 100–200 MB lower at about the same throughput (bench/flood.ts). V8 reads
 * the flag at each collection, so setting it after start takes effect; it is process-wide.
 */
function limitHeapGrowth(): void {
  v8.setFlagsFromString('--heap-growing-percent=100');
}

/** How long a shutdown keeps listening after it began refusing new exports. */
const ACCEPT_GRACE_MS = 1_000;

/** How long a shutdown waits for exports in flight to be answered (main.ts ends the process at 30 s). */
const DRAIN_LIMIT_MS = 20_000;

/** Whether `p` settled within `ms`. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
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
