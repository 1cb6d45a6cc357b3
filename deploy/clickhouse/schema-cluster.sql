CREATE DATABASE IF NOT EXISTS `otel` ON CLUSTER `tollgate`;

CREATE TABLE IF NOT EXISTS `otel`.`tollgate_schema_migrations_local` ON CLUSTER `tollgate` (
    Version UInt32,
    Name String,
    Checksum String,
    AppliedAt DateTime64(3)
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY tuple()
ORDER BY Version
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS `otel`.`tollgate_schema_migrations` ON CLUSTER `tollgate` AS `otel`.`tollgate_schema_migrations_local`
ENGINE = Distributed(`tollgate`, `otel`, `tollgate_schema_migrations_local`, Version);

CREATE TABLE IF NOT EXISTS `otel`.`otel_traces_local` ON CLUSTER `tollgate` (
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
    ) CODEC(ZSTD(1)),
    ConfigHash LowCardinality(String) MATERIALIZED ResourceAttributes['config_hash'] CODEC(ZSTD(1)),
    Environment LowCardinality(String) MATERIALIZED if(ResourceAttributes['deployment.environment.name'] != '', ResourceAttributes['deployment.environment.name'], ResourceAttributes['deployment.environment']) CODEC(ZSTD(1)),
    ResourceAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(ResourceAttributes, 'Array(Tuple(String, String))')),
    SpanAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(SpanAttributes, 'Array(Tuple(String, String))')),
    INDEX idx_config_hash ConfigHash TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
    INDEX idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toDate(Timestamp)
PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp))
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS `otel`.`otel_traces` ON CLUSTER `tollgate` AS `otel`.`otel_traces_local`
ENGINE = Distributed(`tollgate`, `otel`, `otel_traces_local`, cityHash64(TraceId));

