// Check Point Log Exporter syslog (Security Gateway / Threat Prevention / audit logs).
//
// References: "Check Point Log Exporter" (sk122323 and the Log Exporter Administration Guide,
// https://sc1.checkpoint.com/documents/R81/WebAdminGuides/EN/CP_R81_LoggingAndMonitoring_AdminGuide/Topics-LMG/Log-Exporter-Appendix.htm)
// and "Description of Fields in Check Point Logs" (sk144192,
// https://support.checkpoint.com/results/sk/sk144192) with the Threat Prevention field list
// (https://sc1.checkpoint.com/documents/Best_Practices/CP_R80.20_Best_Practices_for_Threat_Prevention/Content/Topics/Log_Fields.htm).
//
// Grammar, three body shapes after an optional syslog header:
//  - "syslog" format: <PRI>1 TIMESTAMP HOST CheckPoint PROCID - [key:"value"; key:"value"; ...]
//    (values always quoted; \" \\ \] escape; a value may hold ";", "[", "]"; some keys are
//    written with a doubled colon, sys_message::"...")
//  - plain key="value" pairs separated by spaces, bare or inside an RFC 5424 SD element
//    ([Fields@1.3.6.1.4.1.2620 key="value" ...])
//  - "splunk" format: key=value|key=value| (\| \= escape)
// The first occurrence of a key wins (rule fields repeat once per policy layer; the first
// is the parent layer's rule).
// Fields used: time (epoch s, or ms), action, product (or ProductName), src, dst, proto
// (IANA number), s_port, service (destination port), service_id, xlatesrc, xlatedst,
// xlatesport, xlatedport, inzone, outzone, ifname+ifdir, conn_direction, rule_name,
// rule_uid, rule, originsicname, hostname, src_user_name, dst_user_name, src_machine_name,
// dst_machine_name, bytes, packets, client_inbound/outbound_bytes/packets, sent_bytes,
// received_bytes, elapsed, start_time, IPS: attack, attack_info, protection_name,
// protection_id, protection_type, severity, confidence_level; Anti-Bot/Anti-Virus/Threat
// Emulation: malware_action, malware_rule_id, protection_*, resource, http_host, method,
// user_agent, file_name, file_md5/sha1/sha256; audit: administrator, operation, audit_status.
//
// Decisions:
//  - Time: the body's "time" (epoch, UTC) wins, else the RFC 5424 header time (zone
//    honoured; a zoneless "YYYY-MM-DD hh:mm:ss" header is read as UTC), else ctx.receivedAt.
//  - Products: VPN-1 & FireWall-1/Firewall → network events (Accept → allowed; Drop,
//    Reject, Block → denied); SmartDefense/IPS → intrusion_detection alerts; Anti-Bot,
//    Anti Malware, Anti-Virus, Threat Emulation/Extraction → malware alerts (Prevent, Block,
//    Drop, Reject → denied; Detect, Accept, Inform → allowed); URL Filtering/Application
//    Control → network(/web) events; logs without src/dst are audit (administrator/operation)
//    or system events.
//  - event.severity keeps Check Point's numeric scale 0 Informational, 1 Low, 2 Medium,
//    3 High, 4 Critical; the same words in text form are mapped to those numbers.
//    confidence_level has no ECS field here and is not mapped.
//  - IPS: rule.id = protection_id, rule.name = protection_name (else attack_info/attack),
//    rule.category = attack. Malware blades: rule.id = protection_id (else malware_rule_id),
//    rule.name = protection_name, rule.category = malware_action (else protection_type).
//    Firewall: rule.id = rule_uid (else rule number), rule.name = rule_name.
//  - observer.name is the gateway object name (CN of originsicname), else the hostname
//    field or the syslog host; the syslog host itself (often the exporting management or
//    log server) is log.syslog.hostname.
//  - ifname goes to observer.ingress (ifdir inbound) or observer.egress (ifdir outbound);
//    inzone/outzone are source.zone/destination.zone; conn_direction (Incoming, Outgoing,
//    Internal, External) is network.direction. NAT 0.0.0.0 / port 0, or a translated
//    address equal to the original, mean "no translation".
//  - Byte/packet counters: the client side (client_inbound_* = sent by the source,
//    client_outbound_* = sent to it) else sent_bytes/received_bytes; bytes/packets totals
//    are network.bytes/packets; elapsed (s) is event.duration.
import type { EcsEvent } from '@soc/schema';
import {
  baseEvent,
  bounded,
  fieldTable,
  ianaNumber,
  isBlank,
  isIp,
  isoString,
  isoTimestamp,
  natEndpoint,
  toCount,
  toPort,
  transportName,
  userOf,
} from '../common.ts';
import { splitSyslogHeader } from '../syslog-header.ts';
import { fail, type ParseResult, type Parser } from '../types.ts';

