/**
 * A protobuf wire writer for hostile inputs: messages built field by field, so a test can write
 * what no serializer would (wrong wire types, lying lengths, unknown fields, values out of range)
 * and nest values deeper than a recursive serializer can. Field numbers are OTLP's (opentelemetry
 * proto v1.5).
 */

export type Part = Uint8Array;

export function varint(n: bigint | number): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return Uint8Array.from(out);
}

export const WIRE = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

export function tag(field: number, wire: number): Uint8Array {
  return varint((BigInt(field) << 3n) | BigInt(wire));
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** A length-delimited field: sub-message, string or bytes. */
export function len(field: number, payload: Uint8Array | string): Uint8Array {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return concat([tag(field, WIRE.LEN), varint(bytes.length), bytes]);
}

export function uvarintField(field: number, n: bigint | number): Uint8Array {
  return concat([tag(field, WIRE.VARINT), varint(n)]);
}

export function fixed64(field: number, n: bigint): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, n));
  return concat([tag(field, WIRE.I64), b]);
}

export function double(field: number, d: number): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(d);
  return concat([tag(field, WIRE.I64), b]);
}

export function fixed32(field: number, n: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return concat([tag(field, WIRE.I32), b]);
}

export const msg = (...fields: Uint8Array[]): Uint8Array => concat(fields);

// ---- common.proto
export const anyString = (s: string): Uint8Array => len(1, s);
export const keyValue = (key: string, value: Uint8Array): Uint8Array => msg(len(1, key), len(2, value));
export const stringAttr = (key: string, value: string): Uint8Array => keyValue(key, anyString(value));

/**
 * An AnyValue nested `depth` levels deep, alternating arrays and key-value lists around a string,
 * written in one pass (each level's length is known from the inside out), so a depth of a million
 * takes milliseconds rather than the quadratic copying of wrapping it level by level.
 */
export function deepAnyValue(depth: number): Uint8Array {
  const core = anyString('bottom');
  // Inside out: the AnyValue at level i wraps either ArrayValue{values=1} or KeyValueList{values=1: KeyValue{key, value=2}}.
  const headers: Uint8Array[] = new Array(depth);
  let inner = core.length;
  for (let i = depth - 1; i >= 0; i--) {
    if (i % 2 === 0) {
      // AnyValue{array_value=5: ArrayValue{values=1: <inner AnyValue>}}
      const arrayBody = concat([tag(1, WIRE.LEN), varint(inner)]);
      const arrayLen = arrayBody.length + inner;
      headers[i] = concat([tag(5, WIRE.LEN), varint(arrayLen), arrayBody]);
      inner = headers[i]!.length + inner - 0;
    } else {
      // AnyValue{kvlist_value=6: KeyValueList{values=1: KeyValue{key=1 "k", value=2: <inner AnyValue>}}}
      const kvBody = concat([len(1, 'k'), tag(2, WIRE.LEN), varint(inner)]);
      const kvLen = kvBody.length + inner;
      const listBody = concat([tag(1, WIRE.LEN), varint(kvLen), kvBody]);
      const listLen = listBody.length + inner;
      headers[i] = concat([tag(6, WIRE.LEN), varint(listLen), listBody]);
      inner = headers[i]!.length + inner;
    }
  }
  return Uint8Array.from(Buffer.concat([...headers, core]));
}

/** The same nesting as OTLP/JSON text. */
export function deepAnyValueJson(depth: number): string {
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < depth; i++) {
    if (i % 2 === 0) {
      open.push('{"arrayValue":{"values":[');
      close.push(']}}');
    } else {
      open.push('{"kvlistValue":{"values":[{"key":"k","value":');
      close.push('}]}}');
    }
  }
  return `${open.join('')}{"stringValue":"bottom"}${close.reverse().join('')}`;
}

// ---- resource, scope
export const resource = (...attributes: Uint8Array[]): Uint8Array => msg(...attributes.map((a) => len(1, a)));
export const scope = (name: string, ...attributes: Uint8Array[]): Uint8Array => msg(len(1, name), ...attributes.map((a) => len(3, a)));

// ---- trace.proto
export interface SpanFields {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  name?: string;
  kind?: number | bigint;
  startNs?: bigint;
  endNs?: bigint;
  attributes?: Uint8Array[];
  events?: Uint8Array[];
  links?: Uint8Array[];
  status?: Uint8Array;
  extra?: Uint8Array[];
}

export const ids = (seed: number): { traceId: Uint8Array; spanId: Uint8Array } => {
  const t = Buffer.alloc(16);
  t.writeUInt32BE(seed >>> 0, 12);
  t[0] = 0xab;
  const s = Buffer.alloc(8);
  s.writeUInt32BE(seed >>> 0, 4);
  s[0] = 0xcd;
  return { traceId: Uint8Array.from(t), spanId: Uint8Array.from(s) };
};

