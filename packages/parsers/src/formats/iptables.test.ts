import { describe, expect, it } from 'vitest';
import { contractContext, fixtureLines, parserContract } from '../contract.ts';
import { getParser, runParser } from '../registry.ts';

const ctx = contractContext();

parserContract(getParser('iptables')!, 'iptables.log');

describe('iptables', () => {
  const parse = (line: string) => {
    const r = runParser(getParser('iptables')!, line, ctx);
    if (!r.ok) throw new Error(r.error.message);
    return r.event;
  };
  it('maps a UFW block with an RFC 3164 header', () => {
    const e = parse(fixtureLines('iptables.log')[0]!);
    expect(e).toMatchObject({
      '@timestamp': '2026-11-29T10:00:01.000Z',
      event: { kind: 'event', category: ['network'], type: ['denied'], action: 'block', outcome: 'failure' },
      observer: { vendor: 'netfilter', product: 'iptables', type: 'firewall', name: 'fw01' },
      source: { ip: '203.0.113.9', port: 40000, mac: '52-54-00-AB-CD-EF' },
      destination: { ip: '10.0.0.5', port: 22 },
      network: { transport: 'tcp', iana_number: '6', bytes: 60 },
      rule: { name: '[UFW BLOCK]' },
    });
  });
  it('reads RFC 5424 and zoned ISO timestamps as UTC, and common prefixes', () => {
    const [, , rfc5424, iso, bare, v6] = fixtureLines('iptables.log');
    expect(parse(rfc5424!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:03.250Z',
      event: { action: 'drop' },
    });
    expect(parse(rfc5424!).network).toMatchObject({ transport: 'udp', iana_number: '17', bytes: 76 });
    expect(parse(iso!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:04.500Z',
      event: { action: 'reject' },
    });
    expect(parse(bare!)).toMatchObject({
      '@timestamp': ctx.receivedAt.toISOString(),
      event: { action: 'accept' },
    });
    expect(parse(v6!)).toMatchObject({
      source: { ip: '2001:db8::1' },
      network: { transport: 'ipv6-icmp', iana_number: '58' },
    });
  });
  it('gives the year that puts a yearless timestamp nearest the receive time', () => {
    const line = fixtureLines('iptables.log')[0]!.replace('Nov 29', 'Dec 31');
    const r = runParser(getParser('iptables')!, line, {
      ...ctx,
      receivedAt: new Date('2027-01-01T00:00:10Z'),
    });
    expect(r.ok && r.event['@timestamp']).toBe('2026-12-31T10:00:01.000Z');
  });
  it('rejects lines that are not netfilter logs, with a reason', () => {
    const r = runParser(getParser('iptables')!, 'Nov 29 10:00:00 host sshd[1]: Accepted password', ctx);
    expect(r).toMatchObject({ ok: false, error: { code: 'syntax' } });
  });
});

describe('iptables prefix map', () => {
  it('reads a sensor’s own prefixes before the built-in ones', () => {
    const line =
      'Nov 29 10:00:01 gw kernel: fw-quarantine-in IN=eth0 OUT= SRC=203.0.113.9 DST=10.0.0.5 LEN=60 PROTO=TCP SPT=1 DPT=22';
    const withMap = runParser(getParser('iptables')!, line, {
      ...ctx,
      iptablesPrefixes: [{ match: 'QUARANTINE', action: 'quarantine', type: 'denied' }],
    });
    expect(withMap.ok && withMap.event.event).toMatchObject({
      action: 'quarantine',
      type: ['denied'],
      outcome: 'failure',
    });
    const without = runParser(getParser('iptables')!, line, ctx);
    expect(without.ok && without.event.event).toMatchObject({ action: 'log', type: ['connection'] });
  });
});
