/**
 * @module test/helpers/clickhouse-http/server-main
 * A test-only ClickHouse server: the HTTP interface `@clickhouse/client` speaks, answered by chDB
 * (the ClickHouse engine, in-process). No real ClickHouse server can be installed on these
 * machines, so Tollgate's server mode (`CLICKHOUSE_URL`) is tested against this.
 *
 *   node --import tsx test/helpers/clickhouse-http/server-main.ts --data <dir> --port <port|0>
 *        [--cluster <name>] [--user <u> --password <p>] [--exit-with-stdin]
 *
 * Prints one line `{"port":N}` on stdout once listening on 127.0.0.1. The behaviour follows
 * ClickHouse's own HTTP handler (src/Server/HTTPHandler.cpp, 24.x/25.x): the query is the `query`
 * URL parameter, a newline and the body; `param_<name>` binds `{name:Type}`; every other URL
 * parameter not reserved by the handler is a setting for that request only; errors carry
 * `X-ClickHouse-Exception-Code` and the status of exceptionCodeToHTTPStatus.cpp.
 *
 * `GET|POST /__control` reads or changes the injected faults (`{"delayMs": N}`, `{"refuse": true}`,
 * `{"failInserts": true}`, `{"crashOnInsert": "before" | "after" | null}`); see `Faults`.
 *
 * The pure parts (SQL scanning, the ON CLUSTER rewrite, request reading, error text) are exported
 * for tests; chDB is loaded only when this file runs as a program.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';

// ---------------------------------------------------------------------------------------------
// SQL scanning. Only what the handler needs: the statement kind, where INSERT data starts, the
// output FORMAT, `;` between statements, ON CLUSTER and Replicated engines. Strings, quoted
// identifiers and comments are skipped so that text inside them never matches.

export interface SqlToken {
  kind: 'word' | 'quoted' | 'string' | 'punct';
  start: number;
  end: number;
  /** Words as written; quoted identifiers and strings without their quotes and escapes. */
  value: string;
}

const isWordChar = (c: string): boolean => /[A-Za-z0-9_$]/.test(c) || c.charCodeAt(0) > 127;

/** A generator, so that scanning an INSERT can stop at FORMAT and never read (binary) data. */
export function* sqlTokens(sql: string): Generator<SqlToken> {
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql.charAt(i);
    const next = sql.charAt(i + 1);
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && next === '-') {
      while (i < n && sql.charAt(i) !== '\n') i++;
    } else if (c === '#' && (next === ' ' || next === '!')) {
      // ClickHouse takes `# ` and `#!` as line comments.
      while (i < n && sql.charAt(i) !== '\n') i++;
    } else if (c === '/' && next === '*') {
      // ClickHouse nests multi-line comments.
      let depth = 0;
      while (i < n) {
        if (sql.startsWith('/*', i)) { depth++; i += 2; } else if (sql.startsWith('*/', i)) { depth--; i += 2; if (depth === 0) break; } else i++;
      }
    } else if (c === "'" || c === '`' || c === '"') {
      const start = i;
      let value = '';
      i++;
      while (i < n) {
        const d = sql.charAt(i);
        if (d === '\\' && i + 1 < n) { value += sql.charAt(i + 1); i += 2; continue; }
        if (d === c) {
          if (sql.charAt(i + 1) === c) { value += c; i += 2; continue; } // doubled quote
          i++;
          break;
        }
        value += d;
        i++;
      }
      yield { kind: c === "'" ? 'string' : 'quoted', start, end: i, value };
    } else if (isWordChar(c)) {
      const start = i;
      while (i < n && isWordChar(sql.charAt(i))) i++;
      yield { kind: 'word', start, end: i, value: sql.slice(start, i) };
    } else {
      yield { kind: 'punct', start: i, end: i + 1, value: c };
      i++;
    }
  }
}

const isWord = (t: SqlToken | undefined, upper: string): boolean => t?.kind === 'word' && t.value.toUpperCase() === upper;

/** The statement's first keyword, upper-cased (`SELECT`, `INSERT`, `CREATE`, …); '' when empty. */
export function statementKind(sql: string): string {
  for (const t of sqlTokens(sql)) {
    if (t.kind === 'punct' && t.value === '(') continue; // (SELECT …) UNION …
    return t.kind === 'word' ? t.value.toUpperCase() : '';
  }
  return '';
}

/** Statements with a result set: these get X-ClickHouse-Format and the format's Content-Type. */
const RESULT_KINDS = new Set(['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXISTS', 'EXPLAIN', 'CHECK', 'VALUES']);
export const hasResultSet = (kind: string): boolean => RESULT_KINDS.has(kind);

/**
 * Where an INSERT's inline data begins, per ClickHouse's ParserInsertQuery: after `FORMAT <name>`,
 * data starts after the first newline if the whitespace that follows has one, else after all that
 * whitespace; `VALUES` data starts right after the keyword. `INSERT … SELECT` has no data.
 * `text` is the request decoded as latin1, so offsets are byte offsets into the body.
 */
export type InsertShape = { kind: 'data'; prefixEnd: number; dataStart: number; format: string } | { kind: 'no-data' };

export function insertShape(text: string): InsertShape {
  let depth = 0;
  const tokens = sqlTokens(text);
  for (let r = tokens.next(); !r.done; r = tokens.next()) {
    const t = r.value;
    if (t.kind === 'punct' && t.value === '(') depth++;
    else if (t.kind === 'punct' && t.value === ')') depth--;
    if (depth !== 0 || t.kind !== 'word') continue;
    const word = t.value.toUpperCase();
    if (word === 'SELECT' || word === 'WITH') return { kind: 'no-data' };
    if (word === 'VALUES') return { kind: 'data', prefixEnd: t.end, dataStart: t.end, format: 'Values' };
    if (word === 'FORMAT') {
      const name = tokens.next();
      if (name.done || (name.value.kind !== 'word' && name.value.kind !== 'quoted')) return { kind: 'no-data' };
      let i = name.value.end;
      let afterNewline = -1;
      while (i < text.length && /\s/.test(text.charAt(i))) {
        if (text.charAt(i) === '\n' && afterNewline < 0) afterNewline = i + 1;
        i++;
      }
      return { kind: 'data', prefixEnd: name.value.end, dataStart: afterNewline >= 0 ? afterNewline : i, format: name.value.value };
    }
  }
  return { kind: 'no-data' };
}

