/**
 * The hostile suite: requests written to hurt (mutated protobuf, values out of range, nesting on
 * every path, huge attributes, gzip that lies, uploads that stall), each sent over a real socket
 * beside a good export from an official OpenTelemetry exporter. Each hostile request gets its own
 * answer (a status with its reason, or 200 with the items refused in partial_success), never a
 * 500, a reset or a hang, and the good export sent with it is stored, every time.
 * test/ingest/bad-input.test.ts and poison.test.ts hold the plainer cases; they are not repeated.
 */
import http from 'node:http';
import http2 from 'node:http2';
import { deflateSync, gzipSync } from 'node:zlib';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as LogsProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as TracesGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as TracesProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, startInProcess, type InProcessTollgate } from '../helpers/tollgate.js';
import { demoResource, makeLogs, makeSpans } from '../helpers/telemetry.js';
import {
  anyString, concat, deepAnyValue, deepAnyValueJson, event, exemplar, fixed32, fixed64, gaugePoint, gaugeRequest, ids, keyValue, len, link, logRecord,
  logsRequest, msg, span, status, stringAttr, tag, traceRequest, uvarintField, varint, WIRE,
} from '../helpers/protowire.js';
import { seededRandom } from '../helpers/random.js';

const READ_TIMEOUT_MS = 1_500;
let tg: InProcessTollgate;
let tracesProto: TracesProto;
let tracesGrpc: TracesGrpc;
let logsProto: LogsProto;
beforeAll(async () => {
  // Default settings but a short read timeout, so stalled uploads are answered within the test.
  tg = await startInProcess({ TOLLGATE_INGEST_READ_TIMEOUT_MS: String(READ_TIMEOUT_MS) });
  tracesProto = new TracesProto({ url: `${tg.otlpHttpUrl}/v1/traces` });
  tracesGrpc = new TracesGrpc({ url: tg.otlpGrpcUrl });
  logsProto = new LogsProto({ url: `${tg.otlpHttpUrl}/v1/logs` });
});
afterAll(async () => {
  await Promise.all([tracesProto?.shutdown(), tracesGrpc?.shutdown(), logsProto?.shutdown()]);
  await tg?.cleanup();
});

// ---------------------------------------------------------------- sending

interface Answer {
  status: number | 'reset' | 'no answer';
  /** The Status message, or partial_success's error message on 200. */
  message: string;
  rejected: number;
}

interface RawRequest {
  path: string;
  headers: Record<string, string>;
  /** The body, sent at once, or in the given chunks with pauses between them. */
  body: Uint8Array | string;
  /** Send only the first `stallAfter` bytes, then nothing. */
  stallAfter?: number;
  /** Send the body in chunks of this many bytes, `chunkDelayMs` apart (no Content-Length). */
  chunkBytes?: number;
  chunkDelayMs?: number;
}

/** One request over a raw socket, answered or not within 20 s. */
function send(r: RawRequest): Promise<Answer> {
  const bytes = typeof r.body === 'string' ? Buffer.from(r.body) : Buffer.from(r.body);
  const chunked = r.chunkBytes !== undefined;
  return new Promise((resolve) => {
    const headers: Record<string, string> = { ...r.headers };
    if (!chunked && headers['content-length'] === undefined) headers['content-length'] = String(bytes.length);
    const req = http.request(`${tg.otlpHttpUrl}${r.path}`, { method: 'POST', headers });
    let answered: number | undefined;
    const timer = setTimeout(() => {
      req.destroy();
      resolve({ status: answered ?? 'no answer', message: '', rejected: 0 });
    }, 20_000);
    req.on('response', (res) => {
      answered = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve(parseAnswer(res.statusCode ?? 0, res.headers['content-type'] ?? '', Buffer.concat(chunks)));
      });
    });
    req.on('error', () => {
      // A server that answered and closed while the client still sent: the answer counts.
      clearTimeout(timer);
      resolve({ status: answered ?? 'reset', message: '', rejected: 0 });
    });
    if (r.stallAfter !== undefined) {
      req.flushHeaders();
      if (r.stallAfter > 0) req.write(bytes.subarray(0, r.stallAfter));
      return; // and nothing more
    }
    if (!chunked) {
      req.end(bytes);
      return;
    }
    let at = 0;
    const next = (): void => {
      if (req.destroyed) return;
      if (at >= bytes.length) {
        req.end();
        return;
      }
      req.write(bytes.subarray(at, at + r.chunkBytes!));
      at += r.chunkBytes!;
      setTimeout(next, r.chunkDelayMs ?? 0);
    };
    next();
  });
}

