// Splits the syslog header off a line, when there is one, so firewall parsers see the
// message body. Recognised (in this order):
//   RFC 5424:  <PRI>1 2026-11-29T10:00:00.123Z host app procid msgid [sd] message
//   RFC 3164:  <PRI>Nov 29 10:00:00 host tag[pid]: message    (<PRI> optional)
//   ISO time:  2026-11-29T10:00:00.123+01:00 host tag: message (rsyslog's precise format)
// A line with none of these is returned whole, without a timestamp.
import { bsdTimestamp, isoTimestamp } from './common.ts';

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
