/**
 * bench/crash-loop: `--cycles` SIGKILLs of a Tollgate (its own process, embedded chDB) during
 * concurrent OTLP/HTTP ingest, each followed by a restart on the same data directory; then one
 * more restart and a clean stop, and a check of the store: acknowledged spans against stored ones,
 * and raw (otel_traces), rollup (tollgate_span_rollup_1m/1h) and trace-id (otel_traces_trace_id_ts)
 * counts after recovery. Prints per-cycle lines and a summary, with a clean restart (nothing to
 * repair) measured in the same run as the reference for restart times. Asserts nothing.
 *
 *   npm run bench:crash-loop -- [--cycles 100] [--senders 4] [--spans 200] [--min-run-ms 300] [--max-run-ms 2000] [--seed 16] [--record]
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runCrashLoop, type CycleResult } from '../test/helpers/crash-loop.js';
import { spawnTollgate, tempDir, testEnv } from '../test/helpers/tollgate.js';
import { benchArgs, recordingOutput } from './report.js';

recordingOutput('crash-loop', 'npm run bench:crash-loop -- --record');
const { values: args } = parseArgs({
  args: benchArgs(),
  options: {
    cycles: { type: 'string', default: '100' },
    senders: { type: 'string', default: '4' },
    spans: { type: 'string', default: '200' },
    'min-run-ms': { type: 'string', default: '300' },
    'max-run-ms': { type: 'string', default: '2000' },
    seed: { type: 'string', default: '16' },
  },
});
const CYCLES = Number(args.cycles);

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
const sortedOf = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
const s1 = (ms: number): string => (ms / 1000).toFixed(1);
const fixedSomething = (c: CycleResult): boolean =>
  c.repair !== undefined && c.repair.minutesRebuilt + c.repair.hoursRebuilt + c.repair.traceRowsAdded + c.repair.traceRowsRemoved > 0;

const dataDir = tempDir('tollgate-crash-loop-');
try {
  console.log(`${CYCLES} cycles: ${args.senders} senders of ${args.spans}-span exports, SIGKILL ${args['min-run-ms']}-${args['max-run-ms']} ms after listening (seed ${args.seed})`);
  console.log('cycle  restart s  repair: minutes hours +trace -trace ms   acked  refused  cut');
  const started = performance.now();
  const r = await runCrashLoop({
    dataDir,
    cycles: CYCLES,
    senders: Number(args.senders),
    spansPerExport: Number(args.spans),
    minRunMs: Number(args['min-run-ms']),
    maxRunMs: Number(args['max-run-ms']),
    seed: Number(args.seed),
    onCycle: (c) => {
      const rep = c.repair === undefined ? '  (none)' : `${String(c.repair.minutesRebuilt).padStart(8)} ${String(c.repair.hoursRebuilt).padStart(5)} ${String(c.repair.traceRowsAdded).padStart(6)} ${String(c.repair.traceRowsRemoved).padStart(6)} ${String(c.repair.durationMs).padStart(5)}`;
      console.log(`${String(c.cycle).padStart(5)}  ${s1(c.restartMs).padStart(9)}  ${rep.padEnd(38)} ${String(c.ackedExports).padStart(5)}  ${String(c.refusedExports).padStart(7)}  ${String(c.cutExports).padStart(3)}`);
    },
  });

  // Reference from the same run: a start after a clean stop (nothing to check), then a clean stop.
  const clean = performance.now();
  const ref = await spawnTollgate(testEnv(dataDir, { TOLLGATE_BATCH_MAX_DELAY_MS: '50' }), 120_000);
  const cleanRestartMs = performance.now() - clean;
  ref.child.kill('SIGTERM');
  await ref.exited;

  const restarts = sortedOf(r.cycles.slice(1).map((c) => c.restartMs));
  const repairs = sortedOf(r.cycles.slice(1).flatMap((c) => (c.repair === undefined ? [] : [c.repair.durationMs])));
  const repaired = r.cycles.filter(fixedSomething).length + (fixedSomething(r.finalRestart) ? 1 : 0);
  const s = r.stored;
  const agree = (a: number, b: number): string => (a === b ? 'agree' : `DISAGREE (${a - b})`);
  console.log('');
  console.log(`cycles: ${r.cycles.length} kills, ${r.restartFailures} failed restarts, final clean stop exit ${r.finalExitCode}; ${s1(performance.now() - started)} s in all`);
  console.log(`restart after a kill: p50 ${s1(percentile(restarts, 50))} s, p95 ${s1(percentile(restarts, 95))} s, max ${s1(percentile(restarts, 100))} s; clean restart (reference) ${s1(cleanRestartMs)} s`);
  console.log(`view check at start: p50 ${percentile(repairs, 50)} ms, max ${percentile(repairs, 100)} ms; ${repaired} of ${r.cycles.length} restarts found views behind their spans and rebuilt them`);
  console.log(`acknowledged spans: ${s.ackedSpans.toLocaleString('en-US')}, lost: ${s.lostSpans}`);
  console.log(`otel_traces ${s.rawSpans.toLocaleString('en-US')} spans; tollgate_span_rollup_1m ${s.minuteRollupSpans.toLocaleString('en-US')} (${agree(s.minuteRollupSpans, s.rawSpans)}); tollgate_span_rollup_1h ${s.hourRollupSpans.toLocaleString('en-US')} (${agree(s.hourRollupSpans, s.rawSpans)})`);
  console.log(`traces: otel_traces ${s.rawTraces.toLocaleString('en-US')}, otel_traces_trace_id_ts ${s.traceIdTraces.toLocaleString('en-US')} (${agree(s.traceIdTraces, s.rawTraces)}); traces with spans outside their trace-id rows: ${s.uncoveredTraces}`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
// The check above opened chDB in this process; its threads outlive the closed store and would keep
// the process (and the --record write at exit) waiting forever.
process.exit(0);
