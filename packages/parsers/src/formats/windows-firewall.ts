// Windows Defender Firewall (Windows Firewall with Advanced Security) log, pfirewall.log:
// a W3C-like text file. Header lines:
//   #Version: 1.5
//   #Software: Microsoft Windows Firewall
//   #Time Format: Local
//   #Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn
//            tcpack tcpwin icmptype icmpcode info path [pid]
// then one space-separated record per line, "-" for a field with no value, e.g.
//   2026-11-29 10:00:02 DROP TCP 203.0.113.9 10.0.0.5 40000 3389 52 S 1264813418 0 64240 - - - RECEIVE 4
// Every "#Name:" line is consumed (ParseError code "header"); "#Fields:" sets the column
// list for the following lines of the same stream (ctx.stream["windows-firewall"]). Before
// any "#Fields:" line the documented 17-column list above applies (18 columns: the same
// plus pid, as newer Windows versions write).
//
// Time zone: date and time are the LOCAL time of the machine ("#Time Format: Local") and the
// file does not say which zone that is. They are read as UTC: run the logging hosts in UTC,
// or convert before ingest, until the deployment can declare a zone per source.
//
// Mapping (ECS 8.x):
//   action  ALLOW → event.type allowed, outcome success, event.action "allow";
//           DROP → denied, failure, "drop";
//           INFO-EVENTS-LOST → type info, event.action "info-events-lost", message with the
//             number of events that were not logged (the info field);
//           the Windows XP/2003 actions OPEN / OPEN-INBOUND → connection,start (success;
//             direction outbound / inbound), CLOSE → connection,end.
//   protocol (TCP, UDP, ICMP, ICMPv6 or an IANA number) → network.transport/iana_number;
//   src-ip/dst-ip/src-port/dst-port → source/destination ip/port;
//   size (packet size in bytes; 0 when not recorded) → network.bytes;
//   path SEND → network.direction outbound, RECEIVE → inbound (FORWARD and UNKNOWN state
//   no direction and are left out). tcpflags, tcpsyn, tcpack, tcpwin, icmptype, icmpcode and
//   pid have no field in our schema and are left out.
// observer: vendor "Microsoft", product "Windows Defender Firewall", type "firewall";
// event.module "windows_firewall", event.dataset "windows_firewall.log".
//
// References: Microsoft Learn, "Configure Windows Firewall logging"
// (https://learn.microsoft.com/en-us/windows/security/operating-system-security/network-security/windows-firewall/configure-logging)
// and "Windows Firewall with Advanced Security: Configuring firewall log files —
// Interpreting the firewall log file"
// (https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-server-2008-R2-and-2008/ff428145(v=ws.10)),
// "Interpreting the Windows Firewall Log" (Windows Server 2003, for OPEN/CLOSE)
// (https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-server-2003/cc758040(v=ws.10)).
import type { EcsEvent } from '@soc/schema';
import { baseEvent, ianaNumber, isIp, toCount, toPort, transportName } from '../common.ts';
import { fail, header, type ParseContext, type ParseResult, type Parser } from '../types.ts';

const DEFAULT_FIELDS = [
  'date',
  'time',
  'action',
  'protocol',
  'src-ip',
  'dst-ip',
  'src-port',
  'dst-port',
  'size',
  'tcpflags',
  'tcpsyn',
  'tcpack',
  'tcpwin',
  'icmptype',
  'icmpcode',
  'info',
  'path',
];

interface Layout {
  fields: string[];
  date: number;
  time: number;
  action: number;
  protocol: number;
  srcIp: number;
  dstIp: number;
  srcPort: number;
  dstPort: number;
  size: number;
  info: number;
  path: number;
}

function layout(fields: string[]): Layout {
  const at = (name: string) => fields.indexOf(name);
  return {
    fields,
    date: at('date'),
    time: at('time'),
    action: at('action'),
    protocol: at('protocol'),
    srcIp: at('src-ip'),
    dstIp: at('dst-ip'),
    srcPort: at('src-port'),
    dstPort: at('dst-port'),
    size: at('size'),
    info: at('info'),
    path: at('path'),
  };
}

