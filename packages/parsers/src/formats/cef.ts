// ArcSight Common Event Format (CEF), any vendor, with or without a syslog header.
//
// Reference: Micro Focus ArcSight "Common Event Format (CEF) Implementation Standard",
// revision 25 (2017) / 26 (https://www.microfocus.com/documentation/arcsight/arcsight-smartconnectors/pdfdoc/common-event-format-v25/common-event-format-v25.pdf).
//
// Grammar:
//   [syslog header ]CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension
// - the syslog header may be RFC 3164 with or without a tag ("<134>Nov 29 10:00:00 fw01 CEF:0|..."),
//   RFC 5424, or an ISO time and host; "CEF: 0" (a space after the colon) is accepted too;
// - header fields escape a pipe as "\|" and a backslash as "\\";
// - Extension: space-separated key=value pairs; a value may contain spaces and runs until the
//   next " key=" (a key is [A-Za-z0-9_.-]+ after a space); values escape "=" as "\=", "\" as
//   "\\", and a newline as "\n" / "\r"; an unescaped "=" that does not follow " key" stays in
//   the value (URLs in request= often carry one).
// - Severity: 0-10, or Unknown/Low/Medium/High/Very-High (read as -/3/6/8/10).
//
// Mapping (extension key -> ECS):
//   src/spt, dst/dpt, c6a2/c6a3 (source/destination IPv6, when src/dst are absent) -> source/destination ip/port
//   in -> source.bytes (bytes from source to destination), out -> destination.bytes
//   smac/dmac -> mac, suser/duser -> user.name, shost/dhost -> domain
//   sourceTranslatedAddress/Port, destinationTranslatedAddress/Port -> source/destination.nat
//   proto -> network.transport/iana_number, app -> network.protocol,
//   deviceDirection 0/1 -> network.direction inbound/outbound
//   deviceInboundInterface/deviceOutboundInterface -> observer.ingress/egress.interface.name
//   dvchost (else the syslog host) -> observer.name/hostname; catdt (categoryDeviceType)
//   naming a firewall or an IDS/IPS -> observer.type
//   act -> event.action (lower-cased) and, when it is a verdict word, event.type allowed/denied
//   and event.outcome; outcome=success|failure overrides the outcome; reason -> event.reason
//   msg (else Name) -> message; Signature ID -> event.code
//   request -> url.*, requestMethod -> http.request.method, requestContext -> http.request.referrer,
//   requestClientApplication -> user_agent.original, fname -> file.name
//   csN with csNLabel naming a rule ("Rule", "Rule Name", "Policy", "ACL", ...) -> rule.name;
//   csN/cnN whose label is a rule id ("Rule ID", "Policy ID") -> rule.id
//   rt -> @timestamp; start/end -> event.start/end and event.duration
//   cnt (baseEventCount) has no field in the schema and is left out.
// Timestamps (rt, start, end): epoch milliseconds (10 digits or fewer: seconds), or
// "MMM dd[ yyyy] HH:mm:ss[.SSS][ zone]" where zone is UTC/GMT[+-hh:mm], +-hhmm, a Java
// short zone name (EST, CET, ...) or an IANA name; without a zone, the dtz
// (deviceTimeZone) extension, else UTC. Without a year: the year nearest the receive time.
// @timestamp is rt, else end, else start, else the syslog header time, else the receive time.
//
// Event kind (a stated rule): "alert" when cat (deviceEventCategory) names a detection
// (a word among intrusion, ids, ips, attack, exploit, threat, malware, virus) or catdt names
// an IDS/IPS; then category ["network","malware"] when cat says malware/virus, else
// ["network","intrusion_detection"]; rule.id = Signature ID, rule.name = Name,
// rule.category = cat. Otherwise kind "event", category ["network"], rule.* from labelled
// custom fields, and event.action falls back to the lower-cased Name when there is no act.
// (Severity alone does not make an alert: firewall vendors rate denies 7+ too.)
import type { EcsEvent } from '@soc/schema';
import {
  baseEvent,
  type FieldTable,
  fieldTable,
  ianaNumber,
  isIp,
  isoString,
  isoTimestamp,
  toCount,
  toPort,
  transportName,
} from '../common.ts';
import { splitSyslogHeader } from '../syslog-header.ts';
import { fail, type ParseResult, type Parser } from '../types.ts';

// ---------------------------------------------------------------------------------------
// Helpers shared with the LEEF parser (leef.ts)

