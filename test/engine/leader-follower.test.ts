/**
 * Two engines on one store, one of them the leader (the lease holder), with a controlled clock:
 * the leader stores and announces an alert transition once; the follower answers the same alert
 * state from what the leader stored and announces nothing; when leadership moves, the new leader
 * starts from the stored state, so a firing alert is not announced again and its resolution is
 * announced exactly once, by the new leader.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSloEngine, openSloRegistry, type AlertTransitionListener, type EvaluatedSlo, type SloEngine, type SloRegistry } from '../../src/engine/index.js';
import { sendSpans, spread } from '../helpers/spans.js';
import { startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';

const MIN = 60_000;
const T = Date.UTC(2026, 0, 10, 12, 0, 0);
const SLO = `apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: api-availability}
spec:
  service: api
  objective: 99.9
  period: 30d
  sli: {spans: {bad: {status: error}}}
`;
const PAGE = 'api-availability/page/5m/1h';

let tg: InProcessTollgate;
let sloDir: string;
let registry: SloRegistry;
const log = pino({ level: 'silent' });
let clock = T;
let leader: 'a' | 'b' = 'a';
const announced: Record<'a' | 'b', string[]> = { a: [], b: [] };
let a: SloEngine;
let b: SloEngine;

const engine = (me: 'a' | 'b'): Promise<SloEngine> => {
  const onEvaluated: AlertTransitionListener = (changed) => void announced[me].push(...changed.map((s) => `${s.key} ${s.transition}`));
  return createSloEngine({ store: tg.store, registry, log, now: () => clock, isLeader: () => leader === me, onEvaluated });
};

beforeAll(async () => {
  sloDir = tempDir('tollgate-leader-slos-');
  mkdirSync(sloDir, { recursive: true });
  writeFileSync(path.join(sloDir, 'api.yaml'), SLO);
  tg = await startInProcess({ TOLLGATE_SLO_DIR: sloDir, TOLLGATE_EVALUATION_INTERVAL_MS: '3600000' });
  registry = await openSloRegistry({ dir: sloDir, log });
  // Ten minutes up to T at 1,000 spans a minute, 2 % failing (burn rate 20); a minute without
  // spans; then nine clean minutes. The evaluations fall in minutes that have no spans yet: only the
  // leader counts the minute in progress (followers read minutes once they close and are recorded).
  await sendSpans(tg.otlpHttpUrl, { service: 'api' }, spread(10_000, T - 9 * MIN, T + MIN - 1, (i) => ({ error: i % 50 === 0 })));
  await sendSpans(tg.otlpHttpUrl, { service: 'api' }, spread(9_000, T + 2 * MIN, T + 11 * MIN, () => ({})));
  clock = T + 90_000;
  a = await engine('a');
  b = await engine('b');
  await a.recordNow({ backfill: true });
  await b.recordNow();
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  registry?.close();
  await tg?.cleanup();
  rmSync(sloDir, { recursive: true, force: true });
});

async function evaluate(e: SloEngine): Promise<EvaluatedSlo> {
  const result = await e.evaluate('api-availability');
  if (result === undefined || !result.ok) throw new Error(`evaluation failed: ${JSON.stringify(result)}`);
  return result.value;
}
const page = (e: EvaluatedSlo) => e.status.alerts.find((x) => x.shortWindow === '5m')!;
const events = async () =>
  (await tg.store.query<{ Transition: string }>(`SELECT Transition FROM tollgate_alert_events WHERE AlertKey = {key:String} ORDER BY EventTime`, { key: PAGE }))
    .map((r) => r.Transition);

describe('a leader and a follower on one store', () => {
  it('the leader fires, stores and announces the page; the follower answers the same from the store and announces nothing', async () => {
    const fromLeader = await evaluate(a);
    expect(page(fromLeader)).toMatchObject({ state: 'firing', sinceMs: T + 90_000 });
    expect(announced.a).toContain(`${PAGE} fired`);
    await b.recordNow(); // a follower's record tick: what the leader recorded and stored
    const fromFollower = await evaluate(b);
    expect(page(fromFollower)).toEqual(page(fromLeader));
    expect(fromFollower.status.windows).toEqual(fromLeader.status.windows);
    expect(announced.b).toEqual([]);
    expect(await events()).toEqual(['fired']);
    expect(b.latest().map((e) => page(e).state)).toEqual(['firing']);
  });

  it('after a handover the new leader keeps the page firing since its first time, announcing nothing again', async () => {
    leader = 'b';
    clock = T + 100_000;
    const e = await evaluate(b);
    expect(page(e)).toMatchObject({ state: 'firing', sinceMs: T + 90_000 });
    expect(announced.b).toEqual([]);
    expect(await events()).toEqual(['fired']);
  });

  it('the new leader announces the resolution once; the old one, now following, only reads it', async () => {
    clock = T + 10 * MIN + 30_000;
    await b.recordNow();
    expect(page(await evaluate(b))).toMatchObject({ state: 'inactive' });
    await a.recordNow();
    expect(page(await evaluate(a))).toMatchObject({ state: 'inactive' });
    expect(announced.b).toEqual([`${PAGE} resolved`]);
    expect(announced.a.filter((x) => x.startsWith(PAGE))).toEqual([`${PAGE} fired`]);
    expect(await events()).toEqual(['fired', 'resolved']);
  });
});