function parseAnswer(status: number, contentType: string, body: Buffer): Answer {
  if (contentType.includes('json')) {
    try {
      const j = JSON.parse(body.toString()) as { message?: string; partialSuccess?: Record<string, string> };
      const p = j.partialSuccess ?? {};
      const rejected = Number(p['rejectedSpans'] ?? p['rejectedLogRecords'] ?? p['rejectedDataPoints'] ?? 0);
      return { status, message: j.message ?? p['errorMessage'] ?? '', rejected };
    } catch {
      return { status, message: body.toString(), rejected: 0 };
    }
  }
  // A protobuf Status or Export*ServiceResponse: the message text is readable in the bytes; the
  // rejected count is partial_success's field 1 (a varint after tag 0x08).
  const text = body.toString('latin1');
  let rejected = 0;
  if (status === 200 && body.length > 2 && body[0] === 0x0a) {
    const m = /^\x08([\x00-\x7f]|[\x80-\xff]+[\x00-\x7f])/.exec(text.slice(2));
    if (m !== null) rejected = Number(decodeVarint(Buffer.from(m[1]!, 'latin1')));
  }
  return { status, message: text.replace(/[^\x20-\x7e]+/g, ' ').trim(), rejected };
}

function decodeVarint(b: Buffer): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 7n) | BigInt(b[i]! & 0x7f);
  return v;
}

const PROTO = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };
const GZIP = { ...PROTO, 'content-encoding': 'gzip' };

const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;
const YEAR_2300_NS = 10_413_792_000_000_000_000n;
const U64_MAX = 18_446_744_073_709_551_615n;

// ---------------------------------------------------------------- what is expected

type Expect =
  /** 200, with exactly this many items refused in partial_success (and the reason). */
  | { stored: number; rejected: number; reason?: RegExp }
  /** An error status with its reason. */
  | { status: 400 | 408 | 413 | 415; reason?: RegExp }
  /**
   * Where what a sender gets depends on where a cut lands (random mutations) or on the machine
   * (the JavaScript stack depth at which very deep nesting stops decoding): any of these statuses.
   */
  | { oneOf: ReadonlyArray<200 | 400 | 408 | 413>; reason?: RegExp };

interface HostileCase {
  name: string;
  send: () => Promise<Answer>;
  expect: Expect;
}

const proto = (path: string, body: Uint8Array, extra: Partial<RawRequest> = {}) => () => send({ path, headers: PROTO, body, ...extra });
const json = (path: string, body: string | object) => () => send({ path, headers: JSON_TYPE, body: typeof body === 'string' ? body : JSON.stringify(body) });

const goodTraceBody = (): Uint8Array => ProtobufTraceSerializer.serializeRequest(makeSpans(20, demoResource({ config_hash: 'hostile-mutant' })))!;

function flipBits(body: Uint8Array, seed: number, flips: number): Uint8Array {
  const out = Uint8Array.from(body);
  const r = seededRandom(seed);
  for (let i = 0; i < flips; i++) {
    const at = Math.floor(r() * out.length);
    out[at] = out[at]! ^ (1 << Math.floor(r() * 8));
  }
  return out;
}

/** A JSON span with `patch` applied (OTLP/JSON, hex ids). */
function jsonSpans(patch: Record<string, unknown>, resourcePatch: Record<string, unknown> = {}, scopePatch: Record<string, unknown> = {}): object {
  const now = String(nowNs());
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'hostile' } }], ...resourcePatch },
      scopeSpans: [{
        scope: { name: 'hostile-scope', ...scopePatch },
        spans: [{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), name: 'GET /json', kind: 2, startTimeUnixNano: now, endTimeUnixNano: now, ...patch }],
      }],
    }],
  };
}

function jsonLogs(patch: Record<string, unknown>): object {
  return {
    resourceLogs: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'hostile' } }] },
      scopeLogs: [{ logRecords: [{ timeUnixNano: String(nowNs()), severityNumber: 9, body: { stringValue: 'x' }, ...patch }] }],
    }],
  };
}

/** A JSON body with a deep value spliced in for the placeholder string "DEEP". */
const withDeepJson = (body: object, depth: number): string => JSON.stringify(body).replace('{"stringValue":"DEEP"}', deepAnyValueJson(depth));
const DEEP = { stringValue: 'DEEP' };

const DEEP_ENOUGH_TO_STOP = 200_000; // far past any JavaScript stack: decoding must stop, not crash
const DEEP_PAST_THE_LIMIT = 300; // past protobuf-es' 100 message levels: refused with that reason
const DEEP_BUT_DECODABLE = 30; // 75 message levels under an attribute: stored

/** A deep AnyValue on each path a client controls, by protobuf. */
const deepProtoPaths: Array<[string, string, (v: Uint8Array) => Uint8Array]> = [
  ['resource attribute', '/v1/traces', (v) => traceRequest({ resourceAttrs: [stringAttr('service.name', 'hostile'), keyValue('deep', v)], spans: [span({})] })],
  ['scope attribute', '/v1/traces', (v) => traceRequest({ scopeAttrs: [keyValue('deep', v)], spans: [span({})] })],
  ['span attribute', '/v1/traces', (v) => traceRequest({ spans: [span({ attributes: [keyValue('deep', v)] })] })],
  ['event attribute', '/v1/traces', (v) => traceRequest({ spans: [span({ events: [event('exception', nowNs(), keyValue('deep', v))] })] })],
  ['link attribute', '/v1/traces', (v) => traceRequest({ spans: [span({ links: [link(ids(9).traceId, ids(9).spanId, keyValue('deep', v))] })] })],
  ['log body', '/v1/logs', (v) => logsRequest({ records: [logRecord({ body: v })] })],
  ['log attribute', '/v1/logs', (v) => logsRequest({ records: [logRecord({ attributes: [keyValue('deep', v)] })] })],
  ['data point attribute', '/v1/metrics', (v) => gaugeRequest('hostile_gauge', [gaugePoint({ attributes: [keyValue('deep', v)] })])],
  ['exemplar attribute', '/v1/metrics', (v) => gaugeRequest('hostile_gauge', [gaugePoint({ exemplars: [exemplar(nowNs(), keyValue('deep', v))] })])],
];