/** A string cut to the schema's length, or undefined when empty. */
export const text = (v: string | undefined, max: number): string | undefined =>
  v === undefined || v === '' ? undefined : v.length > max ? v.slice(0, max) : v;

/**
 * Where a "CEF:"/"LEEF:" marker starts: at the line start or after a space, tab or the
 * closing ">" of a syslog priority. -1 when absent.
 */
export function findMarker(line: string, marker: string): number {
  let i = line.indexOf(marker);
  while (i > 0) {
    const prev = line.charCodeAt(i - 1);
    if (prev === 32 || prev === 9 || prev === 62) return i;
    i = line.indexOf(marker, i + 1);
  }
  return i;
}

const PREFIX_BSD =
  /^(?:<\d{1,3}>)?([A-Za-z]{3}) {1,2}(\d{1,2})(?: (\d{4}))? (\d{2}:\d{2}:\d{2})(?:\.\d+)? (\S+)$/;
const PREFIX_ISO = /^(?:<\d{1,3}>)?(?:1 )?(\d{4}-\d{2}-\d{2}T\S+) (\S+)$/;

/**
 * The time and host of the syslog header before a CEF/LEEF marker. Both formats allow
 * headers without a program tag ("<13>Jan 18 11:07:53 host"), which the shared splitter
 * (built for "host tag:" lines) does not take, so those are read here.
 */
export function syslogPrefix(prefix: string, receivedAt: Date): { timestamp?: Date; hostname?: string } {
  const p = prefix.trim();
  if (p === '') return {};
  // a prefix these two take is one the shared splitter does not (it wants more after the
  // host), so they go first: they are the common case here
  let m = PREFIX_BSD.exec(p);
  if (m) {
    const month = monthIndex(m[1]!);
    const time = m[4]!; // hh:mm:ss
    const hh = Number(time.slice(0, 2));
    const mi = Number(time.slice(3, 5));
    const ss = Number(time.slice(6, 8));
    const timestamp =
      month === undefined
        ? null
        : m[3]
          ? wallToUtc(Number(m[3]), month, Number(m[2]), hh, mi, ss, 0, UTC)
          : nearestYear(month, Number(m[2]), hh, mi, ss, 0, UTC, receivedAt);
    return { timestamp: timestamp ?? undefined, hostname: m[5] };
  }
  m = PREFIX_ISO.exec(p);
  if (m) return { timestamp: isoTimestamp(m[1]!) ?? undefined, hostname: m[2] };
  const h = splitSyslogHeader(p, receivedAt);
  if (h.timestamp || h.hostname) return { timestamp: h.timestamp, hostname: h.hostname };
  return {};
}

const isKeyChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45;

/** Undoes CEF extension escapes: \= \\ \n \r (and \| which some producers add). */
function unescapeValue(v: string): string {
  if (!v.includes('\\')) return v;
  let out = '';
  let start = 0;
  for (let i = 0; i < v.length - 1; i++) {
    if (v.charCodeAt(i) !== 92) continue;
    const n = v[i + 1];
    const r = n === '=' || n === '\\' || n === '|' ? n : n === 'n' ? '\n' : n === 'r' ? '\r' : undefined;
    if (r === undefined) continue;
    out += v.slice(start, i) + r;
    i++;
    start = i + 1;
  }
  return out + v.slice(start);
}

/**
 * Space-separated key=value pairs whose values may contain spaces: a pair starts where a
 * key ([A-Za-z0-9_.-]+, at the start or after a space or tab) meets an unescaped "=", and
 * its value runs to the next pair's key. Calls `pair` with the key's start, the "=" and the
 * value's end (untrimmed), in order. The pairs are `s` from `from` on: read in place, since
 * a string search in a slice of a string is slower than in the string.
 */
function scanSpacedPairs(
  s: string,
  from: number,
  pair: (keyAt: number, eq: number, end: number) => void,
): void {
  let keyAt = -1;
  let eq = -1;
  let i = s.indexOf('=', from);
  while (i !== -1) {
    let bs = 0;
    for (let j = i - 1; j >= from && s.charCodeAt(j) === 92; j--) bs++;
    if (bs % 2 === 0) {
      let k = i;
      while (k > from && isKeyChar(s.charCodeAt(k - 1))) k--;
      const before = k === from ? 32 : s.charCodeAt(k - 1);
      if (k < i && (before === 32 || before === 9)) {
        if (eq >= 0) pair(keyAt, eq, k);
        keyAt = k;
        eq = i;
      }
    }
    i = s.indexOf('=', i + 1);
  }
  if (eq >= 0) pair(keyAt, eq, s.length);
}

