/**
 * @module alerts/types
 * What the evaluation engine hands this module: one alert rule (SLO × burn-rate window) and its current state.
 */
export interface AlertInstance {
  slo: string;            // SLO name, e.g. 'checkout-availability'
  service: string;        // 'checkout'
  /** The SLO's name within its service (Sloth's `sloth_slo`); Sloth's id is `<service>-<sloShortName>`. */
  sloShortName: string;
  sloLabels: Record<string, string>; // the SLO's metadata.labels, e.g. {team: 'payments'}
  severity: 'page' | 'ticket';
  shortWindow: string;    // '5m'
  longWindow: string;     // '1h'
  burnFactor: number;     // 14.4
  objective: number;      // 0.999
  state: 'firing' | 'inactive';
  /** When the current state began (ms since epoch); null if never evaluated. */
  sinceMs: number | null;
  shortBurnRate: number | null;
  longBurnRate: number | null;
  /** Human-readable explanation, e.g. 'burn rate 20.1 over 5m and 16.3 over 1h, both above 14.4 (2% of the 30d budget in 1h)'. */
  reason: string;
}
