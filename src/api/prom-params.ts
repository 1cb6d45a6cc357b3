/**
 * @module api/prom-params
 * Prometheus' HTTP API parameter rules (web/api/v1): times as unix seconds or RFC 3339, steps as
 * seconds or durations, parameters from the URL and a form body together (the body wins for single
 * values, as Go's FormValue does; `match[]` collects both), and `query_range`'s own checks.
 */
export class BadDataError extends Error {
  override readonly name = 'BadDataError';
}

/** Prometheus' limit on points per series in a range query. */
export const MAX_RANGE_POINTS = 11_000;
const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

export interface RequestParams {
  get(name: string): string | undefined;
  all(name: string): string[];
}

export function mergedParams(url: URLSearchParams, form: URLSearchParams | undefined): RequestParams {
  return {
    get: (name) => form?.get(name) ?? url.get(name) ?? undefined,
    all: (name) => [...(form?.getAll(name) ?? []), ...url.getAll(name)],
  };
}

/** Unix seconds (fractions allowed) or RFC 3339; `fallbackMs` when absent. */
export function parseTimeMs(text: string | undefined, name: string, fallbackMs: number): number {
  if (text === undefined || text === '') return fallbackMs;
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new BadDataError(`invalid parameter "${name}": cannot parse "${text}" to a valid timestamp`);
}

/** Seconds (fractions allowed) or a Prometheus duration such as `1m30s`. */
export function parseDurationParamMs(text: string | undefined, name: string): number {
  if (text === undefined || text === '') throw new BadDataError(`invalid parameter "${name}": cannot parse "" to a valid duration`);
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    const ms = Number(text) * 1000;
    if (!Number.isFinite(ms)) throw new BadDataError(`invalid parameter "${name}": cannot parse "${text}" to a valid duration. It overflows int64`);
    return Math.round(ms);
  }
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new BadDataError(`invalid parameter "${name}": cannot parse "${text}" to a valid duration`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * DURATION_UNITS_MS[p[2]!]!, 0);
}

export interface RangeParams {
  startMs: number;
  endMs: number;
  stepMs: number;
}

export function parseRange(params: RequestParams): RangeParams {
  const startMs = parseTimeMs(required(params, 'start'), 'start', 0);
  const endMs = parseTimeMs(required(params, 'end'), 'end', 0);
  if (endMs < startMs) throw new BadDataError('invalid parameter "end": end timestamp must not be before start time');
  const stepMs = parseDurationParamMs(required(params, 'step'), 'step');
  if (stepMs <= 0) throw new BadDataError('invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
  if ((endMs - startMs) / stepMs > MAX_RANGE_POINTS) {
    throw new BadDataError('exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
  }
  return { startMs, endMs, stepMs };
}

export function required(params: RequestParams, name: string): string {
  const v = params.get(name);
  if (v === undefined || v === '') throw new BadDataError(`invalid parameter "${name}": missing`);
  return v;
}