/** The last top-level `FORMAT <name>` of a query, which overrides `default_format`. */
export function outputFormat(sql: string): string | undefined {
  let depth = 0;
  let found: string | undefined;
  let afterFormat = false;
  for (const t of sqlTokens(sql)) {
    if (afterFormat && (t.kind === 'word' || t.kind === 'quoted')) found = t.value;
    afterFormat = depth === 0 && isWord(t, 'FORMAT');
    if (t.kind === 'punct' && t.value === '(') depth++;
    else if (t.kind === 'punct' && t.value === ')') depth--;
  }
  return found;
}

/** Offset of a `;` followed by another statement: the HTTP interface runs one statement. */
export function secondStatementAt(sql: string): number | undefined {
  let depth = 0;
  let semicolon: number | undefined;
  for (const t of sqlTokens(sql)) {
    if (semicolon !== undefined) return semicolon;
    if (t.kind === 'punct' && t.value === '(') depth++;
    else if (t.kind === 'punct' && t.value === ')') depth--;
    else if (t.kind === 'punct' && t.value === ';' && depth === 0) semicolon = t.start;
  }
  return undefined;
}

/** Statement kinds that accept ON CLUSTER (ClickHouse's distributed DDL). */
const DDL_KINDS = new Set(['CREATE', 'ALTER', 'DROP', 'RENAME', 'TRUNCATE', 'OPTIMIZE', 'SYSTEM', 'GRANT', 'REVOKE', 'ATTACH', 'DETACH', 'EXCHANGE', 'UNDROP', 'DELETE']);

export type ClusterRewrite = { kind: 'sql'; sql: string } | { kind: 'error'; error: ServerError };

/**
 * chDB has no distributed DDL (an ON CLUSTER statement answers QUERY_IS_PROHIBITED, "Replicated
 * DDL queries are disabled") and no ZooKeeper (ReplicatedMergeTree answers NO_ZOOKEEPER; with
 * ClickHouse's in-memory `testkeeper` the CREATE succeeds but the first INSERT hangs). For one node
 * of a one-node cluster the statement's effect is the local one, so:
 * - `ON CLUSTER <cluster>` is removed; any other cluster answers CLUSTER_DOESNT_EXIST, as a server does;
 * - `Replicated<X>MergeTree('<path>', '<replica>'[, args])` becomes `<X>MergeTree([args])`;
 *   the `{shard}`/`{replica}`/`{database}`/`{table}` macros live only in the dropped path and replica.
 * `Distributed(<cluster>, …)` is left alone: the server's config declares the cluster with one
 * local replica, so chDB serves it itself, inserts included.
 * Without a cluster (`cluster` undefined) ON CLUSTER answers CLUSTER_DOESNT_EXIST and engines stay.
 */
export function rewriteForCluster(sql: string, cluster: string | undefined): ClusterRewrite {
  const kind = statementKind(sql);
  if (!DDL_KINDS.has(kind)) return { kind: 'sql', sql };
  const tokens = [...sqlTokens(sql)];
  const edits: Array<{ start: number; end: number; text: string }> = [];
  for (let i = 0; i + 2 < tokens.length; i++) {
    if (!isWord(tokens[i], 'ON') || !isWord(tokens[i + 1], 'CLUSTER')) continue;
    const name = tokens[i + 2];
    if (name === undefined) break;
    const named = name.kind === 'punct' && name.value === '{' ? `{${tokens[i + 3]?.value ?? ''}}` : name.value;
    const isOurs = cluster !== undefined && (named === cluster || named === '{cluster}');
    if (!isOurs) return { kind: 'error', error: serverError('CLUSTER_DOESNT_EXIST', `Requested cluster '${named}' not found`) };
    const last = name.kind === 'punct' ? tokens[i + 4] ?? name : name;
    edits.push({ start: tokens[i]?.start ?? 0, end: last.end, text: '' });
    break; // a statement names its cluster once
  }
  if (cluster !== undefined && (kind === 'CREATE' || kind === 'ATTACH')) {
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      const m = t?.kind === 'word' ? /^Replicated([A-Za-z]*MergeTree)$/.exec(t.value) : null;
      if (t === undefined || m === null || !(isWord(tokens[i - 1], 'ENGINE') || (tokens[i - 1]?.value === '=' && isWord(tokens[i - 2], 'ENGINE')))) continue;
      const plain = m[1] ?? 'MergeTree';
      const open = tokens[i + 1];
      if (open?.value !== '(') { edits.push({ start: t.start, end: t.end, text: plain }); break; }
      // Split the arguments at top-level commas.
      const args: SqlToken[][] = [[]];
      let depth = 0;
      let close: SqlToken | undefined;
      for (let j = i + 2; j < tokens.length; j++) {
        const a = tokens[j];
        if (a === undefined) break;
        if (a.kind === 'punct' && (a.value === '(' || a.value === '[')) depth++;
        if (a.kind === 'punct' && (a.value === ')' || a.value === ']')) {
          if (depth === 0) { close = a; break; }
          depth--;
        }
        if (depth === 0 && a.kind === 'punct' && a.value === ',') args.push([]);
        else args[args.length - 1]?.push(a);
      }
      if (close === undefined) break;
      const isStringArg = (arg: SqlToken[] | undefined): boolean => arg?.length === 1 && arg[0]?.kind === 'string';
      const kept = isStringArg(args[0]) && isStringArg(args[1]) ? args.slice(2) : args;
      const keptText = kept.filter((a) => a.length > 0).map((a) => sql.slice(a[0]?.start, a[a.length - 1]?.end)).join(', ');
      edits.push({ start: t.start, end: close.end, text: `${plain}(${keptText})` });
      break;
    }
  }
  let out = sql;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return { kind: 'sql', sql: out };
}

// ---------------------------------------------------------------------------------------------
// Errors, as a server writes them: `Code: N. DB::Exception: <message>. (NAME) (version V)`.

export interface ServerError {
  code: number;
  name: string;
  /** The whole `Code: …` text, without the version suffix. */
  text: string;
}

/**
 * Codes of the errors this server makes up itself (the rest come from chDB's own text). Checked
 * against chDB's errorCodeToName() when the server starts, so a wrong number fails loudly.
 */
