import { describe, expect, it } from 'vitest';
import { contractContext, fixtureLines, parserContract } from '../contract.ts';
import { runParser } from '../registry.ts';
import { pfsenseFilterlogParser as parser } from './pfsense-filterlog.ts';

const ctx = contractContext();
const lines = fixtureLines('pfsense-filterlog.log');

parserContract(parser, 'pfsense-filterlog.log');

const parse = (line: string, c = ctx) => {
  const r = runParser(parser, line, c);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.event;
};
const reject = (line: string) => runParser(parser, line, ctx);

describe('pfsense-filterlog', () => {
  it('maps an IPv4 TCP block on the way in (pfSense default RFC 3164 header, no host)', () => {
    const e = parse(lines[0]!);
    expect(e).toMatchObject({
      '@timestamp': '2026-11-29T10:00:01.000Z',
      event: {
        kind: 'event',
        category: ['network'],
        type: ['denied'],
        action: 'block',
        outcome: 'failure',
        reason: 'match',
        dataset: 'pfsense.filterlog',
        module: 'pfsense',
      },
      observer: {
        vendor: 'Netgate',
        product: 'pfSense',
        type: 'firewall',
        ingress: { interface: { name: 'igb0' } },
      },
      source: { ip: '203.0.113.45', port: 51234 },
      destination: { ip: '198.51.100.10', port: 22 },
      network: { transport: 'tcp', iana_number: '6', bytes: 60, packets: 1 },
      rule: { id: '1000000103' },
    });
    expect(e.observer?.name).toBeUndefined();
    expect(e.observer?.egress).toBeUndefined();
    expect(e.network?.direction).toBeUndefined();
  });

  it('maps an IPv4 UDP pass on the way out to the egress interface, with the host from the header', () => {
    expect(parse(lines[1]!)).toMatchObject({
      event: { type: ['allowed'], action: 'pass', outcome: 'success' },
      observer: {
        name: 'fw1.example.net',
        hostname: 'fw1.example.net',
        egress: { interface: { name: 'igb1' } },
      },
      source: { ip: '10.0.0.53', port: 40212 },
      destination: { ip: '198.51.100.53', port: 53 },
      network: { transport: 'udp', iana_number: '17', bytes: 73 },
      rule: { id: '1764231012' },
    });
    expect(parse(lines[1]!).observer?.ingress).toBeUndefined();
  });

  it('maps ICMP without ports', () => {
    const e = parse(lines[2]!);
    expect(e).toMatchObject({
      source: { ip: '203.0.113.7' },
      destination: { ip: '198.51.100.10' },
      network: { transport: 'icmp', iana_number: '1', bytes: 84 },
    });
    expect(e.source?.port).toBeUndefined();
    expect(e.destination?.port).toBeUndefined();
  });

  it('reads an RFC 5424 header with microseconds', () => {
    expect(parse(lines[3]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:04.512Z',
      observer: { name: 'fw1.example.net', ingress: { interface: { name: 'em0' } } },
      destination: { ip: '192.0.2.80', port: 443 },
    });
  });

  it('maps IPv6 TCP, UDP and ICMPv6, counting the 40-byte header into network.bytes', () => {
    expect(parse(lines[4]!)).toMatchObject({
      event: { action: 'block' },
      source: { ip: '2001:db8:ffff::45', port: 50112 },
      destination: { ip: '2001:db8:10::10', port: 3389 },
      network: { transport: 'tcp', iana_number: '6', bytes: 80 },
    });
    expect(parse(lines[5]!)).toMatchObject({
      event: { action: 'pass' },
      source: { ip: '2001:db8:10::53', port: 53124 },
      destination: { ip: '2001:db8:ffff::53', port: 53 },
      network: { transport: 'udp', iana_number: '17', bytes: 91 },
    });
    const icmp6 = parse(lines[6]!);
    expect(icmp6).toMatchObject({
      source: { ip: '2001:db8:ffff::66' },
      destination: { ip: '2001:db8:10::10' },
      network: { transport: 'ipv6-icmp', iana_number: '58', bytes: 104 },
    });
    expect(icmp6.source?.port).toBeUndefined();
  });

  it('recognises OPNsense by its rule label and converts the RFC 5424 zone to UTC', () => {
    expect(parse(lines[7]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:08.000Z',
      event: { dataset: 'opnsense.filterlog', module: 'opnsense', action: 'pass' },
      observer: { vendor: 'OPNsense', product: 'OPNsense', name: 'opnsense.example.net' },
      rule: { id: '02f4bab031b57d1e30553ce08e0ec131' },
    });
    expect(parse(lines[8]!)).toMatchObject({
      event: { action: 'block', type: ['denied'] },
      observer: { egress: { interface: { name: 'vtnet1' } } },
      network: { transport: 'icmp', bytes: 84 },
    });
    expect(parse(lines[9]!)).toMatchObject({
      network: { transport: 'ipv6-icmp', iana_number: '58', bytes: 72 },
    });
  });

  it('converts an rsyslog ISO time with an offset, and keeps the sub-rule record aligned', () => {
    expect(parse(lines[10]!)).toMatchObject({
      '@timestamp': '2026-11-29T15:00:11.250Z',
      observer: { name: 'fw2.example.net', ingress: { interface: { name: 'igb2' } } },
      source: { ip: '192.0.2.33', port: 45678 },
      destination: { ip: '10.0.0.10', port: 23 },
      rule: { id: '1000002665' },
    });
  });

  it('accepts the bare CSV record and stamps it with the receive time', () => {
    expect(parse(lines[11]!)).toMatchObject({
      '@timestamp': ctx.receivedAt.toISOString(),
      source: { ip: '198.51.100.99', port: 5060 },
      destination: { ip: '203.0.113.5', port: 5060 },
    });
  });

  it('maps other IP protocols by number (ESP) without ports', () => {
    const e = parse(lines[12]!);
    expect(e.network).toMatchObject({ transport: 'esp', iana_number: '50', bytes: 152 });
    expect(e.source?.port).toBeUndefined();
  });

  it('keeps an IPv6 record with extension headers: protocol number only, no transport or ports', () => {
    const e = parse(
      '<134>Nov 29 10:00:14 fw1 filterlog[1]: 8,,,1000000105,igb1,match,block,in,6,0x00,0x00000,1,Options,0,36,2001:db8:10::7,2001:db8:10::1,HBH,PADN,RTALERT,0x0000,',
    );
    expect(e.network).toEqual({ iana_number: '0', bytes: 76, packets: 1 });
    expect(e.source).toEqual({ ip: '2001:db8:10::7' });
  });

  it('maps non-verdict actions to info, and a missing tracker to no rule', () => {
    const e = parse(
      '5,,,0,igb0,match,rdr,in,4,0x0,,64,1,0,none,6,tcp,60,192.0.2.1,10.0.0.1,1000,80,0,S,1,,1024,,',
    );
    expect(e.event).toMatchObject({ type: ['info'], action: 'rdr' });
    expect(e.event.outcome).toBeUndefined();
    expect(e.rule).toBeUndefined();
  });

  it('gives a December line received in January the previous year', () => {
    const line = lines[0]!.replace('Nov 29', 'Dec 31');
    const e = parse(line, { ...ctx, receivedAt: new Date('2027-01-01T00:00:05Z') });
    expect(e['@timestamp']).toBe('2026-12-31T10:00:01.000Z');
  });

  it('rejects lines that are not filterlog records, with a reason', () => {
    for (const line of [
      'Nov 29 10:00:00 fw1 sshd[1]: Accepted password for root',
      '<134>Nov 29 10:00:01 filterlog[1]: not,a,record',
      'x5,,,1000000103,igb0,match,block,in,4,0x0,,52,1,0,DF,6,tcp,60,203.0.113.45,198.51.100.10,1,2,0',
      '5,,,1000000103,igb0,match,block,sideways,4,0x0,,52,1,0,DF,6,tcp,60,203.0.113.45,198.51.100.10,1,2,0',
      '5,,,1000000103,igb0,match,block,in,5,0x0,,52,1,0,DF,6,tcp,60,203.0.113.45,198.51.100.10,1,2,0',
      '5,,,1000000103,igb0,match,block,in,4,0x0,,52,1,0,DF,6,tcp,60',
      '5,,,1000000103,igb0,match,block,in,4,0x0,,52,1,0,DF,6,tcp,60,not-an-ip,198.51.100.10,1,2,0',
      '<134>1 2026-11-29T10:00:04Z fw1 filterlog 1 - [meta sequenceId="1" 5,,,1,igb0,match,block,in,4',
    ]) {
      const r = reject(line);
      expect(r.ok, line).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('syntax');
        expect(r.error.message.length).toBeGreaterThan(5);
      }
    }
    expect(reject('   ')).toMatchObject({ ok: false, error: { code: 'empty' } });
  });

  it('sniffs filterlog lines and not other firewall formats', () => {
    for (const line of lines) expect(parser.sniff(line)).toBe(true);
    expect(
      parser.sniff('Nov 29 10:00:01 fw01 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.9 DST=10.0.0.5'),
    ).toBe(false);
    expect(
      parser.sniff('<166>Nov 29 2026 10:01:00 asa01 : %ASA-6-302013: Built inbound TCP connection 1'),
    ).toBe(false);
  });
});
