// AWS VPC Flow Logs records (text, space-separated, "-" for a field with no value).
//
// Default format (version 2), always in this order:
//   version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes
//   start end action log-status
// Custom formats choose any of the documented fields in any order (v3: vpc-id subnet-id
// instance-id tcp-flags type pkt-srcaddr pkt-dstaddr; v4: region az-id sublocation-type
// sublocation-id; v5: pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path;
// v7: ecs-*; v8: reject-reason). Flow log files written to S3 begin with a header line
// naming the fields ("version account-id interface-id srcaddr ..." or, for a custom
// format, e.g. "vpc-id subnet-id instance-id interface-id ... flow-direction traffic-path";
// the "${field}" spelling of the format string is accepted too). A header line is consumed
// (ParseError code "header") and sets the column list for the following lines of the same
// stream (ctx.stream["aws-vpc-flow"]); without one, the default version 2 list applies.
//
// Mapping (ECS 8.x):
//   start/end (epoch seconds: first and last packet of the flow within the aggregation
//     interval) → event.start/event.end; @timestamp = start, the time the traffic was
//     first seen, as for the connection-start time of other network logs (end when the
//     record has no start, the receive time when it has neither).
//   srcaddr/dstaddr → source.ip/destination.ip; but when the record carries pkt-srcaddr /
//     pkt-dstaddr (the packet-level, original addresses), those are the flow's real
//     endpoints (srcaddr/dstaddr are then the interface's own address, e.g. a NAT gateway
//     or an EKS node) and become source/destination.ip; when a packet-level address
//     differs from the interface-level one, related.ip lists all the distinct addresses.
//   srcport/dstport → source/destination.port (not for ICMP, whose records show 0);
//   protocol (IANA number) → network.iana_number and network.transport (name when known).
//   packets/bytes → network.packets/bytes and source.packets/bytes (a record covers one
//     direction of the flow: from source to destination).
//   action ACCEPT/REJECT → event.type allowed/denied, event.outcome success/failure,
//     event.action "accept"/"reject" (security group and network ACL verdicts, so the
//     observer type is "firewall"); reject-reason → event.reason.
//   flow-direction ingress/egress → network.direction inbound/outbound (as seen by the
//     network interface).
//   interface-id → observer.ingress.interface.name (ECS: single-armed observation points
//     use observer.ingress only); account-id → cloud.account.id ("unknown" is dropped);
//     region → cloud.region; cloud.provider "aws".
//   log-status NODATA (no traffic in the interval) → ParseError "empty" with that reason:
//     the record carries no flow. log-status SKIPDATA (records were skipped in the
//     interval: an AWS capacity constraint or internal error) → an event of type info,
//     event.action "skipdata", so that the gap in the flow data is visible.
//   Fields without an ECS field in our schema (vpc-id, subnet-id, instance-id, tcp-flags,
//   type, az-id, sublocation-*, pkt-*-aws-service, traffic-path, ecs-*) are left out.
// observer: vendor "AWS", product "VPC Flow Logs", type "firewall"; event.module "aws",
// event.dataset "aws.vpcflow".
//
// Reference: Amazon VPC User Guide, "Logging IP traffic using VPC Flow Logs — Flow log
// records" (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html) and
// "Flow log record examples" (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html).
import type { EcsEvent } from '@soc/schema';
import { baseEvent, isIp, isoString, toCount, toPort, transportName } from '../common.ts';
import { fail, header, type ParseContext, type ParseResult, type Parser } from '../types.ts';

const DEFAULT_FIELDS = [
  'version',
  'account-id',
  'interface-id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'action',
  'log-status',
] as const;

const KNOWN_FIELDS = new Set<string>([
  ...DEFAULT_FIELDS,
  'vpc-id',
  'subnet-id',
  'instance-id',
  'tcp-flags',
  'type',
  'pkt-srcaddr',
  'pkt-dstaddr',
  'region',
  'az-id',
  'sublocation-type',
  'sublocation-id',
  'pkt-src-aws-service',
  'pkt-dst-aws-service',
  'flow-direction',
  'traffic-path',
  'ecs-cluster-arn',
  'ecs-cluster-name',
  'ecs-container-instance-arn',
  'ecs-container-instance-id',
  'ecs-container-id',
  'ecs-second-container-id',
  'ecs-service-name',
  'ecs-task-definition-arn',
  'ecs-task-arn',
  'ecs-task-id',
  'reject-reason',
]);

/** A column list and where each field we map sits in it. */
interface Layout {
  fields: string[];
  at: Map<string, number>;
}

