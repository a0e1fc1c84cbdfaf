// Splits the syslog header off a line, when there is one, so firewall parsers see the
// message body. Recognised (in this order):
//   RFC 5424:  <PRI>1 2026-11-29T10:00:00.123Z host app procid msgid [sd] message
//   RFC 3164:  <PRI>Nov 29 10:00:00 host tag[pid]: message    (<PRI> optional)
//   ISO time:  2026-11-29T10:00:00.123+01:00 host tag: message (rsyslog's precise format)
// A line with none of these is returned whole, without a timestamp.
import { bsdTimestamp, isoTimestamp, twoDigits } from './common.ts';

export interface SyslogHeader {
  timestamp?: Date;
  hostname?: string;
  app?: string;
  message: string;
}

const RFC5424 = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|\[.*?\](?:\[.*?\])*) ?/;
const RFC3164 =
  /^(?:<(\d{1,3})>)?([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}:\d{2}:\d{2}) (\S+) ([^:\s[]+)(?:\[\d+\])?: ?/;
const ISO_PREFIX = /^(?:<(\d{1,3})>)?(\d{4}-\d{2}-\d{2}T\S+) (\S+) ([^:\s[]+)(?:\[\d+\])?: ?/;

const nil = (v: string | undefined) => (v === undefined || v === '-' ? undefined : v);

export function splitSyslogHeader(line: string, receivedAt: Date): SyslogHeader {
  let m = RFC5424.exec(line);
  if (m) {
    return {
      timestamp: isoTimestamp(m[2]!) ?? undefined,
      hostname: nil(m[3]),
      app: nil(m[4]),
      message: line.slice(m[0].length).replace(/^\uFEFF/, ''),
    };
  }
  m = RFC3164.exec(line);
  if (m) {
    return {
      timestamp: bsdTimestamp(m[2]!, Number(m[3]), m[4]!, receivedAt) ?? undefined,
      hostname: m[5],
      app: m[6],
      message: line.slice(m[0].length),
    };
  }
  m = ISO_PREFIX.exec(line);
  if (m) {
    return {
      timestamp: isoTimestamp(m[2]!) ?? undefined,
      hostname: m[3],
      app: m[4],
      message: line.slice(m[0].length),
    };
  }
  return { message: line };
}

/**
 * The host of a syslog header that a parser has cut off in front of its body (trimmed):
 * "<pri>1 TIMESTAMP HOST ...", "<pri>Mon dd hh:mm:ss HOST" or "ISO-TIME HOST", the <pri>
 * optional; undefined for anything else. Tokens are read in place (no split): every line
 * of a firewall stream carries such a header.
 */
export function syslogHeaderHost(header: string): string | undefined {
  let from = 0;
  if (header.charCodeAt(0) === 60) {
    const gt = header.indexOf('>');
    if (gt < 0) return undefined;
    from = gt + 1;
  }
  const first = tokenStart(header, from, 0);
  if (first < 0) return undefined;
  const space = header.indexOf(' ', first);
  const length = (space < 0 ? header.length : space) - first;
  if (length === 1 && header.charCodeAt(first) === 49) return tokenAt(header, first, 2); // 1 TIMESTAMP HOST
  if (length === 3 && isMonthName(header, first)) return tokenAt(header, first, 3); // Mon dd hh:mm:ss HOST
  if (isIsoDateTime(header, first)) return tokenAt(header, first, 1); // ISO HOST
  return undefined;
}

/** Where the `k`-th (0-based) token separated by spaces starts from `from`; -1 if none. */
function tokenStart(text: string, from: number, k: number): number {
  let i = from;
  for (;;) {
    while (text.charCodeAt(i) === 32) i++;
    if (i >= text.length) return -1;
    if (k-- === 0) return i;
    const space = text.indexOf(' ', i);
    if (space < 0) return -1;
    i = space;
  }
}

function tokenAt(text: string, from: number, k: number): string | undefined {
  const start = tokenStart(text, from, k);
  if (start < 0) return undefined;
  const space = text.indexOf(' ', start);
  return text.slice(start, space < 0 ? text.length : space);
}

/** /^[A-Z][a-z]{2}/ at `i` */
function isMonthName(text: string, i: number): boolean {
  const a = text.charCodeAt(i);
  const b = text.charCodeAt(i + 1);
  const c = text.charCodeAt(i + 2);
  return a >= 65 && a <= 90 && b >= 97 && b <= 122 && c >= 97 && c <= 122;
}

/** /^\d{4}-\d{2}-\d{2}T/ at `i` */
function isIsoDateTime(text: string, i: number): boolean {
  return (
    twoDigits(text, i) >= 0 &&
    twoDigits(text, i + 2) >= 0 &&
    text.charCodeAt(i + 4) === 45 &&
    twoDigits(text, i + 5) >= 0 &&
    text.charCodeAt(i + 7) === 45 &&
    twoDigits(text, i + 8) >= 0 &&
    text.charCodeAt(i + 10) === 84
  );
}
