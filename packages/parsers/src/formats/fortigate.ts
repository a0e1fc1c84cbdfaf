// Fortinet FortiGate (FortiOS) syslog, key=value format: traffic, utm and event logs.
//
// Reference: FortiOS Log Message Reference (https://docs.fortinet.com/document/fortigate/7.4.0/fortios-log-message-reference),
// e.g. "13 - LOG_ID_TRAFFIC_END_FORWARD", "16384 - LOG_ID_IPS_SIG_DETECTION",
// "8192 - LOG_ID_INFECT_WARNING", "13056 - LOG_ID_WEB_URL_BLOCKED", "28704 - LOG_ID_APP_CTRL_IPS_PASS",
// "32001 - LOG_ID_ADMIN_LOGIN_SUCC", and "Log schema structure" / "Traffic log support for CEF".
//
// Grammar: [<PRI>][syslog header] key=value key="quoted value" ... — keys are
// [A-Za-z0-9_-]; a value is either unquoted (up to the next space) or double-quoted (may hold
// spaces; \" is a literal quote). The first occurrence of a key wins. The body starts at the
// first date=/logver=/devname=/logid= token; whatever precedes it is a syslog header.
// Common fields: date, time, tz ("+0100"), eventtime (epoch in s, ms, µs or ns by length),
// devname, devid, logid, type, subtype, level, vd, msg. Traffic: srcip, srcport, srcintf,
// srcmac, dstip, dstport, dstintf, proto (IANA number), service, action, policyid, policyname,
// duration (s), sentbyte, rcvdbyte, sentpkt, rcvdpkt, trandisp (snat/dnat/snat+dnat/noop),
// transip/transport (post-SNAT source), tranip/tranport (post-DNAT destination), app, user.
// UTM: ips (attack, attackid, severity, ref), anomaly (same fields), virus (virus, virusid,
// viruscat, filename, url, analyticscksum), webfilter (hostname, url, catdesc), app-ctrl (app,
// appcat), dns (qname, qtype, qclass, catdesc).
//
// Decisions:
//  - Time: eventtime (epoch, exact UTC) wins; else date+time shifted by tz; date+time
//    without tz is read as UTC; a line without any time gets ctx.receivedAt.
//  - Traffic: action deny → connection+denied/failure; accept → connection+allowed/success;
//    start (session-start logging) → connection+start+allowed; close, timeout, server-rst,
//    client-rst (session ended) → connection+end+allowed/success.
//    Interfaces go to observer.ingress/egress (FortiGate logs interfaces, not zones).
//    network.bytes/packets are not summed: FortiGate gives only the per-direction counts.
//  - IPS/anomaly/virus logs are alerts whose signature is the rule (attackid/attack,
//    virusid/virus); severity words map to event.severity info=1, low=2, medium=3, high=4,
//    critical=5. ref (the FortiGuard encyclopedia URL) has no ECS field here and is dropped.
//    webfilter/app-ctrl/dns logs are events that keep the firewall policy as the rule and
//    the FortiGuard/application category as rule.category.
//  - ICMP lines carry no ports (FortiOS writes 0 or the ICMP id there), so none are mapped.
//  - network.protocol comes from a predefined service name (HTTP, DNS, SSH, ...) only;
//    custom service names and "tcp/8080"-style services are not protocols.
//  - event logs: user → authentication (login → start, logout → end), system login/logout
//    likewise, vpn → network, anything else → host; status success/failed → outcome.
import type { EcsEvent } from '@soc/schema';
import {
  baseEvent,
  bounded,
  ecsMac,
  fieldTable,
  ianaNumber,
  interfaceOf,
  isBlank,
  isIp,
  isoTimestamp,
  natEndpoint,
  toCount,
  toPort,
  transportName,
} from '../common.ts';
import { syslogHeaderHost } from '../syslog-header.ts';
import { fail, type ParseResult, type Parser } from '../types.ts';

