/**
 * The decoders against the OpenTelemetry JS encoders (@opentelemetry/otlp-transformer): the same
 * SDK data, encoded as protobuf and as OTLP/JSON, decodes to identical rows with the values the
 * SDK recorded. Pure: no server, no database.
 */
import { JsonLogsSerializer, JsonMetricsSerializer, JsonTraceSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { columns, decodeExport, encodeExportResponse, OtlpDecodeError } from '../../src/ingest/decode/index.js';
import { MAX_FUTURE_SKEW_NS, Rejections, severityProblem, timeProblem } from '../../src/ingest/decode/item-checks.js';

/** Receipt time for the decoder's item checks: now, so the exporters' fresh timestamps pass. */
const RECEIVED = { receivedAtNs: BigInt(Date.now()) * 1_000_000n };
import { fromBinary } from '@bufbuild/protobuf';
import { ExportTraceServiceResponseSchema } from '../../src/ingest/gen/opentelemetry/proto/collector/trace/v1/trace_service_pb.js';
import { makeLogs, makeMetrics, makeSpans } from '../helpers/telemetry.js';

const col = (cols: readonly string[], name: string): number => {
  const i = cols.indexOf(name);
  if (i < 0) throw new Error(`no column ${name}`);
  return i;
};

describe('trace decoding', () => {
  const spans = makeSpans(10);
  const proto = decodeExport('traces', 'protobuf', ProtobufTraceSerializer.serializeRequest(spans)!, RECEIVED);
  const json = decodeExport('traces', 'json', JsonTraceSerializer.serializeRequest(spans)!, RECEIVED);

  it('decodes protobuf and OTLP/JSON of the same spans to identical rows', () => {
    expect(json.batches).toEqual(proto.batches);
    expect(proto.acceptedItems).toBe(20);
    expect(proto.rejectedItems).toBe(0);
  });

  it('keeps every id, timestamp and duration exactly as the SDK recorded it', () => {
    const rows = proto.batches[0]!.rows;
    const cols = columns.SPAN_COLUMNS;
    for (const span of spans) {
      const row = rows.find((r) => r[col(cols, 'SpanId')] === span.spanContext().spanId)!;
      expect(row[col(cols, 'TraceId')]).toBe(span.spanContext().traceId);
      expect(row[col(cols, 'ParentSpanId')]).toBe(span.parentSpanContext?.spanId ?? '');
      const startNs = BigInt(span.startTime[0]) * 1_000_000_000n + BigInt(span.startTime[1]);
      const durationNs = BigInt(span.duration[0]) * 1_000_000_000n + BigInt(span.duration[1]);
      expect(row[col(cols, 'Timestamp')]).toBe(`${startNs / 1_000_000_000n}.${(startNs % 1_000_000_000n).toString().padStart(9, '0')}`);
      expect(row[col(cols, 'Duration')]).toBe(durationNs.toString());
    }
  });

  it('maps kinds and statuses to the exporter strings and attributes to strings', () => {
    const rows = proto.batches[0]!.rows;
    const cols = columns.SPAN_COLUMNS;
    const kinds = new Set(rows.map((r) => r[col(cols, 'SpanKind')]));
    expect(kinds).toEqual(new Set(['Server', 'Client']));
    const statuses = rows.map((r) => r[col(cols, 'StatusCode')]);
    expect(statuses.filter((s) => s === 'Error')).toHaveLength(2);
    expect(statuses.filter((s) => s === 'Unset')).toHaveLength(18);
    const attrs = rows.map((r) => r[col(cols, 'SpanAttributes')] as Record<string, string>).find((a) => a['app.cart_items'] === '3');
    expect(attrs).toEqual({ 'http.request.method': 'POST', 'http.response.status_code': '200', 'app.cart_items': '3' });
  });
});

describe('log decoding', () => {
  it('decodes protobuf and OTLP/JSON of the same records to identical rows', async () => {
    const logs = makeLogs(8);
    const proto = decodeExport('logs', 'protobuf', ProtobufLogsSerializer.serializeRequest(logs)!, RECEIVED);
    const json = decodeExport('logs', 'json', JsonLogsSerializer.serializeRequest(logs)!, RECEIVED);
    expect(json.batches).toEqual(proto.batches);
    const rows = proto.batches[0]!.rows;
    expect(rows).toHaveLength(8);
    const cols = columns.LOG_COLUMNS;
    expect(rows.map((r) => r[col(cols, 'Body')])).toContain('charge 4 failed');
    expect(rows.filter((r) => r[col(cols, 'EventName')] === 'payment.failed')).toHaveLength(2);
  });
});

describe('metric decoding', () => {
  it('decodes protobuf and OTLP/JSON of the same collection to identical rows per table', async () => {
    const metrics = await makeMetrics();
    const proto = decodeExport('metrics', 'protobuf', ProtobufMetricsSerializer.serializeRequest(metrics)!, RECEIVED);
    const json = decodeExport('metrics', 'json', JsonMetricsSerializer.serializeRequest(metrics)!, RECEIVED);
    expect(json.batches).toEqual(proto.batches);
    expect(proto.batches.map((b) => [b.table, b.rows.length])).toEqual([
      ['otel_metrics_gauge', 1],
      ['otel_metrics_sum', 3],
      ['otel_metrics_histogram', 1],
    ]);
  });
});

describe('malformed input', () => {
  it.each([
    ['truncated protobuf', 'protobuf', () => ProtobufTraceSerializer.serializeRequest(makeSpans(3))!.slice(0, 57), /malformed protobuf/],
    ['garbage bytes', 'protobuf', () => new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]), /malformed protobuf/],
    ['invalid JSON', 'json', () => Buffer.from('{"resourceSpans": ['), /invalid JSON/],
    ['a JSON array', 'json', () => Buffer.from('[]'), /expected an object/],
    ['a non-hex trace id', 'json', () => Buffer.from('{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz","spanId":"eee19b7ec3c1b174"}]}]}]}'), /traceId must be a hex string/],
    ['a wrongly typed field', 'json', () => Buffer.from('{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":7}]}]}]}'), /invalid OTLP\/JSON/],
  ] as const)('rejects %s with a message that says what was wrong', (_name, encoding, body, message) => {
    expect(() => decodeExport('traces', encoding, body(), RECEIVED)).toThrow(OtlpDecodeError);
    expect(() => decodeExport('traces', encoding, body(), RECEIVED)).toThrow(message);
  });

  it('ignores unknown JSON fields, as the OTLP spec asks', () => {
    const body = '{"resourceSpans":[{"futureField":1,"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"x","newThing":{"a":1}}]}]}]}';
    expect(decodeExport('traces', 'json', Buffer.from(body), RECEIVED).acceptedItems).toBe(1);
  });

  it('rejects spans with malformed ids as a partial success and keeps the rest', () => {
    const body = JSON.stringify({
      resourceSpans: [{ scopeSpans: [{ spans: [
        { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'ok' },
        { traceId: '5b8e', spanId: 'eee19b7ec3c1b174', name: 'short trace id' },
        { traceId: '', spanId: '', name: 'no ids' },
      ] }] }],
    });
    const decoded = decodeExport('traces', 'json', Buffer.from(body), RECEIVED);
    expect(decoded.acceptedItems).toBe(1);
    expect(decoded.rejectedItems).toBe(2);
    const response = fromBinary(ExportTraceServiceResponseSchema, encodeExportResponse('traces', 'protobuf', decoded.rejectedItems, decoded.rejectionMessage));
    expect(response.partialSuccess?.rejectedSpans).toBe(2n);
    expect(response.partialSuccess?.errorMessage).toMatch(/trace_id must be 16 bytes/);
  });

  it('keeps int64 attribute values above 2^53 exact when sent as strings', () => {
    const body = '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"x","attributes":[{"key":"big","value":{"intValue":"9007199254740993"}}]}]}]}]}';
    const row = decodeExport('traces', 'json', Buffer.from(body), RECEIVED).batches[0]!.rows[0]!;
    expect(row[col(columns.SPAN_COLUMNS, 'SpanAttributes')]).toEqual({ big: '9007199254740993' });
  });
});

