// Zeek (formerly Bro) logs conn, dns, http and notice, in both of Zeek's encodings, under
// one format name:
//
//  - JSON (LogAscii::use_json=T): one object per line. Field names are Zeek's dotted column
//    names ("id.orig_h"); a nested {"id":{"orig_h":...}} form is read too. The log type is
//    taken from "_path" when present (JSON streaming), else from the field set
//    (note → notice, conn_state/history/orig_pkts → conn, method/uri/status_code → http,
//    query/qtype/rcode/trans_id → dns). "ts" is epoch seconds with microseconds by default,
//    an ISO 8601 string with LogAscii::json_timestamps=JSON::TS_ISO8601, or integer epoch
//    milliseconds with JSON::TS_MILLIS (a number above 1e11 is read as milliseconds).
//  - TSV (Zeek's default ASCII writer): a header block
//      #separator \x09
//      #set_separator <sep>,   #empty_field <sep>(empty)   #unset_field <sep>-
//      #path <sep>conn         #open <sep>2026-11-29-10-00-00
//      #fields <sep>ts <sep>uid <sep>id.orig_h ...        #types <sep>time <sep>string ...
//    then one record per line, columns joined by the separator, "-" for unset and
//    "(empty)" for empty fields, containers (set[...], vector[...]) joined by the set
//    separator, and non-printable bytes escaped as \xHH; a "#close" line ends the file.
//    Every "#" line is consumed as a header (ParseError code "header"); #separator,
//    #set_separator, #empty_field, #unset_field, #path, #fields and #types are kept in
//    ctx.stream under "zeek" and apply to the following lines of the same stream. There
//    is no default column list (it depends on the log): a TSV record seen before any
//    #fields header is rejected.
//
// ts is the time of the connection's first packet (conn) or of the request (dns, http),
// always UTC; it becomes @timestamp.
//
// Mapping (ECS 8.x):
//  all:     id.orig_h/id.orig_p → source.ip/port, id.resp_h/id.resp_p → destination.ip/port
//           (not for ICMP, where Zeek's "ports" are the ICMP type and code),
//           proto → network.transport (Zeek writes "icmp" for ICMPv6 too: with an IPv6
//           originator it becomes "ipv6-icmp"), ip_proto (Zeek 6.1+) → network.iana_number,
//           community_id (community-id policy) → network.community_id. The connection uid
//           has no ECS field in our schema and is left out (event.id is the pipeline's).
//  conn:    service (first confirmed protocol; "-"-prefixed dropped ones are skipped) →
//           network.protocol; duration → event.duration (ns), event.start = ts,
//           event.end = ts + duration; orig_ip_bytes/resp_ip_bytes (IP-level, as seen on
//           the wire, the same unit as the packet counts; orig_bytes/resp_bytes, payload
//           only, when the IP-level counts are absent) → source/destination.bytes,
//           orig_pkts/resp_pkts → source/destination.packets, and their sums →
//           network.bytes/packets; vlan → network.vlan.id; orig_l2_addr/resp_l2_addr
//           (mac-logging policy) → source/destination.mac; local_orig/local_resp, when both
//           are set → network.direction (T,T internal; T,F outbound; F,T inbound;
//           F,F external). conn_state → event.code, its documented meaning → event.reason,
//           and event.type/outcome by this table:
//             state   meaning (Zeek)                                  type                       outcome
//             S0      attempt seen, no reply                          connection,start           failure
//             S1      established, not terminated                     connection,start           success
//             SF      normal establishment and termination            connection,start,end       success
//             REJ     attempt rejected                                connection,start,end,denied failure
//             S2      established, originator close attempt, no reply connection,start,end       success
//             S3      established, responder close attempt, no reply  connection,start,end       success
//             RSTO    established, originator aborted (RST)           connection,start,end       success
//             RSTR    responder sent a RST (after the handshake)      connection,start,end       success
//             RSTOS0  originator SYN then RST, no SYN-ACK seen        connection,start,end       failure
//             RSTRH   responder SYN-ACK then RST, no SYN seen         connection,end             unknown
//             SH      originator SYN then FIN, no SYN-ACK seen        connection,start,end       failure
//             SHR     responder SYN-ACK then FIN, no SYN seen         connection,end             unknown
//             OTH     no SYN seen, midstream traffic                  connection                 unknown
//           ("start" when the opening was observed, "end" when a close or reset was,
//           "denied" when the responder refused the attempt.)
//  dns:     query → dns.question.name, qtype_name → dns.question.type, qclass_name →
//           dns.question.class, rcode_name → dns.response_code, trans_id → dns.id,
//           answers + TTLs → dns.answers[{data, ttl}], dns.type "answer" when a response was
//           seen (rcode or answers present) else "query"; network.protocol "dns".
//  http:    method → http.request.method, host → url.domain, uri → url.original and
//           url.path/url.query, referrer → http.request.referrer, version → http.version,
//           status_code → http.response.status_code, user_agent → user_agent.original,
//           username → source.user.name; network.protocol "http", transport "tcp";
//           category network + web (ECS lists Zeek's http log as a web source).
//  notice:  event.kind "alert", category network + intrusion_detection, type info;
//           note → rule.name, msg → message; src/dst/p stand in for the connection tuple
//           when it is absent. sub (a free-form sub-message, e.g. "local" for Scan::Port_Scan
//           or a certificate subject) has no fitting field and is left out.
// conn is an "event" of category network; dns and http have event.type "protocol" (ECS:
// application-layer details), like the Suricata EVE parser's dns/http events.
// observer: vendor "Zeek", product "Zeek", type "ids"; event.module "zeek", event.dataset
// "zeek.<log>". Other Zeek logs (ssl, files, weird, ...) are rejected as "unsupported".
//
// References: Zeek documentation, "Logs" (https://docs.zeek.org/en/current/logs/index.html:
// conn.log, dns.log, http.log, notice.log) and the field docs of
// base/protocols/conn/main.zeek (https://docs.zeek.org/en/current/scripts/base/protocols/conn/main.zeek.html);
// "Zeek Log Formats and Inspection" (https://docs.zeek.org/en/current/log-formats.html).
import type { EcsEvent } from '@soc/schema';
import { baseEvent, ianaNumber, isIp, isoTimestamp, toCount, toPort } from '../common.ts';
import { fail, header, type ParseContext, type ParseResult, type Parser } from '../types.ts';

