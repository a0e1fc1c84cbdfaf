import { describe, expect, it } from 'vitest';
import { contractContext, fixtureLines, parserContract } from '../contract.ts';
import { runParser } from '../registry.ts';
import { juniperSrxParser as parser } from './juniper-srx.ts';

const ctx = contractContext();
const lines = fixtureLines('juniper-srx.log');

parserContract(parser, 'juniper-srx.log');

const parse = (line: string) => {
  const r = runParser(parser, line, ctx);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.event;
};
const SD_HEAD =
  '<14>1 2026-11-29T10:30:00.000Z srx01 RT_FLOW - RT_FLOW_SESSION_CREATE [junos@2636.1.1.1.2.129';
const SD_BASE =
  'source-address="10.0.0.25" source-port="50612" destination-address="192.0.2.80" destination-port="443" ' +
  'protocol-id="6" source-zone-name="trust" destination-zone-name="untrust"';

describe('juniper-srx RT_FLOW (structured data)', () => {
  it('maps RT_FLOW_SESSION_CREATE with source NAT, zones, policy and application', () => {
    const e = parse(lines[0]!);
    expect(e).toMatchObject({
      '@timestamp': '2026-11-29T10:20:00.123Z',
      event: {
        kind: 'event',
        category: ['network'],
        type: ['connection', 'start'],
        action: 'create',
        outcome: 'success',
        dataset: 'juniper_srx.flow',
        module: 'juniper_srx',
      },
      observer: {
        vendor: 'Juniper',
        product: 'SRX',
        type: 'firewall',
        name: 'srx01',
        ingress: { interface: { name: 'ge-0/0/1.0' } },
      },
      source: { ip: '10.0.0.25', port: 50612, nat: { ip: '203.0.113.5', port: 61044 }, zone: 'trust' },
      destination: { ip: '192.0.2.80', port: 443, zone: 'untrust' },
      network: { transport: 'tcp', iana_number: '6', application: 'ssl' },
      rule: { name: 'allow-web' },
    });
    expect(e.destination?.nat).toBeUndefined();
    expect(e.source?.user).toBeUndefined();
  });

  it('maps RT_FLOW_SESSION_CLOSE counters per direction, elapsed time and reason; converts the zone', () => {
    expect(parse(lines[1]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:20:42.500Z',
      event: { type: ['connection', 'end'], action: 'close', reason: 'TCP FIN', duration: 42e9 },
      source: { bytes: 2310, packets: 18 },
      destination: { bytes: 28415, packets: 24 },
      network: { bytes: 30725, packets: 42 },
    });
    expect(parse(lines[1]!).event.outcome).toBeUndefined();
  });

  it('maps RT_FLOW_SESSION_DENY (structured data wins over the trailing text)', () => {
    expect(parse(lines[2]!)).toMatchObject({
      event: { type: ['denied'], action: 'deny', outcome: 'failure', reason: 'Denied by policy' },
      source: { ip: '198.51.100.66', port: 40022, zone: 'untrust' },
      destination: { ip: '203.0.113.10', port: 23, zone: 'trust' },
      network: { transport: 'tcp' },
      rule: { name: 'deny-all' },
      observer: { ingress: { interface: { name: 'ge-0/0/0.0' } } },
    });
  });

  it('maps ICMPv6 without ports', () => {
    const e = parse(lines[3]!);
    expect(e).toMatchObject({
      source: { ip: '2001:db8:10::25' },
      destination: { ip: '2001:db8:ffff::1' },
      network: { transport: 'ipv6-icmp', iana_number: '58' },
    });
    expect(e.source?.port).toBeUndefined();
    expect(e.network?.application).toBeUndefined();
  });

  it('maps the logical-system variant with destination NAT and a firewall user', () => {
    expect(parse(lines.at(-1)!)).toMatchObject({
      event: { action: 'close', reason: 'TCP RST', duration: 2e9 },
      source: { ip: '10.2.0.40', user: { name: 'jdoe' }, zone: 'tenant1' },
      destination: { ip: '203.0.113.20', port: 8443, nat: { ip: '10.1.1.20', port: 443 }, zone: 'dmz' },
      network: { application: 'http' },
    });
  });

  it('unescapes quoted values and keeps spaces, commas and brackets in them', () => {
    const e = parse(
      `${SD_HEAD} ${SD_BASE} policy-name="web \\"out\\", [v2\\] rule" application-characteristics="Can Leak Information;Prone to Misuse;"]`,
    );
    expect(e.rule).toEqual({ name: 'web "out", [v2] rule' });
    expect(e.source).toMatchObject({ ip: '10.0.0.25', port: 50612 });
  });
});

