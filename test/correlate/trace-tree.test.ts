import { describe, expect, it } from 'vitest';
import { buildTraceView, MAX_TREE_DEPTH, type LogRow, type SpanNode, type SpanRow } from '../../src/correlate/index.js';

const T0 = 1_700_000_000_000_000_000n; // 2023-11-14T22:13:20Z in ns
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

function span(id: string, parent: string, startMs: number, durationMs = 10, over: Partial<SpanRow> = {}): SpanRow {
  return {
    span_id: id, parent_span_id: parent, service: 'checkout', name: `op-${id}`, kind: 'Server',
    start_ns: (T0 + BigInt(startMs) * 1_000_000n).toString(), duration_ns: String(durationMs * 1_000_000),
    status_code: 'Unset', status_message: '', config_hash: 'cfg1', environment: 'prod', attributes: {},
    event_times_ns: [], event_names: [], event_attributes: [], ...over,
  };
}
function log(spanId: string, atMs: number, body: string): LogRow {
  return { time_ns: (T0 + BigInt(atMs) * 1_000_000n).toString(), severity_text: 'INFO', severity_number: '9', service: 'checkout', span_id: spanId, body, attributes: { k: 'v' } };
}
const ids = (nodes: SpanNode[]): string[] => nodes.map((n) => n.span_id);

describe('buildTraceView', () => {
  it('nests spans under their parents, children and logs in time order', () => {
    const view = buildTraceView(TRACE, [
      span('c2', 'root', 30), span('root', '', 0, 100), span('c1', 'root', 5), span('g1', 'c1', 6, 2, { service: 'payments' }),
    ], [log('c1', 20, 'second'), log('root', 1, 'first')], false)!;
    expect(ids(view.roots)).toEqual(['root']);
    expect(ids(view.roots[0]!.children)).toEqual(['c1', 'c2']);
    expect(ids(view.roots[0]!.children[0]!.children)).toEqual(['g1']);
    expect(view.logs.map((l) => l.body)).toEqual(['first', 'second']);
    expect(view.logs[0]).toMatchObject({ severity_number: 9, time: '2023-11-14T22:13:20.001Z', time_unix_nano: (T0 + 1_000_000n).toString() });
    expect(view).toMatchObject({ trace_id: TRACE, span_count: 4, services: ['checkout', 'payments'], duration_ms: 100, truncated: false, start: '2023-11-14T22:13:20.000Z', start_unix_nano: T0.toString() });
  });

  it('keeps nanosecond times exact in the *_unix_nano strings', () => {
    const view = buildTraceView(TRACE, [span('a', '', 0, 1, { start_ns: (T0 + 123_456_789n).toString(), duration_ns: '1500' })], [], false)!;
    expect(view.roots[0]).toMatchObject({ start_unix_nano: (T0 + 123_456_789n).toString(), start: '2023-11-14T22:13:20.123Z', duration_ms: 0.0015 });
  });

  it('makes a span whose parent is missing a root', () => {
    const view = buildTraceView(TRACE, [span('a', '', 0), span('orphan', 'not-stored', 5), span('b', 'orphan', 6)], [], false)!;
    expect(ids(view.roots)).toEqual(['a', 'orphan']);
    expect(ids(view.roots[1]!.children)).toEqual(['b']);
    expect(view.roots[1]!.parent_span_id).toBe('not-stored');
  });

  it('counts a span stored twice once, and cuts a parent cycle instead of losing its spans', () => {
    const view = buildTraceView(TRACE, [span('x', 'y', 0), span('y', 'x', 5), span('x', 'y', 0), span('self', 'self', 9)], [], false)!;
    expect(view.span_count).toBe(3);
    expect(ids(view.roots)).toEqual(['x', 'self']);
    expect(ids(view.roots[0]!.children)).toEqual(['y']);
  });

  it('orders span events by time and keeps their attributes', () => {
    const s = span('a', '', 0, 10, {
      event_times_ns: [(T0 + 5_000_000n).toString(), (T0 + 1_000_000n).toString()],
      event_names: ['exception', 'retry'],
      event_attributes: [{ 'exception.type': 'Boom' }, {}],
    });
    const view = buildTraceView(TRACE, [s], [], false)!;
    expect(view.roots[0]!.events).toEqual([
      { time: '2023-11-14T22:13:20.001Z', time_unix_nano: (T0 + 1_000_000n).toString(), name: 'retry', attributes: {} },
      { time: '2023-11-14T22:13:20.005Z', time_unix_nano: (T0 + 5_000_000n).toString(), name: 'exception', attributes: { 'exception.type': 'Boom' } },
    ]);
  });

  it('stops nesting at MAX_TREE_DEPTH so the answer still serializes', () => {
    const chain = Array.from({ length: 3_000 }, (_, i) => span(`s${i}`, i === 0 ? '' : `s${i - 1}`, i));
    const view = buildTraceView(TRACE, chain, [], false)!;
    expect(view.span_count).toBe(3_000);
    expect(ids(view.roots)).toEqual(['s0', `s${MAX_TREE_DEPTH}`, `s${2 * MAX_TREE_DEPTH}`]);
    expect(() => JSON.stringify(view)).not.toThrow();
  });

  it('shows a trace of logs only, and nothing for neither', () => {
    const view = buildTraceView(TRACE, [], [log('', 0, 'only a log')], true)!;
    expect(view).toMatchObject({ span_count: 0, roots: [], duration_ms: 0, truncated: true, services: ['checkout'] });
    expect(buildTraceView(TRACE, [], [], false)).toBeNull();
  });
});
