/**
 * Kill -9 cycles of a real Tollgate (its own process, embedded chDB) during concurrent OTLP/HTTP
 * ingest, then a check of what it stored: every acknowledged span is there, and the span views
 * (minute and hour rollups, trace-id table) agree with `otel_traces`. Shared by
 * test/ingest/crash-loop.test.ts (10 cycles) and bench/crash-loop.ts (100).
 */
import path from 'node:path';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { openStore, type Store } from '../../src/store/index.js';
import { demoResource, makeSpans } from './telemetry.js';
import { body, spawnTollgate, testEnv, type ChildTollgate } from './tollgate.js';
import { seededRandom } from './random.js';

export interface CrashLoopOptions {
  dataDir: string;
  cycles: number;
  /** Concurrent senders, each sending one export after another. */
  senders: number;
  /** Spans per export (server spans and their client children). */
  spansPerExport: number;
  /** Each cycle kills Tollgate this long after it listens: uniformly between the two. */
  minRunMs: number;
  maxRunMs: number;
  seed: number;
  env?: Record<string, string>;
  onCycle?: (c: CycleResult) => void;
}

/** What the check after a restart found, from Tollgate's log line. */
export interface RepairSeen {
  minutesRebuilt: number;
  hoursRebuilt: number;
  traceRowsAdded: number;
  traceRowsRemoved: number;
  durationMs: number;
}

export interface CycleResult {
  cycle: number;
  /** From spawn to listening (including the repair). */
  restartMs: number;
  restarted: boolean;
  /** The start's repair, when the log had one (every start after a kill should). */
  repair: RepairSeen | undefined;
  runMs: number;
  ackedExports: number;
  refusedExports: number;
  /** Exports in flight when the process died (connection reset or refused): never acknowledged. */
  cutExports: number;
}

export interface StoredCheck {
  ackedSpans: number;
  lostSpans: number;
  rawSpans: number;
  minuteRollupSpans: number;
  hourRollupSpans: number;
  rawTraces: number;
  traceIdTraces: number;
  /** Traces with spans outside their trace-id rows' [Start, End]. */
  uncoveredTraces: number;
}

export interface CrashLoopResult {
  cycles: CycleResult[];
  restartFailures: number;
  /** The final start (after the last kill) and its clean stop. */
  finalRestart: CycleResult;
  finalExitCode: number | null;
  stored: StoredCheck;
}

const CONFIG_HASH = 'crash-loop';

function repairFrom(output: string): RepairSeen | undefined {
  for (const line of output.split('\n')) {
    if (!line.includes('span views checked after an unclean end')) continue;
    try {
      const e = JSON.parse(line) as Partial<RepairSeen>;
      return {
        minutesRebuilt: Number(e.minutesRebuilt), hoursRebuilt: Number(e.hoursRebuilt),
        traceRowsAdded: Number(e.traceRowsAdded), traceRowsRemoved: Number(e.traceRowsRemoved), durationMs: Number(e.durationMs),
      };
    } catch {
      // not JSON: keep looking
    }
  }
  return undefined;
}

