// Field-mapping pipelines: how Sigma rules written for other log schemas (the Sigma generic
// taxonomy, Zeek's and Suricata's own field names) are rewritten to the ECS fields our
// events carry, the role pySigma's processing pipelines play.
//
// A pipeline says which rules it serves (by logsource), maps a rule's field name to an ECS
// field, may translate the rule's values where the two vocabularies differ, and may add the
// ECS conditions the logsource implies. Pipelines compose: for each field, the first
// pipeline in the list that applies to the logsource and maps the field wins, so a
// deployment can put its own pipeline in front of the built-in ones.
//
// The logsource table (which Sigma logsources our events can serve, and what they imply)
// was decided from the parsers' values:
//   category firewall            observer.type "firewall" (iptables, PAN-OS, FortiGate, ASA/FTD,
//                                Check Point, pfSense/OPNsense, SRX, Windows Firewall, VPC Flow)
//   category network_connection  network events that are connection records: event.kind "event"
//     (and "network")            and an event.type of connection/start/end/allowed/denied. This
//                                leaves out application-layer records (Zeek dns/http, Suricata
//                                dns/http: type "protocol") and IDS alerts, which would otherwise
//                                repeat the connection they belong to.
//   category dns                 event.dataset zeek.dns or suricata.dns, or any event carrying a
//                                DNS question (FortiGate's DNS filter log is fortigate.utm)
//   category proxy / webserver   event.category "web" (Zeek http, FortiGate web filter, PAN-OS url
//                                logs) or event.dataset suricata.http. These are HTTP requests
//                                seen on the network, not a proxy's or web server's own log.
//   category ids                 event.category "intrusion_detection" (Suricata/Snort alerts,
//                                Zeek notices, firewall IPS alerts). Not observer.type "ids":
//                                Zeek reports type "ids" for its conn, dns and http logs too.
//   product zeek                 observer.product "Zeek"; service conn/dns/http/notice adds
//                                event.dataset zeek.<service> (the only Zeek logs parsed)
//   product suricata             observer.product "Suricata"; a service adds event.dataset
//                                suricata.<service> (the EVE event_type)
//   product snort, iptables/netfilter/ufw, fortigate, paloalto/pan-os, cisco (asa, ftd),
//   checkpoint, pfsense, opnsense, juniper   the observer's product or vendor
// Anything else (windows, linux, macos, cloud products, process_creation, ...) is not a
// network log source and is not served.
//
// Value maps (a rule's value translated, where the rule's vocabulary is not our events'):
//   firewall action (taxonomy "action", Suricata "alert.action") → event.type: every parser
//     normalises its verdict to event.type allowed/denied, while event.action keeps each
//     vendor's own word (drop, deny, block, reject, accept, permit, pass, ...). Verdict words
//     translate to allowed or denied; a word with no equivalent (e.g. a vendor's numeric code)
//     is dropped from a value list, as event.type can never hold it; a rule left with no
//     translatable value is set aside. Plain values only (no modifiers).
//   taxonomy "blocked" ("true"/"false") → event.type denied/allowed, as above.
//   Zeek duration (seconds) → event.duration (nanoseconds, as ECS specifies): values × 1e9,
//     with or without gt/gte/lt/lte.
//   Zeek local_orig / local_resp (T/F) → network.direction, which the Zeek parser derives
//     from both flags: local_orig T → outbound or internal, F → inbound or external;
//     local_resp T → inbound or internal, F → outbound or external. When a selection uses
//     both, the two value sets are intersected (T,F → outbound).
//   Zeek proto "icmp" → network.transport icmp or ipv6-icmp: Zeek writes "icmp" for ICMPv6
//     too, and the parser names it ipv6-icmp when the originator is an IPv6 address. Zeek's
//     other proto values are already our lowercase transport names.
//   Zeek orig_l2_addr / resp_l2_addr → source/destination.mac: the parser writes ECS's
//     "AA-BB-CC-DD-EE-FF" form, so ":" becomes "-" (case does not matter: Sigma matching is
//     case-insensitive).
//   Suricata event_type → event.dataset "suricata.<event_type>": the parser keeps the EVE
//     event type only there (event.kind is "alert" for alerts alone, so it cannot stand for
//     event_type in general). Plain values and startswith get the prefix; contains and
//     endswith need none; a regular expression cannot be translated and is set aside.
//   Taxonomy cs-version ("HTTP/1.1") → http.version ("1.1", as Zeek writes it and ECS
//     specifies): the "HTTP/" prefix is removed.
// Suricata's proto ("TCP") needs no map: strings match case-insensitively.
//
// Limits: a field below a list of objects (dns.answers.data for Zeek "answers" or Sigma
// "answer") is set aside while field matching (fields.ts) does not reach into lists; the
// mapping turns on by itself when it does. Suricata's dns.*, http.* and tls.* fields map to
// ECS fields the suricata-eve parser does not fill yet.
import { ecsEventSchema } from '@soc/schema';
import { z } from 'zod';
import { getter } from './fields.ts';
import { UnsupportedError } from './modifiers.ts';

export interface Logsource {
  category?: string;
  product?: string;
  service?: string;
}