CREATE TABLE IF NOT EXISTS `otel`.`otel_traces_trace_id_ts_local` ON CLUSTER `tollgate` (
    TraceId String CODEC(ZSTD(1)),
    Start DateTime CODEC(Delta, ZSTD(1)),
    End DateTime CODEC(Delta, ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toDate(Start)
ORDER BY (TraceId, Start)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS `otel`.`otel_traces_trace_id_ts` ON CLUSTER `tollgate` AS `otel`.`otel_traces_trace_id_ts_local`
ENGINE = Distributed(`tollgate`, `otel`, `otel_traces_trace_id_ts_local`, cityHash64(TraceId));

CREATE TABLE IF NOT EXISTS `otel`.`otel_logs_local` ON CLUSTER `tollgate` (
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
    EventName String CODEC(ZSTD(1)),
    ConfigHash LowCardinality(String) MATERIALIZED ResourceAttributes['config_hash'] CODEC(ZSTD(1)),
    Environment LowCardinality(String) MATERIALIZED if(ResourceAttributes['deployment.environment.name'] != '', ResourceAttributes['deployment.environment.name'], ResourceAttributes['deployment.environment']) CODEC(ZSTD(1)),
    INDEX idx_config_hash ConfigHash TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toDate(TimestampTime)
PRIMARY KEY (ServiceName, TimestampTime)
ORDER BY (ServiceName, TimestampTime, Timestamp)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS `otel`.`otel_logs` ON CLUSTER `tollgate` AS `otel`.`otel_logs_local`
ENGINE = Distributed(`tollgate`, `otel`, `otel_logs_local`, cityHash64(TraceId));

CREATE TABLE IF NOT EXISTS `otel`.`otel_metrics_gauge_local` ON CLUSTER `tollgate` (
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
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    Value Float64 CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    Exemplars Nested (
        FilteredAttributes Map(LowCardinality(String), String),
        TimeUnix DateTime64(9),
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1)),
    ConfigHash LowCardinality(String) MATERIALIZED ResourceAttributes['config_hash'] CODEC(ZSTD(1)),
    Environment LowCardinality(String) MATERIALIZED if(ResourceAttributes['deployment.environment.name'] != '', ResourceAttributes['deployment.environment.name'], ResourceAttributes['deployment.environment']) CODEC(ZSTD(1)),
    INDEX idx_config_hash ConfigHash TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, allow_suspicious_types_in_order_by = 1;

CREATE TABLE IF NOT EXISTS `otel`.`otel_metrics_gauge` ON CLUSTER `tollgate` AS `otel`.`otel_metrics_gauge_local`
ENGINE = Distributed(`tollgate`, `otel`, `otel_metrics_gauge_local`, cityHash64(ServiceName, MetricName));

CREATE TABLE IF NOT EXISTS `otel`.`otel_metrics_sum_local` ON CLUSTER `tollgate` (
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
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    Value Float64 CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    Exemplars Nested (
        FilteredAttributes Map(LowCardinality(String), String),
        TimeUnix DateTime64(9),
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    IsMonotonic Boolean CODEC(Delta, ZSTD(1)),
    ConfigHash LowCardinality(String) MATERIALIZED ResourceAttributes['config_hash'] CODEC(ZSTD(1)),
    Environment LowCardinality(String) MATERIALIZED if(ResourceAttributes['deployment.environment.name'] != '', ResourceAttributes['deployment.environment.name'], ResourceAttributes['deployment.environment']) CODEC(ZSTD(1)),
    INDEX idx_config_hash ConfigHash TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, allow_suspicious_types_in_order_by = 1;

CREATE TABLE IF NOT EXISTS `otel`.`otel_metrics_sum` ON CLUSTER `tollgate` AS `otel`.`otel_metrics_sum_local`
ENGINE = Distributed(`tollgate`, `otel`, `otel_metrics_sum_local`, cityHash64(ServiceName, MetricName));

CREATE TABLE IF NOT EXISTS `otel`.`otel_metrics_histogram_local` ON CLUSTER `tollgate` (
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
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    Count UInt64 CODEC(Delta, ZSTD(1)),
    Sum Float64 CODEC(ZSTD(1)),
    BucketCounts Array(UInt64) CODEC(ZSTD(1)),
    ExplicitBounds Array(Float64) CODEC(ZSTD(1)),
    Exemplars Nested (
        FilteredAttributes Map(LowCardinality(String), String),
        TimeUnix DateTime64(9),
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    Min Float64 CODEC(ZSTD(1)),
    Max Float64 CODEC(ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    ConfigHash LowCardinality(String) MATERIALIZED ResourceAttributes['config_hash'] CODEC(ZSTD(1)),
    Environment LowCardinality(String) MATERIALIZED if(ResourceAttributes['deployment.environment.name'] != '', ResourceAttributes['deployment.environment.name'], ResourceAttributes['deployment.environment']) CODEC(ZSTD(1)),
    INDEX idx_config_hash ConfigHash TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, allow_suspicious_types_in_order_by = 1;

CREATE TABLE IF NOT EXISTS `otel`.`otel_metrics_histogram` ON CLUSTER `tollgate` AS `otel`.`otel_metrics_histogram_local`
ENGINE = Distributed(`tollgate`, `otel`, `otel_metrics_histogram_local`, cityHash64(ServiceName, MetricName));

CREATE TABLE IF NOT EXISTS `otel`.`otel_metrics_exponential_histogram_local` ON CLUSTER `tollgate` (
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
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    Count UInt64 CODEC(Delta, ZSTD(1)),
    Sum Float64 CODEC(ZSTD(1)),
    Scale Int32 CODEC(ZSTD(1)),
    ZeroCount UInt64 CODEC(ZSTD(1)),
    PositiveOffset Int32 CODEC(ZSTD(1)),
    PositiveBucketCounts Array(UInt64) CODEC(ZSTD(1)),
    NegativeOffset Int32 CODEC(ZSTD(1)),
    NegativeBucketCounts Array(UInt64) CODEC(ZSTD(1)),
    Exemplars Nested (
        FilteredAttributes Map(LowCardinality(String), String),
        TimeUnix DateTime64(9),
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    Min Float64 CODEC(ZSTD(1)),
    Max Float64 CODEC(ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    ConfigHash LowCardinality(String) MATERIALIZED ResourceAttributes['config_hash'] CODEC(ZSTD(1)),
    Environment LowCardinality(String) MATERIALIZED if(ResourceAttributes['deployment.environment.name'] != '', ResourceAttributes['deployment.environment.name'], ResourceAttributes['deployment.environment']) CODEC(ZSTD(1)),
    INDEX idx_config_hash ConfigHash TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, allow_suspicious_types_in_order_by = 1;

CREATE TABLE IF NOT EXISTS `otel`.`otel_metrics_exponential_histogram` ON CLUSTER `tollgate` AS `otel`.`otel_metrics_exponential_histogram_local`
ENGINE = Distributed(`tollgate`, `otel`, `otel_metrics_exponential_histogram_local`, cityHash64(ServiceName, MetricName));

CREATE TABLE IF NOT EXISTS `otel`.`otel_metrics_summary_local` ON CLUSTER `tollgate` (
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
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    Count UInt64 CODEC(Delta, ZSTD(1)),
    Sum Float64 CODEC(ZSTD(1)),
    ValueAtQuantiles Nested(
        Quantile Float64,
        Value Float64
    ) CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    ConfigHash LowCardinality(String) MATERIALIZED ResourceAttributes['config_hash'] CODEC(ZSTD(1)),
    Environment LowCardinality(String) MATERIALIZED if(ResourceAttributes['deployment.environment.name'] != '', ResourceAttributes['deployment.environment.name'], ResourceAttributes['deployment.environment']) CODEC(ZSTD(1)),
    INDEX idx_config_hash ConfigHash TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, allow_suspicious_types_in_order_by = 1;

CREATE TABLE IF NOT EXISTS `otel`.`otel_metrics_summary` ON CLUSTER `tollgate` AS `otel`.`otel_metrics_summary_local`
ENGINE = Distributed(`tollgate`, `otel`, `otel_metrics_summary_local`, cityHash64(ServiceName, MetricName));

CREATE MATERIALIZED VIEW IF NOT EXISTS `otel`.`otel_traces_trace_id_ts_mv` ON CLUSTER `tollgate` TO `otel`.`otel_traces_trace_id_ts_local`
AS SELECT TraceId, min(Timestamp) AS Start, max(Timestamp) AS End
    FROM `otel`.`otel_traces_local` WHERE TraceId != '' GROUP BY TraceId;

CREATE TABLE IF NOT EXISTS `otel`.`tollgate_span_rollup_1m_local` ON CLUSTER `tollgate` (
    Minute DateTime CODEC(Delta, ZSTD(1)),
    ServiceName LowCardinality(String),
    Environment LowCardinality(String),
    SpanKind LowCardinality(String),
    SpanName LowCardinality(String),
    StatusCode LowCardinality(String),
    HttpStatusClass LowCardinality(String),
    ConfigHash LowCardinality(String),
    DurationBucketNs UInt64,
    Count UInt64,
    DurationSumNs UInt64
)
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', (Count, DurationSumNs))
PARTITION BY toDate(Minute)
ORDER BY (ServiceName, Minute, Environment, SpanKind, SpanName, StatusCode, HttpStatusClass, ConfigHash, DurationBucketNs)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS `otel`.`tollgate_span_rollup_1m` ON CLUSTER `tollgate` AS `otel`.`tollgate_span_rollup_1m_local`
ENGINE = Distributed(`tollgate`, `otel`, `tollgate_span_rollup_1m_local`, cityHash64(ServiceName));

CREATE MATERIALIZED VIEW IF NOT EXISTS `otel`.`tollgate_span_rollup_1m_mv` ON CLUSTER `tollgate` TO `otel`.`tollgate_span_rollup_1m_local`
AS WITH if(SpanAttributes['http.response.status_code'] != '', SpanAttributes['http.response.status_code'], SpanAttributes['http.status_code']) AS httpStatus
    SELECT
      toStartOfMinute(Timestamp) AS Minute,
      ServiceName, Environment, SpanKind, SpanName, StatusCode,
      if(match(httpStatus, '^[1-5][0-9][0-9]$'), concat(substring(httpStatus, 1, 1), 'xx'), '') AS HttpStatusClass,
      ConfigHash,
      arrayFirst(b -> Duration <= b, [toUInt64(1000000), toUInt64(2000000), toUInt64(3000000), toUInt64(5000000), toUInt64(10000000), toUInt64(15000000), toUInt64(20000000), toUInt64(25000000), toUInt64(30000000), toUInt64(40000000), toUInt64(50000000), toUInt64(75000000), toUInt64(100000000), toUInt64(150000000), toUInt64(200000000), toUInt64(250000000), toUInt64(300000000), toUInt64(400000000), toUInt64(500000000), toUInt64(600000000), toUInt64(750000000), toUInt64(1000000000), toUInt64(1500000000), toUInt64(2000000000), toUInt64(2500000000), toUInt64(3000000000), toUInt64(4000000000), toUInt64(5000000000), toUInt64(7500000000), toUInt64(10000000000), toUInt64(15000000000), toUInt64(20000000000), toUInt64(30000000000), toUInt64(60000000000), toUInt64(120000000000), toUInt64(300000000000), toUInt64(18446744073709551615)]) AS DurationBucketNs,
      count() AS Count,
      sum(Duration) AS DurationSumNs
    FROM `otel`.`otel_traces_local`
    GROUP BY Minute, ServiceName, Environment, SpanKind, SpanName, StatusCode, HttpStatusClass, ConfigHash, DurationBucketNs;

CREATE TABLE IF NOT EXISTS `otel`.`tollgate_alert_events_local` ON CLUSTER `tollgate` (
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
    Reason String
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(EventTime)
ORDER BY (AlertKey, EventTime)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS `otel`.`tollgate_alert_events` ON CLUSTER `tollgate` AS `otel`.`tollgate_alert_events_local`
ENGINE = Distributed(`tollgate`, `otel`, `tollgate_alert_events_local`, cityHash64(AlertKey));

CREATE TABLE IF NOT EXISTS `otel`.`tollgate_span_rollup_1h_local` ON CLUSTER `tollgate` (
    Hour DateTime CODEC(Delta, ZSTD(1)),
    ServiceName LowCardinality(String),
    Environment LowCardinality(String),
    SpanKind LowCardinality(String),
    SpanName LowCardinality(String),
    StatusCode LowCardinality(String),
    HttpStatusClass LowCardinality(String),
    ConfigHash LowCardinality(String),
    DurationBucketNs UInt64,
    Count UInt64,
    DurationSumNs UInt64
)
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', (Count, DurationSumNs))
PARTITION BY toYYYYMM(Hour)
ORDER BY (ServiceName, Hour, Environment, SpanKind, SpanName, StatusCode, HttpStatusClass, ConfigHash, DurationBucketNs)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS `otel`.`tollgate_span_rollup_1h` ON CLUSTER `tollgate` AS `otel`.`tollgate_span_rollup_1h_local`
ENGINE = Distributed(`tollgate`, `otel`, `tollgate_span_rollup_1h_local`, cityHash64(ServiceName));

CREATE MATERIALIZED VIEW IF NOT EXISTS `otel`.`tollgate_span_rollup_1h_mv` ON CLUSTER `tollgate` TO `otel`.`tollgate_span_rollup_1h_local`
AS WITH if(SpanAttributes['http.response.status_code'] != '', SpanAttributes['http.response.status_code'], SpanAttributes['http.status_code']) AS httpStatus
    SELECT
      toStartOfHour(Timestamp) AS Hour,
      ServiceName, Environment, SpanKind, SpanName, StatusCode,
      if(match(httpStatus, '^[1-5][0-9][0-9]$'), concat(substring(httpStatus, 1, 1), 'xx'), '') AS HttpStatusClass,
      ConfigHash,
      arrayFirst(b -> Duration <= b, [toUInt64(1000000), toUInt64(2000000), toUInt64(3000000), toUInt64(5000000), toUInt64(10000000), toUInt64(15000000), toUInt64(20000000), toUInt64(25000000), toUInt64(30000000), toUInt64(40000000), toUInt64(50000000), toUInt64(75000000), toUInt64(100000000), toUInt64(150000000), toUInt64(200000000), toUInt64(250000000), toUInt64(300000000), toUInt64(400000000), toUInt64(500000000), toUInt64(600000000), toUInt64(750000000), toUInt64(1000000000), toUInt64(1500000000), toUInt64(2000000000), toUInt64(2500000000), toUInt64(3000000000), toUInt64(4000000000), toUInt64(5000000000), toUInt64(7500000000), toUInt64(10000000000), toUInt64(15000000000), toUInt64(20000000000), toUInt64(30000000000), toUInt64(60000000000), toUInt64(120000000000), toUInt64(300000000000), toUInt64(18446744073709551615)]) AS DurationBucketNs,
      count() AS Count,
      sum(Duration) AS DurationSumNs
    FROM `otel`.`otel_traces_local`
    GROUP BY Hour, ServiceName, Environment, SpanKind, SpanName, StatusCode, HttpStatusClass, ConfigHash, DurationBucketNs;

CREATE TABLE IF NOT EXISTS `otel`.`tollgate_gate_decisions_local` ON CLUSTER `tollgate` (
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
    Answer String CODEC(ZSTD(3))
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(DecidedAt)
ORDER BY (App, Environment, DecidedAt, DecisionId)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS `otel`.`tollgate_gate_decisions` ON CLUSTER `tollgate` AS `otel`.`tollgate_gate_decisions_local`
ENGINE = Distributed(`tollgate`, `otel`, `tollgate_gate_decisions_local`, cityHash64(App));

CREATE TABLE IF NOT EXISTS `otel`.`tollgate_overrides_local` ON CLUSTER `tollgate` (
    OverrideId String,
    CreatedAt DateTime64(3),
    App LowCardinality(String),
    Environment LowCardinality(String),
    ConfigHash String,
    Who String,
    Reason String,
    ExpiresAt DateTime64(3)
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(CreatedAt)
ORDER BY (App, Environment, CreatedAt, OverrideId)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS `otel`.`tollgate_overrides` ON CLUSTER `tollgate` AS `otel`.`tollgate_overrides_local`
ENGINE = Distributed(`tollgate`, `otel`, `tollgate_overrides_local`, cityHash64(App));

CREATE TABLE IF NOT EXISTS `otel`.`tollgate_deployments_local` ON CLUSTER `tollgate` (
    App LowCardinality(String),
    Environment LowCardinality(String),
    Service LowCardinality(String),
    ConfigHash String,
    Revision String,
    DeployedAt DateTime64(3),
    ReceivedAt DateTime64(3),
    Source LowCardinality(String)
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(DeployedAt)
ORDER BY (App, Environment, Revision, ConfigHash)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS `otel`.`tollgate_deployments` ON CLUSTER `tollgate` AS `otel`.`tollgate_deployments_local`
ENGINE = Distributed(`tollgate`, `otel`, `tollgate_deployments_local`, cityHash64(App));

CREATE TABLE IF NOT EXISTS `otel`.`tollgate_slo_minutes_local` ON CLUSTER `tollgate` (
    Slo LowCardinality(String),
    Version LowCardinality(String),
    Minute DateTime CODEC(Delta, ZSTD(1)),
    Environment LowCardinality(String),
    ConfigHash LowCardinality(String),
    Total Float64 CODEC(ZSTD(1)),
    Bad Float64 CODEC(ZSTD(1)),
    RecordedAt DateTime64(3) CODEC(Delta, ZSTD(1))
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', (RecordedAt))
PARTITION BY toYYYYMM(Minute)
ORDER BY (Slo, Version, Minute, Environment, ConfigHash)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS `otel`.`tollgate_slo_minutes` ON CLUSTER `tollgate` AS `otel`.`tollgate_slo_minutes_local`
ENGINE = Distributed(`tollgate`, `otel`, `tollgate_slo_minutes_local`, cityHash64(Slo));

CREATE TABLE IF NOT EXISTS `otel`.`tollgate_slo_recordings_local` ON CLUSTER `tollgate` (
    Slo LowCardinality(String),
    Version LowCardinality(String),
    FromMinute DateTime,
    SettledThrough DateTime,
    UpdatedAt DateTime64(3)
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', (UpdatedAt))
PARTITION BY tuple()
ORDER BY (Slo, Version)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS `otel`.`tollgate_slo_recordings` ON CLUSTER `tollgate` AS `otel`.`tollgate_slo_recordings_local`
ENGINE = Distributed(`tollgate`, `otel`, `tollgate_slo_recordings_local`, cityHash64(Slo));

CREATE TABLE IF NOT EXISTS `otel`.`tollgate_leases_local` ON CLUSTER `tollgate` (
    Name LowCardinality(String),
    Term UInt64,
    Holder String,
    ClaimedAt DateTime64(3),
    ExpiresAt DateTime64(3),
    UpdatedAt DateTime64(3)
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', (UpdatedAt))
PARTITION BY tuple()
ORDER BY (Name, Term, Holder)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS `otel`.`tollgate_leases` ON CLUSTER `tollgate` AS `otel`.`tollgate_leases_local`
ENGINE = Distributed(`tollgate`, `otel`, `tollgate_leases_local`, cityHash64(Name));

ALTER TABLE `otel`.`otel_traces_local` ON CLUSTER `tollgate` MODIFY TTL toDateTime(Timestamp) + toIntervalSecond(604800);

ALTER TABLE `otel`.`otel_traces_trace_id_ts_local` ON CLUSTER `tollgate` MODIFY TTL Start + toIntervalSecond(604800);

ALTER TABLE `otel`.`otel_logs_local` ON CLUSTER `tollgate` MODIFY TTL TimestampTime + toIntervalSecond(604800);

ALTER TABLE `otel`.`otel_metrics_gauge_local` ON CLUSTER `tollgate` MODIFY TTL toDateTime(TimeUnix) + toIntervalSecond(604800);

ALTER TABLE `otel`.`otel_metrics_sum_local` ON CLUSTER `tollgate` MODIFY TTL toDateTime(TimeUnix) + toIntervalSecond(604800);

ALTER TABLE `otel`.`otel_metrics_histogram_local` ON CLUSTER `tollgate` MODIFY TTL toDateTime(TimeUnix) + toIntervalSecond(604800);

ALTER TABLE `otel`.`otel_metrics_exponential_histogram_local` ON CLUSTER `tollgate` MODIFY TTL toDateTime(TimeUnix) + toIntervalSecond(604800);

ALTER TABLE `otel`.`otel_metrics_summary_local` ON CLUSTER `tollgate` MODIFY TTL toDateTime(TimeUnix) + toIntervalSecond(604800);

ALTER TABLE `otel`.`tollgate_span_rollup_1m_local` ON CLUSTER `tollgate` MODIFY TTL Minute + toIntervalSecond(3024000);

ALTER TABLE `otel`.`tollgate_span_rollup_1h_local` ON CLUSTER `tollgate` MODIFY TTL Hour + toIntervalSecond(34560000);

ALTER TABLE `otel`.`tollgate_slo_minutes_local` ON CLUSTER `tollgate` MODIFY TTL Minute + toIntervalSecond(34560000);

