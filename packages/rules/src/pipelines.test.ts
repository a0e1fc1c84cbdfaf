import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ECS_VERSION, type EcsEvent, validateEvent } from '@soc/schema';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { firewallEvent } from './behaviour.ts';
import { compileDetection } from './detection.ts';
import { getter } from './fields.ts';
import { UnsupportedError } from './modifiers.ts';
import {
  ecsPassthrough,
  isEcsField,
  type Logsource,
  logsourceConditions,
  mapDetection,
  mapField,
  type Pipeline,
  pipelines,
  sigmaTaxonomy,
  suricata,
  zeek,
} from './pipelines.ts';

const FIXTURES = join(import.meta.dirname, '..', 'test-fixtures', 'sigma');

/** Whether field matching reaches into lists of objects (decides dns.answers.data). */
const listsTraversed = (() => {
  const v = getter('dns.answers.data')({ dns: { answers: [{ data: 'x' }] } });
  return v === 'x' || (Array.isArray(v) && v.includes('x'));
})();

const sel = (s: Record<string, unknown>) => ({ s, condition: 's' });
/** the mapped selection "s" of a one-selection detection */
const mapped = (s: Record<string, unknown>, logsource: Logsource, use?: Pipeline[]) =>
  mapDetection(sel(s), logsource, use).detection['s'];
const reason = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(UnsupportedError);
    return (err as Error).message;
  }
  throw new Error('expected an UnsupportedError');
};

describe('ecs passthrough pipeline', () => {
  it('passes the schema’s own field paths through, and nothing else', () => {
    const ls = { category: 'firewall' };
    for (const f of [
      'source.ip',
      'destination.port',
      'event.category',
      'event.duration',
      'observer.ingress.interface.name',
      'tls.client.ja3',
      'labels.env',
      'file.hash.sha256',
      'log.syslog.structured_data.meta.sequenceId',
      'related.ip',
      'tags',
      '@timestamp',
    ])
      expect(ecsPassthrough.field(f, ls), f).toBe(f);
    // lists of objects and maps too, for |exists
    for (const f of ['dns.answers', 'threat.enrichments', 'labels', 'file.hash'])
      expect(ecsPassthrough.field(f, ls), f).toBe(f);
    // but not object groups, whose names Zeek uses for its own columns
    for (const f of [
      'source',
      'host',
      'user_agent',
      'url',
      'source.ipaddr',
      'labels.a.b',
      'process.name',
      'src_ip',
    ])
      expect(ecsPassthrough.field(f, ls), f).toBeUndefined();
    expect(isEcsField('dns.answers.data')).toBe(true);
    expect(mapped({ 'threat.enrichments|exists': true }, {})).toEqual({ 'threat.enrichments|exists': true });
    expect(
      mapped({ host: 'example.org', user_agent: 'curl/8.5.0' }, { product: 'zeek', service: 'http' }),
    ).toEqual({
      'url.domain': 'example.org',
      'user_agent.original': 'curl/8.5.0',
    });
  });
  it('applies only to logsources the logsource table serves', () => {
    expect(ecsPassthrough.appliesTo({})).toBe(true);
    expect(ecsPassthrough.appliesTo({ product: 'zeek', service: 'dns' })).toBe(true);
    expect(ecsPassthrough.appliesTo({ product: 'windows', category: 'process_creation' })).toBe(false);
    expect(ecsPassthrough.appliesTo({ product: 'zeek', service: 'kerberos' })).toBe(false);
  });
  it('keeps our own rules (ECS fields, no logsource or a category) as they are', () => {
    const detection = {
      selection: { 'event.category': 'network', 'destination.port|exists': true },
      condition: 'selection',
    };
    expect(mapDetection(detection, { category: 'firewall' })).toEqual({
      detection,
      conditions: [{ 'observer.type': 'firewall' }],
    });
    expect(mapDetection(detection, {})).toEqual({ detection, conditions: [] });
  });
});

