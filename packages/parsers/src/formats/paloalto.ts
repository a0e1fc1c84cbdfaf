// Palo Alto Networks PAN-OS syslog, CSV ("default") format: TRAFFIC and THREAT logs.
//
// Reference: PAN-OS Administrator's Guide (10.x / 11.x), "Use Syslog for Monitoring > Syslog
// Field Descriptions" — "Traffic Log Fields" and "Threat Log Fields":
//   https://docs.paloaltonetworks.com/pan-os/11-0/pan-os-admin/monitoring/use-syslog-for-monitoring/syslog-field-descriptions/traffic-log-fields
//   https://docs.paloaltonetworks.com/pan-os/11-0/pan-os-admin/monitoring/use-syslog-for-monitoring/syslog-field-descriptions/threat-log-fields
//
// Grammar: [syslog header] CSV, where the header is absent, BSD ("<14>Nov 29 10:00:00 fw01 ")
// or IETF ("<14>1 2026-11-29T10:00:00+01:00 fw01 - - - - "), and the CSV begins
//   FUTURE_USE, Receive Time, Serial Number, Type, Threat/Content Type, FUTURE_USE,
//   Generated Time, Source Address, Destination Address, NAT Source IP, NAT Destination IP,
//   Rule Name, Source User, Destination User, Application, Virtual System, Source Zone,
//   Destination Zone, Inbound Interface, Outbound Interface, Log Action, FUTURE_USE,
//   Session ID, Repeat Count, Source Port, Destination Port, NAT Source Port,
//   NAT Destination Port, Flags, Protocol, Action, ...
// then, for TRAFFIC (0-based column): 31 Bytes, 32 Bytes Sent, 33 Bytes Received, 34 Packets,
//   35 Start Time, 36 Elapsed Time (s), 37 Category, 44 Packets Sent, 45 Packets Received,
//   46 Session End Reason, 52 Device Name, 65 Rule UUID, 82/83 Source Hostname/MAC,
//   90/91 Destination Hostname/MAC, 102 High Resolution Timestamp;
// and for THREAT: 31 URL/Filename, 32 Threat ID ("name(id)"), 33 Category, 34 Severity,
//   35 Direction, 43 File Digest, 46 User Agent, 49 Referer, 59 Device Name, 63 HTTP Method,
//   69 Threat Category, 76 Rule UUID, 86/87 Source Hostname/MAC, 94/95 Destination
//   Hostname/MAC, 107 High Resolution Timestamp.
// Fields holding commas are double-quoted ("" inside is a literal quote). Lines of other
// versions that stop earlier are read as far as they go.
//
// Decisions:
//  - Time: Generated Time and Start Time carry no zone (firewall local time). When the
//    line has a High Resolution Timestamp (ISO 8601 with offset, PAN-OS 10.0+) it is the
//    event time, and its offset is applied to Start Time as well; otherwise the local
//    times are read as UTC.
//  - TRAFFIC subtypes start/end → event.type connection+start/end; drop/deny → connection+
//    denied. Action allow → allowed/success; deny, drop, drop ICMP, reset-* → denied/failure.
//  - THREAT: "Threat ID" is "<name>(<id>)" → rule.name / rule.id (url logs: "(9999)").
//    rule.category is the Threat Category column when set, else the Category column
//    (URL category for url, WildFire verdict for wildfire) unless it is "any".
//    Severity words map to event.severity informational=1, low=2, medium=3, high=4,
//    critical=5. vulnerability/spyware/scan/flood/packet/data are alerts in
//    network+intrusion_detection; virus/wildfire(-virus)/ml-virus are malware (a WildFire
//    "benign" verdict is an event, not an alert); url is a network+web event; file is a
//    network event. URL/Filename goes to url.* for url logs, file.name for file/virus/wildfire.
//  - NAT addresses 0.0.0.0 / :: and NAT port 0 mean "no translation" and are left out, as is
//    a NAT address/port equal to the original (PAN-OS repeats the destination under source NAT).
//  - Elapsed Time is in seconds → event.duration in ns (not for start logs, where it is 0).
//  - App-ID pseudo-applications (not-applicable, incomplete, insufficient-data) are not
//    applications; network.protocol is derived from a few App-IDs (ssl → tls, web-browsing → http).
import type { EcsEvent } from '@soc/schema';
import {
  baseEvent,
  bounded,
  ecsMac,
  ianaNumber,
  interfaceOf,
  isBlank,
  isIp,
  isoString,
  isoTimestamp,
  natEndpoint,
  toCount,
  toPort,
  transportName,
  twoDigits,
  userOf,
  utcMillis,
} from '../common.ts';
import { syslogHeaderHost } from '../syslog-header.ts';
import { fail, type ParseResult, type Parser } from '../types.ts';