/** Space-separated key=value pairs of `s` from `from` on (see scanSpacedPairs); the first occurrence of a key wins. */
export function parseSpacedPairs(s: string, escapes: boolean, from = 0): Map<string, string> {
  const out = new Map<string, string>();
  scanSpacedPairs(s, from, (keyAt, eq, end) => {
    const key = s.slice(keyAt, eq);
    if (out.has(key)) return;
    const raw = s.slice(eq + 1, end).trim();
    out.set(key, escapes ? unescapeValue(raw) : raw);
  });
  return out;
}

/** parseSpacedPairs for the keys of `table` only; the first occurrence of a key wins. */
export function readSpacedPairs<K extends string>(
  s: string,
  escapes: boolean,
  table: FieldTable<K>,
  from = 0,
): ReturnType<FieldTable<K>['fields']> {
  const slots = table.slots();
  scanSpacedPairs(s, from, (keyAt, eq, end) => {
    const i = table.index(s, keyAt, eq);
    if (i < 0 || slots[i] !== undefined) return;
    const raw = s.slice(eq + 1, end).trim();
    slots[i] = escapes ? unescapeValue(raw) : raw;
  });
  return table.fields(slots);
}

const MONTHS: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

export const monthIndex = (name: string): number | undefined => MONTHS[name.slice(0, 3).toLowerCase()];

/** A zone: a fixed offset in minutes east of UTC, or an IANA zone name. */
export type Zone = { fixed: number } | { iana: string };
export const UTC: Zone = { fixed: 0 };

// Java's short zone names as SimpleDateFormat reads them (the ones that are unambiguous).
const ZONE_NAMES: Record<string, number> = {
  Z: 0,
  UT: 0,
  UTC: 0,
  GMT: 0,
  WET: 0,
  WEST: 60,
  CET: 60,
  CEST: 120,
  MET: 60,
  MEST: 120,
  EET: 120,
  EEST: 180,
  MSK: 180,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
  AKST: -540,
  AKDT: -480,
  HST: -600,
  JST: 540,
  KST: 540,
  SGT: 480,
  HKT: 480,
  AWST: 480,
  ACST: 570,
  AEST: 600,
  AEDT: 660,
  NZST: 720,
  NZDT: 780,
};
const OFFSET = /^(?:GMT|UTC|UT)?([+-])(\d{1,2})(?::?(\d{2}))?$/i;
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){1,2}$/;
const FORMATTERS = new Map<string, Intl.DateTimeFormat | null>();

function formatter(zone: string): Intl.DateTimeFormat | null {
  const cached = FORMATTERS.get(zone);
  if (cached !== undefined) return cached;
  let f: Intl.DateTimeFormat | null = null;
  try {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    f = null;
  }
  if (FORMATTERS.size < 512) FORMATTERS.set(zone, f);
  return f;
}

const ZONES = new Map<string, Zone | null>();

/** A zone from "UTC", "GMT+01:00", "+0100", "CET", "Europe/Berlin"; null when unknown. */
export function resolveZone(value: string): Zone | null {
  // devices repeat the same few zone texts on every line
  let zone = ZONES.get(value);
  if (zone === undefined) {
    zone = readZone(value);
    if (ZONES.size >= 512) ZONES.clear();
    ZONES.set(value, zone);
  }
  return zone;
}

function readZone(value: string): Zone | null {
  const v = value.trim();
  const named = ZONE_NAMES[v.toUpperCase()];
  if (named !== undefined) return { fixed: named };
  const m = OFFSET.exec(v);
  if (m) {
    const h = Number(m[2]);
    const mi = m[3] ? Number(m[3]) : 0;
    if (h > 14 || mi > 59) return null;
    return { fixed: (m[1] === '-' ? -1 : 1) * (h * 60 + mi) };
  }
  if (IANA_NAME.test(v) && formatter(v)) return { iana: v };
  return null;
}

