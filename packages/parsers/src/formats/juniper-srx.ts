// Juniper SRX security logs: RT_FLOW session create/close/deny and IDP attack logs.
//
// Documents followed: Juniper Networks, "Junos OS System Log Messages Reference"
// (https://www.juniper.net/documentation/us/en/software/junos/system-log-messages/, also browsable
// in the System Log Explorer, https://apps.juniper.net/syslog-explorer/): the RT_FLOW messages
// RT_FLOW_SESSION_CREATE, RT_FLOW_SESSION_CLOSE, RT_FLOW_SESSION_DENY and the RT_IDP message
// IDP_ATTACK_LOG_EVENT; and "Information Provided in Session Log Entries for SRX Series Services
// Gateways"
// (https://www.juniper.net/documentation/en_US/junos12.2/topics/reference/general/session-log-entry-information-for-srx-series.html).
//
// Line forms:
//   structured (sd-syslog / "structured-data", with or without "brief"):
//     <PRI>1 <time> <host> RT_FLOW - RT_FLOW_SESSION_CLOSE [junos@2636.1.1.1.2.x key="value" ...] [text]
//   standard text (stream-mode "syslog" format, or a relay's RFC 3164 / ISO header):
//     [<PRI>]Mmm dd hh:mm:ss <host> RT_FLOW: RT_FLOW_SESSION_CLOSE: session closed <reason>: ...
//   The "_LS" (logical system) variants and RT_IDP_ATTACK_LOG_EVENT / IDP_ATTACK_LOG_EVENT are
//   accepted. Other Junos messages give fail('unsupported').
//
// Structured-data keys mapped (the vendor's names):
//   flow: source-address, source-port, destination-address, destination-port,
//     nat-source-address, nat-source-port, nat-destination-address, nat-destination-port,
//     protocol-id, policy-name, source-zone-name, destination-zone-name, packets-from-client,
//     bytes-from-client, packets-from-server, bytes-from-server, elapsed-time, reason,
//     application, username, packet-incoming-interface, destination-interface-name
//   idp: epoch-time, source/destination-address/port, protocol-name, application-name, action,
//     threat-severity, attack-name, nat-*, elapsed-time, inbound/outbound-bytes/packets,
//     source-zone-name, source-interface-name, destination-zone-name,
//     destination-interface-name, username
//   Not mapped (no schema field): service-name, session ids, NAT rule names, IDP policy,
//   rulebase and rule number, message-type, repeat-count, application risk/category.
// The text forms are read positionally into the same keys:
//   session created S/sp->D/dp [conn-tag] service NS/nsp->ND/ndp [conn-tag] <NAT rule types and
//     names> protocol-id policy src-zone dst-zone session-id [user(roles) interface application ...]
//   session closed <reason>: S/sp->D/dp [conn-tag] service NS/nsp->ND/ndp [conn-tag] <NAT rules>
//     protocol-id policy src-zone dst-zone session-id pkts(bytes) pkts(bytes) elapsed
//     [application nested-application user(roles) interface ...]
//   session denied S/sp->D/dp [conn-tag] service protocol-id(icmp-type) policy src-zone dst-zone
//     [application nested-application user(roles) interface encrypted reason session-id ...]
//   IDP: at <epoch>, <type> Attack log <S/sp->D/dp> for <proto> protocol and service <svc>
//     application <app> by rule <n> of rulebase <rb> in policy <p>. attack: [id=<n>, ]repeat=<n>,
//     action=<a>, threat-severity=<s>, name=<attack>, NAT <ip:port->ip:port>, time-elapsed=<s>,
//     inbytes=<n>, outbytes=<n>, inpackets=<n>, outpackets=<n>, intf:<zone>:<if>-><zone>:<if>, ...
//
// Mapping decisions:
//   - event.action is the message's verb: "create", "close", "deny" for RT_FLOW; the IDP action
//     lower-cased ("drop", "close", "none", ...) for attack logs.
//   - source/destination.nat are set only when NAT changed the address or port (the vendor
//     repeats the original address when there was no NAT; IDP logs 0.0.0.0 for "none").
//   - Ports are not mapped for ICMP/ICMPv6 (the vendor puts ICMP ids/types there).
//   - source.bytes/packets = *-from-client, destination.* = *-from-server, network.* their sum.
//     IDP in/out counters only feed network.bytes/packets (their direction is not documented).
//   - rule.name is the security policy for RT_FLOW; for IDP rule.name is the attack name and
//     rule.id the attack id when the text form gives it.
//   - event.severity for IDP maps threat-severity INFO=1, LOW/MINOR/WARNING=2, MEDIUM/MAJOR=3,
//     HIGH=4, CRITICAL=5 (the vendor's order; Junos gives no number).
//   - network.application is the AppID application, lower-cased; "UNKNOWN", "N/A", "NONE" and
//     "None" mean no value throughout. network.direction is not set: the vendor does not state it.
//   - Time: the RFC 5424 timestamp with its zone; an RFC 3164 header (no zone, no year) is read
//     as UTC, except that an IDP log's epoch-time (exact UTC) is preferred to it. No time at all
//     gives ctx.receivedAt.
import type { EcsEvent } from '@soc/schema';
import {
  baseEvent,
  fieldTable,
  ianaNumber,
  isBlank,
  isIp,
  isoTimestamp,
  toCount,
  toPort,
  transportName,
} from '../common.ts';
import { splitSyslogHeader } from '../syslog-header.ts';
import { fail, type ParseResult, type Parser } from '../types.ts';