describe('juniper-srx RT_FLOW (text)', () => {
  it('reads a current create line with connection tags and NAT rule types', () => {
    expect(parse(lines[6]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:21:00.000Z',
      event: { action: 'create' },
      source: { ip: '10.0.0.53', port: 53211, nat: { ip: '203.0.113.5', port: 24077 }, zone: 'trust' },
      destination: { ip: '198.51.100.53', port: 53, zone: 'untrust' },
      network: { transport: 'udp', iana_number: '17', application: 'dns' },
      rule: { name: 'allow-dns' },
      observer: { name: 'srx01', ingress: { interface: { name: 'ge-0/0/1.0' } } },
    });
  });

  it('reads a close line with a multi-word reason and packets(bytes) counters', () => {
    expect(parse(lines[7]!)).toMatchObject({
      event: { action: 'close', reason: 'idle Timeout', duration: 61e9 },
      source: { bytes: 73, packets: 1 },
      destination: { bytes: 153, packets: 1 },
      network: { bytes: 226, packets: 2, application: 'dns' },
    });
  });

  it('reads an older close line without connection tags or NAT rule types', () => {
    expect(parse(lines[10]!)).toMatchObject({
      observer: { name: 'srx02' },
      event: { reason: 'TCP RST', duration: 4e9 },
      source: {
        ip: '10.0.0.31',
        port: 51999,
        nat: { ip: '203.0.113.6', port: 40001 },
        bytes: 420,
        packets: 5,
      },
      destination: { ip: '192.0.2.80', port: 443, bytes: 1820, packets: 3 },
      rule: { name: 'allow-web' },
    });
  });

  it('reads a deny line with protocol(icmp-type) and a multi-word reason', () => {
    expect(parse(lines[8]!)).toMatchObject({
      event: { action: 'deny', reason: 'Denied by policy' },
      source: { ip: '198.51.100.66', port: 5353 },
      destination: { ip: '203.0.113.10', port: 161 },
      network: { transport: 'udp', iana_number: '17' },
      rule: { name: 'deny-all' },
      observer: { ingress: { interface: { name: 'ge-0/0/0.0' } } },
    });
  });

  it('reads a close line whose NAT rule name is a number', () => {
    const e = parse(
      '<14>Nov 29 10:40:00 srx01 RT_FLOW: RT_FLOW_SESSION_CLOSE: session closed TCP FIN: 10.0.0.1/1000->192.0.2.1/80 junos-http 203.0.113.5/2000->192.0.2.1/80 1 None 6 p1 trust untrust 77 2(100) 3(300) 9',
    );
    expect(e).toMatchObject({ network: { iana_number: '6' }, rule: { name: 'p1' }, source: { bytes: 100 } });
  });
});

