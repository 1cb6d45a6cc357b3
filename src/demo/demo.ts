/**
 * @module demo
 * `npm run demo`, against a running Tollgate (`npm start`): a small shop instrumented with the
 * OpenTelemetry SDK sends traffic for three releases of `checkout` through staging: the one prod
 * runs now, a good successor and one whose OAuth token handling fails. It then asks the gate about
 * the two new ones, as Argo CD's PreSync hook would before syncing them to prod. The good one is
 * allowed; the bad one is denied with its cause, and the answer links to the evidence.
 * The traffic and the question live in `shop.ts`, which the web UI's tests send too.
 *
 *   TOLLGATE_URL (default http://localhost:8080), TOLLGATE_OTLP_URL (default http://localhost:4318),
 *   TOLLGATE_TOKEN (when Tollgate has tokens: scopes ingest and gate)
 */
import { askGate, playScenario, shopScenario, type ShopTarget } from './shop.js';

const token = process.env['TOLLGATE_TOKEN'];
const target: ShopTarget = {
  tollgateUrl: (process.env['TOLLGATE_URL'] ?? 'http://localhost:8080').replace(/\/+$/, ''),
  otlpUrl: (process.env['TOLLGATE_OTLP_URL'] ?? 'http://localhost:4318').replace(/\/+$/, ''),
  ...(token === undefined ? {} : { token }),
};

async function main(): Promise<void> {
  const health = await fetch(`${target.tollgateUrl}/healthz`).catch(() => undefined);
  if (health?.status !== 200) {
    process.stderr.write(`demo: no healthy Tollgate at ${target.tollgateUrl}; start it first with npm start\n`);
    process.exit(2);
  }
  const scenario = shopScenario(Date.now());
  await playScenario(target, scenario, (step) => console.log(step.description));

  console.log('\nArgo CD asks the gate before syncing each release to prod:\n');
  for (const hash of [scenario.good, scenario.bad]) {
    const a = await askGate(target, hash);
    console.log(`  ${hash}: ${a.summary}\n    ${a.url}\n`);
  }
}

void main();