const DEFAULT_LAYOUT = layout(DEFAULT_FIELDS);
const OBSERVER = { vendor: 'Microsoft', product: 'Windows Defender Firewall', type: 'firewall' } as const;
const DEFAULT_LAYOUT_PID = layout([...DEFAULT_FIELDS, 'pid']);
const STREAM_KEY = 'windows-firewall';

type Verdict = {
  action: string;
  type: EcsEvent['event']['type'];
  outcome?: 'success' | 'failure';
  direction?: 'inbound' | 'outbound';
};
const ACTIONS: Record<string, Verdict> = {
  ALLOW: { action: 'allow', type: ['allowed'], outcome: 'success' },
  DROP: { action: 'drop', type: ['denied'], outcome: 'failure' },
  'INFO-EVENTS-LOST': { action: 'info-events-lost', type: ['info'] },
  OPEN: { action: 'open', type: ['connection', 'start'], outcome: 'success', direction: 'outbound' },
  'OPEN-INBOUND': {
    action: 'open-inbound',
    type: ['connection', 'start'],
    outcome: 'success',
    direction: 'inbound',
  },
  CLOSE: { action: 'close', type: ['connection', 'end'] },
};

/** IANA protocol numbers that common.ts does not name. */
const MORE_PROTOCOLS: Record<string, string> = {
  '2': 'igmp',
  '41': 'ipv6',
  '51': 'ah',
  '89': 'ospf',
  '112': 'vrrp',
};

const DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const TIME = /^(\d{1,2}):(\d{2}):(\d{2})$/;
const HEADER = /^#[A-Za-z][A-Za-z -]*:/;

/** date + time, local time of the logging host without a zone, read as UTC. */
function timestampOf(date: string | undefined, time: string | undefined): Date | null {
  const d = date ? DATE.exec(date) : null;
  const t = time ? TIME.exec(time) : null;
  if (!d || !t) return null;
  const [y, mo, da] = [Number(d[1]), Number(d[2]) - 1, Number(d[3])];
  const [h, mi, s] = [Number(t[1]), Number(t[2]), Number(t[3])];
  if (h > 23 || mi > 59 || s > 59) return null;
  const ts = new Date(Date.UTC(y, mo, da, h, mi, s));
  return ts.getUTCFullYear() === y && ts.getUTCMonth() === mo && ts.getUTCDate() === da ? ts : null;
}

export const windowsFirewallParser: Parser = {
  name: 'windows-firewall',
  description: 'Windows Defender Firewall log (pfirewall.log), with its #Fields header',
  sniff(line) {
    if (line.startsWith('#'))
      return line.startsWith('#Fields: date ') || line.startsWith('#Software: Microsoft');
    return /^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}:\d{2} (?:ALLOW|DROP|INFO-EVENTS-LOST|OPEN|OPEN-INBOUND|CLOSE) /.test(
      line,
    );
  },
  parse(line, ctx): ParseResult {
    const text = line.trim();
    if (text === '') return fail('empty', 'empty line');
    if (text.charCodeAt(0) === 35 /* # */) {
      if (!HEADER.test(text))
        return fail('syntax', 'not a Windows Firewall log header line ("#Name: value")');
      if (text.startsWith('#Fields:')) {
        const fields = text.slice('#Fields:'.length).trim().split(/\s+/);
        if (!fields.includes('action') || !fields.includes('date') || !fields.includes('time'))
          return fail('syntax', 'Windows Firewall #Fields header without date, time and action');
        if (ctx.stream) ctx.stream[STREAM_KEY] = layout(fields);
        return header('Windows Firewall #Fields header');
      }
      return header('Windows Firewall log header');
    }
    let tokens = text.split(' ');
    if (tokens.includes('')) tokens = tokens.filter((t) => t !== '');
    const custom = ctx.stream?.[STREAM_KEY] as Layout | undefined;
    const lay =
      custom ?? (tokens.length === DEFAULT_LAYOUT_PID.fields.length ? DEFAULT_LAYOUT_PID : DEFAULT_LAYOUT);
    if (tokens.length !== lay.fields.length) {
      return fail(
        'syntax',
        custom
          ? `Windows Firewall record has ${tokens.length} fields, the #Fields header names ${lay.fields.length}`
          : `not a Windows Firewall log record: ${tokens.length} fields, expected 17 (no #Fields header seen)`,
      );
    }
    return record(tokens, lay, line, ctx);
  },
};

