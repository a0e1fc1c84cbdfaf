// pfSense / OPNsense packet-filter log ("filterlog"): one CSV record per logged packet.
//
// Documents followed:
//   - Netgate, pfSense documentation, "Raw Filter Log Format"
//     (https://docs.netgate.com/pfsense/en/latest/monitoring/raw-filter-log-format.html)
//   - OPNsense, filterlog "description.txt"
//     (https://github.com/opnsense/ports/blob/master/opnsense/filterlog/files/description.txt)
//
// Line forms accepted (the CSV is the syslog message body after the filterlog tag):
//   [<PRI>]Mmm dd hh:mm:ss [host ]filterlog[pid]: <csv>     RFC 3164 (pfSense's default omits host)
//   <PRI>1 <iso-time> <host> filterlog <procid> <msgid> <sd> <csv>   RFC 5424
//   <iso-time> [host ]filterlog[pid]: <csv>                 rsyslog precise time
//   <csv>                                                   the bare record
//
// CSV grammar (field numbers from 0):
//   common: 0 rule number, 1 sub rule number, 2 anchor, 3 tracker (pfSense: the rule's numeric
//           tracking id; OPNsense: the rule label, a 32-hex-digit hash, or "0" when unknown),
//           4 real interface, 5 reason (match, bad-offset, fragment, short, normalize, memory,
//           ...), 6 action (pass, block, scrub, nat, binat, rdr, synproxy-drop), 7 direction
//           (in, out, in/out), 8 IP version (4 or 6)
//   IPv4:   9 TOS, 10 ECN, 11 TTL, 12 ID, 13 offset, 14 flags, 15 protocol id,
//           16 protocol text, 17 length (IP total length), 18 source, 19 destination, 20.. data
//   IPv6:   9 class, 10 flow label, 11 hop limit, 12 protocol text, 13 protocol id,
//           14 length (IPv6 payload length), 15 source, 16 destination, 17.. data
//   TCP, UDP, SCTP data: source port, destination port, data length
//           [TCP: flags, sequence, ack, window, urg, options]
//   ICMP data (pfSense: type word and type-specific fields; OPNsense: "datalength=N"
//           then type, code, id, seq, mtu) and CARP data are not mapped: ECS has no field here.
//
// Mapping decisions:
//   - event.action is the pf action word; pass -> allowed/success, block and synproxy-drop ->
//     denied/failure, the other actions (nat, rdr, binat, scrub) -> info.
//   - event.reason is the pf reason ("match" for a rule match).
//   - rule.id is the tracker (the stable per-rule id pfSense uses to link a log line to its
//     rule). The rule number is the rule's position in the loaded ruleset, changes on every
//     reload and has no field in the schema, so it is not mapped.
//   - pf's "in"/"out" is relative to the interface, not to the network perimeter, so it sets
//     observer.ingress or observer.egress interface and not network.direction.
//   - network.bytes is the IP packet length: the IPv4 total length as logged, or for IPv6 the
//     logged payload length plus the 40-byte fixed header. network.packets is 1 (one logged
//     packet per line).
//   - A tracker of 32 hex digits is OPNsense's rule label: observer "OPNsense", module
//     "opnsense"; otherwise observer "Netgate" pfSense, module "pfsense".
//   - Syslog timestamps without a zone (RFC 3164) are read as UTC; RFC 5424 and ISO times
//     carry their zone and are converted. A bare CSV record gets ctx.receivedAt.
import type { EcsEvent } from '@soc/schema';
import { baseEvent, bsdTimestamp, isIp, isoTimestamp, toCount, toPort, transportName } from '../common.ts';
import { fail, type ParseResult, type Parser } from '../types.ts';

const TAG = 'filterlog';
const MONTH = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)$/;
const HEX32 = /^[0-9a-f]{32}$/;
const DIGITS = /^\d+$/;

interface Located {
  csv: string;
  timestamp?: Date;
  host?: string;
}

