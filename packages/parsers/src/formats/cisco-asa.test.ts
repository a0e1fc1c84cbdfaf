import { describe, expect, it } from 'vitest';
import { contractContext, fixtureLines, parserContract } from '../contract.ts';
import { runParser } from '../registry.ts';
import type { ParseContext } from '../types.ts';
import { ciscoAsaParser as parser } from './cisco-asa.ts';

const lines = fixtureLines('cisco-asa.log');

parserContract(parser, 'cisco-asa.log');

/** Parses lines in order on one stream (Teardowns look up their Built message). */
function stream(...input: string[]) {
  const ctx = contractContext();
  return input.map((line) => {
    const r = runParser(parser, line, ctx);
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.event;
  });
}
const parse = (line: string, ctx: ParseContext = contractContext()) => {
  const r = runParser(parser, line, ctx);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.event;
};
const find = (id: string, n = 0) => lines.filter((l) => l.includes(`-${id}: `))[n]!;

describe('cisco-asa connections', () => {
  it('302013 inbound: the first endpoint initiates; the server mapped address is the destination, its real one the NAT', () => {
    expect(parse(lines[0]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:01:00.000Z',
      event: {
        kind: 'event',
        category: ['network'],
        type: ['connection', 'start'],
        action: 'built',
        outcome: 'success',
        severity: 6,
        code: '302013',
        dataset: 'cisco_asa.log',
        module: 'cisco_asa',
      },
      observer: {
        vendor: 'Cisco',
        product: 'ASA',
        type: 'firewall',
        name: 'asa01',
        ingress: { interface: { name: 'outside' } },
        egress: { interface: { name: 'dmz' } },
      },
      source: { ip: '198.51.100.20', port: 51544, zone: 'outside' },
      destination: { ip: '203.0.113.10', port: 443, nat: { ip: '10.1.1.10', port: 443 }, zone: 'dmz' },
      network: { transport: 'tcp', iana_number: '6', direction: 'inbound' },
    });
  });

  it('302013 outbound: the second endpoint initiates and its mapped address is the source NAT; idfw user', () => {
    const e = parse(lines[2]!);
    expect(e).toMatchObject({
      source: {
        ip: '10.0.0.25',
        port: 50612,
        nat: { ip: '203.0.113.5', port: 61044 },
        zone: 'inside',
        user: { name: 'LOCAL\\jdoe' },
      },
      destination: { ip: '192.0.2.80', port: 443, zone: 'outside' },
      network: { direction: 'outbound' },
      observer: { ingress: { interface: { name: 'inside' } }, egress: { interface: { name: 'outside' } } },
    });
    expect(e.destination?.nat).toBeUndefined();
  });

  it('302014 takes direction and mapped addresses from the Built message seen on the same stream', () => {
    const [, teardown] = stream(lines[2]!, lines[3]!);
    expect(teardown).toMatchObject({
      event: {
        type: ['connection', 'end'],
        action: 'teardown',
        code: '302014',
        duration: 3723 * 1e9,
        reason: 'TCP Reset-I',
      },
      source: { ip: '10.0.0.25', port: 50612, nat: { ip: '203.0.113.5', port: 61044 } },
      destination: { ip: '192.0.2.80', port: 443 },
      network: { direction: 'outbound', bytes: 1048576 },
    });
    expect(teardown!.event.outcome).toBeUndefined();
  });

  it('302014 without its Built message keeps the message order and states no direction', () => {
    const e = parse(lines[3]!);
    expect(e).toMatchObject({
      source: { ip: '192.0.2.80', port: 443, zone: 'outside' },
      destination: { ip: '10.0.0.25', port: 50612, zone: 'inside' },
      network: { bytes: 1048576 },
    });
    expect(e.network?.direction).toBeUndefined();
    expect(e.source?.nat).toBeUndefined();
  });

  it('302014 keeps the teardown reason with its initiator, and a trailing AAA user', () => {
    expect(parse(lines[1]!).event).toMatchObject({ reason: 'TCP FINs from outside', duration: 42e9 });
    const e = parse(
      '%ASA-6-302014: Teardown TCP connection 5 for outside:192.0.2.80/443 to inside:10.0.0.25/50612 duration 25:00:01 bytes 10 Idle Timeout (jdoe)',
    );
    expect(e).toMatchObject({ event: { reason: 'Idle Timeout', duration: 90001e9 }, user: { name: 'jdoe' } });
  });

  it('reads interface names with spaces ("NP Identity Ifc")', () => {
    expect(parse(lines[5]!)).toMatchObject({
      destination: { ip: '10.0.0.1', port: 22, zone: 'NP Identity Ifc' },
      observer: { egress: { interface: { name: 'NP Identity Ifc' } } },
    });
  });

  it('302015/302016 UDP with RFC 5424 timestamps', () => {
    const [built, teardown] = stream(lines[6]!, lines[7]!);
    expect(built).toMatchObject({
      '@timestamp': '2026-11-29T10:03:00.000Z',
      event: { code: '302015', action: 'built' },
      source: { ip: '10.0.0.53', port: 53211, nat: { ip: '203.0.113.5', port: 53211 } },
      destination: { ip: '198.51.100.53', port: 53 },
      network: { transport: 'udp', iana_number: '17', direction: 'outbound' },
    });
    expect(teardown).toMatchObject({
      event: { code: '302016', action: 'teardown', duration: 1e9 },
      source: { ip: '10.0.0.53' },
      network: { bytes: 212, direction: 'outbound' },
    });
  });

  it('302020/302021 ICMP: laddr is the inside host, gaddr its mapped address, no ports', () => {
    const [built, teardown] = stream(lines[8]!, lines[9]!);
    expect(built).toMatchObject({
      event: { code: '302020', type: ['connection', 'start'] },
      source: { ip: '10.0.0.25', nat: { ip: '203.0.113.5' } },
      destination: { ip: '198.51.100.1' },
      network: { transport: 'icmp', iana_number: '1', direction: 'outbound' },
    });
    expect(built!.source?.port).toBeUndefined();
    expect(teardown).toMatchObject({
      event: { code: '302021', type: ['connection', 'end'], action: 'teardown' },
      source: { ip: '10.0.0.25' },
      network: { direction: 'outbound' },
    });
    const inbound = parse(
      '%ASA-6-302020: Built inbound ICMP connection for faddr 198.51.100.7/1 gaddr 203.0.113.10/0 laddr 10.1.1.10/0 type 8 code 0',
    );
    expect(inbound).toMatchObject({
      source: { ip: '198.51.100.7' },
      destination: { ip: '203.0.113.10', nat: { ip: '10.1.1.10' } },
      network: { direction: 'inbound' },
    });
  });

  it('302013 from FTD with IPv6 addresses', () => {
    expect(parse(find('302013', 3))).toMatchObject({
      event: { module: 'cisco_ftd', dataset: 'cisco_ftd.log' },
      observer: { product: 'FTD', name: 'ftd01' },
      source: { ip: '2001:db8:ffff::45', port: 50112 },
      destination: { ip: '2001:db8:10::10', port: 443 },
    });
  });

  it('bounds the per-stream connection memory', () => {
    const ctx = contractContext();
    for (let i = 0; i < 5000; i++) {
      parse(
        `asa01 : %ASA-6-302013: Built inbound TCP connection ${i} for outside:198.51.100.20/1 (198.51.100.20/1) to dmz:10.1.1.10/443 (10.1.1.10/443)`,
        ctx,
      );
    }
    const memory = ctx.stream!['cisco-asa.connections'] as Map<string, unknown>;
    expect(memory.size).toBe(4096);
    expect(memory.has('asa01 c0')).toBe(false);
    expect(memory.has('asa01 c4999')).toBe(true);
  });

  it('keeps the connection memory apart per device', () => {
    const [, , other, own] = stream(
      lines[2]!,
      lines[2]!.replace('asa01', 'asa02').replace('Built outbound', 'Built inbound'),
      lines[3]!.replace('asa01', 'asa03'),
      lines[3]!,
    );
    expect(other!.network?.direction).toBeUndefined();
    expect(own!.network?.direction).toBe('outbound');
  });
});

