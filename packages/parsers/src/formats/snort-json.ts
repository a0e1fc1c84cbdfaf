// Snort 3 alert_json output: one JSON object per line, with the fields chosen by
// alert_json.fields (default: timestamp pkt_num proto pkt_gen pkt_len dir src_ap dst_ap rule action).
//
// Reference: Snort 3 User Manual, "Alert Logging" (https://docs.snort.org/start/alert_logging.html)
// and the Snort 3 Reference Guide, module alert_json (https://www.snort.org/documents,
// `snort --help-module alert_json`).
//
// Fields read (all optional, as the configuration chooses them):
//   timestamp "MM/DD-HH:MM:SS.ffffff" (or "YY/MM/DD-..." with -y; Snort 2's "MM/DD/YY-..."; and
//     "YYYY-MM-DD HH:MM:SS.ffffff"), seconds (epoch), flowstart_time (epoch) -> event.start
//   action (allow, drop, block, reset, would_drop, ...) -> event.action, event.type
//   gid, sid, rev or rule "gid:sid:rev" -> rule.id, event.code; msg -> rule.name;
//   class -> rule.category ("none" omitted); priority -> event.severity
//   proto (TCP, UDP, ICMP, IP, ...) -> network.transport/iana_number; service -> network.protocol
//   src_addr/src_port or src_ap "addr:port", dst_* likewise -> source/destination ip/port
//   eth_src/eth_dst -> mac; vlan -> network.vlan.id; iface -> observer.ingress.interface.name
//   client_bytes/client_pkts/server_bytes/server_pkts -> source/destination bytes/packets
//     by dir (C2S: the packet's source is the client; S2C: its destination is), and their sums
//     -> network.bytes/packets (flow totals); without a known dir they are left out.
// Decisions:
// - A line is a Snort alert when it has rule or sid, or msg together with a Snort-only field
//   (src_ap, dst_ap, pkt_gen, pkt_num, gid, priority, class, src_addr, dst_addr): a bare msg
//   is not enough (Zeek notices have one), and objects with event_type are Suricata EVE.
// - Time: "seconds" (a true epoch) when present, with the sub-second part of "timestamp";
//   otherwise "timestamp", which Snort prints in the sensor's local zone unless run with -U:
//   it is read as UTC, in the year (for year-less stamps) nearest the receive time. Two-digit
//   years that could be YY/MM/DD (Snort 3 -y) or MM/DD/YY (Snort 2 -y) take the reading
//   nearest the receive time. No time field: the receive time.
// - rule.id: the sid for gid 1 (text rules: the same id as in the rule files and in Suricata),
//   "gid:sid" for other generators (builtin/preprocessor rules, whose sids repeat per gid);
//   event.code: "gid:sid:rev".
// - Verdict: drop, block, reset, reject, sdrop and force_* are event.type "denied"; every other
//   action (allow, alert, pass, would_drop, cant_drop, rewrite, ...) lets the packet through
//   and is "allowed". As for Suricata alerts, event.outcome is not set for IDS alerts.
// - dir (C2S/S2C) is flow-relative, not inbound/outbound: network.direction is not set.
// - ICMP between IPv6 addresses is network.transport "ipv6-icmp" (Snort 3 prints ICMP for both).
import type { EcsEvent } from '@soc/schema';
import { baseEvent, ianaNumber, isIp, toCount, toPort, transportName } from '../common.ts';
import { fail, type ParseResult, type Parser } from '../types.ts';
import { ecsMac, nearestYear, text, UTC, validDate, wallToUtc } from './cef.ts';

// ---------------------------------------------------------------------------------------
// Helpers shared with the alert_fast parser (snort-fast.ts)