export const OWN_ERROR_CODES = {
  NOT_IMPLEMENTED: 48,
  SYNTAX_ERROR: 62,
  TOO_MANY_PARTS: 252,
  CANNOT_DECOMPRESS: 271,
  SESSION_NOT_FOUND: 372,
  INVALID_SESSION_TIMEOUT: 374,
  AUTHENTICATION_FAILED: 516,
  CLUSTER_DOESNT_EXIST: 701,
  UNKNOWN_EXCEPTION: 1002,
} as const;

export function serverError(name: keyof typeof OWN_ERROR_CODES, message: string): ServerError {
  const code = OWN_ERROR_CODES[name];
  return { code, name, text: `Code: ${code}. DB::Exception: ${message}. (${name})` };
}

/** chDB throws ClickHouse's own text (`Code: 60. DB::Exception: … (UNKNOWN_TABLE)`); anything else is wrapped. */
export function parseEngineError(message: string): ServerError {
  const code = /^Code: (\d+)\./.exec(message);
  // The type is the last `(NAME)` marker, as @clickhouse/client reads it.
  const names = [...message.matchAll(/\(([A-Z][A-Z0-9_]{2,})\)/g)];
  const name = names[names.length - 1]?.[1];
  if (code?.[1] === undefined || name === undefined) return serverError('UNKNOWN_EXCEPTION', message.replace(/\.$/, ''));
  return { code: Number(code[1]), name, text: message.trimEnd() };
}

export const errorBody = (e: ServerError, version: string): string =>
  /\(version [^)]*\)$/.test(e.text) ? `${e.text}\n` : `${e.text} (version ${version})\n`;

/** exceptionCodeToHTTPStatus.cpp (ClickHouse 25.x), by error name; everything else is 500. */
const STATUS_BY_NAME: ReadonlyArray<readonly [number, readonly string[]]> = [
  [401, ['REQUIRED_PASSWORD']],
  [403, ['UNKNOWN_USER', 'WRONG_PASSWORD', 'AUTHENTICATION_FAILED', 'SET_NON_GRANTED_ROLE', 'ACCESS_DENIED']],
  [400, [
    'BAD_ARGUMENTS', 'CANNOT_COMPILE_REGEXP', 'CANNOT_PARSE_TEXT', 'CANNOT_PARSE_ESCAPE_SEQUENCE', 'CANNOT_PARSE_QUOTED_STRING',
    'CANNOT_PARSE_DATE', 'CANNOT_PARSE_DATETIME', 'CANNOT_PARSE_NUMBER', 'CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING', 'CANNOT_PARSE_IPV4',
    'CANNOT_PARSE_IPV6', 'CANNOT_PARSE_INPUT_ASSERTION_FAILED', 'CANNOT_PARSE_UUID', 'DUPLICATE_COLUMN', 'ILLEGAL_COLUMN',
    'UNKNOWN_ELEMENT_IN_AST', 'UNKNOWN_TYPE_OF_AST_NODE', 'THERE_IS_NO_COLUMN', 'TOO_DEEP_AST', 'TOO_BIG_AST',
    'UNEXPECTED_AST_STRUCTURE', 'SYNTAX_ERROR', 'INCORRECT_DATA', 'TYPE_MISMATCH', 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
  ]],
  [404, [
    'UNKNOWN_TABLE', 'UNKNOWN_FUNCTION', 'UNKNOWN_IDENTIFIER', 'UNKNOWN_TYPE', 'UNKNOWN_STORAGE', 'UNKNOWN_DATABASE',
    'UNKNOWN_SETTING', 'UNKNOWN_DIRECTION_OF_SORTING', 'UNKNOWN_AGGREGATE_FUNCTION', 'UNKNOWN_FORMAT',
    'UNKNOWN_DATABASE_ENGINE', 'UNKNOWN_TYPE_OF_QUERY', 'UNKNOWN_ROLE',
  ]],
  [413, ['QUERY_IS_TOO_LARGE']],
  [501, ['NOT_IMPLEMENTED']],
  [503, ['SOCKET_TIMEOUT', 'CANNOT_OPEN_FILE', 'CANNOT_SCHEDULE_TASK']],
  [411, ['HTTP_LENGTH_REQUIRED']],
  [408, ['TIMEOUT_EXCEEDED']],
  [415, ['UNSUPPORTED_MEDIA_TYPE']],
];

export function httpStatusFor(name: string): number {
  for (const [status, names] of STATUS_BY_NAME) if (names.includes(name)) return status;
  return 500;
}

/** The Content-Type a server sends per output format (ClickHouse test 02935_http_content_type…). */
export function contentTypeOf(format: string): string {
  const f = format.toLowerCase();
  if (f.startsWith('tabseparated') || f.startsWith('tsv')) return 'text/tab-separated-values; charset=UTF-8';
  if (f.startsWith('csvwithnames')) return 'text/csv; charset=UTF-8; header=present';
  if (f.startsWith('csv')) return 'text/csv; charset=UTF-8; header=absent';
  if (['jsoneachrow', 'jsonlines', 'ndjson', 'jsonstringseachrow', 'jsoneachrowwithprogress', 'jsonstringseachrowwithprogress'].includes(f)) return 'application/x-ndjson; charset=UTF-8';
  if (f.startsWith('json')) return 'application/json; charset=UTF-8';
  if (f === 'xml') return 'application/xml; charset=UTF-8';
  if (f === 'native' || f.startsWith('rowbinary') || ['parquet', 'arrow', 'arrowstream', 'orc', 'avro', 'msgpack', 'protobuf', 'protobufsingle', 'capnproto', 'npy', 'bsoneachrow'].includes(f)) return 'application/octet-stream';
  return 'text/plain; charset=UTF-8';
}

// ---------------------------------------------------------------------------------------------
// Request parameters.

/** HTTPHandler.cpp's reserved names: not settings. */
const RESERVED_PARAMS = new Set([
  'query', 'compress', 'decompress', 'user', 'password', 'quota_key', 'query_id', 'stacktrace', 'role', 'buffer_size',
  'wait_end_of_query', 'session_id', 'session_timeout', 'session_check', 'client_protocol_version', 'close_session',
  'database', 'default_format',
]);

