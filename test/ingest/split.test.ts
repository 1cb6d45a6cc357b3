/**
 * Splitting an export into pieces: decoding the pieces gives exactly the rows, counts and
 * rejections decoding the whole gives, for every signal in protobuf and OTLP/JSON, as the official
 * serializers write them. Pure: no server, no database.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import {
  JsonLogsSerializer, JsonMetricsSerializer, JsonTraceSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { decodeExport, OtlpDecodeError, type DecodedExport, type Encoding, type Signal } from '../../src/ingest/index.js';
import { splitExport } from '../../src/ingest/split.js';
import { ExportTraceServiceRequestSchema } from '../../src/ingest/gen/opentelemetry/proto/collector/trace/v1/trace_service_pb.js';
import { CollectingReader, demoResource, makeLogs, makeSpans } from '../helpers/telemetry.js';

const RECEIVED = { receivedAtNs: BigInt(Date.now()) * 1_000_000n };

/** Rows of every piece, table by table, in order; items and rejections summed. */
function decodePieces(signal: Signal, encoding: Encoding, body: Uint8Array, pieceBytes: number) {
  const rows = new Map<string, unknown[][]>();
  let pieces = 0;
  let accepted = 0;
  let rejected = 0;
  for (const piece of splitExport(signal, encoding, body, pieceBytes)) {
    pieces++;
    const d = decodeExport(signal, encoding, piece, RECEIVED);
    accepted += d.acceptedItems;
    rejected += d.rejectedItems;
    for (const b of d.batches) rows.set(b.table, [...(rows.get(b.table) ?? []), ...b.rows]);
  }
  return { rows, pieces, accepted, rejected };
}

function wholeRows(d: DecodedExport): Map<string, unknown[][]> {
  const rows = new Map<string, unknown[][]>();
  for (const b of d.batches) rows.set(b.table, [...(rows.get(b.table) ?? []), ...b.rows]);
  return rows;
}

async function manyPoints(): Promise<Parameters<typeof ProtobufMetricsSerializer.serializeRequest>[0]> {
  const reader = new CollectingReader();
  const provider = new MeterProvider({ resource: demoResource(), readers: [reader] });
  const meter = provider.getMeter('split-test');
  const requests = meter.createCounter('http.server.requests');
  const latency = meter.createHistogram('http.server.request.duration', { unit: 's' });
  const cpu = meter.createGauge('cpu.utilization');
  for (let i = 0; i < 600; i++) {
    requests.add(i + 1, { 'http.route': `/r/${i}` });
    latency.record(i / 100, { 'http.route': `/r/${i % 200}` });
    cpu.record(i / 600, { core: String(i) });
  }
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics;
}