/** the keys this parser maps (Fields is typed by them, so reading any other key does not compile) */
const KEYS = [
  'ProductName',
  'action',
  'additional_info',
  'administrator',
  'app_category',
  'appi_name',
  'attack',
  'attack_info',
  'audit_status',
  'bytes',
  'categories',
  'client_inbound_bytes',
  'client_inbound_packets',
  'client_outbound_bytes',
  'client_outbound_packets',
  'comment',
  'conn_direction',
  'description',
  'drop_reason',
  'dst',
  'dst_machine_name',
  'dst_user_name',
  'elapsed',
  'file_name',
  'hostname',
  'http_host',
  'ifdir',
  'ifname',
  'inzone',
  'loguid',
  'malware_action',
  'malware_family',
  'malware_rule_id',
  'matched_category',
  'method',
  'operation',
  'operation_results',
  'origin',
  'originsicname',
  'outzone',
  'packets',
  'product',
  'protection_id',
  'protection_name',
  'protection_type',
  'proto',
  'reason',
  'received_bytes',
  'resource',
  'rule',
  'rule_name',
  'rule_uid',
  's_port',
  'sent_bytes',
  'service',
  'service_id',
  'severity',
  'sport_svc',
  'src',
  'src_machine_name',
  'src_user_name',
  'start_time',
  'status',
  'subject',
  'svc',
  'sys_message',
  'tcp_packet_out_of_state',
  'time',
  'user',
  'user_agent',
  'verdict',
  'xlatedport',
  'xlatedport_svc',
  'xlatedst',
  'xlatesport',
  'xlatesport_svc',
  'xlatesrc',
  'file_md5',
  'file_sha1',
  'file_sha256',
] as const;
const table = fieldTable(KEYS);
type Fields = ReturnType<typeof table.fields>;

type Blade =
  | 'firewall'
  | 'ips'
  | 'anti_bot'
  | 'anti_malware'
  | 'anti_virus'
  | 'threat_emulation'
  | 'threat_extraction'
  | 'url_filtering'
  | 'application_control';

const BLADES: Record<string, Blade> = {
  'vpn-1 & firewall-1': 'firewall',
  'vpn-1': 'firewall',
  'firewall-1': 'firewall',
  firewall: 'firewall',
  smartdefense: 'ips',
  ips: 'ips',
  'anti-bot': 'anti_bot',
  'anti bot': 'anti_bot',
  'anti malware': 'anti_malware',
  'anti-malware': 'anti_malware',
  'anti-virus': 'anti_virus',
  'anti virus': 'anti_virus',
  'new anti virus': 'anti_virus',
  'threat emulation': 'threat_emulation',
  'threat extraction': 'threat_extraction',
  'url filtering': 'url_filtering',
  'application control': 'application_control',
};

const MALWARE_BLADES = new Set<Blade>([
  'anti_bot',
  'anti_malware',
  'anti_virus',
  'threat_emulation',
  'threat_extraction',
]);

const DENIED = new Set(['drop', 'reject', 'block', 'prevent', 'deny', 'blocked', 'dropped', 'rejected']);
const ALLOWED = new Set(['accept', 'allow', 'detect', 'inform', 'ask', 'bypass', 'redirect', 'allowed']);

const SEVERITY: Record<string, number> = {
  informational: 0,
  info: 0,
  low: 1,
  medium: 2,
  high: 3,
  critical: 4,
};

const DIRECTION: Record<string, 'inbound' | 'outbound' | 'internal' | 'external'> = {
  incoming: 'inbound',
  inbound: 'inbound',
  outgoing: 'outbound',
  outbound: 'outbound',
  internal: 'internal',
  external: 'external',
};

