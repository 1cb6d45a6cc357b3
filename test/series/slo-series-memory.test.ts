/**
 * The Sloth-named SLO series over a range whose windows reach back past the minutes the engine
 * holds by the minute (three days and two hours): each point is read from memory where its window
 * is held there, from the recorded table where it is not, and equals a raw count of the spans in
 * that window (real chDB, spans over OTLP on a real socket).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sendSpans, spread } from '../helpers/spans.js';
import { startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const SLO = `apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: feed-availability}
spec:
  service: feed
  objective: 99
  period: 30d
  sli: {spans: {match: {kind: server}, bad: {status: error}}}
`;

let tg: InProcessTollgate;
let sloDir: string;
const now = Date.now();
beforeAll(async () => {
  sloDir = tempDir('tollgate-series-memory-');
  mkdirSync(sloDir, { recursive: true });
  writeFileSync(path.join(sloDir, 'feed.yaml'), SLO);
  tg = await startInProcess({ TOLLGATE_SLO_DIR: sloDir, TOLLGATE_EVALUATION_INTERVAL_MS: '3600000' });
  // Four days of spans, one every 3 minutes, every seventh failing.
  await sendSpans(tg.otlpHttpUrl, { service: 'feed', configHash: 'feed-1' }, spread(4 * 24 * 20, now - 4 * DAY, now - MIN, (i) => ({ error: i % 7 === 0 })));
  await tg.engine!.recordNow({ backfill: true });
  // As the engine does every ten minutes: minutes older than three days and two hours are kept as hour sums only.
  await tg.engine!.compactNow();
}, 120_000);
afterAll(async () => {
  await tg?.cleanup();
  rmSync(sloDir, { recursive: true, force: true });
});

it('answers the 3-day window over the last 12 hours, each point equal to a raw count of its window', async () => {
  const end = Math.floor(now / MIN) * MIN - MIN;
  const params = new URLSearchParams({
    query: 'slo:sli_error:ratio_rate3d{sloth_service="feed"}', start: String((end - 12 * HOUR) / 1000), end: String(end / 1000), step: '3600',
  });
  const res = await fetch(`${tg.apiUrl}/api/v1/query_range?${params.toString()}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: Array<{ values: Array<[number, string]> }> } };
  expect(body.status, body.error).toBe('success');
  const values = body.data.result[0]!.values;
  expect(values).toHaveLength(13);
  for (const [t, v] of values) {
    // The sample at step t is the window whose last minute holds t.
    const lastMinute = Math.floor(t / 60) * 60;
    const [raw] = await tg.store.query<{ total: string; bad: string }>(
      `SELECT count() AS total, countIf(StatusCode = 'Error') AS bad FROM otel_traces
       WHERE ServiceName = 'feed' AND SpanKind = 'Server'
         AND Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9)`,
      { from: lastMinute + 60 - 3 * 86_400, to: lastMinute + 60 },
    );
    expect(Number(v), `at ${new Date(t * 1000).toISOString()}`).toBe(Number(raw!.bad) / Number(raw!.total));
  }
});
