// Helpers shared by the format parsers: timestamps, protocol numbers, the event skeleton.
import { ECS_VERSION, type EcsEvent, stableId } from '@soc/schema';

export { compact } from '@soc/schema';

import type { ParseContext } from './types.ts';

/** English month abbreviations (as syslog writes them) → month index. */
export const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

/**
 * An RFC 3164 timestamp ("Nov  9 10:00:00", no year, no zone) read as UTC in the year
 * that puts it closest to the receive time (a December line received in January belongs
 * to the previous year).
 */
export function bsdTimestamp(month: string, day: number, time: string, receivedAt: Date): Date | null {
  const m = MONTHS[month];
  let hh = -1;
  let mm = -1;
  let ss = -1;
  if (time.length === 8 && time.charCodeAt(2) === 58 && time.charCodeAt(5) === 58) {
    // hh:mm:ss, as syslog writes it
    hh = twoDigits(time, 0);
    mm = twoDigits(time, 3);
    ss = twoDigits(time, 6);
  }
  if (hh < 0 || mm < 0 || ss < 0) {
    const parts = time.split(':');
    if (m === undefined || parts.length !== 3) return null;
    hh = Number(parts[0]);
    mm = Number(parts[1]);
    ss = Number(parts[2]);
    if (!Number.isInteger(hh) || !Number.isInteger(mm) || !Number.isInteger(ss)) return null;
  }
  if (m === undefined) return null;
  if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return null;
  // a day that every month has, at a time within it, is a date in any year: no need to
  // check that the day did not run over into the next month
  const everyMonth = m >= 0 && Number.isInteger(day) && day <= 28 && hh >= 0 && mm >= 0 && ss >= 0 && ss < 60;
  const received = receivedAt.getTime();
  const year = receivedAt.getUTCFullYear();
  // fields in their ranges, in the years utcMillis takes, are computed in arithmetic
  const plain =
    Number.isInteger(day) && hh >= 0 && mm >= 0 && ss >= 0 && ss < 60 && year > 100 && year < 9999;
  let best = Number.NaN;
  for (let y = year - 1; y <= year + 1; y++) {
    let t: number;
    if (plain) {
      t = utcMillis(y, m + 1, day, hh, mm, ss);
      if (Number.isNaN(t)) continue;
    } else {
      t = Date.UTC(y, m, day, hh, mm, ss);
      if (!everyMonth && new Date(t).getUTCDate() !== day) continue;
    }
    if (Number.isNaN(best) || Math.abs(t - received) < Math.abs(best - received)) best = t;
  }
  return Number.isNaN(best) ? null : new Date(best);
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** ISO 8601 / RFC 3339 with an optional zone written as Z, +hh:mm or +hhmm; microseconds allowed. */
export function isoTimestamp(text: string): Date | null {
  return isoInRange(text) ?? isoParsed(text);
}

/** Two decimal digits at `i` as a number; negative when either is not a digit. */
export function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Date.UTC(y, mo - 1, d, h, mi, s, ms) for fields already in their ranges (years 100 to
 * 9999, month 1..12, hh:mm:ss up to 23:59:59), in arithmetic: Date.UTC is a runtime call.
 * NaN when the month has no such day (where Date.UTC would run over into the next month).
 */
export function utcMillis(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms = 0,
): number {
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d < 1 || d > (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!)) return Number.NaN;
  // days since 1970-01-01 (H. Hinnant's days_from_civil), the year starting in March
  const ya = mo <= 2 ? y - 1 : y;
  const era = Math.floor(ya / 400);
  const yoe = ya - era * 400;
  const doy = Math.floor((153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146_097 + doe - 719_468;
  return days * 86_400_000 + h * 3_600_000 + mi * 60_000 + s * 1000 + ms;
}

/**
 * isoTimestamp read character by character, for texts in the ordinary ranges (what lines
 * carry); null for anything else, which isoParsed then decides.
 */
function isoInRange(s: string): Date | null {
  const n = s.length;
  if (n < 19) return null;
  const century = twoDigits(s, 0);
  const yy = twoDigits(s, 2);
  const mo = twoDigits(s, 5);
  const d = twoDigits(s, 8);
  const h = twoDigits(s, 11);
  const mi = twoDigits(s, 14);
  const sec = twoDigits(s, 17);
  const sep = s.charCodeAt(10);
  if (
    century < 0 ||
    yy < 0 ||
    mo < 0 ||
    d < 0 ||
    h < 0 ||
    mi < 0 ||
    sec < 0 ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    (sep !== 84 && sep !== 32) ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58
  )
    return null;
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    // ".fff...": milliseconds from the first three digits
    const start = ++i;
    for (let c = s.charCodeAt(i); c >= 48 && c <= 57; c = s.charCodeAt(++i))
      if (i - start < 3) ms += (c - 48) * (i === start ? 100 : i === start + 1 ? 10 : 1);
    if (i === start) return null;
  }
  let offset = 0;
  if (i < n) {
    const sign = s.charCodeAt(i);
    if (sign === 90 && i + 1 === n) {
      // Z
    } else if (sign === 43 || sign === 45) {
      const zh = twoDigits(s, i + 1);
      const zm = twoDigits(s, s.charCodeAt(i + 3) === 58 ? i + 4 : i + 3);
      if (zh < 0 || zm < 0 || (s.charCodeAt(i + 3) === 58 ? i + 6 : i + 5) !== n) return null;
      if (zh > 23 || zm > 59) return null;
      offset = (zh * 60 + zm) * (sign === 45 ? -60_000 : 60_000);
    } else return null;
  }
  const y = century * 100 + yy;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (
    y < 100 ||
    mo < 1 ||
    mo > 12 ||
    d < 1 ||
    d > (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!) ||
    h > 23 ||
    mi > 59 ||
    sec > 59
  )
    return null;
  return new Date(utcMillis(y, mo, d, h, mi, sec, ms) - offset);
}

function isoParsed(text: string): Date | null {
  const m = ISO_TIME.exec(text);
  if (!m) return null;
  const frac = m[7] ? m[7].slice(0, 4).padEnd(4, '0') : '';
  const zone = m[8] ?? 'Z';
  // the common case computed directly; anything out of the ordinary ranges is left to
  // Date's own parser, as before
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const h = Number(m[4]);
  const mi = Number(m[5]);
  const sec = Number(m[6]);
  const zh = zone === 'Z' ? 0 : Number(zone.slice(1, 3));
  const zm = zone === 'Z' ? 0 : Number(zone.slice(-2));
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (
    y >= 100 &&
    mo >= 1 &&
    mo <= 12 &&
    d >= 1 &&
    d <= (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!) &&
    h <= 23 &&
    mi <= 59 &&
    sec <= 59 &&
    zh <= 23 &&
    zm <= 59
  ) {
    const offset = (zh * 60 + zm) * (zone.charCodeAt(0) === 45 ? -60_000 : 60_000);
    return new Date(Date.UTC(y, mo - 1, d, h, mi, sec, frac ? Number(frac.slice(1)) : 0) - offset);
  }
  const iso = zone !== 'Z' && zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const parsed = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${frac}${iso}`);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

const IANA: Record<string, string> = {
  icmp: '1',
  igmp: '2',
  tcp: '6',
  udp: '17',
  gre: '47',
  esp: '50',
  ipv6_icmp: '58',
  'ipv6-icmp': '58',
  icmpv6: '58',
  sctp: '132',
};

export function ianaNumber(transport: string): string | undefined {
  return IANA[transport];
}

const PROTOCOL_NAMES: Record<string, string> = {
  '1': 'icmp',
  '6': 'tcp',
  '17': 'udp',
  '47': 'gre',
  '50': 'esp',
  '58': 'ipv6-icmp',
  '132': 'sctp',
};

/** A transport from a name or number ("TCP", "6", "ICMPv6") in ECS's lowercase form. */
export function transportName(value: string): string {
  const v = value.toLowerCase();
  if (/^\d+$/.test(v)) return PROTOCOL_NAMES[v] ?? v;
  return v === 'icmpv6' || v === 'ipv6_icmp' ? 'ipv6-icmp' : v;
}

export function toPort(value: string | number | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : undefined;
}

export function toCount(value: string | number | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** Loose IPv4/IPv6 shape check: enough to keep free text out of ip fields. */
export function isIp(value: string | undefined): value is string {
  if (!value || value.length > 45) return false;
  return isDottedQuad(value) || (/^[0-9a-fA-F:.]+$/.test(value) && value.includes(':'));
}

/** /^(\d{1,3}\.){3}\d{1,3}$/ by char code: the common case of isIp, without a regex call. */
function isDottedQuad(v: string): boolean {
  let dots = 0;
  let digits = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return false;
    } else if (c === 46 && digits > 0 && dots < 3) {
      dots++;
      digits = 0;
    } else return false;
  }
  return dots === 3 && digits > 0;
}

/**
 * Whether a line is empty or only whitespace (as `line.trim() === ''`): a line that starts
 * with a printable ASCII character is neither, without trim scanning or copying it.
 */
export function isBlank(line: string): boolean {
  const c = line.charCodeAt(0);
  return !(c > 32 && c < 127) && line.trim() === '';
}

/**
 * The fields every event has: time, ids, tenant, ECS version, and the original line when
 * kept. `event` becomes the event's `event` object (the id and times are added to it).
 */
export function baseEvent(
  ctx: ParseContext,
  timestamp: Date,
  line: string,
  observerKey: string,
  event: Omit<EcsEvent['event'], 'id'>,
): EcsEvent {
  const fields = event as EcsEvent['event'];
  fields.id = stableId(ctx.tenant, observerKey, line);
  fields.ingested = isoOf(ctx.receivedAt);
  if (ctx.keepOriginal) fields.original = line;
  return {
    '@timestamp': isoString(timestamp),
    ecs: { version: ECS_VERSION },
    event: fields,
    organization: { id: ctx.tenant },
  };
}

// The receive time is the same for every line of a batch: format it once.
let lastTime = Number.NaN;
let lastIso = '';
function isoOf(d: Date): string {
  const t = d.getTime();
  if (t !== lastTime) {
    lastIso = isoString(d);
    lastTime = t;
  }
  return lastIso;
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const MAX_FOUR_DIGIT_YEAR = 253402300799999; // 9999-12-31T23:59:59.999Z

/**
 * Date#toISOString for years 1970..9999, computed in JS (the built-in is a runtime call that
 * costs more than the rest of an event's skeleton); other dates use the built-in.
 */
export function isoString(d: Date): string {
  const t = d.getTime();
  if (!(t >= 0 && t <= MAX_FOUR_DIGIT_YEAR)) return d.toISOString();
  const days = Math.floor(t / 86_400_000);
  let rest = t - days * 86_400_000;
  // civil date from days since 1970-01-01 (H. Hinnant's days_from_civil, inverted)
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hh = Math.floor(rest / 3_600_000);
  rest -= hh * 3_600_000;
  const mi = Math.floor(rest / 60_000);
  rest -= mi * 60_000;
  const ss = Math.floor(rest / 1000);
  const ms = rest - ss * 1000;
  return `${year < 1000 ? String(year).padStart(4, '0') : year}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hh]}:${TWO_DIGITS[mi]}:${TWO_DIGITS[ss]}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}

