// IBM QRadar Log Event Extended Format (LEEF) 1.0 and 2.0, with or without a syslog header.
//
// Reference: IBM QRadar "Log Event Extended Format (LEEF) Version 2" — "LEEF event components",
// "Predefined LEEF event attributes", "Custom event date format"
// (https://www.ibm.com/docs/en/dsm?topic=overview-leef-event-components,
//  https://www.ibm.com/docs/en/dsm?topic=overview-predefined-leef-event-attributes,
//  https://www.ibm.com/docs/en/SS42VS_DSM/com.ibm.dsm.doc/c_LEEF_Format_Guide_dateformat.html).
//
// Grammar:
//   [syslog header ]LEEF:1.0|Vendor|Product|Version|EventID|key=value<tab>key=value...
//   [syslog header ]LEEF:2.0|Vendor|Product|Version|EventID|Delimiter|key=value<D>key=value...
// - syslog header: RFC 3164 "<13>Jan 18 11:07:53 host" or RFC 5424 "<13>1 <ISO time> host"
//   (no program tag, as the LEEF guide shows; tagged headers are accepted too);
// - Delimiter (2.0): one character, or its code as hex "x5E" / "0x5E" (1-4 hex digits); empty
//   means tab; a 2.0 header without a delimiter field (the attributes follow EventID) uses tab;
// - attributes split on the delimiter; a value runs to the next delimiter and may contain "=";
//   a piece without "=" belongs to the previous value (a delimiter inside a value);
// - when the delimiter is tab but the attributes hold none (LEEF 1.0 senders that use spaces),
//   they are read as space-separated pairs whose values may contain spaces (a value runs until
//   the next " key=").
// LEEF defines no escapes; the header is split on plain pipes.
//
// Mapping (predefined attribute -> ECS):
//   src (else srcPreNAT, else identSrc), srcPort (else srcPreNATPort) -> source.ip/port;
//   dst (else dstPreNAT), dstPort (else dstPreNATPort) -> destination.ip/port;
//   srcPostNAT/srcPostNATPort, dstPostNAT/dstPostNATPort -> source/destination.nat;
//   srcBytes/dstBytes, srcPackets/dstPackets -> source/destination bytes/packets;
//   totalPackets -> network.packets; srcMAC/dstMAC -> mac; usrName -> source.user.name;
//   identHostName -> source.domain when source.ip is identSrc; proto (number or keyword)
//   -> network.transport/iana_number; sev (1-10) -> event.severity; url -> url.*;
//   EventID -> event.code; cat -> the detection rule below.
//   Common custom keys from the CEF dictionary: action (else act) -> event.action lower-cased,
//   with event.type allowed/denied and event.outcome for verdict words; msg -> message;
//   dvchost (else the syslog host) -> observer.name/hostname; suser/duser -> user names.
// Time: devTime read with devTimeFormat (Java SimpleDateFormat letters y M d H h k K m s S a
// z Z X E and quoted literals; S digits are a decimal fraction); without devTimeFormat,
// devTime as 10/13-digit epoch, ISO 8601 or "MMM dd yyyy HH:mm:ss[.SSS][ z]". Without a
// zone: UTC. Without a year: the year nearest the receive time. No devTime: the syslog
// header time, else the receive time.
// Event kind (a stated rule, as for CEF): "alert" when cat names a detection (a word among
// intrusion, ids, ips, attack, exploit, threat, malware, virus), with rule.id = EventID and
// rule.category = cat, category ["network","malware"] for malware/virus, else
// ["network","intrusion_detection"]; otherwise kind "event", category ["network"].
import { baseEvent, fieldTable, isIp, toCount, toPort } from '../common.ts';
import { fail, type ParseResult, type Parser } from '../types.ts';
import {
  DETECTION_CATEGORY,
  detectionCategories,
  ecsMac,
  findMarker,
  ipOf,
  monthIndex,
  nearestYear,
  readSpacedPairs,
  resolveZone,
  syslogPrefix,
  text,
  transportOf,
  UTC,
  urlFields,
  validDate,
  vendorTime,
  verdict,
  wallToUtc,
  type Zone,
} from './cef.ts';

type Part = 'y' | 'yy' | 'M' | 'MMM' | 'd' | 'H' | 'h' | 'k' | 'K' | 'm' | 's' | 'S' | 'a' | 'z';
interface TimeFormat {
  re: RegExp;
  parts: Part[];
}

const FORMATS = new Map<string, TimeFormat | null>();

