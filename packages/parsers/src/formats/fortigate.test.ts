import { describe, expect, it } from 'vitest';
import { contractContext, fixtureLines, parserContract } from '../contract.ts';
import { runParser } from '../registry.ts';
import { fortigateParser, parseKv } from './fortigate.ts';

const ctx = contractContext();
const lines = fixtureLines('fortigate.log');

parserContract(fortigateParser, 'fortigate.log');

const parse = (line: string) => {
  const r = runParser(fortigateParser, line, ctx);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.event;
};

describe('fortigate traffic', () => {
  it('maps a forward close log with source NAT, interfaces, policy and nanosecond eventtime', () => {
    expect(parse(lines[0]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:01.123Z',
      event: {
        kind: 'event',
        category: ['network'],
        type: ['connection', 'end', 'allowed'],
        action: 'close',
        outcome: 'success',
        code: '0000000013',
        duration: 34_000_000_000,
        dataset: 'fortigate.traffic',
        module: 'fortigate',
      },
      observer: {
        vendor: 'Fortinet',
        product: 'FortiGate',
        type: 'firewall',
        name: 'FGT-HQ-01',
        ingress: { interface: { name: 'port2' } },
        egress: { interface: { name: 'wan1' } },
      },
      source: {
        ip: '10.0.10.25',
        port: 51544,
        bytes: 4210,
        packets: 41,
        mac: '00-0C-29-3A-4B-5C',
        nat: { ip: '198.51.100.2', port: 61544 },
      },
      destination: { ip: '203.0.113.80', port: 443, bytes: 98233, packets: 77 },
      network: { transport: 'tcp', iana_number: '6', protocol: 'https', application: 'https.browser' },
      rule: { id: '12', name: 'LAN to Internet' },
      log: { level: 'notice' },
    });
  });

  it('shifts date+time by tz when there is no eventtime', () => {
    expect(parse(lines[1]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:01:10.000Z',
      event: { type: ['connection', 'denied'], action: 'deny', outcome: 'failure' },
      observer: { name: 'FGT-BR-02' },
      rule: { id: '0' },
    });
    const noZone = lines[1]!.replace(' tz="-0500"', '');
    expect(parse(noZone)['@timestamp']).toBe('2026-11-29T05:01:10.000Z');
    const noTime = lines[1]!.replace('date=2026-11-29 time=05:01:10 ', '').replace(' tz="-0500"', '');
    expect(parse(noTime)['@timestamp']).toBe(ctx.receivedAt.toISOString());
  });

  it('covers accept, timeout (ICMP without ports), server-rst (IPv6) and client-rst (user, MAC)', () => {
    expect(parse(lines[2]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:02:00.000Z',
      event: { type: ['connection', 'allowed'], action: 'accept', duration: 180_000_000_000 },
      network: { transport: 'udp', iana_number: '17', protocol: 'dns' },
    });
    const icmp = parse(lines[3]!);
    expect(icmp).toMatchObject({
      event: { type: ['connection', 'end', 'allowed'], action: 'timeout' },
      network: { transport: 'icmp', iana_number: '1' },
      source: { nat: { ip: '198.51.100.2' } },
    });
    expect(icmp.source?.port).toBeUndefined();
    expect(parse(lines[4]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:04:05.000Z',
      event: { action: 'server-rst', outcome: 'success' },
      source: { ip: '2001:db8:10::25' },
      destination: { ip: '2001:db8:ffff::80' },
    });
    expect(parse(lines[5]!)).toMatchObject({
      event: { action: 'client-rst' },
      source: { user: { name: 'jdoe' }, mac: '3C-22-FB-01-02-03' },
      network: { protocol: 'ssh' },
    });
  });

  it('maps local-in denies and destination NAT (VIP)', () => {
    expect(parse(lines[6]!)).toMatchObject({
      event: { type: ['connection', 'denied'], code: '0001000014' },
      observer: { egress: { interface: { name: 'root' } } },
      message: 'Connection Failed',
    });
    expect(parse(lines[7]!)).toMatchObject({
      destination: { ip: '198.51.100.20', port: 443, nat: { ip: '10.20.0.20', port: 8443 } },
      rule: { name: 'Inbound Web VIP' },
    });
    expect(parse(lines[7]!).source?.nat).toBeUndefined();
  });
});