export interface ParsedParams {
  queryParts: string[];
  /** `param_<name>` values, exactly as sent (ClickHouse's escaped text form). */
  bound: Record<string, string>;
  settings: Array<[string, string]>;
  reserved: Map<string, string>;
}

export function splitParams(entries: Iterable<[string, string]>, isMultipart: boolean): ParsedParams {
  const out: ParsedParams = { queryParts: [], bound: {}, settings: [], reserved: new Map() };
  for (const [key, value] of entries) {
    if (key === '') continue; // `?&a=b`: ClickHouse skips empty names
    if (key === 'query') out.queryParts.push(value);
    else if (key.startsWith('param_')) {
      const name = key.slice('param_'.length);
      if (!(name in out.bound)) out.bound[name] = value; // the first value wins, as in ClickHouse
    } else if (RESERVED_PARAMS.has(key)) out.reserved.set(key, value);
    else if (isMultipart && /(_format|_types|_structure)$/.test(key)) continue; // external-table options
    else out.settings.push([key, value]);
  }
  return out;
}

export interface MultipartPart { name: string; filename: string | undefined; content: Buffer }

/** multipart/form-data as @clickhouse/client sends it for long `param_*` values. */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const parts: MultipartPart[] = [];
  const delimiter = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd >= 0) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      let content = part.subarray(headerEnd + 4);
      if (content.subarray(content.length - 2).toString() === '\r\n') content = content.subarray(0, content.length - 2);
      const name = /name="([^"]*)"/i.exec(headers)?.[1];
      const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
      if (name !== undefined) parts.push({ name, filename, content });
    }
    at = next;
  }
  return parts;
}

/** `SET name = '<value>'`: the value travels as a string literal and the setting parses it, as from a URL. */
export function setStatement(settings: ReadonlyArray<readonly [string, string]>): string {
  return `SET ${settings.map(([k, v]) => `${k} = '${v.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`).join(', ')}`;
}

// ---------------------------------------------------------------------------------------------
// Fault injection, driven by the parent through POST /__control.

export type CrashPoint = 'before' | 'after';

export interface Faults {
  /** Every answer (queries, inserts, pings) waits this long before the statement runs. */
  delayMs: number;
  /** Requests are answered by closing the connection. */
  refuse: boolean;
  /** INSERTs answer TOO_MANY_PARTS without running. */
  failInserts: boolean;
  /** The process dies (SIGKILL) at the next INSERT, before it runs or after it ran but before answering. */
  crashOnInsert: CrashPoint | null;
}

export function applyControl(faults: Faults, input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'expected a JSON object';
  const changes = new Map(Object.entries(input));
  for (const [key, value] of changes) {
    switch (key) {
      case 'delayMs':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) return `delayMs=${JSON.stringify(value)}: expected an integer >= 0`;
        break;
      case 'refuse':
      case 'failInserts':
        if (typeof value !== 'boolean') return `${key}=${JSON.stringify(value)}: expected true or false`;
        break;
      case 'crashOnInsert':
        if (value !== null && value !== 'before' && value !== 'after') return `crashOnInsert=${JSON.stringify(value)}: expected "before", "after" or null`;
        break;
      default:
        return `unknown key ${JSON.stringify(key)}: expected delayMs, refuse, failInserts, crashOnInsert`;
    }
  }
  // Validated above, so each value has its key's type.
  for (const [key, value] of changes) Object.assign(faults, { [key]: value });
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// chDB. `chdb/connection` binds `query_params` with Session.queryBindAsync, which formats JS values
// (formatParamValue) and hands the native addon `{name: text}` for chdb_query_with_params — the
// engine's own parameter binding, the one a server uses for `param_*`. A server receives the text
// already formatted by the client, so this server passes it to the same native call unchanged;
// going through queryBindAsync would escape it a second time.

interface NativeQueryResult { bytes: Uint8Array; elapsed: number; rowsRead: number; bytesRead: number }
interface NativeInsertResult { elapsed: number; rowsWritten: number; bytesWritten: number }
interface ChdbNative {
  QueryAsyncConnection(connection: unknown, sql: string, format: string, params?: Record<string, string>): Promise<NativeQueryResult>;
  InsertRawAsyncConnection(connection: unknown, prefix: string, payload: Buffer, countLines: boolean): Promise<NativeInsertResult>;
}
interface ChdbSession { readonly connection: unknown; close(): void }
type SessionConstructor = new (path: string, opts: { connectionArgs: readonly string[] }) => ChdbSession;

function loadChdb(): { Session: SessionConstructor; native: ChdbNative } {
  const require = createRequire(import.meta.url);
  const chdbMain = require.resolve('chdb');
  const chdb: unknown = require(chdbMain);
  // dist/loader.js is outside chdb's "exports"; required by path it is the same module (and the
  // same native addon) that chdb's index.js loaded.
  const loader: unknown = require(path.join(path.dirname(chdbMain), 'dist', 'loader.js'));
  if (typeof chdb !== 'object' || chdb === null || !('Session' in chdb) || typeof chdb.Session !== 'function') throw new Error('chdb: no Session export');
  if (typeof loader !== 'object' || loader === null || !('loadNative' in loader) || typeof loader.loadNative !== 'function') throw new Error('chdb: no dist/loader.js loadNative');
  const native: unknown = loader.loadNative();
  if (typeof native !== 'object' || native === null || !('QueryAsyncConnection' in native) || !('InsertRawAsyncConnection' in native)) throw new Error('chdb: native addon lacks QueryAsyncConnection/InsertRawAsyncConnection');
  // Shapes checked above; the signatures are those chdb 3.4's index.js calls them with.
  return { Session: chdb.Session as SessionConstructor, native: native as ChdbNative };
}

/**
 * chDB's compiled defaults that differ from clickhouse-server's (seen in system.settings `changed`
 * of a fresh chDB 3.4 connection). A server quotes 64-bit integers in JSON, parses DateTime text
 * with `basic`, and rejects SELECT-less queries such as `1 + 1`.
 */
const SERVER_DEFAULT_SETTINGS = [
  '--output_format_json_quote_64bit_integers=1',
  '--date_time_input_format=basic',
  '--implicit_select=0',
  '--allow_introspection_functions=0',
  '--storage_file_read_method=pread',
];