describe('splitExport', () => {
  const spans = [...makeSpans(300, demoResource({ config_hash: 'cfg-a' })), ...makeSpans(200, demoResource({ config_hash: 'cfg-b' }))];
  const logs = makeLogs(700);

  it.each<[string, Signal, Encoding, () => Promise<Uint8Array> | Uint8Array]>([
    ['spans of two resources as protobuf', 'traces', 'protobuf', () => ProtobufTraceSerializer.serializeRequest(spans)!],
    ['spans of two resources as OTLP/JSON', 'traces', 'json', () => JsonTraceSerializer.serializeRequest(spans)!],
    ['log records as protobuf', 'logs', 'protobuf', () => ProtobufLogsSerializer.serializeRequest(logs)!],
    ['log records as OTLP/JSON', 'logs', 'json', () => JsonLogsSerializer.serializeRequest(logs)!],
    ['sums, histograms and gauges as protobuf', 'metrics', 'protobuf', async () => ProtobufMetricsSerializer.serializeRequest(await manyPoints())!],
    ['sums, histograms and gauges as OTLP/JSON', 'metrics', 'json', async () => JsonMetricsSerializer.serializeRequest(await manyPoints())!],
  ])('decodes the pieces of %s to the rows of the whole', async (_name, signal, encoding, make) => {
    const body = await make();
    const whole = decodeExport(signal, encoding, body, RECEIVED);
    const split = decodePieces(signal, encoding, body, 4096);
    expect(split.pieces).toBeGreaterThan(5);
    expect(split.rows).toEqual(wholeRows(whole));
    expect(split.accepted).toBe(whole.acceptedItems);
    expect(split.rejected).toBe(whole.rejectedItems);
  });

  it('keeps pieces near the asked size, each a valid request', () => {
    const body = ProtobufTraceSerializer.serializeRequest(makeSpans(2_000))!;
    const pieces = [...splitExport('traces', 'protobuf', body, 16 * 1024)];
    // A piece closes once its items pass the size, so it is at most one span and the headers over it.
    for (const p of pieces) expect(p.byteLength).toBeLessThan(16 * 1024 + 2_048);
    expect(pieces.reduce((n, p) => n + p.byteLength, 0)).toBeGreaterThanOrEqual(body.byteLength);
  });

  it('leaves a body within the piece size as it is', () => {
    const body = ProtobufTraceSerializer.serializeRequest(makeSpans(3))!;
    expect([...splitExport('traces', 'protobuf', body, 64 * 1024)]).toEqual([body]);
  });

  it('refuses a truncated body as malformed protobuf, as decoding it whole does', () => {
    const body = ProtobufTraceSerializer.serializeRequest(makeSpans(500))!;
    const cut = body.subarray(0, body.byteLength - 7);
    expect(() => decodeExport('traces', 'protobuf', cut, RECEIVED)).toThrow(OtlpDecodeError);
    expect(() => [...splitExport('traces', 'protobuf', cut, 4096)]).toThrow(/malformed protobuf opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest/);
  });

  it('skips 200,000 nested groups in a field it does not split without running out of stack', () => {
    // resource_spans (field 1) holding a group (field 9) nested 200,000 times: as deep as its bytes allow.
    const depth = 200_000;
    const groups = Buffer.concat([Buffer.alloc(depth, (9 << 3) | 3), Buffer.alloc(depth, (9 << 3) | 4)]);
    const length = [];
    for (let v = groups.length; ; v >>>= 7) {
      if (v <= 0x7f) {
        length.push(v);
        break;
      }
      length.push((v & 0x7f) | 0x80);
    }
    const body = Buffer.concat([Buffer.from([0x0a, ...length]), groups]);
    const pieces = [...splitExport('traces', 'protobuf', body, 4096)];
    expect(pieces).toHaveLength(1);
    // The decoder refuses it with its own reason: a client error, not a crash.
    expect(() => decodeExport('traces', 'protobuf', pieces[0]!, RECEIVED)).toThrow(OtlpDecodeError);
  });

  it('passes a resource without spans on, so its fields are still decoded and checked', () => {
    const body = toBinary(ExportTraceServiceRequestSchema, create(ExportTraceServiceRequestSchema, {
      resourceSpans: [
        { resource: { attributes: [{ key: 'service.name', value: { value: { case: 'stringValue', value: 'x'.repeat(9_000) } } }] }, scopeSpans: [] },
      ],
    }));
    const pieces = [...splitExport('traces', 'protobuf', body, 4096)];
    expect(pieces).toHaveLength(1);
    expect(decodeExport('traces', 'protobuf', pieces[0]!, RECEIVED).acceptedItems).toBe(0);
  });

  it('hands JSON that is not OTLP-shaped to the decoder whole, which says what is wrong', () => {
    const body = Buffer.from(JSON.stringify({ resourceSpans: 'nope', padding: 'x'.repeat(10_000) }));
    const pieces = [...splitExport('traces', 'json', body, 4096)];
    expect(pieces).toEqual([body]);
    expect(() => decodeExport('traces', 'json', pieces[0]!, RECEIVED)).toThrow(OtlpDecodeError);
  });
});
