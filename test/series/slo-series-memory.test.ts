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
const SECOND = SLO.replaceAll('feed', 'search');

let tg: InProcessTollgate;
let sloDir: string;
const now = Date.now();
beforeAll(async () => {
  sloDir = tempDir('tollgate-series-memory-');
  mkdirSync(sloDir, { recursive: true });
  writeFileSync(path.join(sloDir, 'feed.yaml'), SLO);
  writeFileSync(path.join(sloDir, 'search.yaml'), SECOND);
  tg = await startInProcess({ TOLLGATE_SLO_DIR: sloDir, TOLLGATE_EVALUATION_INTERVAL_MS: '3600000' });
  // Four days of spans, one every 3 minutes, every seventh failing.
  await sendSpans(tg.otlpHttpUrl, { service: 'feed', configHash: 'feed-1' }, spread(4 * 24 * 20, now - 4 * DAY, now - MIN, (i) => ({ error: i % 7 === 0 })));
  await sendSpans(tg.otlpHttpUrl, { service: 'search', configHash: 'search-1' }, spread(4 * 24 * 12, now - 4 * DAY, now - MIN, (i) => ({ error: i % 5 === 0 })));
  await tg.engine!.recordNow({ backfill: true });
  // As the engine does every ten minutes: minutes older than three days and two hours are kept as hour sums only.
  await tg.engine!.compactNow();
}, 120_000);
afterAll(async () => {
  await tg?.cleanup();
  rmSync(sloDir, { recursive: true, force: true });
});

type RangeAnswer = { status: string; error?: string; data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } };

async function queryRange(query: string, startMs: number, endMs: number, stepSeconds: number): Promise<RangeAnswer['data']['result']> {
  const params = new URLSearchParams({ query, start: String(startMs / 1000), end: String(endMs / 1000), step: String(stepSeconds) });
  const res = await fetch(`${tg.apiUrl}/api/v1/query_range?${params.toString()}`);
  const body = (await res.json()) as RangeAnswer;
  expect(body.status, body.error).toBe('success');
  return body.data.result;
}

/** Each point equals a raw count of the service's spans in the window whose last minute holds the step. */
async function expectRawCounts(service: string, windowSeconds: number, values: Array<[number, string]>): Promise<void> {
  for (const [t, v] of values) {
    const lastMinute = Math.floor(t / 60) * 60;
    const [raw] = await tg.store.query<{ total: string; bad: string }>(
      `SELECT count() AS total, countIf(StatusCode = 'Error') AS bad FROM otel_traces
       WHERE ServiceName = {service:String} AND SpanKind = 'Server'
         AND Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9)`,
      { service, from: lastMinute + 60 - windowSeconds, to: lastMinute + 60 },
    );
    expect(Number(v), `${service} at ${new Date(t * 1000).toISOString()}`).toBe(Number(raw!.bad) / Number(raw!.total));
  }
}

it('answers the 3-day window over the last 12 hours, each point equal to a raw count of its window', async () => {
  const end = Math.floor(now / MIN) * MIN - MIN;
  const result = await queryRange('slo:sli_error:ratio_rate3d{sloth_service="feed"}', end - 12 * HOUR, end, 3600);
  const values = result[0]!.values;
  expect(values).toHaveLength(13);
  await expectRawCounts('feed', 3 * 86_400, values);
});

it('answers every SLO\'s 2-hour window where memory holds only hours, read back together, each point equal to a raw count', async () => {
  // Points between four and three and a half days ago: every window ends where memory holds hour sums only.
  const end = Math.floor((now - 3.5 * DAY) / MIN) * MIN + 7 * MIN;
  const result = await queryRange('slo:sli_error:ratio_rate2h', end - 10 * HOUR, end, 1800);
  expect(result.map((r) => r.metric['sloth_service']).sort()).toEqual(['feed', 'search']);
  for (const r of result) {
    expect(r.values.length).toBeGreaterThanOrEqual(16);
    await expectRawCounts(r.metric['sloth_service']!, 7_200, r.values);
  }
  // Again, from the older minutes kept since the first query, and over a range reaching into memory's minutes.
  expect(await queryRange('slo:sli_error:ratio_rate2h', end - 10 * HOUR, end, 1800)).toEqual(result);
  const across = await queryRange('slo:sli_error:ratio_rate2h{sloth_service="search"}', end - 2 * HOUR, end + 12 * HOUR, 1800);
  await expectRawCounts('search', 7_200, across[0]!.values);
});
