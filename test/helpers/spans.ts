/**
 * Spans with chosen timestamps, sent over OTLP/HTTP JSON: for tests that need exact counts in
 * exact windows (the SDK stamps spans with the current time).
 */
import { randomBytes } from 'node:crypto';

export interface SpanSpec {
  startMs: number;
  durationMs?: number;
  name?: string;
  kind?: 1 | 2 | 3 | 4 | 5;
  error?: boolean;
  httpStatus?: number;
  attributes?: Record<string, string>;
  traceId?: string;
  /** Adds an `exception` event with this `exception.type`. */
  exceptionType?: string;
}

export interface ResourceSpec {
  service: string;
  configHash?: string;
  environment?: string;
}

export function otlpJsonSpans(resource: ResourceSpec, spans: readonly SpanSpec[]): string {
  const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
  return JSON.stringify({
    resourceSpans: [{
      resource: {
        attributes: [
          attr('service.name', resource.service),
          ...(resource.configHash === undefined ? [] : [attr('config_hash', resource.configHash)]),
          ...(resource.environment === undefined ? [] : [attr('deployment.environment.name', resource.environment)]),
        ],
      },
      scopeSpans: [{
        scope: { name: 'test' },
        spans: spans.map((s) => {
          const start = BigInt(Math.round(s.startMs)) * 1_000_000n;
          const end = start + BigInt(Math.round((s.durationMs ?? 10) * 1_000_000));
          return {
            traceId: s.traceId ?? randomBytes(16).toString('hex'),
            spanId: randomBytes(8).toString('hex'),
            name: s.name ?? 'POST /charge',
            kind: s.kind ?? 2,
            startTimeUnixNano: start.toString(),
            endTimeUnixNano: end.toString(),
            attributes: [
              ...(s.httpStatus === undefined ? [] : [{ key: 'http.response.status_code', value: { intValue: String(s.httpStatus) } }]),
              ...Object.entries(s.attributes ?? {}).map(([k, v]) => attr(k, v)),
            ],
            status: s.error === true ? { code: 2, message: 'failed' } : {},
            events: s.exceptionType === undefined ? [] : [{
              timeUnixNano: start.toString(), name: 'exception',
              attributes: [attr('exception.type', s.exceptionType), attr('exception.message', `${s.exceptionType} raised`)],
            }],
          };
        }),
      }],
    }],
  });
}

/** Sends spans in chunks; throws unless every export is acknowledged. */
export async function sendSpans(otlpHttpUrl: string, resource: ResourceSpec, spans: readonly SpanSpec[], chunk = 5_000): Promise<void> {
  for (let i = 0; i < spans.length; i += chunk) {
    const res = await fetch(`${otlpHttpUrl}/v1/traces`, {
      method: 'POST',
      body: otlpJsonSpans(resource, spans.slice(i, i + chunk)),
      headers: { 'content-type': 'application/json' },
    });
    if (res.status !== 200) throw new Error(`export refused: ${res.status} ${await res.text()}`);
  }
}

/** `n` spans spread evenly over [fromMs, toMs), every `badEvery`-th one failing. */
export function spread(n: number, fromMs: number, toMs: number, make: (i: number) => Partial<SpanSpec> = () => ({})): SpanSpec[] {
  return Array.from({ length: n }, (_, i) => ({ startMs: fromMs + ((toMs - fromMs) * i) / n, ...make(i) }));
}
