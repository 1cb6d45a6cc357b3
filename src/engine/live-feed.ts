/**
 * @module engine/live-feed
 * Counts the spans and log records this process stores into every recorded SLO's ledger, so
 * an SLO number or a gate answer reflects an export the moment it is acknowledged, with no
 * statement. The facts are derived from the stored rows exactly as the rollup's materialized view
 * and ClickHouse derive them (store/schema-tables.ts: ConfigHash, Environment, HttpStatusClass,
 * DurationBucketNs; `toUInt16OrZero` for raw status codes), so the recorder's later count of the
 * same minute from the store is equal, and the ledger's merge by maximum leaves it unchanged.
 * Metric SLIs are not fed live: a point's increase needs its series' previous point.
 */
import { columns, type Signal } from '../ingest/index.js';
import type { LogFacts, RawSpanFacts } from '../slo/sli/index.js';
import { DURATION_BUCKET_BOUNDS_MS, tables, type RowBatch } from '../store/index.js';
import type { MinuteRecord } from '../slo/evaluate/index.js';
import type { RecordedSlo } from './recorded.js';

const span = (name: (typeof columns.SPAN_COLUMNS)[number]): number => columns.SPAN_COLUMNS.indexOf(name);
const log = (name: (typeof columns.LOG_COLUMNS)[number]): number => columns.LOG_COLUMNS.indexOf(name);
const S = {
  timestamp: span('Timestamp'), name: span('SpanName'), kind: span('SpanKind'), service: span('ServiceName'),
  resource: span('ResourceAttributes'), attributes: span('SpanAttributes'), duration: span('Duration'), status: span('StatusCode'),
};
const L = {
  timestamp: log('Timestamp'), severity: log('SeverityNumber'), service: log('ServiceName'), body: log('Body'),
  resource: log('ResourceAttributes'), attributes: log('LogAttributes'),
};

const BOUNDS_NS = DURATION_BUCKET_BOUNDS_MS.map((ms) => ms * 1_000_000);
const INF_BUCKET_NS = Number(tables.DURATION_BUCKET_INF_NS);

type Attributes = Record<string, string>;

/** An export's counts per SLO, made while its rows exist, added once every row is stored. */
export interface LiveTally {
  apply(): void;
}

export interface LiveFeed {
  /**
   * Counts rows into per-SLO minute records (aggregated: a few per SLO however many rows), to be
   * applied once the export is stored; undefined when no recorded SLO counts this signal.
   */
  tally(signal: Signal, batches: readonly RowBatch[]): LiveTally | undefined;
}

export function createLiveFeed(recorded: () => Iterable<RecordedSlo>, onLate?: (events: number) => void): LiveFeed {
  return {
    tally(signal, batches) {
      if (signal === 'metrics') return undefined;
      const bySignal = [...recorded()].filter((r) => r.loaded && r.predicate?.kind === (signal === 'traces' ? 'spans' : 'logs'));
      if (bySignal.length === 0) return undefined;
      const byService = new Map<string, RecordedSlo[]>();
      for (const r of bySignal) byService.set(r.slo.service, [...(byService.get(r.slo.service) ?? []), r]);
      const counts = new Map<RecordedSlo, Map<string, MinuteRecord>>();
      for (const batch of batches) {
        for (const row of batch.rows) {
          const service = String(row[signal === 'traces' ? S.service : L.service]);
          const candidates = byService.get(service);
          if (candidates === undefined) continue;
          const minute = minuteOf(row[signal === 'traces' ? S.timestamp : L.timestamp]);
          const facts = signal === 'traces' ? spanFacts(row, service) : logFacts(row, service);
          for (const r of candidates) {
            const verdict = r.predicate?.kind === 'spans' ? r.predicate.judgeSpan(facts as RawSpanFacts) : r.predicate?.kind === 'logs' ? r.predicate.judge(facts as LogFacts) : 0;
            if (verdict === 0) continue;
            let mine = counts.get(r);
            if (mine === undefined) counts.set(r, (mine = new Map()));
            const key = `${minute}\u0000${facts.environment}\u0000${facts.configHash}`;
            let rec = mine.get(key);
            if (rec === undefined) mine.set(key, (rec = { minute, environment: facts.environment, configHash: facts.configHash, total: 0, bad: 0 }));
            rec.total++;
            if (verdict === 2) rec.bad++;
          }
        }
      }
      if (counts.size === 0) return undefined;
      return {
        apply() {
          let late = 0;
          for (const [r, records] of counts) {
            for (const rec of records.values()) {
              // Older than what is already settled: the next settle no longer re-reads that minute, reconcile does.
              if (rec.minute <= r.progress.settledThrough) late += rec.total;
              r.ledger.add(rec);
            }
          }
          if (late > 0) onLate?.(late);
        },
      };
    },
  };
}

/** `seconds.nanoseconds` text (store/row-encoding.ts) → the minute's first second. */
function minuteOf(timestamp: unknown): number {
  const text = String(timestamp);
  const seconds = Number(text.slice(0, text.indexOf('.') === -1 ? undefined : text.indexOf('.')));
  return Math.floor(seconds / 60) * 60;
}

/** As the signal tables' MATERIALIZED columns: `if(RA['deployment.environment.name'] != '', …, RA['deployment.environment'])`. */
function environmentOf(resource: Attributes): string {
  const name = resource['deployment.environment.name'] ?? '';
  return name !== '' ? name : (resource['deployment.environment'] ?? '');
}

function spanFacts(row: unknown[], service: string): RawSpanFacts {
  const resource = row[S.resource] as Attributes;
  const attributes = row[S.attributes] as Attributes;
  const durationNs = Number(row[S.duration]);
  const newStatus = attributes['http.response.status_code'] ?? '';
  const status = newStatus !== '' ? newStatus : (attributes['http.status_code'] ?? '');
  return {
    service,
    environment: environmentOf(resource),
    configHash: resource[tables.CONFIG_HASH_ATTRIBUTE] ?? '',
    kind: String(row[S.kind]),
    name: String(row[S.name]),
    statusCode: String(row[S.status]),
    // The rollup: `if(match(httpStatus, '^[1-5][0-9][0-9]$'), concat(substring(httpStatus, 1, 1), 'xx'), '')`.
    httpStatusClass: /^[1-5][0-9][0-9]$/.test(status) ? `${status[0]}xx` : '',
    // The rollup: `arrayFirst(b -> Duration <= b, bounds)`, the last bound being UInt64's maximum.
    durationBucketNs: BOUNDS_NS.find((b) => durationNs <= b) ?? INF_BUCKET_NS,
    durationNs,
    httpStatus: toUInt16OrZero(status),
    attributes,
  };
}

/** ClickHouse's toUInt16OrZero: an optional '+', digits, at most 65535; anything else is 0. */
function toUInt16OrZero(text: string): number {
  if (!/^\+?\d+$/.test(text)) return 0;
  const n = Number(text);
  return n <= 65_535 ? n : 0;
}

function logFacts(row: unknown[], service: string): LogFacts {
  const resource = row[L.resource] as Attributes;
  return {
    service,
    environment: environmentOf(resource),
    configHash: resource[tables.CONFIG_HASH_ATTRIBUTE] ?? '',
    severityNumber: Number(row[L.severity]),
    body: String(row[L.body]),
    attributes: row[L.attributes] as Attributes,
  };
}