const layout = (fields: string[]): Layout => ({
  fields,
  at: new Map(fields.map((f, i) => [f, i] as const)),
});
const DEFAULT_LAYOUT = layout([...DEFAULT_FIELDS]);
const STREAM_KEY = 'aws-vpc-flow';

/** IANA protocol numbers that common.ts does not name. */
const MORE_PROTOCOLS: Record<string, string> = {
  '2': 'igmp',
  '4': 'ipip',
  '41': 'ipv6',
  '51': 'ah',
  '89': 'ospf',
  '103': 'pim',
  '112': 'vrrp',
  '115': 'l2tp',
};

const OBSERVER = { vendor: 'AWS', product: 'VPC Flow Logs', type: 'firewall' } as const;
const NAME = /^[a-z][a-z0-9-]*$/;
const DIGITS = /^\d+$/;
const MAX_SECONDS = Date.UTC(9999, 11, 31) / 1000;

/** The header line's field names, or undefined when the line is a record. */
function headerFields(tokens: string[]): string[] | undefined {
  const unbrace = (t: string) =>
    t.startsWith('$') && t.startsWith('{', 1) && t.endsWith('}') ? t.slice(2, -1) : t;
  if (!KNOWN_FIELDS.has(unbrace(tokens[0]!))) return undefined;
  const names = tokens.map(unbrace);
  return names.every((n) => NAME.test(n)) ? names : undefined;
}

function seconds(v: string | undefined): Date | null | undefined {
  if (v === undefined || v === '-') return undefined;
  if (!DIGITS.test(v)) return null;
  const n = Number(v);
  return n <= MAX_SECONDS ? new Date(n * 1000) : null;
}

export const awsVpcFlowParser: Parser = {
  name: 'aws-vpc-flow',
  description: 'AWS VPC Flow Logs records, default (version 2) or custom format with its header line',
  sniff(line) {
    if (/^\d+ (?:\d{12}|unknown|-) (?:eni-[0-9a-f]+|-) /.test(line)) return true;
    // a header line: every token a flow-log field name (default or custom format)
    if (headerFields(line.trim().split(/ +/))) return true;
    return (
      line.includes('eni-') &&
      (line.includes(' ACCEPT ') ||
        line.includes(' REJECT ') ||
        line.endsWith(' OK') ||
        line.includes(' OK ') ||
        line.includes('NODATA') ||
        line.includes('SKIPDATA'))
    );
  },
  parse(line, ctx): ParseResult {
    const text = line.trim();
    if (text === '') return fail('empty', 'empty line');
    let tokens = text.split(' ');
    if (tokens.includes('')) tokens = tokens.filter((t) => t !== '');
    const names = headerFields(tokens);
    if (names) {
      if (ctx.stream) ctx.stream[STREAM_KEY] = layout(names);
      return header('VPC flow log header: field list');
    }
    const custom = ctx.stream?.[STREAM_KEY] as Layout | undefined;
    const lay = custom ?? DEFAULT_LAYOUT;
    if (tokens.length !== lay.fields.length) {
      return fail(
        'syntax',
        custom
          ? `VPC flow log record has ${tokens.length} fields, the header line names ${lay.fields.length}`
          : `not a default-format VPC flow log record: ${tokens.length} fields, expected 14 (no header line seen)`,
      );
    }
    const get = (name: string): string | undefined => {
      const i = lay.at.get(name);
      if (i === undefined) return undefined;
      const v = tokens[i]!;
      return v === '-' ? undefined : v;
    };
    return record(get, line, ctx);
  },
};