/** Offset (ms) of an IANA zone at the instant t. */
function ianaOffset(zone: string, f: Intl.DateTimeFormat, t: number): number {
  // zone offsets change on 15-minute boundaries only: one lookup per zone and quarter hour
  const quarter = Math.floor(t / 900_000);
  let offsets = OFFSETS.get(zone);
  const cached = offsets?.get(quarter);
  if (cached !== undefined) return cached;
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(t))) p[part.type] = Number(part.value);
  const local = Date.UTC(p['year']!, p['month']! - 1, p['day'], p['hour'], p['minute'], p['second']);
  const offset = local - Math.floor(t / 1000) * 1000;
  if (!offsets || offsets.size >= 4096) {
    offsets = new Map();
    OFFSETS.set(zone, offsets);
  }
  offsets.set(quarter, offset);
  return offset;
}
/** offsets by zone, then by quarter hour since the epoch */
const OFFSETS = new Map<string, Map<number, number>>();

const MAX_TIME = 253402300799999; // 9999-12-31T23:59:59.999Z

export function validDate(ms: number): Date | null {
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIME ? new Date(ms) : null;
}

/** A wall-clock time in a zone as a UTC Date; null for impossible dates. */
export function wallToUtc(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
  zone: Zone,
): Date | null {
  if (month < 0 || month > 11 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  if (year < 1970 || year > 9999) return null;
  const wall = Date.UTC(year, month, day, hour, minute, second, ms);
  if (new Date(wall).getUTCDate() !== day) return null;
  if ('fixed' in zone) return validDate(wall - zone.fixed * 60_000);
  const f = formatter(zone.iana);
  if (!f) return null;
  const first = wall - ianaOffset(zone.iana, f, wall);
  const second2 = wall - ianaOffset(zone.iana, f, first);
  return validDate(second2);
}

/** A year-less wall time in the year (receive year -1/0/+1) nearest the receive time. */
export function nearestYear(
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
  zone: Zone,
  receivedAt: Date,
): Date | null {
  const y = receivedAt.getUTCFullYear();
  let best: Date | null = null;
  for (const year of [y - 1, y, y + 1]) {
    const d = wallToUtc(year, month, day, hour, minute, second, ms, zone);
    if (!d) continue;
    if (
      !best ||
      Math.abs(d.getTime() - receivedAt.getTime()) < Math.abs(best.getTime() - receivedAt.getTime())
    ) {
      best = d;
    }
  }
  return best;
}

const fractionMs = (frac: string | undefined): number =>
  frac ? Math.floor(Number(`0.${frac}`) * 1000 + 1e-6) : 0;

const MDY_TIME =
  /^([A-Za-z]{3})[A-Za-z]* +(\d{1,2})(?: +(\d{4}))? +(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?: +(\S+))?$/;

/**
 * A CEF/LEEF vendor time: epoch milliseconds (10 or fewer digits: seconds), ISO 8601, or
 * "MMM dd[ yyyy] HH:mm:ss[.SSS][ zone]". Without a zone, `zone` (the device's), else UTC.
 */
export function vendorTime(value: string, receivedAt: Date, zone: Zone | null = null): Date | null {
  const v = value.trim();
  if (v === '') return null;
  if (/^\d{1,16}$/.test(v)) return validDate(v.length <= 10 ? Number(v) * 1000 : Number(v));
  if (v.charCodeAt(0) >= 48 && v.charCodeAt(0) <= 57) return isoTimestamp(v);
  const m = MDY_TIME.exec(v);
  if (!m) return null;
  const month = monthIndex(m[1]!);
  if (month === undefined) return null;
  const z = m[8] ? resolveZone(m[8]) : (zone ?? UTC);
  if (!z) return null;
  const ms = fractionMs(m[7]);
  return m[3]
    ? wallToUtc(Number(m[3]), month, Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6]), ms, z)
    : nearestYear(month, Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6]), ms, z, receivedAt);
}

/** A MAC address in ECS form (AA-BB-CC-DD-EE-FF), or undefined. */
export function ecsMac(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const hex = value.replace(/[:.-]/g, '');
  if (!/^[0-9A-Fa-f]{12}$/.test(hex)) return undefined;
  const u = hex.toUpperCase();
  return `${u.slice(0, 2)}-${u.slice(2, 4)}-${u.slice(4, 6)}-${u.slice(6, 8)}-${u.slice(8, 10)}-${u.slice(10)}`;
}

