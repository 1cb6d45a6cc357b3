/**
 * The one error class the PromQL core throws. `type` follows the Prometheus HTTP API's
 * `errorType`, so the HTTP layer maps it without inspecting messages:
 * bad_data → 400, execution → 422, timeout and unavailable → 503.
 */
export type PromqlErrorType = 'bad_data' | 'execution' | 'timeout' | 'unavailable';

export class PromqlError extends Error {
  override readonly name = 'PromqlError';
  constructor(
    readonly type: PromqlErrorType,
    message: string,
  ) {
    super(message);
  }
}

export const badData = (message: string): PromqlError => new PromqlError('bad_data', message);
export const execution = (message: string): PromqlError => new PromqlError('execution', message);

/** A feature PromQL has but Tollgate does not evaluate: refused up front, never answered wrongly. */
export const unsupported = (name: string): PromqlError => new PromqlError('bad_data', `unsupported: ${name}`);

/** Prometheus' ParseErr.Error(): `line:column: parse error: …`, column counted from 1. */
export function parseError(query: string, pos: number, problem: string): PromqlError {
  let line = 1;
  let lastLineBreak = -1;
  for (let i = 0; i < pos && i < query.length; i++) {
    if (query[i] === '\n') {
      line++;
      lastLineBreak = i;
    }
  }
  return badData(`${line}:${pos - lastLineBreak}: parse error: ${problem}`);
}

/** Prometheus' ErrTooManySamples text, so operators recognise it. */
export const tooManySamples = (): PromqlError =>
  execution('query processing would load too many samples into memory in query execution');