/** The selection maps a logsource implies; see logsourceConditions for how they combine. */
export type Conditions = Record<string, unknown> | Record<string, unknown>[];

export interface Pipeline {
  name: string;
  /** which rules it applies to */
  appliesTo(logsource: Logsource): boolean;
  /** Sigma field → ECS field (undefined: not handled by this pipeline) */
  field(name: string, logsource: Logsource): string | undefined;
  /**
   * extra ECS conditions the logsource implies, e.g. event.dataset: zeek.conn — one selection
   * map (all of its fields must match) or a list of alternative maps (any must match)
   */
  conditions?(logsource: Logsource): Conditions | undefined;
  /**
   * Translates one value of a field this pipeline maps, given the field's modifiers: the
   * values to match instead (alternatives; [] when nothing in our events can equal it).
   * Throws UnsupportedError when the value or modifier cannot be translated. Absent or
   * returning undefined: the value is used as written.
   */
  value?(name: string, value: unknown, modifiers: string[], logsource: Logsource): unknown[] | undefined;
  /** why a field this pipeline knows has no ECS mapping, for the set-aside message */
  unmapped?(name: string, logsource: Logsource): string | undefined;
}

// ---------------------------------------------------------------------------------------
// The ECS field paths of the event schema

type PathInfo = { inList: boolean };

/**
 * Every field path of the event schema ("source.ip", "event.category", "labels.*"), lists
 * of objects and maps included ("threat.enrichments", "labels", for |exists), but not plain
 * object groups: "host" or "user_agent" are not fields (and Zeek uses those names for its
 * own columns).
 */
function schemaPaths(): Map<string, PathInfo> {
  const out = new Map<string, PathInfo>();
  const walk = (s: z.ZodType, path: string, inList: boolean): void => {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) {
      walk(s.unwrap() as z.ZodType, path, inList);
      return;
    }
    if (!(s instanceof z.ZodObject)) out.set(path, { inList });
    if (s instanceof z.ZodObject) {
      for (const [k, v] of Object.entries(s.shape)) walk(v as z.ZodType, path ? `${path}.${k}` : k, inList);
    } else if (s instanceof z.ZodArray && s.element instanceof z.ZodObject) {
      // a list of objects: its fields are paths below a list
      for (const [k, v] of Object.entries(s.element.shape)) walk(v as z.ZodType, `${path}.${k}`, true);
    } else if (s instanceof z.ZodRecord) {
      walk(s.valueType as z.ZodType, `${path}.*`, inList);
    }
  };
  walk(ecsEventSchema, '', false);
  return out;
}

const SCHEMA_PATHS = schemaPaths();

function pathInfo(name: string): PathInfo | undefined {
  const exact = SCHEMA_PATHS.get(name);
  if (exact) return exact;
  // record fields: labels.<key>, file.hash.<algorithm>, log.syslog.structured_data.<id>.<param>
  const parts = name.split('.');
  for (const [path, info] of SCHEMA_PATHS) {
    if (!path.includes('*')) continue;
    const p = path.split('.');
    if (p.length === parts.length && p.every((seg, i) => seg === '*' || seg === parts[i])) return info;
  }
  return undefined;
}

/** Whether `name` is a field of the ECS event schema. */
export function isEcsField(name: string): boolean {
  return pathInfo(name) !== undefined;
}

/** Whether field matching reaches into lists of objects (dns.answers[].data). */
const LISTS_TRAVERSED = (() => {
  const v = getter('dns.answers.data')({ dns: { answers: [{ data: 'x' }] } });
  return v === 'x' || (Array.isArray(v) && v.includes('x'));
})();

// ---------------------------------------------------------------------------------------
// The logsource table

type Kind = 'firewall' | 'connection' | 'dns' | 'web' | 'alert';
const ALL_KINDS: Kind[] = ['firewall', 'connection', 'dns', 'web', 'alert'];
type Owner = 'taxonomy' | 'zeek' | 'suricata';
type Alternatives = Record<string, unknown>[];

const CATEGORIES: Record<string, { when: Alternatives; kinds: Kind[] }> = {
  firewall: { when: [{ 'observer.type': 'firewall' }], kinds: ['firewall', 'connection'] },
  network_connection: {
    when: [
      {
        'event.category': 'network',
        'event.kind': 'event',
        'event.type': ['connection', 'start', 'end', 'allowed', 'denied'],
      },
    ],
    kinds: ['connection'],
  },
  dns: {
    when: [{ 'event.dataset': ['zeek.dns', 'suricata.dns'] }, { 'dns.question.name|exists': true }],
    kinds: ['dns'],
  },
  proxy: { when: [{ 'event.category': 'web' }, { 'event.dataset': 'suricata.http' }], kinds: ['web'] },
  ids: { when: [{ 'event.category': 'intrusion_detection' }], kinds: ['alert', 'connection'] },
};
CATEGORIES['network'] = CATEGORIES['network_connection']!;
CATEGORIES['webserver'] = CATEGORIES['proxy']!;

