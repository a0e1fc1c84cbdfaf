-- Events, one row per normalised ECS event, flattened to the snake_case columns that dashboards
-- and hunts filter on; the whole event stays in event_json and the raw line in `original`.
-- ReplacingMergeTree keyed by event_id: the sink may insert a replayed batch again, and the
-- copies (same tenant, timestamp and event_id) collapse at merge time. Read with FINAL (or
-- uniqExact(event_id)) for exact counts.
-- Absent values are '' / 0 / [] (no Nullable): source_port = 0 means "no port".
-- Runs on ClickHouse 18.16 and current versions: DateTime (seconds) + timestamp_ms, IPs as
-- String, no TTL (retention: docs/storage.md).
CREATE TABLE IF NOT EXISTS {db}.events
(
    timestamp DateTime,
    timestamp_ms UInt64,
    event_id String,
    tenant String,
    observer_name String,
    observer_vendor String,
    observer_product String,
    observer_type String,
    event_kind String,
    event_category Array(String),
    event_type Array(String),
    event_action String,
    event_outcome String,
    event_severity UInt16,
    event_dataset String,
    event_module String,
    event_ingested DateTime,
    source_ip String,
    source_port UInt16,
    source_bytes UInt64,
    source_packets UInt64,
    destination_ip String,
    destination_port UInt16,
    destination_bytes UInt64,
    destination_packets UInt64,
    network_transport String,
    network_protocol String,
    network_direction String,
    network_bytes UInt64,
    network_packets UInt64,
    rule_id String,
    rule_name String,
    rule_category String,
    user_name String,
    host_name String,
    url_domain String,
    dns_question_name String,
    threat_indicators Array(String),
    tags Array(String),
    original String,
    event_json String,
    inserted_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree(inserted_at)
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (tenant, timestamp, event_id);
