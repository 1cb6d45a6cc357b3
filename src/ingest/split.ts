/**
 * @module ingest/split
 * Cuts one OTLP export into smaller exports of the same kind, so a large request is decoded,
 * flattened and encoded a piece at a time: decoding a whole 70,000-span request at once held
 * ~19× its wire size in objects and rows and kept the event loop busy for a second; a piece of
 * PIECE_BYTES holds about a megabyte for a few milliseconds.
 *
 * Protobuf is cut on the wire, without decoding: each piece is a valid Export*ServiceRequest whose
 * resources and scopes are byte-for-byte copies of the original's, holding a run of its spans, log
 * records or data points (copied too). Fields a level does not split (a resource, a scope, a
 * metric's name and unit …) are copied into every piece that carries part of that level, before its
 * items, which the protobuf encoding allows: a message's fields may come in any order, and a
 * message field seen twice merges. So decoding the pieces gives the rows decoding the whole would.
 * OTLP/JSON is parsed once (there is no streaming JSON parser to lean on) and re-serialized a run
 * of items at a time. Pure: bytes in, bytes out.
 */
import { WireType } from '@bufbuild/protobuf/wire';
import { OtlpDecodeError, type Encoding, type Signal } from './decode/index.js';

/**
 * A piece holds about this many bytes of items (protobuf), or the item count that takes (JSON):
 * ~100 spans with attributes, ~200 without. The decoded objects of a piece are alive while it is
 * flattened, so they survive the young-generation collections that run meanwhile; at 64 KiB those
 * collections took up to 60 ms (14 of 246 over 20 ms under a flood), at 16 KiB up to 23 ms (3 of 298).
 */
export const PIECE_BYTES = 16 * 1024;

/** How one level of a request nests the next: the fields holding it, and what they hold. */
interface Level {
  /** Protobuf field numbers of the nested level. */
  fields: ReadonlySet<number>;
  /** OTLP/JSON keys of the nested level (lowerCamelCase and the proto names; singular keys hold one). */
  keys: readonly string[];
  /** The nested level, or undefined when these fields hold the items themselves. */
  next: Level | undefined;
  /** The JSON value under `keys` is one object (a metric's data), not an array. */
  single?: boolean;
}

const points: Level = { fields: new Set([1]), keys: ['dataPoints', 'data_points'], next: undefined };

/** Resource → scope → item, the same for spans and log records. */
const LEVELS: Record<Signal, { typeName: string; top: Level }> = {
  traces: {
    typeName: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
    top: { fields: new Set([1]), keys: ['resourceSpans', 'resource_spans'], next: { fields: new Set([2]), keys: ['scopeSpans', 'scope_spans'], next: { fields: new Set([2]), keys: ['spans'], next: undefined } } },
  },
  logs: {
    typeName: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
    top: { fields: new Set([1]), keys: ['resourceLogs', 'resource_logs'], next: { fields: new Set([2]), keys: ['scopeLogs', 'scope_logs'], next: { fields: new Set([2]), keys: ['logRecords', 'log_records'], next: undefined } } },
  },
  metrics: {
    typeName: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
    top: {
      fields: new Set([1]), keys: ['resourceMetrics', 'resource_metrics'],
      next: {
        fields: new Set([2]), keys: ['scopeMetrics', 'scope_metrics'],
        next: {
          fields: new Set([2]), keys: ['metrics'],
          // Metric.data is a oneof of gauge 5, sum 7, histogram 9, exponential_histogram 10, summary 11;
          // each holds its data points in field 1 beside its temporality and monotonicity.
          next: {
            fields: new Set([5, 7, 9, 10, 11]), keys: ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'exponential_histogram', 'summary'],
            single: true,
            next: points,
          },
        },
      },
    },
  },
};

/**
 * The export as pieces of about `pieceBytes` each. A body no larger than that is its own only
 * piece. Malformed protobuf throws OtlpDecodeError, as decoding it would.
 */
export function splitExport(signal: Signal, encoding: Encoding, body: Uint8Array, pieceBytes = PIECE_BYTES): Iterable<Uint8Array> {
  if (body.byteLength <= pieceBytes) return [body];
  const { typeName, top } = LEVELS[signal];
  return encoding === 'protobuf' ? splitProtobuf(body, top, typeName, pieceBytes) : splitJson(body, top, pieceBytes);
}

// ---- protobuf

/** One enclosing message on the way down: its own fields (raw), and the field the next level sits in. */
interface Frame {
  header: Uint8Array[];
  fieldNo: number;
}