describe('juniper-srx IDP', () => {
  it('maps a structured attack log: alert, attack name, severity, action, destination NAT', () => {
    const e = parse(lines[4]!);
    expect(e).toMatchObject({
      '@timestamp': '2026-11-29T10:20:30.000Z',
      event: {
        kind: 'alert',
        category: ['network', 'intrusion_detection'],
        type: ['denied'],
        action: 'drop',
        severity: 4,
        dataset: 'juniper_srx.idp',
      },
      source: { ip: '198.51.100.66', port: 40100, zone: 'untrust' },
      destination: { ip: '203.0.113.10', port: 80, nat: { ip: '10.1.1.10', port: 80 }, zone: 'dmz' },
      network: { transport: 'tcp', iana_number: '6', application: 'http' },
      rule: { name: 'HTTP:DIR:TRAVERSE-DIRECTORY' },
      observer: {
        ingress: { interface: { name: 'ge-0/0/0.0' } },
        egress: { interface: { name: 'ge-0/0/2.0' } },
      },
    });
    expect(e.source?.nat).toBeUndefined();
  });

  it('maps IDP_ATTACK_LOG_EVENT with action NONE as allowed, INFO as 1, and IPv6', () => {
    expect(parse(lines[5]!)).toMatchObject({
      event: { type: ['allowed'], action: 'none', severity: 1, duration: 3e9 },
      source: { ip: '2001:db8:ffff::45' },
      network: { bytes: 7420, packets: 18 },
    });
  });

  it('reads the text attack log and takes the time from epoch-time rather than the zoneless header', () => {
    const line = lines[9]!.replace('Nov 29 10:22:00', 'Nov 29 05:22:00');
    expect(parse(line)).toMatchObject({
      '@timestamp': '2026-11-29T10:22:00.000Z',
      event: { kind: 'alert', action: 'drop', severity: 5 },
      source: { ip: '198.51.100.66', port: 40100, zone: 'untrust' },
      destination: { ip: '203.0.113.10', port: 80, nat: { ip: '10.1.1.10', port: 80 }, zone: 'dmz' },
      rule: { id: '3349', name: 'HTTP:SQL:INJ:GENERIC' },
      network: { transport: 'tcp', application: 'http' },
      observer: {
        ingress: { interface: { name: 'ge-0/0/0.0' } },
        egress: { interface: { name: 'ge-0/0/2.0' } },
      },
    });
  });
});

describe('juniper-srx rejects', () => {
  it('rejects malformed lines with a reason', () => {
    const bad = [
      'Nov 29 10:00:00 host sshd[1]: Accepted password for root',
      `${SD_HEAD} source-address="10.0.0.25`,
      `${SD_HEAD} source-address="not-an-ip" destination-address="192.0.2.80"]`,
      '<14>Nov 29 10:21:00 srx01 RT_FLOW: RT_FLOW_SESSION_CREATE: session created 10.0.0.1/1->192.0.2.1/2 junos-http',
      '<14>Nov 29 10:21:00 srx01 RT_FLOW: RT_FLOW_SESSION_CLOSE: session closed without a tuple',
      '<14>Nov 29 10:21:00 srx01 RT_FLOW: RT_FLOW_SESSION_DENY: denied 10.0.0.1/1->192.0.2.1/2',
      '<23>Nov 29 10:22:00 srx01 RT_IDP: RT_IDP_ATTACK_LOG_EVENT: IDP: at 1, SIG Attack log <10.0.0.1/1->192.0.2.1/2> for TCP protocol',
    ];
    for (const line of bad) {
      const r = runParser(parser, line, ctx);
      expect(r, line).toMatchObject({ ok: false, error: { code: 'syntax' } });
      if (!r.ok) expect(r.error.message.length).toBeGreaterThan(5);
    }
  });

  it('reports other Junos messages as unsupported', () => {
    expect(
      runParser(
        parser,
        '<14>1 2026-11-29T10:00:00Z srx01 RT_FLOW - APPTRACK_SESSION_CREATE [junos@2636.1.1.1.2.129 source-address="10.0.0.1"]',
        ctx,
      ),
    ).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    expect(
      runParser(parser, '<14>Nov 29 10:00:00 srx01 RT_FLOW: RT_FLOW_SESSION_UPDATE: session updated', ctx),
    ).toMatchObject({ ok: false, error: { code: 'unsupported' } });
  });

  it('sniffs SRX flow and IDP lines only', () => {
    for (const line of lines) expect(parser.sniff(line)).toBe(true);
    expect(
      parser.sniff('<166>Nov 29 2026 10:01:00 asa01 : %ASA-6-302013: Built inbound TCP connection 1'),
    ).toBe(false);
  });
});
