import { describe, expect, it } from 'vitest';
import { contractContext, fixtureLines, parserContract } from '../contract.ts';
import { runParser } from '../registry.ts';
import { leefParser } from './leef.ts';

const ctx = contractContext();

parserContract(leefParser, 'leef.log');

describe('leef', () => {
  const lines = fixtureLines('leef.log');
  const parse = (line: string) => {
    const r = runParser(leefParser, line, ctx);
    if (!r.ok) throw new Error(r.error.message);
    return r.event;
  };

  it('maps LEEF 1.0 (tab-separated) traffic with epoch-ms devTime, counts, NAT and user', () => {
    expect(parse(lines[0]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:00.000Z',
      event: {
        kind: 'event',
        category: ['network'],
        type: ['allowed'],
        action: 'allow',
        outcome: 'success',
        severity: 2,
        code: '1001',
        dataset: 'leef.log',
        module: 'leef',
      },
      observer: { vendor: 'Acme', product: 'Edge Firewall', name: 'fw01' },
      source: {
        ip: '10.0.0.5',
        port: 51000,
        bytes: 1520,
        packets: 12,
        mac: '52-54-00-AB-CD-EF',
        user: { name: 'alice' },
        nat: { ip: '203.0.113.10', port: 61000 },
      },
      destination: { ip: '198.51.100.7', port: 443, bytes: 18200, packets: 15 },
      network: { transport: 'tcp', iana_number: '6', packets: 27 },
    });
  });

  it('reads LEEF 2.0 delimiters: a character, x5E, 0x7C, an empty field and no field', () => {
    expect(parse(lines[1]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:01.000Z',
      event: { type: ['denied'], action: 'drop', outcome: 'failure' },
      observer: { name: 'fw02' },
      destination: { ip: '198.51.100.53', port: 53, nat: { ip: '10.0.0.53', port: 53 } },
      network: { transport: 'udp', iana_number: '17' },
    });
    expect(parse(lines[2]!)).toMatchObject({
      source: { ip: '203.0.113.9', port: 40001 },
      message: 'ET SCAN Potential SSH Scan',
    });
    expect(parse(lines[3]!)).toMatchObject({
      url: { original: "http://www.example.com/search?q=1' OR '1'='1", query: "q=1' OR '1'='1" },
    });
    expect(parse(lines[8]!)).toMatchObject({ source: { ip: '198.51.100.33', user: { name: 'carol' } } });
    expect(parse(lines[9]!)).toMatchObject({ destination: { ip: '10.0.0.53', port: 53 } });
  });

  it('makes IDS/IPS and malware categories alerts with EventID as the rule', () => {
    expect(parse(lines[2]!)).toMatchObject({
      event: { kind: 'alert', category: ['network', 'intrusion_detection'], severity: 8, type: ['info'] },
      rule: { id: '2001219', category: 'IPS' },
    });
    expect(parse(lines[3]!)).toMatchObject({
      event: { kind: 'alert', type: ['denied'], action: 'block', severity: 10 },
      rule: { id: '2024897', category: 'Web Attack' },
    });
    expect(parse(lines[9]!)).toMatchObject({
      event: { kind: 'alert', category: ['network', 'malware'], type: ['denied'], severity: 7 },
      rule: { id: 'DNS_BLOCK', category: 'Malware' },
    });
  });

  it('reads devTime with devTimeFormat: zone names, +hhmm, year-less, 12-hour, GMT offsets', () => {
    expect(parse(lines[1]!)['@timestamp']).toBe('2026-11-29T10:00:01.000Z');
    expect(parse(lines[2]!)['@timestamp']).toBe('2026-11-29T10:00:02.250Z');
    expect(parse(lines[3]!)['@timestamp']).toBe('2026-11-29T10:00:03.000Z');
    expect(parse(lines[4]!)['@timestamp']).toBe('2026-11-29T10:00:04.300Z');
    expect(parse(lines[6]!)['@timestamp']).toBe('2026-11-29T10:00:06.500Z');
    expect(parse(lines[7]!)['@timestamp']).toBe('2026-11-29T10:00:07.000Z');
    expect(parse(lines[9]!)['@timestamp']).toBe('2026-11-29T10:00:09.000Z');
    expect(parse(lines[10]!)['@timestamp']).toBe('2026-11-29T10:00:10.000Z');
    expect(parse(lines[11]!)['@timestamp']).toBe('2026-11-29T10:00:11.000Z');
    const pm = lines[11]!.replace('10:00:11 AM', '02:30:00 PM');
    expect(parse(pm)['@timestamp']).toBe('2026-11-29T14:30:00.000Z');
    const noon = lines[11]!.replace('10:00:11 AM', '12:05:00 AM');
    expect(parse(noon)['@timestamp']).toBe('2026-11-29T00:05:00.000Z');
  });

  it('falls back to the syslog header time when devTime does not match its format', () => {
    const line = lines[1]!.replace('devTime=Nov 29 2026 10:00:01', 'devTime=garbage');
    expect(parse(line)['@timestamp']).toBe('2026-11-29T10:00:01.000Z');
    const bare = 'LEEF:1.0|Acme|FW|1|1|src=192.0.2.1';
    expect(parse(bare)['@timestamp']).toBe(ctx.receivedAt.toISOString());
  });

  it('uses identSrc and identHostName for an identity event without src', () => {
    expect(parse(lines[4]!)).toMatchObject({
      observer: { vendor: 'Microsoft', product: 'MSExchange', name: '192.0.2.25' },
      event: { code: 'Logon Failure', kind: 'event', severity: 4 },
      source: { ip: '10.0.0.31', domain: 'ws-031.corp.example', user: { name: 'bob' } },
    });
  });

  it('reads LEEF 1.0 senders that separate attributes with spaces', () => {
    expect(parse(lines[5]!)).toMatchObject({
      source: { ip: '192.0.2.50', port: 1200 },
      destination: { ip: '198.51.100.20' },
      message: 'Mailbox accessed by delegate',
    });
  });

  it('maps IPv6 addresses, ipv6-icmp and CEF-style custom keys (act, dvchost, suser, duser)', () => {
    expect(parse(lines[6]!)).toMatchObject({
      source: { ip: '2001:db8::9' },
      destination: { ip: '2001:db8:1::5', mac: '52-54-00-12-34-56' },
      network: { transport: 'ipv6-icmp', iana_number: '58' },
    });
    expect(parse(lines[7]!)).toMatchObject({
      event: { type: ['denied'], action: 'blocked', code: 'CTP_DETECTION' },
      observer: { vendor: 'Trend Micro', name: 'ddei-172' },
      source: { user: { name: 'billing@example.org' } },
      destination: { user: { name: 'carol@example.com' } },
      url: { domain: 'malware.example.net', path: '/payload', query: 'id=7' },
    });
  });

  it('uses pre-NAT attributes when src/dst are absent', () => {
    expect(parse(lines[10]!)).toMatchObject({
      source: { ip: '192.0.2.44', port: 33333 },
      event: { type: ['denied'], action: 'reject' },
    });
  });

  it('keeps a delimiter that occurs inside a value', () => {
    const e = parse('LEEF:2.0|A|B|1|2|^|msg=a^b^src=192.0.2.1');
    expect(e.message).toBe('a^b');
    expect(e.source?.ip).toBe('192.0.2.1');
  });

  it('rejects lines that are not LEEF, with a reason', () => {
    for (const line of [
      'Nov 29 10:00:00 host sshd[1]: Accepted password for root',
      'LEEF:1.0|Acme|only-two',
      'LEEF:abc|Acme|FW|1.0|1|src=192.0.2.1',
      'LEEF:2.0|Acme|FW|1.0|1|xyz|src=192.0.2.1',
    ]) {
      const r = runParser(leefParser, line, ctx);
      expect(r, line).toMatchObject({ ok: false, error: { code: 'syntax' } });
      expect(!r.ok && r.error.message.length).toBeGreaterThan(5);
    }
  });
});