class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  /**
   * One statement at a time: chDB's query-parameter state is not isolated between connections
   * (chdb's own index.js serializes parameterized calls for that reason), and a chDB process ran
   * concurrent statements one after another in LIBRARIES.md's measurement anyway.
   */
  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job);
    this.tail = result.then(() => undefined, () => undefined);
    return result;
  }
  idle(): Promise<void> { return this.tail; }
}

interface Summary { readRows: number; readBytes: number; writtenRows: number; writtenBytes: number; resultRows: number; resultBytes: number; elapsedSeconds: number }
const EMPTY_SUMMARY: Summary = { readRows: 0, readBytes: 0, writtenRows: 0, writtenBytes: 0, resultRows: 0, resultBytes: 0, elapsedSeconds: 0 };

export function summaryHeader(s: Summary): string {
  const ns = Math.round(s.elapsedSeconds * 1e9);
  // Numbers as strings, like ClickHouse's Progress::writeJSON (64-bit values in JavaScript).
  return JSON.stringify({
    read_rows: String(s.readRows), read_bytes: String(s.readBytes), written_rows: String(s.writtenRows), written_bytes: String(s.writtenBytes),
    total_rows_to_read: String(s.readRows), result_rows: String(s.resultRows), result_bytes: String(s.resultBytes),
    elapsed_ns: String(ns), real_time_microseconds: String(Math.round(ns / 1000)),
  });
}

type Outcome = { kind: 'ok'; body: Buffer; summary: Summary } | { kind: 'error'; error: ServerError };

export interface Statement {
  /** The whole statement; for INSERT with inline data, text up to the format name. */
  sql: string;
  kind: string;
  /** INSERT data, passed to chDB as bytes (binary formats survive). */
  insertData: Buffer | undefined;
  bound: Record<string, string>;
  settings: Array<[string, string]>;
  database: string | undefined;
  defaultFormat: string;
}

interface OpenSession { session: ChdbSession; timeoutMs: number; timer: NodeJS.Timeout | undefined }

class Engine {
  private readonly queue = new SerialQueue();
  private readonly sessions = new Map<string, OpenSession>();
  private readonly anchor: ChdbSession;

  constructor(
    private readonly chdb: { Session: SessionConstructor; native: ChdbNative },
    private readonly dataDir: string,
    private readonly connectionArgs: readonly string[],
    private readonly faults: Faults,
  ) {
    // Held open for the server's life so chDB's engine stays up between per-request connections.
    this.anchor = new chdb.Session(dataDir, { connectionArgs });
  }

  async scalar(sql: string): Promise<string> {
    const r = await this.queue.run(() => this.chdb.native.QueryAsyncConnection(this.anchor.connection, sql, 'TabSeparatedRaw'));
    return Buffer.from(r.bytes).toString('utf8').trimEnd();
  }

  /**
   * Runs one statement. Without a session each request gets a fresh chDB connection (chDB keeps
   * SET per connection), so settings, `database` and temporary tables last for that request only,
   * as on a server. A session keeps its connection; URL settings are put back afterwards.
   */
  execute(st: Statement, session: SessionRequest | undefined): Promise<Outcome> {
    return this.queue.run(async () => {
      let conn: ChdbSession;
      let owned = false;
      if (session === undefined) {
        conn = new this.chdb.Session(this.dataDir, { connectionArgs: this.connectionArgs });
        owned = true;
      } else {
        const open = this.sessions.get(session.id);
        if (open === undefined && session.check) return { kind: 'error', error: serverError('SESSION_NOT_FOUND', `Session ${session.id} not found`) };
        const s = open ?? { session: new this.chdb.Session(this.dataDir, { connectionArgs: this.connectionArgs }), timeoutMs: session.timeoutMs, timer: undefined };
        s.timeoutMs = session.timeoutMs;
        this.sessions.set(session.id, s);
        conn = s.session;
      }
      try {
        return await this.run(conn, st, session !== undefined);
      } catch (e) {
        return { kind: 'error', error: parseEngineError(e instanceof Error ? e.message : String(e)) };
      } finally {
        if (owned) conn.close();
        else if (session !== undefined) this.touchSession(session.id, session.close);
      }
    });
  }