const SERVICE_PROTOCOL: Record<string, string> = {
  http: 'http',
  https: 'https',
  'domain-udp': 'dns',
  'domain-tcp': 'dns',
  dns: 'dns',
  ssh: 'ssh',
  telnet: 'telnet',
  ftp: 'ftp',
  smtp: 'smtp',
  smtps: 'smtps',
  pop3: 'pop3',
  imap: 'imap',
  imaps: 'imaps',
  ntp: 'ntp',
  'ntp-udp': 'ntp',
  'ntp-tcp': 'ntp',
  snmp: 'snmp',
  ldap: 'ldap',
  ldaps: 'ldaps',
  kerberos: 'kerberos',
  'kerberos-udp': 'kerberos',
  'microsoft-ds': 'smb',
  remote_desktop_protocol: 'rdp',
  syslog: 'syslog',
  bootp: 'dhcp',
  'dhcp-request': 'dhcp',
  sip: 'sip',
  bgp: 'bgp',
};

const str = bounded;

/** file hash fields: key, ECS hash name, length in hex digits */
const FILE_HASHES = [
  ['file_md5', 'md5', 32],
  ['file_sha1', 'sha1', 40],
  ['file_sha256', 'sha256', 64],
] as const;

export const checkpointParser: Parser = {
  name: 'checkpoint',
  description:
    'Check Point Log Exporter syslog ([key:"value"; ...] in RFC 5424, key="value" and key=value| variants)',
  sniff: (line) =>
    (line.includes('CheckPoint') || line.includes('product') || line.includes('ProductName')) &&
    (line.includes('loguid') ||
      line.includes('origin:"') ||
      line.includes('origin=') ||
      line.includes('ProductName=') ||
      line.includes('product:"')),
  parse(line, ctx): ParseResult {
    if (isBlank(line)) return fail('empty', 'empty line');
    const header = readHeader(line, ctx.receivedAt);
    const f = readFields(line, header.bodyAt);
    if (!f) return fail('syntax', 'not a Check Point log: no key:"value", key="value" or key=value| pairs');
    const product = f.product ?? f.ProductName;
    if (
      product === undefined &&
      f.loguid === undefined &&
      f.origin === undefined &&
      f.originsicname === undefined
    )
      return fail('syntax', 'not a Check Point log: none of product, loguid, origin, originsicname');

    const timestamp = epoch(f.time) ?? header.timestamp ?? ctx.receivedAt;
    const src = isIp(f.src) ? f.src : undefined;
    const dst = isIp(f.dst) ? f.dst : undefined;
    const productKey = product?.toLowerCase() ?? '';
    let blade: Blade | undefined = BLADES[productKey];
    if (!blade && (src || dst)) blade = productKey === '' ? 'firewall' : undefined;
    const action = str(f.action?.toLowerCase(), 128);
    const observerName = str(cn(f.originsicname) ?? f.hostname ?? header.host, 255);
    const observer: NonNullable<EcsEvent['observer']> = {
      vendor: 'Check Point',
      product: str(product, 128),
      type: 'firewall',
      name: observerName,
    };
    const ifname = f.ifname === 'daemon' ? undefined : str(f.ifname, 64); // "daemon": the gateway itself
    const ifdir = f.ifdir?.toLowerCase();
    if (ifname && ifdir === 'inbound') observer.ingress = { interface: { name: ifname } };
    else if (ifname && ifdir === 'outbound') observer.egress = { interface: { name: ifname } };
    const log: EcsEvent['log'] =
      header.host || header.app
        ? { syslog: { hostname: str(header.host, 255), appname: str(header.app, 128) } }
        : undefined;
    const key = f.origin ?? observerName ?? '';
    const message = str(f.description ?? f.sys_message ?? f.additional_info, 8192);

    if (!src && !dst) {
      // audit (management) or system log
      const admin = str(f.administrator, 255);
      const operation = f.operation;
      let category: EcsEvent['event']['category'] = ['host'];
      let type: EcsEvent['event']['type'] = ['info'];
      if (admin || operation) {
        const op = operation?.toLowerCase().replaceAll(' ', '') ?? '';
        category = op === 'login' || op === 'logout' ? ['authentication'] : ['configuration'];
        if (op === 'login') type = ['start'];
        else if (op === 'logout') type = ['end'];
      }
      const status = (f.audit_status ?? f.operation_results ?? f.status)?.toLowerCase();
      const outcome: EcsEvent['event']['outcome'] =
        status === 'success' || status === 'succeeded'
          ? 'success'
          : status === 'failure' || status === 'failed'
            ? 'failure'
            : undefined;
      const base = baseEvent(ctx, timestamp, line, key, {
        kind: 'event',
        category,
        type,
        action: str(operation?.toLowerCase() ?? action, 128),
        outcome,
        severity: severity(f.severity),
        dataset: admin || operation ? 'checkpoint.audit' : 'checkpoint.system',
        module: 'checkpoint',
      });
      return {
        ok: true,
        event: {
          ...base,
          // audit logs come from the management server, not a gateway
          observer: admin || operation ? { ...observer, type: undefined } : observer,
          user: admin ? { name: admin } : undefined,
          message: message ?? str(f.subject ?? f.comment, 8192),
          log,
        },
      };
    }

    const denied = action !== undefined && DENIED.has(action);
    const allowed = action !== undefined && ALLOWED.has(action);
    const verdict: EcsEvent['event']['type'] = denied ? ['denied'] : allowed ? ['allowed'] : [];
    const outcome: EcsEvent['event']['outcome'] = denied ? 'failure' : allowed ? 'success' : undefined;
    let kind: EcsEvent['event']['kind'] = 'event';
    let category: EcsEvent['event']['category'] = ['network'];
    let type: EcsEvent['event']['type'] = ['connection', ...verdict];
    let rule: EcsEvent['rule'] = {
      id: str(f.rule_uid ?? f.rule, 128),
      name: str(f.rule_name, 512),
    };
    if (blade === 'ips') {
      kind = 'alert';
      category = ['network', 'intrusion_detection'];
      type = verdict.length ? verdict : ['info'];
      rule = {
        id: str(f.protection_id, 128),
        name: str(f.protection_name ?? f.attack_info ?? f.attack, 512),
        category: str(f.attack ?? f.protection_type, 256),
      };
    } else if (blade && MALWARE_BLADES.has(blade)) {
      const benign = f.verdict?.toLowerCase() === 'benign';
      kind = benign ? 'event' : 'alert';
      category = ['network', 'malware'];
      type = verdict.length ? verdict : ['info'];
      rule = {
        id: str(f.protection_id ?? f.malware_rule_id, 128),
        name: str(f.protection_name ?? f.malware_family, 512),
        category: str(f.malware_action ?? f.protection_type, 256),
      };
    } else if (blade === 'url_filtering') {
      category = ['network', 'web'];
      rule.category = str(f.matched_category ?? f.app_category ?? f.categories, 256);
    } else if (blade === 'application_control') {
      rule.category = str(f.app_category ?? f.matched_category, 256);
    }

    const proto = f.proto;
    const protoNum =
      proto && /^\d{1,3}$/.test(proto) && Number(proto) <= 255 ? String(Number(proto)) : undefined;
    const transport = protoNum ? str(transportName(protoNum), 32) : undefined;
    const srcPort = toPort(f.s_port ?? f.sport_svc);
    const dstPort = toPort(f.service ?? f.svc);
    const serviceId = f.service_id?.toLowerCase();
    const app = f.appi_name;
    const direction = DIRECTION[f.conn_direction?.toLowerCase() ?? ''];
    const elapsed = toCount(f.elapsed);
    const start = epoch(f.start_time);
    const base = baseEvent(ctx, timestamp, line, key, {
      kind,
      category,
      type,
      action,
      outcome,
      severity: severity(f.severity),
      reason: str(f.drop_reason ?? f.tcp_packet_out_of_state ?? f.reason, 1024),
      duration: elapsed !== undefined ? toCount(elapsed * 1e9) : undefined,
      start: start ? isoString(start) : undefined,
      dataset: `checkpoint.${blade ?? 'log'}`,
      module: 'checkpoint',
    });
    const resource = f.resource;
    const host = f.http_host;
    const ua = f.user_agent;
    const method = f.method;
    const hashes: Record<string, string> = {};
    for (const [field, algo, len] of FILE_HASHES) {
      const h = f[field];
      if (h && h.length === len && /^[0-9a-fA-F]+$/.test(h)) hashes[algo] = h.toLowerCase();
    }
    const fileName = str(f.file_name, 1024);
    return {
      ok: true,
      event: {
        ...base,
        observer,
        source: {
          ip: src,
          port: srcPort,
          bytes: toCount(f.client_inbound_bytes ?? f.sent_bytes),
          packets: toCount(f.client_inbound_packets),
          nat: nat(f.xlatesrc, f.xlatesport ?? f.xlatesport_svc, src, srcPort),
          zone: str(f.inzone, 128),
          user: userName(f.src_user_name ?? f.user),
          domain: str(f.src_machine_name, 255),
        },
        destination: {
          ip: dst,
          port: dstPort,
          bytes: toCount(f.client_outbound_bytes ?? f.received_bytes),
          packets: toCount(f.client_outbound_packets),
          nat: nat(f.xlatedst, f.xlatedport ?? f.xlatedport_svc, dst, dstPort),
          zone: str(f.outzone, 128),
          user: userName(f.dst_user_name),
          domain: str(f.dst_machine_name, 255),
        },
        network: {
          transport,
          iana_number: transport && protoNum ? (ianaNumber(transport) ?? protoNum) : undefined,
          protocol: serviceId ? SERVICE_PROTOCOL[serviceId] : undefined,
          application: str(app?.toLowerCase(), 128),
          direction,
          bytes: toCount(f.bytes),
          packets: toCount(f.packets),
        },
        rule,
        url: resource ? splitUrl(resource) : host ? { domain: str(host, 255) } : undefined,
        http: method ? { request: { method: str(method, 16) } } : undefined,
        user_agent: ua ? { original: str(ua, 2048) } : undefined,
        file: fileName || Object.keys(hashes).length ? { name: fileName, hash: hashes } : undefined,
        message,
        log,
      },
    };
  },
};

