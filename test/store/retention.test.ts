/**
 * Retention: TTLs on the raw signal tables from TOLLGATE_RETENTION_*, changed by an ALTER at start
 * (never a drop), and recorded SLO minutes that keep every SLO number unchanged when raw data
 * expires. A real Tollgate on real chDB, restarted on the same data directory.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendSpans, spread } from '../helpers/spans.js';
import { countRows, startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';

const MIN = 60_000;
const DAY = 86_400_000;
const SLOS = `apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: api-eu}
spec:
  service: api
  objective: 99
  period: 7d
  sli: {spans: {match: {kind: server, attributes: {app.region: eu}}, bad: {status: error}}}
---
apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: api-availability}
spec:
  service: api
  objective: 99
  period: 7d
  sli: {spans: {match: {kind: server}, bad: {status: error}}}
`;

let sloDir: string;
let dataDir: string;
let tg: InProcessTollgate | undefined;
const env = (traceDays: string) => ({ TOLLGATE_SLO_DIR: sloDir, TOLLGATE_RETENTION_TRACES: traceDays, TOLLGATE_EVALUATION_INTERVAL_MS: '3600000' });

beforeAll(async () => {
  sloDir = tempDir('tollgate-retention-slos-');
  mkdirSync(sloDir, { recursive: true });
  writeFileSync(path.join(sloDir, 'api.yaml'), SLOS);
  dataDir = tempDir('tollgate-retention-data-');
});
afterAll(async () => {
  await tg?.stop();
  rmSync(sloDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

const ttlOf = async (t: InProcessTollgate, table: string): Promise<string> =>
  (await t.store.query<{ e: string }>(`SELECT engine_full AS e FROM system.tables WHERE database = currentDatabase() AND name = {t:String}`, { t: table }))[0]?.e.match(/TTL (.*?) SETTINGS/)?.[1] ?? '';

interface SloAnswer { windows: Record<string, { total: number; bad: number }>; error_budget: { remaining: number } }
const slo = async (t: InProcessTollgate, name: string): Promise<SloAnswer> => (await (await fetch(`${t.apiUrl}/v1/slos/${name}`)).json()) as SloAnswer;

describe('retention', () => {
  let before: SloAnswer[];

  it('sets each table\'s TTL from the configured retention', async () => {
    tg = await startInProcess(env('30'), dataDir);
    expect(await ttlOf(tg, 'otel_traces')).toBe(`toDateTime(Timestamp) + toIntervalSecond(${30 * 86_400})`);
    expect(await ttlOf(tg, 'tollgate_slo_minutes')).toBe(`Minute + toIntervalSecond(${3_650 * 86_400})`);
    // Five days ago and now, 100 spans each, 10 % failing, half in eu.
    const spans = (from: number) => spread(100, from, from + 10 * MIN - 1, (i) => ({ error: i % 10 === 0, attributes: { 'app.region': i % 2 === 0 ? 'eu' : 'us' } }));
    await sendSpans(tg.otlpHttpUrl, { service: 'api', configHash: 'cfg-1' }, spans(Date.now() - 5 * DAY));
    await sendSpans(tg.otlpHttpUrl, { service: 'api', configHash: 'cfg-1' }, spans(Date.now() - 20 * MIN));
    await tg.engine!.recordNow({ backfill: true });
    before = [await slo(tg, 'api-eu'), await slo(tg, 'api-availability')];
    expect(before[0]!.windows['7d']).toEqual(expect.objectContaining({ total: 100, bad: 20 }));
    await tg.stop();
  });

  it('changes a TTL at start when the retention changed, expiring old spans, and no SLO number moves', async () => {
    tg = await startInProcess(env('2'), dataDir);
    expect(await ttlOf(tg, 'otel_traces')).toBe(`toDateTime(Timestamp) + toIntervalSecond(${2 * 86_400})`);
    // TTLs act at merges: make this one happen now.
    await tg.store.command('OPTIMIZE TABLE otel_traces FINAL');
    expect(await countRows(tg, 'otel_traces', "ServiceName = 'api'")).toBe(100);
    await tg.engine!.recordNow({ backfill: true });
    expect(await tg.engine!.reconcileNow()).toBe(0);
    const after = [await slo(tg, 'api-eu'), await slo(tg, 'api-availability')];
    expect(after.map((a) => a.windows['7d'])).toEqual(before.map((b) => b.windows['7d']));
    expect(after.map((a) => a.error_budget.remaining)).toEqual(before.map((b) => b.error_budget.remaining));
  });
});
