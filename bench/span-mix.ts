/**
 * A realistic span mix for benchmarks: HTTP servers and their database and RPC clients, 10-20
 * attributes each, exception events on failures, several services and releases.
 * Built directly as OTLP messages (protobuf-es) so generating load costs little next to ingest.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { ExportTraceServiceRequestSchema } from '../src/ingest/gen/opentelemetry/proto/collector/trace/v1/trace_service_pb.js';
import type { KeyValue } from '../src/ingest/gen/opentelemetry/proto/common/v1/common_pb.js';
import { SpanSchema, Span_SpanKind, Status_StatusCode, type Span } from '../src/ingest/gen/opentelemetry/proto/trace/v1/trace_pb.js';

const str = (key: string, value: string) => ({ key, value: { value: { case: 'stringValue' as const, value } } });
const int = (key: string, value: number) => ({ key, value: { value: { case: 'intValue' as const, value: BigInt(value) } } });

const SERVICES = ['checkout', 'payments', 'cart', 'catalog', 'frontend', 'shipping', 'users', 'search'];
const ROUTES = ['/api/checkout', '/api/cart/items', '/api/products/{id}', '/api/orders/{id}', '/api/payments/charge', '/healthz'];

let seed = 42;
function random(): number {
  // Deterministic, so every run sends the same bytes.
  seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
  return seed / 0x7fffffff;
}

function id(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = Math.floor(random() * 256);
  return out;
}

function serverSpan(traceId: Uint8Array, startNs: bigint, i: number): Span {
  const route = ROUTES[i % ROUTES.length]!;
  const failed = random() < 0.03;
  const durationNs = BigInt(Math.floor(2_000_000 + random() * 400_000_000));
  const attributes: KeyValue[] = [
    str('http.request.method', i % 3 === 0 ? 'POST' : 'GET'), str('http.route', route), str('url.path', route.replace('{id}', String(i))),
    str('url.scheme', 'https'), str('server.address', 'shop.example.com'), int('server.port', 443),
    str('network.protocol.version', '1.1'), str('client.address', `10.0.${i % 250}.${(i * 7) % 250}`),
    str('user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36'),
    int('http.response.status_code', failed ? 503 : 200), int('http.request.body.size', Math.floor(random() * 4096)),
    int('http.response.body.size', Math.floor(random() * 65_536)), str('app.tenant', `tenant-${i % 40}`),
    str('app.session_id', Buffer.from(id(8)).toString('hex')),
  ] as KeyValue[];
  return create(SpanSchema, {
    traceId, spanId: id(8), name: `${i % 3 === 0 ? 'POST' : 'GET'} ${route}`, kind: Span_SpanKind.SERVER,
    startTimeUnixNano: startNs, endTimeUnixNano: startNs + durationNs, attributes,
    status: { code: failed ? Status_StatusCode.ERROR : Status_StatusCode.UNSET, message: failed ? 'upstream timeout' : '' },
    events: failed
      ? [{ timeUnixNano: startNs + durationNs / 2n, name: 'exception', attributes: [str('exception.type', 'UpstreamTimeoutError'), str('exception.message', 'payments did not answer in 300ms'), str('exception.stacktrace', 'UpstreamTimeoutError: payments did not answer\n    at charge (/app/src/charge.ts:42:11)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)')] as KeyValue[] }]
      : [],
  });
}

function clientSpan(traceId: Uint8Array, parent: Span, i: number): Span {
  const db = i % 2 === 0;
  const attributes: KeyValue[] = (db
    ? [str('db.system', 'postgresql'), str('db.namespace', 'shop'), str('db.operation.name', 'SELECT'), str('db.collection.name', 'orders'),
       str('db.query.text', 'SELECT id, total, status FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20'),
       str('server.address', 'postgres.shop.svc'), int('server.port', 5432), str('network.peer.address', '10.1.2.3'),
       int('db.response.returned_rows', Math.floor(random() * 20)), str('db.client.connection.pool.name', 'main')]
    : [str('rpc.system', 'grpc'), str('rpc.service', 'payments.v1.Payments'), str('rpc.method', 'Charge'), str('server.address', 'payments.shop.svc'),
       int('server.port', 50051), int('rpc.grpc.status_code', 0), str('network.transport', 'tcp'), str('network.type', 'ipv4'),
       str('app.idempotency_key', Buffer.from(id(12)).toString('hex')), int('app.retry', 0), str('peer.service', 'payments')]) as KeyValue[];
  const start = parent.startTimeUnixNano + 500_000n;
  return create(SpanSchema, {
    traceId, spanId: id(8), parentSpanId: parent.spanId, name: db ? 'SELECT shop.orders' : 'payments.v1.Payments/Charge',
    kind: Span_SpanKind.CLIENT, startTimeUnixNano: start, endTimeUnixNano: start + BigInt(Math.floor(1_000_000 + random() * 50_000_000)), attributes,
  });
}

/** `requests` protobuf ExportTraceServiceRequests of `spansPerRequest` spans each (half servers, half clients). */
export function spanRequests(requests: number, spansPerRequest: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const baseNs = BigInt(Date.now() - 3_600_000) * 1_000_000n;
  for (let r = 0; r < requests; r++) {
    const service = SERVICES[r % SERVICES.length]!;
    const spans: Span[] = [];
    for (let i = 0; spans.length < spansPerRequest; i++) {
      const traceId = id(16);
      const server = serverSpan(traceId, baseNs + BigInt(r * 1_000_000_000 + i * 1_000_000), i);
      spans.push(server, clientSpan(traceId, server, i));
    }
    const request = create(ExportTraceServiceRequestSchema, {
      resourceSpans: [{
        resource: { attributes: [
          str('service.name', service), str('service.version', '2.4.1'), str('deployment.environment.name', r % 2 === 0 ? 'prod' : 'staging'),
          str('config_hash', `cfg-${service}-${r % 3}`), str('k8s.namespace.name', 'shop'), str('k8s.pod.name', `${service}-7d9c-${r % 5}`),
          str('host.name', `node-${r % 4}`), str('telemetry.sdk.language', 'nodejs'), str('telemetry.sdk.name', 'opentelemetry'), str('telemetry.sdk.version', '2.12.0'),
        ] as KeyValue[] },
        scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-http', version: '0.223.0' }, spans: spans.slice(0, spansPerRequest) }],
      }],
    });
    out.push(toBinary(ExportTraceServiceRequestSchema, request));
  }
  return out;
}