type Rec = Record<string, unknown>;
type LogType = 'conn' | 'dns' | 'http' | 'notice';

/** What a TSV header block told us; kept in ctx.stream.zeek. */
interface ZeekStream {
  separator: string;
  setSeparator: string;
  emptyField: string;
  unsetField: string;
  path?: string;
  fields?: string[];
  /** per column: is it a container (set/vector) whose elements are joined by setSeparator */
  containers?: boolean[];
}

const LOG_TYPES = new Set<string>(['conn', 'dns', 'http', 'notice']);
/** container columns of these logs, for TSV input whose #types line is missing */
const CONTAINER_FIELDS = new Set([
  'tunnel_parents',
  'answers',
  'TTLs',
  'actions',
  'email_dest',
  'tags',
  'orig_fuids',
  'orig_filenames',
  'orig_mime_types',
  'resp_fuids',
  'resp_filenames',
  'resp_mime_types',
  'proxied',
]);

type Verdict = {
  type: EcsEvent['event']['type'];
  outcome: 'success' | 'failure' | 'unknown';
  reason: string;
};
const CONN_STATES: Record<string, Verdict> = {
  S0: { type: ['connection', 'start'], outcome: 'failure', reason: 'Connection attempt seen, no reply' },
  S1: { type: ['connection', 'start'], outcome: 'success', reason: 'Connection established, not terminated' },
  SF: {
    type: ['connection', 'start', 'end'],
    outcome: 'success',
    reason: 'Normal establishment and termination',
  },
  REJ: {
    type: ['connection', 'start', 'end', 'denied'],
    outcome: 'failure',
    reason: 'Connection attempt rejected',
  },
  S2: {
    type: ['connection', 'start', 'end'],
    outcome: 'success',
    reason: 'Connection established and close attempt by originator seen (but no reply from responder)',
  },
  S3: {
    type: ['connection', 'start', 'end'],
    outcome: 'success',
    reason: 'Connection established and close attempt by responder seen (but no reply from originator)',
  },
  RSTO: {
    type: ['connection', 'start', 'end'],
    outcome: 'success',
    reason: 'Connection established, originator aborted (sent a RST)',
  },
  RSTR: { type: ['connection', 'start', 'end'], outcome: 'success', reason: 'Responder sent a RST' },
  RSTOS0: {
    type: ['connection', 'start', 'end'],
    outcome: 'failure',
    reason: 'Originator sent a SYN followed by a RST, no SYN-ACK seen from the responder',
  },
  RSTRH: {
    type: ['connection', 'end'],
    outcome: 'unknown',
    reason: 'Responder sent a SYN-ACK followed by a RST, no SYN seen from the originator',
  },
  SH: {
    type: ['connection', 'start', 'end'],
    outcome: 'failure',
    reason: 'Originator sent a SYN followed by a FIN, no SYN-ACK seen from the responder (half open)',
  },
  SHR: {
    type: ['connection', 'end'],
    outcome: 'unknown',
    reason: 'Responder sent a SYN-ACK followed by a FIN, no SYN seen from the originator',
  },
  OTH: { type: ['connection'], outcome: 'unknown', reason: 'No SYN seen, just midstream traffic' },
};