describe('cisco-asa denies and ACLs', () => {
  it('106001 inbound TCP denied on an interface (double space before "on")', () => {
    expect(parse(find('106001'))).toMatchObject({
      event: { type: ['denied'], action: 'deny', outcome: 'failure', severity: 2, code: '106001' },
      source: { ip: '198.51.100.66', port: 40022, zone: 'outside' },
      destination: { ip: '10.0.0.5', port: 3389 },
      network: { transport: 'tcp', direction: 'inbound' },
      observer: { ingress: { interface: { name: 'outside' } } },
    });
  });

  it('106006 and 106007 UDP denies', () => {
    expect(parse(find('106006'))).toMatchObject({
      event: { action: 'deny', code: '106006' },
      source: { ip: '198.51.100.66', port: 5353 },
      destination: { ip: '10.0.0.5', port: 161 },
      network: { transport: 'udp', direction: 'inbound' },
    });
    expect(parse(find('106007'))).toMatchObject({
      event: { action: 'deny', code: '106007', reason: 'DNS Response' },
      destination: { ip: '10.0.0.53', port: 53211 },
    });
  });

  it('106015 TCP without connection', () => {
    expect(parse(find('106015'))).toMatchObject({
      event: { action: 'deny', reason: 'no connection', severity: 6 },
      source: { ip: '10.0.0.25', port: 50612, zone: 'inside' },
      destination: { ip: '192.0.2.80', port: 443 },
    });
  });

  it('106023 with the access-group as the rule, ICMP type/code, protocol numbers and IPv6', () => {
    expect(parse(find('106023'))).toMatchObject({
      event: { action: 'deny', severity: 4 },
      source: { ip: '203.0.113.99', port: 61022, zone: 'outside' },
      destination: { ip: '10.0.0.5', port: 445, zone: 'inside' },
      rule: { name: 'outside_access_in', id: '0x5063b82f' },
    });
    const icmp = parse(find('106023', 1));
    expect(icmp).toMatchObject({ network: { transport: 'icmp' }, destination: { ip: '10.1.1.10' } });
    expect(icmp.rule).toEqual({ name: 'outside_access_in' });
    expect(parse(find('106023', 2))).toMatchObject({
      source: { ip: '2001:db8:ffff::9' },
      destination: { ip: '2001:db8:10::1' },
      network: { transport: 'gre', iana_number: '47' },
    });
    const user = parse(
      '%ASA-4-106023: Deny udp src inside:10.0.0.25/5000(LOCAL\\jdoe, 5:Employees) dst outside:192.0.2.9/53 by access-group "inside_in" [0x1, 0x0]',
    );
    expect(user.source).toMatchObject({ ip: '10.0.0.25', port: 5000 });
  });

  it('106100 permitted, denied and est-allowed, with hit counts left out', () => {
    expect(parse(find('106100'))).toMatchObject({
      event: { type: ['allowed'], action: 'permit', outcome: 'success', code: '106100' },
      source: { ip: '10.0.0.25', port: 50613, zone: 'inside' },
      destination: { ip: '192.0.2.80', port: 443, zone: 'outside' },
      rule: { name: 'inside_access_in', id: '0x3b8e5f7a' },
    });
    expect(parse(find('106100', 1))).toMatchObject({
      event: { type: ['denied'], action: 'deny', severity: 4 },
      rule: { name: 'outside_access_in' },
    });
    const est = parse(
      '%ASA-6-106100: access-list outside_in est-allowed icmp outside/192.0.2.9(0)->inside/10.0.0.25(0) hit-cnt 1 first hit [0x0, 0x0]',
    );
    expect(est).toMatchObject({
      event: { type: ['allowed'], action: 'est-allowed' },
      network: { transport: 'icmp' },
    });
    expect(est.source?.port).toBeUndefined();
  });

  it('710003 to-the-box denial', () => {
    expect(parse(find('710003'))).toMatchObject({
      event: { action: 'deny', severity: 3 },
      source: { ip: '198.51.100.66', port: 51515 },
      destination: { ip: '203.0.113.1', port: 22, zone: 'outside' },
      observer: { ingress: { interface: { name: 'outside' } } },
    });
  });
});