  private async run(conn: ChdbSession, st: Statement, isSession: boolean): Promise<Outcome> {
    const { native } = this.chdb;
    const c = conn.connection;
    let restore: string[] = [];
    if (isSession && (st.settings.length > 0 || st.database !== undefined)) {
      // URL settings and `database` apply to the query, not the session: note them to put back.
      const names = st.settings.map(([k]) => `'${k.replaceAll("'", '')}'`).join(', ');
      const r = await native.QueryAsyncConnection(c, `SELECT currentDatabase(), ${names === '' ? "''" : `(SELECT groupArray((name, value)) FROM system.settings WHERE name IN (${names}))`} FORMAT JSONCompactEachRow`, 'JSONCompactEachRow');
      const row: unknown = JSON.parse(Buffer.from(r.bytes).toString('utf8'));
      if (Array.isArray(row) && typeof row[0] === 'string') {
        restore = [`USE \`${row[0].replaceAll('`', '')}\``];
        if (Array.isArray(row[1]) && row[1].length > 0) {
          const pairs = row[1].filter((p): p is [string, string] => Array.isArray(p) && typeof p[0] === 'string' && typeof p[1] === 'string');
          restore.push(setStatement(pairs));
        }
      }
    }
    try {
      if (st.database !== undefined && st.database !== '') await native.QueryAsyncConnection(c, `USE \`${st.database.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``, 'TabSeparated');
      if (st.settings.length > 0) {
        const bad = st.settings.find(([k]) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k));
        if (bad !== undefined) throw new Error(`Code: 115. DB::Exception: Unknown setting '${bad[0]}'. (UNKNOWN_SETTING)`);
        await native.QueryAsyncConnection(c, setStatement(st.settings), 'TabSeparated');
      }
      const isInsert = st.kind === 'INSERT';
      if (isInsert && this.faults.failInserts) {
        return { kind: 'error', error: serverError('TOO_MANY_PARTS', 'Too many parts (3000). Merges are processing significantly slower than inserts') };
      }
      if (isInsert && this.faults.crashOnInsert === 'before') process.kill(process.pid, 'SIGKILL');
      const outcome = await this.runStatement(c, st);
      if (isInsert && this.faults.crashOnInsert === 'after') process.kill(process.pid, 'SIGKILL');
      return outcome;
    } finally {
      for (const sql of restore) await native.QueryAsyncConnection(c, sql, 'TabSeparated').catch(() => undefined);
    }
  }

  private async runStatement(c: unknown, st: Statement): Promise<Outcome> {
    const { native } = this.chdb;
    const hasParams = Object.keys(st.bound).length > 0;
    if (st.insertData !== undefined) {
      // A server inserts an empty body as zero rows; chDB answers NO_DATA_TO_INSERT.
      if (st.insertData.length === 0) return { kind: 'ok', body: Buffer.alloc(0), summary: EMPTY_SUMMARY };
      try {
        const r = await native.InsertRawAsyncConnection(c, st.sql, st.insertData, false);
        const rows = r.rowsWritten;
        return { kind: 'ok', body: Buffer.alloc(0), summary: { readRows: rows, readBytes: r.bytesWritten, writtenRows: rows, writtenBytes: r.bytesWritten, resultRows: rows, resultBytes: r.bytesWritten, elapsedSeconds: r.elapsed } };
      } catch (e) {
        const error = parseEngineError(e instanceof Error ? e.message : String(e));
        if (error.name === 'NO_DATA_TO_INSERT') return { kind: 'ok', body: Buffer.alloc(0), summary: EMPTY_SUMMARY };
        return { kind: 'error', error };
      }
    }
    const r = hasParams
      ? await native.QueryAsyncConnection(c, st.sql, st.defaultFormat, st.bound)
      : await native.QueryAsyncConnection(c, st.sql, st.defaultFormat);
    const body = Buffer.from(r.bytes);
    // chDB reports the result's rows and bytes (`SELECT count() FROM t` reads 1 row, 8 bytes), not the rows scanned.
    return { kind: 'ok', body, summary: { readRows: r.rowsRead, readBytes: r.bytesRead, writtenRows: 0, writtenBytes: 0, resultRows: r.rowsRead, resultBytes: body.length, elapsedSeconds: r.elapsed } };
  }

  private touchSession(id: string, close: boolean): void {
    const s = this.sessions.get(id);
    if (s === undefined) return;
    clearTimeout(s.timer);
    const expire = (): void => {
      this.sessions.delete(id);
      void this.queue.run(async () => s.session.close());
    };
    if (close) expire();
    else s.timer = setTimeout(expire, s.timeoutMs).unref();
  }

  async close(): Promise<void> {
    await this.queue.idle();
    for (const s of this.sessions.values()) { clearTimeout(s.timer); s.session.close(); }
    this.sessions.clear();
    this.anchor.close();
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP.

interface ServerOptions { dataDir: string; port: number; cluster: string | undefined; user: string | undefined; password: string | undefined; exitWithStdin: boolean }

export function parseArgs(argv: readonly string[]): ServerOptions {
  const values = new Map<string, string>();
  let exitWithStdin = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? '';
    if (flag === '--exit-with-stdin') { exitWithStdin = true; continue; }
    if (!['--data', '--port', '--cluster', '--user', '--password'].includes(flag)) throw new Error(`${flag}: unknown flag; expected --data, --port, --cluster, --user, --password, --exit-with-stdin`);
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag}: needs a value`);
    values.set(flag, value);
    i++;
  }
  const dataDir = values.get('--data');
  if (dataDir === undefined) throw new Error('--data <dir>: required (chDB locks it: one server per directory)');
  const portText = values.get('--port') ?? '0';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port=${portText}: expected an integer 0-65535 (0: any free port)`);
  const cluster = values.get('--cluster');
  // The name becomes an XML element of chDB's config; dots would split it into a path.
  if (cluster !== undefined && !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(cluster)) throw new Error(`--cluster=${cluster}: expected letters, digits, '_' or '-'`);
  const user = values.get('--user');
  const password = values.get('--password');
  if ((user === undefined) !== (password === undefined)) throw new Error('--user and --password go together');
  return { dataDir: path.resolve(dataDir), port, cluster, user, password, exitWithStdin };
}

/** chDB config for --cluster: the cluster is this one node, which ClickHouse then reads and writes locally. */
function clusterConfig(cluster: string): string {
  // is_local needs host and port to be this server's: localhost and the (never opened) tcp_port.
  return `<clickhouse>
  <tcp_port>9000</tcp_port>
  <remote_servers><${cluster}><shard><replica><host>localhost</host><port>9000</port></replica></shard></${cluster}></remote_servers>
  <macros><cluster>${cluster}</cluster><shard>01</shard><replica>${hostname().replace(/[^A-Za-z0-9_.-]/g, '_')}</replica></macros>
</clickhouse>
`;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function decompressBody(body: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? '').toLowerCase()) {
    case '':
    case 'identity':
      return body;
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(body);
    case 'deflate':
      return zlib.inflateSync(body);
    case 'br':
      return zlib.brotliDecompressSync(body);
    default:
      throw new Error(`Unknown HTTP Content-Encoding ${encoding ?? ''}: this test server decompresses gzip, deflate and br`);
  }
}

type ResponseCodec = 'gzip' | 'deflate' | 'br';

/** ClickHouse picks from Accept-Encoding in its own order; zstd (Node 22+) and lz4 are not offered here. */
function chooseCodec(acceptEncoding: string | undefined): ResponseCodec | undefined {
  const offered = (acceptEncoding ?? '').toLowerCase();
  for (const codec of ['br', 'gzip', 'deflate'] as const) if (offered.includes(codec)) return codec;
  return undefined;
}

function compress(body: Buffer, codec: ResponseCodec | undefined, level: number): Buffer {
  switch (codec) {
    case undefined: return body;
    case 'gzip': return zlib.gzipSync(body, { level });
    case 'deflate': return zlib.deflateSync(body, { level });
    case 'br': return zlib.brotliCompressSync(body);
    default: return assertNever(codec);
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}

interface Credentials { user: string; password: string; error?: string }

/** authenticateUserByHTTP: X-ClickHouse-User/Key headers, Basic auth or `user`/`password` parameters, never mixed. */
function credentialsOf(req: IncomingMessage, url: URL): Credentials {
  const headerUser = req.headers['x-clickhouse-user'];
  const headerKey = req.headers['x-clickhouse-key'];
  const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
  const paramUser = url.searchParams.get('user');
  const paramPassword = url.searchParams.get('password');
  const hasHeaders = headerUser !== undefined || headerKey !== undefined;
  const hasParams = paramUser !== null || paramPassword !== null;
  if ((hasHeaders && basic !== null) || ((hasHeaders || basic !== null) && hasParams)) {
    return { user: '', password: '', error: 'Invalid authentication: it is not allowed to use Authorization HTTP header and authentication via parameters simultaneously' };
  }
  if (hasHeaders) return { user: String(headerUser ?? 'default'), password: String(headerKey ?? '') };
  if (basic?.[1] !== undefined) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? { user: decoded, password: '' } : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return { user: paramUser ?? 'default', password: paramPassword ?? '' };
}

export interface SessionRequest { id: string; timeoutMs: number; check: boolean; close: boolean }

/**
 * A query request as HTTPHandler reads it: the statement (URL `query`, a newline, the body; or the
 * `query` parts of a multipart body), its parameters, settings, database, default format and session.
 * `body` is already decompressed.
 */
export function readQueryRequest(input: {
  method: string; urlEntries: Array<[string, string]>; body: Buffer; cluster: string | undefined;
  contentType: string | undefined; databaseHeader: string | string[] | undefined; formatHeader: string | string[] | undefined;
}): { statement: Statement; session: SessionRequest | undefined } | { error: ServerError } {
  const contentType = input.contentType ?? '';
  let params: ParsedParams;
  let text: Buffer;
  if (contentType.toLowerCase().startsWith('multipart/form-data')) {
    const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
    const parts = boundary === undefined ? [] : parseMultipart(input.body, boundary);
    const external = parts.find((p) => p.filename !== undefined);
    if (external !== undefined) return { error: serverError('NOT_IMPLEMENTED', `External data (part '${external.name}') is not supported by this test server`) };
    params = splitParams([...input.urlEntries, ...parts.map((p): [string, string] => [p.name, p.content.toString('utf8')])], true);
    text = Buffer.from(params.queryParts.join(''));
  } else {
    params = splitParams(input.urlEntries, false);
    const urlQuery = params.queryParts[0] ?? '';
    // HTTPHandler: "the entire query consists of the contents of the 'query' parameter, a line break and the request body".
    text = urlQuery === '' ? input.body : Buffer.concat([Buffer.from(`${urlQuery}\n`), input.body]);
  }
  if (params.reserved.get('compress') === '1' || params.reserved.get('decompress') === '1') {
    return { error: serverError('NOT_IMPLEMENTED', "ClickHouse's native compression (compress=1, decompress=1) is not supported by this test server") };
  }

  // Offsets in the latin1 view are byte offsets, so INSERT data is cut from the raw bytes.
  const latin1 = text.toString('latin1');
  if (sqlTokens(latin1).next().done === true) return { error: serverError('SYNTAX_ERROR', 'Empty query') };
  const kind = statementKind(latin1);
  let sql: string;
  let insertData: Buffer | undefined;
  const shape = kind === 'INSERT' ? insertShape(latin1) : { kind: 'no-data' as const };
  // Bound parameters need chDB's query call; its raw-insert call takes none.
  if (shape.kind === 'data' && Object.keys(params.bound).length === 0) {
    sql = text.subarray(0, shape.prefixEnd).toString('utf8');
    insertData = text.subarray(shape.dataStart);
  } else {
    sql = text.toString('utf8');
    if (kind !== 'INSERT') {
      // chDB runs `a; b` as two statements; the HTTP interface refuses it.
      const second = secondStatementAt(sql);
      if (second !== undefined) return { error: serverError('SYNTAX_ERROR', `Syntax error (Multi-statements are not allowed): failed at position ${second + 1} (end of query): ${sql.slice(second, second + 40)}`) };
    }
    const rewritten = rewriteForCluster(sql, input.cluster);
    if (rewritten.kind === 'error') return { error: rewritten.error };
    sql = rewritten.sql;
  }

  const sessionId = params.reserved.get('session_id');
  let session: SessionRequest | undefined;
  if (sessionId !== undefined && sessionId !== '') {
    const timeoutText = params.reserved.get('session_timeout') ?? '60';
    const timeoutSeconds = Number(timeoutText);
    // default_session_timeout 60 s, max_session_timeout 3600 s: a server's defaults.
    if (!/^\d+$/.test(timeoutText) || timeoutSeconds > 3600) return { error: serverError('INVALID_SESSION_TIMEOUT', `Invalid session timeout: '${timeoutText}'`) };
    session = { id: sessionId, timeoutMs: timeoutSeconds * 1000, check: params.reserved.get('session_check') === '1', close: params.reserved.get('close_session') === '1' };
  }
  const settings = [...params.settings];
  // setReadOnlyIfHTTPMethodIdempotent: a GET may only read. Not in a session: readonly cannot be put back.
  if ((input.method === 'GET' || input.method === 'HEAD') && session === undefined && !settings.some(([k]) => k === 'readonly')) settings.push(['readonly', '2']);
  const database = String(input.databaseHeader ?? params.reserved.get('database') ?? '') || undefined;
  const defaultFormat = String(input.formatHeader ?? params.reserved.get('default_format') ?? '') || 'TabSeparated';
  return { statement: { sql, kind, insertData, bound: params.bound, settings, database, defaultFormat }, session };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const connectionArgs = [...SERVER_DEFAULT_SETTINGS];
  let configDir: string | undefined;
  if (options.cluster !== undefined) {
    configDir = mkdtempSync(path.join(tmpdir(), 'chdb-http-config-'));
    const file = path.join(configDir, 'cluster.xml');
    writeFileSync(file, clusterConfig(options.cluster));
    connectionArgs.push(`--config-file=${file}`);
  }
  const faults: Faults = { delayMs: 0, refuse: false, failInserts: false, crashOnInsert: null };
  const engine = new Engine(loadChdb(), options.dataDir, connectionArgs, faults);
  const version = await engine.scalar('SELECT version()');
  const timezone = await engine.scalar('SELECT timezone()');
  const codes = await engine.scalar(`SELECT arrayStringConcat(arrayMap(c -> errorCodeToName(c), [${Object.values(OWN_ERROR_CODES).join(',')}]), ',')`);
  if (codes !== Object.keys(OWN_ERROR_CODES).join(',')) throw new Error(`OWN_ERROR_CODES disagree with chDB's errorCodeToName: ${codes}`);
  const displayName = hostname();

  const send = (res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer, isHead: boolean): void => {
    res.writeHead(status, { 'X-ClickHouse-Server-Display-Name': displayName, ...headers, 'Content-Length': String(body.length) });
    res.end(isHead ? undefined : body);
  };
  const sendError = (res: ServerResponse, e: ServerError, headers: Record<string, string>, codec: ResponseCodec | undefined, isHead: boolean): void => {
    const body = compress(Buffer.from(errorBody(e, version)), codec, 3);
    send(res, httpStatusFor(e.name), {
      'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Exception-Code': String(e.code), 'X-ClickHouse-Summary': summaryHeader(EMPTY_SUMMARY),
      ...(codec === undefined ? {} : { 'Content-Encoding': codec }), ...headers,
    }, body, isHead);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const isHead = req.method === 'HEAD';
    if (url.pathname === '/__control') {
      const body = req.method === 'POST' ? await readBody(req) : Buffer.alloc(0);
      let problem: string | undefined;
      if (body.length > 0) {
        try {
          problem = applyControl(faults, JSON.parse(body.toString('utf8')));
        } catch (e) {
          problem = `not JSON: ${e instanceof Error ? e.message : String(e)}`;
        }
      }
      send(res, problem === undefined ? 200 : 400, { 'Content-Type': 'application/json' }, Buffer.from(JSON.stringify(problem === undefined ? faults : { error: problem })), false);
      return;
    }
    if (faults.refuse) { req.socket.destroy(); return; }
    let raw = await readBody(req);
    if (faults.delayMs > 0) await sleep(faults.delayMs);
    if (faults.refuse) { req.socket.destroy(); return; }

    if (url.pathname === '/ping' || url.pathname === '/replicas_status' || (url.pathname === '/' && req.method !== 'POST' && !url.searchParams.has('query'))) {
      send(res, 200, { 'Content-Type': 'text/plain; charset=UTF-8' }, Buffer.from('Ok.\n'), isHead);
      return;
    }
    if (url.pathname !== '/') {
      send(res, 404, { 'Content-Type': 'text/plain; charset=UTF-8' }, Buffer.from(`There is no handle ${url.pathname}\n\nUse / or /ping for queries and health checks.\n`), isHead);
      return;
    }

    const creds = credentialsOf(req, url);
    if (creds.error !== undefined) { sendError(res, serverError('AUTHENTICATION_FAILED', creds.error), {}, undefined, isHead); return; }
    if (options.user !== undefined && (creds.user !== options.user || creds.password !== options.password)) {
      sendError(res, serverError('AUTHENTICATION_FAILED', `${creds.user}: Authentication failed: password is incorrect, or there is no user with such name`), {}, undefined, isHead);
      return;
    }

    const enableCompression = ['1', 'true'].includes((url.searchParams.get('enable_http_compression') ?? '').toLowerCase());
    const codec = enableCompression ? chooseCodec(req.headers['accept-encoding']) : undefined;
    const level = Number(url.searchParams.get('http_zlib_compression_level') ?? '3');
    const queryId = url.searchParams.get('query_id') || String(req.headers['x-clickhouse-query-id'] ?? '') || randomUUID();
    const idHeader = { 'X-ClickHouse-Query-Id': queryId };
    const fail = (e: ServerError): void => sendError(res, e, idHeader, codec, isHead);

    try {
      raw = decompressBody(raw, req.headers['content-encoding']);
    } catch (e) {
      fail(serverError('CANNOT_DECOMPRESS', e instanceof Error ? e.message : String(e)));
      return;
    }
    const parsed = readQueryRequest({
      method: req.method ?? 'GET', urlEntries: [...url.searchParams.entries()], body: raw, cluster: options.cluster,
      contentType: req.headers['content-type'], databaseHeader: req.headers['x-clickhouse-database'], formatHeader: req.headers['x-clickhouse-format'],
    });
    if ('error' in parsed) { fail(parsed.error); return; }
    const { statement, session } = parsed;
    const { kind, sql, settings, defaultFormat } = statement;

    const outcome = await engine.execute(statement, session);
    if (outcome.kind === 'error') { fail(outcome.error); return; }
    const headers: Record<string, string> = { ...idHeader, 'X-ClickHouse-Summary': summaryHeader(outcome.summary), 'Content-Type': 'text/plain; charset=UTF-8' };
    if (hasResultSet(kind)) {
      const format = outputFormat(sql) ?? defaultFormat;
      const sessionTimezone = settings.find(([k]) => k === 'session_timezone')?.[1];
      Object.assign(headers, { 'X-ClickHouse-Format': format, 'X-ClickHouse-Timezone': sessionTimezone || timezone, 'Content-Type': contentTypeOf(format) });
    }
    if (codec !== undefined) headers['Content-Encoding'] = codec;
    send(res, 200, headers, compress(outcome.body, codec, Number.isInteger(level) ? Math.min(Math.max(level, 0), 9) : 3), isHead);
  };

  const inFlight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const p = handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        const body = Buffer.from(errorBody(serverError('UNKNOWN_EXCEPTION', e instanceof Error ? e.message : String(e)), version));
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Exception-Code': String(OWN_ERROR_CODES.UNKNOWN_EXCEPTION) });
        res.end(body);
      } else res.destroy();
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  });
  // A server keeps idle HTTP connections keep_alive_timeout (DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT, 30 s in
  // Core/Defines.h of recent versions) and says so in Keep-Alive; the client reads that header.
  server.keepAliveTimeout = 30_000;

  let stopping = false;
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeIdleConnections();
    await Promise.allSettled([...inFlight]);
    await engine.close();
    if (configDir !== undefined) rmSync(configDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  if (options.exitWithStdin) {
    // The parent holds our stdin; when it dies the pipe closes and this server must not outlive it.
    process.stdin.on('end', () => void shutdown());
    process.stdin.resume();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('listening without a TCP address');
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
}

const runAsProgram = process.argv[1] !== undefined && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url;
if (runAsProgram) {
  main().catch((e: unknown) => {
    process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: 'clickhouse-http test server failed', err: e instanceof Error ? e.message : String(e) })}\n`);
    process.exit(1);
  });
}