const OBSERVER = { vendor: 'Zeek', product: 'Zeek', type: 'ids' } as const;

// ---- value helpers: JSON gives numbers/booleans/arrays, TSV gives strings ----

const str = (v: unknown, max: number): string | undefined =>
  typeof v === 'string'
    ? v.length > 0
      ? v.slice(0, max)
      : undefined
    : typeof v === 'number'
      ? String(v)
      : undefined;

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string' || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function bool(v: unknown): boolean | undefined {
  if (v === true || v === 'T') return true;
  if (v === false || v === 'F') return false;
  return undefined;
}

function list(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  return v === undefined || v === null || v === '' ? [] : [v];
}

const count = (v: unknown): number | undefined => {
  const n = num(v);
  return n === undefined ? undefined : toCount(n);
};
const port = (v: unknown): number | undefined => {
  const n = num(v);
  return n === undefined ? undefined : toPort(n);
};
const ip = (v: unknown): string | undefined => (typeof v === 'string' && isIp(v) ? v : undefined);

/** A Zeek column by its dotted name, from a flat ("id.orig_h") or nested ({id:{orig_h}}) record. */
function field(rec: Rec, name: string): unknown {
  const v = rec[name];
  if (v !== undefined) return v;
  const dot = name.indexOf('.');
  if (dot < 0) return undefined;
  const parent = rec[name.slice(0, dot)];
  return typeof parent === 'object' && parent !== null && !Array.isArray(parent)
    ? (parent as Rec)[name.slice(dot + 1)]
    : undefined;
}

const MIN_MS = 0;
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Epoch seconds as text ("1795946400.123456"), truncated to milliseconds without float error. */
function epochSeconds(text: string): Date | null {
  const dot = text.indexOf('.');
  const whole = dot < 0 ? text : text.slice(0, dot);
  const frac = dot < 0 ? '' : text.slice(dot + 1);
  if (!/^\d{1,12}$/.test(whole) || !/^\d*$/.test(frac)) return null;
  const ms = Number(whole) * 1000 + Number(frac.slice(0, 3).padEnd(3, '0'));
  return ms >= MIN_MS && ms <= MAX_MS ? new Date(ms) : null;
}

function zeekTime(v: unknown): Date | null {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) return null;
    // JSON::TS_MILLIS writes integer milliseconds; seconds stay below 1e11 until year 5138
    if (v >= 1e11) return v <= MAX_MS ? new Date(Math.trunc(v)) : null;
    return epochSeconds(String(v));
  }
  if (typeof v !== 'string' || v === '') return null;
  const c = v.charCodeAt(0);
  if (c >= 48 && c <= 57 && !v.includes('-')) return epochSeconds(v);
  const d = isoTimestamp(v);
  return d && d.getTime() >= MIN_MS && d.getTime() <= MAX_MS ? d : null;
}

/** Zeek's ASCII writer escapes separators and non-printable bytes as \xHH (UTF-8 bytes). */
function unescapeZeek(v: string): string {
  if (!v.includes('\\x')) return v;
  return v.replace(/(?:\\x[0-9a-fA-F]{2})+/g, (run) => {
    const bytes = new Uint8Array(run.length / 4);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(run.slice(i * 4 + 2, i * 4 + 4), 16);
    return new TextDecoder().decode(bytes);
  });
}

function detectType(rec: Rec): LogType | undefined {
  if ('note' in rec) return 'notice';
  if ('conn_state' in rec || 'history' in rec || 'orig_pkts' in rec || 'orig_ip_bytes' in rec) return 'conn';
  if ('method' in rec || 'uri' in rec || 'status_code' in rec || 'user_agent' in rec) return 'http';
  if ('query' in rec || 'qtype_name' in rec || 'rcode' in rec || 'trans_id' in rec) return 'dns';
  return undefined;
}