/** url.original/domain/path/query from an absolute URL or a path. */
export function urlFields(value: string | undefined): EcsEvent['url'] {
  if (!value) return undefined;
  let rest = value;
  let domain: string | undefined;
  const scheme = value.indexOf('://');
  if (scheme > 0 && scheme < 16) {
    rest = value.slice(scheme + 3);
    let hostEnd = rest.search(/[/?#]/);
    if (hostEnd < 0) hostEnd = rest.length;
    let host = rest.slice(0, hostEnd);
    host = host.slice(host.lastIndexOf('@') + 1);
    if (host.startsWith('[')) host = host.slice(1, host.indexOf(']') > 0 ? host.indexOf(']') : host.length);
    else if (host.includes(':')) host = host.slice(0, host.indexOf(':'));
    domain = host;
    rest = rest.slice(hostEnd);
  } else if (!value.startsWith('/')) {
    return { original: text(value, 8192) };
  }
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  return {
    original: text(value, 8192),
    domain: text(domain, 255),
    path: text(q >= 0 ? rest.slice(0, q) : rest, 8192),
    query: text(q >= 0 ? rest.slice(q + 1) : undefined, 8192),
  };
}

/** A firewall verdict from an action word, when it is one. */
export function verdict(action: string | undefined): 'allowed' | 'denied' | undefined {
  if (!action) return undefined;
  if (
    /^(?:deny|denied|drop|dropped|block|blocked|reject|rejected|reset|discard|discarded|prevent|prevented|refuse|refused)\b/i.test(
      action,
    )
  )
    return 'denied';
  if (/^(?:accept|accepted|allow|allowed|permit|permitted|pass|passed)\b/i.test(action)) return 'allowed';
  return undefined;
}

/** The stated detection rule for CEF cat / LEEF cat values. */
export const DETECTION_CATEGORY = /\b(?:intrusion|ids|ips|attack|exploit|threat|malware|virus)\b/i;
const MALWARE_CATEGORY = /\b(?:malware|virus)\b/i;

/** event.category of a detection (see DETECTION_CATEGORY) by its vendor category. */
export const detectionCategories = (cat: string | undefined): EcsEvent['event']['category'] =>
  cat !== undefined && MALWARE_CATEGORY.test(cat)
    ? ['network', 'malware']
    : ['network', 'intrusion_detection'];

/** An IP when the value is one. */
export const ipOf = (v: string | undefined): string | undefined => (isIp(v) ? v : undefined);

/** ECS transport and IANA number from a protocol name or number. */
export function transportOf(proto: string | undefined): { transport?: string; iana?: string } {
  if (!proto) return {};
  const t = transportName(proto.trim());
  if (t === '' || t.length > 32 || !/^[a-z0-9_-]+$/.test(t)) return {};
  if (/^\d+$/.test(t)) return Number(t) <= 255 ? { iana: t } : {};
  return { transport: t, iana: ianaNumber(t) };
}

// ---------------------------------------------------------------------------------------
// CEF

const SEVERITY_WORDS: Record<string, number> = {
  low: 3,
  medium: 6,
  high: 8,
  'very-high': 10,
  'very high': 10,
};

function severityOf(v: string): number | undefined {
  const s = v.trim();
  if (/^\d{1,4}$/.test(s)) {
    const n = Number(s);
    return n <= 1000 ? n : undefined;
  }
  return SEVERITY_WORDS[s.toLowerCase()];
}

/** Header fields split on unescaped pipes (\| and \\ are escapes); the rest is the extension. */
function splitHeader(body: string, count: number): { fields: string[]; rest: string } | null {
  const fields: string[] = [];
  let cur = '';
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c === 92) {
      const n = body[i + 1];
      if (n === '|' || n === '\\') {
        cur += body.slice(start, i) + n;
        i++;
        start = i + 1;
      }
    } else if (c === 124) {
      fields.push(cur + body.slice(start, i));
      cur = '';
      start = i + 1;
      if (fields.length === count) return { fields, rest: body.slice(i + 1) };
    }
  }
  fields.push(cur + body.slice(start));
  return fields.length === count ? { fields, rest: '' } : null;
}

