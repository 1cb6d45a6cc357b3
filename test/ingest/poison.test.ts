/**
 * One client's bad records never fail another client's export. Records Tollgate decodes but
 * ClickHouse cannot store (or would store wrong) are refused one by one with their reason in
 * `partial_success`; the official exporters sending good data at the same time, coalesced into the
 * same inserts, see every export succeed and every item stored.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as LogsProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as MetricsProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as TracesGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as TracesProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, startInProcess, type InProcessTollgate } from '../helpers/tollgate.js';
import { demoResource, makeLogs, makeMetrics, makeSpans } from '../helpers/telemetry.js';

let tg: InProcessTollgate;
beforeAll(async () => {
  // A long batch delay, so that good and bad exports land in the same inserts.
  tg = await startInProcess({ TOLLGATE_BATCH_MAX_DELAY_MS: '300' });
});
afterAll(async () => {
  await tg?.cleanup();
});

const NS_PER_MS = 1_000_000n;
const ns = (ms: number): string => String(BigInt(Math.round(ms)) * NS_PER_MS);
const YEAR_2200_NS = '7258118400000000000';
const YEAR_2300_NS = '10413792000000000000';
const attrs = (o: Record<string, string>) => Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));

interface Partial {
  status: number;
  rejected: number;
  message: string;
}

async function postJson(signal: 'traces' | 'logs', payload: object): Promise<Partial> {
  const res = await fetch(`${tg.otlpHttpUrl}/v1/${signal}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
  const body = (await res.json()) as { partialSuccess?: { rejectedSpans?: string; rejectedLogRecords?: string; errorMessage?: string } };
  const p = body.partialSuccess ?? {};
  return { status: res.status, rejected: Number(p.rejectedSpans ?? p.rejectedLogRecords ?? 0), message: p.errorMessage ?? '' };
}

function spans(hash: string, items: Array<{ start: string; end?: string; eventTime?: string }>): object {
  return { resourceSpans: [{ resource: { attributes: attrs({ 'service.name': 'poison', config_hash: hash }) }, scopeSpans: [{ spans: items.map((s, i) => ({
    traceId: (i + 1).toString(16).padStart(32, '0'), spanId: (i + 1).toString(16).padStart(16, '0'), name: 'GET /x', kind: 2,
    startTimeUnixNano: s.start, endTimeUnixNano: s.end ?? s.start,
    events: s.eventTime === undefined ? [] : [{ timeUnixNano: s.eventTime, name: 'exception' }],
  })) }] }] };
}

function logs(hash: string, items: Array<{ time: string; severity: number }>): object {
  return { resourceLogs: [{ resource: { attributes: attrs({ 'service.name': 'poison', config_hash: hash }) }, scopeLogs: [{ logRecords: items.map((l, i) => ({
    timeUnixNano: l.time, severityNumber: l.severity, body: { stringValue: `line ${i}` },
  })) }] }] };
}

/** The bad clients: each export mixes good items with ones the store cannot hold. */
const BAD_EXPORTS: Array<{ name: string; send: (now: number) => Promise<Partial>; rejected: number; reason: RegExp }> = [
  {
    name: 'a span in the year 2300 (past DateTime64(9))',
    send: (now) => postJson('traces', spans('cfg-poison-2300', [{ start: YEAR_2300_NS }, { start: ns(now) }])),
    rejected: 1,
    reason: /^1 span\(s\) rejected: start time 2300-01-01T00:00:00\.000Z is past 2106-02-07/,
  },
  {
    name: 'a span in the year 2200 (its rollup minute would wrap to 2063)',
    send: (now) => postJson('traces', spans('cfg-poison-2200', [{ start: YEAR_2200_NS }, { start: ns(now) }])),
    rejected: 1,
    reason: /^1 span\(s\) rejected: start time 2200-01-01T00:00:00\.000Z is past 2106-02-07/,
  },
  {
    name: 'a span a week in the future',
    send: (now) => postJson('traces', spans('cfg-poison-future', [{ start: ns(now + 7 * 86_400_000) }, { start: ns(now) }])),
    rejected: 1,
    reason: /is more than a day after it was received/,
  },
  {
    name: 'an exception event in the year 2300',
    send: (now) => postJson('traces', spans('cfg-poison-event', [{ start: ns(now), eventTime: YEAR_2300_NS }, { start: ns(now) }])),
    rejected: 1,
    reason: /event "exception" time .* is past 2106-02-07/,
  },
  {
    name: 'a negative log severity (UInt8 column)',
    send: (now) => postJson('logs', logs('cfg-poison-neg', [{ time: ns(now), severity: -5 }, { time: ns(now), severity: 9 }])),
    rejected: 1,
    reason: /severity_number -5 is outside OTLP's 0–24/,
  },
  {
    name: 'log severity 300 (would be stored as 44)',
    send: (now) => postJson('logs', logs('cfg-poison-300', [{ time: ns(now), severity: 300 }, { time: ns(now), severity: 17 }])),
    rejected: 1,
    reason: /severity_number 300 is outside/,
  },
  {
    name: 'log records on 150 distinct days (more partitions than one insert may touch)',
    send: (now) => postJson('logs', logs('cfg-poison-days', Array.from({ length: 150 }, (_, i) => ({ time: ns(now - i * 86_400_000), severity: 9 })))),
    rejected: 0,
    reason: /^$/,
  },
];