function streamState(ctx: ParseContext, create: boolean): ZeekStream | undefined {
  const bag = ctx.stream;
  if (!bag) return undefined;
  const s = bag['zeek'] as ZeekStream | undefined;
  if (s || !create) return s;
  const fresh: ZeekStream = { separator: '\t', setSeparator: ',', emptyField: '(empty)', unsetField: '-' };
  bag['zeek'] = fresh;
  return fresh;
}

function headerLine(line: string, ctx: ParseContext): ParseResult {
  if (line.startsWith('#separator ')) {
    const sep = unescapeZeek(line.slice('#separator '.length).trim());
    if (sep.length === 0) return fail('syntax', 'Zeek #separator header with an empty separator');
    const st = streamState(ctx, true);
    if (st) st.separator = sep;
    return header('zeek #separator');
  }
  const st = streamState(ctx, true);
  const sep = st?.separator ?? '\t';
  const at = line.indexOf(sep);
  const name = at < 0 ? line.slice(1) : line.slice(1, at);
  const rest = at < 0 ? '' : line.slice(at + sep.length);
  switch (name) {
    case 'set_separator':
    case 'empty_field':
    case 'unset_field': {
      const value = unescapeZeek(rest);
      if (value.length === 0) return fail('syntax', `Zeek #${name} header without a value`);
      if (st) {
        if (name === 'set_separator') st.setSeparator = value;
        else if (name === 'empty_field') st.emptyField = value;
        else st.unsetField = value;
      }
      return header(`zeek #${name}`);
    }
    case 'path':
      if (rest.length === 0) return fail('syntax', 'Zeek #path header without a log name');
      if (st) st.path = rest;
      return header('zeek #path');
    case 'fields': {
      const fields = rest.split(sep);
      if (rest.length === 0 || fields.some((f) => f.length === 0))
        return fail('syntax', 'Zeek #fields header with an empty column name');
      if (st) {
        st.fields = fields;
        st.containers = fields.map((f) => CONTAINER_FIELDS.has(f));
      }
      return header('zeek #fields');
    }
    case 'types': {
      const types = rest.split(sep);
      if (st?.fields && types.length === st.fields.length)
        st.containers = types.map(
          (t) => t.startsWith('set[') || t.startsWith('vector[') || t.startsWith('table['),
        );
      return header('zeek #types');
    }
    case 'open':
    case 'close':
      return header(`zeek #${name}`);
    default:
      return fail('syntax', `not a Zeek header line: unknown directive "#${name.slice(0, 40)}"`);
  }
}

function tsvRecord(line: string, ctx: ParseContext): { rec: Rec; path?: string } | ParseResult {
  const st = streamState(ctx, false);
  if (!st?.fields)
    return fail(
      'syntax',
      'no #fields header seen: a Zeek TSV record needs its log header block (#separator, #path, #fields) first',
    );
  const values = line.split(st.separator);
  const fields = st.fields;
  if (values.length !== fields.length)
    return fail(
      'syntax',
      `Zeek TSV record has ${values.length} columns, the #fields header names ${fields.length}`,
    );
  // no prototype: column names come from the input ("__proto__" must stay a plain key)
  const rec: Rec = Object.create(null);
  const containers = st.containers;
  for (let i = 0; i < fields.length; i++) {
    const v = values[i]!;
    if (v === st.unsetField) continue;
    const container = containers?.[i] === true;
    if (v === st.emptyField) rec[fields[i]!] = container ? [] : '';
    else rec[fields[i]!] = container ? v.split(st.setSeparator).map(unescapeZeek) : unescapeZeek(v);
  }
  return { rec, path: st.path };
}