function* splitProtobuf(body: Uint8Array, top: Level, typeName: string, pieceBytes: number): Generator<Uint8Array> {
  const piece: Uint8Array[] = [];
  let pieceSize = 0;
  const items: Uint8Array[] = [];
  let itemsSize = 0;
  /** Wraps the items gathered so far in their level's own fields and every enclosing level's, as one unit. */
  const closeUnit = (frames: readonly Frame[], ownHeader: readonly Uint8Array[], evenIfEmpty = false): void => {
    if (items.length === 0 && !evenIfEmpty) return;
    let inner = concat(ownHeader, items);
    items.length = 0;
    itemsSize = 0;
    for (let i = frames.length - 1; i >= 0; i--) {
      const f = frames[i] as Frame;
      inner = concat(f.header, [lengthDelimited(f.fieldNo, inner)]);
    }
    piece.push(inner);
    pieceSize += inner.byteLength;
  };
  const takePiece = (): Uint8Array => {
    const out = concat(piece, []);
    piece.length = 0;
    pieceSize = 0;
    return out;
  };

  function* walk(message: Uint8Array, level: Level, frames: Frame[]): Generator<Uint8Array> {
    const scan = new FieldScanner(message, typeName);
    // First pass: the level's own fields, wherever they are (a message's fields may come in any order).
    const header: Uint8Array[] = [];
    let children = 0;
    while (scan.next()) {
      if (scan.isChild(level)) children++;
      else header.push(message.subarray(scan.start, scan.end));
    }
    // Second pass: the next level, in order.
    scan.rewind();
    while (scan.next()) {
      if (!scan.isChild(level)) continue;
      if (level.next === undefined) {
        items.push(message.subarray(scan.start, scan.end));
        itemsSize += scan.end - scan.start;
        if (itemsSize >= pieceBytes) {
          closeUnit(frames, header);
          yield takePiece();
        }
      } else {
        yield* walk(message.subarray(scan.valueStart, scan.end), level.next, [...frames, { header, fieldNo: scan.fieldNo }]);
      }
    }
    // A level without children still goes out with its own fields, so the decoder sees (and checks) them.
    closeUnit(frames, header, children === 0);
    if (pieceSize >= pieceBytes) yield takePiece();
  }

  // The request itself is the outermost level: its other fields (none in OTLP 1.x) go into every piece.
  yield* walk(body, top, []);
  if (pieceSize > 0) yield takePiece();
}

/**
 * Walks a message's fields without decoding them or allocating per field (a 70,000-span request
 * has 70,000 of them at one level): after `next()`, the current field is `fieldNo`/`wireType` and
 * lies at `start`…`end`, its value (for length-delimited fields) from `valueStart`. Malformed
 * input throws OtlpDecodeError, worded as the decoder words it.
 */
class FieldScanner {
  fieldNo = 0;
  wireType = 0;
  start = 0;
  valueStart = 0;
  end = 0;
  private pos = 0;

  constructor(private readonly buf: Uint8Array, private readonly typeName: string) {}

  rewind(): void {
    this.pos = 0;
  }

  /** A length-delimited field of one of the next level's numbers (of another wire type, it stays in the header and the decoder rejects it). */
  isChild(level: Level): boolean {
    return this.wireType === WireType.LengthDelimited && level.fields.has(this.fieldNo);
  }

  next(): boolean {
    if (this.pos >= this.buf.byteLength) return false;
    this.start = this.pos;
    const tag = this.varint();
    this.fieldNo = tag >>> 3;
    this.wireType = tag & 7;
    if (this.fieldNo === 0) this.fail(`illegal tag: field no 0 wire type ${this.wireType}`);
    this.valueStart = this.pos;
    this.skipValue(this.wireType, this.fieldNo);
    this.end = this.pos;
    return true;
  }

  private skipValue(wireType: number, fieldNo: number): void {
    switch (wireType) {
      case WireType.Varint:
        this.varint();
        break;
      case WireType.Bit64:
        this.advance(8);
        break;
      case WireType.LengthDelimited: {
        const length = this.varint();
        this.valueStart = this.pos; // the value proper starts after its length
        this.advance(length);
        break;
      }
      case WireType.Bit32:
        this.advance(4);
        break;
      case WireType.StartGroup: {
        // Deprecated groups, skipped field by field to their matching end. Without recursion: a
        // body of nested groups is as deep as its bytes allow, far past any JavaScript stack.
        const open = [fieldNo];
        while (open.length > 0) {
          if (this.pos >= this.buf.byteLength) this.fail('premature EOF');
          const tag = this.varint();
          const inner = tag >>> 3;
          switch (tag & 7) {
            case WireType.StartGroup:
              open.push(inner);
              break;
            case WireType.EndGroup:
              if (open.pop() !== inner) this.fail('invalid end group tag');
              break;
            default:
              this.skipValue(tag & 7, inner);
          }
        }
        break;
      }
      default:
        this.fail(`cant skip wire type ${wireType}`);
    }
  }

  /** An unsigned varint of up to 32 bits (tags and lengths); longer ones are read past and truncated as protobuf does. */
  private varint(): number {
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      if (this.pos >= this.buf.byteLength) this.fail('premature EOF');
      if (shift >= 70) this.fail('invalid varint');
      const b = this.buf[this.pos++] as number;
      if (shift < 32) result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.buf.byteLength) this.fail('premature EOF');
    this.pos += n;
  }

  private fail(problem: string): never {
    throw new OtlpDecodeError(`malformed protobuf ${this.typeName}: ${problem}`);
  }
}