/** The same paths in OTLP/JSON. */
const deepJsonPaths: Array<[string, string, () => object]> = [
  ['resource attribute', '/v1/traces', () => jsonSpans({}, { attributes: [{ key: 'service.name', value: { stringValue: 'hostile' } }, { key: 'deep', value: DEEP }] })],
  ['scope attribute', '/v1/traces', () => jsonSpans({}, {}, { attributes: [{ key: 'deep', value: DEEP }] })],
  ['span attribute', '/v1/traces', () => jsonSpans({ attributes: [{ key: 'deep', value: DEEP }] })],
  ['event attribute', '/v1/traces', () => jsonSpans({ events: [{ timeUnixNano: String(nowNs()), name: 'e', attributes: [{ key: 'deep', value: DEEP }] }] })],
  ['link attribute', '/v1/traces', () => jsonSpans({ links: [{ traceId: 'ef'.repeat(16), spanId: '12'.repeat(8), attributes: [{ key: 'deep', value: DEEP }] }] })],
  ['log body', '/v1/logs', () => jsonLogs({ body: DEEP })],
  ['log attribute', '/v1/logs', () => jsonLogs({ attributes: [{ key: 'deep', value: DEEP }] })],
];

const MIB = 1024 * 1024;

const CASES: HostileCase[] = [
  // ---- mutated protobuf
  { name: 'protobuf cut in the middle of a span', send: () => send({ path: '/v1/traces', headers: PROTO, body: goodTraceBody().subarray(0, 1_000) }), expect: { status: 400, reason: /malformed protobuf/ } },
  { name: 'a length prefix far past the end of the body', send: proto('/v1/traces', concat([tag(1, WIRE.LEN), varint(0x7fffffff), new Uint8Array(10)])), expect: { status: 400, reason: /malformed protobuf/ } },
  { name: 'a length prefix of 2^64-1', send: proto('/v1/traces', concat([tag(1, WIRE.LEN), varint(U64_MAX), new Uint8Array(10)])), expect: { status: 400, reason: /malformed protobuf/ } },
  { name: 'a varint of eleven bytes', send: proto('/v1/traces', concat([tag(1, WIRE.VARINT), new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])])), expect: { status: 400, reason: /malformed protobuf/ } },
  { name: 'wire type 6, which does not exist', send: proto('/v1/traces', concat([tag(1, 6), new Uint8Array([1, 2, 3])])), expect: { status: 400, reason: /malformed protobuf/ } },
  { name: 'wire type 7, which does not exist', send: proto('/v1/logs', concat([tag(3, 7), new Uint8Array([1])])), expect: { status: 400, reason: /malformed protobuf/ } },
  { name: 'field number 0', send: proto('/v1/traces', concat([tag(0, WIRE.VARINT), varint(1)])), expect: { status: 400, reason: /malformed protobuf/ } },
  { name: 'a group that never ends', send: proto('/v1/traces', concat([tag(99, WIRE.SGROUP), uvarintField(1, 5)])), expect: { status: 400, reason: /malformed protobuf/ } },
  { name: 'a group end without a start', send: proto('/v1/traces', tag(99, WIRE.EGROUP)), expect: { status: 400, reason: /malformed protobuf/ } },
  { name: 'a span whose bytes are a string field of the wrong wire type (varint for name)', send: proto('/v1/traces', traceRequest({ spans: [concat([span({}), uvarintField(5, 7)])] })), expect: { status: 400, reason: /malformed protobuf/ } },
  { name: 'a fixed64 time cut to four bytes at the end', send: proto('/v1/traces', len(1, len(2, len(2, concat([len(1, ids(1).traceId), tag(7, WIRE.I64), new Uint8Array(4)]))))), expect: { status: 400, reason: /malformed protobuf/ } },
  {
    name: 'unknown fields of every wire type at every level (ignored, as the spec asks)',
    send: proto('/v1/traces', concat([
      traceRequest({ spans: [span({ extra: [uvarintField(200, 1), fixed32(201, 7), fixed64(202, 9n), len(203, 'x')] })], resourceAttrs: [stringAttr('service.name', 'hostile'), concat([len(1, 'k'), len(2, anyString('v')), uvarintField(99, 3)])] }),
      uvarintField(50, 1), len(51, 'unknown top-level field'),
    ])),
    expect: { stored: 1, rejected: 0 },
  },
  { name: 'a span sent twice as the same field (protobuf merges repeated messages as items)', send: proto('/v1/traces', traceRequest({ spans: [span({}, 11), span({}, 11)] })), expect: { stored: 2, rejected: 0 } },
  { name: 'an empty body (a valid empty request)', send: proto('/v1/traces', new Uint8Array(0)), expect: { stored: 0, rejected: 0 } },
  { name: '10,000 empty resource spans', send: proto('/v1/traces', concat(Array.from({ length: 10_000 }, () => len(1, new Uint8Array(0))))), expect: { stored: 0, rejected: 0 } },
  { name: 'invalid UTF-8 in a span name (refused: proto3 strings are UTF-8)', send: proto('/v1/traces', traceRequest({ spans: [concat([span({}), len(5, new Uint8Array([0xe2, 0x28, 0xa1]))])] })), expect: { status: 400, reason: /not valid for encoding utf-8/ } },
  { name: 'invalid UTF-8 in an attribute value', send: proto('/v1/traces', traceRequest({ spans: [span({ attributes: [keyValue('bytes', len(1, new Uint8Array([0xc3, 0x28, 0xff])))] })] })), expect: { status: 400, reason: /not valid for encoding utf-8/ } },
  { name: 'bytes that are not UTF-8 in a bytes attribute (stored as base64)', send: proto('/v1/traces', traceRequest({ spans: [span({ attributes: [keyValue('raw', len(7, new Uint8Array([0xc3, 0x28, 0xff, 0x00])))] })] })), expect: { stored: 1, rejected: 0 } },
  ...[1, 2, 3, 4, 5, 6].map((seed): HostileCase => ({
    name: `a good export with 8 random bit flips (mutant ${seed})`,
    send: proto('/v1/traces', flipBits(goodTraceBody(), seed, 8)),
    expect: { oneOf: [200, 400] },
  })),
  ...[1, 2, 3].map((seed): HostileCase => ({
    name: `random bytes (seed ${seed}, 4 KiB)`,
    send: proto(['/v1/traces', '/v1/logs', '/v1/metrics'][seed - 1]!, Uint8Array.from({ length: 4096 }, seededRandom(seed * 97)).map((x) => Math.floor(x * 256))),
    expect: { oneOf: [200, 400] },
  })),

  // ---- ids, times, severities and enums out of range
  { name: 'a trace id of 3 bytes', send: proto('/v1/traces', traceRequest({ spans: [span({ traceId: new Uint8Array([1, 2, 3]) }), span({}, 2)] })), expect: { stored: 1, rejected: 1, reason: /trace_id must be 16 bytes/ } },
  { name: 'a span id of 64 bytes', send: proto('/v1/traces', traceRequest({ spans: [span({ spanId: new Uint8Array(64).fill(7) }), span({}, 3)] })), expect: { stored: 1, rejected: 1, reason: /span_id 8 bytes/ } },
  { name: 'an empty trace id', send: proto('/v1/traces', traceRequest({ spans: [span({ traceId: new Uint8Array(0) })] })), expect: { stored: 0, rejected: 1, reason: /trace_id must be 16 bytes/ } },
  { name: 'a start time of 2^64-1 ns', send: proto('/v1/traces', traceRequest({ spans: [span({ startNs: U64_MAX, endNs: U64_MAX })] })), expect: { stored: 0, rejected: 1, reason: /past 2106-02-07/ } },
  { name: 'an end time in the year 2300 with a start now', send: proto('/v1/traces', traceRequest({ spans: [span({ endNs: YEAR_2300_NS })] })), expect: { stored: 0, rejected: 1, reason: /end time .* past 2106-02-07/ } },
  { name: 'an end time before the start (stored with duration 0)', send: proto('/v1/traces', traceRequest({ spans: [span({ startNs: nowNs(), endNs: nowNs() - 10_000_000_000n })] })), expect: { stored: 1, rejected: 0 } },
  { name: 'start and end at the Unix epoch (stored: the epoch is a time)', send: proto('/v1/traces', traceRequest({ spans: [span({ startNs: 0n, endNs: 0n })] })), expect: { stored: 1, rejected: 0 } },
  { name: 'an event time of 2^64-1', send: proto('/v1/traces', traceRequest({ spans: [span({ events: [event('boom', U64_MAX)] })] })), expect: { stored: 0, rejected: 1, reason: /event "boom" time/ } },
  { name: 'span kind 99 and status code 77 (unknown enum values)', send: proto('/v1/traces', traceRequest({ spans: [span({ kind: 99, status: status(77, 'odd') })] })), expect: { stored: 1, rejected: 0 } },
  { name: 'span kind -1 as a ten-byte varint', send: proto('/v1/traces', traceRequest({ spans: [span({ kind: -1n })] })), expect: { stored: 1, rejected: 0 } },
  { name: 'log severity 25', send: proto('/v1/logs', logsRequest({ records: [logRecord({ severity: 25 }), logRecord({})] })), expect: { stored: 1, rejected: 1, reason: /severity_number 25 is outside/ } },
  { name: 'log severity 2^32-1', send: proto('/v1/logs', logsRequest({ records: [logRecord({ severity: 4_294_967_295 })] })), expect: { stored: 0, rejected: 1, reason: /severity_number -1 is outside|severity_number 4294967295 is outside/ } },
  { name: 'log severity -2^63 as a varint (an int32 field keeps the low 32 bits: 0, unspecified)', send: proto('/v1/logs', logsRequest({ records: [logRecord({ severity: -(2n ** 63n) })] })), expect: { stored: 1, rejected: 0 } },
  { name: 'log severity -2^63+24 as a varint (low 32 bits: 24, stored as 24)', send: proto('/v1/logs', logsRequest({ records: [logRecord({ severity: -(2n ** 63n) + 24n })] })), expect: { stored: 1, rejected: 0 } },
  { name: 'a log without a time whose observed time is 2^64-1', send: proto('/v1/logs', logsRequest({ records: [logRecord({ timeNs: 0n, observedNs: U64_MAX })] })), expect: { stored: 0, rejected: 1, reason: /past 2106-02-07/ } },
  { name: 'a log trace id of 5 bytes', send: proto('/v1/logs', logsRequest({ records: [logRecord({ traceId: new Uint8Array(5) })] })), expect: { stored: 0, rejected: 1, reason: /trace_id must be 16 bytes/ } },
  { name: 'a gauge point in the year 2300', send: proto('/v1/metrics', gaugeRequest('hostile_gauge', [gaugePoint({ timeNs: YEAR_2300_NS }), gaugePoint({})])), expect: { stored: 1, rejected: 1, reason: /past 2106-02-07/ } },
  { name: 'gauge values NaN, +Inf and -Inf (stored as such)', send: proto('/v1/metrics', gaugeRequest('hostile_gauge', [gaugePoint({ value: NaN }), gaugePoint({ value: Infinity }), gaugePoint({ value: -Infinity })])), expect: { stored: 3, rejected: 0 } },
  { name: 'an exemplar time of 2^64-1', send: proto('/v1/metrics', gaugeRequest('hostile_gauge', [gaugePoint({ exemplars: [exemplar(U64_MAX)] })])), expect: { stored: 0, rejected: 1, reason: /exemplar time/ } },
  { name: 'OTLP/JSON: a trace id that is not hex', send: json('/v1/traces', jsonSpans({ traceId: 'zz'.repeat(16) })), expect: { status: 400, reason: /traceId must be a hex string/ } },
  { name: 'OTLP/JSON: a trace id of odd length', send: json('/v1/traces', jsonSpans({ traceId: 'abc' })), expect: { status: 400, reason: /traceId must be a hex string/ } },
  { name: 'OTLP/JSON: a negative time', send: json('/v1/traces', jsonSpans({ startTimeUnixNano: '-5' })), expect: { status: 400, reason: /invalid OTLP\/JSON/ } },
  { name: 'OTLP/JSON: a time of 1e30', send: json('/v1/traces', jsonSpans({ startTimeUnixNano: 1e30 })), expect: { status: 400, reason: /invalid OTLP\/JSON/ } },
  { name: 'OTLP/JSON: an intValue that is not a number', send: json('/v1/traces', jsonSpans({ attributes: [{ key: 'n', value: { intValue: 'twelve' } }] })), expect: { status: 400, reason: /invalid OTLP\/JSON/ } },
  { name: 'OTLP/JSON: an unknown enum name (ignored like an unknown field, as the spec asks)', send: json('/v1/traces', jsonSpans({ kind: 'SPAN_KIND_SIDEWAYS' })), expect: { stored: 1, rejected: 0 } },
  { name: 'OTLP/JSON: a top-level array', send: json('/v1/traces', '[1,2,3]'), expect: { status: 400, reason: /expected an object/ } },
  { name: 'OTLP/JSON: resourceSpans null (an empty request)', send: json('/v1/traces', '{"resourceSpans":null}'), expect: { stored: 0, rejected: 0 } },
  { name: 'OTLP/JSON: a key "__proto__" among the attributes (stored like any key)', send: json('/v1/traces', jsonSpans({ attributes: [{ key: '__proto__', value: { stringValue: 'p' } }, { key: 'constructor', value: { kvlistValue: { values: [{ key: '__proto__', value: { stringValue: 'q' } }] } } }] })), expect: { stored: 1, rejected: 0 } },

  // ---- nesting on every path: too deep to decode is refused, deep but decodable is stored cut at 32 levels
  ...deepProtoPaths.map(([path, url, build]): HostileCase => ({
    name: `protobuf: a ${DEEP_ENOUGH_TO_STOP.toLocaleString('en-US')}-level value in a ${path}`,
    send: proto(url, build(deepAnyValue(DEEP_ENOUGH_TO_STOP))),
    expect: { status: 400, reason: /malformed protobuf.*maximum recursion depth/ },
  })),
  ...deepJsonPaths.map(([path, url, build]): HostileCase => ({
    name: `OTLP/JSON: a ${DEEP_ENOUGH_TO_STOP.toLocaleString('en-US')}-level value in a ${path}`,
    send: () => send({ path: url, headers: JSON_TYPE, body: withDeepJson(build(), DEEP_ENOUGH_TO_STOP) }),
    expect: { status: 400, reason: /invalid OTLP\/JSON.*(nested too deeply|maximum recursion depth)/ },
  })),
  ...deepProtoPaths.filter((_, i) => i % 2 === 1).map(([path, url, build]): HostileCase => ({
    name: `protobuf: a ${DEEP_PAST_THE_LIMIT}-level value in a ${path}`,
    send: proto(url, build(deepAnyValue(DEEP_PAST_THE_LIMIT))),
    expect: { status: 400, reason: /maximum recursion depth of 100/ },
  })),
  ...deepJsonPaths.filter((_, i) => i % 3 === 1).map(([path, url, build]): HostileCase => ({
    name: `OTLP/JSON: a ${DEEP_PAST_THE_LIMIT}-level value in a ${path}`,
    send: () => send({ path: url, headers: JSON_TYPE, body: withDeepJson(build(), DEEP_PAST_THE_LIMIT) }),
    expect: { status: 400, reason: /maximum recursion depth of 100/ },
  })),
  ...deepProtoPaths.filter((_, i) => i % 2 === 0).map(([path, url, build]): HostileCase => ({
    name: `protobuf: a ${DEEP_BUT_DECODABLE}-level value in a ${path} (stored)`,
    send: proto(url, build(deepAnyValue(DEEP_BUT_DECODABLE))),
    expect: { stored: 1, rejected: 0 },
  })),
  ...deepJsonPaths.filter((_, i) => i % 3 === 0).map(([path, url, build]): HostileCase => ({
    name: `OTLP/JSON: a ${DEEP_BUT_DECODABLE}-level value in a ${path} (stored)`,
    send: () => send({ path: url, headers: JSON_TYPE, body: withDeepJson(build(), DEEP_BUT_DECODABLE) }),
    expect: { stored: 1, rejected: 0 },
  })),

  // ---- huge attributes
  { name: 'one attribute value of 12 MiB', send: proto('/v1/traces', traceRequest({ spans: [span({ attributes: [stringAttr('big', 'x'.repeat(12 * MIB))] })] })), expect: { stored: 1, rejected: 0 } },
  { name: 'an attribute key of 4 MiB', send: proto('/v1/traces', traceRequest({ spans: [span({ attributes: [stringAttr('k'.repeat(4 * MIB), 'v')] })] })), expect: { stored: 1, rejected: 0 } },
  { name: 'a span with 100,000 attributes', send: proto('/v1/traces', traceRequest({ spans: [span({ attributes: Array.from({ length: 100_000 }, (_, i) => stringAttr(`a${i}`, String(i))) })] })), expect: { stored: 1, rejected: 0 } },
  { name: 'a span name of 4 MiB', send: proto('/v1/traces', traceRequest({ spans: [span({ name: 'n'.repeat(4 * MIB) })] })), expect: { stored: 1, rejected: 0 } },
  { name: 'a service.name of 2 MiB', send: proto('/v1/traces', traceRequest({ resourceAttrs: [stringAttr('service.name', 's'.repeat(2 * MIB))], spans: [span({})] })), expect: { stored: 1, rejected: 0 } },
  { name: 'a span with 50,000 events', send: proto('/v1/traces', traceRequest({ spans: [span({ events: Array.from({ length: 50_000 }, (_, i) => event(`e${i}`, nowNs())) })] })), expect: { stored: 1, rejected: 0 } },
  { name: 'a span with 50,000 links', send: proto('/v1/traces', traceRequest({ spans: [span({ links: Array.from({ length: 50_000 }, (_, i) => link(ids(i).traceId, ids(i).spanId)) })] })), expect: { stored: 1, rejected: 0 } },
  { name: 'a log body of 15 MiB', send: proto('/v1/logs', logsRequest({ records: [logRecord({ body: anyString('b'.repeat(15 * MIB)) })] })), expect: { stored: 1, rejected: 0 } },
  { name: 'an attribute of 200,000 array elements', send: proto('/v1/traces', traceRequest({ spans: [span({ attributes: [keyValue('arr', len(5, concat(Array.from({ length: 200_000 }, (_, i) => len(1, anyString(String(i)))))))] })] })), expect: { stored: 1, rejected: 0 } },
  { name: 'keys and values full of NUL, control characters, quotes and U+2028', send: proto('/v1/traces', traceRequest({ spans: [span({ name: 'a\u0000b\u2028c"\\', attributes: [stringAttr('\u0000\n\t"\\', '\u2028\u2029\u0001\'"')] })] })), expect: { stored: 1, rejected: 0 } },
  { name: 'a body one byte over the 16 MiB limit', send: proto('/v1/traces', traceRequest({ spans: [span({ attributes: [stringAttr('big', 'x'.repeat(16 * MIB))] })] })), expect: { status: 413, reason: /exceeds the limit/ } },

  // ---- gzip that lies
  { name: 'Content-Encoding: gzip on a plain protobuf body', send: () => send({ path: '/v1/traces', headers: GZIP, body: goodTraceBody() }), expect: { status: 400, reason: /invalid gzip body/ } },
  { name: 'a gzip body declared as identity', send: () => send({ path: '/v1/traces', headers: { ...PROTO, 'content-encoding': 'identity' }, body: gzipSync(goodTraceBody()) }), expect: { status: 400, reason: /malformed protobuf/ } },
  { name: 'a gzip body declared as deflate', send: () => send({ path: '/v1/traces', headers: { ...PROTO, 'content-encoding': 'deflate' }, body: gzipSync(goodTraceBody()) }), expect: { status: 400, reason: /invalid deflate body/ } },
  { name: 'a deflate body declared as gzip', send: () => send({ path: '/v1/traces', headers: GZIP, body: deflateSync(goodTraceBody()) }), expect: { status: 400, reason: /invalid gzip body/ } },
  { name: 'gzip with a wrong CRC', send: () => { const z = Buffer.from(gzipSync(goodTraceBody())); z[z.length - 6] = z[z.length - 6]! ^ 0xff; return send({ path: '/v1/traces', headers: GZIP, body: z }); }, expect: { status: 400, reason: /invalid gzip body/ } },
  { name: 'gzip with a wrong length in its trailer', send: () => { const z = Buffer.from(gzipSync(goodTraceBody())); z[z.length - 1] = z[z.length - 1]! ^ 0x01; return send({ path: '/v1/traces', headers: GZIP, body: z }); }, expect: { status: 400, reason: /invalid gzip body/ } },
  { name: 'gzip of gzip (only one layer is inflated)', send: () => send({ path: '/v1/traces', headers: GZIP, body: gzipSync(gzipSync(goodTraceBody())) }), expect: { status: 400, reason: /malformed protobuf/ } },
  { name: 'two gzip members back to back (RFC 1952: their concatenation)', send: () => send({ path: '/v1/traces', headers: GZIP, body: concat([gzipSync(goodTraceBody()), gzipSync(goodTraceBody())]) }), expect: { stored: 80, rejected: 0 } },
  { name: 'a gzip bomb sent chunked, slowly', send: () => send({ path: '/v1/traces', headers: GZIP, body: gzipSync(Buffer.alloc(200 * MIB)), chunkBytes: 16 * 1024, chunkDelayMs: 2 }), expect: { status: 413, reason: /decompressed body exceeds the limit/ } },
  { name: 'Content-Encoding: gzip, gzip', send: () => send({ path: '/v1/traces', headers: { ...PROTO, 'content-encoding': 'gzip, gzip' }, body: gzipSync(gzipSync(goodTraceBody())) }), expect: { status: 415, reason: /unsupported Content-Encoding/ } },
  { name: 'a Content-Length longer than the body, then the client stops', send: () => send({ path: '/v1/traces', headers: { ...PROTO, 'content-length': '100000' }, body: goodTraceBody(), stallAfter: 5_000 }), expect: { status: 408, reason: /did not arrive within/ } },

  // ---- stalled uploads
  { name: 'an upload that sends 1 KiB and stops', send: () => send({ path: '/v1/traces', headers: PROTO, body: goodTraceBody(), stallAfter: 1024, chunkBytes: undefined }), expect: { status: 408, reason: /did not arrive within/ } },
  { name: 'headers only, with a Content-Length and no body', send: () => send({ path: '/v1/logs', headers: { ...PROTO, 'content-length': '4096' }, body: new Uint8Array(4096), stallAfter: 0 }), expect: { status: 408, reason: /did not arrive within/ } },
  { name: 'a slowloris: 64 bytes every 200 ms, chunked', send: () => send({ path: '/v1/traces', headers: PROTO, body: goodTraceBody(), chunkBytes: 64, chunkDelayMs: 200 }), expect: { status: 408, reason: /did not arrive within/ } },
];

