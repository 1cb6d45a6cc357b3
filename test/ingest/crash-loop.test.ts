/**
 * Ten kill -9 cycles of a real Tollgate during concurrent OTLP/HTTP ingest (bench/crash-loop.ts
 * runs a hundred): every restart succeeds, no acknowledged span is lost, and after recovery the
 * minute and hour rollups and the trace-id table agree with `otel_traces`.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCrashLoop } from '../helpers/crash-loop.js';
import { tempDir } from '../helpers/tollgate.js';

const dataDir = tempDir();
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('kill -9 during ingest, ten times', () => {
  it('restarts every time, loses no acknowledged span, and leaves raw, rollup and trace-id counts in agreement', async () => {
    const r = await runCrashLoop({ dataDir, cycles: 10, senders: 4, spansPerExport: 200, minRunMs: 300, maxRunMs: 2_000, seed: 16 });
    expect(r.restartFailures).toBe(0);
    expect(r.finalExitCode).toBe(0);
    // Every start after a kill checked the views (the first start had nothing to check).
    expect(r.cycles.slice(1).every((c) => c.repair !== undefined)).toBe(true);
    expect(r.finalRestart.repair).toBeDefined();
    const s = r.stored;
    expect(s.ackedSpans).toBeGreaterThan(0);
    expect(s.lostSpans).toBe(0);
    expect(s.rawSpans).toBeGreaterThanOrEqual(s.ackedSpans);
    expect({ minute: s.minuteRollupSpans, hour: s.hourRollupSpans }).toEqual({ minute: s.rawSpans, hour: s.rawSpans });
    expect({ traceIds: s.traceIdTraces, uncovered: s.uncoveredTraces }).toEqual({ traceIds: s.rawTraces, uncovered: 0 });
  }, 300_000);
});
