-- Pre-aggregated tables for the Grafana dashboards, each fed by a materialised view on insert
-- into its source table. Dashboards read these instead of scanning events.
--
-- Replays: the base tables collapse replayed copies by id, but a view sees every inserted
-- block, so a batch the sink inserts twice (after a failure) is counted twice in the
-- SummingMergeTree views (events_per_minute, top_talkers_hourly). alerts_per_minute keeps the
-- set of alert ids (uniqExact state) and is exact under replays. For exact event numbers,
-- query events FINAL. Details: docs/storage.md.
--
-- Read the Summing tables with sum(...) GROUP BY (rows are summed at merge time, not at
-- insert), and alerts_per_minute with uniqExactMerge(alerts).

CREATE TABLE IF NOT EXISTS {db}.events_per_minute
(
    minute DateTime,
    tenant String,
    observer_name String,
    dataset String,
    outcome String,
    events UInt64,
    bytes UInt64,
    lag_seconds UInt64
)
ENGINE = SummingMergeTree((events, bytes, lag_seconds))
PARTITION BY toYYYYMMDD(minute)
ORDER BY (tenant, minute, observer_name, dataset, outcome);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.events_per_minute_mv TO {db}.events_per_minute AS
SELECT
    toStartOfMinute(timestamp) AS minute,
    tenant,
    observer_name,
    event_dataset AS dataset,
    event_outcome AS outcome,
    count() AS events,
    sum(source_bytes + destination_bytes) AS bytes,
    sum(if(event_ingested > timestamp, toUInt64(toUInt32(event_ingested) - toUInt32(timestamp)), toUInt64(0))) AS lag_seconds
FROM {db}.events
GROUP BY minute, tenant, observer_name, dataset, outcome;

CREATE TABLE IF NOT EXISTS {db}.alerts_per_minute
(
    minute DateTime,
    tenant String,
    rule_id String,
    rule_name String,
    severity String,
    alerts AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(minute)
ORDER BY (tenant, minute, rule_id, rule_name, severity);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.alerts_per_minute_mv TO {db}.alerts_per_minute AS
SELECT
    toStartOfMinute(detected_at) AS minute,
    tenant,
    rule_id,
    rule_name,
    severity,
    uniqExactState(id) AS alerts
FROM {db}.alerts
GROUP BY minute, tenant, rule_id, rule_name, severity;

CREATE TABLE IF NOT EXISTS {db}.top_talkers_hourly
(
    hour DateTime,
    tenant String,
    source_ip String,
    destination_ip String,
    events UInt64,
    bytes UInt64,
    packets UInt64
)
ENGINE = SummingMergeTree((events, bytes, packets))
PARTITION BY toYYYYMMDD(hour)
ORDER BY (tenant, hour, source_ip, destination_ip);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.top_talkers_hourly_mv TO {db}.top_talkers_hourly AS
SELECT
    toStartOfHour(timestamp) AS hour,
    tenant,
    source_ip,
    destination_ip,
    count() AS events,
    sum(source_bytes + destination_bytes) AS bytes,
    sum(source_packets + destination_packets) AS packets
FROM {db}.events
WHERE source_ip != ''
GROUP BY hour, tenant, source_ip, destination_ip;