/** Columns shared by TRAFFIC and THREAT (0-based). */
const C = {
  receiveTime: 1,
  serial: 2,
  type: 3,
  subtype: 4,
  generatedTime: 6,
  src: 7,
  dst: 8,
  natSrc: 9,
  natDst: 10,
  rule: 11,
  srcUser: 12,
  dstUser: 13,
  app: 14,
  srcZone: 16,
  dstZone: 17,
  inIf: 18,
  outIf: 19,
  srcPort: 24,
  dstPort: 25,
  natSrcPort: 26,
  natDstPort: 27,
  proto: 29,
  action: 30,
} as const;

const TRAFFIC = {
  bytes: 31,
  bytesSent: 32,
  bytesReceived: 33,
  packets: 34,
  startTime: 35,
  elapsed: 36,
  packetsSent: 44,
  packetsReceived: 45,
  endReason: 46,
  deviceName: 52,
  ruleUuid: 65,
  srcHost: 82,
  srcMac: 83,
  dstHost: 90,
  dstMac: 91,
  hiResTime: 102,
} as const;

const THREAT = {
  urlOrFile: 31,
  threatId: 32,
  category: 33,
  severity: 34,
  fileDigest: 43,
  userAgent: 46,
  referer: 49,
  deviceName: 59,
  httpMethod: 63,
  threatCategory: 69,
  srcHost: 86,
  srcMac: 87,
  dstHost: 94,
  dstMac: 95,
  hiResTime: 107,
} as const;

/** The columns this parser reads of each log type, up to the last one (1 = read). */
const columnsRead = (columns: number[]) => {
  const read = new Uint8Array(Math.max(...columns) + 1);
  for (const column of columns) read[column] = 1;
  return read;
};
const READ_TRAFFIC = columnsRead([...Object.values(C), ...Object.values(TRAFFIC)]);
const READ_THREAT = columnsRead([...Object.values(C), ...Object.values(THREAT)]);
const READ_EITHER = columnsRead([...Object.values(C), ...Object.values(TRAFFIC), ...Object.values(THREAT)]);

/** Every other PAN-OS log type: recognised, but not mapped by this parser. */
const OTHER_TYPES = [
  ',SYSTEM,',
  ',CONFIG,',
  ',HIPMATCH,',
  ',HIP-MATCH,',
  ',GLOBALPROTECT,',
  ',USERID,',
  ',DECRYPTION,',
  ',AUTHENTICATION,',
  ',IPTAG,',
  ',CORRELATION,',
  ',TUNNEL,',
  ',GTP,',
  ',SCTP,',
];

export const SEVERITY: Record<string, number> = {
  informational: 1,
  low: 2,
  medium: 3,
  high: 4,
  critical: 5,
};

const PSEUDO_APPS = new Set(['not-applicable', 'incomplete', 'insufficient-data']);

const APP_PROTOCOL: Record<string, string> = {
  'web-browsing': 'http',
  http2: 'http',
  ssl: 'tls',
  dns: 'dns',
  'dns-base': 'dns',
  'dns-over-https': 'dns',
  ssh: 'ssh',
  smtp: 'smtp',
  'smtp-base': 'smtp',
  ftp: 'ftp',
  ntp: 'ntp',
  'ntp-base': 'ntp',
  snmp: 'snmp',
  'snmp-base': 'snmp',
  ldap: 'ldap',
  kerberos: 'kerberos',
  'ms-rdp': 'rdp',
  'ms-ds-smb': 'smb',
  'ms-ds-smb-base': 'smb',
  imap: 'imap',
  pop3: 'pop3',
  sip: 'sip',
  quic: 'quic',
  dhcp: 'dhcp',
  syslog: 'syslog',
  telnet: 'telnet',
};

const DENY_ACTIONS = new Set([
  'deny',
  'drop',
  'drop icmp',
  'drop-icmp',
  'drop-all',
  'drop-all-packets',
  'reset-client',
  'reset-server',
  'reset-both',
  'reset client',
  'reset server',
  'reset both',
  'block-url',
  'block-ip',
  'block-continue',
  'block-override',
  'override-lockout',
  'sinkhole',
  'random-drop',
  'syncookie-sent',
]);

