/**
 * @module demo/shop
 * The demo shop's traffic, reusable: `npm run demo` sends it to a running Tollgate, and tests (the
 * web UI's) send it to an in-process one. Each release is announced as Argo CD's notifications would
 * (a deploy event), then `checkout` server spans call `payments`, both instrumented with the
 * OpenTelemetry SDK and exported over OTLP/HTTP (protobuf). Every release fails a checkout now and
 * then on an upstream timeout of its own; the bad one also has payments reject its OAuth token
 * (`OAuthTokenExpiredError` in payments' span, so attribution names payments), and logs an ERROR
 * line in the same trace. `askGate` asks the release gate as Argo CD's PreSync hook would.
 */
import { randomBytes } from 'node:crypto';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Where the shop sends its telemetry and asks the gate. */
export interface ShopTarget {
  /** Tollgate's API, e.g. http://localhost:8080 (no trailing slash). */
  tollgateUrl: string;
  /** Tollgate's OTLP/HTTP listener, e.g. http://localhost:4318 (no trailing slash). */
  otlpUrl: string;
  /** Bearer token with scopes ingest and gate, when Tollgate has tokens. */
  token?: string;
}

export interface Release {
  service: 'checkout';
  environment: 'staging' | 'prod';
  configHash: string;
  fromMs: number;
  toMs: number;
  requests: number;
  /** Every n-th checkout fails; 0: never. */
  failEvery: number;
  /** How it fails: its own upstream timeout, or payments rejecting an expired OAuth token. */
  failure: 'timeout' | 'oauth';
}

/** One step of the demo: what it shows, and the traffic that shows it. */
export interface ShopStep {
  description: string;
  releases: Release[];
}

export interface ShopScenario {
  /** What prod runs now. */
  current: string;
  /** A healthy successor: the gate allows it. */
  good: string;
  /** Fails one checkout in 16: payments rejects its expired OAuth token; the gate denies it. */
  bad: string;
  steps: ShopStep[];
}

/** The subset of a gate answer the demo prints (the full answer is in README, Release gate). */
export interface GateAnswer {
  decision: string;
  summary: string;
  url: string;
  decision_id: string;
}

const MIN = 60_000;

/**
 * Three releases of `checkout` through staging, ending at `nowMs`: the one prod runs now (staging
 * 90-60 min ago, then prod), a good successor (staging 60-30 min ago) and a bad one (the last 30 min).
 */
export function shopScenario(nowMs: number, suffix: string = randomBytes(3).toString('hex')): ShopScenario {
  const current = `v1-${suffix}`;
  const good = `v2-${suffix}`;
  const bad = `v3-${suffix}`;
  return {
    current,
    good,
    bad,
    steps: [
      {
        description: `release ${current}: what prod runs now (staging 90-60 min ago, prod for the last 90 min)`,
        releases: [
          { service: 'checkout', environment: 'staging', configHash: current, fromMs: nowMs - 90 * MIN, toMs: nowMs - 60 * MIN, requests: 1_500, failEvery: 750, failure: 'timeout' },
          { service: 'checkout', environment: 'prod', configHash: current, fromMs: nowMs - 90 * MIN, toMs: nowMs - 30_000, requests: 4_500, failEvery: 5_000, failure: 'timeout' },
        ],
      },
      {
        description: `release ${good}: staging 60-30 min ago, as healthy as ${current}`,
        releases: [
          { service: 'checkout', environment: 'staging', configHash: good, fromMs: nowMs - 60 * MIN, toMs: nowMs - 30 * MIN, requests: 1_500, failEvery: 750, failure: 'timeout' },
        ],
      },
      {
        description: `release ${bad}: staging for the last 30 min, payments rejecting one checkout in 16 on an expired OAuth token`,
        releases: [
          { service: 'checkout', environment: 'staging', configHash: bad, fromMs: nowMs - 30 * MIN, toMs: nowMs - 30_000, requests: 1_600, failEvery: 16, failure: 'oauth' },
        ],
      },
    ],
  };
}

/** Sends every step's traffic; `onStep` hears each step before its traffic goes out. */
export async function playScenario(target: ShopTarget, scenario: ShopScenario, onStep?: (step: ShopStep) => void): Promise<void> {
  for (const step of scenario.steps) {
    onStep?.(step);
    for (const r of step.releases) await playRelease(target, r);
  }
}

