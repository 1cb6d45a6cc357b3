/**
 * @module demo
 * `npm run demo`, against a running Tollgate (`npm start`): a small shop instrumented with the
 * OpenTelemetry SDK sends traffic for three releases of `checkout` through staging: the one prod
 * runs now, a good successor and one whose OAuth token handling fails. It then asks the gate about
 * the two new ones, as Argo CD's PreSync hook would before syncing them to prod. The good one is
 * allowed; the bad one is denied with its cause, and the answer links to the evidence.
 *
 *   TOLLGATE_URL (default http://localhost:8080), TOLLGATE_OTLP_URL (default http://localhost:4318),
 *   TOLLGATE_TOKEN (when Tollgate has tokens: scopes ingest and gate)
 */
import { randomBytes } from 'node:crypto';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

const tollgateUrl = (process.env['TOLLGATE_URL'] ?? 'http://localhost:8080').replace(/\/+$/, '');
const otlpUrl = (process.env['TOLLGATE_OTLP_URL'] ?? 'http://localhost:4318').replace(/\/+$/, '');
const token = process.env['TOLLGATE_TOKEN'];
const headers: Record<string, string> = token === undefined ? {} : { Authorization: `Bearer ${token}` };
const MIN = 60_000;

interface Release {
  service: 'checkout';
  environment: 'staging' | 'prod';
  configHash: string;
  fromMs: number;
  toMs: number;
  requests: number;
  /** Every n-th checkout fails with an expired OAuth token; 0: never. */
  failEvery: number;
}

/** One release's traffic: checkout server spans calling payments, with the failures' log lines. */
async function play(r: Release): Promise<void> {
  const attrs = { 'deployment.environment.name': r.environment, 'service.version': r.configHash.slice(0, 7) };
  const checkout = providers({ 'service.name': 'checkout', config_hash: r.configHash, ...attrs });
  const payments = providers({ 'service.name': 'payments', config_hash: 'payments-2.4.1', ...attrs });
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
    charge.setAttribute('http.response.status_code', failing ? 401 : 200);
    charge.end(start + 40);
    call.end(start + 42);
    if (failing) {
      server.recordException({ name: 'OAuthTokenExpiredError', message: 'payments rejected the OAuth token: expired at 2026-11-24T09:00:00Z' }, start + 43);
      server.setStatus({ code: SpanStatusCode.ERROR, message: 'OAuthTokenExpiredError' });
      logger.emit({
        timestamp: start + 43, severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', context: ctx,
        body: `checkout ${randomBytes(4).toString('hex')} failed: payments answered 401, OAuth token expired (release ${r.configHash})`,
      });
    }
    server.end(start + 45 + (i % 7) * 10);
  }
  await Promise.all([checkout.flush(), payments.flush()]);
}

function providers(resourceAttributes: Record<string, string>) {
  const resource = resourceFromAttributes(resourceAttributes);
  const tracer = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${otlpUrl}/v1/traces`, headers }), { maxExportBatchSize: 2_000, maxQueueSize: 20_000 })],
  });
  const logs = new LoggerProvider({
    resource,
    processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${otlpUrl}/v1/logs`, headers }) })],
  });
  return {
    tracer,
    logs,
    flush: async () => {
      await tracer.forceFlush();
      await logs.forceFlush();
    },
  };
}

async function askGate(configHash: string): Promise<{ decision: string; summary: string; url: string }> {
  const res = await fetch(`${tollgateUrl}/v1/gate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ app: 'checkout', environment: 'prod', service: ['checkout', 'payments'], config_hash: configHash, revision: configHash.slice(0, 7) }),
  });
  if (res.status !== 200) throw new Error(`the gate answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { decision: string; summary: string; url: string };
}

async function main(): Promise<void> {
  const health = await fetch(`${tollgateUrl}/healthz`).catch(() => undefined);
  if (health?.status !== 200) {
    process.stderr.write(`demo: no healthy Tollgate at ${tollgateUrl}; start it first with npm start\n`);
    process.exit(2);
  }
  const now = Date.now();
  const suffix = randomBytes(3).toString('hex');
  const current = `v1-${suffix}`;
  const good = `v2-${suffix}`;
  const bad = `v3-${suffix}`;
  console.log(`release ${current}: what prod runs now (staging 90-60 min ago, prod for the last 90 min)`);
  await play({ service: 'checkout', environment: 'staging', configHash: current, fromMs: now - 90 * MIN, toMs: now - 60 * MIN, requests: 1_500, failEvery: 750 });
  await play({ service: 'checkout', environment: 'prod', configHash: current, fromMs: now - 90 * MIN, toMs: now - 30_000, requests: 4_500, failEvery: 5_000 });
  console.log(`release ${good}: staging 60-30 min ago, as healthy as ${current}`);
  await play({ service: 'checkout', environment: 'staging', configHash: good, fromMs: now - 60 * MIN, toMs: now - 30 * MIN, requests: 1_500, failEvery: 750 });
  console.log(`release ${bad}: staging for the last 30 min, one checkout in 16 failing on an expired OAuth token`);
  await play({ service: 'checkout', environment: 'staging', configHash: bad, fromMs: now - 30 * MIN, toMs: now - 30_000, requests: 1_600, failEvery: 16 });

  console.log('\nArgo CD asks the gate before syncing each release to prod:\n');
  for (const hash of [good, bad]) {
    const a = await askGate(hash);
    console.log(`  ${hash}: ${a.summary}\n    ${a.url}\n`);
  }
}

void main();
