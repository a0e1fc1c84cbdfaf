// Snort 3 (and Snort 2) alert_fast text lines.
//
// Reference: Snort 3 User Manual, "Alert Logging" (https://docs.snort.org/start/alert_logging.html)
// and the Snort 3 Reference Guide, module alert_fast (https://www.snort.org/documents,
// `snort --help-module alert_fast`); Snort 2 Users Manual, "Understanding Standard Alert Output".
//
// Grammar (one alert per line; the packet dump that alert_fast.packet adds is on further lines
// and is not read):
//   <time>[ [<action>]] [**] [gid:sid:rev] [<iface>] <msg> [**] [Classification: <class>]
//     [Priority: <n>] [AppID: <app>] {<PROTO>} <src>[:<sport>] -> <dst>[:<dport>]
// - <time>: "MM/DD-HH:MM:SS.ffffff"; with -y Snort 3 prints "YY/MM/DD-..." and Snort 2
//   "MM/DD/YY-..." (the reading nearest the receive time is taken). Snort prints the sensor's
//   local time unless run with -U: the time is read as UTC. Year-less: the year nearest the
//   receive time.
// - [<action>]: Snort 3 prints the action when it is stronger than pass (drop, block, reset,
//   would_drop, ...); Snort 2 prints [Drop] or [WDrop]. No action word: the packet was let
//   through, event.action "allow" (what alert_json's action field says for the same alert).
// - <iface> appears with alert_interface (-I); <msg> is quoted by Snort 3, bare in Snort 2;
//   [Classification] is absent for rules without classtype; [AppID] needs OpenAppID.
// - ports are printed for TCP and UDP only; an IPv6 address carries its port after the last
//   colon ("2001:db8::1:443"); "[addr]:port" is accepted too.
// - an optional syslog header (alert_fast files forwarded by a syslog daemon) gives observer.name.
// Mapping as for alert_json (snort-json.ts): rule.id is the sid for gid 1 and "gid:sid" for
// other generators, event.code "gid:sid:rev", rule.name the message, rule.category the
// classification, event.severity the priority, network.application the AppID (lower-cased),
// event.type denied for drop/block/reset/reject/sdrop/force_* (and Snort 2 [Drop]), else allowed;
// {ICMP} between IPv6 addresses is ipv6-icmp.
import { baseEvent } from '../common.ts';
import { splitSyslogHeader } from '../syslog-header.ts';
import { fail, type ParseResult, type Parser } from '../types.ts';
import { text } from './cef.ts';
import {
  SNORT_OBSERVER,
  snortRuleId,
  snortTime,
  snortTransport,
  snortVerdict,
  splitAddrPort,
} from './snort-json.ts';

const RULE_REF = /^\[(\d{1,10}):(\d{1,10}):(\d{1,10})\]/;