const str = bounded;

export const paloaltoParser: Parser = {
  name: 'paloalto',
  description:
    'Palo Alto Networks PAN-OS syslog CSV (TRAFFIC and THREAT logs), with or without a syslog header',
  sniff: (line) => (line.includes(',TRAFFIC,') || line.includes(',THREAT,')) && RECEIVE_TIME_SHAPE(line),
  parse(line, ctx): ParseResult {
    if (isBlank(line)) return fail('empty', 'empty line');
    const typeAt = typeColumn(line);
    if (typeAt < 0) {
      const other = OTHER_TYPES.find((t) => line.includes(t));
      if (other && RECEIVE_TIME_SHAPE(line))
        return fail(
          'unsupported',
          `PAN-OS ${other.slice(1, -1)} logs are not mapped (only TRAFFIC and THREAT)`,
        );
      return fail('syntax', 'not a PAN-OS TRAFFIC or THREAT log: no ",TRAFFIC," or ",THREAT," type column');
    }
    // Walk back from the type column over Serial Number and Receive Time to FUTURE_USE.
    const serialComma = line.lastIndexOf(',', typeAt - 1);
    const receiveComma = serialComma > 0 ? line.lastIndexOf(',', serialComma - 1) : -1;
    if (receiveComma < 0) return fail('syntax', 'PAN-OS CSV: no serial/receive-time columns before the type');
    const start =
      Math.max(line.lastIndexOf(' ', receiveComma - 1), line.lastIndexOf('>', receiveComma - 1)) + 1;
    const fields = splitCsv(line, true, start);
    if (!fields) return fail('syntax', 'PAN-OS CSV: unterminated quoted field');
    if (fields.length <= C.action)
      return fail('syntax', `PAN-OS CSV: ${fields.length} columns, expected at least 31`);
    if (!isLocalTime(fields[C.receiveTime]!))
      return fail('syntax', 'PAN-OS CSV: Receive Time is not "YYYY/MM/DD hh:mm:ss"');
    const type = fields[C.type];
    if (type !== 'TRAFFIC' && type !== 'THREAT')
      return fail('syntax', 'PAN-OS CSV: type column is not TRAFFIC/THREAT');
    const generated = localTime(fields[C.generatedTime]);
    if (generated === null) return fail('syntax', 'PAN-OS CSV: Generated Time is not "YYYY/MM/DD hh:mm:ss"');
    const src = fields[C.src];
    const dst = fields[C.dst];
    if (!isIp(src) || !isIp(dst))
      return fail('syntax', 'PAN-OS CSV: Source/Destination Address is not an IP');

    const traffic = type === 'TRAFFIC';
    const hiRes = fields[traffic ? TRAFFIC.hiResTime : THREAT.hiResTime];
    const hiResTime = hiRes ? isoTimestamp(hiRes) : null;
    // The firewall's UTC offset, learnt from the zoned timestamp (rounded to 15 minutes).
    const offsetMs =
      hiResTime && validDate(hiResTime)
        ? Math.round((generated - hiResTime.getTime()) / 900_000) * 900_000
        : 0;
    const timestamp = hiResTime && validDate(hiResTime) ? hiResTime : new Date(generated - offsetMs);
    if (!validDate(timestamp)) return fail('syntax', 'PAN-OS CSV: Generated Time is out of range');

    const headerHost = syslogHost(line.slice(0, start).trim());
    const deviceName = str(fields[traffic ? TRAFFIC.deviceName : THREAT.deviceName], 255);
    const serial = fields[C.serial] ?? '';
    const subtype = (fields[C.subtype] ?? '').toLowerCase();
    const action = str(fields[C.action]?.toLowerCase(), 128);
    const denied = action !== undefined && DENY_ACTIONS.has(action);
    const proto = fields[C.proto];
    const transport = proto ? str(transportName(proto === 'icmp6' ? 'ipv6-icmp' : proto), 32) : undefined;
    const appRaw = fields[C.app]?.toLowerCase();
    const app = appRaw && !PSEUDO_APPS.has(appRaw) ? str(appRaw, 128) : undefined;

    const srcMac = mac(fields[traffic ? TRAFFIC.srcMac : THREAT.srcMac]);
    const dstMac = mac(fields[traffic ? TRAFFIC.dstMac : THREAT.dstMac]);
    const srcPort = toPort(fields[C.srcPort]);
    const dstPort = toPort(fields[C.dstPort]);
    const source: NonNullable<EcsEvent['source']> = {
      ip: src,
      port: srcPort,
      nat: nat(fields[C.natSrc], fields[C.natSrcPort], src, srcPort),
      zone: str(fields[C.srcZone], 128),
      user: userName(fields[C.srcUser]),
      mac: srcMac,
      domain: str(fields[traffic ? TRAFFIC.srcHost : THREAT.srcHost], 255),
    };
    const destination: NonNullable<EcsEvent['destination']> = {
      ip: dst,
      port: dstPort,
      nat: nat(fields[C.natDst], fields[C.natDstPort], dst, dstPort),
      zone: str(fields[C.dstZone], 128),
      user: userName(fields[C.dstUser]),
      mac: dstMac,
      domain: str(fields[traffic ? TRAFFIC.dstHost : THREAT.dstHost], 255),
    };
    const network: NonNullable<EcsEvent['network']> = {
      transport,
      iana_number: transport ? ianaNumber(transport) : undefined,
      application: app,
      protocol: appRaw ? APP_PROTOCOL[appRaw] : undefined,
    };
    const observer: NonNullable<EcsEvent['observer']> = {
      vendor: 'Palo Alto Networks',
      product: 'PAN-OS',
      type: 'firewall',
      name: deviceName ?? headerHost,
      hostname: headerHost ?? deviceName,
      ingress: iface(fields[C.inIf]),
      egress: iface(fields[C.outIf]),
    };

    if (traffic) {
      const elapsed = toCount(fields[TRAFFIC.elapsed]);
      const startLocal = localTime(fields[TRAFFIC.startTime]);
      const startDate = startLocal === null ? null : new Date(startLocal - offsetMs);
      let eventType: EcsEvent['event']['type'];
      if (subtype === 'start') eventType = ['connection', 'start'];
      else if (subtype === 'end') eventType = ['connection', 'end'];
      else eventType = ['connection'];
      if (subtype === 'drop' || subtype === 'deny' || denied) eventType.push('denied');
      else if (action === 'allow') eventType.push('allowed');
      const verdict = eventType.includes('denied')
        ? 'failure'
        : eventType.includes('allowed')
          ? 'success'
          : undefined;
      const reason = fields[TRAFFIC.endReason];
      const base = baseEvent(ctx, timestamp, line, serial, {
        kind: 'event',
        category: ['network'],
        type: eventType,
        action,
        outcome: verdict,
        reason: reason && reason !== 'n/a' ? str(reason, 1024) : undefined,
        duration: elapsed !== undefined && subtype !== 'start' ? toCount(elapsed * 1e9) : undefined,
        start: startDate && validDate(startDate) ? isoString(startDate) : undefined,
        dataset: 'panos.traffic',
        module: 'panos',
      });
      source.bytes = toCount(fields[TRAFFIC.bytesSent]);
      source.packets = toCount(fields[TRAFFIC.packetsSent]);
      destination.bytes = toCount(fields[TRAFFIC.bytesReceived]);
      destination.packets = toCount(fields[TRAFFIC.packetsReceived]);
      network.bytes = toCount(fields[TRAFFIC.bytes]);
      network.packets = toCount(fields[TRAFFIC.packets]);
      return {
        ok: true,
        event: {
          ...base,
          observer,
          source,
          destination,
          network,
          rule: { name: str(fields[C.rule], 512), id: str(fields[TRAFFIC.ruleUuid], 128) },
        },
      };
    }

    // THREAT
    const severityWord = fields[THREAT.severity]?.toLowerCase();
    const category = fields[THREAT.category];
    const threatCategory = fields[THREAT.threatCategory];
    const verdictWord = category?.toLowerCase();
    let kind: EcsEvent['event']['kind'] = 'alert';
    let categories: EcsEvent['event']['category'] = ['network', 'intrusion_detection'];
    if (subtype === 'url') {
      kind = 'event';
      categories = ['network', 'web'];
    } else if (subtype === 'file') {
      kind = 'event';
      categories = ['network'];
    } else if (
      subtype === 'virus' ||
      subtype === 'wildfire' ||
      subtype === 'wildfire-virus' ||
      subtype === 'ml-virus'
    ) {
      categories = ['network', 'malware'];
      if (subtype === 'wildfire' && verdictWord === 'benign') kind = 'event';
    }
    const { id: ruleId, name: ruleName } = threatId(fields[THREAT.threatId]);
    const ruleCategory =
      subtype !== 'url' && threatCategory && !['n/a', 'unknown', 'any'].includes(threatCategory.toLowerCase())
        ? threatCategory
        : category && category.toLowerCase() !== 'any'
          ? category
          : undefined;
    const base = baseEvent(ctx, timestamp, line, serial, {
      kind,
      category: categories,
      type: [denied ? 'denied' : 'allowed'],
      action,
      outcome: denied ? 'failure' : 'success',
      severity: severityWord ? SEVERITY[severityWord] : undefined,
      dataset: 'panos.threat',
      module: 'panos',
    });
    const urlOrFile = fields[THREAT.urlOrFile];
    const digest = fields[THREAT.fileDigest];
    const isFile = subtype === 'file' || categories.includes('malware');
    const method = fields[THREAT.httpMethod];
    const referrer = fields[THREAT.referer];
    const ua = fields[THREAT.userAgent];
    return {
      ok: true,
      event: {
        ...base,
        observer,
        source,
        destination,
        network,
        rule: { id: ruleId, name: ruleName, category: str(ruleCategory, 256) },
        url: subtype === 'url' ? splitUrl(urlOrFile) : undefined,
        file: isFile
          ? {
              name: str(urlOrFile, 1024),
              hash: digest && /^[0-9a-fA-F]{64}$/.test(digest) ? { sha256: digest.toLowerCase() } : undefined,
            }
          : undefined,
        http:
          method || referrer
            ? {
                request: {
                  method: method && method !== 'unknown' ? str(method, 16) : undefined,
                  referrer: str(referrer, 8192),
                },
              }
            : undefined,
        user_agent: ua ? { original: str(ua, 2048) } : undefined,
      },
    };
  },
};

