/**
 * @module telemetry/metrics
 * Tollgate's own metrics, served at /metrics: what ingest accepted and refused and why, how big
 * and how slow the inserts are, and how full the queues are.
 */
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { IngestObserver } from '../ingest/index.js';
import type { InsertObservation } from '../store/index.js';

export interface QueueProbe {
  ingestBytesInUse(): number;
  pendingRows(): number;
  statementQueue(): { read: number; write: number; running: number };
}

export interface TollgateMetrics {
  registry: Registry;
  ingest: IngestObserver;
  observeInsert(o: InsertObservation): void;
  observeStatement(lane: 'read' | 'write', seconds: number, failed: boolean): void;
  watchQueues(probe: QueueProbe): void;
  /** Events found to have arrived after their minute was recorded (the live feed, or hourly reconcile). */
  observeLateEvents(events: number, foundBy: 'live' | 'reconcile'): void;
  /** Bytes the SLO engine's recorded minutes take in memory. */
  watchRecordedMinutes(bytes: () => number): void;
  /** Who holds the evaluator lease, sampled at scrape time. */
  watchLease(status: () => LeaseProbe): void;
  /** Whether the store answers (store health, sampled at scrape time). */
  watchStore(isUp: () => boolean): void;
}

/** What /metrics says about the evaluator lease (lease/'s status, narrowed). */
export interface LeaseProbe {
  holder: string | null;
  isHolder: boolean;
  term: number;
}

export function createTollgateMetrics(): TollgateMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tollgate_' });

  const items = new Counter({
    name: 'tollgate_ingest_items_total',
    help: 'Spans, log records and data points received, by signal and outcome (accepted, or rejected as partial success).',
    labelNames: ['signal', 'outcome'] as const,
    registers: [registry],
  });
  const requests = new Counter({
    name: 'tollgate_ingest_requests_total',
    help: 'OTLP export requests by signal, transport and outcome (stored, invalid, queue_full, too_large, unsupported, unauthorized, failed, shutting_down).',
    labelNames: ['signal', 'transport', 'outcome'] as const,
    registers: [registry],
  });
  const batchRows = new Histogram({
    name: 'tollgate_insert_batch_rows',
    help: 'Rows per ClickHouse insert, by table.',
    labelNames: ['table'] as const,
    buckets: [1, 10, 100, 1_000, 5_000, 10_000, 25_000, 50_000, 100_000],
    registers: [registry],
  });
  const insertSeconds = new Histogram({
    name: 'tollgate_insert_duration_seconds',
    help: 'Time from a batch being sealed until its insert returned (queue wait included), by table and result.',
    labelNames: ['table', 'result'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const statementSeconds = new Histogram({
    name: 'tollgate_store_statement_seconds',
    help: 'Time ClickHouse statements ran (queue wait excluded), by lane and result.',
    labelNames: ['lane', 'result'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  // Busy share of the event loop since the previous scrape: decoding runs on it, so this says
  // whether ingest is bound by JavaScript work or by the store.
  let lastLoop = performance.eventLoopUtilization();
  new Gauge({
    name: 'tollgate_event_loop_utilization',
    help: 'Share of time the event loop was busy since the previous scrape (0-1).',
    registers: [registry],
    collect() {
      const now = performance.eventLoopUtilization();
      this.set(performance.eventLoopUtilization(now, lastLoop).utilization);
      lastLoop = now;
    },
  });
  // Queue gauges are sampled at scrape time rather than updated on every request.
  let probe: QueueProbe | undefined;
  new Gauge({
    name: 'tollgate_ingest_queue_bytes',
    help: 'Bytes of exports received but not yet answered.',
    registers: [registry],
    collect() {
      if (probe !== undefined) this.set(probe.ingestBytesInUse());
    },
  });
  new Gauge({
    name: 'tollgate_ingest_pending_rows',
    help: 'Rows accepted by the batch writer and not yet inserted.',
    registers: [registry],
    collect() {
      if (probe !== undefined) this.set(probe.pendingRows());
    },
  });
  new Gauge({
    name: 'tollgate_store_statements',
    help: 'ClickHouse statements waiting by lane, and running.',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      if (probe === undefined) return;
      const d = probe.statementQueue();
      this.set({ state: 'queued_read' }, d.read);
      this.set({ state: 'queued_write' }, d.write);
      this.set({ state: 'running' }, d.running);
    },
  });

  const lateEvents = new Counter({
    name: 'tollgate_slo_late_events_total',
    help: 'Events counted into an SLO after their minute had been recorded: by the live feed as they arrived, or found by the hourly reconcile (another replica\'s, or missed).',
    labelNames: ['found_by'] as const,
    registers: [registry],
  });
  let recordedBytes: () => number = () => 0;
  new Gauge({
    name: 'tollgate_slo_recorded_minutes_bytes',
    help: 'Memory the SLO engine\'s recorded minutes take (minutes for the last days, hours before).',
    registers: [registry],
    collect() {
      this.set(recordedBytes());
    },
  });

  let storeUp: (() => boolean) | undefined;
  new Gauge({
    name: 'tollgate_store_up',
    help: 'Whether the store (ClickHouse) answered its latest statements (1), or could not be reached (0): exports are refused and reads answer 503 meanwhile.',
    registers: [registry],
    collect() {
      if (storeUp !== undefined) this.set(storeUp() ? 1 : 0);
    },
  });
  let lease: (() => LeaseProbe) | undefined;
  new Gauge({
    name: 'tollgate_lease_is_holder',
    help: 'Whether this process holds the evaluator lease (1): it records SLO minutes, evaluates and sends alerts, and writes its own metrics.',
    registers: [registry],
    collect() {
      if (lease !== undefined) this.set(lease().isHolder ? 1 : 0);
    },
  });
  new Gauge({
    name: 'tollgate_lease_holder',
    help: 'The evaluator lease holder as this process last read it (one series, value 1; none while it is being claimed).',
    labelNames: ['holder'] as const,
    registers: [registry],
    collect() {
      if (lease === undefined) return;
      this.reset();
      const { holder } = lease();
      if (holder !== null) this.set({ holder }, 1);
    },
  });
  new Gauge({
    name: 'tollgate_lease_term',
    help: 'The evaluator lease term as last read: it grows by one at every change of holder.',
    registers: [registry],
    collect() {
      if (lease !== undefined) this.set(lease().term);
    },
  });

  return {
    registry,
    ingest: {
      decoded(signal, _transport, d) {
        items.inc({ signal, outcome: 'accepted' }, d.acceptedItems);
        if (d.rejectedItems > 0) items.inc({ signal, outcome: 'rejected' }, d.rejectedItems);
      },
      outcome(signal, transport, outcome) {
        requests.inc({ signal, transport, outcome });
      },
    },
    observeInsert(o) {
      batchRows.observe({ table: o.table }, o.rows);
      insertSeconds.observe({ table: o.table, result: o.error === undefined ? 'ok' : 'error' }, o.durationMs / 1000);
    },
    observeStatement(lane, seconds, failed) {
      statementSeconds.observe({ lane, result: failed ? 'error' : 'ok' }, seconds);
    },
    watchQueues(p) {
      probe = p;
    },
    observeLateEvents(events, foundBy) {
      lateEvents.inc({ found_by: foundBy }, events);
    },
    watchRecordedMinutes(bytes) {
      recordedBytes = bytes;
    },
    watchLease(status) {
      lease = status;
    },
    watchStore(isUp) {
      storeUp = isUp;
    },
  };
}