/** csNLabel/csN and cnNLabel/cnN extension keys */
const CUSTOM_STRINGS = [
  ['cs1Label', 'cs1'],
  ['cs2Label', 'cs2'],
  ['cs3Label', 'cs3'],
  ['cs4Label', 'cs4'],
  ['cs5Label', 'cs5'],
  ['cs6Label', 'cs6'],
] as const;
const CUSTOM_NUMBERS = [
  ['cn1Label', 'cn1'],
  ['cn2Label', 'cn2'],
  ['cn3Label', 'cn3'],
] as const;
/** the extension keys this parser maps (`get` takes only these) */
const EXTENSION_KEYS = [
  'act',
  'app',
  'c6a2',
  'c6a3',
  'cat',
  'catdt',
  'destinationTranslatedAddress',
  'destinationTranslatedPort',
  'deviceDirection',
  'deviceInboundInterface',
  'deviceOutboundInterface',
  'dhost',
  'dmac',
  'dpt',
  'dst',
  'dtz',
  'duser',
  'dvchost',
  'fname',
  'in',
  'msg',
  'out',
  'outcome',
  'proto',
  'reason',
  'request',
  'requestClientApplication',
  'requestContext',
  'requestMethod',
  'shost',
  'smac',
  'sourceTranslatedAddress',
  'sourceTranslatedPort',
  'spt',
  'src',
  'suser',
  'end',
  'rt',
  'start',
  ...CUSTOM_STRINGS.flat(),
  ...CUSTOM_NUMBERS.flat(),
] as const;
const extensionTable = fieldTable(EXTENSION_KEYS);
/** An extension value; empty ones count as absent. */
const get = (v: string | undefined) => (v === '' ? undefined : v);
const RULE_ID_LABEL = /(?:rule|policy|acl)(?:id|uid|uuid|number)$/;
const RULE_NAME_LABEL = /(?:rule|policy|acl|accesslist)(?:name)?$/;
const IDS_DEVICE = /\b(?:ids|ips|intrusion)\b/i;