/** the keys this parser maps (Fields is typed by them, so reading any other key does not compile) */
const KEYS = [
  'action',
  'agent',
  'analyticscksum',
  'app',
  'appcat',
  'attack',
  'attackid',
  'catdesc',
  'date',
  'devid',
  'devname',
  'dstintf',
  'dstip',
  'dstmac',
  'dstport',
  'dtype',
  'duration',
  'eventtime',
  'filename',
  'hostname',
  'level',
  'logdesc',
  'logid',
  'msg',
  'policyid',
  'policyname',
  'proto',
  'qclass',
  'qname',
  'qtype',
  'rcvdbyte',
  'rcvdpkt',
  'reason',
  'referralurl',
  'sentbyte',
  'sentpkt',
  'service',
  'severity',
  'srcintf',
  'srcip',
  'srcmac',
  'srcport',
  'status',
  'subtype',
  'time',
  'trandisp',
  'tranip',
  'tranport',
  'transip',
  'transport',
  'type',
  'tz',
  'unauthuser',
  'url',
  'user',
  'virus',
  'viruscat',
  'virusid',
  'xid',
] as const;
const table = fieldTable(KEYS);
type Fields = ReturnType<typeof table.fields>;

const SEVERITY: Record<string, number> = {
  info: 1,
  information: 1,
  informational: 1,
  low: 2,
  medium: 3,
  high: 4,
  critical: 5,
};

const SERVICE_PROTOCOL: Record<string, string> = {
  HTTP: 'http',
  HTTPS: 'https',
  DNS: 'dns',
  SSH: 'ssh',
  TELNET: 'telnet',
  FTP: 'ftp',
  TFTP: 'tftp',
  SMTP: 'smtp',
  SMTPS: 'smtps',
  POP3: 'pop3',
  POP3S: 'pop3s',
  IMAP: 'imap',
  IMAPS: 'imaps',
  NTP: 'ntp',
  SNMP: 'snmp',
  LDAP: 'ldap',
  LDAP_UDP: 'ldap',
  KERBEROS: 'kerberos',
  SAMBA: 'smb',
  SMB: 'smb',
  RDP: 'rdp',
  SYSLOG: 'syslog',
  DHCP: 'dhcp',
  SIP: 'sip',
  BGP: 'bgp',
  MYSQL: 'mysql',
  'MS-SQL': 'tds',
  NNTP: 'nntp',
  IRC: 'irc',
  QUIC: 'quic',
};

const TRAFFIC_END = new Set(['close', 'timeout', 'server-rst', 'client-rst']);
const UTM_DENIED = new Set([
  'blocked',
  'block',
  'dropped',
  'drop',
  'deny',
  'reset',
  'reset-client',
  'reset-server',
  'clear_session',
  'quarantine',
  'rejected',
  'reject',
]);
const UTM_ALLOWED = new Set([
  'passthrough',
  'pass',
  'pass_session',
  'detected',
  'monitored',
  'monitor',
  'allow',
  'allowed',
  'accept',
  'exempt',
  'analytics',
  'redirect',
]);

const str = bounded;