export function span(f: SpanFields, seed = 1): Uint8Array {
  const id = ids(seed);
  const now = BigInt(Date.now()) * 1_000_000n;
  return msg(
    len(1, f.traceId ?? id.traceId),
    len(2, f.spanId ?? id.spanId),
    len(5, f.name ?? 'GET /hostile'),
    uvarintField(6, f.kind ?? 2),
    fixed64(7, f.startNs ?? now),
    fixed64(8, f.endNs ?? now + 1_000_000n),
    ...(f.attributes ?? []).map((a) => len(9, a)),
    ...(f.events ?? []).map((e) => len(11, e)),
    ...(f.links ?? []).map((l) => len(13, l)),
    ...(f.status === undefined ? [] : [len(15, f.status)]),
    ...(f.extra ?? []),
  );
}

export const event = (name: string, timeNs: bigint, ...attributes: Uint8Array[]): Uint8Array => msg(fixed64(1, timeNs), len(2, name), ...attributes.map((a) => len(3, a)));
export const link = (traceId: Uint8Array, spanId: Uint8Array, ...attributes: Uint8Array[]): Uint8Array => msg(len(1, traceId), len(2, spanId), ...attributes.map((a) => len(4, a)));
export const status = (code: number | bigint, message = ''): Uint8Array => msg(len(2, message), uvarintField(3, code));

export function traceRequest({ resourceAttrs = [stringAttr('service.name', 'hostile')], scopeAttrs = [] as Uint8Array[], spans }: {
  resourceAttrs?: Uint8Array[];
  scopeAttrs?: Uint8Array[];
  spans: Uint8Array[];
}): Uint8Array {
  const scopeSpans = msg(len(1, scope('hostile-scope', ...scopeAttrs)), ...spans.map((s) => len(2, s)));
  const resourceSpans = msg(len(1, resource(...resourceAttrs)), len(2, scopeSpans));
  return len(1, resourceSpans);
}

// ---- logs.proto
export interface LogFields {
  timeNs?: bigint;
  observedNs?: bigint;
  severity?: number | bigint;
  body?: Uint8Array;
  attributes?: Uint8Array[];
  traceId?: Uint8Array;
  spanId?: Uint8Array;
}

export function logRecord(f: LogFields): Uint8Array {
  const now = BigInt(Date.now()) * 1_000_000n;
  return msg(
    fixed64(1, f.timeNs ?? now),
    uvarintField(2, f.severity ?? 9),
    len(3, 'INFO'),
    len(5, f.body ?? anyString('hostile line')),
    ...(f.attributes ?? []).map((a) => len(6, a)),
    ...(f.traceId === undefined ? [] : [len(9, f.traceId)]),
    ...(f.spanId === undefined ? [] : [len(10, f.spanId)]),
    ...(f.observedNs === undefined ? [] : [fixed64(11, f.observedNs)]),
  );
}

export function logsRequest({ resourceAttrs = [stringAttr('service.name', 'hostile')], records }: { resourceAttrs?: Uint8Array[]; records: Uint8Array[] }): Uint8Array {
  const scopeLogs = msg(len(1, scope('hostile-scope')), ...records.map((r) => len(2, r)));
  return len(1, msg(len(1, resource(...resourceAttrs)), len(2, scopeLogs)));
}

// ---- metrics.proto
export function gaugePoint({ timeNs, value = 1.5, attributes = [], exemplars = [] }: { timeNs?: bigint; value?: number; attributes?: Uint8Array[]; exemplars?: Uint8Array[] }): Uint8Array {
  const now = BigInt(Date.now()) * 1_000_000n;
  return msg(fixed64(3, timeNs ?? now), double(4, value), ...exemplars.map((e) => len(5, e)), ...attributes.map((a) => len(7, a)));
}

export const exemplar = (timeNs: bigint, ...filteredAttributes: Uint8Array[]): Uint8Array => msg(fixed64(2, timeNs), double(3, 2.5), ...filteredAttributes.map((a) => len(7, a)));

export function gaugeRequest(name: string, points: Uint8Array[], resourceAttrs = [stringAttr('service.name', 'hostile')]): Uint8Array {
  const metric = msg(len(1, name), len(5, msg(...points.map((p) => len(1, p)))));
  const scopeMetrics = msg(len(1, scope('hostile-scope')), len(2, metric));
  return len(1, msg(len(1, resource(...resourceAttrs)), len(2, scopeMetrics)));
}
