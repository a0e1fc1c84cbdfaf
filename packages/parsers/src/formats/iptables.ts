// Linux netfilter (iptables/nftables LOG target, UFW) kernel log lines.
//
// Grammar (netfilter's nf_log_syslog.c / ipt_LOG output), after an optional syslog header
// and the kernel's "[ seconds.micros]" uptime stamp:
//   <prefix> IN=<if> OUT=<if> [MAC=<mac>] SRC=<ip> DST=<ip> LEN=<n> ... PROTO=<p>
//   [SPT=<port> DPT=<port>] [flags...]
// The prefix is whatever the rule's --log-prefix set; the action comes from it:
// UFW's "[UFW BLOCK]"/"[UFW ALLOW]"/"[UFW AUDIT]", and the common DROP/REJECT/ACCEPT words.
// Reference: https://www.netfilter.org/documentation/ and the kernel source
// net/netfilter/nf_log_syslog.c (field names and order).
import { baseEvent, ianaNumber, isIp, toCount, toPort, transportName } from '../common.ts';
import { splitSyslogHeader } from '../syslog-header.ts';
import { fail, type ParseResult, type Parser } from '../types.ts';

type Action = { action: string; type: 'allowed' | 'denied' | 'connection'; outcome?: 'success' | 'failure' };

const DEFAULT_PREFIX_MAP: [RegExp, Action][] = [
  [/\bUFW BLOCK\b/i, { action: 'block', type: 'denied', outcome: 'failure' }],
  [/\bUFW ALLOW\b/i, { action: 'allow', type: 'allowed', outcome: 'success' }],
  [/\bUFW AUDIT\b/i, { action: 'audit', type: 'connection' }],
  [/\bREJECT/i, { action: 'reject', type: 'denied', outcome: 'failure' }],
  [/\b(DROP|DENY|BLOCK)/i, { action: 'drop', type: 'denied', outcome: 'failure' }],
  [/\b(ACCEPT|ALLOW|PASS)/i, { action: 'accept', type: 'allowed', outcome: 'success' }],
];

export function iptablesParser(prefixMap: [RegExp, Action][] = DEFAULT_PREFIX_MAP): Parser {
  return {
    name: 'iptables',
    description: 'Linux netfilter/iptables/UFW kernel log (LOG target), with or without a syslog header',
    sniff: (line) => line.includes(' SRC=') && line.includes('IN=') && line.includes(' DST='),
    parse(line, ctx): ParseResult {
      if (line.trim() === '') return fail('empty', 'empty line');
      const header = splitSyslogHeader(line, ctx.receivedAt);
      let body = header.message;
      const inAt = body.indexOf('IN=');
      if (inAt < 0 || !body.includes(' SRC='))
        return fail('syntax', 'not a netfilter log line: no IN= and SRC= fields');
      let prefix = body.slice(0, inAt);
      prefix = prefix.replace(/^\s*\[\s*\d+\.\d+\]\s*/, '').trim();
      body = body.slice(inAt);

      const fields = readFields(body);
      const src = fields.SRC;
      const dst = fields.DST;
      if (!isIp(src) || !isIp(dst)) return fail('syntax', 'SRC or DST is not an IP address');
      const lower = prefix.toLowerCase();
      const custom = ctx.iptablesPrefixes?.find((p) => lower.includes(p.match.toLowerCase()));
      const verdict = (custom && {
        action: custom.action,
        type: custom.type,
        outcome:
          custom.type === 'allowed'
            ? ('success' as const)
            : custom.type === 'denied'
              ? ('failure' as const)
              : undefined,
      }) ??
        prefixMap.find(([re]) => re.test(prefix))?.[1] ?? {
          action: 'log',
          type: 'connection' as const,
        };
      const transport = fields.PROTO ? transportName(fields.PROTO) : undefined;
      const timestamp = header.timestamp ?? ctx.receivedAt;
      const observerName = header.hostname;

      const event = baseEvent(ctx, timestamp, line, observerName ?? '', {
        kind: 'event',
        category: ['network'],
        type: [verdict.type],
        action: verdict.action,
        outcome: verdict.outcome,
        dataset: 'iptables.log',
        module: 'iptables',
      });
      return {
        ok: true,
        event: {
          ...event,
          observer: {
            vendor: 'netfilter',
            product: 'iptables',
            type: 'firewall',
            name: observerName,
            hostname: observerName,
            ingress: fields.IN ? { interface: { name: fields.IN } } : undefined,
            egress: fields.OUT ? { interface: { name: fields.OUT } } : undefined,
          },
          source: { ip: src, port: toPort(fields.SPT), mac: macSource(fields.MAC) },
          destination: { ip: dst, port: toPort(fields.DPT) },
          network: {
            transport,
            iana_number: transport ? ianaNumber(transport) : undefined,
            bytes: toCount(fields.LEN),
            packets: 1,
          },
          rule: prefix ? { name: prefix.slice(0, 512) } : undefined,
        },
      };
    },
  };
}

type Key = 'IN' | 'OUT' | 'MAC' | 'SRC' | 'DST' | 'LEN' | 'PROTO' | 'SPT' | 'DPT';
type Fields = Partial<Record<Key, string>>;
const KEYS = new Set<string>(['IN', 'OUT', 'MAC', 'SRC', 'DST', 'LEN', 'PROTO', 'SPT', 'DPT']);

/**
 * The KEY=value tokens (separated by single spaces) this parser maps. The first occurrence
 * wins: LEN= is repeated for UDP (IP length, then UDP length).
 */
function readFields(body: string): Fields {
  const f: Fields = {};
  const n = body.length;
  let start = 0;
  while (start < n) {
    let end = body.indexOf(' ', start);
    if (end < 0) end = n;
    const eq = body.indexOf('=', start);
    if (eq > start && eq < end) {
      const key = body.slice(start, eq);
      if (KEYS.has(key) && f[key as Key] === undefined) f[key as Key] = body.slice(eq + 1, end);
    }
    start = end + 1;
  }
  return f;
}

/** netfilter prints MAC= as destination MAC, source MAC and ethertype joined by colons. */
function macSource(mac: string | undefined): string | undefined {
  if (!mac) return undefined;
  const octets = mac.split(':');
  if (octets.length < 12) return undefined;
  return octets.slice(6, 12).join(':').toUpperCase().replaceAll(':', '-');
}
