/**
 * OTLP/JSON bodies with chosen ids, parents, kinds and times, for tests that need a known trace
 * shape (test/helpers/spans.ts makes independent spans with random ids).
 */

export interface TraceSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: 1 | 2 | 3;
  startMs: number;
  durationMs: number;
  error?: string;
  exceptionType?: string;
  attributes?: Record<string, string>;
}

export interface Resource {
  service: string;
  environment?: string;
  configHash?: string;
}

const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
const resourceOf = (r: Resource) => ({
  attributes: [
    attr('service.name', r.service),
    ...(r.environment === undefined ? [] : [attr('deployment.environment.name', r.environment)]),
    ...(r.configHash === undefined ? [] : [attr('config_hash', r.configHash)]),
  ],
});
const ns = (ms: number): string => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

export function tracesBody(groups: ReadonlyArray<{ resource: Resource; spans: readonly TraceSpan[] }>): string {
  return JSON.stringify({
    resourceSpans: groups.map(({ resource, spans }) => ({
      resource: resourceOf(resource),
      scopeSpans: [{
        scope: { name: 'correlate-test' },
        spans: spans.map((s) => ({
          traceId: s.traceId,
          spanId: s.spanId,
          ...(s.parentSpanId === undefined ? {} : { parentSpanId: s.parentSpanId }),
          name: s.name,
          kind: s.kind,
          startTimeUnixNano: ns(s.startMs),
          endTimeUnixNano: ns(s.startMs + s.durationMs),
          attributes: Object.entries(s.attributes ?? {}).map(([k, v]) => attr(k, v)),
          status: s.error === undefined ? {} : { code: 2, message: s.error },
          events: s.exceptionType === undefined ? [] : [{
            timeUnixNano: ns(s.startMs + 1), name: 'exception', attributes: [attr('exception.type', s.exceptionType)],
          }],
        })),
      }],
    })),
  });
}

export interface TraceLogRecord {
  traceId: string;
  spanId?: string;
  atMs: number;
  severity: 'INFO' | 'ERROR';
  body: string;
  attributes?: Record<string, string>;
}

export function logsBody(resource: Resource, records: readonly TraceLogRecord[]): string {
  return JSON.stringify({
    resourceLogs: [{
      resource: resourceOf(resource),
      scopeLogs: [{
        logRecords: records.map((r) => ({
          timeUnixNano: ns(r.atMs),
          severityNumber: r.severity === 'ERROR' ? 17 : 9,
          severityText: r.severity,
          body: { stringValue: r.body },
          traceId: r.traceId,
          ...(r.spanId === undefined ? {} : { spanId: r.spanId }),
          attributes: Object.entries(r.attributes ?? {}).map(([k, v]) => attr(k, v)),
        })),
      }],
    }],
  });
}

/** Posts an OTLP/JSON body; throws unless the export is acknowledged. */
export async function post(otlpHttpUrl: string, signal: 'traces' | 'logs', body: string): Promise<void> {
  const res = await fetch(`${otlpHttpUrl}/v1/${signal}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  if (res.status !== 200) throw new Error(`export refused: ${res.status} ${await res.text()}`);
  const answer = (await res.json()) as { partialSuccess?: { rejectedSpans?: string; rejectedLogRecords?: string } };
  const rejected = Number(answer.partialSuccess?.rejectedSpans ?? answer.partialSuccess?.rejectedLogRecords ?? 0);
  if (rejected > 0) throw new Error(`export partly rejected: ${JSON.stringify(answer)}`);
}