/** A non-empty string, cut to `max` characters; undefined for absent or empty values. */
export function bounded(v: string | undefined, max: number): string | undefined {
  return v === undefined || v === '' ? undefined : v.length > max ? v.slice(0, max) : v;
}

/**
 * A translated address for source/destination.nat: unset when the device logged no
 * translation (0.0.0.0, ::, port 0) or one that changed nothing.
 */
export function natEndpoint(
  ip: string | undefined,
  port: string | undefined,
  origIp: string | undefined,
  origPort: number | undefined,
): { ip?: string; port?: number } | undefined {
  const natIp = isIp(ip) && ip !== '0.0.0.0' && ip !== '::' ? ip : undefined;
  const natPort = toPort(port) || undefined;
  if (!natIp && !natPort) return undefined;
  if ((natIp === undefined || natIp === origIp) && (natPort === undefined || natPort === origPort))
    return undefined;
  return { ip: natIp, port: natPort };
}

/** ECS user object from a user name field. */
export function userOf(v: string | undefined): { name: string } | undefined {
  const name = bounded(v, 255);
  return name ? { name } : undefined;
}

/** ECS observer.ingress/egress from an interface name. */
export function interfaceOf(v: string | undefined): { interface: { name: string } } | undefined {
  const name = bounded(v, 64);
  return name ? { interface: { name } } : undefined;
}

