/**
 * @module ingest/in-flight
 * The requests being received or processed, for a shutdown that answers every one of them:
 * once draining, requests that arrive (on connections already open) are answered 503 with
 * Retry-After and `Connection: close`, those already in flight finish as usual, and `idle()`
 * says when the last one has been answered.
 */
export interface InFlight {
  /** A request starts; call the returned function once it is answered. */
  enter(): () => void;
  readonly draining: boolean;
  /** Stop taking new requests. */
  drain(): void;
  /** Resolves once no request is in flight. */
  idle(): Promise<void>;
  count(): number;
}

export function createInFlight(): InFlight {
  let count = 0;
  let draining = false;
  let waiters: Array<() => void> = [];
  const settle = (): void => {
    if (count > 0) return;
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  };
  return {
    enter() {
      count++;
      let left = false;
      return () => {
        if (left) return;
        left = true;
        count--;
        settle();
      };
    },
    get draining() {
      return draining;
    },
    drain() {
      draining = true;
    },
    idle: () => (count === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    count: () => count,
  };
}
