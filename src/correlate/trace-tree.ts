/**
 * @module correlate/trace-tree
 * One trace as a tree: spans under their parents, children and logs in time order. Pure: rows in
 * (as the trace query reads them), the API's JSON out.
 *
 * Stored data is whatever clients sent, so the tree copes with what a well-behaved SDK never does:
 * a span whose parent was not stored (dropped, sampled out, still in flight) becomes a root; a
 * span id stored twice (an export retried after a lost acknowledgement) counts once; parent links
 * that form a cycle are cut where the cycle is first entered; and nesting stops at
 * `MAX_TREE_DEPTH`, since the answer is JSON and `JSON.stringify` recurses (it overflows the stack
 * at about 2,500 levels of nodes).
 */
import { isoFromNanos, nanos, nanosToMs } from './time.js';

/** Spans read for one trace; past it the answer says `truncated: true` (the earliest spans are kept). */
export const MAX_TRACE_SPANS = 10_000;
/** Log records read for one trace; past it the answer says `truncated: true` as well. */
export const MAX_TRACE_LOGS = 2_000;
/** Deeper spans are listed as roots (their `parent_span_id` still names the parent). */
export const MAX_TREE_DEPTH = 1_000;

/** A span as the trace query reads it (64-bit numbers arrive as strings). */
export interface SpanRow {
  span_id: string;
  parent_span_id: string;
  service: string;
  name: string;
  kind: string;
  start_ns: string;
  duration_ns: string;
  status_code: string;
  status_message: string;
  config_hash: string;
  environment: string;
  attributes: Record<string, string>;
  event_times_ns: string[];
  event_names: string[];
  event_attributes: Array<Record<string, string>>;
}

export interface LogRow {
  time_ns: string;
  severity_text: string;
  severity_number: number | string;
  service: string;
  span_id: string;
  body: string;
  attributes: Record<string, string>;
}

export interface SpanEvent {
  time: string;
  time_unix_nano: string;
  name: string;
  attributes: Record<string, string>;
}

export interface SpanNode {
  span_id: string;
  parent_span_id: string;
  service: string;
  name: string;
  kind: string;
  start: string;
  start_unix_nano: string;
  duration_ms: number;
  status_code: string;
  status_message: string;
  config_hash: string;
  environment: string;
  attributes: Record<string, string>;
  events: SpanEvent[];
  children: SpanNode[];
}

export interface TraceLog {
  time: string;
  time_unix_nano: string;
  severity_text: string;
  severity_number: number;
  service: string;
  span_id: string;
  body: string;
  attributes: Record<string, string>;
}

export interface TraceView {
  trace_id: string;
  services: string[];
  start: string | null;
  start_unix_nano: string | null;
  duration_ms: number;
  span_count: number;
  /** More spans or log records were stored than one answer carries (MAX_TRACE_SPANS, MAX_TRACE_LOGS). */
  truncated: boolean;
  roots: SpanNode[];
  logs: TraceLog[];
}

interface Placed {
  node: SpanNode;
  startNs: bigint;
  endNs: bigint;
}

const byTime = (a: { startNs: bigint; node: { span_id: string } }, b: { startNs: bigint; node: { span_id: string } }): number =>
  a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : a.node.span_id < b.node.span_id ? -1 : a.node.span_id > b.node.span_id ? 1 : 0;

/**
 * The trace view, or null when there is nothing to show (no spans and no logs). `truncated` is
 * what the query saw (rows beyond the limits were asked for and found).
 */