type Kind = 'create' | 'close' | 'deny' | 'idp';

/** the parameters the structured and text forms are read into (Fields is typed by them) */
const KEYS = [
  'action',
  'application',
  'application-name',
  'attack-id',
  'attack-name',
  'bytes-from-client',
  'bytes-from-server',
  'destination-address',
  'destination-interface-name',
  'destination-port',
  'destination-zone-name',
  'elapsed-time',
  'epoch-time',
  'inbound-bytes',
  'inbound-packets',
  'message-type',
  'nat-destination-address',
  'nat-destination-port',
  'nat-source-address',
  'nat-source-port',
  'outbound-bytes',
  'outbound-packets',
  'packet-incoming-interface',
  'packets-from-client',
  'packets-from-server',
  'policy-name',
  'protocol-id',
  'protocol-name',
  'reason',
  'repeat-count',
  'rule-name',
  'service-name',
  'session-id-32',
  'source-address',
  'source-interface-name',
  'source-port',
  'source-zone-name',
  'threat-severity',
  'username',
] as const;
type Key = (typeof KEYS)[number];
const table = fieldTable(KEYS);
type Fields = ReturnType<typeof table.fields>;
const NO_VALUES: readonly undefined[] = [];
/** Fields with none set, for the text forms to fill in by name. */
const noFields = () => table.fields(NO_VALUES);

const FLOW_TAG = 'RT_FLOW_SESSION_';
const IDP_TAG = 'IDP_ATTACK_LOG_EVENT';
const DIGITS = /^\d+$/;
const NONE = new Set(['', 'N/A', 'UNKNOWN', 'NONE', 'None', 'none', 'unknown-user', '-']);
const IDP_SEVERITY: Record<string, number> = {
  INFO: 1,
  LOW: 2,
  MINOR: 2,
  WARNING: 2,
  MEDIUM: 3,
  MAJOR: 3,
  HIGH: 4,
  CRITICAL: 5,
};
const IDP_ALLOWED = new Set(['none', 'ignore', 'no-action', 'mark_diffserv', 'mark-diffserv']);

const value = (v: string | undefined): string | undefined => (v === undefined || NONE.has(v) ? undefined : v);

// ---------------------------------------------------------------------------------------
// Tag and header

interface Located {
  kind: Kind | undefined;
  name: string;
  /** index just after the tag name */
  end: number;
}