const SNORT_TIME = /^(\d{2})\/(\d{2})(?:\/(\d{2}))?-(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;
const SNORT_ISO_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

const usMs = (frac: string | undefined) => (frac ? Math.floor(Number(`0.${frac}`) * 1000 + 1e-6) : 0);

/** A Snort timestamp (see the header) as UTC; null when it is not one. */
export function snortTime(value: string, receivedAt: Date): Date | null {
  let m = SNORT_TIME.exec(value);
  if (m) {
    const [a, b, c, hh, mi, ss] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as number[];
    const ms = usMs(m[7]);
    if (m[3] === undefined) return nearestYear(a! - 1, b!, hh!, mi!, ss!, ms, UTC, receivedAt);
    // YY/MM/DD (Snort 3 -y) or MM/DD/YY (Snort 2 -y): the valid reading nearest the receive time
    const candidates = [
      wallToUtc(2000 + a!, b! - 1, c!, hh!, mi!, ss!, ms, UTC),
      wallToUtc(2000 + c!, a! - 1, b!, hh!, mi!, ss!, ms, UTC),
    ].filter((d): d is Date => d !== null);
    const r = receivedAt.getTime();
    candidates.sort((x, y) => Math.abs(x.getTime() - r) - Math.abs(y.getTime() - r));
    return candidates[0] ?? null;
  }
  m = SNORT_ISO_TIME.exec(value);
  if (!m) return null;
  const [y, mo, d, hh, mi, ss] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as number[];
  return wallToUtc(y!, mo! - 1, d!, hh!, mi!, ss!, usMs(m[7]), UTC);
}

/** Milliseconds within the second of a Snort timestamp ("...:SS.ffffff"). */
export function snortSubsecondMs(value: string): number {
  const dot = value.lastIndexOf('.');
  return dot > 0 && /^\d{1,9}$/.test(value.slice(dot + 1)) ? usMs(value.slice(dot + 1)) : 0;
}

const DENY_ACTIONS = new Set([
  'drop',
  'block',
  'reset',
  'reject',
  'sdrop',
  'force_drop',
  'force_block',
  'force_reset',
]);

/** event.type for a Snort action word. */
export const snortVerdict = (action: string | undefined): 'allowed' | 'denied' =>
  action !== undefined && DENY_ACTIONS.has(action.toLowerCase()) ? 'denied' : 'allowed';

/** rule.id: the sid for text rules (gid 1), gid:sid otherwise. */
export const snortRuleId = (gid: string, sid: string): string => (gid === '1' ? sid : `${gid}:${sid}`);

/** An address and port from "addr:port" (IPv6 without brackets: the port is after the last colon). */
export function splitAddrPort(ap: string, withPort: boolean): { ip?: string; port?: number } {
  let s = ap.trim();
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    const ip = s.slice(1, close > 0 ? close : s.length);
    const port = close > 0 && s[close + 1] === ':' ? toPort(s.slice(close + 2)) : undefined;
    return { ip: isIp(ip) ? ip : undefined, port: withPort ? port : undefined };
  }
  const colon = s.lastIndexOf(':');
  let port: number | undefined;
  if (withPort && colon > 0 && /^\d{1,5}$/.test(s.slice(colon + 1))) {
    const head = s.slice(0, colon);
    // an IPv6 address never ends in a single ':', so "2001:db8::1" (no port printed) stays whole
    if (!(head.endsWith(':') && !head.endsWith('::'))) {
      port = toPort(s.slice(colon + 1));
      s = head;
    }
  }
  return { ip: isIp(s) ? s : undefined, port };
}

/** ECS transport for a Snort protocol name; ICMP between IPv6 addresses is ipv6-icmp. */
export function snortTransport(
  proto: string | undefined,
  v6: boolean,
): { transport?: string; iana?: string } {
  if (!proto) return {};
  const p = proto.trim().toLowerCase();
  if (p === '' || p === 'ip' || p === 'none' || p === 'pdu' || p === 'file' || p === 'user' || p.length > 32)
    return {};
  if (!/^[a-z0-9_-]+$/.test(p)) return {};
  const t = p === 'icmp' && v6 ? 'ipv6-icmp' : transportName(p);
  if (/^\d+$/.test(t)) return Number(t) <= 255 ? { iana: t } : {};
  return { transport: t, iana: ianaNumber(t) };
}

export const SNORT_OBSERVER = { vendor: 'Snort', product: 'Snort', type: 'ids' } as const;

// ---------------------------------------------------------------------------------------
// alert_json

type Obj = Record<string, unknown>;
const SNORT_ONLY_FIELDS = [
  'src_ap',
  'dst_ap',
  'pkt_gen',
  'pkt_num',
  'gid',
  'priority',
  'class',
  'src_addr',
  'dst_addr',
];
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
const int = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
    ? v
    : typeof v === 'string' && /^\d{1,15}$/.test(v)
      ? Number(v)
      : undefined;