/**
 * Where the type column (",TRAFFIC," or ",THREAT,") is: the first of either, which is near
 * the start of the CSV (one search, not a search of the whole line for the other type).
 */
function typeColumn(line: string): number {
  for (let at = line.indexOf(',T'); at >= 0; at = line.indexOf(',T', at + 2)) {
    if (line.startsWith('RAFFIC,', at + 2) || line.startsWith('HREAT,', at + 2)) return at;
  }
  return -1;
}

/** Whether a text is "YYYY/MM/DD hh:mm:ss", the PAN-OS local time form. */
function isLocalTime(text: string): boolean {
  if (text.length !== 19) return false;
  for (let i = 0; i < 19; i++) {
    const c = text.charCodeAt(i);
    const want = LOCAL_TIME_SHAPE.charCodeAt(i);
    if (want === 48 ? c < 48 || c > 57 : c !== want) return false;
  }
  return true;
}
/** the shape isLocalTime wants, with 0 for any digit */
const LOCAL_TIME_SHAPE = '0000/00/00 00:00:00';

/** Cheap pre-check for sniff: a ",YYYY/MM/DD hh:mm:ss," receive time somewhere in the line. */
function RECEIVE_TIME_SHAPE(line: string): boolean {
  const slash = line.indexOf('/');
  if (slash < 5) return false;
  return (
    line.charCodeAt(slash - 5) === 44 &&
    line.charCodeAt(slash + 3) === 47 &&
    line.charCodeAt(slash + 6) === 32
  );
}

