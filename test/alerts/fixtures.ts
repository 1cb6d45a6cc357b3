/**
 * Plain-data alert instances: a factory returns a fresh object, a variant spreads it and changes a field or two.
 */
import type { AlertInstance } from '../../src/alerts/index.js';

export const NOW_MS = Date.UTC(2025, 0, 15, 12, 0, 0);
export const NOW = '2025-01-15T12:00:00.000Z';
export const TEN_MINUTES_AGO_MS = NOW_MS - 10 * 60_000;
export const TEN_MINUTES_AGO = '2025-01-15T11:50:00.000Z';

/** The fast page row of a 99.9 % SLO, firing for ten minutes. */
export const checkoutFastPage = (): AlertInstance => ({
  slo: 'checkout-availability',
  service: 'checkout',
  sloShortName: 'checkout-availability',
  sloLabels: { team: 'payments' },
  severity: 'page',
  shortWindow: '5m',
  longWindow: '1h',
  burnFactor: 14.4,
  objective: 0.999,
  state: 'firing',
  sinceMs: TEN_MINUTES_AGO_MS,
  shortBurnRate: 20.1,
  longBurnRate: 16.3,
  reason: 'burning at 20.1× over 5m and 16.3× over 1h, above 14.4×',
});

/** The slow page row of the same SLO, quiet since an hour ago. */
export const checkoutSlowPage = (): AlertInstance => ({
  ...checkoutFastPage(),
  shortWindow: '30m',
  longWindow: '6h',
  burnFactor: 6,
  state: 'inactive',
  sinceMs: NOW_MS - 3_600_000,
  shortBurnRate: 2,
  longBurnRate: 1.5,
  reason: 'the 30m window burns at 2×, not above 6×',
});

/** A ticket row of a 99.5 % SLO of another service, never evaluated. */
export const searchTicket = (): AlertInstance => ({
  slo: 'search-latency',
  service: 'search',
  sloShortName: 'search-latency',
  sloLabels: {},
  severity: 'ticket',
  shortWindow: '2h',
  longWindow: '1d',
  burnFactor: 3,
  objective: 0.995,
  state: 'inactive',
  sinceMs: null,
  shortBurnRate: null,
  longBurnRate: null,
  reason: 'the 2h window has no events',
});

/** The labels every output gives `checkoutFastPage()`. */
export const checkoutFastPageLabels = (): Record<string, string> => ({
  alertname: 'TollgateSLOBurnRate',
  burn_factor: '14.4',
  long_window: '1h',
  service: 'checkout',
  severity: 'page',
  short_window: '5m',
  slo: 'checkout-availability',
  team: 'payments',
});

export const checkoutFastPageAnnotations = () => ({
  summary: 'SLO checkout-availability (checkout) burns its error budget above 14.4× over 5m and 1h',
  description: 'burning at 20.1× over 5m and 16.3× over 1h, above 14.4×',
});