function record(tokens: string[], lay: Layout, line: string, ctx: ParseContext): ParseResult {
  const get = (i: number): string | undefined => {
    if (i < 0) return undefined;
    const v = tokens[i]!;
    return v === '-' ? undefined : v;
  };
  const timestamp = timestampOf(get(lay.date), get(lay.time));
  if (!timestamp) return fail('syntax', 'not a Windows Firewall log record: no valid date and time');
  const actionWord = get(lay.action);
  const verdict = actionWord ? ACTIONS[actionWord] : undefined;
  if (!verdict)
    return fail('syntax', `unknown Windows Firewall action "${(actionWord ?? '-').slice(0, 32)}"`);

  const src = get(lay.srcIp);
  const dst = get(lay.dstIp);
  if ((src !== undefined && !isIp(src)) || (dst !== undefined && !isIp(dst)))
    return fail('syntax', 'Windows Firewall src-ip or dst-ip is not an IP address');
  const lost = verdict.action === 'info-events-lost';
  if (!lost && src === undefined && dst === undefined)
    return fail('syntax', 'Windows Firewall record has neither src-ip nor dst-ip');

  const protocol = get(lay.protocol);
  let transport = protocol ? transportName(protocol) : undefined;
  let iana = transport ? ianaNumber(transport) : undefined;
  if (transport && /^\d+$/.test(transport)) {
    // an IANA number that common.ts does not name
    iana = Number(transport) <= 255 ? String(Number(transport)) : undefined;
    transport = iana ? MORE_PROTOCOLS[iana] : undefined;
  }
  const path = get(lay.path);
  const direction =
    path === 'SEND'
      ? 'outbound'
      : path === 'RECEIVE'
        ? 'inbound'
        : path === undefined
          ? verdict.direction
          : undefined;
  const size = toCount(get(lay.size));
  const info = get(lay.info);

  const event: EcsEvent = baseEvent(ctx, timestamp, line, '', {
    kind: 'event',
    category: ['network'],
    type: verdict.type,
    action: verdict.action,
    dataset: 'windows_firewall.log',
    module: 'windows_firewall',
  });
  if (verdict.outcome) event.event.outcome = verdict.outcome;
  event.observer = { ...OBSERVER };
  // only defined values go in (a flat copy: cheaper than a recursive  per line)
  const source = defined({ ip: src, port: toPort(get(lay.srcPort)) });
  if (source) event.source = source;
  const destination = defined({ ip: dst, port: toPort(get(lay.dstPort)) });
  if (destination) event.destination = destination;
  const network = defined({
    transport: transport?.slice(0, 32),
    iana_number: iana,
    direction,
    bytes: size || undefined,
  });
  if (network) event.network = network;
  if (lost && info !== undefined)
    event.message = `${info.slice(0, 32)} events were processed but not written to the log (INFO-EVENTS-LOST)`;
  return { ok: true, event };
}

/** The object without its undefined values, or undefined when none is left. */
function defined<T extends object>(o: T): T | undefined {
  const out: Record<string, unknown> = {};
  let any = false;
  for (const k in o) {
    const v = o[k];
    if (v !== undefined) {
      out[k] = v;
      any = true;
    }
  }
  return any ? (out as T) : undefined;
}