function findTag(s: string): Located | undefined {
  let at = s.indexOf(FLOW_TAG);
  let kind: Kind | undefined;
  if (at >= 0) {
    const rest = s.slice(at + FLOW_TAG.length, at + FLOW_TAG.length + 9);
    kind = rest.startsWith('CREATE')
      ? 'create'
      : rest.startsWith('CLOSE')
        ? 'close'
        : rest.startsWith('DENY')
          ? 'deny'
          : undefined;
  } else {
    at = s.indexOf(IDP_TAG);
    if (at < 0) return undefined;
    kind = 'idp';
    if (s.startsWith('RT_', at - 3)) at -= 3;
  }
  let end = at;
  while (end < s.length) {
    const c = s.charCodeAt(end);
    if (!((c >= 65 && c <= 90) || c === 95 || (c >= 48 && c <= 57))) break;
    end++;
  }
  const name = s.slice(at, end);
  const base = name.endsWith('_LS') ? name.slice(0, -3) : name;
  const known =
    base === 'RT_FLOW_SESSION_CREATE' ||
    base === 'RT_FLOW_SESSION_CLOSE' ||
    base === 'RT_FLOW_SESSION_DENY' ||
    base === 'IDP_ATTACK_LOG_EVENT' ||
    base === 'RT_IDP_ATTACK_LOG_EVENT';
  return { kind: known ? kind : undefined, name, end };
}

