/**
 * @module ingest/decode/json-ids
 * The OTLP JSON mapping writes trace and span ids as hex, while proto3 JSON (and so `fromJson`)
 * reads bytes as base64: passed through unconverted, a 32-character hex trace id silently
 * becomes 24 bytes of garbage. Ids are converted in place along the paths where OTLP puts them,
 * never by walking attribute trees (whose depth a client controls).
 */
import type { Signal } from './rows.js';
import { OtlpDecodeError } from './codec-error.js';

type Json = Record<string, unknown>;

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

function items(parent: unknown, ...keys: string[]): Json[] {
  if (typeof parent !== 'object' || parent === null) return [];
  for (const k of keys) {
    const v = (parent as Json)[k];
    if (Array.isArray(v)) return v.filter((x): x is Json => typeof x === 'object' && x !== null);
  }
  return [];
}

function child(parent: Json, ...keys: string[]): Json | undefined {
  for (const k of keys) {
    const v = parent[k];
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Json;
  }
  return undefined;
}

function convertIds(obj: Json, keys: readonly string[]): void {
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || !HEX.test(v)) {
      throw new OtlpDecodeError(`invalid OTLP/JSON: ${k} must be a hex string, got ${JSON.stringify(v).slice(0, 80)}`);
    }
    obj[k] = Buffer.from(v, 'hex').toString('base64');
  }
}

const SPAN_IDS = ['traceId', 'trace_id', 'spanId', 'span_id', 'parentSpanId', 'parent_span_id'] as const;
const LINK_IDS = ['traceId', 'trace_id', 'spanId', 'span_id'] as const;
const METRIC_KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'exponential_histogram', 'summary'] as const;

export function hexIdsToBase64(signal: Signal, root: object): void {
  const req = root as Json;
  switch (signal) {
    case 'traces':
      for (const rs of items(req, 'resourceSpans', 'resource_spans'))
        for (const ss of items(rs, 'scopeSpans', 'scope_spans'))
          for (const span of items(ss, 'spans')) {
            convertIds(span, SPAN_IDS);
            for (const link of items(span, 'links')) convertIds(link, LINK_IDS);
          }
      return;
    case 'logs':
      for (const rl of items(req, 'resourceLogs', 'resource_logs'))
        for (const sl of items(rl, 'scopeLogs', 'scope_logs'))
          for (const r of items(sl, 'logRecords', 'log_records')) convertIds(r, LINK_IDS);
      return;
    case 'metrics':
      for (const rm of items(req, 'resourceMetrics', 'resource_metrics'))
        for (const sm of items(rm, 'scopeMetrics', 'scope_metrics'))
          for (const m of items(sm, 'metrics')) {
            const data = child(m, ...METRIC_KINDS);
            if (data === undefined) continue;
            for (const p of items(data, 'dataPoints', 'data_points'))
              for (const e of items(p, 'exemplars')) convertIds(e, LINK_IDS);
          }
      return;
  }
}