function record(get: (name: string) => string | undefined, line: string, ctx: ParseContext): ParseResult {
  const version = get('version');
  if (version !== undefined && !DIGITS.test(version))
    return fail('syntax', 'not a VPC flow log record: version is not a number');
  const start = seconds(get('start'));
  const end = seconds(get('end'));
  if (start === null || end === null) return fail('syntax', 'VPC flow log start/end is not epoch seconds');
  const iface = get('interface-id');
  const status = get('log-status');
  if (status === 'NODATA') {
    return fail(
      'empty',
      `log-status NODATA: no traffic on ${iface ?? 'the network interface'} in the aggregation interval` +
        (start && end ? ` ${start.toISOString()} to ${end.toISOString()}` : ''),
    );
  }
  if (status !== undefined && status !== 'OK' && status !== 'SKIPDATA')
    return fail('syntax', `unknown VPC flow log log-status "${status.slice(0, 32)}"`);

  const addr = (name: string): string | null | undefined => {
    const v = get(name);
    if (v === undefined) return undefined;
    return isIp(v) ? v : null;
  };
  const srcaddr = addr('srcaddr');
  const dstaddr = addr('dstaddr');
  const pktSrc = addr('pkt-srcaddr');
  const pktDst = addr('pkt-dstaddr');
  if (srcaddr === null || dstaddr === null || pktSrc === null || pktDst === null)
    return fail('syntax', 'VPC flow log address field is not an IP address');
  const srcIp = pktSrc ?? srcaddr;
  const dstIp = pktDst ?? dstaddr;
  if (status !== 'SKIPDATA' && srcIp === undefined && dstIp === undefined)
    return fail('syntax', 'VPC flow log record has neither a source nor a destination address');

  const num = (name: string): number | null | undefined => {
    const v = get(name);
    if (v === undefined) return undefined;
    return DIGITS.test(v) ? Number(v) : null;
  };
  const srcPort = num('srcport');
  const dstPort = num('dstport');
  const packets = num('packets');
  const bytes = num('bytes');
  const proto = num('protocol');
  if (srcPort === null || dstPort === null || packets === null || bytes === null || proto === null)
    return fail('syntax', 'VPC flow log port, protocol, packets or bytes field is not a number');
  if (proto !== undefined && proto > 255)
    return fail('syntax', 'VPC flow log protocol is not an IANA number');

  const action = get('action');
  let type: EcsEvent['event']['type'];
  let outcome: EcsEvent['event']['outcome'];
  let ecsAction: string | undefined;
  let reason: string | undefined;
  if (status === 'SKIPDATA') {
    type = ['info'];
    ecsAction = 'skipdata';
    reason =
      'log-status SKIPDATA: flow log records were skipped in the aggregation interval (AWS capacity constraint or internal error)';
  } else if (action === 'ACCEPT') {
    type = ['allowed'];
    outcome = 'success';
    ecsAction = 'accept';
  } else if (action === 'REJECT') {
    type = ['denied'];
    outcome = 'failure';
    ecsAction = 'reject';
    reason = get('reject-reason')?.slice(0, 1024);
  } else if (action === undefined) {
    type = ['connection'];
  } else {
    return fail('syntax', `unknown VPC flow log action "${action.slice(0, 32)}"`);
  }

  let transport: string | undefined;
  if (proto !== undefined) {
    const name = transportName(String(proto));
    transport = DIGITS.test(name) ? MORE_PROTOCOLS[name] : name;
  }
  // ICMP records carry 0 in the port fields
  const icmp = proto === 1 || proto === 58;
  const flowDirection = get('flow-direction');
  const account = get('account-id');
  const related =
    (pktSrc !== undefined && pktSrc !== srcaddr) || (pktDst !== undefined && pktDst !== dstaddr)
      ? [...new Set([srcIp, dstIp, srcaddr, dstaddr].filter((v): v is string => v !== undefined))]
      : undefined;

  const timestamp = start ?? end ?? ctx.receivedAt;
  // only defined values go in: the strict schema sees set fields only
  const e: EcsEvent = baseEvent(
    ctx,
    timestamp,
    line,
    iface ?? '',
    defined({
      kind: 'event',
      category: ['network'],
      type,
      action: ecsAction,
      outcome,
      reason,
      start: start ? isoString(start) : undefined,
      end: end ? isoString(end) : undefined,
      dataset: 'aws.vpcflow',
      module: 'aws',
    })!,
  );
  e.observer = iface
    ? { ...OBSERVER, ingress: { interface: { name: iface.slice(0, 64) } } }
    : { ...OBSERVER };
  const source = defined({
    ip: srcIp,
    port: icmp ? undefined : toPort(srcPort),
    bytes: toCount(bytes),
    packets: toCount(packets),
  });
  if (source) e.source = source;
  const destination = defined({ ip: dstIp, port: icmp ? undefined : toPort(dstPort) });
  if (destination) e.destination = destination;
  const network = defined({
    transport,
    iana_number: proto === undefined ? undefined : String(proto),
    direction: flowDirection === 'ingress' ? 'inbound' : flowDirection === 'egress' ? 'outbound' : undefined,
    bytes: toCount(bytes),
    packets: toCount(packets),
  } as const);
  if (network) e.network = network;
  e.cloud = { provider: 'aws' };
  if (account && account !== 'unknown') e.cloud.account = { id: account.slice(0, 64) };
  const region = get('region');
  if (region) e.cloud.region = region.slice(0, 64);
  if (related) e.related = { ip: related };
  return { ok: true, event: e };
}

/**
 * The object without its undefined values, or undefined when none is left. A flat
 * for-in copy: this is the hot path, and common.ts's recursive compact() was a quarter
 * of the parse time here.
 */
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