export const snortFastParser: Parser = {
  name: 'snort-fast',
  description: 'Snort 3 / Snort 2 alert_fast lines, optionally behind a syslog header',
  sniff: (line) => line.includes('[**] [') && line.includes(' -> '),
  parse(line, ctx): ParseResult {
    if (line.trim() === '') return fail('empty', 'empty line');
    let s = line;
    let host: string | undefined;
    const c0 = line.charCodeAt(0);
    if (!(c0 >= 48 && c0 <= 57)) {
      const h = splitSyslogHeader(line, ctx.receivedAt);
      if (h.timestamp || h.hostname) {
        s = h.message;
        host = h.hostname;
      }
    }
    s = s.trim();
    const sp = s.indexOf(' ');
    const timestamp = sp > 0 ? snortTime(s.slice(0, sp), ctx.receivedAt) : null;
    if (!timestamp)
      return fail('syntax', 'alert_fast line must start with a Snort time (MM/DD-HH:MM:SS.ffffff)');
    const open = s.indexOf('[**]', sp);
    if (open < 0) return fail('syntax', 'alert_fast line has no "[**]" marker');
    let action = 'allow';
    const between = s.slice(sp, open).trim();
    if (between !== '') {
      const m = /^\[([A-Za-z_]{1,32})\]$/.exec(between);
      if (!m) return fail('syntax', `unexpected text before "[**]": ${between.slice(0, 40)}`);
      action = m[1]!.toLowerCase();
    }
    let rest = s.slice(open + 4).trimStart();
    const ref = RULE_REF.exec(rest);
    if (!ref) return fail('syntax', 'alert_fast line has no [gid:sid:rev] rule reference');
    const [, gid, sid, rev] = ref as unknown as [string, string, string, string];
    rest = rest.slice(ref[0].length).trimStart();
    let iface: string | undefined;
    if (rest.startsWith('<')) {
      const close = rest.indexOf('>');
      if (close > 0) {
        iface = rest.slice(1, close).trim();
        rest = rest.slice(close + 1).trimStart();
      }
    }
    const second = rest.lastIndexOf('[**]');
    if (second < 0) return fail('syntax', 'alert_fast line has no closing "[**]" after the message');
    let msg = rest.slice(0, second).trim();
    if (msg.length >= 2 && msg.startsWith('"') && msg.endsWith('"')) msg = msg.slice(1, -1);
    let tail = rest.slice(second + 4).trimStart();
    let cls: string | undefined;
    let priority: number | undefined;
    let app: string | undefined;
    while (tail.startsWith('[')) {
      const close = tail.indexOf(']');
      if (close < 0) break;
      const inner = tail.slice(1, close);
      const colon = inner.indexOf(':');
      const value = colon >= 0 ? inner.slice(colon + 1).trim() : '';
      const key = colon >= 0 ? inner.slice(0, colon) : inner;
      if (key === 'Classification') cls = value;
      else if (key === 'Priority' && /^\d{1,4}$/.test(value)) priority = Number(value);
      else if (key === 'AppID') app = value;
      tail = tail.slice(close + 1).trimStart();
    }
    let proto: string | undefined;
    if (tail.startsWith('{')) {
      const close = tail.indexOf('}');
      if (close > 0) {
        proto = tail.slice(1, close);
        tail = tail.slice(close + 1).trimStart();
      }
    }
    const arrow = tail.indexOf(' -> ');
    if (arrow < 0) return fail('syntax', 'alert_fast line has no "source -> destination" addresses');
    const srcText = tail.slice(0, arrow).trim();
    const dstText = tail.slice(arrow + 4).trim();
    const v6 = srcText.split(':').length > 2;
    const t = snortTransport(proto, v6);
    const withPorts = t.transport === 'tcp' || t.transport === 'udp' || t.transport === undefined;
    const src = splitAddrPort(srcText, withPorts);
    const dst = splitAddrPort(dstText, withPorts);
    if (!src.ip || !dst.ip) return fail('syntax', 'alert_fast source or destination is not an IP address');

    const base = baseEvent(ctx, timestamp, line, host ?? '', {
      kind: 'alert',
      category: ['network', 'intrusion_detection'],
      type: [snortVerdict(action)],
      action: text(action, 128),
      severity: priority !== undefined && priority <= 1000 ? priority : undefined,
      code: text(`${gid}:${sid}:${rev}`, 64),
      dataset: 'snort.alert',
      module: 'snort',
    });
    const ifName = text(iface, 64);
    return {
      ok: true,
      event: {
        ...base,
        observer: {
          ...SNORT_OBSERVER,
          name: text(host, 255),
          hostname: text(host, 255),
          ingress: ifName ? { interface: { name: ifName } } : undefined,
        },
        source: { ip: src.ip, port: src.port },
        destination: { ip: dst.ip, port: dst.port },
        network: {
          transport: t.transport,
          iana_number: t.iana,
          application: text(app?.toLowerCase(), 128),
        },
        rule: {
          id: text(snortRuleId(gid, sid), 128),
          name: text(msg, 512),
          category: text(cls, 256),
        },
      },
    };
  },
};