describe('sigma taxonomy pipeline', () => {
  it('maps the firewall fields', () => {
    const ls = { category: 'firewall' };
    expect(sigmaTaxonomy.field('src_ip', ls)).toBe('source.ip');
    expect(sigmaTaxonomy.field('dst_ip', ls)).toBe('destination.ip');
    expect(sigmaTaxonomy.field('src_port', ls)).toBe('source.port');
    expect(sigmaTaxonomy.field('dst_port', ls)).toBe('destination.port');
    expect(sigmaTaxonomy.field('username', ls)).toBe('source.user.name');
    expect(sigmaTaxonomy.field('action', ls)).toBe('event.type');
    expect(sigmaTaxonomy.field('blocked', ls)).toBe('event.type');
  });
  it('offers only the fields of the logsource’s kind', () => {
    expect(sigmaTaxonomy.field('query', { category: 'firewall' })).toBeUndefined();
    expect(sigmaTaxonomy.field('query', { category: 'dns' })).toBe('dns.question.name');
    expect(sigmaTaxonomy.field('c-uri', { category: 'dns' })).toBeUndefined();
    expect(sigmaTaxonomy.field('action', { category: 'proxy' })).toBeUndefined();
    // no logsource: any taxonomy field
    expect(sigmaTaxonomy.field('c-uri', {})).toBe('url.original');
    expect(sigmaTaxonomy.field('action', {})).toBe('event.type');
  });
  it('maps network_connection (Sysmon names), dns and proxy/webserver fields', () => {
    const nc = { category: 'network_connection' };
    expect(sigmaTaxonomy.field('DestinationIp', nc)).toBe('destination.ip');
    expect(sigmaTaxonomy.field('DestinationPort', nc)).toBe('destination.port');
    expect(sigmaTaxonomy.field('DestinationHostname', nc)).toBe('destination.domain');
    expect(sigmaTaxonomy.field('SourceIp', nc)).toBe('source.ip');
    expect(sigmaTaxonomy.field('Protocol', nc)).toBe('network.transport');
    const dns = { category: 'dns' };
    expect(sigmaTaxonomy.field('record_type', dns)).toBe('dns.question.type');
    expect(sigmaTaxonomy.field('qtype_name', dns)).toBe('dns.question.type');
    expect(sigmaTaxonomy.field('answer', dns)).toBe('dns.answers.data');
    for (const category of ['proxy', 'webserver']) {
      const ls = { category };
      expect(sigmaTaxonomy.field('c-uri', ls)).toBe('url.original');
      expect(sigmaTaxonomy.field('cs-uri-query', ls)).toBe('url.query');
      expect(sigmaTaxonomy.field('cs-uri-stem', ls)).toBe('url.path');
      expect(sigmaTaxonomy.field('c-useragent', ls)).toBe('user_agent.original');
      expect(sigmaTaxonomy.field('cs-host', ls)).toBe('url.domain');
      expect(sigmaTaxonomy.field('r-dns', ls)).toBe('url.domain');
      expect(sigmaTaxonomy.field('cs-method', ls)).toBe('http.request.method');
      expect(sigmaTaxonomy.field('cs-referrer', ls)).toBe('http.request.referrer');
      expect(sigmaTaxonomy.field('sc-status', ls)).toBe('http.response.status_code');
    }
  });
  it('explains the fields it knows but cannot map', () => {
    expect(sigmaTaxonomy.unmapped?.('c-uri-extension', { category: 'proxy' })).toMatch(/url.extension/);
    expect(reason(() => mapDetection(sel({ Initiated: 'true' }), { category: 'network_connection' }))).toBe(
      'field "Initiated" has no ECS mapping for logsource category=network_connection (whether the host opened the connection is not known to network logs (network.direction is relative to the network perimeter, not to a host))',
    );
    expect(reason(() => mapDetection(sel({ Image: '*\\nc.exe' }), { category: 'network_connection' }))).toBe(
      'field "Image" has no ECS mapping for logsource category=network_connection (network log sources do not see the host process)',
    );
  });
  it('translates firewall verdict words to event.type', () => {
    const fw = { category: 'firewall' };
    expect(mapped({ action: 'blocked' }, fw)).toEqual({ 'event.type': 'denied' });
    expect(mapped({ action: ['deny', 'DROP', 'reject'] }, fw)).toEqual({ 'event.type': ['denied'] });
    expect(mapped({ action: ['accept', 'pass', 'permit', 'forward'] }, fw)).toEqual({
      'event.type': ['allowed'],
    });
    expect(mapped({ action: ['allow', 'drop'] }, fw)).toEqual({ 'event.type': ['allowed', 'denied'] });
    // a value with no equivalent can never equal an event.type: dropped while others remain
    expect(mapped({ action: ['accept', 2] }, fw)).toEqual({ 'event.type': ['allowed'] });
    expect(reason(() => mapped({ action: ['teardown', 3] }, fw))).toBe(
      'field "action": "teardown", 3 have no equivalent in event.type',
    );
    expect(reason(() => mapped({ 'action|contains': 'drop' }, fw))).toBe(
      'field "action" with modifier "contains": its values cannot be translated',
    );
    expect(mapped({ blocked: 'false' }, fw)).toEqual({ 'event.type': 'allowed' });
    expect(mapped({ blocked: true }, fw)).toEqual({ 'event.type': 'denied' });
    // exists and null values are not translated
    expect(mapped({ 'action|exists': true }, fw)).toEqual({ 'event.type|exists': true });
    expect(mapped({ action: null }, fw)).toEqual({ 'event.type': null });
  });
  it('strips the HTTP/ prefix of cs-version', () => {
    expect(mapped({ 'cs-version': 'HTTP/1.0' }, { category: 'proxy' })).toEqual({ 'http.version': '1.0' });
  });
});