/** One release: its deploy event, then checkout server spans calling payments, with the failures' log lines. */
export async function playRelease(target: ShopTarget, r: Release): Promise<void> {
  await announceDeploy(target, r);
  const attrs = { 'deployment.environment.name': r.environment, 'service.version': r.configHash.slice(0, 7) };
  const checkout = providers(target, { 'service.name': 'checkout', config_hash: r.configHash, ...attrs });
  const payments = providers(target, { 'service.name': 'payments', config_hash: 'payments-2.4.1', ...attrs });
  const tracer = checkout.tracer.getTracer('demo-shop');
  const logger = checkout.logs.getLogger('demo-shop');
  const paymentsTracer = payments.tracer.getTracer('demo-shop');
  for (let i = 0; i < r.requests; i++) {
    const start = r.fromMs + ((r.toMs - r.fromMs) * i) / r.requests;
    const failing = r.failEvery > 0 && i % r.failEvery === 0;
    const server = tracer.startSpan('POST /api/checkout', {
      kind: SpanKind.SERVER, startTime: start,
      attributes: { 'http.request.method': 'POST', 'http.route': '/api/checkout', 'http.response.status_code': failing ? 502 : 200 },
    });
    const ctx = trace.setSpan(context.active(), server);
    const call = tracer.startSpan('POST /payments/charge', { kind: SpanKind.CLIENT, startTime: start + 5 }, ctx);
    const charge = paymentsTracer.startSpan('POST /charge', { kind: SpanKind.SERVER, startTime: start + 6 }, trace.setSpan(context.active(), call));
    const rejected = failing && r.failure === 'oauth';
    charge.setAttribute('http.response.status_code', rejected ? 401 : 200);
    if (rejected) {
      charge.recordException({ name: 'OAuthTokenExpiredError', message: 'OAuth token expired at 2026-11-24T09:00:00Z' }, start + 39);
      charge.setStatus({ code: SpanStatusCode.ERROR, message: 'OAuthTokenExpiredError' });
    }
    charge.end(start + 40);
    if (rejected) call.setStatus({ code: SpanStatusCode.ERROR, message: 'payments answered 401' });
    call.end(start + 42);
    if (failing) {
      const error = rejected
        ? { name: 'PaymentRejectedError', message: 'payments rejected the charge: 401' }
        : { name: 'UpstreamTimeoutError', message: 'inventory did not answer within 2 s' };
      server.recordException(error, start + 43);
      server.setStatus({ code: SpanStatusCode.ERROR, message: error.name });
      logger.emit({
        timestamp: start + 43, severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', context: ctx,
        body: `checkout ${randomBytes(4).toString('hex')} failed: ${rejected ? 'payments answered 401, OAuth token expired' : 'inventory timed out'} (release ${r.configHash})`,
      });
    }
    server.end(start + 45 + (i % 7) * 10);
  }
  await Promise.all([checkout.flush(), payments.flush()]);
  await Promise.all([checkout.shutdown(), payments.shutdown()]);
}

/** The deploy event Argo CD's notifications post when a sync starts (README, Release gate). */
async function announceDeploy(target: ShopTarget, r: Release): Promise<void> {
  const res = await fetch(`${target.tollgateUrl}/v1/deployments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders(target) },
    body: JSON.stringify({
      app: 'checkout', environment: r.environment, service: r.service, config_hash: r.configHash, revision: r.configHash.slice(0, 7),
      time: new Date(r.fromMs).toISOString(),
    }),
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`the deploy event was refused: ${res.status} ${await res.text()}`);
}

/** Asks the gate whether `configHash` may go to prod, as the PreSync hook does. */
export async function askGate(target: ShopTarget, configHash: string): Promise<GateAnswer> {
  const res = await fetch(`${target.tollgateUrl}/v1/gate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders(target) },
    body: JSON.stringify({ app: 'checkout', environment: 'prod', service: ['checkout', 'payments'], config_hash: configHash, revision: configHash.slice(0, 7) }),
  });
  if (res.status !== 200) throw new Error(`the gate answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as GateAnswer; // Tollgate's own answer shape (api/gate-routes.ts)
}

function authHeaders(target: ShopTarget): Record<string, string> {
  return target.token === undefined ? {} : { Authorization: `Bearer ${target.token}` };
}

function providers(target: ShopTarget, resourceAttributes: Record<string, string>) {
  const resource = resourceFromAttributes(resourceAttributes);
  const headers = authHeaders(target);
  const tracer = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${target.otlpUrl}/v1/traces`, headers }), { maxExportBatchSize: 2_000, maxQueueSize: 20_000 })],
  });
  const logs = new LoggerProvider({
    resource,
    processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${target.otlpUrl}/v1/logs`, headers }) })],
  });
  return {
    tracer,
    logs,
    flush: async () => {
      await tracer.forceFlush();
      await logs.forceFlush();
    },
    // The batch processors keep a timer each; a test process that plays several releases must not
    // keep them (and their exporters' sockets) alive after the traffic is sent.
    shutdown: async () => {
      await tracer.shutdown();
      await logs.shutdown();
    },
  };
}