/** Skips RFC 5424 structured data ("-" or one or more [id k="v" ...] elements) from `at`. */
function skipStructuredData(s: string, at: number): number {
  if (s[at] === '-') return at + 1;
  let i = at;
  while (s[i] === '[') {
    let quoted = false;
    i++;
    for (; i < s.length; i++) {
      const c = s[i];
      if (c === '\\') i++;
      else if (c === '"') quoted = !quoted;
      else if (c === ']' && !quoted) break;
    }
    if (i >= s.length) return -1;
    i++;
  }
  return i;
}

/** The position of the "filterlog" tag: followed by "[pid]", ":" or a space (RFC 5424 app-name). */
function findTag(line: string): number {
  let at = line.indexOf(TAG);
  while (at >= 0) {
    const next = line[at + TAG.length];
    const before = at === 0 ? ' ' : line[at - 1];
    if ((next === '[' || next === ':' || next === ' ') && before === ' ') return at;
    at = line.indexOf(TAG, at + 1);
  }
  return -1;
}

function readHeader(prefix: string, receivedAt: Date): { timestamp?: Date; host?: string; rfc5424: boolean } {
  let rest = prefix;
  if (rest.startsWith('<')) {
    const close = rest.indexOf('>');
    if (close > 0 && close <= 4) rest = rest.slice(close + 1);
  }
  const rfc5424 = rest.startsWith('1 ');
  const tokens = (rfc5424 ? rest.slice(2) : rest).split(' ').filter((t) => t !== '');
  if (tokens.length === 0) return { rfc5424 };
  if (MONTH.test(tokens[0]!) && tokens.length >= 3) {
    const timestamp = bsdTimestamp(tokens[0]!, Number(tokens[1]), tokens[2]!, receivedAt) ?? undefined;
    return { timestamp, host: tokens[3], rfc5424 };
  }
  const timestamp = isoTimestamp(tokens[0]!) ?? undefined;
  const host = tokens[1] === '-' ? undefined : tokens[1];
  return { timestamp, host, rfc5424 };
}

function locate(line: string, receivedAt: Date): Located | string {
  const at = findTag(line);
  if (at < 0) {
    const csv = line.trim();
    return DIGITS.test(csv.slice(0, csv.indexOf(',')))
      ? { csv }
      : 'no filterlog tag and not a filterlog CSV record';
  }
  const header = readHeader(line.slice(0, at), receivedAt);
  let i = at + TAG.length;
  if (line[i] === '[') {
    const close = line.indexOf(']', i);
    if (close < 0) return 'unterminated [pid] after the filterlog tag';
    i = close + 1;
  }
  if (line[i] === ':') {
    return { csv: line.slice(i + 1).trim(), ...header };
  }
  if (line[i] !== ' ' || !header.rfc5424) return 'filterlog tag not followed by ":"';
  // RFC 5424: app-name procid msgid structured-data message
  const procEnd = line.indexOf(' ', i + 1);
  const msgEnd = procEnd < 0 ? -1 : line.indexOf(' ', procEnd + 1);
  if (msgEnd < 0) return 'truncated RFC 5424 header';
  const sdEnd = skipStructuredData(line, msgEnd + 1);
  if (sdEnd < 0) return 'unterminated RFC 5424 structured data';
  return {
    csv: line
      .slice(sdEnd)
      .replace(/^\uFEFF/, '')
      .trim(),
    ...header,
  };
}

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);