describe('zeek pipeline', () => {
  const conn = { product: 'zeek', service: 'conn' };
  const dns = { product: 'zeek', service: 'dns' };
  const http = { product: 'zeek', service: 'http' };
  const notice = { product: 'zeek', service: 'notice' };
  it('maps the connection tuple in every log', () => {
    for (const ls of [conn, dns, http, notice]) {
      expect(zeek.field('id.orig_h', ls)).toBe('source.ip');
      expect(zeek.field('id.orig_p', ls)).toBe('source.port');
      expect(zeek.field('id.resp_h', ls)).toBe('destination.ip');
      expect(zeek.field('id.resp_p', ls)).toBe('destination.port');
      expect(zeek.field('proto', ls)).toBe('network.transport');
    }
  });
  it('maps conn, dns, http and notice columns, each in its own log', () => {
    expect(zeek.field('service', conn)).toBe('network.protocol');
    expect(zeek.field('duration', conn)).toBe('event.duration');
    expect(zeek.field('orig_bytes', conn)).toBe('source.bytes');
    expect(zeek.field('resp_bytes', conn)).toBe('destination.bytes');
    expect(zeek.field('conn_state', conn)).toBe('event.code');
    expect(zeek.field('local_orig', conn)).toBe('network.direction');
    expect(zeek.field('query', dns)).toBe('dns.question.name');
    expect(zeek.field('qtype_name', dns)).toBe('dns.question.type');
    expect(zeek.field('rcode_name', dns)).toBe('dns.response_code');
    expect(zeek.field('answers', dns)).toBe('dns.answers.data');
    expect(zeek.field('host', http)).toBe('url.domain');
    expect(zeek.field('uri', http)).toBe('url.original');
    expect(zeek.field('method', http)).toBe('http.request.method');
    expect(zeek.field('status_code', http)).toBe('http.response.status_code');
    expect(zeek.field('user_agent', http)).toBe('user_agent.original');
    expect(zeek.field('referrer', http)).toBe('http.request.referrer');
    expect(zeek.field('note', notice)).toBe('rule.name');
    expect(zeek.field('msg', notice)).toBe('message');
    // a column of another log is not offered
    expect(zeek.field('query', conn)).toBeUndefined();
    expect(zeek.field('conn_state', http)).toBeUndefined();
    // without a service, the category picks the log; without either, all of them
    expect(zeek.field('query', { product: 'zeek', category: 'dns' })).toBe('dns.question.name');
    expect(zeek.field('uri', { product: 'zeek', category: 'dns' })).toBeUndefined();
    expect(zeek.field('uri', { product: 'zeek' })).toBe('url.original');
  });
  it('does not apply to other products or to Zeek logs the parser does not read', () => {
    expect(zeek.appliesTo({ category: 'firewall' })).toBe(false);
    expect(zeek.appliesTo({ product: 'suricata' })).toBe(false);
    expect(zeek.appliesTo({ product: 'zeek', service: 'smb_files' })).toBe(false);
    expect(zeek.field('id.orig_h', { product: 'suricata' })).toBeUndefined();
  });
  it('translates duration, local_orig/local_resp, proto and MAC values', () => {
    expect(mapped({ 'duration|gt': 3600 }, conn)).toEqual({ 'event.duration|gt': 3_600_000_000_000 });
    expect(mapped({ duration: '0.5' }, conn)).toEqual({ 'event.duration': 500_000_000 });
    expect(reason(() => mapped({ 'duration|contains': '1' }, conn))).toBe(
      'field "duration" with modifier "contains": seconds cannot be translated',
    );
    expect(mapped({ local_orig: 'T' }, conn)).toEqual({ 'network.direction': ['outbound', 'internal'] });
    expect(mapped({ local_orig: false }, conn)).toEqual({ 'network.direction': ['inbound', 'external'] });
    expect(mapped({ local_resp: 'T' }, conn)).toEqual({ 'network.direction': ['inbound', 'internal'] });
    // both flags in one selection: the directions both allow
    expect(mapped({ local_orig: 'T', local_resp: 'F' }, conn)).toEqual({ 'network.direction': 'outbound' });
    expect(mapped({ local_orig: 'F', local_resp: 'T' }, conn)).toEqual({ 'network.direction': 'inbound' });
    expect(mapped({ proto: 'icmp' }, conn)).toEqual({ 'network.transport': ['icmp', 'ipv6-icmp'] });
    expect(mapped({ proto: 'tcp' }, conn)).toEqual({ 'network.transport': 'tcp' });
    expect(mapped({ 'proto|contains': 'icmp' }, conn)).toEqual({ 'network.transport|contains': 'icmp' });
    expect(mapped({ orig_l2_addr: 'aa:bb:cc:dd:ee:ff' }, conn)).toEqual({
      'source.mac': 'aa-bb-cc-dd-ee-ff',
    });
  });
  it('explains the columns the parser does not keep', () => {
    expect(reason(() => mapped({ uid: 'CAbc' }, conn))).toBe(
      'field "uid" has no ECS mapping for logsource product=zeek service=conn (the zeek parser does not keep the connection uid)',
    );
    expect(reason(() => mapped({ qtype: 16 }, dns))).toMatch(/keeps the type name \(qtype_name\)/);
  });
});

describe('suricata pipeline', () => {
  const ls = { product: 'suricata' };
  it('maps EVE fields', () => {
    const want: Record<string, string> = {
      src_ip: 'source.ip',
      dest_ip: 'destination.ip',
      src_port: 'source.port',
      dest_port: 'destination.port',
      proto: 'network.transport',
      'alert.signature': 'rule.name',
      'alert.signature_id': 'rule.id',
      'alert.category': 'rule.category',
      'alert.severity': 'event.severity',
      'dns.rrname': 'dns.question.name',
      'http.hostname': 'url.domain',
      'http.url': 'url.original',
      'tls.sni': 'tls.client.server_name',
      event_type: 'event.dataset',
    };
    for (const [f, ecs] of Object.entries(want)) expect(suricata.field(f, ls), f).toBe(ecs);
    expect(suricata.appliesTo({ product: 'zeek' })).toBe(false);
  });
  it('translates event_type to event.dataset and alert.action to event.type', () => {
    expect(mapped({ event_type: 'alert' }, ls)).toEqual({ 'event.dataset': 'suricata.alert' });
    expect(mapped({ event_type: ['dns', 'http'] }, ls)).toEqual({
      'event.dataset': ['suricata.dns', 'suricata.http'],
    });
    expect(mapped({ 'event_type|startswith': 'fl' }, ls)).toEqual({
      'event.dataset|startswith': 'suricata.fl',
    });
    expect(mapped({ 'event_type|endswith': 'low' }, ls)).toEqual({ 'event.dataset|endswith': 'low' });
    expect(reason(() => mapped({ 'event_type|re': '^alert$' }, ls))).toBe(
      'field "event_type" with modifier "re": its values cannot be translated',
    );
    expect(mapped({ 'alert.action': 'blocked' }, ls)).toEqual({ 'event.type': 'denied' });
    expect(mapped({ 'alert.action': 'allowed' }, ls)).toEqual({ 'event.type': 'allowed' });
  });
});