describe('item checks', () => {
  const at = { receivedAtNs: 1_764_892_800_000_000_000n }; // 2025-12-05T00:00:00Z
  it.each([
    [1_764_892_800_000_000_000n, null],
    [0n, null],
    [at.receivedAtNs + MAX_FUTURE_SKEW_NS, null],
    [at.receivedAtNs + MAX_FUTURE_SKEW_NS + 1n, 'start time 2025-12-06T00:00:00.000Z is more than a day after it was received'],
    [7_258_118_400_000_000_000n, 'start time 2200-01-01T00:00:00.000Z is past 2106-02-07, the last time the store can hold'],
  ])('judges a start time of %s ns: %s', (t, problem) => {
    expect(timeProblem(t, 'start time', at)).toBe(problem);
  });

  it.each([[0, null], [24, null], [-1, "severity_number -1 is outside OTLP's 0–24"], [25, "severity_number 25 is outside OTLP's 0–24"]])(
    'judges severity %s: %s',
    (n, problem) => expect(severityProblem(n)).toBe(problem),
  );

  it('sums refusals by reason, at most three reasons spelled out', () => {
    const r = new Rejections();
    for (const reason of ['a', 'b', 'a', 'c', 'd', 'e']) r.add(reason);
    expect(r.message('span(s)')).toBe('6 span(s) rejected: a (2 items); b; c; and 2 more reasons');
    expect(new Rejections().message('span(s)')).toBe('');
  });
});
