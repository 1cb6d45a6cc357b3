/**
 * @module lease/lease-table
 * The one owner of `tollgate_leases`: a lease's claims on its newest term with the store's clock,
 * and claim, renew and release rows. Every time is the store's (`now64(3)`), see rules.ts.
 *
 * In the cluster form the table is Distributed over replicated tables, so a lease statement must
 * see what the previous one wrote wherever it lands: inserts wait until the shard has the row
 * (`distributed_foreground_insert`) and its replicas a quorum of it (`insert_quorum = 'auto'`), and
 * reads see only quorum-written data (`select_sequential_consistency`). One server needs none of it.
 */
import type { Lane, QueryParams, SchemaForm } from '../store/index.js';
import type { LeaseClaim } from './rules.js';

/** What the table needs from the store; lease statements go on the read lane, ahead of bulk inserts. */
export interface LeaseStore {
  readonly form: SchemaForm;
  query<T>(sql: string, params?: QueryParams, lane?: Lane): Promise<T[]>;
  command(sql: string, params?: QueryParams, lane?: Lane): Promise<void>;
}

export interface LeaseRead {
  claims: LeaseClaim[];
  /** The store's clock when it read them; undefined when there were none (nothing to compare). */
  storeNowMs: number | undefined;
}

export interface LeaseTable {
  read(name: string): Promise<LeaseRead>;
  claim(name: string, term: number, holder: string, leaseMs: number): Promise<void>;
  renew(name: string, term: number, holder: string, claimedAtMs: number, leaseMs: number): Promise<void>;
  /** Ends the holder's term now (graceful stop). */
  release(name: string, term: number, holder: string, claimedAtMs: number): Promise<void>;
}

const COLUMNS = 'Name, Term, Holder, ClaimedAt, ExpiresAt, UpdatedAt';

export function createLeaseTable(store: LeaseStore): LeaseTable {
  const cluster = store.form.kind === 'cluster';
  const insertSettings = cluster ? ` SETTINGS distributed_foreground_insert = 1, insert_quorum = 'auto'` : '';
  const selectSettings = cluster ? ` SETTINGS select_sequential_consistency = 1` : '';
  const insert = (claimedAt: string, expiresAt: string, params: QueryParams): Promise<void> =>
    store.command(
      `INSERT INTO tollgate_leases (${COLUMNS})${insertSettings}
       SELECT {name:String}, {term:UInt64}, {holder:String}, ${claimedAt}, ${expiresAt}, now64(3)`,
      params,
      'read',
    );

  return {
    async read(name) {
      const rows = await store.query<{ Term: string | number; Holder: string; c: string | number; e: string | number; now: string | number }>(
        `SELECT Term, Holder, toUnixTimestamp64Milli(min(ClaimedAt)) AS c, toUnixTimestamp64Milli(argMax(ExpiresAt, UpdatedAt)) AS e,
                toUnixTimestamp64Milli(now64(3)) AS now
         FROM tollgate_leases
         WHERE Name = {name:String} AND Term = (SELECT max(Term) FROM tollgate_leases WHERE Name = {name:String})
         GROUP BY Term, Holder${selectSettings}`,
        { name },
        'read',
      );
      return {
        claims: rows.map((r) => ({ term: Number(r.Term), holder: r.Holder, claimedAtMs: Number(r.c), expiresAtMs: Number(r.e) })),
        storeNowMs: rows[0] === undefined ? undefined : Number(rows[0].now),
      };
    },
    claim: (name, term, holder, leaseMs) =>
      insert('now64(3)', 'now64(3) + toIntervalMillisecond({leaseMs:UInt32})', { name, term, holder, leaseMs }),
    renew: (name, term, holder, claimedAtMs, leaseMs) =>
      insert('fromUnixTimestamp64Milli({claimedAt:Int64})', 'now64(3) + toIntervalMillisecond({leaseMs:UInt32})', { name, term, holder, claimedAt: claimedAtMs, leaseMs }),
    release: (name, term, holder, claimedAtMs) =>
      insert('fromUnixTimestamp64Milli({claimedAt:Int64})', 'now64(3)', { name, term, holder, claimedAt: claimedAtMs }),
  };
}