describe('the hostile suite', () => {
  it('has at least 60 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });

  const exporters = [
    { name: 'OTLP/HTTP protobuf traces', table: 'otel_traces', perExport: 20, send: (hash: string) => exportOnce(tracesProto, makeSpans(10, demoResource({ config_hash: hash }))) },
    { name: 'OTLP/gRPC traces', table: 'otel_traces', perExport: 20, send: (hash: string) => exportOnce(tracesGrpc, makeSpans(10, demoResource({ config_hash: hash }))) },
    { name: 'OTLP/HTTP protobuf logs', table: 'otel_logs', perExport: 10, send: (hash: string) => exportOnce(logsProto, makeLogs(10, demoResource({ config_hash: hash }))) },
  ] as const;

  it.each(CASES.map((c, i) => [c.name, i] as const))('%s: answered as it should be, and a good export beside it is stored', async (_name, i) => {
    const c = CASES[i]!;
    const good = exporters[i % exporters.length]!;
    const hash = `hostile-good-${i}`;
    const [answer, goodResult] = await Promise.all([c.send(), good.send(hash)]);

    expect(goodResult.code === ExportResultCode.SUCCESS ? 'ok' : String(goodResult.error), `the ${good.name} export beside it`).toBe('ok');
    expect(await countRows(tg, good.table, `ConfigHash = '${hash}'`)).toBe(good.perExport);

    const e = c.expect;
    if ('stored' in e) {
      expect({ status: answer.status, rejected: answer.rejected }, answer.message).toEqual({ status: 200, rejected: e.rejected });
      if (e.reason !== undefined) expect(answer.message).toMatch(e.reason);
    } else if ('status' in e) {
      expect(answer.status, answer.message).toBe(e.status);
      if (e.reason !== undefined) expect(answer.message).toMatch(e.reason);
    } else {
      expect(e.oneOf, `${answer.status}: ${answer.message}`).toContain(answer.status);
      if (answer.status === 400) expect(answer.message).toMatch(/malformed protobuf|invalid/);
    }
  }, 60_000);

  it('stored what it said it stored of the hostile exports, whole', async () => {
    // The items of hostile exports answered 200 are in the store (service "hostile"), keys like
    // "__proto__" included, and nothing was silently changed into another time.
    expect(await countRows(tg, 'otel_traces', `ServiceName = 'hostile' AND mapContains(SpanAttributes, '__proto__')`)).toBe(1);
    expect(await countRows(tg, 'otel_traces', `SpanAttributes['constructor'] = '{"__proto__":"q"}'`)).toBe(1);
    expect(await countRows(tg, 'otel_traces', `length(SpanAttributes['big']) = ${12 * MIB}`)).toBe(1);
    expect(await countRows(tg, 'otel_logs', `length(Body) = ${15 * MIB}`)).toBe(1);
    expect(await countRows(tg, 'otel_traces', `Timestamp > now() + INTERVAL 2 DAY`)).toBe(0);
  });

  it('is healthy afterwards', async () => {
    const res = await fetch(`${tg.apiUrl}/healthz`);
    expect(res.status).toBe(200);
  });
});

interface Exporter<T> {
  export(items: T, done: (r: ExportResult) => void): void;
}
function exportOnce<T>(e: Exporter<T>, items: T): Promise<ExportResult> {
  return new Promise((resolve) => e.export(items, resolve));
}

// gRPC-level lies are in their own block: they need HTTP/2 frames the gRPC client will not write.
describe('gRPC messages that lie', () => {
  /** Sends one gRPC message frame by hand; resolves with grpc-status and grpc-message. */
  function grpcFrame(frame: Uint8Array, headers: Record<string, string>): Promise<{ status: string; message: string }> {
    return new Promise((resolve) => {
      const client = http2.connect(tg.otlpGrpcUrl);
      client.on('error', () => resolve({ status: 'connection error', message: '' }));
      const req = client.request({
        ':method': 'POST', ':path': '/opentelemetry.proto.collector.trace.v1.TraceService/Export', 'content-type': 'application/grpc', te: 'trailers', ...headers,
      });
      let status = '';
      let message = '';
      const take = (h: http2.IncomingHttpHeaders) => {
        if (h['grpc-status'] !== undefined) status = String(h['grpc-status']);
        if (h['grpc-message'] !== undefined) message = decodeURIComponent(String(h['grpc-message']));
      };
      req.on('response', take);
      req.on('trailers', take);
      req.on('data', () => undefined);
      req.on('close', () => {
        client.close();
        resolve({ status, message });
      });
      req.end(Buffer.from(frame));
    });
  }
  const frameOf = (compressed: boolean, payload: Uint8Array, declared = payload.length): Uint8Array => {
    const head = Buffer.alloc(5);
    head[0] = compressed ? 1 : 0;
    head.writeUInt32BE(declared, 1);
    return concat([head, payload]);
  };

  const lies: Array<[string, () => Promise<{ status: string; message: string }>]> = [
    ['a message flagged compressed that is not gzip', () => grpcFrame(frameOf(true, goodTraceBody()), { 'grpc-encoding': 'gzip' })],
    ['a message flagged compressed without a grpc-encoding', () => grpcFrame(frameOf(true, gzipSync(goodTraceBody())), {})],
    ['a frame declaring more bytes than it has', () => grpcFrame(frameOf(false, goodTraceBody(), 1_000_000), {})],
    ['a gzip bomb inflating past the message limit', () => grpcFrame(frameOf(true, gzipSync(Buffer.alloc(64 * MIB))), { 'grpc-encoding': 'gzip' })],
  ];
  it.each(lies.map(([name, run], i) => [name, run, i] as const))('answers %s with an error status, and a good export beside it is stored', async (_name, run, i) => {
    const hash = `hostile-grpc-${i}`;
    const [answer, good] = await Promise.all([run(), exportOnce(tracesGrpc, makeSpans(5, demoResource({ config_hash: hash })))]);
    // INVALID_ARGUMENT, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNIMPLEMENTED (grpc-js' answer to a
    // unary call whose stream ends without a whole message), INTERNAL, UNAVAILABLE: an error, not OK.
    expect(answer.status, answer.message).toMatch(/^(3|4|8|12|13|14)$/);
    expect(good.code).toBe(ExportResultCode.SUCCESS);
    expect(await countRows(tg, 'otel_traces', `ConfigHash = '${hash}'`)).toBe(10);
  }, 30_000);
});