/** aa:bb:cc:dd:ee:ff (or with hyphens) → AA-BB-CC-DD-EE-FF, as ECS wants. */
export function ecsMac(v: string | undefined): string | undefined {
  if (v?.length !== 17) return undefined;
  const m = v.toUpperCase().replaceAll(':', '-');
  return /^[0-9A-F]{2}(-[0-9A-F]{2}){5}$/.test(m) ? m : undefined;
}

/**
 * Tells which of a fixed set of keys the text from `from` to `to` is, by its index in `keys`
 * (-1 for none), without slicing it: key-value parsers keep only the keys they map.
 */
export function keyIndexer(keys: readonly string[]): (text: string, from: number, to: number) => number {
  // keys are bucketed by length, first and last character in a small array: an array
  // index is cheaper than a Map lookup (whose numeric keys would not fit a small integer)
  const size = 1024;
  const slot = (length: number, first: number, last: number) =>
    (length * 961 + first * 31 + last) & (size - 1);
  const table: (number[] | undefined)[] = new Array(size).fill(undefined);
  keys.forEach((k, i) => {
    const s = slot(k.length, k.charCodeAt(0), k.charCodeAt(k.length - 1));
    const bucket = table[s];
    if (bucket) bucket.push(i);
    else table[s] = [i];
  });
  return (text, from, to) => {
    const length = to - from;
    if (length <= 0) return -1;
    const bucket = table[slot(length, text.charCodeAt(from), text.charCodeAt(to - 1))];
    if (bucket === undefined) return -1;
    for (let i = 0; i < bucket.length; i++) {
      const k = keys[bucket[i]!]!;
      if (k.length === length && text.startsWith(k, from)) return bucket[i]!;
    }
    return -1;
  };
}

/**
 * The keys a key-value parser maps, read in two steps: while scanning a line, `index` tells
 * a key's slot (-1 for keys not mapped) and the value goes into that slot of an array from
 * `slots`; `fields` then makes the object the parser reads by name, with every key present
 * and one shape for every line. (Storing by computed names, many different ones, into an
 * object is slow; storing into an array slot and reading a fixed-shape object by name is not.)
 */
export interface FieldTable<K extends string> {
  index(text: string, from: number, to: number): number;
  /** an array of one slot per key, all empty (reading one gives undefined) */
  slots(): (string | undefined)[];
  fields(slots: readonly (string | undefined)[]): { [P in K]?: string };
}

export function fieldTable<K extends string>(keys: readonly K[]): FieldTable<K> {
  const props = keys.map((k, i) => `${JSON.stringify(k)}: v[${i}]`).join(', ');
  return {
    index: keyIndexer(keys),
    slots: () => new Array(keys.length),
    fields: new Function('v', `return { ${props} };`) as FieldTable<K>['fields'],
  };
}