/** A Java SimpleDateFormat pattern as an anchored regular expression; null when unsupported. */
function compileFormat(fmt: string): TimeFormat | null {
  const cached = FORMATS.get(fmt);
  if (cached !== undefined) return cached;
  let re = '^';
  const parts: Part[] = [];
  let ok = fmt.length > 0 && fmt.length <= 64;
  for (let i = 0; ok && i < fmt.length; ) {
    const c = fmt[i]!;
    if (c === "'") {
      const close = fmt.indexOf("'", i + 1);
      if (close === i + 1) {
        re += "'";
        i += 2;
        continue;
      }
      if (close < 0) {
        ok = false;
        break;
      }
      re += fmt.slice(i + 1, close).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i = close + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) {
      re += c === ' ' ? ' +' : c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
      i++;
      continue;
    }
    let n = 1;
    while (fmt[i + n] === c) n++;
    i += n;
    const digits = n === 1 ? '(\\d{1,2})' : `(\\d{${n}})`;
    switch (c) {
      case 'y':
        re += n === 2 ? '(\\d{2})' : '(\\d{4})';
        parts.push(n === 2 ? 'yy' : 'y');
        break;
      case 'M':
        re += n >= 3 ? '([A-Za-z]{3,9})' : digits;
        parts.push(n >= 3 ? 'MMM' : 'M');
        break;
      case 'd':
      case 'H':
      case 'h':
      case 'k':
      case 'K':
      case 'm':
      case 's':
        re += digits;
        parts.push(c);
        break;
      case 'S':
        re += '(\\d{1,9})';
        parts.push('S');
        break;
      case 'a':
        re += '([AaPp][Mm])';
        parts.push('a');
        break;
      case 'z':
        re += '([A-Za-z][A-Za-z0-9/_+:-]*)';
        parts.push('z');
        break;
      case 'Z':
        re += '(Z|[+-]\\d{4})';
        parts.push('z');
        break;
      case 'X':
        re += '(Z|[+-]\\d{2}(?::?\\d{2})?)';
        parts.push('z');
        break;
      case 'E':
        re += '[A-Za-z]+';
        break;
      default:
        ok = false;
    }
  }
  const compiled = ok ? { re: new RegExp(`${re}$`), parts } : null;
  if (FORMATS.size < 256) FORMATS.set(fmt, compiled);
  return compiled;
}

/** devTime read with its devTimeFormat; null when it does not match. */
function formattedTime(value: string, fmt: string, receivedAt: Date): Date | null {
  const f = compileFormat(fmt);
  const m = f?.re.exec(value);
  if (!f || !m) return null;
  let year: number | undefined;
  let month = 0;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let ms = 0;
  let pm: boolean | undefined;
  let twelve = false;
  let zone: Zone | null = UTC;
  for (let i = 0; i < f.parts.length; i++) {
    const v = m[i + 1]!;
    switch (f.parts[i]) {
      case 'y':
        year = Number(v);
        break;
      case 'yy':
        year = 2000 + Number(v);
        break;
      case 'M':
        month = Number(v) - 1;
        break;
      case 'MMM':
        month = monthIndex(v) ?? -1;
        break;
      case 'd':
        day = Number(v);
        break;
      case 'H':
      case 'K':
        hour = Number(v);
        break;
      case 'k':
        hour = Number(v) % 24;
        break;
      case 'h':
        hour = Number(v) % 12;
        twelve = true;
        break;
      case 'm':
        minute = Number(v);
        break;
      case 's':
        second = Number(v);
        break;
      case 'S':
        ms = Math.floor(Number(`0.${v}`) * 1000 + 1e-6);
        break;
      case 'a':
        pm = v.toLowerCase() === 'pm';
        break;
      case 'z':
        zone = resolveZone(v);
        break;
    }
  }
  if (!zone) return null;
  if (pm && (twelve || hour < 12)) hour += 12;
  return year === undefined
    ? nearestYear(month, day, hour, minute, second, ms, zone, receivedAt)
    : wallToUtc(year, month, day, hour, minute, second, ms, zone);
}

function leefTime(devTime: string, fmt: string | undefined, receivedAt: Date): Date | null {
  const v = devTime.trim();
  if (fmt) {
    const t = formattedTime(v, fmt.trim(), receivedAt);
    if (t) return t;
  }
  if (/^\d{10}$/.test(v)) return validDate(Number(v) * 1000);
  if (/^\d{13}$/.test(v)) return validDate(Number(v));
  return /^\d+$/.test(v) ? null : vendorTime(v, receivedAt);
}

