/**
 * @module store/schema-tables
 * The signal tables in the OpenTelemetry Collector ClickHouse exporter's schema, column for column
 * (exporter/clickhouseexporter/internal/sqltemplates), so Grafana's ClickHouse datasource in OTel
 * mode, ClickStack and anything else that reads that schema works on Tollgate's data unchanged.
 * Tollgate's additions stand beside those columns, never instead of them:
 * `ConfigHash` and `Environment`, MATERIALIZED from resource attributes so a release filter reads
 * one low-cardinality column (with a skip index) instead of scanning a map.
 */

export interface TableSpec {
  name: string;
  /** Column and index definitions, exactly as in CREATE TABLE. */
  body: string;
  engine: 'MergeTree' | 'SummingMergeTree' | 'ReplacingMergeTree';
  /** Arguments of the engine (e.g. the columns a SummingMergeTree sums). */
  engineArgs?: string;
  partitionBy: string;
  primaryKey?: string;
  orderBy: string;
  settings: string;
  /** How a Distributed table spreads rows over shards in the cluster form. */
  shardingKey: string;
}

export interface MaterializedViewSpec {
  name: string;
  from: string;
  to: string;
  select: string;
}

/** Resource attribute naming the deployed configuration (see README: correlation on config_hash). */
export const CONFIG_HASH_ATTRIBUTE = 'config_hash';

const TOLLGATE_COLUMNS = `
    ConfigHash LowCardinality(String) MATERIALIZED ResourceAttributes['${CONFIG_HASH_ATTRIBUTE}'] CODEC(ZSTD(1)),
    Environment LowCardinality(String) MATERIALIZED if(ResourceAttributes['deployment.environment.name'] != '', ResourceAttributes['deployment.environment.name'], ResourceAttributes['deployment.environment']) CODEC(ZSTD(1)),`;

const TOLLGATE_INDEXES = `
    INDEX idx_config_hash ConfigHash TYPE bloom_filter(0.01) GRANULARITY 1,`;

const EXEMPLARS = `
    Exemplars Nested (
        FilteredAttributes Map(LowCardinality(String), String),
        TimeUnix DateTime64(9),
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1)),`;

const METRIC_HEAD = `
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ResourceSchemaUrl String CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeDroppedAttrCount UInt32 CODEC(ZSTD(1)),
    ScopeSchemaUrl String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    MetricName String CODEC(ZSTD(1)),
    MetricDescription String CODEC(ZSTD(1)),
    MetricUnit String CODEC(ZSTD(1)),
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),`;

const METRIC_INDEXES = `
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1`;

const metricTable = (name: string, valueColumns: string): TableSpec => ({
  name,
  body: `${METRIC_HEAD}${valueColumns}${TOLLGATE_COLUMNS}${TOLLGATE_INDEXES}${METRIC_INDEXES}`,
  engine: 'MergeTree',
  partitionBy: 'toDate(TimeUnix)',
  orderBy: '(ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))',
  // Maps in the sort key are what the exporter does; newer ClickHouse asks for this setting.
  settings: 'index_granularity = 8192, ttl_only_drop_parts = 1, allow_suspicious_types_in_order_by = 1',
  shardingKey: 'cityHash64(ServiceName, MetricName)',
});

export const TRACES: TableSpec = {
  name: 'otel_traces',
  body: `
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(T64, ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),${TOLLGATE_COLUMNS}
    ResourceAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(ResourceAttributes, 'Array(Tuple(String, String))')),
    SpanAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(SpanAttributes, 'Array(Tuple(String, String))')),${TOLLGATE_INDEXES}
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
    INDEX idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8`,
  engine: 'MergeTree',
  partitionBy: 'toDate(Timestamp)',
  primaryKey: '(ServiceName, SpanName, toDateTime(Timestamp))',
  orderBy: '(ServiceName, SpanName, toDateTime(Timestamp), Timestamp)',
  settings: 'index_granularity = 8192, ttl_only_drop_parts = 1',
  // A whole trace on one shard keeps a trace lookup on one node.
  shardingKey: 'cityHash64(TraceId)',
};