const ZEEK_LOGS = ['conn', 'dns', 'http', 'notice'] as const;
type ZeekLog = (typeof ZEEK_LOGS)[number];
const ZEEK_KINDS: Record<ZeekLog, Kind> = { conn: 'connection', dns: 'dns', http: 'web', notice: 'alert' };

interface ProductEntry {
  owner: Owner;
  when: Record<string, unknown>;
  kinds: Kind[];
  /** service → extra conditions; a service not listed is not served */
  services: (service: string, product: string) => { when: Record<string, unknown>; kinds?: Kind[] } | string;
}

const noServices = (service: string, product: string) =>
  `logsource product=${product} service=${service} is not served: no parser maps that ${product} log`;
const datasetServices =
  (module: string, known: string[]) =>
  (service: string, product: string): { when: Record<string, unknown> } | string =>
    known.includes(service)
      ? { when: { 'event.dataset': `${module}.${service}` } }
      : `logsource product=${product} service=${service} is not served: the ${product} parser reads ${known.join(', ')} logs only`;

const FIREWALL_KINDS: Kind[] = ['firewall', 'connection'];
const netfilter: ProductEntry = {
  owner: 'taxonomy',
  when: { 'observer.vendor': 'netfilter' },
  kinds: FIREWALL_KINDS,
  services: noServices,
};
const panos: ProductEntry = {
  owner: 'taxonomy',
  when: { 'observer.product': 'PAN-OS' },
  kinds: FIREWALL_KINDS,
  services: datasetServices('panos', ['traffic', 'threat']),
};

const PRODUCTS: Record<string, ProductEntry> = {
  zeek: {
    owner: 'zeek',
    when: { 'observer.product': 'Zeek' },
    kinds: ALL_KINDS,
    services: (service) =>
      (ZEEK_LOGS as readonly string[]).includes(service)
        ? { when: { 'event.dataset': `zeek.${service}` }, kinds: [ZEEK_KINDS[service as ZeekLog]] }
        : `logsource product=zeek service=${service} is not served: the zeek parser reads conn, dns, http and notice logs only`,
  },
  suricata: {
    owner: 'suricata',
    when: { 'observer.product': 'Suricata' },
    kinds: ALL_KINDS,
    services: (service) =>
      /^[a-z0-9_]+$/.test(service)
        ? { when: { 'event.dataset': `suricata.${service}` } }
        : `logsource product=suricata service=${service} is not an EVE event type`,
  },
  snort: {
    owner: 'taxonomy',
    when: { 'observer.product': 'Snort' },
    kinds: ['alert', 'connection'],
    services: noServices,
  },
  iptables: netfilter,
  netfilter,
  ufw: netfilter,
  fortigate: {
    owner: 'taxonomy',
    when: { 'observer.product': 'FortiGate' },
    kinds: FIREWALL_KINDS,
    services: datasetServices('fortigate', ['traffic', 'utm', 'event']),
  },
  paloalto: panos,
  'pan-os': panos,
  panos,
  cisco: {
    owner: 'taxonomy',
    when: { 'observer.vendor': 'Cisco' },
    kinds: FIREWALL_KINDS,
    services: (service) =>
      service === 'asa' || service === 'ftd'
        ? { when: { 'observer.product': service.toUpperCase() } }
        : `logsource product=cisco service=${service} is not served: the cisco-asa parser reads ASA and FTD firewall logs only`,
  },
  checkpoint: {
    owner: 'taxonomy',
    when: { 'observer.vendor': 'Check Point' },
    kinds: FIREWALL_KINDS,
    services: noServices,
  },
  pfsense: {
    owner: 'taxonomy',
    when: { 'observer.product': 'pfSense' },
    kinds: FIREWALL_KINDS,
    services: noServices,
  },
  opnsense: {
    owner: 'taxonomy',
    when: { 'observer.product': 'OPNsense' },
    kinds: FIREWALL_KINDS,
    services: noServices,
  },
  juniper: {
    owner: 'taxonomy',
    when: { 'observer.vendor': 'Juniper' },
    kinds: FIREWALL_KINDS,
    services: noServices,
  },
};

interface Resolved {
  /** conditions per owning pipeline, each a list of alternatives */
  when: Record<Owner, Alternatives[]>;
  kinds: Set<Kind>;
  category?: string;
  product?: string;
  service?: string;
}

const lower = (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : undefined);

/** "product=windows category=process_creation" */
export function describeLogsource(logsource: Logsource): string {
  const parts = (['product', 'category', 'service'] as const)
    .filter((k) => logsource[k] !== undefined && logsource[k] !== '')
    .map((k) => `${k}=${String(logsource[k])}`);
  return parts.length ? parts.join(' ') : '(empty)';
}