export const fortigateParser: Parser = {
  name: 'fortigate',
  description:
    'Fortinet FortiGate (FortiOS) syslog key=value: traffic, utm (ips, virus, webfilter, app-ctrl, dns) and event logs',
  sniff: (line) => line.includes(' type=') && line.includes(' subtype=') && bodyStart(line) >= 0,
  parse(line, ctx): ParseResult {
    if (isBlank(line)) return fail('empty', 'empty line');
    const start = bodyStart(line);
    if (start < 0) return fail('syntax', 'not a FortiGate log: no date=/logid=/devname= key-value body');
    const f = readFields(line, start);
    const type = f.type?.toLowerCase();
    if (!type) return fail('syntax', 'FortiGate log without a type= field');
    if (!f.logid && !f.subtype) return fail('syntax', 'FortiGate log without logid= or subtype=');
    if (type !== 'traffic' && type !== 'utm' && type !== 'event')
      return fail(
        'unsupported',
        `FortiGate log type "${type.slice(0, 32)}" is not mapped (traffic, utm, event)`,
      );
    const timestamp = eventTime(f) ?? ctx.receivedAt;
    const subtype = (f.subtype ?? '').toLowerCase();
    const headerHost = syslogHost(line.slice(0, start));
    const devname = str(f.devname, 255);
    const action = str(f.action?.toLowerCase(), 128);

    const srcIp = isIp(f.srcip) ? f.srcip : undefined;
    const dstIp = isIp(f.dstip) ? f.dstip : undefined;
    const proto = f.proto;
    const protoNum =
      proto && /^\d{1,3}$/.test(proto) && Number(proto) <= 255 ? String(Number(proto)) : undefined;
    const transport = protoNum ? str(transportName(protoNum), 32) : undefined;
    // ICMP has no ports: FortiOS writes 0 (or the ICMP id/type) there
    const icmp = transport === 'icmp' || transport === 'ipv6-icmp';
    const srcPort = icmp ? undefined : toPort(f.srcport);
    const dstPort = icmp ? undefined : toPort(f.dstport);
    const trandisp = f.trandisp ?? '';
    const snat = trandisp.includes('snat')
      ? nat(f.transip, icmp ? undefined : f.transport, srcIp, srcPort)
      : undefined;
    const dnat = trandisp.includes('dnat')
      ? nat(f.tranip, icmp ? undefined : f.tranport, dstIp, dstPort)
      : undefined;
    const service = f.service;
    const appRaw = f.app;
    const userName = str(f.user || f.unauthuser, 255);

    const observer: NonNullable<EcsEvent['observer']> = {
      vendor: 'Fortinet',
      product: 'FortiGate',
      type: 'firewall',
      name: devname ?? headerHost,
      hostname: headerHost ?? devname,
      ingress: iface(f.srcintf),
      egress: iface(f.dstintf),
    };
    const source: NonNullable<EcsEvent['source']> = {
      ip: srcIp,
      port: srcPort,
      mac: mac(f.srcmac),
      nat: snat,
      user: userName && type !== 'event' ? { name: userName } : undefined,
    };
    const destination: NonNullable<EcsEvent['destination']> = {
      ip: dstIp,
      port: dstPort,
      mac: mac(f.dstmac),
      nat: dnat,
    };
    const network: NonNullable<EcsEvent['network']> = {
      transport,
      iana_number: transport && protoNum ? (ianaNumber(transport) ?? protoNum) : undefined,
      protocol: subtype === 'dns' ? 'dns' : service ? SERVICE_PROTOCOL[service.toUpperCase()] : undefined,
      application: str(appRaw?.toLowerCase(), 128),
    };
    const common = {
      log: f.level ? { level: str(f.level, 32) } : undefined,
      message: str(f.msg, 8192),
    };
    const key = f.devid ?? devname ?? headerHost ?? '';
    const policyRule = { id: str(f.policyid, 128), name: str(f.policyname, 512) };

    if (type === 'traffic') {
      let eventType: EcsEvent['event']['type'] = ['connection'];
      let outcome: EcsEvent['event']['outcome'];
      if (action === 'deny') {
        eventType = ['connection', 'denied'];
        outcome = 'failure';
      } else if (action === 'accept') {
        eventType = ['connection', 'allowed'];
        outcome = 'success';
      } else if (action === 'start') {
        eventType = ['connection', 'start', 'allowed'];
        outcome = 'success';
      } else if (action && TRAFFIC_END.has(action)) {
        eventType = ['connection', 'end', 'allowed'];
        outcome = 'success';
      }
      const duration = toCount(f.duration);
      source.bytes = toCount(f.sentbyte);
      source.packets = toCount(f.sentpkt);
      destination.bytes = toCount(f.rcvdbyte);
      destination.packets = toCount(f.rcvdpkt);
      const base = baseEvent(ctx, timestamp, line, key, {
        kind: 'event',
        category: ['network'],
        type: eventType,
        action,
        outcome,
        code: str(f.logid, 64),
        duration: duration !== undefined ? toCount(duration * 1e9) : undefined,
        dataset: 'fortigate.traffic',
        module: 'fortigate',
      });
      return {
        ok: true,
        event: { ...base, observer, source, destination, network, rule: policyRule, ...common },
      };
    }

    if (type === 'event') {
      let category: EcsEvent['event']['category'] = ['host'];
      let eventType: EcsEvent['event']['type'] = ['info'];
      const isLogin = action === 'login' || action === 'logout';
      if (subtype === 'user' || (subtype === 'system' && isLogin)) {
        category = ['authentication'];
        if (action === 'login') eventType = ['start'];
        else if (action === 'logout') eventType = ['end'];
      } else if (subtype === 'vpn') {
        category = ['network'];
      }
      const status = f.status?.toLowerCase();
      const outcome: EcsEvent['event']['outcome'] =
        status === 'success'
          ? 'success'
          : status === 'failed' || status === 'failure' || status === 'fail'
            ? 'failure'
            : undefined;
      const reason = f.reason;
      const base = baseEvent(ctx, timestamp, line, key, {
        kind: 'event',
        category,
        type: eventType,
        action,
        outcome,
        code: str(f.logid, 64),
        reason: reason && reason !== 'none' && reason !== 'N/A' ? str(reason, 1024) : undefined,
        dataset: 'fortigate.event',
        module: 'fortigate',
      });
      return {
        ok: true,
        event: {
          ...base,
          observer,
          source,
          destination,
          user: userName ? { name: userName } : undefined,
          ...common,
          message: common.message ?? str(f.logdesc, 8192),
        },
      };
    }

    // utm
    const denied = action !== undefined && UTM_DENIED.has(action);
    const allowed = action !== undefined && UTM_ALLOWED.has(action);
    const eventType: EcsEvent['event']['type'] = denied ? ['denied'] : allowed ? ['allowed'] : ['info'];
    const outcome: EcsEvent['event']['outcome'] = denied ? 'failure' : allowed ? 'success' : undefined;
    let kind: EcsEvent['event']['kind'] = 'event';
    let category: EcsEvent['event']['category'] = ['network'];
    let rule: EcsEvent['rule'] = policyRule;
    let severity: number | undefined;
    let file: EcsEvent['file'];
    let dns: EcsEvent['dns'];
    if (subtype === 'ips' || subtype === 'anomaly') {
      kind = 'alert';
      category = ['network', 'intrusion_detection'];
      rule = { id: str(f.attackid, 128), name: str(f.attack, 512) };
      severity = SEVERITY[f.severity?.toLowerCase() ?? ''];
    } else if (subtype === 'virus') {
      kind = 'alert';
      category = ['network', 'malware'];
      rule = {
        id: str(f.virusid, 128),
        name: str(f.virus, 512),
        category: str(f.viruscat || f.dtype, 256),
      };
      const sha = f.analyticscksum;
      file = {
        name: str(f.filename, 1024),
        hash: sha && /^[0-9a-fA-F]{64}$/.test(sha) ? { sha256: sha.toLowerCase() } : undefined,
      };
    } else if (subtype === 'webfilter') {
      category = ['network', 'web'];
      rule = { ...policyRule, category: str(f.catdesc, 256) };
    } else if (subtype === 'app-ctrl') {
      rule = { ...policyRule, category: str(f.appcat, 256) };
    } else if (subtype === 'dns') {
      rule = { ...policyRule, category: str(f.catdesc, 256) };
      dns = {
        id: str(f.xid, 16),
        type: 'query',
        question: {
          name: str(f.qname, 255),
          type: str(f.qtype, 16),
          class: str(f.qclass, 16),
        },
      };
    }
    const hostname = str(f.hostname, 255);
    const agent = str(f.agent, 2048);
    const referrer = str(f.referralurl, 8192);
    const base = baseEvent(ctx, timestamp, line, key, {
      kind,
      category,
      type: eventType,
      action,
      outcome,
      severity,
      code: str(f.logid, 64),
      dataset: 'fortigate.utm',
      module: 'fortigate',
    });
    destination.domain = hostname;
    return {
      ok: true,
      event: {
        ...base,
        observer,
        source,
        destination,
        network,
        rule,
        url: url(f.url, hostname),
        file,
        dns,
        http: referrer ? { request: { referrer } } : undefined,
        user_agent: agent ? { original: agent } : undefined,
        ...common,
      },
    };
  },
};

