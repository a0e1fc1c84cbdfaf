import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contractContext, fixtureLines, parserContract } from '../contract.ts';
import { runParser } from '../registry.ts';
import { cefParser, parseSpacedPairs, vendorTime } from './cef.ts';

const ctx = contractContext();

parserContract(cefParser, 'cef.log');

describe('cef', () => {
  const lines = fixtureLines('cef.log');
  const parse = (line: string) => {
    const r = runParser(cefParser, line, ctx);
    if (!r.ok) throw new Error(r.error.message);
    return r.event;
  };

  it('maps a firewall allow with NAT, interfaces, bytes, direction and a labelled rule', () => {
    expect(parse(lines[0]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:00.000Z',
      event: {
        kind: 'event',
        category: ['network'],
        type: ['allowed'],
        action: 'accept',
        outcome: 'success',
        severity: 3,
        code: '100',
        dataset: 'cef.log',
        module: 'cef',
      },
      observer: {
        vendor: 'Acme',
        product: 'Edge Firewall',
        type: 'firewall',
        name: 'fw01',
        ingress: { interface: { name: 'port2' } },
        egress: { interface: { name: 'port1' } },
      },
      source: { ip: '10.0.0.5', port: 51000, bytes: 1520, nat: { ip: '203.0.113.10', port: 61000 } },
      destination: { ip: '198.51.100.7', port: 443, bytes: 18200 },
      network: { transport: 'tcp', iana_number: '6', protocol: 'https', direction: 'outbound' },
      rule: { id: '17', name: 'Allow Web Out' },
    });
  });

  it('maps a deny with destination NAT, dvchost over the relay host, and a policy label', () => {
    expect(parse(lines[1]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:01.000Z',
      event: { type: ['denied'], action: 'drop', outcome: 'failure', severity: 5 },
      observer: { name: 'fw02', hostname: 'fw02' },
      destination: { ip: '198.51.100.53', port: 53, nat: { ip: '10.0.0.53', port: 53 } },
      network: { transport: 'udp', iana_number: '17', direction: 'inbound' },
      rule: { name: 'Block Inbound DNS' },
    });
  });

  it('makes IDS/IPS categories alerts whose rule is the signature, with zoned rt', () => {
    expect(parse(lines[2]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:02.250Z',
      event: { kind: 'alert', category: ['network', 'intrusion_detection'], severity: 8, action: 'alert' },
      observer: { type: 'ids', name: 'ids01' },
      rule: { id: '2001219', name: 'ET SCAN Potential SSH Scan', category: 'Intrusion Detection' },
      message: 'Potential SSH scan from 203.0.113.9',
    });
    expect(parse(lines[3]!)).toMatchObject({
      event: { kind: 'alert', type: ['denied'], action: 'blocked', outcome: 'failure', severity: 10 },
      rule: { id: '2024897', category: '/Attack/Exploit' },
      url: { domain: 'www.example.com', path: '/search', query: "q=1' OR '1'=1" },
      http: { request: { method: 'GET' } },
      user_agent: { original: 'Mozilla/5.0 (X11; Linux x86_64) scanner/1.0' },
    });
    expect(parse(lines[9]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:09.000Z',
      event: {
        kind: 'alert',
        category: ['network', 'malware'],
        severity: 8,
        start: '2026-11-29T09:59:30.000Z',
        end: '2026-11-29T10:00:09.000Z',
        duration: 39_000_000_000,
        outcome: 'success',
      },
      source: { ip: '10.0.0.42', domain: 'ws-042.corp.example' },
      destination: { user: { name: 'bob' } },
      file: { name: 'invoice.pdf.exe' },
    });
  });

  it('reads a web request with escaped "=" in the URL, user, referrer and user agent', () => {
    expect(parse(lines[4]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:04.125Z',
      source: { user: { name: 'alice' }, bytes: 840 },
      url: {
        original: 'https://shop.example.com:8443/cart/view?id=42&ref=mail#top',
        domain: 'shop.example.com',
        path: '/cart/view',
        query: 'id=42&ref=mail',
      },
      http: { request: { method: 'POST', referrer: 'https://mail.example.com/' } },
      user_agent: { original: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)' },
    });
  });

  it('undoes header and extension escapes', () => {
    const e = parse(lines[5]!);
    expect(e.observer).toMatchObject({ vendor: 'Acme | Labs', product: 'Log\\Watch' });
    expect(e.event.action).toBe('name with | pipe and \\ backslash');
    expect(e.message).toBe('line one\nline two with key=value and back\\slash');
    expect(e.event.code).toBe('pipe-test');
  });

  it('takes IPv6 addresses from c6a2/c6a3 and normalises MACs', () => {
    expect(parse(lines[6]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:06.500Z',
      source: { ip: '2001:db8::9', mac: '52-54-00-AB-CD-EF' },
      destination: { ip: '2001:db8:1::5', mac: '52-54-00-12-34-56' },
      network: { transport: 'ipv6-icmp', iana_number: '58' },
      rule: { name: 'v6-inbound' },
    });
  });

  it('converts vendor zones: dtz (IANA), zone names, ISO syslog headers, and falls back in order', () => {
    expect(parse(lines[7]!)['@timestamp']).toBe('2026-11-29T10:00:07.000Z');
    expect(parse(lines[10]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:10.000Z',
      observer: { name: 'fw05' },
      event: { reason: 'Blocked by geo policy', type: ['denied'], action: 'reject' },
    });
    expect(parse(lines[11]!)['@timestamp']).toBe(ctx.receivedAt.toISOString());
    const r = ctx.receivedAt;
    expect(vendorTime('Nov 29 2026 05:00:00 EST', r)?.toISOString()).toBe('2026-11-29T10:00:00.000Z');
    expect(vendorTime('Nov 29 2026 11:00:00.5 GMT+01:00', r)?.toISOString()).toBe('2026-11-29T10:00:00.500Z');
    expect(vendorTime('Jul 01 2026 12:00:00', r, { iana: 'Europe/Berlin' })?.toISOString()).toBe(
      '2026-07-01T10:00:00.000Z',
    );
    expect(vendorTime('1795946400', r)?.toISOString()).toBe('2026-11-29T10:00:00.000Z');
    expect(vendorTime('Nov 29 2026 10:00:00 XYZT', r)).toBeNull();
    expect(vendorTime('Feb 30 2026 10:00:00', r)).toBeNull();
  });

  it('reads the FortiGate "CEF: 0" variant with vendor keys whose values hold spaces', () => {
    expect(parse(lines[8]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:08.000Z',
      event: { kind: 'event', type: ['info'], action: 'close', code: '00013' },
      observer: { vendor: 'Fortinet', product: 'Fortigate', name: 'FGT-A-LOG' },
      source: { ip: '10.0.0.11', bytes: 3652, nat: { ip: '203.0.113.1', port: 54190 } },
      destination: { ip: '198.51.100.235', bytes: 146668 },
    });
  });

  it('gives year-less rt the year nearest the receive time', () => {
    const line = 'CEF:0|Acme|FW|1|1|x|3|rt=Dec 31 23:59:59 UTC src=192.0.2.1';
    const r = runParser(cefParser, line, { ...ctx, receivedAt: new Date('2027-01-01T00:00:10Z') });
    expect(r.ok && r.event['@timestamp']).toBe('2026-12-31T23:59:59.000Z');
  });

  it('splits extension values that contain spaces and unescaped "=" inside values', () => {
    const kv = parseSpacedPairs('msg=a b c request=http://x/?a=b c=d e\\=f', true);
    expect(Object.fromEntries(kv)).toEqual({ msg: 'a b c', request: 'http://x/?a=b', c: 'd e=f' });
  });

  it('reads pairs in place from an offset as it reads them alone, whatever comes before', () => {
    const text = fc.string({
      unit: fc.constantFrom('a', 'k', '1', '_', '.', '-', '=', '\\', ' ', '\t', '|', 'é'),
      maxLength: 40,
    });
    fc.assert(
      fc.property(text, text, fc.boolean(), (before, body, escapes) => {
        const alone = Object.fromEntries(parseSpacedPairs(body, escapes));
        expect(Object.fromEntries(parseSpacedPairs(before + body, escapes, before.length))).toEqual(alone);
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects lines that are not CEF, with a reason', () => {
    for (const line of [
      'Nov 29 10:00:00 host sshd[1]: Accepted password for root',
      'CEF:0|Acme|FW|1.0|100|only five',
      'CEF:x|Acme|FW|1.0|100|Name|3|src=192.0.2.1',
      'xCEF:0|Acme|FW|1.0|100|Name|3|',
    ]) {
      const r = runParser(cefParser, line, ctx);
      expect(r, line).toMatchObject({ ok: false, error: { code: 'syntax' } });
      expect(!r.ok && r.error.message.length).toBeGreaterThan(5);
    }
    expect(runParser(cefParser, '   ', ctx)).toMatchObject({ ok: false, error: { code: 'empty' } });
  });

  it('ignores values that do not fit their fields', () => {
    const e = parse('CEF:0|A|B|1|1|n|11000|src=not-an-ip spt=70000 in=-5 smac=zz proto=bogus!');
    expect(e.source).toBeUndefined();
    expect(e.event.severity).toBeUndefined();
    expect(e.network).toBeUndefined();
  });
});