export const TRACE_ID_TS: TableSpec = {
  name: 'otel_traces_trace_id_ts',
  body: `
    TraceId String CODEC(ZSTD(1)),
    Start DateTime CODEC(Delta, ZSTD(1)),
    End DateTime CODEC(Delta, ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1`,
  engine: 'MergeTree',
  partitionBy: 'toDate(Start)',
  orderBy: '(TraceId, Start)',
  settings: 'index_granularity = 8192, ttl_only_drop_parts = 1',
  shardingKey: 'cityHash64(TraceId)',
};

export const LOGS: TableSpec = {
  name: 'otel_logs',
  body: `
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TimestampTime DateTime DEFAULT toDateTime(Timestamp),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    TraceFlags UInt8,
    SeverityText LowCardinality(String) CODEC(ZSTD(1)),
    SeverityNumber UInt8,
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Body String CODEC(ZSTD(1)),
    ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    EventName String CODEC(ZSTD(1)),${TOLLGATE_COLUMNS}${TOLLGATE_INDEXES}
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8`,
  engine: 'MergeTree',
  partitionBy: 'toDate(TimestampTime)',
  primaryKey: '(ServiceName, TimestampTime)',
  orderBy: '(ServiceName, TimestampTime, Timestamp)',
  settings: 'index_granularity = 8192, ttl_only_drop_parts = 1',
  shardingKey: 'cityHash64(TraceId)',
};

export const METRICS_GAUGE = metricTable('otel_metrics_gauge', `
    Value Float64 CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),${EXEMPLARS}`);

export const METRICS_SUM = metricTable('otel_metrics_sum', `
    Value Float64 CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),${EXEMPLARS}
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    IsMonotonic Boolean CODEC(Delta, ZSTD(1)),`);

export const METRICS_HISTOGRAM = metricTable('otel_metrics_histogram', `
    Count UInt64 CODEC(Delta, ZSTD(1)),
    Sum Float64 CODEC(ZSTD(1)),
    BucketCounts Array(UInt64) CODEC(ZSTD(1)),
    ExplicitBounds Array(Float64) CODEC(ZSTD(1)),${EXEMPLARS}
    Flags UInt32 CODEC(ZSTD(1)),
    Min Float64 CODEC(ZSTD(1)),
    Max Float64 CODEC(ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),`);

export const METRICS_EXPONENTIAL_HISTOGRAM = metricTable('otel_metrics_exponential_histogram', `
    Count UInt64 CODEC(Delta, ZSTD(1)),
    Sum Float64 CODEC(ZSTD(1)),
    Scale Int32 CODEC(ZSTD(1)),
    ZeroCount UInt64 CODEC(ZSTD(1)),
    PositiveOffset Int32 CODEC(ZSTD(1)),
    PositiveBucketCounts Array(UInt64) CODEC(ZSTD(1)),
    NegativeOffset Int32 CODEC(ZSTD(1)),
    NegativeBucketCounts Array(UInt64) CODEC(ZSTD(1)),${EXEMPLARS}
    Flags UInt32 CODEC(ZSTD(1)),
    Min Float64 CODEC(ZSTD(1)),
    Max Float64 CODEC(ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),`);

export const METRICS_SUMMARY = metricTable('otel_metrics_summary', `
    Count UInt64 CODEC(Delta, ZSTD(1)),
    Sum Float64 CODEC(ZSTD(1)),
    ValueAtQuantiles Nested(
        Quantile Float64,
        Value Float64
    ) CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),`);

export const TRACE_ID_TS_MV: MaterializedViewSpec = {
  name: 'otel_traces_trace_id_ts_mv',
  from: 'otel_traces',
  to: 'otel_traces_trace_id_ts',
  select: `SELECT TraceId, min(Timestamp) AS Start, max(Timestamp) AS End
    FROM {from} WHERE TraceId != '' GROUP BY TraceId`,
};

