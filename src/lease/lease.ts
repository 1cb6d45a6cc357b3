/**
 * @module lease/lease
 * The I/O shell around rules.ts: reads the lease, takes the step the rules give, and schedules the
 * next look. `isHolder()` is what the engine, the alert sender and the self-scrape ask before acting.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { LeaseTable } from './lease-table.js';
import { leaseTiming, leaseView, nextLeaseStep, type LeaseStep, type LeaseTiming } from './rules.js';

export type LeaseRole = 'holder' | 'follower' | 'claiming' | 'unknown';

export interface LeaseStatus {
  /** This process's holder id. */
  me: string;
  role: LeaseRole;
  /** Who holds the lease as last read (null: nobody, being claimed, or not read yet). */
  holder: string | null;
  term: number;
  leaseMs: number;
}

export interface Lease {
  isHolder(): boolean;
  status(): LeaseStatus;
  /** Reads the lease and takes one step; errors are the store's (the caller's loop logs them). */
  tick(): Promise<LeaseStatus>;
  /** Ticks until this process holds the lease or knows who does (bounded), then keeps ticking on its own. */
  start(): Promise<LeaseStatus>;
  /** Stops ticking; a holder ends its term so another replica takes over at its next tick. */
  stop(): Promise<void>;
}

export interface LeaseOptions {
  table: LeaseTable;
  /** @default 'engine' */
  name?: string;
  holderId: string;
  leaseMs: number;
  /** The embedded store: this process is the only one on the data (rules.ts, rule 7). */
  exclusive: boolean;
  log: Logger;
  /** Called when the role or the holder changes. */
  onChange?: (status: LeaseStatus) => void;
  /** A monotonic clock in ms. @default performance.now */
  monotonicMs?: () => number;
}

export function createLease({ table, name = 'engine', holderId, leaseMs, exclusive, log, onChange, monotonicMs = () => performance.now() }: LeaseOptions): Lease {
  const timing: LeaseTiming = leaseTiming(leaseMs, exclusive);
  let role: LeaseRole = 'unknown';
  let holder: string | null = null;
  let term = 0;
  /** Until when, on the monotonic clock, this process may act as holder (rule 5). */
  let holdsUntil = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<LeaseStatus> | undefined;
  let lastError: string | undefined;

  const status = (): LeaseStatus => ({ me: holderId, role: role === 'holder' && monotonicMs() >= holdsUntil ? 'unknown' : role, holder, term, leaseMs });

  const set = (next: LeaseRole, nextHolder: string | null, nextTerm: number): void => {
    const changed = next !== role || nextHolder !== holder;
    role = next;
    holder = nextHolder;
    term = nextTerm;
    if (changed) {
      log.info({ role, holder, term, me: holderId }, 'lease changed');
      onChange?.(status());
    }
  };

  /** One read and one step; returns how long until the next look. */
  const step = async (): Promise<number> => {
    const startedMs = monotonicMs();
    const read = await table.read(name);
    const s: LeaseStep = nextLeaseStep({ view: leaseView(read.claims), me: holderId, storeNowMs: read.storeNowMs ?? 0, timing, exclusive });
    switch (s.action) {
      case 'claim':
        holdsUntil = -Infinity;
        await table.claim(name, s.term, holderId, leaseMs);
        set('claiming', null, s.term);
        return s.recheckInMs;
      case 'wait':
        holdsUntil = -Infinity;
        set('claiming', null, s.term);
        return s.recheckInMs;
      case 'renew':
        await table.renew(name, s.term, holderId, s.claimedAtMs, leaseMs);
        // The stored expiry is at least leaseMs after the store read the claims, which came after startedMs.
        holdsUntil = startedMs + leaseMs;
        set('holder', holderId, s.term);
        return timing.renewEveryMs;
      case 'follow':
        holdsUntil = -Infinity;
        set('follower', s.holder, s.term);
        return s.recheckInMs;
      default:
        return assertNever(s);
    }
  };

  const tick = (): Promise<LeaseStatus> => {
    running ??= (async () => {
      try {
        const nextInMs = await step();
        lastError = undefined;
        schedule(nextInMs);
      } catch (err) {
        // A holder keeps acting until holdsUntil; status() turns 'unknown' after it.
        const message = err instanceof Error ? err.message : String(err);
        if (message !== lastError) log.warn({ err, role }, 'lease not read or written; trying again');
        lastError = message;
        schedule(timing.renewEveryMs);
        throw err;
      } finally {
        running = undefined;
      }
      return status();
    })();
    return running;
  };

  const schedule = (ms: number): void => {
    if (timer !== undefined) clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(() => void tick().catch(() => undefined), ms);
    timer.unref();
  };

  return {
    isHolder: () => role === 'holder' && monotonicMs() < holdsUntil,
    status,
    tick,
    async start() {
      stopped = false;
      // A claim settles within settleMs: a few looks decide it (exclusive: two).
      for (let i = 0; i < 5; i++) {
        const s = await tick().catch(() => undefined);
        // Unreadable: start as 'unknown'; the scheduled looks carry on.
        if (s === undefined || s.role === 'holder' || s.role === 'follower') break;
        await new Promise((r) => setTimeout(r, timing.settleMs + 1));
      }
      return status();
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running?.catch(() => undefined);
      if (role !== 'holder') return;
      const wasHolding = monotonicMs() < holdsUntil;
      holdsUntil = -Infinity;
      set('unknown', holder, term);
      if (!wasHolding) return;
      try {
        // The claim time is kept so that the row stays this term's winner; only its expiry moves to now.
        const read = await table.read(name);
        const mine = read.claims.find((c) => c.holder === holderId && c.term === term);
        if (mine !== undefined) await table.release(name, term, holderId, mine.claimedAtMs);
      } catch (err) {
        log.warn({ err }, 'lease not released; another replica takes over when it expires');
      }
    },
  };
}

function assertNever(x: never): never {
  throw new Error(`unexpected lease step ${JSON.stringify(x)}`);
}
