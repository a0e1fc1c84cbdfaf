import { describe, expect, it } from 'vitest';
import { contractContext, fixtureLines, parserContract } from '../contract.ts';
import { runParser } from '../registry.ts';
import { snortJsonParser, snortTime, splitAddrPort } from './snort-json.ts';

const ctx = contractContext();

parserContract(snortJsonParser, 'snort-json.ndjson');

describe('snort-json', () => {
  const lines = fixtureLines('snort-json.ndjson');
  const parse = (line: string) => {
    const r = runParser(snortJsonParser, line, ctx);
    if (!r.ok) throw new Error(r.error.message);
    return r.event;
  };

  it('maps the default field set (rule "gid:sid:rev", src_ap/dst_ap, action)', () => {
    expect(parse(lines[0]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:00.123Z',
      event: {
        kind: 'alert',
        category: ['network', 'intrusion_detection'],
        type: ['allowed'],
        action: 'allow',
        code: '1:2001219:20',
        dataset: 'snort.alert',
        module: 'snort',
      },
      observer: { vendor: 'Snort', product: 'Snort', type: 'ids' },
      source: { ip: '203.0.113.9', port: 40000 },
      destination: { ip: '10.0.0.5', port: 22 },
      network: { transport: 'tcp', iana_number: '6' },
      rule: { id: '2001219' },
    });
    expect(parse(lines[0]!).event.outcome).toBeUndefined();
  });

  it('maps every optional field: seconds, msg, class, priority, eth, vlan, iface, service, flow counts', () => {
    expect(parse(lines[1]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:01.500Z',
      event: { type: ['allowed'], action: 'would_drop', severity: 1, start: '2026-11-29T09:59:59.000Z' },
      observer: { ingress: { interface: { name: 'eth0' } } },
      source: { ip: '198.51.100.7', port: 51000, mac: '52-54-00-AB-CD-EF', bytes: 1520, packets: 6 },
      destination: { ip: '10.0.0.5', port: 80, mac: '52-54-00-12-34-56', bytes: 8400, packets: 7 },
      network: { protocol: 'http', bytes: 9920, packets: 13, vlan: { id: '100' } },
      rule: {
        id: '2024897',
        name: 'ET WEB_SERVER Possible SQL Injection',
        category: 'Web Application Attack',
      },
    });
  });

  it('assigns client/server counts by dir (S2C: the packet source is the server)', () => {
    expect(parse(lines[2]!)).toMatchObject({
      event: { type: ['denied'], action: 'block' },
      source: { ip: '198.51.100.80', port: 443, bytes: 4200, packets: 5 },
      destination: { ip: '10.0.0.21', port: 53211, bytes: 600, packets: 4 },
      network: { protocol: 'ssl', bytes: 4800, packets: 9 },
    });
  });

  it('maps drop and reset to denied, and everything else to allowed', () => {
    expect(parse(lines[3]!).event).toMatchObject({ type: ['denied'], action: 'drop' });
    expect(parse(lines[10]!).event).toMatchObject({ type: ['denied'], action: 'reset', severity: 1 });
    expect(parse(lines[1]!).event.type).toEqual(['allowed']);
  });

  it('drops the 0 ports Snort prints for ICMP and IP, and reads IPv6 addr:port', () => {
    const icmp = parse(lines[4]!);
    expect(icmp).toMatchObject({
      source: { ip: '198.51.100.20' },
      destination: { ip: '10.0.0.5' },
      network: { transport: 'icmp', iana_number: '1' },
    });
    expect(icmp.source?.port).toBeUndefined();
    expect(parse(lines[5]!)).toMatchObject({
      source: { ip: '2001:db8::80', port: 80 },
      destination: { ip: '2001:db8:1::25', port: 51234 },
    });
    expect(parse(lines[9]!)).toMatchObject({
      source: { ip: '2001:db8::9' },
      network: { transport: 'ipv6-icmp', iana_number: '58' },
    });
    const ip = parse(lines[6]!);
    expect(ip.network).toBeUndefined();
    expect(ip.rule).toEqual({ id: '123:8', name: '(stream_ip) fragmentation overlap' });
  });

  it('reads with-year stamps and uses the receive time when no time field was selected', () => {
    expect(parse(lines[7]!)['@timestamp']).toBe('2026-11-29T10:00:07.000Z');
    expect(parse(lines[8]!)).toMatchObject({
      '@timestamp': ctx.receivedAt.toISOString(),
      rule: { id: '1000004', name: 'LOCAL outbound SMB' },
      source: { ip: '10.0.0.44' },
    });
  });

  it('gives year-less stamps the year nearest the receive time, and reads both -y orders', () => {
    const newYear = new Date('2027-01-01T00:00:05Z');
    expect(snortTime('12/31-23:59:59.900000', newYear)?.toISOString()).toBe('2026-12-31T23:59:59.900Z');
    expect(snortTime('26/11/29-10:00:00.000000', ctx.receivedAt)?.toISOString()).toBe(
      '2026-11-29T10:00:00.000Z',
    );
    expect(snortTime('11/29/26-10:00:00.000000', ctx.receivedAt)?.toISOString()).toBe(
      '2026-11-29T10:00:00.000Z',
    );
    expect(snortTime('2026-11-29 10:00:00.250000', ctx.receivedAt)?.toISOString()).toBe(
      '2026-11-29T10:00:00.250Z',
    );
    expect(snortTime('13/45-10:00:00.000000', ctx.receivedAt)).toBeNull();
  });

  it('prefers the epoch "seconds" over the local-time "timestamp"', () => {
    const line = '{ "seconds" : 1795946400, "timestamp" : "11/29-11:00:00.250000", "rule" : "1:1:1" }';
    expect(parse(line)['@timestamp']).toBe('2026-11-29T10:00:00.250Z');
  });

  it('splits address:port forms', () => {
    expect(splitAddrPort('192.0.2.1:80', true)).toEqual({ ip: '192.0.2.1', port: 80 });
    expect(splitAddrPort('[2001:db8::1]:443', true)).toEqual({ ip: '2001:db8::1', port: 443 });
    expect(splitAddrPort('2001:db8::1', true)).toEqual({ ip: '2001:db8::1', port: undefined });
    expect(splitAddrPort('2001:db8::1', false)).toEqual({ ip: '2001:db8::1', port: undefined });
  });

  it('rejects non-Snort JSON and broken lines with a reason', () => {
    for (const line of [
      '{"timestamp":"2026-11-29T10:00:00Z","event_type":"alert","alert":{"signature_id":1}}',
      '{ "timestamp" : "11/29-10:00:00.000000", "proto" : "TCP" }',
      '{ "rule" : "1:2:3", ',
      '[1, 2, 3]',
      'not json',
      '{"ts":1795946400.5,"uid":"C1","note":"Scan::Port_Scan","msg":"192.0.2.1 scanned 20 ports","src":"192.0.2.1"}',
    ]) {
      const r = runParser(snortJsonParser, line, ctx);
      expect(r, line).toMatchObject({ ok: false, error: { code: 'syntax' } });
      expect(!r.ok && r.error.message.length).toBeGreaterThan(5);
    }
  });
});
