/**
 * @module lease
 * One evaluating replica among several Tollgate processes on one ClickHouse: a lease kept in the
 * store (`tollgate_leases`), renewed by its holder, taken over when it expires. rules.ts says how.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export { createLease } from './lease.js';
export type { Lease, LeaseOptions, LeaseRole, LeaseStatus } from './lease.js';
export { createLeaseTable } from './lease-table.js';
export type { LeaseRead, LeaseStore, LeaseTable } from './lease-table.js';
export { leaseTiming, leaseView, nextLeaseStep } from './rules.js';
export type { LeaseClaim, LeaseInput, LeaseStep, LeaseTiming, LeaseView } from './rules.js';

/** A holder id unique to this process: host, pid and a few random bytes (a restarted pid differs). */
export function processHolderId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