describe('fortigate utm', () => {
  it('maps an IPS signature to an alert with attack/attackid/severity, keeping escaped quotes', () => {
    expect(parse(lines[8]!)).toMatchObject({
      event: {
        kind: 'alert',
        category: ['network', 'intrusion_detection'],
        type: ['denied'],
        action: 'dropped',
        outcome: 'failure',
        severity: 5,
        code: '0419016384',
        dataset: 'fortigate.utm',
      },
      rule: { id: '51006', name: 'Apache.Log4j.Error.Log.Remote.Code.Execution' },
      url: { original: 'portal.example.com/api/login', domain: 'portal.example.com', path: '/api/login' },
      message: 'applications3: Apache.Log4j.Error.Log.Remote.Code.Execution, payload "$' + '{jndi:ldap://x}"',
    });
    expect(parse(lines[9]!)).toMatchObject({
      event: { kind: 'alert', type: ['allowed'], action: 'detected', severity: 3 },
      source: { ip: '2001:db8:10::40' },
      network: { protocol: 'smb' },
    });
    expect(parse(lines[10]!)).toMatchObject({
      event: { kind: 'alert', action: 'clear_session', type: ['denied'], severity: 5 },
      rule: { id: '100663396', name: 'tcp_syn_flood' },
    });
  });

  it('maps a virus detection to a malware alert with the file and its hash', () => {
    expect(parse(lines[11]!)).toMatchObject({
      event: { kind: 'alert', category: ['network', 'malware'], type: ['denied'], action: 'blocked' },
      rule: { id: '10042', name: 'W32/Agent.ABCD!tr', category: 'Virus' },
      file: {
        name: 'invoice_2026.exe',
        hash: { sha256: '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae' },
      },
      url: { domain: 'files.example.net', path: '/dl/invoice_2026.exe' },
      user_agent: { original: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)' },
    });
  });

  it('maps webfilter logs (full URL and FortiOS 6 path-only URL) with the category', () => {
    expect(parse(lines[12]!)).toMatchObject({
      event: { kind: 'event', category: ['network', 'web'], type: ['denied'], action: 'blocked' },
      rule: { id: '12', name: 'LAN to Internet', category: 'Malicious Websites' },
      source: { user: { name: 'jdoe' } },
      url: {
        original: 'https://login.example.org/verify.php?acct=12&next=/home',
        domain: 'login.example.org',
        path: '/verify.php',
        query: 'acct=12&next=/home',
      },
      http: { request: { referrer: 'https://mail.example.com/' } },
    });
    expect(parse(lines[13]!)).toMatchObject({
      event: { type: ['allowed'], action: 'passthrough', outcome: 'success' },
      url: {
        original: 'news.example.com/world/index.html?page=2',
        domain: 'news.example.com',
        query: 'page=2',
      },
      rule: { category: 'News and Media' },
    });
  });

  it('maps application control pass/block and DNS queries', () => {
    expect(parse(lines[14]!)).toMatchObject({
      event: { type: ['allowed'], action: 'pass' },
      network: { application: 'facebook' },
      rule: { category: 'Social.Media' },
      destination: { domain: 'www.facebook.com' },
    });
    expect(parse(lines[15]!)).toMatchObject({
      event: { type: ['denied'], action: 'block', outcome: 'failure' },
      network: { application: 'bittorrent' },
    });
    expect(parse(lines[15]!).network?.protocol).toBeUndefined(); // "tcp/6881" is not a protocol
    expect(parse(lines[16]!)).toMatchObject({
      event: { type: ['info'] },
      network: { protocol: 'dns' },
      dns: { id: '48213', type: 'query', question: { name: 'updates.example.com', type: 'A', class: 'IN' } },
    });
  });
});

describe('fortigate event and quirks', () => {
  it('maps admin login success and failure to authentication events, behind BSD and IETF headers', () => {
    expect(parse(lines[17]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:16:00.000Z',
      event: { category: ['authentication'], type: ['start'], action: 'login', outcome: 'success' },
      observer: { name: 'FGT-HQ-01', hostname: 'fgt-hq-01.example.com' },
      user: { name: 'admin' },
      source: { ip: '192.0.2.10' },
    });
    expect(parse(lines[18]!)).toMatchObject({
      event: { outcome: 'failure', reason: 'name_invalid', code: '0100032002' },
      user: { name: 'root' },
    });
  });

  it('reads quoted values with spaces and escaped quotes; the first occurrence of a key wins', () => {
    expect(Object.fromEntries(parseKv('a=1 b="two words" c="say \\"hi\\"" a=3 d=', 0))).toEqual({
      a: '1',
      b: 'two words',
      c: 'say "hi"',
      d: '',
    });
  });

  it('does not claim FortiGate CEF lines (a CEF parser reads those)', () => {
    const cef =
      '<189>Nov 29 10:00:00 FGT CEF: 0|Fortinet|Fortigate|v7.2.4|00013|traffic:forward close|3|FTNTFGTlogid=0000000013 cat=traffic:forward FTNTFGTsubtype=forward src=10.0.0.5 dst=198.51.100.7';
    expect(fortigateParser.sniff(cef)).toBe(false);
    expect(runParser(fortigateParser, cef, ctx)).toMatchObject({ ok: false, error: { code: 'syntax' } });
  });

  it('reports other log types as unsupported and rejects non-FortiGate lines with a reason', () => {
    expect(
      runParser(
        fortigateParser,
        'date=2026-11-29 time=10:00:00 logid="0000000001" type="foo" subtype="bar"',
        ctx,
      ),
    ).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    for (const bad of [
      'Nov 29 10:00:00 host sshd[1]: Accepted password for root',
      'date=2026-11-29 time=10:00:00 devname="x"',
      '{"type":"traffic"}',
    ]) {
      const r = runParser(fortigateParser, bad, ctx);
      expect(r).toMatchObject({ ok: false, error: { code: 'syntax' } });
      if (!r.ok) expect(r.error.message.length).toBeGreaterThan(10);
    }
  });
});