/** The logsource table's reading of a logsource, or why it cannot be served. */
function resolve(logsource: Logsource): Resolved | string {
  const category = lower(logsource.category) || undefined;
  const product = lower(logsource.product) || undefined;
  const service = lower(logsource.service) || undefined;
  const notNetwork = `logsource ${describeLogsource(logsource)} is not a network log source`;
  const when: Resolved['when'] = { taxonomy: [], zeek: [], suricata: [] };
  let kinds: Kind[] | undefined;
  if (category !== undefined) {
    const c = CATEGORIES[category];
    if (!c) return notNetwork;
    when.taxonomy.push(c.when);
    kinds = c.kinds;
  }
  if (product !== undefined) {
    const p = PRODUCTS[product];
    if (!p) return notNetwork;
    const own: Record<string, unknown> = { ...p.when };
    let productKinds = p.kinds;
    if (service !== undefined) {
      const s = p.services(service, product);
      if (typeof s === 'string') return s;
      Object.assign(own, s.when);
      productKinds = s.kinds ?? productKinds;
    }
    when[p.owner].push([own]);
    kinds ??= productKinds;
  } else if (service !== undefined) {
    return `logsource ${describeLogsource(logsource)}: a service without a product is not a network log source`;
  }
  return { when, kinds: new Set(kinds ?? ALL_KINDS), category, product, service };
}

// ---------------------------------------------------------------------------------------
// Value maps

interface ValueMap {
  map(value: unknown, modifiers: string[]): unknown[];
}

const NUMERIC = ['gt', 'gte', 'lt', 'lte'];
/** modifiers that do not change how a plain value compares */
const NEUTRAL = ['cased'];
const plainOnly = (field: string, modifiers: string[]) => {
  const bad = modifiers.find((m) => !NEUTRAL.includes(m));
  if (bad !== undefined)
    throw new UnsupportedError(`field "${field}" with modifier "${bad}": its values cannot be translated`);
};

const truthy = (v: unknown) => v === true || ['t', 'true', '1', 'yes'].includes(String(v).toLowerCase());
const falsy = (v: unknown) => v === false || ['f', 'false', '0', 'no'].includes(String(v).toLowerCase());

const DENIED_WORDS = new Set([
  'block',
  'blocked',
  'deny',
  'denied',
  'drop',
  'dropped',
  'reject',
  'rejected',
  'refuse',
  'refused',
  'prevent',
  'prevented',
]);
const ALLOWED_WORDS = new Set([
  'allow',
  'allowed',
  'accept',
  'accepted',
  'pass',
  'passed',
  'permit',
  'permitted',
  'forward',
  'forwarded',
]);

/** A firewall verdict word → event.type allowed/denied. */
const verdict = (field: string): ValueMap => ({
  map(value, modifiers) {
    plainOnly(field, modifiers);
    const w = String(value).trim().toLowerCase();
    if (DENIED_WORDS.has(w)) return ['denied'];
    if (ALLOWED_WORDS.has(w)) return ['allowed'];
    return [];
  },
});

const blocked: ValueMap = {
  map(value, modifiers) {
    plainOnly('blocked', modifiers);
    if (truthy(value)) return ['denied'];
    if (falsy(value)) return ['allowed'];
    return [];
  },
};

const secondsToNanos = (field: string): ValueMap => ({
  map(value, modifiers) {
    const bad = modifiers.find((m) => !NUMERIC.includes(m));
    if (bad !== undefined)
      throw new UnsupportedError(`field "${field}" with modifier "${bad}": seconds cannot be translated`);
    const n = Number(value);
    if (value === '' || typeof value === 'boolean' || !Number.isFinite(n))
      throw new UnsupportedError(`field "${field}": ${JSON.stringify(value)} is not a number of seconds`);
    return [Math.round(n * 1e9)];
  },
});

const zeekLocal = (field: string, whenTrue: string[], whenFalse: string[]): ValueMap => ({
  map(value, modifiers) {
    plainOnly(field, modifiers);
    if (truthy(value)) return whenTrue;
    if (falsy(value)) return whenFalse;
    return [];
  },
});

const zeekProto: ValueMap = {
  map(value, modifiers) {
    if (modifiers.length === 0 && String(value).toLowerCase() === 'icmp') return ['icmp', 'ipv6-icmp'];
    return [value];
  },
};

const macDashes: ValueMap = {
  map: (value) => [typeof value === 'string' ? value.replaceAll(':', '-') : value],
};

const suricataEventType: ValueMap = {
  map(value, modifiers) {
    if (modifiers.includes('re'))
      throw new UnsupportedError('field "event_type" with modifier "re": its values cannot be translated');
    if (modifiers.includes('contains') || modifiers.includes('endswith')) return [value];
    return [`suricata.${String(value)}`];
  },
};