interface Header {
  timestamp?: Date;
  host?: string;
  app?: string;
  /** where the body starts in the line (it runs to the end) */
  bodyAt: number;
}

/** Splits off the syslog header. Check Point's RFC 5424 form is read by hand (its SD is not RFC-conformant). */
function readHeader(line: string, receivedAt: Date): Header {
  if (line.charCodeAt(0) === 60) {
    const gt = line.indexOf('>');
    if (gt > 0 && gt <= 4 && line.charCodeAt(gt + 1) === 49 && line.charCodeAt(gt + 2) === 32) {
      // <PRI>1 TIMESTAMP [TIME] HOST APP PROCID MSGID BODY
      const tokens: string[] = [];
      let i = gt + 3;
      while (tokens.length < 5 && i < line.length) {
        const sp = line.indexOf(' ', i);
        const end = sp < 0 ? line.length : sp;
        tokens.push(line.slice(i, end));
        i = end + 1;
        if (tokens.length === 1 && /^\d{4}-\d{2}-\d{2}$/.test(tokens[0]!)) {
          // "2018-03-21 17:25:25": date and time written apart
          const sp2 = line.indexOf(' ', i);
          const end2 = sp2 < 0 ? line.length : sp2;
          tokens[0] = `${tokens[0]}T${line.slice(i, end2)}`;
          i = end2 + 1;
        }
      }
      if (tokens.length === 5) {
        const nil = (v: string | undefined) => (v === '-' ? undefined : v);
        return {
          timestamp: timestampOf(tokens[0]!),
          host: nil(tokens[1]),
          app: nil(tokens[2]),
          bodyAt: Math.min(i, line.length),
        };
      }
    }
  }
  const h = splitSyslogHeader(line, receivedAt);
  // the message is the end of the line
  const bodyAt = line.length - h.message.length;
  if (bodyAt > 0) return { timestamp: h.timestamp, host: h.hostname, app: h.app, bodyAt };
  return { bodyAt: 0 };
}