/** A PAN-OS local time as milliseconds since the epoch, read as if it were UTC. */
function localTime(text: string | undefined): number | null {
  if (!text || !isLocalTime(text)) return null;
  const y = twoDigits(text, 0) * 100 + twoDigits(text, 2);
  const mo = twoDigits(text, 5);
  const d = twoDigits(text, 8);
  const h = twoDigits(text, 11);
  const mi = twoDigits(text, 14);
  const s = twoDigits(text, 17);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  if (s < 60 && y >= 100) {
    const ms = utcMillis(y, mo, d, h, mi, s);
    return Number.isNaN(ms) ? null : ms;
  }
  // a leap second (or a year before 100) as Date.UTC reads it: the second runs over
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return new Date(ms).getUTCDate() === d ? ms : null;
}

function validDate(d: Date): boolean {
  const t = d.getTime();
  return Number.isFinite(t) && t >= 0 && t < 253402300800000; // 1970 .. 9999
}

/**
 * Splits one CSV record, from `from` to the end of `text`; "..." quotes fields holding
 * commas, "" is a literal quote; null when a quote is not closed. With `mapped`, only the
 * columns this parser reads are kept (the others are undefined, and the record ends after
 * the last one read): most of a PAN-OS record is never read.
 */
export function splitCsv(text: string, mapped = false, from = 0): (string | undefined)[] | null {
  // mapped, the array is made at its largest size at once, not grown column by column
  const out: (string | undefined)[] = mapped ? new Array(READ_EITHER.length) : [];
  const n = text.length;
  let read = mapped ? READ_EITHER : undefined;
  let i = from;
  // where the next double quote is (-1: none left): a column is quoted only when it starts
  // there, which spares reading the first character of every column
  let quoteAt = text.indexOf('"', i);
  let column = 0;
  for (; read === undefined || column < read.length; column++) {
    const keep = read === undefined || read[column] === 1;
    let quoted = '';
    if (quoteAt >= 0 && quoteAt < i) quoteAt = text.indexOf('"', i);
    if (quoteAt === i) {
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return null;
        if (text.charCodeAt(q + 1) === 34) {
          if (keep) quoted += text.slice(j, q + 1);
          j = q + 2;
          continue;
        }
        if (keep) quoted += text.slice(j, q);
        i = q + 1;
        break;
      }
      // anything between the closing quote and the next comma is kept (lenient)
    }
    let c: number;
    if (keep) c = text.indexOf(',', i);
    else {
      // a column not read is mostly short or empty: stepping over it costs less than a search
      c = i;
      while (c < n && text.charCodeAt(c) !== 44) c++;
      if (c === n) c = -1;
    }
    const end = c < 0 ? n : c;
    // columns not kept are left as holes (cheaper than storing undefined in each)
    if (keep) out[column] = end > i ? quoted + text.slice(i, end) : quoted;
    if (read !== undefined && column === C.type) {
      const type = out[column];
      read = type === 'TRAFFIC' ? READ_TRAFFIC : type === 'THREAT' ? READ_THREAT : READ_EITHER;
    }
    if (c < 0) {
      out.length = column + 1;
      break;
    }
    i = c + 1;
  }
  if (read !== undefined && column === read.length) out.length = column;
  return out;
}