const httpVersion: ValueMap = {
  map: (value) => [typeof value === 'string' ? value.replace(/^http\//i, '') : value],
};

// ---------------------------------------------------------------------------------------
// Table-driven pipelines

/** an ECS field, with a value map when the vocabularies differ; or why there is none */
type Spec = string | { ecs: string; values?: ValueMap } | { unmapped: string };
type Table = Record<string, Spec>;

function tablePipeline(
  name: string,
  appliesTo: (logsource: Logsource, r: Resolved) => boolean,
  tableFor: (r: Resolved) => Table,
  owner?: Owner,
): Pipeline {
  const spec = (field: string, logsource: Logsource): Spec | undefined => {
    const r = resolve(logsource);
    if (typeof r === 'string' || !appliesTo(logsource, r)) return undefined;
    const t = tableFor(r);
    return Object.hasOwn(t, field) ? t[field] : undefined;
  };
  return {
    name,
    appliesTo(logsource) {
      const r = resolve(logsource);
      return typeof r !== 'string' && appliesTo(logsource, r);
    },
    field(field, logsource) {
      const s = spec(field, logsource);
      if (s === undefined) return undefined;
      if (typeof s === 'string') return s;
      return 'ecs' in s ? s.ecs : undefined;
    },
    value(field, value, modifiers, logsource) {
      const s = spec(field, logsource);
      return s !== undefined && typeof s !== 'string' && 'ecs' in s
        ? s.values?.map(value, modifiers)
        : undefined;
    },
    unmapped(field, logsource) {
      const s = spec(field, logsource);
      return s !== undefined && typeof s !== 'string' && 'unmapped' in s ? s.unmapped : undefined;
    },
    conditions(logsource) {
      if (!owner) return undefined;
      const r = resolve(logsource);
      if (typeof r === 'string' || !appliesTo(logsource, r)) return undefined;
      return crossProduct(r.when[owner]);
    },
  };
}

/** Fields already named as in our ECS schema pass through unchanged. */
export const ecsPassthrough: Pipeline = {
  name: 'ecs',
  appliesTo: (logsource) => typeof resolve(logsource) !== 'string',
  field: (name, logsource) => (typeof resolve(logsource) !== 'string' && isEcsField(name) ? name : undefined),
};

// Sigma generic taxonomy (Sigma specification, "Taxonomy": firewall, dns, proxy and
// webserver fields; network_connection uses Sysmon's field names).
const ENDPOINTS: Table = {
  src_ip: 'source.ip',
  dst_ip: 'destination.ip',
  src_port: 'source.port',
  dst_port: 'destination.port',
};
const FIREWALL: Table = {
  action: { ecs: 'event.type', values: verdict('action') },
  blocked: { ecs: 'event.type', values: blocked },
  // the firewall's user identity for the connection: PAN-OS, FortiGate, Check Point and
  // ASA/FTD identity-firewall users are kept as the source's user
  username: 'source.user.name',
};
const NOT_HOST = 'network log sources do not see the host process';
const CONNECTION: Table = {
  DestinationIp: 'destination.ip',
  DestinationPort: 'destination.port',
  DestinationHostname: 'destination.domain',
  SourceIp: 'source.ip',
  SourcePort: 'source.port',
  SourceHostname: 'source.domain',
  Protocol: 'network.transport',
  Initiated: {
    unmapped:
      'whether the host opened the connection is not known to network logs (network.direction is relative to the network perimeter, not to a host)',
  },
  Image: { unmapped: NOT_HOST },
  User: { unmapped: NOT_HOST },
  ProcessId: { unmapped: NOT_HOST },
  DestinationPortName: { unmapped: 'the event schema has no port name' },
};
const DNS: Table = {
  query: 'dns.question.name',
  QueryName: 'dns.question.name',
  record_type: 'dns.question.type',
  qtype_name: 'dns.question.type',
  answer: 'dns.answers.data',
  answers: 'dns.answers.data',
  rcode_name: 'dns.response_code',
};
const WEB: Table = {
  'c-uri': 'url.original',
  'cs-uri': 'url.original',
  'c-uri-query': 'url.query',
  'cs-uri-query': 'url.query',
  'c-uri-stem': 'url.path',
  'cs-uri-stem': 'url.path',
  'c-useragent': 'user_agent.original',
  'cs-user-agent': 'user_agent.original',
  'cs-host': 'url.domain',
  'r-dns': 'url.domain',
  'cs-method': 'http.request.method',
  'cs-referrer': 'http.request.referrer',
  'cs-referer': 'http.request.referrer',
  'cs-version': { ecs: 'http.version', values: httpVersion },
  'sc-status': 'http.response.status_code',
  'c-ip': 'source.ip',
  'cs-username': 'source.user.name',
  'c-uri-extension': { unmapped: 'the event schema has no url.extension' },
  'cs-bytes': { unmapped: 'the event schema has no HTTP byte counts' },
  'sc-bytes': { unmapped: 'the event schema has no HTTP byte counts' },
  'cs-cookie': { unmapped: 'events do not keep cookies' },
  'cs-content-type': { unmapped: 'events do not keep content types' },
};
const TAXONOMY: Record<Kind, Table> = {
  firewall: FIREWALL,
  connection: CONNECTION,
  dns: DNS,
  web: WEB,
  alert: {},
};

const taxonomyTables = new Map<string, Table>();
function taxonomyTable(r: Resolved): Table {
  const key = [...r.kinds].sort().join(',');
  let t = taxonomyTables.get(key);
  if (!t) {
    t = { ...ENDPOINTS };
    for (const k of ALL_KINDS) if (r.kinds.has(k)) Object.assign(t, TAXONOMY[k]);
    taxonomyTables.set(key, t);
  }
  return t;
}

export const sigmaTaxonomy: Pipeline = tablePipeline('sigma-taxonomy', () => true, taxonomyTable, 'taxonomy');

// Zeek's own column names for the logs the zeek parser reads (conn, dns, http, notice).
const ZEEK_COMMON: Table = {
  'id.orig_h': 'source.ip',
  'id.orig_p': 'source.port',
  'id.resp_h': 'destination.ip',
  'id.resp_p': 'destination.port',
  proto: { ecs: 'network.transport', values: zeekProto },
  community_id: 'network.community_id',
  uid: { unmapped: 'the zeek parser does not keep the connection uid' },
  ts: { unmapped: 'ts is the event time (@timestamp), not a field to match' },
};
const ZEEK: Record<ZeekLog, Table> = {
  conn: {
    service: 'network.protocol',
    duration: { ecs: 'event.duration', values: secondsToNanos('duration') },
    // source/destination.bytes hold the IP-level counts when Zeek logs them (orig_ip_bytes),
    // the payload counts otherwise: a threshold on orig_bytes compares IP-level bytes then
    orig_bytes: 'source.bytes',
    resp_bytes: 'destination.bytes',
    orig_ip_bytes: 'source.bytes',
    resp_ip_bytes: 'destination.bytes',
    orig_pkts: 'source.packets',
    resp_pkts: 'destination.packets',
    conn_state: 'event.code',
    local_orig: {
      ecs: 'network.direction',
      values: zeekLocal('local_orig', ['outbound', 'internal'], ['inbound', 'external']),
    },
    local_resp: {
      ecs: 'network.direction',
      values: zeekLocal('local_resp', ['inbound', 'internal'], ['outbound', 'external']),
    },
    orig_l2_addr: { ecs: 'source.mac', values: macDashes },
    resp_l2_addr: { ecs: 'destination.mac', values: macDashes },
    vlan: 'network.vlan.id',
    history: { unmapped: 'the zeek parser does not keep the connection history' },
    missed_bytes: { unmapped: 'the event schema has no missed byte count' },
    tunnel_parents: { unmapped: 'the zeek parser does not keep tunnel parents' },
  },
  dns: {
    query: 'dns.question.name',
    qtype_name: 'dns.question.type',
    qclass_name: 'dns.question.class',
    rcode_name: 'dns.response_code',
    trans_id: 'dns.id',
    answers: 'dns.answers.data',
    TTLs: 'dns.answers.ttl',
    qtype: { unmapped: 'the zeek parser keeps the type name (qtype_name), not its number' },
    qclass: { unmapped: 'the zeek parser keeps the class name (qclass_name), not its number' },
    rcode: { unmapped: 'the zeek parser keeps the response code name (rcode_name), not its number' },
    AA: { unmapped: 'the zeek parser does not keep DNS header flags' },
    TC: { unmapped: 'the zeek parser does not keep DNS header flags' },
    RD: { unmapped: 'the zeek parser does not keep DNS header flags' },
    RA: { unmapped: 'the zeek parser does not keep DNS header flags' },
    Z: { unmapped: 'the zeek parser does not keep DNS header flags' },
    rejected: { unmapped: 'the zeek parser does not keep DNS header flags' },
  },
  http: {
    host: 'url.domain',
    uri: 'url.original',
    method: 'http.request.method',
    status_code: 'http.response.status_code',
    user_agent: 'user_agent.original',
    referrer: 'http.request.referrer',
    version: 'http.version',
    username: 'source.user.name',
    resp_mime_types: { unmapped: 'the zeek parser does not keep MIME types' },
    orig_mime_types: { unmapped: 'the zeek parser does not keep MIME types' },
    request_body_len: { unmapped: 'the event schema has no HTTP body lengths' },
    response_body_len: { unmapped: 'the event schema has no HTTP body lengths' },
  },
  notice: {
    note: 'rule.name',
    msg: 'message',
    src: 'source.ip',
    dst: 'destination.ip',
    p: 'destination.port',
    sub: { unmapped: 'the zeek parser does not keep the notice sub-message' },
    actions: { unmapped: 'the zeek parser does not keep notice actions' },
  },
};

const zeekTables = new Map<string, Table>();
function zeekTable(r: Resolved): Table {
  // the log: the service, else the one the category names, else any of them
  const byCategory: Record<string, ZeekLog> = {
    dns: 'dns',
    proxy: 'http',
    webserver: 'http',
    firewall: 'conn',
    network_connection: 'conn',
    network: 'conn',
    ids: 'notice',
  };
  const log = (r.service as ZeekLog | undefined) ?? (r.category ? byCategory[r.category] : undefined);
  const key = log ?? '*';
  let t = zeekTables.get(key);
  if (!t) {
    t = { ...ZEEK_COMMON };
    for (const l of ZEEK_LOGS) if (log === undefined || l === log) Object.assign(t, ZEEK[l]);
    zeekTables.set(key, t);
  }
  return t;
}

export const zeek: Pipeline = tablePipeline('zeek', (_, r) => r.product === 'zeek', zeekTable, 'zeek');

// Suricata EVE JSON field names (dotted paths into the EVE object).
const SURICATA: Table = {
  src_ip: 'source.ip',
  dest_ip: 'destination.ip',
  src_port: 'source.port',
  dest_port: 'destination.port',
  proto: 'network.transport',
  app_proto: 'network.protocol',
  community_id: 'network.community_id',
  host: 'observer.hostname',
  event_type: { ecs: 'event.dataset', values: suricataEventType },
  'alert.signature': 'rule.name',
  'alert.signature_id': 'rule.id',
  'alert.category': 'rule.category',
  'alert.severity': 'event.severity',
  'alert.action': { ecs: 'event.type', values: verdict('alert.action') },
  'flow.bytes_toserver': 'source.bytes',
  'flow.bytes_toclient': 'destination.bytes',
  'flow.pkts_toserver': 'source.packets',
  'flow.pkts_toclient': 'destination.packets',
  // application-layer fields: the ECS fields exist, but the suricata-eve parser does not
  // fill them yet, so rules on them load but match no Suricata event until it does
  'dns.rrname': 'dns.question.name',
  'dns.rrtype': 'dns.question.type',
  'dns.rcode': 'dns.response_code',
  'http.hostname': 'url.domain',
  'http.url': 'url.original',
  'http.http_method': 'http.request.method',
  'http.http_user_agent': 'user_agent.original',
  'http.http_refer': 'http.request.referrer',
  'http.status': 'http.response.status_code',
  'tls.sni': 'tls.client.server_name',
  'tls.subject': 'tls.server.subject',
  'tls.issuerdn': 'tls.server.issuer',
  'tls.ja3.hash': 'tls.client.ja3',
  'tls.ja3s.hash': 'tls.server.ja3s',
  flow_id: { unmapped: 'the suricata-eve parser does not keep the flow id' },
  'alert.gid': { unmapped: 'the suricata-eve parser does not keep the generator id' },
  'alert.rev': { unmapped: 'the suricata-eve parser does not keep the signature revision' },
  payload: { unmapped: 'events do not keep packet payloads' },
  payload_printable: { unmapped: 'events do not keep packet payloads' },
};

export const suricata: Pipeline = tablePipeline(
  'suricata',
  (_, r) => r.product === 'suricata',
  () => SURICATA,
  'suricata',
);

/** The built-in pipelines, in order. */
export const pipelines: Pipeline[] = [ecsPassthrough, sigmaTaxonomy, zeek, suricata];

// ---------------------------------------------------------------------------------------
// Combining selection maps

const isPlainKey = (key: string) => !key.includes('|');
const valueKey = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : JSON.stringify(v));

/**
 * Two selection maps ANDed into one: a field in both with plain values keeps the values in
 * both lists (null when none is left: the two can never match together).
 */
function mergeMaps(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  describe: (key: string) => string,
): Record<string, unknown> | null {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    if (!Object.hasOwn(out, key)) {
      out[key] = value;
      continue;
    }
    const left = out[key];
    if (JSON.stringify(left) === JSON.stringify(value)) continue;
    // only literal values can be intersected: not patterns, nulls or nested maps
    const literal = (v: unknown): boolean =>
      Array.isArray(v)
        ? v.every(literal)
        : typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && !/[*?]/.test(v));
    if (!isPlainKey(key) || !literal(left) || !literal(value)) throw new UnsupportedError(describe(key));
    const right = new Set((Array.isArray(value) ? value : [value]).map(valueKey));
    const both = (Array.isArray(left) ? left : [left]).filter((v) => right.has(valueKey(v)));
    if (both.length === 0) return null;
    out[key] = both.length === 1 ? both[0] : both;
  }
  return out;
}