describe('cisco-asa NAT and threat detection', () => {
  it('305011/305012 translations: the real address is the source, the mapped one its NAT', () => {
    expect(parse(find('305011'))).toMatchObject({
      event: { type: ['start'], action: 'built', code: '305011' },
      source: { ip: '10.0.0.25', port: 50614, nat: { ip: '203.0.113.5', port: 61045 }, zone: 'inside' },
      observer: { ingress: { interface: { name: 'inside' } }, egress: { interface: { name: 'outside' } } },
    });
    expect(parse(find('305012'))).toMatchObject({
      event: { type: ['end'], action: 'teardown', duration: 31e9 },
      network: { transport: 'udp' },
    });
    const icmp = parse(
      '%ASA-6-305011: Built dynamic ICMP translation from inside:10.0.0.25/1 to outside:203.0.113.5/33',
    );
    expect(icmp.source).toEqual({ ip: '10.0.0.25', nat: { ip: '203.0.113.5' }, zone: 'inside' });
  });

  it('733100 drop rate exceeded is an alert named by its object', () => {
    expect(parse(find('733100'))).toMatchObject({
      event: {
        kind: 'alert',
        category: ['network', 'intrusion_detection'],
        type: ['info'],
        action: 'drop-rate-exceeded',
        severity: 4,
      },
      rule: { name: 'Scanning' },
    });
    const host = parse(
      '%ASA-4-733100: [ 192.0.2.7] drop rate-2 exceeded. Current burst rate is 1 per second',
    );
    expect(host).toMatchObject({ related: { ip: ['192.0.2.7'] } });
    expect(host.rule).toBeUndefined();
  });

  it('733101 attacking host is the source, a targeted subnet the destination address', () => {
    expect(parse(find('733101'))).toMatchObject({
      event: { kind: 'alert', action: 'attacking' },
      source: { ip: '198.51.100.66' },
    });
    const subnet = parse(find('733101', 1));
    expect(subnet).toMatchObject({ event: { action: 'targeted' }, destination: { address: '10.0.0.0' } });
    expect(subnet.destination?.ip).toBeUndefined();
    expect(subnet.event.reason).toMatch(/^Current burst rate is 220 per second/);
  });

  it('733102 shun', () => {
    expect(parse(find('733102'))).toMatchObject({
      event: { kind: 'alert', action: 'shun', code: '733102' },
      source: { ip: '198.51.100.66' },
    });
  });
});