export const zeekParser: Parser = {
  name: 'zeek',
  description: 'Zeek conn, dns, http and notice logs, JSON or TSV (with the #fields header block)',
  sniff(line) {
    if (line.startsWith('{'))
      return line.includes('"ts"') && (line.includes('"uid"') || line.includes('"_path"'));
    if (line.startsWith('#'))
      return line.startsWith('#separator ') || line.startsWith('#fields') || line.startsWith('#path');
    return /^\d{9,10}\.\d{1,6}\t(?:C[0-9A-Za-z]{5,}|-)\t/.test(line);
  },
  parse(line, ctx): ParseResult {
    if (line.trim() === '') return fail('empty', 'empty line');
    const first = line.charCodeAt(0);
    if (first === 35 /* # */) return headerLine(line, ctx);

    let rec: Rec;
    let path: string | undefined;
    if (first === 123 /* { */) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (err) {
        return fail('syntax', `invalid JSON: ${(err as Error).message}`);
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        return fail('syntax', 'Zeek JSON line is not an object');
      rec = parsed as Rec;
      path = typeof rec['_path'] === 'string' ? rec['_path'] : undefined;
    } else {
      const r = tsvRecord(line, ctx);
      if ('ok' in r) return r;
      rec = r.rec;
      path = r.path;
    }

    const logType: LogType | undefined = path && LOG_TYPES.has(path) ? (path as LogType) : detectType(rec);
    if (!logType) {
      return path
        ? fail(
            'unsupported',
            `Zeek log "${path.slice(0, 64)}" is not supported (conn, dns, http, notice are)`,
          )
        : fail('syntax', 'not a Zeek conn, dns, http or notice record: no identifying fields');
    }
    if (rec['ts'] === undefined) return fail('syntax', 'Zeek record has no ts field');
    const timestamp = zeekTime(rec['ts']);
    if (!timestamp) return fail('syntax', 'Zeek ts is not epoch seconds or an ISO 8601 time');
    return { ok: true, event: toEvent(logType, rec, timestamp, line, ctx) };
  },
};

function toEvent(logType: LogType, rec: Rec, timestamp: Date, line: string, ctx: ParseContext): EcsEvent {
  let srcIp = ip(field(rec, 'id.orig_h'));
  let dstIp = ip(field(rec, 'id.resp_h'));
  let dstPort = port(field(rec, 'id.resp_p'));
  if (logType === 'notice') {
    srcIp ??= ip(rec['src']);
    dstIp ??= ip(rec['dst']);
    dstPort ??= port(rec['p']);
  }
  const proto = str(rec['proto'], 32)?.toLowerCase();
  let transport = proto === 'unknown_transport' ? undefined : proto;
  if (logType === 'http') transport ??= 'tcp';
  if (transport === 'icmp' && srcIp?.includes(':')) transport = 'ipv6-icmp';
  const ipProto = count(rec['ip_proto']);
  const iana = ipProto !== undefined && ipProto <= 255 ? String(ipProto) : transport && ianaNumber(transport);

  // for ICMP, Zeek's "ports" are the ICMP type and code: no port fields then
  const icmp = transport === 'icmp' || transport === 'ipv6-icmp';
  const source: NonNullable<EcsEvent['source']> = {
    ip: srcIp,
    port: icmp ? undefined : port(field(rec, 'id.orig_p')),
  };
  const destination: NonNullable<EcsEvent['destination']> = { ip: dstIp, port: icmp ? undefined : dstPort };
  const network: NonNullable<EcsEvent['network']> = {
    transport,
    iana_number: iana,
    community_id: str(rec['community_id'], 64),
  };

  let kind: EcsEvent['event']['kind'] = 'event';
  let category: EcsEvent['event']['category'] = ['network'];
  let type: EcsEvent['event']['type'] = ['protocol'];
  let outcome: EcsEvent['event']['outcome'];
  let code: string | undefined;
  let reason: string | undefined;
  let duration: number | undefined;
  let end: string | undefined;
  let start: string | undefined;
  const extra: Partial<EcsEvent> = {};

  switch (logType) {
    case 'conn': {
      const state = str(rec['conn_state'], 16);
      const verdict = state ? CONN_STATES[state] : undefined;
      type = verdict?.type ?? ['connection'];
      outcome = verdict?.outcome;
      code = state;
      reason = verdict?.reason;
      network.protocol = service(rec['service']);
      const seconds = num(rec['duration']);
      if (seconds !== undefined && seconds >= 0) {
        duration = toCount(Math.round(seconds * 1e9));
        start = timestamp.toISOString();
        const endMs = timestamp.getTime() + Math.round(seconds * 1000);
        if (duration !== undefined && endMs <= MAX_MS) end = new Date(endMs).toISOString();
      }
      source.bytes = count(rec['orig_ip_bytes']) ?? count(rec['orig_bytes']);
      destination.bytes = count(rec['resp_ip_bytes']) ?? count(rec['resp_bytes']);
      source.packets = count(rec['orig_pkts']);
      destination.packets = count(rec['resp_pkts']);
      if (source.bytes !== undefined && destination.bytes !== undefined)
        network.bytes = source.bytes + destination.bytes;
      if (source.packets !== undefined && destination.packets !== undefined)
        network.packets = source.packets + destination.packets;
      source.mac = mac(rec['orig_l2_addr']);
      destination.mac = mac(rec['resp_l2_addr']);
      const vlan = count(rec['vlan']);
      if (vlan !== undefined && vlan <= 4095) network.vlan = { id: String(vlan) };
      network.direction = direction(bool(rec['local_orig']), bool(rec['local_resp']));
      break;
    }
    case 'dns': {
      network.protocol = 'dns';
      const rcode = str(rec['rcode_name'], 16);
      const answers = list(rec['answers']);
      const ttls = list(rec['TTLs']);
      extra.dns = {
        id: str(rec['trans_id'], 16),
        type: rcode !== undefined || rec['rcode'] !== undefined || answers.length > 0 ? 'answer' : 'query',
        question: {
          name: str(rec['query'], 255),
          type: str(rec['qtype_name'], 16),
          class: str(rec['qclass_name'], 16),
        },
        response_code: rcode,
        answers: answers.length
          ? answers.slice(0, 50).flatMap((a, i) => {
              const data = str(a, 512);
              if (data === undefined) return [];
              const ttl = num(ttls[i]);
              return [{ data, ttl: ttl !== undefined && ttl >= 0 ? toCount(Math.round(ttl)) : undefined }];
            })
          : undefined,
      };
      break;
    }
    case 'http': {
      category = ['network', 'web'];
      network.protocol = 'http';
      const uri = str(rec['uri'], 8192);
      const q = uri?.indexOf('?') ?? -1;
      const status = count(rec['status_code']);
      extra.url = {
        original: uri,
        domain: hostName(rec['host']),
        path: uri === undefined ? undefined : q < 0 ? uri : uri.slice(0, q) || undefined,
        query: uri !== undefined && q >= 0 ? uri.slice(q + 1) || undefined : undefined,
      };
      extra.http = {
        version: str(rec['version'], 16),
        request: { method: str(rec['method'], 16), referrer: str(rec['referrer'], 8192) },
        response: { status_code: status !== undefined && status <= 999 ? status : undefined },
      };
      const ua = str(rec['user_agent'], 2048);
      if (ua) extra.user_agent = { original: ua };
      const user = str(rec['username'], 255);
      if (user) source.user = { name: user };
      break;
    }
    case 'notice': {
      kind = 'alert';
      category = ['network', 'intrusion_detection'];
      type = ['info'];
      extra.message = str(rec['msg'], 8192);
      const note = str(rec['note'], 512);
      if (note) extra.rule = { name: note };
      break;
    }
  }

  const base = baseEvent(ctx, timestamp, line, 'zeek', {
    kind,
    category,
    type,
    outcome,
    code,
    reason,
    duration,
    start,
    end,
    dataset: `zeek.${logType}`,
    module: 'zeek',
  });
  return { ...base, observer: { ...OBSERVER }, source, destination, network, ...extra };
}