export const cefParser: Parser = {
  name: 'cef',
  description: 'ArcSight Common Event Format (CEF), any vendor, with or without a syslog header',
  sniff: (line) => findMarker(line, 'CEF:') >= 0 && line.includes('|'),
  parse(line, ctx): ParseResult {
    if (line.trim() === '') return fail('empty', 'empty line');
    const at = findMarker(line, 'CEF:');
    if (at < 0) return fail('syntax', 'not a CEF line: no "CEF:" header');
    const header = splitHeader(line.slice(at + 4), 7);
    if (!header)
      return fail(
        'syntax',
        'CEF header needs 7 pipe-separated fields (Version|Vendor|Product|Version|ID|Name|Severity)',
      );
    const [version, vendor, product, , signatureId, name, severityText] = header.fields as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (!/^\d{1,3}(?:\.\d{1,3})?$/.test(version.trim()))
      return fail('syntax', `CEF version "${version.slice(0, 20)}" is not a number`);
    // the extension is the end of the line: read there, not in a slice
    const ext = readSpacedPairs(line, true, extensionTable, line.length - header.rest.length);
    const syslog = syslogPrefix(line.slice(0, at), ctx.receivedAt);

    const dtz = get(ext.dtz);
    const deviceZone = dtz ? resolveZone(dtz) : null;
    const timeOf = (v: string | undefined) => (v ? vendorTime(v, ctx.receivedAt, deviceZone) : null);
    const rt = timeOf(ext.rt);
    const start = timeOf(ext.start);
    const end = timeOf(ext.end);
    const timestamp = rt ?? end ?? start ?? syslog.timestamp ?? ctx.receivedAt;
    const durationNs =
      start && end && end >= start ? (end.getTime() - start.getTime()) * 1_000_000 : undefined;

    const cat = get(ext.cat);
    const catdt = get(ext.catdt);
    const detection =
      (cat !== undefined && DETECTION_CATEGORY.test(cat)) || (catdt !== undefined && IDS_DEVICE.test(catdt));
    const act = get(ext.act);
    const v = verdict(act);
    const outcomeText = get(ext.outcome)?.replace(/^\//, '').toLowerCase();
    const outcome =
      outcomeText === 'success' || outcomeText === 'failure'
        ? outcomeText
        : v === 'allowed'
          ? 'success'
          : v === 'denied'
            ? 'failure'
            : undefined;

    let rule: EcsEvent['rule'];
    if (detection) {
      rule = { id: text(signatureId.trim(), 128), name: text(name.trim(), 512), category: text(cat, 256) };
    } else {
      let id: string | undefined;
      let ruleName: string | undefined;
      for (const [labelKey, valueKey] of CUSTOM_STRINGS) {
        const label = get(ext[labelKey])
          ?.toLowerCase()
          .replace(/[^a-z]/g, '');
        const value = get(ext[valueKey]);
        if (!label || !value) continue;
        if (RULE_ID_LABEL.test(label)) id ??= value;
        else if (RULE_NAME_LABEL.test(label)) ruleName ??= value;
      }
      for (const [labelKey, valueKey] of CUSTOM_NUMBERS) {
        const label = get(ext[labelKey])
          ?.toLowerCase()
          .replace(/[^a-z]/g, '');
        const value = get(ext[valueKey]);
        if (label && value && RULE_ID_LABEL.test(label)) id ??= value;
      }
      rule = { id: text(id, 128), name: text(ruleName, 512) };
    }

    const deviceName = text(get(ext.dvchost) ?? syslog.hostname, 255);
    const transport = transportOf(get(ext.proto));
    const direction = get(ext.deviceDirection);
    const severity = severityOf(severityText);
    const base = baseEvent(ctx, timestamp, line, deviceName ?? '', {
      kind: detection ? 'alert' : 'event',
      category: detection ? detectionCategories(cat) : ['network'],
      type: [v ?? 'info'],
      action: text((act ?? (detection ? undefined : name.trim()))?.toLowerCase(), 128),
      outcome,
      severity,
      code: text(signatureId.trim(), 64),
      reason: text(get(ext.reason), 1024),
      dataset: 'cef.log',
      module: 'cef',
      start: start ? isoString(start) : undefined,
      end: end ? isoString(end) : undefined,
      duration: durationNs !== undefined && Number.isSafeInteger(durationNs) ? durationNs : undefined,
    });
    const inIf = text(get(ext.deviceInboundInterface), 64);
    const outIf = text(get(ext.deviceOutboundInterface), 64);
    const shost = get(ext.shost);
    const dhost = get(ext.dhost);
    const method = get(ext.requestMethod);
    const suser = get(ext.suser);
    const duser = get(ext.duser);
    const snat = get(ext.sourceTranslatedAddress);
    const snatPort = get(ext.sourceTranslatedPort);
    const dnat = get(ext.destinationTranslatedAddress);
    const dnatPort = get(ext.destinationTranslatedPort);
    const agent = get(ext.requestClientApplication);
    const fname = get(ext.fname);
    const referrer = get(ext.requestContext);
    const observerType = catdt
      ? IDS_DEVICE.test(catdt)
        ? 'ids'
        : /firewall/i.test(catdt)
          ? 'firewall'
          : undefined
      : undefined;
    return {
      ok: true,
      event: {
        ...base,
        observer: {
          vendor: text(vendor.trim(), 128),
          product: text(product.trim(), 128),
          type: observerType,
          name: deviceName,
          hostname: deviceName,
          ingress: inIf ? { interface: { name: inIf } } : undefined,
          egress: outIf ? { interface: { name: outIf } } : undefined,
        },
        source: {
          ip: ipOf(get(ext.src)) ?? ipOf(get(ext.c6a2)),
          port: toPort(get(ext.spt)),
          bytes: toCount(get(ext.in)),
          mac: ecsMac(get(ext.smac)),
          domain: shost && !isIp(shost) ? text(shost, 255) : undefined,
          user: suser ? { name: text(suser, 255) } : undefined,
          nat: snat || snatPort ? { ip: ipOf(snat), port: toPort(snatPort) } : undefined,
        },
        destination: {
          ip: ipOf(get(ext.dst)) ?? ipOf(get(ext.c6a3)),
          port: toPort(get(ext.dpt)),
          bytes: toCount(get(ext.out)),
          mac: ecsMac(get(ext.dmac)),
          domain: dhost && !isIp(dhost) ? text(dhost, 255) : undefined,
          user: duser ? { name: text(duser, 255) } : undefined,
          nat: dnat || dnatPort ? { ip: ipOf(dnat), port: toPort(dnatPort) } : undefined,
        },
        network: {
          transport: transport.transport,
          iana_number: transport.iana,
          protocol: text(get(ext.app)?.toLowerCase(), 32),
          direction: direction === '0' ? 'inbound' : direction === '1' ? 'outbound' : undefined,
        },
        rule,
        message: text(get(ext.msg) ?? name.trim(), 8192),
        url: urlFields(get(ext.request)),
        http:
          method || referrer
            ? { request: { method: text(method, 16), referrer: text(referrer, 8192) } }
            : undefined,
        user_agent: agent ? { original: text(agent, 2048) } : undefined,
        file: fname ? { name: text(fname, 1024) } : undefined,
      },
    };
  },
};