/** The host of a BSD or IETF syslog header in front of the CSV, if any. */
function syslogHost(header: string): string | undefined {
  const host = syslogHeaderHost(header);
  return host && host !== '-' ? str(host, 255) : undefined;
}

/** The post-NAT address; absent when unset (0.0.0.0, ::, port 0) or equal to the original. */
const nat = natEndpoint;

const userName = userOf;

const iface = interfaceOf;

const mac = ecsMac;

/** "Name Of Threat(12345)" → { name, id }; "(9999)" → { id }. */
function threatId(v: string | undefined): { id?: string; name?: string } {
  if (!v) return {};
  const open = v.lastIndexOf('(');
  if (open >= 0 && v.endsWith(')')) {
    const id = v.slice(open + 1, -1);
    if (/^\d+$/.test(id)) {
      const name = v.slice(0, open).trim();
      return { id: str(id, 128), name: name && name !== id ? str(name, 512) : undefined };
    }
  }
  return /^\d+$/.test(v) ? { id: str(v, 128) } : { name: str(v, 512) };
}

/** A URL as PAN-OS logs it (usually without a scheme: "host/path?query"). */
function splitUrl(v: string | undefined): EcsEvent['url'] {
  if (!v) return undefined;
  const scheme = v.indexOf('://');
  const rest = scheme >= 0 && scheme < 10 ? v.slice(scheme + 3) : v;
  let hostEnd = rest.length;
  for (const ch of ['/', '?', '#']) {
    const at = rest.indexOf(ch);
    if (at >= 0 && at < hostEnd) hostEnd = at;
  }
  let host = rest.slice(0, hostEnd);
  if (host.startsWith('[')) host = host.slice(1, host.indexOf(']') > 0 ? host.indexOf(']') : undefined);
  else if (host.includes(':') && host.indexOf(':') === host.lastIndexOf(':'))
    host = host.slice(0, host.indexOf(':'));
  const tail = rest.slice(hostEnd);
  const q = tail.indexOf('?');
  const pathAndFrag = q >= 0 ? tail.slice(0, q) : tail;
  const hash = pathAndFrag.indexOf('#');
  const path = hash >= 0 ? pathAndFrag.slice(0, hash) : pathAndFrag;
  let query = q >= 0 ? tail.slice(q + 1) : undefined;
  if (query?.includes('#')) query = query.slice(0, query.indexOf('#'));
  return {
    original: str(v, 8192),
    domain: str(host, 255),
    path: str(path, 8192),
    query: str(query, 8192),
  };
}
