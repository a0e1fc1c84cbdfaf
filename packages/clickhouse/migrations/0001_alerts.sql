-- Alerts, one row per finding. ReplacingMergeTree keyed by the deterministic alert id
-- (the id is derived from the window, so window_start may lead the key): a replayed alert replaces
-- its earlier copy instead of adding a row. Read with FINAL (or argMax) for exact counts.
-- Runs on ClickHouse 18.16 and current versions: DateTime (seconds), no TTL, no Map.
CREATE TABLE IF NOT EXISTS {db}.alerts
(
    id String,
    tenant String,
    rule_id String,
    rule_name String,
    rule_version String,
    severity String,
    tags Array(String),
    group_keys Array(String),
    group_values Array(String),
    window_start DateTime,
    window_end DateTime,
    first_seen DateTime,
    last_seen DateTime,
    detected_at DateTime,
    detected_at_ms UInt64,
    event_count UInt32,
    distinct_count UInt32,
    evidence_event_ids Array(String),
    evidence_values Array(String),
    status String,
    alert_json String,
    inserted_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree(inserted_at)
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (tenant, window_start, id)