/** Parses RFC 5424 structured data from `at`; returns the junos@ element's parameters and the end. */
function structuredData(s: string, at: number): { fields?: Fields; end: number } | undefined {
  if (s.charCodeAt(at) === 45) return { end: at + 1 }; // "-"
  let i = at;
  let fields: Fields | undefined;
  while (s.charCodeAt(i) === 91) {
    // [
    let idEnd = i + 1;
    for (let c = s.charCodeAt(idEnd); idEnd < s.length && c !== 32 && c !== 93; c = s.charCodeAt(++idEnd));
    // only the junos@ element's parameters are kept; the others are checked and skipped
    const slots = s.startsWith('junos@', i + 1) ? table.slots() : undefined;
    i = idEnd;
    for (;;) {
      while (s.charCodeAt(i) === 32) i++;
      if (s.charCodeAt(i) === 93) {
        i++;
        break;
      }
      let eq = s.indexOf('=', i);
      while (eq >= 0 && s.charCodeAt(eq + 1) !== 34) eq = s.indexOf('=', eq + 1); // ="
      if (eq < 0) return undefined;
      const key = slots ? table.index(s, i, eq) : -1;
      let q = s.indexOf('"', eq + 2);
      while (q >= 0 && isEscaped(s, q, eq + 2)) q = s.indexOf('"', q + 1);
      if (q < 0) return undefined;
      if (key >= 0) {
        const v = s.slice(eq + 2, q);
        slots![key] = v.includes('\\') ? v.replace(/\\(["\\\]])/g, '$1') : v;
      }
      i = q + 1;
    }
    if (slots) fields = table.fields(slots);
  }
  return { fields, end: i };
}

/** Whether the character at `at` follows an odd run of backslashes (that starts at `from` or later). */
function isEscaped(s: string, at: number, from: number): boolean {
  let back = 0;
  for (let k = at - 1; k >= from && s.charCodeAt(k) === 92; k--) back++;
  return back % 2 === 1;
}

interface Header {
  msgid?: string;
  timestamp?: Date;
  host?: string;
  /** 'zoned' for RFC 5424/ISO times, 'bsd' for RFC 3164 */
  clock?: 'zoned' | 'bsd';
  tag?: Located;
  fields?: Fields;
  text?: string;
}

function read5424(line: string): Header | string {
  // <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]
  const gt = line.indexOf('>');
  const parts: string[] = [];
  let i = gt + 3;
  for (let n = 0; n < 5; n++) {
    const sp = line.indexOf(' ', i);
    if (sp < 0) return 'truncated RFC 5424 header';
    parts.push(line.slice(i, sp));
    i = sp + 1;
  }
  const [ts, host, , , msgid] = parts as [string, string, string, string, string];
  const sd = structuredData(line, i);
  if (!sd) return 'malformed RFC 5424 structured data';
  let text = line.slice(sd.end).replace(/^ ?\uFEFF?/, '');
  let tag = findTag(msgid);
  if (tag && tag.end === msgid.length) tag = { ...tag, end: 0 };
  else {
    tag = findTag(text);
    if (tag) text = text.slice(tag.end);
  }
  return {
    msgid,
    timestamp: isoTimestamp(ts) ?? undefined,
    host: host === '-' ? undefined : host,
    clock: 'zoned',
    tag,
    fields: sd.fields,
    text: text.replace(/^:?\s*/, ''),
  };
}

function readHeader(line: string, receivedAt: Date): Header | string {
  if (line.startsWith('<') && /^<\d{1,3}>1 /.test(line.slice(0, 7))) return read5424(line);
  const h = splitSyslogHeader(line, receivedAt);
  const tag = findTag(h.message);
  let text = tag ? h.message.slice(tag.end) : h.message;
  let fields: Fields | undefined;
  const sdAt = text.indexOf('[junos@');
  if (sdAt >= 0 && sdAt < 3) {
    const sd = structuredData(text, sdAt);
    if (!sd) return 'malformed junos@ structured data';
    fields = sd.fields;
    text = text.slice(sd.end);
  }
  const zoned = h.timestamp !== undefined && !/^(<\d{1,3}>)?[A-Z][a-z]{2} /.test(line);
  return {
    timestamp: h.timestamp,
    host: h.hostname,
    clock: h.timestamp ? (zoned ? 'zoned' : 'bsd') : undefined,
    tag,
    fields,
    text: text.replace(/^:?\s*/, ''),
  };
}

// ---------------------------------------------------------------------------------------
// Text forms

/** "ip/port->ip/port" (or with ':' ports for IDP NAT) into the address and port keys, the NAT ones with `nat`. */
function tuple(text: string, into: Fields, nat: boolean, sep = '/'): boolean {
  const arrow = text.indexOf('->');
  if (arrow < 0) return false;
  const a = text.slice(0, arrow);
  const b = text.slice(arrow + 2);
  const ai = a.lastIndexOf(sep);
  const bi = b.lastIndexOf(sep);
  if (ai < 0 || bi < 0) return false;
  const { source, destination } = SIDE;
  into[nat ? source.natAddress : source.address] = a.slice(0, ai);
  into[nat ? source.natPort : source.port] = a.slice(ai + 1);
  into[nat ? destination.natAddress : destination.address] = b.slice(0, bi);
  into[nat ? destination.natPort : destination.port] = b.slice(bi + 1);
  return true;
}

function flowText(kind: 'create' | 'close' | 'deny', text: string): Fields | string {
  const f = noFields();
  let body: string;
  if (kind === 'create') {
    if (!text.startsWith('session created '))
      return 'RT_FLOW_SESSION_CREATE text does not start with "session created"';
    body = text.slice(16);
  } else if (kind === 'deny') {
    if (!text.startsWith('session denied '))
      return 'RT_FLOW_SESSION_DENY text does not start with "session denied"';
    body = text.slice(15);
  } else {
    if (!text.startsWith('session closed '))
      return 'RT_FLOW_SESSION_CLOSE text does not start with "session closed"';
    const colon = text.indexOf(': ', 15);
    if (colon < 0) return 'RT_FLOW_SESSION_CLOSE text has no "<reason>: "';
    f['reason'] = text.slice(15, colon);
    body = text.slice(colon + 2);
  }
  const t: string[] = [];
  for (const word of body.split(' ')) if (word !== '') t.push(word);
  let k = 0;
  if (!tuple(t[k++] ?? '', f, false)) return `${kind}: no source->destination address pair`;
  if (t[k]?.startsWith('0x')) k++;
  f['service-name'] = t[k++] ?? '';
  if (kind === 'deny') {
    const proto = t[k++] ?? '';
    const open = proto.indexOf('(');
    f['protocol-id'] = open < 0 ? proto : proto.slice(0, open);
    f['policy-name'] = t[k] ?? '';
    f['source-zone-name'] = t[k + 1] ?? '';
    f['destination-zone-name'] = t[k + 2] ?? '';
    k += 3;
    f['application'] = t[k] ?? '';
    const userAt = t.findIndex((x, i) => i > k && x.includes('('));
    if (userAt > 0) {
      f['username'] = t[userAt]!.slice(0, t[userAt]!.indexOf('('));
      f['packet-incoming-interface'] = t[userAt + 1] ?? '';
      // encrypted, then the reason words up to the numeric session id
      const reason: string[] = [];
      for (let i = userAt + 3; i < t.length && !DIGITS.test(t[i]!); i++) reason.push(t[i]!);
      if (reason.length > 0) f['reason'] = reason.join(' ');
    }
    return f;
  }
  if (!tuple(t[k++] ?? '', f, true)) return `${kind}: no NAT address pair`;
  if (t[k]?.startsWith('0x')) k++;
  // NAT rule types and names (one to six words) precede the protocol id; find the protocol id
  // as the number that is followed by policy, two zones and a numeric session id.
  let p = -1;
  for (let i = k; i < t.length - 4 && i <= k + 6; i++) {
    if (DIGITS.test(t[i]!) && Number(t[i]) <= 255 && DIGITS.test(t[i + 4]!)) {
      if (kind === 'close' && !/^\d+\(\d+\)$/.test(t[i + 5] ?? '')) continue;
      p = i;
      break;
    }
  }
  if (p < 0) return `${kind}: cannot find the protocol id, policy, zones and session id`;
  f['protocol-id'] = t[p]!;
  f['policy-name'] = t[p + 1]!;
  f['source-zone-name'] = t[p + 2]!;
  f['destination-zone-name'] = t[p + 3]!;
  f['session-id-32'] = t[p + 4]!;
  let q = p + 5;
  if (kind === 'close') {
    const client = /^(\d+)\((\d+)\)$/.exec(t[q++] ?? '');
    if (client) {
      f['packets-from-client'] = client[1]!;
      f['bytes-from-client'] = client[2]!;
    }
    const server = /^(\d+)\((\d+)\)$/.exec(t[q++] ?? '');
    if (server) {
      f['packets-from-server'] = server[1]!;
      f['bytes-from-server'] = server[2]!;
    }
    f['elapsed-time'] = t[q++] ?? '';
    f['application'] = t[q] ?? '';
    q += 2;
  }
  const user = t[q];
  if (user?.includes('(')) {
    f['username'] = user.slice(0, user.indexOf('('));
    f['packet-incoming-interface'] = t[q + 1] ?? '';
    if (kind === 'create') f['application'] = t[q + 2] ?? '';
  }
  return f;
}

function between(s: string, start: string, end: string): string | undefined {
  const a = s.indexOf(start);
  if (a < 0) return undefined;
  const b = s.indexOf(end, a + start.length);
  return b < 0 ? undefined : s.slice(a + start.length, b);
}

function idpText(text: string): Fields | string {
  if (!text.startsWith('IDP: ')) return 'IDP attack log text does not start with "IDP:"';
  const f = noFields();
  const epoch = between(text, 'at ', ',');
  if (epoch) f['epoch-time'] = epoch;
  const type = between(text, ', ', ' Attack log');
  if (type) f['message-type'] = type;
  const pair = between(text, '<', '> for ');
  if (!pair || !tuple(pair, f, false)) return 'IDP attack log has no <source->destination>';
  const proto = between(text, '> for ', ' protocol');
  if (proto) f['protocol-name'] = proto;
  const app = between(text, ' application ', ' by rule ');
  if (app) f['application-name'] = app;
  const rule = between(text, ' by rule ', ' of rulebase ');
  if (rule) f['rule-name'] = rule;
  const policy = between(text, ' in policy ', '. attack: ');
  if (policy) f['policy-name'] = policy;
  const attackAt = text.indexOf('. attack: ');
  if (attackAt < 0) return 'IDP attack log has no "attack:" part';
  const IDP_KEYS: Record<string, Key> = {
    id: 'attack-id',
    repeat: 'repeat-count',
    action: 'action',
    'threat-severity': 'threat-severity',
    name: 'attack-name',
    'time-elapsed': 'elapsed-time',
    inbytes: 'inbound-bytes',
    outbytes: 'outbound-bytes',
    inpackets: 'inbound-packets',
    outpackets: 'outbound-packets',
    username: 'username',
  };
  for (const item of text.slice(attackAt + 10).split(', ')) {
    if (item.startsWith('NAT <')) {
      tuple(item.slice(5, item.lastIndexOf('>')), f, true, ':');
    } else if (item.startsWith('intf:')) {
      // intf:<src zone>:<src if>-><dst zone>:<dst if>
      const [a = '', b = ''] = item.slice(5).split('->');
      const ac = a.indexOf(':');
      const bc = b.indexOf(':');
      if (ac > 0) [f['source-zone-name'], f['source-interface-name']] = [a.slice(0, ac), a.slice(ac + 1)];
      if (bc > 0)
        [f['destination-zone-name'], f['destination-interface-name']] = [b.slice(0, bc), b.slice(bc + 1)];
    } else {
      const eq = item.indexOf('=');
      const name = eq > 0 ? item.slice(0, eq) : '';
      const key = Object.hasOwn(IDP_KEYS, name) ? IDP_KEYS[name] : undefined;
      if (key) f[key] = item.slice(eq + 1);
    }
  }
  if (!f['attack-name']) return 'IDP attack log has no attack name';
  return f;
}

// ---------------------------------------------------------------------------------------
// ECS

type Endpoint = NonNullable<EcsEvent['source']>;

/** The field names of each side, written out once rather than built per line. */
const SIDE = {
  source: {
    address: 'source-address',
    port: 'source-port',
    natAddress: 'nat-source-address',
    natPort: 'nat-source-port',
    zone: 'source-zone-name',
  },
  destination: {
    address: 'destination-address',
    port: 'destination-port',
    natAddress: 'nat-destination-address',
    natPort: 'nat-destination-port',
    zone: 'destination-zone-name',
  },
} as const;

function endpoint(f: Fields, side: 'source' | 'destination', ports: boolean): Endpoint | string {
  const keys = SIDE[side];
  const ip = f[keys.address];
  if (!isIp(ip)) return `${side}-address is not an IP address`;
  const port = ports ? toPort(f[keys.port]) : undefined;
  const natIp = f[keys.natAddress];
  const natPort = ports ? toPort(f[keys.natPort]) : undefined;
  const natted =
    isIp(natIp) &&
    natIp !== '0.0.0.0' &&
    natIp !== '::' &&
    (natIp !== ip || (natPort !== undefined && natPort !== port));
  const zone = value(f[keys.zone]);
  return {
    ip,
    port,
    nat: natted ? { ip: natIp, port: natPort } : undefined,
    zone: zone?.slice(0, 128),
  };
}

const count = (f: Fields, key: Key) => toCount(f[key]);
const sum = (a: number | undefined, b: number | undefined) =>
  a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
const seconds = (v: string | undefined) => {
  const n = toCount(v);
  return n === undefined ? undefined : toCount(n * 1_000_000_000);
};

export const juniperSrxParser: Parser = {
  name: 'juniper-srx',
  description:
    'Juniper SRX RT_FLOW session create/close/deny and IDP attack logs (structured or text syslog)',
  sniff: (line) => line.includes(FLOW_TAG) || line.includes(IDP_TAG),
  parse(line, ctx): ParseResult {
    if (isBlank(line)) return fail('empty', 'empty line');
    const header = readHeader(line, ctx.receivedAt);
    if (typeof header === 'string') return fail('syntax', header);
    const tag = header.tag;
    if (!tag) {
      return header.fields && header.msgid
        ? fail('unsupported', `Junos message ${header.msgid.slice(0, 64)} is not supported`)
        : fail('syntax', 'not a Juniper SRX RT_FLOW session or IDP attack log: no message tag');
    }
    if (!tag.kind) return fail('unsupported', `Junos message ${tag.name.slice(0, 64)} is not supported`);
    const kind = tag.kind;
    let f = header.fields;
    if (!f) {
      const parsed = kind === 'idp' ? idpText(header.text ?? '') : flowText(kind, header.text ?? '');
      if (typeof parsed === 'string') return fail('syntax', parsed);
      f = parsed;
    }

    let transport: string | undefined;
    let iana: string | undefined;
    if (kind === 'idp') {
      const name = value(f['protocol-name']);
      transport = name ? transportName(name).slice(0, 32) : undefined;
      iana = transport ? ianaNumber(transport) : undefined;
    } else {
      const id = f['protocol-id'];
      if (id !== undefined && DIGITS.test(id) && Number(id) <= 255) {
        iana = id;
        const named = transportName(id);
        transport = DIGITS.test(named) ? undefined : named;
      }
    }
    const ports = iana !== '1' && iana !== '58';
    const source = endpoint(f, 'source', ports);
    const destination = endpoint(f, 'destination', ports);
    if (typeof source === 'string') return fail('syntax', source);
    if (typeof destination === 'string') return fail('syntax', destination);
    const user = value(f['username']);
    if (user) source.user = { name: user.slice(0, 255) };

    let timestamp = header.timestamp;
    if (kind === 'idp' && header.clock !== 'zoned') {
      const epoch = toCount(f['epoch-time']);
      if (epoch !== undefined && epoch < 32503680000) timestamp = new Date(epoch * 1000);
    }
    const host = header.host?.slice(0, 255);

    let eventFields: Omit<EcsEvent['event'], 'id'>;
    let network: EcsEvent['network'];
    let rule: EcsEvent['rule'];
    let ingress = value(f['packet-incoming-interface']);
    let egress = value(f['destination-interface-name']);
    if (kind === 'idp') {
      const rawAction = f['action']?.trim();
      const action = rawAction && rawAction !== '-' ? rawAction.toLowerCase() : undefined;
      const level = (f['threat-severity'] ?? '').toUpperCase();
      const severity = Object.hasOwn(IDP_SEVERITY, level) ? IDP_SEVERITY[level] : undefined;
      const type: EcsEvent['event']['type'] = !action
        ? ['info']
        : IDP_ALLOWED.has(action)
          ? ['allowed']
          : action.startsWith('drop') || action.startsWith('close')
            ? ['denied']
            : ['info'];
      eventFields = {
        kind: 'alert',
        category: ['network', 'intrusion_detection'],
        type,
        action: action?.slice(0, 128),
        severity,
        duration: seconds(f['elapsed-time']),
        dataset: 'juniper_srx.idp',
        module: 'juniper_srx',
      };
      network = {
        transport,
        iana_number: iana,
        application: value(f['application-name'])?.toLowerCase().slice(0, 128),
        bytes: sum(count(f, 'inbound-bytes'), count(f, 'outbound-bytes')),
        packets: sum(count(f, 'inbound-packets'), count(f, 'outbound-packets')),
      };
      rule = { id: value(f['attack-id'])?.slice(0, 128), name: f['attack-name']?.slice(0, 512) };
      ingress = value(f['source-interface-name']);
    } else {
      source.bytes = count(f, 'bytes-from-client');
      source.packets = count(f, 'packets-from-client');
      destination.bytes = count(f, 'bytes-from-server');
      destination.packets = count(f, 'packets-from-server');
      eventFields = {
        kind: 'event',
        category: ['network'],
        type:
          kind === 'create' ? ['connection', 'start'] : kind === 'close' ? ['connection', 'end'] : ['denied'],
        action: kind,
        outcome: kind === 'create' ? 'success' : kind === 'deny' ? 'failure' : undefined,
        reason: value(f['reason'])?.slice(0, 1024),
        duration: kind === 'close' ? seconds(f['elapsed-time']) : undefined,
        dataset: 'juniper_srx.flow',
        module: 'juniper_srx',
      };
      network = {
        transport,
        iana_number: iana,
        application: value(f['application'])?.toLowerCase().slice(0, 128),
        bytes: sum(source.bytes, destination.bytes),
        packets: sum(source.packets, destination.packets),
      };
      const policy = value(f['policy-name']);
      rule = policy ? { name: policy.slice(0, 512) } : undefined;
    }
    ingress = ingress?.slice(0, 64);
    egress = egress?.slice(0, 64);

    const event = baseEvent(ctx, timestamp ?? ctx.receivedAt, line, host ?? '', eventFields);
    return {
      ok: true,
      event: {
        ...event,
        observer: {
          vendor: 'Juniper',
          product: 'SRX',
          type: 'firewall',
          name: host,
          hostname: host,
          ingress: ingress ? { interface: { name: ingress } } : undefined,
          egress: egress ? { interface: { name: egress } } : undefined,
        },
        source,
        destination,
        network,
        rule,
      },
    };
  },
};