/** The LEEF 2.0 delimiter: one character or its hex code (x5E, 0x5E); '' is tab. */
function delimiterOf(spec: string): string | null {
  if (spec === '') return '\t';
  if (spec.length === 1) return spec;
  const m = /^(?:0x|x)([0-9A-Fa-f]{1,4})$/.exec(spec);
  if (!m) return null;
  const code = Number.parseInt(m[1]!, 16);
  return code > 0 ? String.fromCharCode(code) : null;
}

/** the attribute keys this parser maps (`get` takes only these) */
const KEYS = [
  'act',
  'action',
  'cat',
  'devTime',
  'devTimeFormat',
  'dst',
  'dstBytes',
  'dstMAC',
  'dstPackets',
  'dstPort',
  'dstPostNAT',
  'dstPostNATPort',
  'dstPreNAT',
  'dstPreNATPort',
  'duser',
  'dvchost',
  'identHostName',
  'identSrc',
  'msg',
  'proto',
  'sev',
  'src',
  'srcBytes',
  'srcMAC',
  'srcPackets',
  'srcPort',
  'srcPostNAT',
  'srcPostNATPort',
  'srcPreNAT',
  'srcPreNATPort',
  'suser',
  'totalPackets',
  'url',
  'usrName',
] as const;
const table = fieldTable(KEYS);
type Fields = ReturnType<typeof table.fields>;
/** An attribute value; empty ones count as absent. */
const get = (v: string | undefined) => (v === '' ? undefined : v);

/**
 * Pairs split on the delimiter, for the keys this parser maps only; a piece without "=" (or
 * whose key holds a space) continues the previous value, and pieces continuing a key that
 * is not kept are dropped with it. The first occurrence of a key wins.
 */
function readDelimitedPairs(s: string, delimiter: string): Fields {
  const slots = table.slots();
  let last = -1;
  for (let from = 0; from <= s.length; ) {
    let to = s.indexOf(delimiter, from);
    if (to < 0) to = s.length;
    const eq = s.indexOf('=', from);
    let key = -1;
    let isKey = false;
    if (eq > from && eq < to) {
      // a known key is found in place; anything else is sliced to tell an unknown key
      // (which ends the previous value) from text holding a space (which continues it)
      key = plainAt(s, from) && plainAt(s, eq - 1) ? table.index(s, from, eq) : -1;
      if (key >= 0) isKey = true;
      else {
        const text = s.slice(from, eq).trim();
        isKey = text !== '' && !text.includes(' ');
        if (isKey) key = table.index(text, 0, text.length);
      }
    }
    if (isKey) {
      if (key < 0 || slots[key] !== undefined) last = -1;
      else {
        slots[key] = s.slice(eq + 1, to).trim();
        last = key;
      }
    } else if (last >= 0 && to > from) {
      slots[last] = `${slots[last]}${delimiter}${s.slice(from, to)}`.trim();
    }
    from = to + 1;
  }
  return table.fields(slots);
}

/** A printable ASCII character other than space: never trimmed away. */
const plainAt = (s: string, i: number) => {
  const c = s.charCodeAt(i);
  return c > 32 && c < 127;
};