describe('logsource table', () => {
  it('states the conditions each served logsource implies', () => {
    expect(logsourceConditions({ category: 'firewall' })).toEqual([{ 'observer.type': 'firewall' }]);
    expect(logsourceConditions({ product: 'zeek', service: 'conn' })).toEqual([
      { 'observer.product': 'Zeek', 'event.dataset': 'zeek.conn' },
    ]);
    expect(logsourceConditions({ product: 'zeek' })).toEqual([{ 'observer.product': 'Zeek' }]);
    expect(logsourceConditions({ product: 'suricata' })).toEqual([{ 'observer.product': 'Suricata' }]);
    expect(logsourceConditions({ product: 'suricata', service: 'alert' })).toEqual([
      { 'observer.product': 'Suricata', 'event.dataset': 'suricata.alert' },
    ]);
    expect(logsourceConditions({ category: 'dns' })).toEqual([
      { 'event.dataset': ['zeek.dns', 'suricata.dns'] },
      { 'dns.question.name|exists': true },
    ]);
    expect(logsourceConditions({ category: 'proxy' })).toEqual([
      { 'event.category': 'web' },
      { 'event.dataset': 'suricata.http' },
    ]);
    expect(logsourceConditions({ category: 'webserver' })).toEqual(
      logsourceConditions({ category: 'proxy' }),
    );
    expect(logsourceConditions({ category: 'ids' })).toEqual([{ 'event.category': 'intrusion_detection' }]);
    expect(logsourceConditions({ category: 'network_connection' })).toEqual([
      {
        'event.category': 'network',
        'event.kind': 'event',
        'event.type': ['connection', 'start', 'end', 'allowed', 'denied'],
      },
    ]);
    expect(logsourceConditions({ product: 'iptables' })).toEqual([{ 'observer.vendor': 'netfilter' }]);
    expect(logsourceConditions({ category: 'firewall', product: 'fortigate', service: 'traffic' })).toEqual([
      { 'observer.type': 'firewall', 'observer.product': 'FortiGate', 'event.dataset': 'fortigate.traffic' },
    ]);
    expect(logsourceConditions({ product: 'cisco', service: 'asa' })).toEqual([
      { 'observer.vendor': 'Cisco', 'observer.product': 'ASA' },
    ]);
    // values are read case-insensitively
    expect(logsourceConditions({ category: 'Firewall' })).toEqual([{ 'observer.type': 'firewall' }]);
    // no logsource: no condition
    expect(logsourceConditions({})).toEqual([]);
  });
  it('combines a category with a product, dropping alternatives that can never hold together', () => {
    expect(logsourceConditions({ category: 'dns', product: 'zeek', service: 'dns' })).toEqual([
      { 'event.dataset': 'zeek.dns', 'observer.product': 'Zeek' },
      { 'dns.question.name|exists': true, 'observer.product': 'Zeek', 'event.dataset': 'zeek.dns' },
    ]);
    expect(logsourceConditions({ category: 'dns', product: 'suricata', service: 'http' })).toEqual([
      { 'dns.question.name|exists': true, 'observer.product': 'Suricata', 'event.dataset': 'suricata.http' },
    ]);
  });
  it('serves no host or cloud log source', () => {
    for (const ls of [
      { product: 'windows' },
      { product: 'windows', category: 'process_creation' },
      { product: 'windows', service: 'security' },
      { product: 'linux', category: 'network_connection' },
      { category: 'process_creation' },
      { product: 'aws', service: 'cloudtrail' },
      { category: 'firewall', product: 'windows' },
      { service: 'conn' },
      { product: 'zeek', service: 'rdp' },
      { product: 'fortigate', service: 'vpn' },
    ])
      expect(logsourceConditions(ls), JSON.stringify(ls)).toBeUndefined();
  });
  it('gives the reason a logsource is not served', () => {
    expect(
      reason(() => mapDetection(sel({ a: 1 }), { product: 'windows', category: 'process_creation' })),
    ).toBe('logsource product=windows category=process_creation is not a network log source');
    expect(reason(() => mapDetection(sel({ a: 1 }), { product: 'zeek', service: 'kerberos' }))).toBe(
      'logsource product=zeek service=kerberos is not served: the zeek parser reads conn, dns, http and notice logs only',
    );
    expect(reason(() => mapDetection(sel({ a: 1 }), { service: 'sshd' }))).toBe(
      'logsource service=sshd: a service without a product is not a network log source',
    );
  });
});

describe('composition', () => {
  it('uses the built-in pipelines in order: ecs, taxonomy, zeek, suricata', () => {
    expect(pipelines.map((p) => p.name)).toEqual(['ecs', 'sigma-taxonomy', 'zeek', 'suricata']);
    // a taxonomy field inside a Zeek rule (Zeek's http log is a proxy-like source)
    expect(mapField('c-useragent', { product: 'zeek', service: 'http' })).toBe('user_agent.original');
    // an ECS name wins over everything
    expect(mapField('source.ip', { product: 'suricata' })).toBe('source.ip');
    expect(mapField('src_ip', { product: 'suricata' })).toBe('source.ip');
    expect(mapField('id.orig_h', { category: 'firewall' })).toBeUndefined();
  });
  it('lets a deployment put its own pipeline first', () => {
    const site: Pipeline = {
      name: 'site',
      appliesTo: (ls) => ls.category === 'firewall',
      field: (name) => ({ src_ip: 'source.nat.ip', fw_zone: 'source.zone' })[name],
      conditions: () => ({ 'observer.name': 'edge-fw' }),
    };
    const use = [site, ...pipelines];
    expect(mapField('src_ip', { category: 'firewall' }, use)).toBe('source.nat.ip');
    expect(mapField('fw_zone', { category: 'firewall' }, use)).toBe('source.zone');
    // the rest still falls through to the built-ins
    expect(mapField('dst_ip', { category: 'firewall' }, use)).toBe('destination.ip');
    expect(mapField('fw_zone', { category: 'firewall' })).toBeUndefined();
    // it does not apply elsewhere
    expect(mapField('src_ip', { category: 'dns' }, use)).toBe('source.ip');
    expect(logsourceConditions({ category: 'firewall' }, use)).toEqual([
      { 'observer.name': 'edge-fw', 'observer.type': 'firewall' },
    ]);
  });
  it('lets a custom pipeline serve a logsource the built-ins do not, and narrows with a subset', () => {
    const winFirewall: Pipeline = {
      name: 'windows-firewall-log',
      appliesTo: (ls) => ls.product === 'windows' && ls.service === 'firewall-log',
      field: (name) => (name === 'RemoteAddress' ? 'destination.ip' : undefined),
      value: (_name, value) => [value],
      conditions: () => [{ 'observer.product': 'Windows Defender Firewall' }],
    };
    const ls = { product: 'windows', service: 'firewall-log' };
    expect(mapDetection(sel({ RemoteAddress: '198.51.100.1' }), ls, [winFirewall, ...pipelines])).toEqual({
      detection: sel({ 'destination.ip': '198.51.100.1' }),
      conditions: [{ 'observer.product': 'Windows Defender Firewall' }],
    });
    // only the pipelines given are used
    expect(mapField('src_ip', { category: 'firewall' }, [ecsPassthrough])).toBeUndefined();
    expect(mapField('id.orig_h', { product: 'zeek' }, [zeek])).toBe('source.ip');
  });
});