/** AND of lists of alternatives: every combination of one alternative from each list. */
function crossProduct(lists: Alternatives[]): Alternatives {
  let acc: Alternatives = [{}];
  for (const list of lists) {
    const next: Alternatives = [];
    for (const a of acc)
      for (const b of list) {
        const m = mergeMaps(a, b, (k) => `logsource conditions on "${k}" cannot be combined`);
        if (m) next.push(m);
      }
    acc = next;
  }
  return acc;
}

// ---------------------------------------------------------------------------------------
// Public API

/**
 * The ECS conditions a logsource implies, as selection maps: an event is of the logsource
 * when it matches any one of the maps (each map: all its fields), the way a Sigma selection
 * that is a list of maps matches. An empty list means no condition (a rule without a
 * logsource). Undefined when no pipeline serves the logsource (windows, linux
 * process_creation, ...). Example: {product: zeek, service: conn} →
 * [{ 'observer.product': 'Zeek', 'event.dataset': 'zeek.conn' }].
 */
export function logsourceConditions(
  logsource: Logsource,
  use: Pipeline[] = pipelines,
): Record<string, unknown>[] | undefined {
  const applicable = use.filter((p) => p.appliesTo(logsource));
  if (applicable.length === 0) return undefined;
  const lists: Alternatives[] = [];
  for (const p of applicable) {
    const c = p.conditions?.(logsource);
    if (c === undefined) continue;
    const alts = (Array.isArray(c) ? c : [c]).filter((m) => Object.keys(m).length > 0);
    if (alts.length > 0) lists.push(alts);
  }
  const result = crossProduct(lists);
  if (result.length === 0) return undefined;
  return result.length === 1 && Object.keys(result[0]!).length === 0 ? [] : result;
}

