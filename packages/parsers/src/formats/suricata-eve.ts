// Suricata EVE JSON (one JSON object per line), event types alert, flow, dns, http, tls,
// anomaly (others map to a generic network event).
// Reference: Suricata User Guide, "Eve JSON Format" and "Eve JSON Output"
// (https://docs.suricata.io/en/latest/output/eve/eve-json-format.html).
// Suricata alert severity is 1 (highest) to 3 (lowest); ECS event.severity keeps the
// vendor's number, as ECS specifies.
import type { EcsEvent } from '@soc/schema';
import { baseEvent, ianaNumber, isIp, isoTimestamp, toCount, toPort, transportName } from '../common.ts';
import { fail, type ParseResult, type Parser } from '../types.ts';

type Eve = Record<string, unknown>;

const str = (v: unknown, max = 512): string | undefined =>
  typeof v === 'string' && v.length > 0 ? v.slice(0, max) : typeof v === 'number' ? String(v) : undefined;
const obj = (v: unknown): Eve | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Eve) : undefined;
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

export const suricataEveParser: Parser = {
  name: 'suricata-eve',
  description: 'Suricata EVE JSON, one object per line (alert, flow, dns, http, tls, anomaly)',
  sniff: (line) => line.startsWith('{') && line.includes('"event_type"') && line.includes('"timestamp"'),
  parse(line, ctx): ParseResult {
    if (line.trim() === '') return fail('empty', 'empty line');
    let eve: Eve | undefined;
    try {
      eve = obj(JSON.parse(line));
    } catch (err) {
      return fail('syntax', `invalid JSON: ${(err as Error).message}`);
    }
    if (!eve) return fail('syntax', 'EVE line is not a JSON object');
    const eventType = str(eve['event_type'], 64);
    if (!eventType) return fail('syntax', 'EVE object has no event_type');
    const timestamp = typeof eve['timestamp'] === 'string' ? isoTimestamp(eve['timestamp']) : null;
    if (!timestamp) return fail('syntax', 'EVE object has no valid timestamp');

    const host = str(eve['host'], 255);
    const proto = str(eve['proto'], 32);
    const transport = proto ? transportName(proto) : undefined;
    const appProto = str(eve['app_proto'], 32);
    const srcIp = str(eve['src_ip'], 64);
    const dstIp = str(eve['dest_ip'], 64);
    const flow = obj(eve['flow']);
    const alert = obj(eve['alert']);

    let kind: EcsEvent['event']['kind'] = 'event';
    let category: EcsEvent['event']['category'] = ['network'];
    let type: EcsEvent['event']['type'] = ['protocol'];
    let action: string | undefined = eventType;
    let outcome: EcsEvent['event']['outcome'];
    let severity: number | undefined;
    let rule: EcsEvent['rule'];
    switch (eventType) {
      case 'alert': {
        kind = 'alert';
        category = ['network', 'intrusion_detection'];
        const blocked = str(alert?.['action']) === 'blocked';
        type = [blocked ? 'denied' : 'allowed'];
        action = blocked ? 'blocked' : 'alert';
        const sev = num(alert?.['severity']);
        severity = sev !== undefined && Number.isInteger(sev) && sev >= 0 && sev <= 1000 ? sev : undefined;
        rule = {
          id: str(alert?.['signature_id'], 128),
          name: str(alert?.['signature']),
          category: str(alert?.['category'], 256),
        };
        break;
      }
      case 'flow':
      case 'netflow':
        type = ['connection', 'end'];
        action = 'flow';
        break;
      case 'anomaly':
        type = ['info'];
        break;
      default:
        type = ['protocol'];
    }

    const base = baseEvent(ctx, timestamp, line, host ?? '', {
      kind,
      category,
      type,
      action,
      outcome,
      severity,
      dataset: `suricata.${eventType}`.slice(0, 128),
      module: 'suricata',
    });
    return {
      ok: true,
      event: {
        ...base,
        observer: { vendor: 'OISF', product: 'Suricata', type: 'ids', name: host, hostname: host },
        source: {
          ip: isIp(srcIp) ? srcIp : undefined,
          port: toPort(num(eve['src_port'])),
          bytes: toCount(num(flow?.['bytes_toserver'])),
          packets: toCount(num(flow?.['pkts_toserver'])),
        },
        destination: {
          ip: isIp(dstIp) ? dstIp : undefined,
          port: toPort(num(eve['dest_port'])),
          bytes: toCount(num(flow?.['bytes_toclient'])),
          packets: toCount(num(flow?.['pkts_toclient'])),
        },
        network: {
          transport,
          iana_number: transport ? ianaNumber(transport) : undefined,
          protocol: (appProto && appProto !== 'failed' ? appProto : undefined)?.toLowerCase(),
          community_id: str(eve['community_id'], 64),
        },
        rule,
      },
    };
  },
};