/**
 * Upper bounds (le) of the rollup's duration buckets, in milliseconds. Latency SLO thresholds
 * that fall on one of these bounds are answered exactly from the rollup; others read raw spans.
 * Dense around the thresholds people write (100ms–1s) and wide enough for batch jobs.
 */
export const DURATION_BUCKET_BOUNDS_MS = [
  1, 2, 3, 5, 10, 15, 20, 25, 30, 40, 50, 75, 100, 150, 200, 250, 300, 400, 500, 600, 750,
  1_000, 1_500, 2_000, 2_500, 3_000, 4_000, 5_000, 7_500, 10_000, 15_000, 20_000, 30_000, 60_000, 120_000, 300_000,
] as const;

/** The last bucket, +Inf: UInt64's maximum in nanoseconds. */
export const DURATION_BUCKET_INF_NS = '18446744073709551615';

const bucketBoundsNsLiteral = (): string =>
  `[${DURATION_BUCKET_BOUNDS_MS.map((ms) => `toUInt64(${ms * 1_000_000})`).join(', ')}, toUInt64(${DURATION_BUCKET_INF_NS})]`;

const rollupTable = (name: string, timeColumn: 'Minute' | 'Hour'): TableSpec => ({
  name,
  body: `
    ${timeColumn} DateTime CODEC(Delta, ZSTD(1)),
    ServiceName LowCardinality(String),
    Environment LowCardinality(String),
    SpanKind LowCardinality(String),
    SpanName LowCardinality(String),
    StatusCode LowCardinality(String),
    HttpStatusClass LowCardinality(String),
    ConfigHash LowCardinality(String),
    DurationBucketNs UInt64,
    Count UInt64,
    DurationSumNs UInt64`,
  engine: 'SummingMergeTree',
  engineArgs: '(Count, DurationSumNs)',
  partitionBy: timeColumn === 'Minute' ? 'toDate(Minute)' : 'toYYYYMM(Hour)',
  // Time right after the service: an SLO query reads a service's few edge minutes or whole hours,
  // with different environments and kinds per SLO, so time is what must prune (measured in bench/slo).
  orderBy: `(ServiceName, ${timeColumn}, Environment, SpanKind, SpanName, StatusCode, HttpStatusClass, ConfigHash, DurationBucketNs)`,
  settings: 'index_granularity = 8192',
  shardingKey: 'cityHash64(ServiceName)',
});

const rollupView = (name: string, to: string, timeColumn: 'Minute' | 'Hour'): MaterializedViewSpec => ({
  name,
  from: 'otel_traces',
  to,
  select: `WITH if(SpanAttributes['http.response.status_code'] != '', SpanAttributes['http.response.status_code'], SpanAttributes['http.status_code']) AS httpStatus
    SELECT
      ${timeColumn === 'Minute' ? 'toStartOfMinute' : 'toStartOfHour'}(Timestamp) AS ${timeColumn},
      ServiceName, Environment, SpanKind, SpanName, StatusCode,
      if(match(httpStatus, '^[1-5][0-9][0-9]$'), concat(substring(httpStatus, 1, 1), 'xx'), '') AS HttpStatusClass,
      ConfigHash,
      arrayFirst(b -> Duration <= b, ${bucketBoundsNsLiteral()}) AS DurationBucketNs,
      count() AS Count,
      sum(Duration) AS DurationSumNs
    FROM {from}
    GROUP BY ${timeColumn}, ServiceName, Environment, SpanKind, SpanName, StatusCode, HttpStatusClass, ConfigHash, DurationBucketNs`,
});

/**
 * Per-minute span counts, the SLO engine's input for short windows and the edges of long ones
 * (and the source of the spanmetrics-style RED series). SummingMergeTree: readers must still
 * `sum(Count)` with GROUP BY, because rows with the same key are only merged eventually.
 */
