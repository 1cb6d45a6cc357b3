/**
 * The lease in the store: replicas racing for it through the test ClickHouse server (statements
 * really run concurrently there), a holder cut off from the store replaced within two lease periods
 * without two holders at any instant, a graceful handover, and the embedded store taking over a
 * previous run's lease at once.
 */
import path from 'node:path';
import { rmSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLease, createLeaseTable, type Lease, type LeaseTable } from '../../src/lease/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { startClickHouseHttpServer, type ClickHouseHttpServer } from '../helpers/clickhouse-http/index.js';
import { tempDir } from '../helpers/tollgate.js';

const log = pino({ level: 'silent' });
let dir: string;
let server: ClickHouseHttpServer;
let store: Store;
let table: LeaseTable;

beforeAll(async () => {
  dir = tempDir('tollgate-lease-');
  server = await startClickHouseHttpServer({ dataDir: path.join(dir, 'server') });
  ({ store } = await openStore({ kind: 'server', url: server.url, username: 'default', password: '', database: 'lease_test', cluster: undefined }));
  table = createLeaseTable(store);
});
afterAll(async () => {
  await store?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A replica's view of the table that can be cut off from the store, as a crashed or partitioned process is. */
function cuttable(inner: LeaseTable): { table: LeaseTable; cut(): void } {
  let cut = false;
  const guard = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => (...a: A): Promise<R> => (cut ? Promise.reject(new Error('cut off from the store')) : f(...a));
  return { table: { read: guard(inner.read), claim: guard(inner.claim), renew: guard(inner.renew), release: guard(inner.release) }, cut: () => (cut = true) };
}

const replicas = (name: string, n: number, leaseMs: number, tables: LeaseTable[] = []): Lease[] =>
  Array.from({ length: n }, (_, i) => createLease({ table: tables[i] ?? table, name, holderId: `replica-${i}`, leaseMs, exclusive: false, log }));

/** Samples every replica's isHolder() until `until` says stop; fails on an instant with two holders. */
async function watchHolders(leases: Lease[], until: () => boolean, timeoutMs: number): Promise<{ overlaps: number; holders: string[] }> {
  const seen: string[] = [];
  let overlaps = 0;
  const deadline = Date.now() + timeoutMs;
  while (!until() && Date.now() < deadline) {
    const now = leases.filter((l) => l.isHolder()).map((l) => l.status().me);
    if (now.length > 1) overlaps++;
    for (const h of now) if (seen.at(-1) !== h) seen.push(h);
    await new Promise((r) => setTimeout(r, 10));
  }
  return { overlaps, holders: seen };
}

describe('a lease in ClickHouse', () => {
  it('elects exactly one of five replicas that race for a vacant lease, and all of them name it', async () => {
    const leases = replicas('race', 5, 3_000);
    try {
      const statuses = await Promise.all(leases.map((l) => l.start()));
      const holders = leases.filter((l) => l.isHolder());
      expect(holders).toHaveLength(1);
      const winner = holders[0]!.status().me;
      expect(statuses.map((s) => s.holder)).toEqual(Array(5).fill(winner));
      expect(statuses.filter((s) => s.role === 'follower')).toHaveLength(4);
      // Everyone claimed term 1; the rows say who was first.
      const read = await table.read('race');
      expect(read.claims.length).toBeGreaterThanOrEqual(1);
      const earliest = [...read.claims].sort((a, b) => a.claimedAtMs - b.claimedAtMs || a.holder.localeCompare(b.holder))[0];
      expect(earliest?.holder).toBe(winner);
    } finally {
      await Promise.all(leases.map((l) => l.stop()));
    }
  });

  it('gives a term to the earlier claim even when a later claim lands after the winner already read it', async () => {
    await table.claim('late', 1, 'zz-first', 10_000);
    const first = await table.read('late');
    expect(first.claims.map((c) => c.holder)).toEqual(['zz-first']);
    await new Promise((r) => setTimeout(r, 5));
    await table.claim('late', 1, 'aa-late', 10_000); // a lower id, but stamped later
    const lease = createLease({ table, name: 'late', holderId: 'aa-late', leaseMs: 10_000, exclusive: false, log });
    expect(await lease.tick()).toMatchObject({ role: 'follower', holder: 'zz-first', term: 1 });
    await lease.stop();
  });

  it('replaces a holder cut off from the store within two lease periods, never with two holders at once', async () => {
    const leaseMs = 1_500;
    const links = [0, 1, 2].map(() => cuttable(table));
    const leases = replicas('handover', 3, leaseMs, links.map((l) => l.table));
    try {
      await Promise.all(leases.map((l) => l.start()));
      const first = leases.findIndex((l) => l.isHolder());
      expect(first).toBeGreaterThanOrEqual(0);
      const cutAt = performance.now();
      links[first]!.cut();
      let tookOverAt = 0;
      const watched = await watchHolders(leases, () => {
        const other = leases.some((l, i) => i !== first && l.isHolder());
        if (other && tookOverAt === 0) tookOverAt = performance.now();
        return other;
      }, 4 * leaseMs);
      expect(watched.overlaps).toBe(0);
      expect(tookOverAt).toBeGreaterThan(0);
      // The cut-off holder stopped acting within one period of its last renewal, before the takeover.
      expect(leases[first]!.isHolder()).toBe(false);
      expect(tookOverAt - cutAt).toBeLessThan(2 * leaseMs);
      const next = leases.find((l) => l.isHolder())!.status();
      expect(next.term).toBeGreaterThan(1);
      // The other claimer learns it lost at its next look (after settling).
      await new Promise((r) => setTimeout(r, leaseMs / 2));
      expect(leases.filter((_, i) => i !== first).map((l) => l.status().holder)).toEqual([next.me, next.me]);
    } finally {
      await Promise.all(leases.map((l) => l.stop()));
    }
  });

  it('hands over at the next look when the holder stops gracefully', async () => {
    const leaseMs = 3_000;
    const leases = replicas('graceful', 2, leaseMs);
    try {
      await Promise.all(leases.map((l) => l.start()));
      const holder = leases.find((l) => l.isHolder())!;
      const other = leases.find((l) => l !== holder)!;
      const stoppedAt = performance.now();
      await holder.stop();
      expect(holder.isHolder()).toBe(false);
      await watchHolders([other], () => other.isHolder(), 2 * leaseMs);
      expect(other.status()).toMatchObject({ role: 'holder', holder: other.status().me, term: 2 });
      // A renewal period until it looks, then settling: well before the lease would have expired.
      expect(performance.now() - stoppedAt).toBeLessThan(leaseMs);
    } finally {
      await Promise.all(leases.map((l) => l.stop()));
    }
  });
});

describe('the embedded store', () => {
  it('takes over a lease a previous run left unexpired, at start', async () => {
    const embeddedDir = tempDir('tollgate-lease-embedded-');
    const { store: embedded } = await openStore({ kind: 'embedded', path: path.join(embeddedDir, 'clickhouse') });
    try {
      const t = createLeaseTable(embedded);
      await t.claim('engine', 7, 'previous-run', 60_000);
      const lease = createLease({ table: t, holderId: 'this-run', leaseMs: 15_000, exclusive: true, log });
      const started = performance.now();
      expect(await lease.start()).toMatchObject({ role: 'holder', holder: 'this-run', term: 8 });
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(lease.isHolder()).toBe(true);
      await lease.stop();
    } finally {
      await embedded.close();
      rmSync(embeddedDir, { recursive: true, force: true });
    }
  });
});
