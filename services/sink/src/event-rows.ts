// ECS event (the Kafka contract, nested) → a row of the ClickHouse `events` table (flat,
// snake_case), written straight as its TSKV line (name=value fields, tab-separated): the sink
// sends these lines as they are, with no row object for a client to stringify again.
// Why TSKV: unlike JSON, its strings need no escaping of quotes, so event_json (the whole
// event as JSON, most of the row) goes in as it is; unlike TabSeparated, it names its
// fields, so the server treats the column left out (inserted_at) as it does for a
// JSONEachRow row: the type's default on 18.16, the DEFAULT expression where
// input_format_defaults_for_omitted_fields is on. The values are those of the JSONEachRow
// rows the sink sent before (a test reads the line back as the server does and compares).
// Absent values become '' / 0 / []; the whole event is kept in event_json.
import { escapedArray as array, escapedString as text } from '@soc/clickhouse';
import type { EcsEvent } from '@soc/schema';

export function eventRow(e: EcsEvent): string {
  const ts = e['@timestamp'];
  const ev = e.event;
  const observer = e.observer;
  const src = e.source ?? {};
  const dst = e.destination ?? {};
  const net = e.network;
  const rule = e.rule;
  return (
    `timestamp=${text(ts)}` +
    `\ttimestamp_ms=${Date.parse(ts)}` +
    `\tevent_id=${text(ev.id)}` +
    `\ttenant=${text(e.organization.id)}` +
    `\tobserver_name=${text(observer?.name ?? observer?.hostname ?? '')}` +
    `\tobserver_vendor=${text(observer?.vendor ?? '')}` +
    `\tobserver_product=${text(observer?.product ?? '')}` +
    `\tobserver_type=${text(observer?.type ?? '')}` +
    `\tevent_kind=${text(ev.kind)}` +
    `\tevent_category=${array(ev.category)}` +
    `\tevent_type=${array(ev.type)}` +
    `\tevent_action=${text(ev.action ?? '')}` +
    `\tevent_outcome=${text(ev.outcome ?? '')}` +
    `\tevent_severity=${ev.severity ?? 0}` +
    `\tevent_dataset=${text(ev.dataset ?? '')}` +
    `\tevent_module=${text(ev.module ?? '')}` +
    // 0 (1970-01-01) when the event does not say when it was ingested
    `\tevent_ingested=${text(ev.ingested ?? '1970-01-01T00:00:00.000Z')}` +
    `\tsource_ip=${text(src.ip ?? '')}` +
    `\tsource_port=${src.port ?? 0}` +
    `\tsource_bytes=${src.bytes ?? 0}` +
    `\tsource_packets=${src.packets ?? 0}` +
    `\tdestination_ip=${text(dst.ip ?? '')}` +
    `\tdestination_port=${dst.port ?? 0}` +
    `\tdestination_bytes=${dst.bytes ?? 0}` +
    `\tdestination_packets=${dst.packets ?? 0}` +
    `\tnetwork_transport=${text(net?.transport ?? '')}` +
    `\tnetwork_protocol=${text(net?.protocol ?? '')}` +
    `\tnetwork_direction=${text(net?.direction ?? '')}` +
    `\tnetwork_bytes=${net?.bytes ?? 0}` +
    `\tnetwork_packets=${net?.packets ?? 0}` +
    `\trule_id=${text(rule?.id ?? '')}` +
    `\trule_name=${text(rule?.name ?? '')}` +
    `\trule_category=${text(rule?.category ?? '')}` +
    `\tuser_name=${text(e.user?.name ?? src.user?.name ?? '')}` +
    `\thost_name=${text(e.host?.name ?? '')}` +
    `\turl_domain=${text(e.url?.domain ?? '')}` +
    `\tdns_question_name=${text(e.dns?.question?.name ?? '')}` +
    `\tthreat_indicators=${array(indicators(e))}` +
    `\ttags=${array(e.tags ?? [])}` +
    `\toriginal=${text(ev.original ?? '')}` +
    `\tevent_json=${text(JSON.stringify(e))}`
  );
}

/** the indicator each threat enrichment matched (atomic, else its ip, else its domain) */
function indicators(e: EcsEvent): string[] {
  const enrichments = e.threat?.enrichments;
  if (!enrichments || enrichments.length === 0) return [];
  return enrichments
    .map((t) => t.matched.atomic ?? t.indicator.ip ?? t.indicator.domain ?? '')
    .filter((v) => v !== '');
}