/** The ECS field for a Sigma field: the first pipeline that applies and maps it wins. */
export function mapField(
  name: string,
  logsource: Logsource,
  use: Pipeline[] = pipelines,
): string | undefined {
  return resolveField(name, logsource, use)?.ecs;
}

function resolveField(
  name: string,
  logsource: Logsource,
  use: Pipeline[],
): { ecs: string; pipeline: Pipeline } | undefined {
  for (const p of use) {
    if (!p.appliesTo(logsource)) continue;
    const ecs = p.field(name, logsource);
    if (ecs !== undefined) return { ecs, pipeline: p };
  }
  return undefined;
}

/**
 * A copy of a Sigma detection block with every field name (the part of a selection key
 * before the first "|") replaced by its ECS field, modifiers kept, and values translated
 * where a pipeline declares a value map; and the logsource's conditions (see
 * logsourceConditions: any one map must match, [] for none). Throws UnsupportedError when
 * the logsource is not served, a field maps nowhere, or a value cannot be translated.
 */
export function mapDetection(
  detection: Record<string, unknown>,
  logsource: Logsource,
  use: Pipeline[] = pipelines,
): { detection: Record<string, unknown>; conditions: Record<string, unknown>[] } {
  const conditions = logsourceConditions(logsource, use);
  if (conditions === undefined) {
    const r = resolve(logsource);
    throw new UnsupportedError(
      typeof r === 'string' ? r : `logsource ${describeLogsource(logsource)} is not a network log source`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const [name, body] of Object.entries(detection)) {
    out[name] =
      name === 'condition' || name === 'timeframe' ? body : mapSelection(name, body, logsource, use);
  }
  return { detection: out, conditions };
}

function mapSelection(name: string, body: unknown, logsource: Logsource, use: Pipeline[]): unknown {
  if (Array.isArray(body)) {
    if (body.some((b) => typeof b === 'string' || typeof b === 'number'))
      throw new UnsupportedError(`selection "${name}": keyword search is not supported`);
    return body.map((b, i) => mapSelection(`${name}[${i}]`, b, logsource, use));
  }
  // anything else that is not a map is left for the detection compiler to report
  if (body === null || typeof body !== 'object') return body;
  let out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    const [field = '', ...mods] = key.split('|');
    if (field === '') throw new UnsupportedError(`selection "${name}": keyword search is not supported`);
    const mapped = mapOne(field, mods, value, logsource, use);
    const m = mergeMaps(
      out,
      { [mapped.key]: mapped.value },
      (k) => `selection "${name}": two of its fields map to "${k}" and cannot be combined`,
    );
    if (m === null)
      throw new UnsupportedError(
        `selection "${name}": its fields mapped to "${mapped.key}" can never match together`,
      );
    out = m;
  }
  return out;
}