export const leefParser: Parser = {
  name: 'leef',
  description: 'IBM QRadar Log Event Extended Format (LEEF 1.0 and 2.0), with or without a syslog header',
  sniff: (line) => findMarker(line, 'LEEF:') >= 0 && line.includes('|'),
  parse(line, ctx): ParseResult {
    if (line.trim() === '') return fail('empty', 'empty line');
    const at = findMarker(line, 'LEEF:');
    if (at < 0) return fail('syntax', 'not a LEEF line: no "LEEF:" header');
    const body = line.slice(at + 5);
    const p1 = body.indexOf('|');
    const version = p1 < 0 ? '' : body.slice(0, p1).trim();
    if (!/^\d{1,2}(?:\.\d{1,2})?$/.test(version))
      return fail('syntax', 'LEEF header must start with "LEEF:<version>|", e.g. LEEF:1.0|');
    const fields: string[] = [];
    let pos = p1 + 1;
    for (let k = 0; k < 4; k++) {
      const next = body.indexOf('|', pos);
      if (next < 0) {
        if (k < 3)
          return fail('syntax', 'LEEF header needs Vendor|Product|Version|EventID after the version');
        fields.push(body.slice(pos));
        pos = body.length;
        break;
      }
      fields.push(body.slice(pos, next));
      pos = next + 1;
    }
    const [vendor, product, , eventId] = fields as [string, string, string, string];
    let attrs = body.slice(pos);
    let delimiter = '\t';
    if (Number.parseInt(version, 10) >= 2) {
      const next = attrs.indexOf('|');
      const spec = next >= 0 ? attrs.slice(0, next) : undefined;
      if (spec !== undefined && !spec.includes('=')) {
        const d = delimiterOf(spec);
        if (d === null)
          return fail(
            'syntax',
            `LEEF 2.0 delimiter "${spec.slice(0, 16)}" is neither one character nor a hex code`,
          );
        delimiter = d;
        attrs = attrs.slice(next + 1);
      }
    }
    const kv =
      delimiter === '\t' && !attrs.includes('\t')
        ? readSpacedPairs(attrs, false, table)
        : readDelimitedPairs(attrs, delimiter);

    const syslog = syslogPrefix(line.slice(0, at), ctx.receivedAt);
    const devTime = get(kv.devTime);
    const timestamp =
      (devTime ? leefTime(devTime, get(kv.devTimeFormat), ctx.receivedAt) : null) ??
      syslog.timestamp ??
      ctx.receivedAt;

    const cat = get(kv.cat);
    const detection = cat !== undefined && DETECTION_CATEGORY.test(cat);
    const action = get(kv.action) ?? get(kv.act);
    const v = verdict(action);
    const sevText = get(kv.sev);
    const sev = sevText && /^\d{1,4}$/.test(sevText) ? Number(sevText) : undefined;
    const identSrc = ipOf(get(kv.identSrc));
    const srcIp = ipOf(get(kv.src)) ?? ipOf(get(kv.srcPreNAT)) ?? identSrc;
    const transport = transportOf(get(kv.proto));
    const deviceName = text(get(kv.dvchost) ?? syslog.hostname, 255);
    const code = eventId.trim();
    const base = baseEvent(ctx, timestamp, line, deviceName ?? '', {
      kind: detection ? 'alert' : 'event',
      category: detection ? detectionCategories(cat) : ['network'],
      type: [v ?? 'info'],
      action: text(action?.toLowerCase(), 128),
      outcome: v === 'allowed' ? 'success' : v === 'denied' ? 'failure' : undefined,
      severity: sev !== undefined && sev <= 1000 ? sev : undefined,
      code: text(code, 64),
      dataset: 'leef.log',
      module: 'leef',
    });
    const identHost = get(kv.identHostName);
    const srcUser = get(kv.usrName) ?? get(kv.suser);
    const dstUser = get(kv.duser);
    const snat = get(kv.srcPostNAT);
    const snatPort = get(kv.srcPostNATPort);
    const dnat = get(kv.dstPostNAT);
    const dnatPort = get(kv.dstPostNATPort);
    return {
      ok: true,
      event: {
        ...base,
        observer: {
          vendor: text(vendor.trim(), 128),
          product: text(product.trim(), 128),
          name: deviceName,
          hostname: deviceName,
        },
        source: {
          ip: srcIp,
          port: toPort(get(kv.srcPort) ?? get(kv.srcPreNATPort)),
          bytes: toCount(get(kv.srcBytes)),
          packets: toCount(get(kv.srcPackets)),
          mac: ecsMac(get(kv.srcMAC)),
          domain:
            identHost && srcIp !== undefined && srcIp === identSrc && !isIp(identHost)
              ? text(identHost, 255)
              : undefined,
          user: srcUser ? { name: text(srcUser, 255) } : undefined,
          nat: snat || snatPort ? { ip: ipOf(snat), port: toPort(snatPort) } : undefined,
        },
        destination: {
          ip: ipOf(get(kv.dst)) ?? ipOf(get(kv.dstPreNAT)),
          port: toPort(get(kv.dstPort) ?? get(kv.dstPreNATPort)),
          bytes: toCount(get(kv.dstBytes)),
          packets: toCount(get(kv.dstPackets)),
          mac: ecsMac(get(kv.dstMAC)),
          user: dstUser ? { name: text(dstUser, 255) } : undefined,
          nat: dnat || dnatPort ? { ip: ipOf(dnat), port: toPort(dnatPort) } : undefined,
        },
        network: {
          transport: transport.transport,
          iana_number: transport.iana,
          packets: toCount(get(kv.totalPackets)),
        },
        rule: detection ? { id: text(code, 128), category: text(cat, 256) } : undefined,
        message: text(get(kv.msg), 8192),
        url: urlFields(get(kv.url)),
      },
    };
  },
};