function timestampOf(text: string): Date | undefined {
  const d = isoTimestamp(text);
  return d && valid(d) ? d : undefined;
}

/**
 * Calls `pair` for each key/value of the body, in any of the three shapes, with the text
 * it read them from and the positions there of the key and of the value (inside the quotes
 * when quoted); returns how many pairs there were. The body is `line` from `bodyAt` on:
 * the pairs are read in `line` itself, between offsets, since a string search in a slice
 * of a string is slower than in the string.
 */
function scanFields(
  line: string,
  bodyAt: number,
  pair: (text: string, keyAt: number, keyEnd: number, start: number, stop: number) => void,
): number {
  // the body without blanks, a "- " and brackets around it is line[from, n): the slices
  // below find those bounds, and the scan then reads `line`
  const body = bodyAt === 0 ? line : line.slice(bodyAt);
  let from = bodyAt + body.length - body.trimStart().length;
  let text = body.trim();
  if (text.startsWith('- ')) {
    const rest = text.slice(2);
    from += 2 + rest.length - rest.trimStart().length;
    text = rest.trimStart();
  }
  if (text.charCodeAt(0) !== 91) {
    // an unrecognised header in front of a bracketed body: "... CheckPoint 1234 - [key:"v"; ...]"
    const firstSpace = text.indexOf(' ');
    const firstWord = firstSpace < 0 ? text : text.slice(0, firstSpace);
    const br = text.indexOf(' [');
    if (br >= 0 && text.endsWith(']') && !firstWord.includes(':') && !firstWord.includes('=')) {
      text = text.slice(br + 1);
      from += br + 1;
    }
  }
  if (text.charCodeAt(0) === 91) {
    text = text.slice(1, text.endsWith(']') ? -1 : undefined);
    from += 1;
    // an RFC 5424 SD-ID ("Fields@1.3.6.1.4.1.2620") before the pairs
    const sp = text.indexOf(' ');
    const at = text.indexOf('@');
    if (at >= 0 && sp > at && !text.slice(0, sp).includes('=') && !text.slice(0, sp).includes(':"')) {
      text = text.slice(sp + 1);
      from += sp + 1;
    }
  }
  const n = from + text.length;
  const endsWithPipe = line.charCodeAt(n - 1) === 124;
  text = line;
  let pairs = 0;
  let pipeMode: boolean | undefined;
  let i = from;
  while (i < n) {
    let c = text.charCodeAt(i);
    while (i < n && (c === 32 || c === 59 || c === 124 || c === 9)) c = text.charCodeAt(++i); // space ; | tab
    if (i >= n) break;
    // key: up to ':' or '='
    const keyAt = i;
    let k = i;
    while (k < n) {
      const kc = text.charCodeAt(k);
      if (kc === 58 || kc === 61 || kc === 32 || kc === 34) break;
      k++;
    }
    const sep = text.charCodeAt(k);
    if (k >= n || k === i || (sep !== 58 && sep !== 61)) {
      // not a pair: skip this word
      const sp = text.indexOf(' ', k + 1);
      if (sp < 0 || sp >= n) break;
      i = sp + 1;
      continue;
    }
    let v = k + 1;
    while (v < n && text.charCodeAt(v) === sep) v++; // "sys_message::"
    let start: number;
    let stop: number;
    if (v < n && text.charCodeAt(v) === 34) {
      let q = text.indexOf('"', v + 1);
      while (q > 0 && q < n && isEscaped(text, q, from)) q = text.indexOf('"', q + 1);
      const end = q < 0 || q >= n ? n : q;
      start = v + 1;
      stop = end;
      i = end + 1;
    } else {
      if (pipeMode === undefined) {
        const pipe = foundBefore(text.indexOf('|', v), n);
        const sp = foundBefore(text.indexOf(' ', v), n);
        // splunk format: records end with "|", and values may hold spaces
        pipeMode = pipe >= 0 && (endsWithPipe || sp < 0 || pipe < sp);
      }
      let end = v;
      while (end < n) {
        const ec = text.charCodeAt(end);
        if (ec === 92) {
          end += 2;
          continue;
        }
        if (ec === 124 || (!pipeMode && (ec === 59 || ec === 32))) break;
        end++;
      }
      end = Math.min(end, n);
      start = v;
      stop = end;
      i = end;
    }
    pairs++;
    pair(text, keyAt, k, start, stop);
  }
  return pairs;
}