function mapOne(
  field: string,
  mods: string[],
  value: unknown,
  logsource: Logsource,
  use: Pipeline[],
): { key: string; value: unknown } {
  const hit = resolveField(field, logsource, use);
  if (!hit) {
    const why = use
      .filter((p) => p.appliesTo(logsource))
      .map((p) => p.unmapped?.(field, logsource))
      .find((w) => w !== undefined);
    throw new UnsupportedError(
      `field "${field}" has no ECS mapping for logsource ${describeLogsource(logsource)}${why ? ` (${why})` : ''}`,
    );
  }
  const info = pathInfo(hit.ecs);
  if (info?.inList && !LISTS_TRAVERSED)
    throw new UnsupportedError(
      `field "${field}" maps to ${hit.ecs}, a field of a list of objects, which field matching does not reach into`,
    );
  const key = [hit.ecs, ...mods].join('|');
  if (mods.includes('fieldref')) {
    // the values name fields, which need mapping too
    const refs = (Array.isArray(value) ? value : [value]).map((v) => {
      const ecs = typeof v === 'string' ? mapField(v, logsource, use) : undefined;
      if (ecs === undefined)
        throw new UnsupportedError(
          `field "${String(v)}" has no ECS mapping for logsource ${describeLogsource(logsource)}`,
        );
      return ecs;
    });
    return { key, value: Array.isArray(value) ? refs : refs[0] };
  }
  if (!hit.pipeline.value || mods.includes('exists')) return { key, value };
  const values = Array.isArray(value) ? value : [value];
  const translated = values.map((v) =>
    v === null ? [null] : (hit.pipeline.value!(field, v, mods, logsource) ?? [v]),
  );
  if (mods.includes('all') && translated.some((t) => t.length !== 1))
    throw new UnsupportedError(
      `field "${field}" with modifier "all": its values cannot be translated one to one`,
    );
  const seen = new Set<string>();
  const flat = translated.flat().filter((v) => {
    const k = valueKey(v);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  if (flat.length === 0)
    throw new UnsupportedError(
      `field "${field}": ${values.map((v) => JSON.stringify(v)).join(', ')} ${values.length === 1 ? 'has' : 'have'} no equivalent in ${hit.ecs}`,
    );
  return { key, value: Array.isArray(value) || flat.length > 1 ? flat : flat[0] };
}