describe('cisco-asa headers', () => {
  it('prefers the device timestamp and device-id over a relay header', () => {
    expect(parse(lines.at(-2)!)).toMatchObject({
      '@timestamp': '2026-11-29T10:12:00.000Z',
      observer: { name: 'asa01' },
    });
  });

  it('uses the receive time when there is no header', () => {
    const e = parse(lines.at(-1)!);
    expect(e['@timestamp']).toBe('2026-11-29T12:00:00.000Z');
    expect(e.observer?.name).toBeUndefined();
  });

  it('converts zone words, milliseconds, a day of week, and real RFC 5424 headers', () => {
    const body =
      '%ASA-6-305011: Built dynamic TCP translation from inside:10.0.0.25/1 to outside:203.0.113.5/2';
    expect(parse(`<166>Nov 29 2026 05:00:00 EST asa01 : ${body}`)['@timestamp']).toBe(
      '2026-11-29T10:00:00.000Z',
    );
    expect(parse(`<166>Nov 29 2026 10:00:00.250 UTC: ${body}`)['@timestamp']).toBe(
      '2026-11-29T10:00:00.250Z',
    );
    expect(parse(`Sun Nov 29 2026 10:00:00: ${body}`)['@timestamp']).toBe('2026-11-29T10:00:00.000Z');
    const rfc = parse(`<166>1 2026-11-29T11:00:00.000+01:00 asa02 - - - ${body}`);
    expect(rfc).toMatchObject({ '@timestamp': '2026-11-29T10:00:00.000Z', observer: { name: 'asa02' } });
  });

  it('rejects non-ASA lines, malformed tags and malformed known messages with syntax, others as unsupported', () => {
    const bad = [
      'Nov 29 10:00:00 host sshd[1]: Accepted password for root',
      '%ASA-x-302013: Built inbound TCP connection 1',
      '%ASA-6-302013: Built sideways TCP connection 1 for outside:192.0.2.1/1 (192.0.2.1/1) to inside:10.0.0.1/2 (10.0.0.1/2)',
      '%ASA-6-302013: Built inbound TCP connection 1 for outside:nowhere to inside:10.0.0.1/2',
      '%ASA-4-106023: Deny tcp src outside:192.0.2.1/1',
      '%ASA-6-106100: access-list acl maybe tcp inside/10.0.0.1(1) -> outside/192.0.2.1(2) hit-cnt 1 first hit',
      '%ASA-4-733101: Planet 192.0.2.1 is attacking.',
    ];
    for (const line of bad) {
      const r = runParser(parser, line, contractContext());
      expect(r, line).toMatchObject({ ok: false, error: { code: 'syntax' } });
    }
    expect(
      runParser(parser, '%ASA-5-111008: User enable_15 executed the command write mem', contractContext()),
    ).toMatchObject({
      ok: false,
      error: { code: 'unsupported', message: 'ASA message 111008 is not supported' },
    });
  });

  it('sniffs ASA and FTD tags only', () => {
    for (const line of lines) expect(parser.sniff(line)).toBe(true);
    expect(parser.sniff('Nov 29 10:00:00 host RT_FLOW: RT_FLOW_SESSION_CREATE: session created')).toBe(false);
    expect(parser.sniff('%ASA-6: nothing')).toBe(false);
  });
});
