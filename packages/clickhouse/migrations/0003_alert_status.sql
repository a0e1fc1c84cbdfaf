-- Alert triage history: one row per status change of an alert (open → acknowledged →
-- assigned → closed, or reopened), never updated in place, so the whole history stays and
-- MTTA/MTTR can be computed from it. `version` numbers the changes of one alert (1, 2, ...;
-- version 0 is the alert as produced, status "open", and has no row); the current status of an
-- alert is argMax(status, version). A change is identified by (alert_id, version), which is in
-- the sorting key: a replayed change collapses with its copy (ReplacingMergeTree), distinct
-- changes never do. Read with FINAL for exact counts.
CREATE TABLE IF NOT EXISTS {db}.alert_status
(
    alert_id String,
    tenant String,
    version UInt32,
    status String,
    previous_status String,
    action String,
    actor String,
    assignee String,
    reason String,
    comment String,
    changed_at DateTime,
    changed_at_ms UInt64,
    event_id String,
    inserted_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree(inserted_at)
PARTITION BY toYYYYMMDD(changed_at)
ORDER BY (tenant, alert_id, version);