async function start(env: Record<string, string>): Promise<{ tg: ChildTollgate | undefined; restartMs: number; repair: RepairSeen | undefined; error?: string }> {
  const t0 = performance.now();
  try {
    const tg = await spawnTollgate(env, 120_000);
    return { tg, restartMs: performance.now() - t0, repair: repairFrom(tg.output()) };
  } catch (e) {
    return { tg: undefined, restartMs: performance.now() - t0, repair: undefined, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Sends exports until `stop` is set; span ids of exports answered 200 go into `acked`. */
async function sender(url: string, spansPerExport: number, acked: Set<string>, counts: { acked: number; refused: number; cut: number }, stop: { now: boolean }): Promise<void> {
  while (!stop.now) {
    const spans = makeSpans(Math.max(1, Math.floor(spansPerExport / 2)), demoResource({ config_hash: CONFIG_HASH }));
    try {
      const res = await fetch(url, {
        method: 'POST',
        body: body(ProtobufTraceSerializer.serializeRequest(spans)!),
        headers: { 'content-type': 'application/x-protobuf' },
        signal: AbortSignal.timeout(15_000),
      });
      await res.arrayBuffer();
      if (res.status === 200) {
        counts.acked++;
        for (const s of spans) acked.add(s.spanContext().spanId);
      } else {
        counts.refused++;
        await new Promise((r) => setTimeout(r, 100));
      }
    } catch {
      // The process died with the export in flight: not acknowledged, so not counted as stored.
      counts.cut++;
      return;
    }
  }
}

export async function runCrashLoop(opts: CrashLoopOptions): Promise<CrashLoopResult> {
  const env = testEnv(opts.dataDir, { TOLLGATE_BATCH_MAX_DELAY_MS: '50', ...opts.env });
  const random = seededRandom(opts.seed);
  const acked = new Set<string>();
  const cycles: CycleResult[] = [];
  let restartFailures = 0;

  for (let cycle = 1; cycle <= opts.cycles; cycle++) {
    let started = await start(env);
    if (started.tg === undefined) {
      restartFailures++;
      started = await start(env); // counted as failed; one more try so the loop can go on
      if (started.tg === undefined) throw new Error(`cycle ${cycle}: Tollgate did not start twice: ${started.error}`);
    }
    const tg = started.tg;
    const runMs = opts.minRunMs + random() * (opts.maxRunMs - opts.minRunMs);
    const counts = { acked: 0, refused: 0, cut: 0 };
    const stop = { now: false };
    const url = `http://127.0.0.1:${tg.ports.otlpHttp}/v1/traces`;
    const senders = Array.from({ length: opts.senders }, () => sender(url, opts.spansPerExport, acked, counts, stop));
    await new Promise((r) => setTimeout(r, runMs));
    tg.child.kill('SIGKILL');
    await tg.exited;
    stop.now = true;
    await Promise.all(senders);
    const result: CycleResult = {
      cycle, restartMs: started.restartMs, restarted: true, repair: started.repair, runMs,
      ackedExports: counts.acked, refusedExports: counts.refused, cutExports: counts.cut,
    };
    cycles.push(result);
    opts.onCycle?.(result);
  }

  // After the last kill: one more start (which repairs), then a clean stop.
  const last = await start(env);
  if (last.tg === undefined) throw new Error(`final start failed: ${last.error}`);
  last.tg.child.kill('SIGTERM');
  const exit = await last.tg.exited;
  const finalRestart: CycleResult = {
    cycle: opts.cycles + 1, restartMs: last.restartMs, restarted: true, repair: last.repair, runMs: 0, ackedExports: 0, refusedExports: 0, cutExports: 0,
  };
  return { cycles, restartFailures, finalRestart, finalExitCode: exit.code, stored: await checkStored(opts.dataDir, acked) };
}

/** What must agree after a crash, as text: raw spans against both rollups, and traces against the trace-id table. */
export interface StoreCounts { raw: string; m: string; h: string; rawTraces: string; idTraces: string; uncovered: string }

/** The counts a crash must leave in agreement: spans in otel_traces and both rollups; traces, and traces whose time the trace-id table does not cover. */
export async function storeCounts(store: Pick<Store, 'query'>): Promise<StoreCounts> {
  const [c] = await store.query<StoreCounts>(
    `SELECT
       (SELECT toString(count()) FROM otel_traces) AS raw,
       (SELECT toString(sum(Count)) FROM tollgate_span_rollup_1m) AS m,
       (SELECT toString(sum(Count)) FROM tollgate_span_rollup_1h) AS h,
       (SELECT toString(uniqExact(TraceId)) FROM otel_traces WHERE TraceId != '') AS rawTraces,
       (SELECT toString(uniqExact(TraceId)) FROM otel_traces_trace_id_ts) AS idTraces,
       (SELECT toString(count()) FROM
          (SELECT TraceId, toDateTime(min(Timestamp)) AS s, toDateTime(max(Timestamp)) AS e FROM otel_traces WHERE TraceId != '' GROUP BY TraceId) AS r
          LEFT JOIN (SELECT TraceId, min(Start) AS s, max(End) AS e FROM otel_traces_trace_id_ts GROUP BY TraceId) AS t ON r.TraceId = t.TraceId
          WHERE t.TraceId = '' OR r.s < t.s OR r.e > t.e) AS uncovered`,
  );
  return c!;
}

/** Opens the (cleanly closed) store directly and compares it with what was acknowledged. */
export async function checkStored(dataDir: string, acked: ReadonlySet<string>): Promise<StoredCheck> {
  const { store } = await openStore({ kind: 'embedded', path: path.join(dataDir, 'clickhouse') });
  try {
    const stored = new Set(
      (await store.query<{ SpanId: string }>(`SELECT DISTINCT SpanId FROM otel_traces WHERE ConfigHash = {h:String}`, { h: CONFIG_HASH })).map((r) => r.SpanId),
    );
    let lost = 0;
    for (const id of acked) if (!stored.has(id)) lost++;
    const c = await storeCounts(store);
    return {
      ackedSpans: acked.size,
      lostSpans: lost,
      rawSpans: Number(c.raw),
      minuteRollupSpans: Number(c.m),
      hourRollupSpans: Number(c.h),
      rawTraces: Number(c.rawTraces),
      traceIdTraces: Number(c.idTraces),
      uncoveredTraces: Number(c.uncovered),
    };
  } finally {
    await store.close();
  }
}