export function buildTraceView(traceId: string, spanRows: readonly SpanRow[], logRows: readonly LogRow[], truncated: boolean): TraceView | null {
  if (spanRows.length === 0 && logRows.length === 0) return null;

  const placed = new Map<string, Placed>();
  for (const row of spanRows) {
    if (placed.has(row.span_id)) continue; // the same span stored twice
    const startNs = nanos(row.start_ns);
    const durationNs = nanos(row.duration_ns);
    placed.set(row.span_id, { node: spanNode(row, startNs, durationNs), startNs, endNs: startNs + durationNs });
  }

  // Children lists first, in time order; then a walk from the roots that sets depth and cuts cycles.
  const childrenOf = new Map<string, Placed[]>();
  const roots: Placed[] = [];
  for (const p of placed.values()) {
    const parent = p.node.parent_span_id;
    if (parent !== '' && parent !== p.node.span_id && placed.has(parent)) {
      const list = childrenOf.get(parent);
      if (list === undefined) childrenOf.set(parent, [p]);
      else list.push(p);
    } else {
      roots.push(p);
    }
  }
  for (const list of childrenOf.values()) list.sort(byTime);
  roots.sort(byTime);

  const attached = new Set<string>();
  const rootNodes: Placed[] = [];
  const attach = (root: Placed): void => {
    // Iterative, so a long chain cannot overflow the stack here either.
    const stack: Array<{ p: Placed; depth: number }> = [{ p: root, depth: 0 }];
    attached.add(root.node.span_id);
    rootNodes.push(root);
    while (stack.length > 0) {
      const { p, depth } = stack.pop()!;
      for (const child of childrenOf.get(p.node.span_id) ?? []) {
        if (attached.has(child.node.span_id)) continue;
        if (depth + 1 >= MAX_TREE_DEPTH) {
          attached.add(child.node.span_id);
          rootNodes.push(child);
          stack.push({ p: child, depth: 0 });
          continue;
        }
        attached.add(child.node.span_id);
        p.node.children.push(child.node);
        stack.push({ p: child, depth: depth + 1 });
      }
    }
  };
  for (const root of roots) attach(root);
  // Whatever no root reaches sits on a parent cycle: the cycle's earliest span becomes a root.
  const unreached = [...placed.values()].filter((p) => !attached.has(p.node.span_id)).sort(byTime);
  for (const p of unreached) if (!attached.has(p.node.span_id)) attach(p);
  rootNodes.sort(byTime);

  const logs = logRows
    .map((row) => ({ row, ns: nanos(row.time_ns) }))
    .sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0))
    .map(({ row, ns }): TraceLog => ({
      time: isoFromNanos(ns),
      time_unix_nano: ns.toString(),
      severity_text: row.severity_text,
      severity_number: Number(row.severity_number),
      service: row.service,
      span_id: row.span_id,
      body: row.body,
      attributes: row.attributes,
    }));

  const spans = [...placed.values()];
  const times = [...spans.map((p) => p.startNs), ...logs.map((l) => BigInt(l.time_unix_nano))];
  const start = times.reduce((a, b) => (b < a ? b : a));
  const end = [...spans.map((p) => p.endNs), ...times].reduce((a, b) => (b > a ? b : a));
  return {
    trace_id: traceId,
    services: [...new Set([...spans.map((p) => p.node.service), ...logs.map((l) => l.service)])].filter((s) => s !== '').sort(),
    start: isoFromNanos(start),
    start_unix_nano: start.toString(),
    duration_ms: nanosToMs(end - start),
    span_count: spans.length,
    truncated,
    roots: rootNodes.map((p) => p.node),
    logs,
  };
}

function spanNode(row: SpanRow, startNs: bigint, durationNs: bigint): SpanNode {
  return {
    span_id: row.span_id,
    parent_span_id: row.parent_span_id,
    service: row.service,
    name: row.name,
    kind: row.kind,
    start: isoFromNanos(startNs),
    start_unix_nano: startNs.toString(),
    duration_ms: nanosToMs(durationNs),
    status_code: row.status_code,
    status_message: row.status_message,
    config_hash: row.config_hash,
    environment: row.environment,
    attributes: row.attributes,
    events: row.event_names
      .map((name, i) => ({ name, ns: nanos(row.event_times_ns[i]), attributes: row.event_attributes[i] ?? {} }))
      .sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0))
      .map((e) => ({ time: isoFromNanos(e.ns), time_unix_nano: e.ns.toString(), name: e.name, attributes: e.attributes })),
    children: [],
  };
}
