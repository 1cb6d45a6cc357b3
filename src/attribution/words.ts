/**
 * @module attribution/words
 * A cause in one line for people, as the gate's summary, alerts and pages show it. Pure.
 *   error:      "TypeError in GET /api/items/{id}"
 *   dependency: "payments failing (CardDeclinedError in POST /charge) under POST /api/checkout"
 *   slow:       "slow GET /api/items: 91 % of its time in inventory GET /stock"
 *               "slow GET /api/items: 80 % of its time in its own code"
 *   log:        "ERROR payment provider timeout after <n> ms"
 *   metric:     "http_requests_total{route=\"/pay\"}"
 */
import type { AttributedCause, CauseKey } from './types.js';

export function causeHeadline(c: CauseKey, timeShare: number | null): string {
  switch (c.kind) {
    case 'error':
      return `${c.errorType} in ${c.operation}`;
    case 'dependency': {
      const what = [c.errorType, c.dependencyOperation === '' ? '' : `in ${c.dependencyOperation}`].filter((x) => x !== '').join(' ');
      return `${c.dependency} failing${what === '' ? '' : ` (${what})`} under ${c.operation}`;
    }
    case 'slow': {
      const share = timeShare === null ? '' : `${Math.round(timeShare * 100)} % of `;
      const where = c.dependency === '' && c.dependencyOperation === ''
        ? 'its own code'
        : [c.dependency, c.dependencyOperation].filter((x) => x !== '' ).join(' ');
      return `slow ${c.operation}: ${share}its time in ${where}`;
    }
    case 'log':
      return `${c.operation} ${c.errorType}`;
    case 'metric':
      return `${c.operation}{${Object.entries(c.labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
    default:
      return assertNever(c.kind);
  }
}

/** ", new in 3f9a2c1d4e5b" / ", grew" / "": what the ranking found, for a summary. */
export function changeWords(c: Pick<AttributedCause, 'change' | 'configHashes'>): string {
  switch (c.change) {
    case 'new': {
      const hash = c.configHashes[0];
      return hash === undefined || hash === '' ? ', new' : `, new in ${shortHash(hash)}`;
    }
    case 'grew':
      return ', grew';
    case 'steady':
    case 'shrank':
    case 'no_baseline':
      return '';
    default:
      return assertNever(c.change);
  }
}

/** Config hashes are often 64 hex digits; 12 identify a release as well as git's short hashes do. */
export const shortHash = (hash: string): string => (hash.length > 12 ? hash.slice(0, 12) : hash);

function assertNever(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}