describe('mapDetection', () => {
  const fw = { category: 'firewall' };
  it('returns a copy with field names mapped, modifiers, values and conditions kept', () => {
    const detection = {
      selection: { 'dst_port|gte': 1024, 'src_ip|cidr': ['10.0.0.0/8'] },
      filter: [{ dst_ip: '10.0.0.1' }, { 'dst_ip|startswith': '192.168.' }],
      condition: 'selection and not filter',
    };
    const before = JSON.stringify(detection);
    expect(mapDetection(detection, fw).detection).toEqual({
      selection: { 'destination.port|gte': 1024, 'source.ip|cidr': ['10.0.0.0/8'] },
      filter: [{ 'destination.ip': '10.0.0.1' }, { 'destination.ip|startswith': '192.168.' }],
      condition: 'selection and not filter',
    });
    expect(JSON.stringify(detection)).toBe(before);
  });
  it('refuses a value map that widens one value into several under |all', () => {
    const widen: Pipeline = {
      name: 'widen',
      appliesTo: () => true,
      field: (name) => (name === 'proto' ? 'network.transport' : undefined),
      value: (_name, v) => [v, `${String(v)}6`],
    };
    expect(mapped({ proto: 'icmp' }, fw, [widen])).toEqual({ 'network.transport': ['icmp', 'icmp6'] });
    expect(reason(() => mapped({ 'proto|all': ['icmp', 'udp'] }, fw, [widen]))).toBe(
      'field "proto" with modifier "all": its values cannot be translated one to one',
    );
  });
  it('maps the field names a fieldref value refers to', () => {
    expect(mapped({ 'src_ip|fieldref': 'dst_ip' }, fw)).toEqual({ 'source.ip|fieldref': 'destination.ip' });
  });
  it('sets aside unmapped fields, keyword searches and fields that cannot be combined', () => {
    expect(reason(() => mapped({ CommandLine: 'x' }, fw))).toBe(
      'field "CommandLine" has no ECS mapping for logsource category=firewall',
    );
    expect(reason(() => mapDetection({ keywords: ['scan'], condition: 'keywords' }, fw))).toBe(
      'selection "keywords": keyword search is not supported',
    );
    expect(reason(() => mapped({ '|contains': 'scan' }, fw))).toBe(
      'selection "s": keyword search is not supported',
    );
    expect(
      reason(() => mapped({ 'cs-host': '*.example', 'r-dns': 'a.example' }, { category: 'proxy' })),
    ).toBe('selection "s": two of its fields map to "url.domain" and cannot be combined');
    // literal values of two fields that map to one ECS field are intersected
    expect(mapped({ src_ip: ['10.0.0.1', '10.0.0.2'], 'source.ip': '10.0.0.2' }, fw)).toEqual({
      'source.ip': '10.0.0.2',
    });
    expect(reason(() => mapped({ src_ip: '10.0.0.1', 'source.ip': '10.0.0.2' }, fw))).toBe(
      'selection "s": its fields mapped to "source.ip" can never match together',
    );
  });
  it('sets aside fields inside lists of objects while field matching cannot reach them', () => {
    const run = () => mapped({ 'answers|contains': 'evil' }, { product: 'zeek', service: 'dns' });
    if (listsTraversed) expect(run()).toEqual({ 'dns.answers.data|contains': 'evil' });
    else
      expect(reason(run)).toBe(
        'field "answers" maps to dns.answers.data, a field of a list of objects, which field matching does not reach into',
      );
  });
});

// ---------------------------------------------------------------------------------------
// Conformance: SigmaHQ-style rules under test-fixtures/sigma

type Expect = { fields: Record<string, string[]> } | { reason: string };

const ANSWERS_REASON =
  'field "answer" maps to dns.answers.data, a field of a list of objects, which field matching does not reach into';

const EXPECTED: Record<string, Expect> = {
  'firewall/net_firewall_rdp_allowed_from_public.yml': {
    fields: { selection: ['destination.port', 'event.type'], filter_main_private: ['source.ip|cidr'] },
  },
  'firewall/net_firewall_smb_outbound_blocked.yml': {
    fields: {
      selection: ['destination.port', 'event.type'],
      filter_main_internal_destination: ['destination.ip|cidr'],
    },
  },
  'firewall/net_firewall_cleartext_management_allowed.yml': {
    fields: {
      selection: ['destination.ip|cidr', 'destination.port'],
      selection_verdict_action: ['event.type'],
      selection_verdict_flag: ['event.type'],
    },
  },
  'firewall/net_firewall_syn_only_probes.yml': {
    reason: 'field "tcp_flags" has no ECS mapping for logsource category=firewall',
  },
  'firewall/net_firewall_scan_keywords.yml': {
    reason: 'selection "keywords": keyword search is not supported',
  },
  'zeek/zeek_conn_long_lived_outbound.yml': {
    fields: {
      selection: ['network.transport', 'network.direction', 'event.duration|gt', 'event.code'],
      filter_main_common_ports: ['destination.port'],
    },
  },
  'zeek/zeek_conn_icmp_large_payload.yml': {
    fields: { selection: ['network.transport', 'source.bytes|gte'] },
  },
  'zeek/zeek_dns_encoded_txt_query.yml': {
    fields: {
      selection: ['dns.question.type', 'dns.question.name|re'],
      filter_optional_dkim: ['dns.question.name|contains'],
    },
  },
  'zeek/zeek_http_powershell_script_from_ip.yml': {
    fields: {
      selection: [
        'http.request.method',
        'user_agent.original|contains',
        'url.domain|re',
        'url.original|endswith',
      ],
    },
  },
  'zeek/zeek_http_post_to_image_path.yml': {
    fields: { selection: ['http.request.method', 'url.original|endswith', 'http.response.status_code'] },
  },
  'zeek/zeek_notice_scan_detected.yml': { fields: { selection: ['rule.name'] } },
  'zeek/zeek_rdp_public_listener.yml': {
    reason:
      'logsource product=zeek service=rdp is not served: the zeek parser reads conn, dns, http and notice logs only',
  },
  'suricata/suricata_trojan_alert_not_blocked.yml': {
    fields: {
      selection: ['event.dataset', 'event.severity', 'rule.category|contains'],
      filter_main_blocked: ['event.type'],
    },
  },
  'suricata/suricata_tls_sni_dynamic_dns.yml': {
    fields: { selection: ['event.dataset', 'tls.client.server_name|endswith'] },
  },
  'ids/ids_exploit_alert_to_dmz.yml': {
    fields: { selection: ['rule.category|contains', 'destination.ip|cidr'] },
  },
  'dns/net_dns_hex_label_txt_or_null.yml': {
    fields: { selection: ['dns.question.type', 'dns.question.name|re'] },
  },
  'dns/net_dns_txt_answer_script.yml': listsTraversed
    ? { fields: { selection: ['dns.question.type', 'dns.answers.data|contains'] } }
    : { reason: ANSWERS_REASON },
  'network_connection/net_connection_default_framework_port.yml': {
    fields: {
      selection: ['network.transport', 'destination.port'],
      filter_main_internal: ['destination.ip|cidr'],
    },
  },
  'proxy/proxy_cli_client_to_paste_site.yml': {
    fields: { selection: ['user_agent.original|startswith', 'url.domain|endswith', 'http.request.method'] },
  },
  'windows/proc_creation_win_certutil_urlcache.yml': {
    reason: 'logsource product=windows category=process_creation is not a network log source',
  },
};