export const pfsenseFilterlogParser: Parser = {
  name: 'pfsense-filterlog',
  description:
    'pfSense / OPNsense filterlog CSV (pf packet log), bare or after an RFC 3164/5424 syslog header',
  sniff(line) {
    const at = findTag(line);
    const csv = at >= 0 ? line.slice(at) : line;
    return (
      (csv.includes(',in,4,') ||
        csv.includes(',out,4,') ||
        csv.includes(',in,6,') ||
        csv.includes(',out,6,')) &&
      (at >= 0 || (line.charCodeAt(0) >= 48 && line.charCodeAt(0) <= 57))
    );
  },
  parse(line, ctx): ParseResult {
    if (line.trim() === '') return fail('empty', 'empty line');
    const located = locate(line, ctx.receivedAt);
    if (typeof located === 'string') return fail('syntax', located);
    const f = located.csv.split(',');
    if (f.length < 9)
      return fail('syntax', `filterlog record has ${f.length} fields, fewer than the 9 common ones`);
    if (!DIGITS.test(f[0]!))
      return fail('syntax', `filterlog rule number "${f[0]!.slice(0, 32)}" is not a number`);
    const [, , , tracker, iface, reason, actionRaw, dir, ipVersion] = f as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (dir !== 'in' && dir !== 'out' && dir !== 'in/out')
      return fail('syntax', `filterlog direction "${dir.slice(0, 16)}" is not in, out or in/out`);

    let protoId: string | undefined;
    let length: number | undefined;
    let src: string | undefined;
    let dst: string | undefined;
    let data: number;
    if (ipVersion === '4') {
      if (f.length < 20) return fail('syntax', 'filterlog IPv4 record is truncated before the addresses');
      protoId = f[15];
      length = toCount(f[17]);
      src = f[18];
      dst = f[19];
      data = 20;
    } else if (ipVersion === '6') {
      if (f.length < 17) return fail('syntax', 'filterlog IPv6 record is truncated before the addresses');
      protoId = f[13];
      const payload = toCount(f[14]);
      length = payload === undefined ? undefined : payload + 40;
      src = f[15];
      dst = f[16];
      data = 17;
    } else {
      return fail('syntax', `filterlog IP version "${ipVersion.slice(0, 16)}" is not 4 or 6`);
    }
    if (!isIp(src) || !isIp(dst))
      return fail('syntax', 'filterlog source or destination is not an IP address');

    const proto =
      protoId !== undefined && DIGITS.test(protoId) && Number(protoId) <= 255 ? protoId : undefined;
    const named = proto === undefined ? undefined : transportName(proto);
    const transport = named !== undefined && !DIGITS.test(named) ? named : undefined;
    const ported = proto === '6' || proto === '17' || proto === '132';

    const action = actionRaw.toLowerCase();
    let type: EcsEvent['event']['type'] = ['info'];
    let outcome: EcsEvent['event']['outcome'];
    if (action === 'pass') {
      type = ['allowed'];
      outcome = 'success';
    } else if (action === 'block' || action === 'synproxy-drop') {
      type = ['denied'];
      outcome = 'failure';
    }

    const opnsense = HEX32.test(tracker);
    const module = opnsense ? 'opnsense' : 'pfsense';
    const host = located.host;
    const timestamp = located.timestamp ?? ctx.receivedAt;
    const ifaceName = nonEmpty(iface)?.slice(0, 64);
    const event = baseEvent(ctx, timestamp, line, host ?? '', {
      kind: 'event',
      category: ['network'],
      type,
      action: nonEmpty(action)?.slice(0, 128),
      outcome,
      reason: nonEmpty(reason)?.slice(0, 1024),
      dataset: `${module}.filterlog`,
      module,
    });
    return {
      ok: true,
      event: {
        ...event,
        observer: {
          vendor: opnsense ? 'OPNsense' : 'Netgate',
          product: opnsense ? 'OPNsense' : 'pfSense',
          type: 'firewall',
          name: host,
          hostname: host,
          ingress: dir === 'in' && ifaceName ? { interface: { name: ifaceName } } : undefined,
          egress: dir === 'out' && ifaceName ? { interface: { name: ifaceName } } : undefined,
        },
        source: { ip: src, port: ported ? toPort(f[data]) : undefined },
        destination: { ip: dst, port: ported ? toPort(f[data + 1]) : undefined },
        network: {
          transport,
          iana_number: proto,
          bytes: length,
          packets: 1,
        },
        rule: tracker !== '' && tracker !== '0' ? { id: tracker.slice(0, 128) } : undefined,
      },
    };
  },
};