function valueAt(text: string, start: number, stop: number): string {
  const value = text.slice(start, stop);
  return value.includes('\\') ? unescapeValue(value) : value;
}

/**
 * The key/value pairs of the body, `text` from `bodyAt` on (see scanFields); null when there
 * are none. The first occurrence of a key wins.
 */
export function parseFields(text: string, bodyAt = 0): Map<string, string> | null {
  const out = new Map<string, string>();
  const pairs = scanFields(text, bodyAt, (text, keyAt, keyEnd, start, stop) => {
    const key = text.slice(keyAt, keyEnd);
    if (!out.has(key)) out.set(key, valueAt(text, start, stop));
  });
  return pairs > 0 ? out : null;
}

/** parseFields for the keys this parser maps only, into an object of one shape for every line. */
function readFields(line: string, bodyAt: number): Fields | null {
  const slots = table.slots();
  const pairs = scanFields(line, bodyAt, (text, keyAt, keyEnd, start, stop) => {
    const i = table.index(text, keyAt, keyEnd);
    if (i >= 0 && slots[i] === undefined) slots[i] = valueAt(text, start, stop);
  });
  return pairs > 0 ? table.fields(slots) : null;
}

/** Whether the character at `at` follows an odd run of backslashes (from `from` on). */
function isEscaped(text: string, at: number, from = 0): boolean {
  let backslashes = 0;
  for (let j = at - 1; j >= from && text.charCodeAt(j) === 92; j--) backslashes++;
  return backslashes % 2 === 1;
}

