import { describe, expect, it } from 'vitest';
import { contractContext, fixtureLines, parserContract } from '../contract.ts';
import { runParser } from '../registry.ts';
import { snortFastParser } from './snort-fast.ts';

const ctx = contractContext();

parserContract(snortFastParser, 'snort-fast.log');

describe('snort-fast', () => {
  const lines = fixtureLines('snort-fast.log');
  const parse = (line: string) => {
    const r = runParser(snortFastParser, line, ctx);
    if (!r.ok) throw new Error(r.error.message);
    return r.event;
  };

  it('maps a Snort 3 alert without an action word', () => {
    expect(parse(lines[0]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:00.123Z',
      event: {
        kind: 'alert',
        category: ['network', 'intrusion_detection'],
        type: ['allowed'],
        action: 'allow',
        severity: 2,
        code: '1:2001219:20',
        dataset: 'snort.alert',
        module: 'snort',
      },
      observer: { vendor: 'Snort', product: 'Snort', type: 'ids' },
      source: { ip: '203.0.113.9', port: 40000 },
      destination: { ip: '10.0.0.5', port: 22 },
      network: { transport: 'tcp', iana_number: '6' },
      rule: { id: '2001219', name: 'ET SCAN Potential SSH Scan', category: 'Attempted Information Leak' },
    });
  });

  it('reads action words: drop/block deny, would_drop allows, Snort 2 [Drop] denies', () => {
    expect(parse(lines[1]!)).toMatchObject({
      event: { type: ['denied'], action: 'drop', severity: 1 },
      network: { application: 'http' },
    });
    expect(parse(lines[2]!)).toMatchObject({
      event: { type: ['allowed'], action: 'would_drop', severity: 0 },
      rule: { id: '1000001', name: 'LOCAL DNS query to external resolver' },
    });
    expect(parse(lines[2]!).rule?.category).toBeUndefined();
    expect(parse(lines[8]!)).toMatchObject({
      event: { type: ['denied'], action: 'drop' },
      network: { transport: 'udp' },
    });
    expect(parse(lines[11]!)).toMatchObject({
      event: { type: ['denied'], action: 'block' },
      observer: { ingress: { interface: { name: 'eth1' } } },
      network: { application: 'java' },
      rule: { name: 'ET POLICY Vulnerable Java Version 1.8.x Detected' },
    });
  });

  it('reads addresses without ports (ICMP, IP) and IPv6 with and without ports', () => {
    const icmp = parse(lines[3]!);
    expect(icmp).toMatchObject({ source: { ip: '198.51.100.20' }, network: { transport: 'icmp' } });
    expect(icmp.source?.port).toBeUndefined();
    expect(parse(lines[4]!)).toMatchObject({
      source: { ip: '2001:db8::80', port: 80 },
      destination: { ip: '2001:db8:1::25', port: 51234 },
    });
    expect(parse(lines[5]!)).toMatchObject({
      source: { ip: '203.0.113.77' },
      destination: { ip: '10.0.0.9' },
      rule: { id: '123:8', name: '(stream_ip) fragmentation overlap' },
      event: { code: '123:8:1' },
    });
    expect(parse(lines[5]!).network).toBeUndefined();
    expect(parse(lines[6]!)).toMatchObject({
      source: { ip: '2001:db8::9' },
      destination: { ip: '2001:db8:1::5' },
      network: { transport: 'ipv6-icmp', iana_number: '58' },
    });
    expect(parse(lines[13]!).network).toMatchObject({ transport: 'ipv6-icmp', iana_number: '58' });
  });

  it('reads Snort 2 lines (unquoted message, two spaces) and both with-year stamp orders', () => {
    expect(parse(lines[7]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:07.654Z',
      rule: { id: '2013028', name: 'ET POLICY curl User-Agent Outbound' },
      source: { ip: '10.0.0.21', port: 53000 },
    });
    expect(parse(lines[9]!)['@timestamp']).toBe('2026-11-29T10:00:09.000Z');
    expect(parse(lines[10]!)['@timestamp']).toBe('2026-11-29T10:00:10.000Z');
  });

  it('takes the observer name from a syslog header in front of the line', () => {
    expect(parse(lines[12]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:12.000Z',
      observer: { name: 'ids01', hostname: 'ids01' },
    });
  });

  it('gives year-less stamps the year nearest the receive time', () => {
    const line = lines[0]!.replace('11/29-10:00:00.123456', '12/31-23:59:59.000000');
    const r = runParser(snortFastParser, line, { ...ctx, receivedAt: new Date('2027-01-01T00:00:10Z') });
    expect(r.ok && r.event['@timestamp']).toBe('2026-12-31T23:59:59.000Z');
  });

  it('rejects lines that are not alert_fast, with a reason', () => {
    for (const line of [
      'Nov 29 10:00:00 host sshd[1]: Accepted password for root',
      '11/29-10:00:00.000000 [**] "no rule ref" [**] {TCP} 192.0.2.1:1 -> 192.0.2.2:2',
      '11/29-10:00:00.000000 [**] [1:2:3] "msg" [**] [Priority: 1] {TCP} 192.0.2.1:1',
      '11/29-10:00:00.000000 [**] [1:2:3] "msg" [**] {TCP} host-a:1 -> 192.0.2.2:2',
      '11/29-10:00:00.000000 junk [**] [1:2:3] "msg" [**] {TCP} 192.0.2.1:1 -> 192.0.2.2:2',
      '99/99-10:00:00.000000 [**] [1:2:3] "msg" [**] {TCP} 192.0.2.1:1 -> 192.0.2.2:2',
    ]) {
      const r = runParser(snortFastParser, line, ctx);
      expect(r, line).toMatchObject({ ok: false, error: { code: 'syntax' } });
      expect(!r.ok && r.error.message.length).toBeGreaterThan(5);
    }
  });
});