function lengthDelimited(fieldNo: number, payload: Uint8Array): Uint8Array {
  const head = [...varint((fieldNo << 3) | WireType.LengthDelimited), ...varint(payload.byteLength)];
  const out = new Uint8Array(head.length + payload.byteLength);
  out.set(head, 0);
  out.set(payload, head.length);
  return out;
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

/** `a` then `b`, as one buffer (a lone part is returned as it is). */
function concat(a: readonly Uint8Array[], b: readonly Uint8Array[]): Uint8Array {
  if (a.length + b.length === 1) return (a[0] ?? b[0]) as Uint8Array;
  let size = 0;
  for (const p of a) size += p.byteLength;
  for (const p of b) size += p.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const parts of [a, b]) {
    for (const p of parts) {
      out.set(p, at);
      at += p.byteLength;
    }
  }
  return out;
}

// ---- OTLP/JSON

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function* splitJson(body: Uint8Array, top: Level, pieceBytes: number): Generator<Uint8Array> {
  let root: unknown;
  try {
    root = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    // Not JSON: the decoder says so, with its own message.
    yield body;
    return;
  }
  const itemCount = isObject(root) ? countItems(root, top) : undefined;
  if (itemCount === undefined || itemCount === 0) {
    // Not shaped as OTLP expects: decoded whole, the decoder reports what is wrong.
    yield body;
    return;
  }
  const perPiece = Math.max(1, Math.floor(itemCount / Math.ceil(body.byteLength / pieceBytes)));
  let piece: JsonObject[] = [];
  let inPiece = 0;
  const topKey = keyOf(root as JsonObject, top) as string;
  const emit = (): Uint8Array => {
    const out = Buffer.from(stringifyPiece({ [topKey]: piece }));
    piece = [];
    inPiece = 0;
    return out;
  };

  /** Yields pieces of `node`'s items; `rebuild` puts a run of this level's children back into copies of every enclosing object. */
  function* walk(node: JsonObject, level: Level, rebuild: (children: unknown) => JsonObject): Generator<Uint8Array> {
    const key = keyOf(node, level) as string;
    const value = node[key];
    const children: unknown[] = level.single === true ? [value] : (value as unknown[]);
    const wrap = (run: unknown): JsonObject => rebuild({ ...node, [key]: run });
    if (level.next === undefined) {
      for (let i = 0; i < children.length; ) {
        const take = Math.min(children.length - i, perPiece - inPiece);
        piece.push(wrap(children.slice(i, i + take)));
        inPiece += take;
        i += take;
        if (inPiece >= perPiece) yield emit();
      }
      return;
    }
    for (const child of children) {
      if (!isObject(child)) continue; // counted as no items; dropped as the decoder would drop an empty one
      const next = level.next;
      if (keyOf(child, next) === undefined) {
        // A resource or scope without items: kept whole so nothing about it changes.
        piece.push(wrap(level.single === true ? child : [child]));
        continue;
      }
      yield* walk(child, next, (run) => wrap(level.single === true ? run : [run]));
    }
  }

  const topNode = root as JsonObject;
  for (const child of topNode[topKey] as unknown[]) {
    if (!isObject(child)) continue;
    const next = top.next as Level;
    if (keyOf(child, next) === undefined) {
      piece.push(child);
      continue;
    }
    yield* walk(child, next, (run) => run as JsonObject);
  }
  if (piece.length > 0) yield emit();
}

/**
 * V8's JSON.parse takes any depth, but JSON.stringify recurses: a value nested 200,000 levels
 * deep parsed, then overflowed the stack here (answered 500). The decoder refuses anything past
 * 100 message levels anyway, so such a body is refused as the decoder would, before any piece of
 * it is written (the pipeline decodes every piece first).
 */
function stringifyPiece(piece: JsonObject): string {
  try {
    return JSON.stringify(piece);
  } catch (e) {
    if (e instanceof RangeError) throw new OtlpDecodeError('invalid OTLP/JSON: a value is nested too deeply to decode');
    throw e;
  }
}

function keyOf(node: JsonObject, level: Level): string | undefined {
  return level.keys.find((k) => node[k] !== undefined && node[k] !== null);
}

/** Items below `node`, or undefined when the structure is not OTLP's (then the whole body goes to the decoder). */
function countItems(node: JsonObject, level: Level): number | undefined {
  const key = keyOf(node, level);
  if (key === undefined) return 0;
  const value = node[key];
  const children = level.single === true ? [value] : value;
  if (!Array.isArray(children)) return undefined;
  if (level.next === undefined) return children.length;
  let n = 0;
  for (const child of children) {
    if (!isObject(child)) return undefined;
    const below = countItems(child, level.next);
    if (below === undefined) return undefined;
    n += below;
  }
  return n;
}