/** A search result cut at `end`: -1 when it lies at or past it. */
function foundBefore(found: number, end: number): number {
  return found >= end ? -1 : found;
}

function unescapeValue(v: string): string {
  let out = '';
  for (let j = 0; j < v.length; j++) {
    const ch = v[j]!;
    if (ch === '\\' && j + 1 < v.length) {
      out += v[j + 1];
      j++;
    } else out += ch;
  }
  return out;
}

/** Epoch seconds (10 digits) or milliseconds (13 digits) as a Date. */
function epoch(v: string | undefined): Date | undefined {
  if (!v || !/^\d{9,13}$/.test(v)) return undefined;
  const d = new Date(v.length > 11 ? Number(v) : Number(v) * 1000);
  return valid(d) ? d : undefined;
}

function valid(d: Date): boolean {
  const t = d.getTime();
  return Number.isFinite(t) && t > 0 && t < 253402300800000;
}

function severity(v: string | undefined): number | undefined {
  if (!v) return undefined;
  if (/^[0-4]$/.test(v)) return Number(v);
  return SEVERITY[v.toLowerCase()];
}

/** "CN=gw-hq-01,O=mgmt.example.local.abc123" → "gw-hq-01". */
function cn(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const lower = v.slice(0, 3).toLowerCase();
  if (lower !== 'cn=') return undefined;
  const comma = v.indexOf(',');
  return str(v.slice(3, comma < 0 ? undefined : comma), 255);
}

/** The post-NAT address; absent when unset (0.0.0.0, ::, port 0) or equal to the original. */
const nat = natEndpoint;

const userName = userOf;

function splitUrl(v: string): EcsEvent['url'] {
  const scheme = v.indexOf('://');
  const rest = scheme > 0 && scheme < 10 ? v.slice(scheme + 3) : v;
  let hostEnd = rest.length;
  for (const ch of ['/', '?', '#']) {
    const at = rest.indexOf(ch);
    if (at >= 0 && at < hostEnd) hostEnd = at;
  }
  const authority = rest.slice(0, hostEnd);
  const host = authority.startsWith('[')
    ? authority.slice(1, Math.max(1, authority.indexOf(']')))
    : authority.split(':')[0];
  const tail = rest.slice(hostEnd);
  const q = tail.indexOf('?');
  const pathPart = q >= 0 ? tail.slice(0, q) : tail;
  const hash = pathPart.indexOf('#');
  let query = q >= 0 ? tail.slice(q + 1) : undefined;
  if (query?.includes('#')) query = query.slice(0, query.indexOf('#'));
  return {
    original: str(v, 8192),
    domain: str(host, 255),
    path: str(hash >= 0 ? pathPart.slice(0, hash) : pathPart, 8192),
    query: str(query, 8192),
  };
}
