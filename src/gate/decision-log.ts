/**
 * @module gate/decision-log
 * The one owner of the gate's stored records: decisions (every answer with the request it
 * answered), break-glass overrides and deploy events. Nothing else reads or writes those tables.
 *
 * A decision is readable by id the moment it is made and written to the store right after, several
 * together: the gate answers without waiting for an insert, which on an embedded store waits behind
 * whatever bulk insert of spans is running (tens of milliseconds under steady ingest). A crash in
 * the ~100 ms between the answer and the write loses that decision's record; the hook's own log
 * keeps its summary. Overrides are read from a cache refreshed every few seconds (and at once after
 * this process adds one), so the gate reads no table either.
 */
import type { Logger } from 'pino';
import { millisToDateTime64, type QueryParams } from '../store/index.js';
import type { GateAnswer } from './answer.js';
import type { Override } from './types.js';

export interface LogStore {
  query<T>(sql: string, params?: QueryParams): Promise<T[]>;
  insertRows(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void>;
}

export interface StoredDecision {
  id: string;
  decidedAtMs: number;
  app: string;
  environment: string;
  configHash: string;
  revision: string | null;
  /** The request as sent (for the UI: which services were asked). */
  request: Readonly<Record<string, unknown>>;
  answer: GateAnswer;
}

export interface NewOverride {
  app: string;
  environment: string;
  configHash: string;
  who: string;
  reason: string;
  expiresInSeconds: number;
}

export interface StoredOverride extends Override {
  app: string;
  environment: string;
  createdAtMs: number;
}

export interface Deployment {
  app: string;
  environment: string;
  service: string;
  configHash: string;
  revision: string;
  deployedAtMs: number;
  source: string;
}

export interface DecisionLog {
  /** Readable at once; stored within about a tenth of a second. */
  record(d: StoredDecision): void;
  get(id: string): Promise<StoredDecision | undefined>;
  /** Newest first; `service` matches the app or a requested service. */
  /** `sinceMs`: only decisions made then or later (`tollgate diff` replays a period's). */
  list(filter: { app?: string; environment?: string; service?: string; sinceMs?: number; limit: number }): Promise<StoredDecision[]>;
  addOverride(o: NewOverride, id: string, nowMs: number): Promise<StoredOverride>;
  /** Overrides of this app and environment that have not expired, from the cache. */
  validOverrides(app: string, environment: string, nowMs: number): Override[];
  listOverrides(): Promise<StoredOverride[]>;
  /** Argo CD retries a notification; the same (app, environment, revision, config_hash) is stored once. */
  recordDeployment(d: Deployment, receivedAtMs: number): Promise<{ stored: boolean }>;
  /** The newest 200 matching deploy events; `fromMs`/`toMs` bound when they were deployed. */
  listDeployments(filter: { app?: string; environment?: string; fromMs?: number; toMs?: number }): Promise<Deployment[]>;
  /** Starts the overrides cache and the writer. */
  start(): Promise<void>;
  /** Writes what is pending and stops. */
  close(): Promise<void>;
}

const DECISION_COLUMNS = [
  'DecisionId', 'DecidedAt', 'App', 'Environment', 'ConfigHash', 'Revision', 'Decision', 'Summary', 'Policy', 'SloRevision',
  'DryRun', 'Override', 'Request', 'Answer',
] as const;

/** How long answered decisions wait to be written together. */
const FLUSH_DELAY_MS = 100;
/** How often the overrides cache is read again (overrides made by another replica appear within this). */
const OVERRIDES_REFRESH_MS = 2_000;

interface DecisionRow {
  DecisionId: string;
  ms: string | number;
  App: string;
  Environment: string;
  ConfigHash: string;
  Revision: string;
  Request: string;
  Answer: string;
}

const DECISION_SELECT = 'DecisionId, toUnixTimestamp64Milli(DecidedAt) AS ms, App, Environment, ConfigHash, Revision, Request, Answer';

function decisionOf(r: DecisionRow): StoredDecision {
  return {
    id: r.DecisionId,
    decidedAtMs: Number(r.ms),
    app: r.App,
    environment: r.Environment,
    configHash: r.ConfigHash,
    revision: r.Revision === '' ? null : r.Revision,
    // Both written by this module as JSON objects.
    request: JSON.parse(r.Request) as Record<string, unknown>,
    answer: JSON.parse(r.Answer) as GateAnswer,
  };
}

export function createDecisionLog({ store, log }: { store: LogStore; log: Logger }): DecisionLog {
  const pending = new Map<string, StoredDecision>();
  let flushTimer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();
  let overrides: StoredOverride[] = [];
  let refreshTimer: NodeJS.Timeout | undefined;

  const flush = (): Promise<void> => {
    flushTimer = undefined;
    flushing = flushing.then(async () => {
      const batch = [...pending.values()];
      if (batch.length === 0) return;
      try {
        await store.insertRows('tollgate_gate_decisions', DECISION_COLUMNS, batch.map((d) => [
          d.id, millisToDateTime64(d.decidedAtMs), d.app, d.environment, d.configHash, d.revision ?? '', d.answer.decision,
          d.answer.summary, d.answer.policy ?? '', d.answer.slo_revision, d.answer.dry_run,
          'override_id' in d.answer ? d.answer.override_id : '', JSON.stringify(d.request), JSON.stringify(d.answer),
        ]));
        for (const d of batch) pending.delete(d.id);
      } catch (err) {
        log.warn({ err, decisions: batch.length }, 'storing gate decisions failed; retrying');
        schedule(1_000);
      }
    });
    return flushing;
  };
  const schedule = (ms = FLUSH_DELAY_MS): void => {
    flushTimer ??= setTimeout(() => void flush(), ms);
  };

  const refreshOverrides = async (): Promise<void> => {
    overrides = await readOverrides(store, true);
  };

  return {
    record(d) {
      pending.set(d.id, d);
      schedule();
    },

    async get(id) {
      const held = pending.get(id);
      if (held !== undefined) return held;
      const rows = await store.query<DecisionRow>(`SELECT ${DECISION_SELECT} FROM tollgate_gate_decisions WHERE DecisionId = {id:String} LIMIT 1`, { id });
      return rows[0] === undefined ? undefined : decisionOf(rows[0]);
    },

    async list({ app = '', environment = '', service = '', sinceMs = 0, limit }) {
      const rows = await store.query<DecisionRow>(
        `SELECT ${DECISION_SELECT} FROM tollgate_gate_decisions
         WHERE ({app:String} = '' OR App = {app:String})
           AND ({environment:String} = '' OR Environment = {environment:String})
           AND ({service:String} = '' OR App = {service:String}
                OR JSONExtractString(Request, 'service') = {service:String}
                OR has(JSONExtract(Request, 'service', 'Array(String)'), {service:String}))
           AND DecidedAt >= fromUnixTimestamp64Milli({since:Int64})
         ORDER BY DecidedAt DESC LIMIT {limit:UInt32}`,
        { app, environment, service, since: sinceMs, limit },
      );
      const stored = rows.map(decisionOf);
      const held = [...pending.values()].filter((d) => d.decidedAtMs >= sinceMs && (app === '' || d.app === app) && (environment === '' || d.environment === environment)
        && (service === '' || d.app === service || [d.request['service']].flat().includes(service)));
      const ids = new Set(stored.map((d) => d.id));
      return [...held.filter((d) => !ids.has(d.id)), ...stored].sort((a, b) => b.decidedAtMs - a.decidedAtMs).slice(0, limit);
    },

    async addOverride(o, id, nowMs) {
      const expiresAtMs = nowMs + o.expiresInSeconds * 1000;
      await store.insertRows('tollgate_overrides', ['OverrideId', 'CreatedAt', 'App', 'Environment', 'ConfigHash', 'Who', 'Reason', 'ExpiresAt'], [[
        id, millisToDateTime64(nowMs), o.app, o.environment, o.configHash, o.who, o.reason, millisToDateTime64(expiresAtMs),
      ]]);
      const stored: StoredOverride = { id, app: o.app, environment: o.environment, configHash: o.configHash, who: o.who, reason: o.reason, expiresAtMs, createdAtMs: nowMs };
      overrides = [...overrides, stored];
      return stored;
    },

    validOverrides(app, environment, nowMs) {
      return overrides.filter((o) => o.app === app && o.environment === environment && o.expiresAtMs > nowMs);
    },

    listOverrides: () => readOverrides(store, false),

    async recordDeployment(d, receivedAtMs) {
      const key = { app: d.app, environment: d.environment, revision: d.revision, configHash: d.configHash };
      const existing = await store.query<{ n: string }>(
        `SELECT count() AS n FROM tollgate_deployments
         WHERE App = {app:String} AND Environment = {environment:String} AND Revision = {revision:String} AND ConfigHash = {configHash:String}`,
        key,
      );
      if (Number(existing[0]?.n ?? 0) > 0) return { stored: false };
      await store.insertRows('tollgate_deployments', ['App', 'Environment', 'Service', 'ConfigHash', 'Revision', 'DeployedAt', 'ReceivedAt', 'Source'], [[
        d.app, d.environment, d.service, d.configHash, d.revision, millisToDateTime64(d.deployedAtMs), millisToDateTime64(receivedAtMs), d.source,
      ]]);
      return { stored: true };
    },

    async listDeployments({ app = '', environment = '', fromMs = 0, toMs = 253_402_300_799_000 }) {
      const rows = await store.query<{ App: string; Environment: string; Service: string; ConfigHash: string; Revision: string; ms: string; Source: string }>(
        `SELECT App, Environment, Service, ConfigHash, Revision, toUnixTimestamp64Milli(DeployedAt) AS ms, Source
         FROM tollgate_deployments FINAL
         WHERE ({app:String} = '' OR App = {app:String}) AND ({environment:String} = '' OR Environment = {environment:String})
           AND DeployedAt >= fromUnixTimestamp64Milli({fromMs:Int64}) AND DeployedAt < fromUnixTimestamp64Milli({toMs:Int64})
         ORDER BY DeployedAt DESC LIMIT 200`,
        { app, environment, fromMs, toMs },
      );
      return rows.map((r) => ({ app: r.App, environment: r.Environment, service: r.Service, configHash: r.ConfigHash, revision: r.Revision, deployedAtMs: Number(r.ms), source: r.Source }));
    },

    async start() {
      await refreshOverrides();
      const loop = (): void => {
        refreshTimer = setTimeout(() => {
          refreshOverrides().catch((err: unknown) => log.warn({ err }, 'reading overrides failed')).finally(() => {
            if (refreshTimer !== undefined) loop();
          });
        }, OVERRIDES_REFRESH_MS);
        refreshTimer.unref();
      };
      loop();
    },

    async close() {
      clearTimeout(refreshTimer);
      refreshTimer = undefined;
      clearTimeout(flushTimer);
      await flush();
    },
  };
}

async function readOverrides(store: LogStore, validOnly: boolean): Promise<StoredOverride[]> {
  const rows = await store.query<{ OverrideId: string; App: string; Environment: string; ConfigHash: string; Who: string; Reason: string; created: string; expires: string }>(
    `SELECT OverrideId, App, Environment, ConfigHash, Who, Reason, toUnixTimestamp64Milli(CreatedAt) AS created, toUnixTimestamp64Milli(ExpiresAt) AS expires
     FROM tollgate_overrides
     WHERE ${validOnly ? 'ExpiresAt > now64(3)' : '1'}
     ORDER BY CreatedAt DESC LIMIT 1000`,
  );
  return rows.map((r) => ({
    id: r.OverrideId, app: r.App, environment: r.Environment, configHash: r.ConfigHash, who: r.Who, reason: r.Reason,
    createdAtMs: Number(r.created), expiresAtMs: Number(r.expires),
  }));
}