interface Rule {
  title: string;
  id: string;
  status: string;
  description: string;
  references: string[];
  author: string;
  date: string;
  tags: string[];
  logsource: Logsource;
  detection: Record<string, unknown>;
  falsepositives: string[];
  level: string;
}

function listFixtures(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((e) => {
      const p = join(dir, e);
      return statSync(p).isDirectory() ? listFixtures(p) : e.endsWith('.yml') ? [relative(FIXTURES, p)] : [];
    });
}

const rule = (file: string): Rule => parse(readFileSync(join(FIXTURES, file), 'utf8')) as Rule;

/** A rule compiled as the engine would: its mapped detection and its logsource's conditions. */
function compileRule(file: string): (e: EcsEvent) => boolean {
  const r = rule(file);
  const { detection, conditions } = mapDetection(r.detection, r.logsource);
  const detect = compileDetection(detection);
  // the conditions are a Sigma selection (a list of maps: any one matches)
  const source = conditions.length
    ? compileDetection({ logsource: conditions, condition: 'logsource' })
    : null;
  return (e) => (source === null || source(e)) && detect(e);
}

describe('conformance: SigmaHQ-style rules', () => {
  const files = listFixtures(FIXTURES);

  it('has an expectation for every rule file, and at least 12 of them', () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  it('every rule file is written in the SigmaHQ layout', () => {
    for (const f of files) {
      const r = rule(f);
      for (const k of [
        'title',
        'id',
        'status',
        'description',
        'references',
        'author',
        'date',
        'tags',
        'logsource',
        'detection',
        'falsepositives',
        'level',
      ])
        expect(r, `${f}: ${k}`).toHaveProperty(k);
      expect(r.id, f).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(new Set(files.map((f) => rule(f).id)).size).toBe(files.length);
  });

  for (const [file, want] of Object.entries(EXPECTED)) {
    it(`${file}: ${'reason' in want ? 'set aside' : 'mapped'}`, () => {
      const r = rule(file);
      if ('reason' in want) {
        expect(reason(() => mapDetection(r.detection, r.logsource))).toBe(want.reason);
        return;
      }
      const { detection } = mapDetection(r.detection, r.logsource);
      const got: Record<string, string[]> = {};
      for (const [name, body] of Object.entries(detection)) {
        if (name === 'condition') continue;
        const maps = (Array.isArray(body) ? body : [body]) as Record<string, unknown>[];
        got[name] = maps.flatMap((m) => Object.keys(m));
      }
      expect(got).toEqual(want.fields);
      expect(detection['condition']).toBe(r.detection['condition']);
      // the mapped block compiles
      expect(() => compileDetection(detection)).not.toThrow();
    });
  }
});

// ---------------------------------------------------------------------------------------
// Mapped rules on events shaped as the parsers produce them

const T = '2026-03-10T12:00:00.000Z';
let seq = 0;

type Deep = { [k: string]: unknown };
function merge(a: Deep, b: Deep): Deep {
  const out: Deep = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const left = out[k];
    out[k] =
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      left &&
      typeof left === 'object' &&
      !Array.isArray(left)
        ? merge(left as Deep, v as Deep)
        : v;
  }
  return out;
}

/** A schema-valid event: a network event plus the given fields. */
function ecs(fields: Deep): EcsEvent {
  const base: Deep = {
    '@timestamp': T,
    ecs: { version: ECS_VERSION },
    event: { id: `e${++seq}`, kind: 'event', category: ['network'], type: ['connection'] },
    organization: { id: 'acme' },
  };
  const r = validateEvent(merge(base, fields));
  if (!r.ok) throw new Error(r.reason);
  return r.event;
}

const ZEEK_OBSERVER = { vendor: 'Zeek', product: 'Zeek', type: 'ids' };
/** a Zeek conn record as the zeek parser maps it */
const zeekConn = (o: Deep = {}) =>
  ecs(
    merge(
      {
        event: { type: ['connection', 'start', 'end'], dataset: 'zeek.conn', module: 'zeek', code: 'SF' },
        observer: ZEEK_OBSERVER,
        source: { ip: '10.0.0.5', port: 50000, bytes: 1200 },
        destination: { ip: '198.51.100.20', port: 8443, bytes: 900 },
        network: { transport: 'tcp', direction: 'outbound' },
      },
      o,
    ),
  );
const zeekDns = (o: Deep = {}) =>
  ecs(
    merge(
      {
        event: { type: ['protocol'], dataset: 'zeek.dns', module: 'zeek' },
        observer: ZEEK_OBSERVER,
        source: { ip: '10.0.0.5', port: 53000 },
        destination: { ip: '10.0.0.2', port: 53 },
        network: { transport: 'udp', protocol: 'dns' },
        dns: { type: 'answer', question: { name: 'example.org', type: 'A' } },
      },
      o,
    ),
  );
const zeekHttp = (o: Deep = {}) =>
  ecs(
    merge(
      {
        event: { category: ['network', 'web'], type: ['protocol'], dataset: 'zeek.http', module: 'zeek' },
        observer: ZEEK_OBSERVER,
        source: { ip: '10.0.0.5', port: 50100 },
        destination: { ip: '203.0.113.80', port: 80 },
        network: { transport: 'tcp', protocol: 'http' },
        url: { original: '/index.html', domain: 'example.org', path: '/index.html' },
        http: { request: { method: 'GET' }, response: { status_code: 200 } },
        user_agent: { original: 'Mozilla/5.0' },
      },
      o,
    ),
  );
const suricataAlert = (o: Deep = {}) =>
  ecs(
    merge(
      {
        event: {
          kind: 'alert',
          category: ['network', 'intrusion_detection'],
          type: ['allowed'],
          action: 'alert',
          severity: 1,
          dataset: 'suricata.alert',
          module: 'suricata',
        },
        observer: { vendor: 'OISF', product: 'Suricata', type: 'ids', name: 'sensor1' },
        source: { ip: '10.0.0.5', port: 49500 },
        destination: { ip: '198.51.100.66', port: 443 },
        network: { transport: 'tcp' },
        rule: { id: '2030000', name: 'ET MALWARE Example Beacon', category: 'A Network Trojan was detected' },
      },
      o,
    ),
  );
const fw = (
  o: Partial<Parameters<typeof firewallEvent>[0]> & { source: string; destination: string; port: number },
) => firewallEvent({ timestamp: T, ...o });

describe('mapped rules evaluated on events', () => {
  it('firewall: RDP allowed from a public address', () => {
    const match = compileRule('firewall/net_firewall_rdp_allowed_from_public.yml');
    expect(match(fw({ source: '203.0.113.7', destination: '10.0.0.5', port: 3389, action: 'allowed' }))).toBe(
      true,
    );
    expect(
      match(fw({ source: '192.168.1.20', destination: '10.0.0.5', port: 3389, action: 'allowed' })),
    ).toBe(false);
    expect(match(fw({ source: '203.0.113.7', destination: '10.0.0.5', port: 3389, action: 'denied' }))).toBe(
      false,
    );
    // the same connection seen by Zeek is not a firewall's verdict
    expect(
      match(
        zeekConn({
          event: { type: ['allowed'] },
          source: { ip: '203.0.113.7' },
          destination: { ip: '10.0.0.5', port: 3389 },
        }),
      ),
    ).toBe(false);
  });

  it('firewall: outbound SMB blocked, and the blocked flag form', () => {
    const smb = compileRule('firewall/net_firewall_smb_outbound_blocked.yml');
    expect(smb(fw({ source: '10.0.0.5', destination: '198.51.100.9', port: 445, action: 'denied' }))).toBe(
      true,
    );
    expect(smb(fw({ source: '10.0.0.5', destination: '10.1.2.3', port: 445, action: 'denied' }))).toBe(false);
    expect(smb(fw({ source: '10.0.0.5', destination: '198.51.100.9', port: 445, action: 'allowed' }))).toBe(
      false,
    );
    const clear = compileRule('firewall/net_firewall_cleartext_management_allowed.yml');
    expect(clear(fw({ source: '10.0.0.5', destination: '10.250.3.4', port: 23, action: 'allowed' }))).toBe(
      true,
    );
    expect(clear(fw({ source: '10.0.0.5', destination: '10.250.3.4', port: 23, action: 'denied' }))).toBe(
      false,
    );
    expect(clear(fw({ source: '10.0.0.5', destination: '10.250.3.4', port: 22, action: 'allowed' }))).toBe(
      false,
    );
  });

  it('zeek conn: long-lived outbound connection (seconds → ns, local flags → direction)', () => {
    const match = compileRule('zeek/zeek_conn_long_lived_outbound.yml');
    const fiveHours = 5 * 3600 * 1e9;
    expect(match(zeekConn({ event: { duration: fiveHours } }))).toBe(true);
    expect(match(zeekConn({ event: { duration: 3600 * 1e9 } }))).toBe(false);
    expect(match(zeekConn({ event: { duration: fiveHours }, destination: { port: 443 } }))).toBe(false);
    expect(match(zeekConn({ event: { duration: fiveHours }, network: { direction: 'internal' } }))).toBe(
      false,
    );
    expect(match(zeekConn({ event: { duration: fiveHours, code: 'S0' } }))).toBe(false);
  });

  it('zeek conn: ICMP and ICMPv6 tunnels', () => {
    const match = compileRule('zeek/zeek_conn_icmp_large_payload.yml');
    const icmp = { source: { port: undefined, bytes: 20000 }, destination: { port: undefined } };
    expect(match(zeekConn(merge(icmp, { network: { transport: 'icmp' } })))).toBe(true);
    expect(
      match(
        zeekConn(
          merge(icmp, {
            source: { ip: 'fd00::5' },
            destination: { ip: '2001:db8::1' },
            network: { transport: 'ipv6-icmp' },
          }),
        ),
      ),
    ).toBe(true);
    expect(match(zeekConn({ source: { bytes: 20000 } }))).toBe(false);
    expect(match(zeekConn(merge(icmp, { source: { bytes: 64 }, network: { transport: 'icmp' } })))).toBe(
      false,
    );
  });

  it('zeek dns, http and notice', () => {
    const dns = compileRule('zeek/zeek_dns_encoded_txt_query.yml');
    const label = 'aGVsbG8gd29ybGQgdGhpcyBpcyBhIHR1bm5lbGxlZCBwYXlsb2Fk';
    expect(dns(zeekDns({ dns: { question: { name: `${label}.t.example.net`, type: 'TXT' } } }))).toBe(true);
    expect(dns(zeekDns({ dns: { question: { name: `${label}.t.example.net`, type: 'A' } } }))).toBe(false);
    expect(dns(zeekDns({ dns: { question: { name: 'short.example.net', type: 'TXT' } } }))).toBe(false);

    const ps = compileRule('zeek/zeek_http_powershell_script_from_ip.yml');
    const psRequest = {
      url: { original: '/a/stage2.ps1', domain: '203.0.113.80' },
      user_agent: {
        original: 'Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.1',
      },
    };
    expect(ps(zeekHttp(psRequest))).toBe(true);
    expect(ps(zeekHttp(merge(psRequest, { url: { domain: 'updates.example.org' } })))).toBe(false);
    expect(ps(zeekHttp(merge(psRequest, { http: { request: { method: 'POST' } } })))).toBe(false);

    const post = compileRule('zeek/zeek_http_post_to_image_path.yml');
    const upload = { url: { original: '/images/logo.png' }, http: { request: { method: 'POST' } } };
    expect(post(zeekHttp(upload))).toBe(true);
    expect(post(zeekHttp(merge(upload, { http: { response: { status_code: 404 } } })))).toBe(false);

    const notice = compileRule('zeek/zeek_notice_scan_detected.yml');
    const base = {
      event: {
        kind: 'alert',
        category: ['network', 'intrusion_detection'],
        type: ['info'],
        dataset: 'zeek.notice',
        module: 'zeek',
      },
      observer: ZEEK_OBSERVER,
      source: { ip: '203.0.113.9' },
    };
    expect(notice(ecs(merge(base, { rule: { name: 'Scan::Port_Scan' } })))).toBe(true);
    expect(notice(ecs(merge(base, { rule: { name: 'SSL::Invalid_Server_Cert' } })))).toBe(false);
  });

  it('suricata: alert fields, event_type and alert.action', () => {
    const match = compileRule('suricata/suricata_trojan_alert_not_blocked.yml');
    expect(match(suricataAlert())).toBe(true);
    expect(match(suricataAlert({ event: { type: ['denied'], action: 'blocked' } }))).toBe(false);
    expect(match(suricataAlert({ event: { severity: 2 } }))).toBe(false);
    expect(match(suricataAlert({ rule: { category: 'Potentially Bad Traffic' } }))).toBe(false);
    expect(match(suricataAlert({ event: { dataset: 'suricata.anomaly' } }))).toBe(false);

    const tls = compileRule('suricata/suricata_tls_sni_dynamic_dns.yml');
    const tlsEvent = (sni: string) =>
      suricataAlert({
        event: { kind: 'event', category: ['network'], type: ['protocol'], dataset: 'suricata.tls' },
        tls: { client: { server_name: sni } },
      });
    expect(tls(tlsEvent('c2.duckdns.org'))).toBe(true);
    expect(tls(tlsEvent('www.example.org'))).toBe(false);
  });

  it('ids, dns, network_connection and proxy categories across sources', () => {
    const ids = compileRule('ids/ids_exploit_alert_to_dmz.yml');
    const exploit = {
      rule: { category: 'Exploit Kit Activity Detected' },
      destination: { ip: '192.0.2.10' },
    };
    expect(ids(suricataAlert(exploit))).toBe(true);
    expect(ids(suricataAlert(merge(exploit, { destination: { ip: '198.51.100.10' } })))).toBe(false);
    // not an IDS alert: a connection record with the same fields
    expect(ids(zeekConn(exploit))).toBe(false);

    const dns = compileRule('dns/net_dns_hex_label_txt_or_null.yml');
    const name = `${'0123456789abcdef'.repeat(3)}.x.example.net`;
    expect(dns(zeekDns({ dns: { question: { name, type: 'NULL' } } }))).toBe(true);
    // FortiGate's DNS filter log: dataset fortigate.utm, a DNS question
    const fortiDns = ecs({
      event: { type: ['allowed'], action: 'pass', dataset: 'fortigate.utm', module: 'fortigate' },
      observer: { vendor: 'Fortinet', product: 'FortiGate', type: 'firewall' },
      source: { ip: '10.0.0.5' },
      destination: { ip: '10.0.0.2', port: 53 },
      network: { transport: 'udp', protocol: 'dns' },
      dns: { type: 'query', question: { name, type: 'TXT' } },
    });
    expect(dns(fortiDns)).toBe(true);
    expect(dns(zeekDns({ dns: { question: { name: 'www.example.net', type: 'TXT' } } }))).toBe(false);
    expect(dns(zeekConn({ network: { protocol: 'dns' } }))).toBe(false);

    const nc = compileRule('network_connection/net_connection_default_framework_port.yml');
    expect(nc(fw({ source: '10.0.0.5', destination: '198.51.100.7', port: 4444, action: 'allowed' }))).toBe(
      true,
    );
    expect(nc(zeekConn({ destination: { port: 4444 } }))).toBe(true);
    expect(nc(fw({ source: '10.0.0.5', destination: '10.0.0.7', port: 4444, action: 'allowed' }))).toBe(
      false,
    );
    // an application-layer record of the same connection is not counted again
    expect(nc(zeekHttp({ destination: { ip: '198.51.100.7', port: 4444 } }))).toBe(false);

    const proxy = compileRule('proxy/proxy_cli_client_to_paste_site.yml');
    const paste = {
      url: { domain: 'pastebin.com', original: '/raw/abc123' },
      user_agent: { original: 'curl/8.5.0' },
    };
    expect(proxy(zeekHttp(paste))).toBe(true);
    expect(proxy(zeekHttp(merge(paste, { user_agent: { original: 'Mozilla/5.0' } })))).toBe(false);
    expect(proxy(fw({ source: '10.0.0.5', destination: '104.20.0.1', port: 443, action: 'allowed' }))).toBe(
      false,
    );
  });
});