export const SPAN_ROLLUP = rollupTable('tollgate_span_rollup_1m', 'Minute');
export const SPAN_ROLLUP_MV = rollupView('tollgate_span_rollup_1m_mv', 'tollgate_span_rollup_1m', 'Minute');

/**
 * The same counts per hour: a 30-day window reads 720 hours of it plus at most two partial hours of
 * the minute rollup, instead of 43,200 minutes. Fed from the spans directly (not from the minute
 * table), so both are complete the moment an insert returns.
 */
export const SPAN_ROLLUP_HOURLY = rollupTable('tollgate_span_rollup_1h', 'Hour');
export const SPAN_ROLLUP_HOURLY_MV = rollupView('tollgate_span_rollup_1h_mv', 'tollgate_span_rollup_1h', 'Hour');

export const SIGNAL_TABLES = [
  TRACES, TRACE_ID_TS, LOGS,
  METRICS_GAUGE, METRICS_SUM, METRICS_HISTOGRAM, METRICS_EXPONENTIAL_HISTOGRAM, METRICS_SUMMARY,
] as const;

/** Alert state transitions, so alert history (and what is firing) survives a restart. */
export const ALERT_EVENTS: TableSpec = {
  name: 'tollgate_alert_events',
  body: `
    EventTime DateTime64(3) CODEC(Delta, ZSTD(1)),
    AlertKey String,
    Slo LowCardinality(String),
    Service LowCardinality(String),
    Severity LowCardinality(String),
    ShortWindow LowCardinality(String),
    LongWindow LowCardinality(String),
    BurnFactor Float64,
    Transition LowCardinality(String),
    ShortBurnRate Nullable(Float64),
    LongBurnRate Nullable(Float64),
    Reason String`,
  engine: 'MergeTree',
  partitionBy: 'toYYYYMM(EventTime)',
  orderBy: '(AlertKey, EventTime)',
  settings: 'index_granularity = 8192',
  shardingKey: 'cityHash64(AlertKey)',
};

/** Every gate decision with its inputs, evidence and verdict, fetchable by id (an audit trail). */
export const GATE_DECISIONS: TableSpec = {
  name: 'tollgate_gate_decisions',
  body: `
    DecisionId String,
    DecidedAt DateTime64(3) CODEC(Delta, ZSTD(1)),
    App LowCardinality(String),
    Environment LowCardinality(String),
    ConfigHash String,
    Revision String,
    Decision LowCardinality(String),
    Summary String,
    Policy String,
    SloRevision String,
    DryRun Bool,
    Override String,
    Request String CODEC(ZSTD(3)),
    Answer String CODEC(ZSTD(3))`,
  engine: 'MergeTree',
  partitionBy: 'toYYYYMM(DecidedAt)',
  orderBy: '(App, Environment, DecidedAt, DecisionId)',
  settings: 'index_granularity = 8192',
  shardingKey: 'cityHash64(App)',
};

/** Break-glass overrides: who allowed what, why, until when. Rows are never changed, only added. */
export const OVERRIDES: TableSpec = {
  name: 'tollgate_overrides',
  body: `
    OverrideId String,
    CreatedAt DateTime64(3),
    App LowCardinality(String),
    Environment LowCardinality(String),
    ConfigHash String,
    Who String,
    Reason String,
    ExpiresAt DateTime64(3)`,
  engine: 'MergeTree',
  partitionBy: 'toYYYYMM(CreatedAt)',
  orderBy: '(App, Environment, CreatedAt, OverrideId)',
  settings: 'index_granularity = 8192',
  shardingKey: 'cityHash64(App)',
};

/**
 * Deploy events (Argo CD notifications): what was deployed where and when. Argo CD retries a
 * notification on 5xx, so the same event may arrive twice; the sort key is the event's identity
 * and ReplacingMergeTree folds repeats that slip past the write path's existence check.
 */
