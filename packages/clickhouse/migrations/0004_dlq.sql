-- Rejected log lines from <ns>.dlq.v1 (docs/ingest.md, "Dead-letter queue"), for the sensor
-- health dashboard (parse errors by sensor and reason). A DLQ message has no id, so the row id
-- is derived from its Kafka coordinates (topic, partition, offset): a replayed message gets the
-- same id and its copies collapse like those of events and alerts.
CREATE TABLE IF NOT EXISTS {db}.dlq
(
    id String,
    received_at DateTime,
    received_at_ms UInt64,
    tenant String,
    sensor String,
    format String,
    transport String,
    peer String,
    line UInt32,
    reason String,
    reason_code String,
    raw String,
    inserted_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree(inserted_at)
PARTITION BY toYYYYMMDD(received_at)
ORDER BY (tenant, received_at, id);
