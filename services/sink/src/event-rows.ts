// ECS event (the Kafka contract, nested) → a row of the ClickHouse `events` table (flat,
// snake_case). Absent values become '' / 0 / []; the whole event is kept in event_json.
import type { EcsEvent } from '@soc/schema';

export function eventRow(e: EcsEvent) {
  const src = e.source ?? {};
  const dst = e.destination ?? {};
  const indicators = (e.threat?.enrichments ?? [])
    .map((t) => t.matched.atomic ?? t.indicator.ip ?? t.indicator.domain ?? '')
    .filter((v) => v !== '');
  return {
    timestamp: e['@timestamp'],
    timestamp_ms: Date.parse(e['@timestamp']),
    event_id: e.event.id,
    tenant: e.organization.id,
    observer_name: e.observer?.name ?? e.observer?.hostname ?? '',
    observer_vendor: e.observer?.vendor ?? '',
    observer_product: e.observer?.product ?? '',
    observer_type: e.observer?.type ?? '',
    event_kind: e.event.kind,
    event_category: e.event.category,
    event_type: e.event.type,
    event_action: e.event.action ?? '',
    event_outcome: e.event.outcome ?? '',
    event_severity: e.event.severity ?? 0,
    event_dataset: e.event.dataset ?? '',
    event_module: e.event.module ?? '',
    // 0 (1970-01-01) when the event does not say when it was ingested
    event_ingested: e.event.ingested ?? '1970-01-01T00:00:00.000Z',
    source_ip: src.ip ?? '',
    source_port: src.port ?? 0,
    source_bytes: src.bytes ?? 0,
    source_packets: src.packets ?? 0,
    destination_ip: dst.ip ?? '',
    destination_port: dst.port ?? 0,
    destination_bytes: dst.bytes ?? 0,
    destination_packets: dst.packets ?? 0,
    network_transport: e.network?.transport ?? '',
    network_protocol: e.network?.protocol ?? '',
    network_direction: e.network?.direction ?? '',
    network_bytes: e.network?.bytes ?? 0,
    network_packets: e.network?.packets ?? 0,
    rule_id: e.rule?.id ?? '',
    rule_name: e.rule?.name ?? '',
    rule_category: e.rule?.category ?? '',
    user_name: e.user?.name ?? src.user?.name ?? '',
    host_name: e.host?.name ?? '',
    url_domain: e.url?.domain ?? '',
    dns_question_name: e.dns?.question?.name ?? '',
    threat_indicators: indicators,
    tags: e.tags ?? [],
    original: e.event.original ?? '',
    event_json: JSON.stringify(e),
  };
}