interface Exporter<T> {
  export(items: T, done: (r: ExportResult) => void): void;
  shutdown(): Promise<void>;
}
const exportOnce = <T>(e: Exporter<T>, items: T): Promise<ExportResult> => new Promise((resolve) => e.export(items, resolve));

describe('poison records', () => {
  it('are refused one by one with their reason while four official exporters coalesced with them all succeed', async () => {
    const tracesProto = new TracesProto({ url: `${tg.otlpHttpUrl}/v1/traces` });
    const tracesGrpc = new TracesGrpc({ url: tg.otlpGrpcUrl });
    const logsProto = new LogsProto({ url: `${tg.otlpHttpUrl}/v1/logs` });
    const metricsProto = new MetricsProto({ url: `${tg.otlpHttpUrl}/v1/metrics` });
    // Each bad export once, each beside a round of good ones.
    const rounds = BAD_EXPORTS.length;
    const results: ExportResult[] = [];
    const badAnswers: Array<{ name: string; answer: Partial }> = [];
    for (let round = 0; round < rounds; round++) {
      const good = [
        exportOnce(tracesProto, makeSpans(10, demoResource({ config_hash: 'cfg-good-proto' }))),
        exportOnce(tracesGrpc, makeSpans(10, demoResource({ config_hash: 'cfg-good-grpc' }))),
        exportOnce(logsProto, makeLogs(10, demoResource({ config_hash: 'cfg-good-logs' }))),
        makeMetrics(demoResource({ config_hash: 'cfg-good-metrics' })).then((m) => exportOnce(metricsProto, m)),
      ];
      const bad = BAD_EXPORTS[round % BAD_EXPORTS.length]!;
      const badAnswer = bad.send(Date.now()).then((answer) => badAnswers.push({ name: bad.name, answer }));
      results.push(...(await Promise.all(good)));
      await badAnswer;
    }
    await Promise.all([tracesProto.shutdown(), tracesGrpc.shutdown(), logsProto.shutdown(), metricsProto.shutdown()]);

    expect(results.map((r) => (r.code === ExportResultCode.SUCCESS ? 'ok' : String(r.error)))).toEqual(Array.from({ length: rounds * 4 }, () => 'ok'));
    // makeSpans(10) makes a server span and a client child for each.
    expect(await countRows(tg, 'otel_traces', "ConfigHash = 'cfg-good-proto'")).toBe(rounds * 20);
    expect(await countRows(tg, 'otel_traces', "ConfigHash = 'cfg-good-grpc'")).toBe(rounds * 20);
    expect(await countRows(tg, 'otel_logs', "ConfigHash = 'cfg-good-logs'")).toBe(rounds * 10);
    expect(await countRows(tg, 'otel_metrics_sum', "ConfigHash = 'cfg-good-metrics'")).toBeGreaterThanOrEqual(rounds * 2);
    for (const { name, answer } of badAnswers) {
      const bad = BAD_EXPORTS.find((b) => b.name === name)!;
      expect({ name, status: answer.status, rejected: answer.rejected }).toEqual({ name, status: 200, rejected: bad.rejected });
      expect(answer.message, name).toMatch(bad.reason);
    }
  });

  it('stores the good items of a bad export, and never a wrapped value', async () => {
    expect(await countRows(tg, 'otel_traces', "ConfigHash LIKE 'cfg-poison-%'")).toBe(4);
    expect(await countRows(tg, 'otel_logs', "ConfigHash IN ('cfg-poison-neg', 'cfg-poison-300')")).toBe(2);
    expect(await countRows(tg, 'otel_logs', 'SeverityNumber > 24')).toBe(0);
    expect(await countRows(tg, 'otel_logs', "ConfigHash = 'cfg-poison-days'")).toBe(150);
    // No span lies beyond the day of skew allowed, and no rollup minute wrapped into the past.
    expect(await countRows(tg, 'otel_traces', 'Timestamp > now() + INTERVAL 2 DAY')).toBe(0);
    expect(await countRows(tg, 'tollgate_span_rollup_1m', "ServiceName = 'poison' AND Minute < now() - INTERVAL 1 DAY")).toBe(0);
  });
});
