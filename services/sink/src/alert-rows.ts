// Alert (the Kafka contract) → a row of the ClickHouse `alerts` table.
import type { Alert } from '@soc/schema';

export function alertRow(alert: Alert) {
  const keys = Object.keys(alert.group);
  return {
    id: alert.id,
    tenant: alert.tenant,
    rule_id: alert.rule.id,
    rule_name: alert.rule.name,
    rule_version: alert.rule.version,
    severity: alert.rule.severity,
    tags: alert.rule.tags,
    group_keys: keys,
    group_values: keys.map((k) => alert.group[k]!),
    window_start: alert.window_start,
    window_end: alert.window_end,
    first_seen: alert.first_seen,
    last_seen: alert.last_seen,
    detected_at: alert.detected_at,
    detected_at_ms: Date.parse(alert.detected_at),
    event_count: alert.event_count,
    distinct_count: alert.distinct_count ?? 0,
    evidence_event_ids: alert.evidence.event_ids,
    evidence_values: alert.evidence.values,
    status: alert.status,
    alert_json: JSON.stringify(alert),
  };
}