export const snortJsonParser: Parser = {
  name: 'snort-json',
  description: 'Snort 3 alert_json, one JSON object per line (any alert_json.fields selection)',
  sniff: (line) =>
    line.startsWith('{') &&
    !line.includes('"event_type"') &&
    (line.includes('"rule"') ||
      line.includes('"sid"') ||
      (line.includes('"msg"') && SNORT_ONLY_FIELDS.some((k) => line.includes(`"${k}"`)))),
  parse(line, ctx): ParseResult {
    if (line.trim() === '') return fail('empty', 'empty line');
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      return fail('syntax', `invalid JSON: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return fail('syntax', 'alert_json line is not a JSON object');
    const o = parsed as Obj;
    if ('event_type' in o)
      return fail('syntax', 'not a Snort alert: this is a Suricata EVE object (event_type)');
    const ruleRef = str(o['rule']);
    const refParts = ruleRef && /^\d+:\d+:\d+$/.test(ruleRef) ? ruleRef.split(':') : undefined;
    const gid = str(int(o['gid'])) ?? refParts?.[0];
    const sid = str(int(o['sid'])) ?? refParts?.[1];
    const rev = str(int(o['rev'])) ?? refParts?.[2];
    const msg = str(o['msg']);
    // a msg alone is not enough (Zeek notices have one): it must come with a Snort-only field
    const snortish = SNORT_ONLY_FIELDS.some((k) => k in o);
    if (sid === undefined && (msg === undefined || !snortish))
      return fail('syntax', 'not a Snort alert_json object: no rule or sid, nor msg with Snort fields');

    const stamp = str(o['timestamp']);
    const seconds = int(o['seconds']);
    const timestamp =
      (seconds !== undefined ? validDate(seconds * 1000 + (stamp ? snortSubsecondMs(stamp) : 0)) : null) ??
      (stamp ? snortTime(stamp, ctx.receivedAt) : null) ??
      ctx.receivedAt;
    const flowStart = int(o['flowstart_time']);

    const src = str(o['src_ap']) ? splitAddrPort(str(o['src_ap'])!, true) : {};
    const dst = str(o['dst_ap']) ? splitAddrPort(str(o['dst_ap'])!, true) : {};
    const srcIp = isIp(str(o['src_addr'])) ? str(o['src_addr']) : src.ip;
    const dstIp = isIp(str(o['dst_addr'])) ? str(o['dst_addr']) : dst.ip;
    const v6 = (srcIp ?? dstIp ?? '').includes(':');
    const t = snortTransport(str(o['proto']), v6);
    // ports exist for TCP and UDP (Snort prints 0 otherwise); with no proto field, non-zero ones are kept
    const ported = t.transport === 'tcp' || t.transport === 'udp';
    const portOf = (p: number | undefined) => (ported || (t.transport === undefined && p) ? p : undefined);
    const srcPort = portOf(toPort(int(o['src_port'])) ?? src.port);
    const dstPort = portOf(toPort(int(o['dst_port'])) ?? dst.port);

    const dir = str(o['dir']);
    const cBytes = toCount(int(o['client_bytes']));
    const cPkts = toCount(int(o['client_pkts']));
    const sBytes = toCount(int(o['server_bytes']));
    const sPkts = toCount(int(o['server_pkts']));
    const srcIsClient = dir === 'C2S' ? true : dir === 'S2C' ? false : undefined;
    const sum = (a?: number, b?: number) =>
      a !== undefined && b !== undefined && Number.isSafeInteger(a + b) ? a + b : undefined;

    const action = str(o['action'])?.toLowerCase();
    const cls = str(o['class']);
    const priority = int(o['priority']);
    const iface = text(str(o['iface']), 64);
    const service = str(o['service'])?.toLowerCase();
    const vlan = int(o['vlan']);
    const base = baseEvent(ctx, timestamp, line, '', {
      kind: 'alert',
      category: ['network', 'intrusion_detection'],
      type: [snortVerdict(action)],
      action: text(action, 128),
      severity: priority !== undefined && priority <= 1000 ? priority : undefined,
      code: gid && sid ? text(`${gid}:${sid}${rev ? `:${rev}` : ''}`, 64) : undefined,
      dataset: 'snort.alert',
      module: 'snort',
      start: flowStart !== undefined ? validDate(flowStart * 1000)?.toISOString() : undefined,
    });
    const rule: EcsEvent['rule'] = {
      id: sid ? text(gid ? snortRuleId(gid, sid) : sid, 128) : undefined,
      name: text(msg, 512),
      category: cls && cls !== 'none' ? text(cls, 256) : undefined,
    };
    return {
      ok: true,
      event: {
        ...base,
        observer: { ...SNORT_OBSERVER, ingress: iface ? { interface: { name: iface } } : undefined },
        source: {
          ip: srcIp,
          port: srcPort,
          mac: ecsMac(str(o['eth_src'])),
          bytes: srcIsClient === undefined ? undefined : srcIsClient ? cBytes : sBytes,
          packets: srcIsClient === undefined ? undefined : srcIsClient ? cPkts : sPkts,
        },
        destination: {
          ip: dstIp,
          port: dstPort,
          mac: ecsMac(str(o['eth_dst'])),
          bytes: srcIsClient === undefined ? undefined : srcIsClient ? sBytes : cBytes,
          packets: srcIsClient === undefined ? undefined : srcIsClient ? sPkts : cPkts,
        },
        network: {
          transport: t.transport,
          iana_number: t.iana,
          protocol: service && service !== 'unknown' ? text(service, 32) : undefined,
          bytes: sum(cBytes, sBytes),
          packets: sum(cPkts, sPkts),
          vlan: vlan !== undefined && vlan > 0 ? { id: String(vlan).slice(0, 16) } : undefined,
        },
        rule,
      },
    };
  },
};