/** The first confirmed service; "-"-prefixed entries are services Zeek dropped. */
function service(v: unknown): string | undefined {
  for (const entry of list(v)) {
    if (typeof entry !== 'string') continue;
    for (const s of entry.split(',')) {
      if (s && !s.startsWith('-')) return s.toLowerCase().slice(0, 32);
    }
  }
  return undefined;
}

function direction(
  orig: boolean | undefined,
  resp: boolean | undefined,
): 'inbound' | 'outbound' | 'internal' | 'external' | undefined {
  if (orig === undefined || resp === undefined) return undefined;
  if (orig) return resp ? 'internal' : 'outbound';
  return resp ? 'inbound' : 'external';
}

/** The Host header without its port ("example.com:8080", "[2001:db8::1]:8080"). */
function hostName(v: unknown): string | undefined {
  const h = str(v, 300);
  if (!h) return undefined;
  let name = h;
  if (h.startsWith('[')) {
    const close = h.indexOf(']');
    name = close > 0 ? h.slice(1, close) : h;
  } else {
    const colon = h.indexOf(':');
    if (colon > 0 && colon === h.lastIndexOf(':') && /^\d+$/.test(h.slice(colon + 1)))
      name = h.slice(0, colon);
  }
  return name.slice(0, 255) || undefined;
}

function mac(v: unknown): string | undefined {
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/.test(v)) return undefined;
  return v.toUpperCase().replaceAll(':', '-');
}