const BODY_KEYS = ['date=', 'logver=', 'devname=', 'logid=', 'itime='];

/** Index of the first key-value token of the body (after any syslog header), or -1. */
function bodyStart(line: string): number {
  let best = -1;
  for (const k of BODY_KEYS) {
    // once a key is found, only an earlier one matters: search no further than it
    const text = best < 0 ? line : line.slice(0, best + k.length - 1);
    let at = text.indexOf(k);
    // a key starts the line, or follows a space or the <PRI>
    while (at > 0 && line.charCodeAt(at - 1) !== 32 && line.charCodeAt(at - 1) !== 62)
      at = text.indexOf(k, at + 1);
    if (at >= 0 && (best < 0 || at < best)) best = at;
  }
  return best;
}

/**
 * Calls `pair` for each key=value / key="quoted value" from `from` on, with the positions
 * of the key and of the value (inside the quotes when quoted).
 */
function scanKv(
  text: string,
  from: number,
  pair: (keyAt: number, eq: number, start: number, end: number, quoted: boolean) => void,
): void {
  const n = text.length;
  let i = from;
  while (i < n) {
    while (i < n && text.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    // the key ends at the next "="; stray words before it are skipped
    const eq = text.indexOf('=', i);
    if (eq < 0) break;
    // the first space after the key, which also ends an unquoted value
    let space = text.indexOf(' ', i);
    let keyAt = i;
    while (space >= 0 && space < eq) {
      keyAt = space + 1;
      space = text.indexOf(' ', keyAt);
    }
    const quoted = text.charCodeAt(eq + 1) === 34;
    let start: number;
    let end: number;
    if (quoted) {
      start = eq + 2;
      let q = text.indexOf('"', start);
      while (q > 0 && text.charCodeAt(q - 1) === 92 && text.charCodeAt(q - 2) !== 92)
        q = text.indexOf('"', q + 1);
      end = q < 0 ? n : q;
      i = end + 1;
    } else {
      start = eq + 1;
      end = space < 0 ? n : space;
      i = end;
    }
    pair(keyAt, eq, start, end, quoted);
  }
}

function valueAt(text: string, start: number, end: number, quoted: boolean): string {
  const value = text.slice(start, end);
  return quoted && value.includes('\\') ? value.replaceAll('\\"', '"').replaceAll('\\\\', '\\') : value;
}

/** key=value / key="quoted value" pairs from `from` on; the first occurrence of a key wins. */
export function parseKv(text: string, from: number): Map<string, string> {
  const out = new Map<string, string>();
  scanKv(text, from, (keyAt, eq, start, end, quoted) => {
    const key = text.slice(keyAt, eq);
    if (key !== '' && !out.has(key)) out.set(key, valueAt(text, start, end, quoted));
  });
  return out;
}

/** parseKv for the keys this parser maps only, into an object of one shape for every line. */
function readFields(text: string, from: number): Fields {
  const slots = table.slots();
  scanKv(text, from, (keyAt, eq, start, end, quoted) => {
    const i = table.index(text, keyAt, eq);
    if (i >= 0 && slots[i] === undefined) slots[i] = valueAt(text, start, end, quoted);
  });
  return table.fields(slots);
}

/** The event time in UTC: eventtime, else date+time(+tz); null when the line has neither. */
function eventTime(f: Fields): Date | null {
  const et = f.eventtime;
  if (et && /^\d{9,19}$/.test(et)) {
    const len = et.length;
    const ms =
      len >= 17
        ? Number(et.slice(0, len - 6))
        : len >= 14
          ? Number(et.slice(0, len - 3))
          : len >= 11
            ? Number(et)
            : Number(et) * 1000;
    const d = new Date(ms);
    if (valid(d)) return d;
  }
  const date = f.date;
  const time = f.time;
  if (date && time && /^\d{4}-\d{2}-\d{2}$/.test(date) && /^\d{2}:\d{2}:\d{2}$/.test(time)) {
    const tz = f.tz;
    const zone = tz && /^[+-]\d{2}:?\d{2}$/.test(tz) ? tz : '';
    const d = isoTimestamp(`${date}T${time}${zone}`);
    if (d && valid(d)) return d;
  }
  return null;
}

function valid(d: Date): boolean {
  const t = d.getTime();
  return Number.isFinite(t) && t >= 0 && t < 253402300800000;
}

/** The host of a BSD or IETF syslog header before the body, if any. */
function syslogHost(header: string): string | undefined {
  let host = syslogHeaderHost(header.trim());
  if (host?.endsWith(':')) host = host.slice(0, -1);
  return host && host !== '-' ? str(host, 255) : undefined;
}

const nat = natEndpoint;

const iface = interfaceOf;

const mac = ecsMac;

/** url as FortiOS logs it: a full URL, or a path with the host in `hostname`. */
function url(raw: string | undefined, host: string | undefined): EcsEvent['url'] {
  if (!raw) return host ? { domain: host } : undefined;
  const scheme = raw.indexOf('://');
  let original = raw;
  let domain = host;
  let rest = raw;
  if (scheme > 0 && scheme < 10) {
    rest = raw.slice(scheme + 3);
    const slash = rest.search(/[/?#]/);
    const authority = slash < 0 ? rest : rest.slice(0, slash);
    rest = slash < 0 ? '' : rest.slice(slash);
    domain = authority.startsWith('[')
      ? authority.slice(1, Math.max(1, authority.indexOf(']')))
      : authority.split(':')[0];
  } else if (host && raw.startsWith('/')) {
    original = `${host}${raw}`;
  }
  const q = rest.indexOf('?');
  const pathPart = q >= 0 ? rest.slice(0, q) : rest;
  const hash = pathPart.indexOf('#');
  let query = q >= 0 ? rest.slice(q + 1) : undefined;
  if (query?.includes('#')) query = query.slice(0, query.indexOf('#'));
  return {
    original: str(original, 8192),
    domain: str(domain, 255),
    path: str(hash >= 0 ? pathPart.slice(0, hash) : pathPart, 8192),
    query: str(query, 8192),
  };
}