export const DEPLOYMENTS: TableSpec = {
  name: 'tollgate_deployments',
  body: `
    App LowCardinality(String),
    Environment LowCardinality(String),
    Service LowCardinality(String),
    ConfigHash String,
    Revision String,
    DeployedAt DateTime64(3),
    ReceivedAt DateTime64(3),
    Source LowCardinality(String)`,
  engine: 'ReplacingMergeTree',
  partitionBy: 'toYYYYMM(DeployedAt)',
  orderBy: '(App, Environment, Revision, ConfigHash)',
  settings: 'index_granularity = 8192',
  shardingKey: 'cityHash64(App)',
};

/**
 * Each SLO's events per minute, environment and config_hash, recorded by the engine (engine/): what
 * every SLO number, series point and gate health check is computed from, so SLO history outlives
 * the raw signal tables. `Version` names what was counted (engine/recorded.ts): a changed SLI is a
 * new version, recorded back over its period. A minute is re-recorded when late data changes it;
 * ReplacingMergeTree keeps the last recording of each (SLO, version, minute, environment, hash),
 * and readers use FINAL. Counts are Float64 because metric SLIs count what counters say.
 */
export const SLO_MINUTES: TableSpec = {
  name: 'tollgate_slo_minutes',
  body: `
    Slo LowCardinality(String),
    Version LowCardinality(String),
    Minute DateTime CODEC(Delta, ZSTD(1)),
    Environment LowCardinality(String),
    ConfigHash LowCardinality(String),
    Total Float64 CODEC(ZSTD(1)),
    Bad Float64 CODEC(ZSTD(1)),
    RecordedAt DateTime64(3) CODEC(Delta, ZSTD(1))`,
  engine: 'ReplacingMergeTree',
  engineArgs: '(RecordedAt)',
  partitionBy: 'toYYYYMM(Minute)',
  orderBy: '(Slo, Version, Minute, Environment, ConfigHash)',
  settings: 'index_granularity = 8192',
  shardingKey: 'cityHash64(Slo)',
};

/**
 * How far each SLO version is recorded: back to `FromMinute` (its backfill) and through
 * `SettledThrough` (the last minute written after the re-record horizon passed). One row per
 * version, the latest wins.
 */
export const SLO_RECORDINGS: TableSpec = {
  name: 'tollgate_slo_recordings',
  body: `
    Slo LowCardinality(String),
    Version LowCardinality(String),
    FromMinute DateTime,
    SettledThrough DateTime,
    UpdatedAt DateTime64(3)`,
  engine: 'ReplacingMergeTree',
  engineArgs: '(UpdatedAt)',
  partitionBy: 'tuple()',
  orderBy: '(Slo, Version)',
  settings: 'index_granularity = 8192',
  shardingKey: 'cityHash64(Slo)',
};

/**
 * Leases among Tollgate replicas (lease/, its one owner): every claim and renewal of a named lease
 * as a row per (name, term, holder), the latest version kept. A term is one holder's tenure; rows
 * are tiny and one is added per handover, so nothing expires them. Times are the store's clock
 * (`now64()` at insert), never a replica's. How the holder is chosen is in lease/rules.ts.
 */
export const LEASES: TableSpec = {
  name: 'tollgate_leases',
  body: `
    Name LowCardinality(String),
    Term UInt64,
    Holder String,
    ClaimedAt DateTime64(3),
    ExpiresAt DateTime64(3),
    UpdatedAt DateTime64(3)`,
  engine: 'ReplacingMergeTree',
  engineArgs: '(UpdatedAt)',
  partitionBy: 'tuple()',
  orderBy: '(Name, Term, Holder)',
  settings: 'index_granularity = 8192',
  // One lease's rows on one shard, so a read of it never waits on a second shard.
  shardingKey: 'cityHash64(Name)',
};
