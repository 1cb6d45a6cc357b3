/**
 * @module ingest/decode/traces
 * ExportTraceServiceRequest → `otel_traces` rows, with the collector exporter's conventions:
 * hex ids, `Server`/`Error` enum strings, Duration in nanoseconds, ServiceName from service.name.
 */
import type { ExportTraceServiceRequest } from '../gen/opentelemetry/proto/collector/trace/v1/trace_service_pb.js';
import { Span_SpanKind, Status_StatusCode } from '../gen/opentelemetry/proto/trace/v1/trace_pb.js';
import { Rejections, timeProblem, type ItemContext } from './item-checks.js';
import { SPAN_COLUMNS, type DecodedExport } from './rows.js';
import { attributesToMap, hex, nanos, type StringMap } from './values.js';

const SPAN_KIND: Record<number, string> = {
  [Span_SpanKind.UNSPECIFIED]: 'Unspecified',
  [Span_SpanKind.INTERNAL]: 'Internal',
  [Span_SpanKind.SERVER]: 'Server',
  [Span_SpanKind.CLIENT]: 'Client',
  [Span_SpanKind.PRODUCER]: 'Producer',
  [Span_SpanKind.CONSUMER]: 'Consumer',
};

const STATUS_CODE: Record<number, string> = {
  [Status_StatusCode.UNSET]: 'Unset',
  [Status_StatusCode.OK]: 'Ok',
  [Status_StatusCode.ERROR]: 'Error',
};

export const SERVICE_NAME_ATTRIBUTE = 'service.name';

export function serviceNameOf(resourceAttributes: StringMap): string {
  return resourceAttributes[SERVICE_NAME_ATTRIBUTE] ?? '';
}

export function tracesToRows(req: ExportTraceServiceRequest, ctx: ItemContext): DecodedExport {
  const rows: unknown[][] = [];
  const rejected = new Rejections();
  for (const rs of req.resourceSpans) {
    const resourceAttributes = attributesToMap(rs.resource?.attributes ?? []);
    const serviceName = serviceNameOf(resourceAttributes);
    for (const ss of rs.scopeSpans) {
      const scopeName = ss.scope?.name ?? '';
      const scopeVersion = ss.scope?.version ?? '';
      for (const span of ss.spans) {
        const problem = spanProblem(span, ctx);
        if (problem !== null) {
          rejected.add(problem);
          continue;
        }
        const duration = span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n;
        const events = span.events;
        const links = span.links;
        rows.push([
          nanos(span.startTimeUnixNano),
          hex(span.traceId),
          hex(span.spanId),
          hex(span.parentSpanId),
          span.traceState,
          span.name,
          SPAN_KIND[span.kind] ?? 'Unspecified',
          serviceName,
          resourceAttributes,
          scopeName,
          scopeVersion,
          attributesToMap(span.attributes),
          duration.toString(),
          STATUS_CODE[span.status?.code ?? 0] ?? 'Unset',
          span.status?.message ?? '',
          events.map((e) => nanos(e.timeUnixNano)),
          events.map((e) => e.name),
          events.map((e) => attributesToMap(e.attributes)),
          links.map((l) => hex(l.traceId)),
          links.map((l) => hex(l.spanId)),
          links.map((l) => l.traceState),
          links.map((l) => attributesToMap(l.attributes)),
        ]);
      }
    }
  }
  return {
    signal: 'traces',
    batches: [{ table: 'otel_traces', columns: SPAN_COLUMNS, rows }],
    acceptedItems: rows.length,
    rejectedItems: rejected.count,
    rejectionMessage: rejected.message('span(s)'),
  };
}

type OtlpSpan = ExportTraceServiceRequest['resourceSpans'][number]['scopeSpans'][number]['spans'][number];

function spanProblem(span: OtlpSpan, ctx: ItemContext): string | null {
  // The spec requires a 16-byte trace id and an 8-byte span id; a span without them
  // cannot be joined to anything, so it is rejected rather than stored half-usable.
  if (span.traceId.length !== 16 || span.spanId.length !== 8) return 'trace_id must be 16 bytes and span_id 8 bytes';
  const time = timeProblem(span.startTimeUnixNano, 'start time', ctx) ?? timeProblem(span.endTimeUnixNano, 'end time', ctx);
  if (time !== null) return time;
  for (const e of span.events) {
    const t = timeProblem(e.timeUnixNano, `event "${e.name.slice(0, 64)}" time`, ctx);
    if (t !== null) return t;
  }
  return null;
}
