import { describe, expect, it } from 'vitest';
import { contractContext, fixtureLines, parserContract } from '../contract.ts';
import { runParser } from '../registry.ts';
import type { ParseContext } from '../types.ts';
import { zeekParser } from './zeek.ts';

parserContract(zeekParser, 'zeek.log');

const T = '\t';
const tsvHeader = (path: string, fields: string[], types?: string[]) => [
  '#separator \\x09',
  `#set_separator${T},`,
  `#empty_field${T}(empty)`,
  `#unset_field${T}-`,
  `#path${T}${path}`,
  `#open${T}2026-11-29-10-00-00`,
  `#fields${T}${fields.join(T)}`,
  ...(types ? [`#types${T}${types.join(T)}`] : []),
];

/** Parses lines as one stream and returns the events (headers must be consumed). */
function stream(lines: string[], ctx: ParseContext = contractContext()) {
  return lines.map((l) => runParser(zeekParser, l, ctx));
}
function parse(line: string, ctx: ParseContext = contractContext()) {
  const r = runParser(zeekParser, line, ctx);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.event;
}
function fixtureEvents() {
  return stream(fixtureLines('zeek.log')).flatMap((r) => (r.ok ? [r.event] : []));
}

describe('zeek conn', () => {
  it('maps a TSV conn record: tuple, service, duration, IP-level bytes, packets, direction, state', () => {
    const [sf, rej, s0, icmp6] = fixtureEvents();
    expect(sf).toMatchObject({
      '@timestamp': '2026-11-29T10:00:00.123Z',
      event: {
        kind: 'event',
        category: ['network'],
        type: ['connection', 'start', 'end'],
        outcome: 'success',
        code: 'SF',
        duration: 12_345_678_000,
        start: '2026-11-29T10:00:00.123Z',
        end: '2026-11-29T10:00:12.469Z',
        dataset: 'zeek.conn',
        module: 'zeek',
      },
      observer: { vendor: 'Zeek', product: 'Zeek', type: 'ids' },
      source: { ip: '10.0.0.5', port: 51500, bytes: 2560, packets: 14 },
      destination: { ip: '192.0.2.80', port: 443, bytes: 18852, packets: 16 },
      network: {
        transport: 'tcp',
        iana_number: '6',
        protocol: 'ssl',
        direction: 'outbound',
        bytes: 21412,
        packets: 30,
      },
    });
    expect(rej).toMatchObject({
      event: { type: ['connection', 'start', 'end', 'denied'], outcome: 'failure', code: 'REJ' },
      network: { direction: 'inbound' },
    });
    expect(s0).toMatchObject({
      '@timestamp': '2026-11-29T10:00:02.000Z',
      event: { type: ['connection', 'start'], outcome: 'failure', code: 'S0' },
      network: { transport: 'udp', iana_number: '17', bytes: 76, packets: 1 },
    });
    expect(s0!.event.duration).toBeUndefined();
    // ICMPv6: Zeek says proto "icmp"; ip_proto and the IPv6 originator make it ipv6-icmp, no ports
    expect(icmp6).toMatchObject({
      source: { ip: '2001:db8::10' },
      destination: { ip: '2001:db8::1' },
      network: { transport: 'ipv6-icmp', iana_number: '58', direction: 'internal' },
      event: { type: ['connection'], outcome: 'unknown', code: 'OTH' },
    });
    expect(icmp6!.source?.port).toBeUndefined();
  });

  it('maps a JSON conn record with _path, an ISO 8601 ts, MACs, VLAN and community id', () => {
    const e = fixtureEvents().find((x) => x.event.code === 'RSTO')!;
    expect(e).toMatchObject({
      '@timestamp': '2026-11-29T10:00:09.654Z',
      event: { type: ['connection', 'start', 'end'], outcome: 'success', duration: 8_500_000_000 },
      source: { ip: '10.0.0.7', port: 49822, mac: '52-54-00-AB-CD-EF', bytes: 4376, packets: 24 },
      destination: { ip: '192.0.2.25', port: 22, mac: '00-00-5E-00-53-01' },
      network: {
        protocol: 'ssh',
        vlan: { id: '120' },
        community_id: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=',
        direction: 'outbound',
      },
    });
  });

  it('detects conn from the field set when _path is absent, and reads epoch and millisecond ts', () => {
    const line =
      '{"ts":1795946410.5,"uid":"CYfHyz2ExBk5ZBn6Ye","id.orig_h":"198.51.100.23","id.orig_p":55000,' +
      '"id.resp_h":"10.0.0.5","id.resp_p":445,"proto":"tcp","conn_state":"S0","history":"S"}';
    expect(parse(line)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:10.500Z',
      event: { dataset: 'zeek.conn', code: 'S0' },
    });
    expect(parse(line.replace('1795946410.5', '1795946410500'))['@timestamp']).toBe(
      '2026-11-29T10:00:10.500Z',
    );
  });

  it('reads a nested id object, skips dropped ("-") services and maps F,F to external', () => {
    const e = parse(
      '{"ts":1795946400,"id":{"orig_h":"192.0.2.1","orig_p":1000,"resp_h":"198.51.100.1","resp_p":80},' +
        '"proto":"tcp","service":"-ssl,http","conn_state":"SF","local_orig":false,"local_resp":false}',
    );
    expect(e).toMatchObject({
      source: { ip: '192.0.2.1', port: 1000 },
      destination: { ip: '198.51.100.1', port: 80 },
      network: { protocol: 'http', direction: 'external' },
    });
  });

  it('leaves network.direction out when local_orig/local_resp are unset', () => {
    const e = parse(
      '{"ts":1795946400,"id.orig_h":"10.0.0.1","id.resp_h":"10.0.0.2","proto":"udp","conn_state":"SF"}',
    );
    expect(e.network?.direction).toBeUndefined();
  });
});

describe('zeek dns', () => {
  it('maps query, type, class, rcode and answers with TTLs from TSV and JSON', () => {
    const dns = fixtureEvents().filter((e) => e.event.dataset === 'zeek.dns');
    expect(dns).toHaveLength(4);
    expect(dns[0]).toMatchObject({
      event: { kind: 'event', category: ['network'], type: ['protocol'] },
      network: { protocol: 'dns', transport: 'udp' },
      dns: {
        id: '4711',
        type: 'answer',
        question: { name: 'www.example.com', type: 'A', class: 'C_INTERNET' },
        response_code: 'NOERROR',
        answers: [
          { data: 'www.example.net', ttl: 300 },
          { data: '192.0.2.10', ttl: 60 },
        ],
      },
    });
    expect(dns[1]).toMatchObject({ dns: { response_code: 'NXDOMAIN', question: { type: 'AAAA' } } });
    expect(dns[1]!.dns?.answers).toBeUndefined();
    expect(dns[2]).toMatchObject({
      source: { ip: '2001:db8::5' },
      dns: {
        question: { name: 'mail.example.com', type: 'MX' },
        answers: [{ data: 'mx1.example.com', ttl: 3600 }],
      },
    });
    // a query without a seen response
    expect(dns[3]).toMatchObject({ dns: { type: 'query', question: { name: 'update.example.net' } } });
    expect(dns[3]!.dns?.response_code).toBeUndefined();
  });

  it('unescapes \\xHH in TSV values, and set separators inside elements', () => {
    const ctx = contractContext();
    const fields = [
      'ts',
      'uid',
      'id.orig_h',
      'id.orig_p',
      'id.resp_h',
      'id.resp_p',
      'proto',
      'query',
      'answers',
    ];
    stream(
      tsvHeader('dns', fields, [
        'time',
        'string',
        'addr',
        'port',
        'addr',
        'port',
        'enum',
        'string',
        'vector[string]',
      ]),
      ctx,
    );
    const e = parse(
      [
        '1795946400.000000',
        'C1',
        '10.0.0.5',
        '1000',
        '10.0.0.53',
        '53',
        'udp',
        'caf\\xc3\\xa9.example',
        'TXT 5 a\\x2cb,192.0.2.1',
      ].join(T),
      ctx,
    );
    expect(e.dns).toMatchObject({
      question: { name: 'café.example' },
      answers: [{ data: 'TXT 5 a,b' }, { data: '192.0.2.1' }],
    });
  });
});

describe('zeek http', () => {
  it('maps method, host, uri, referrer, status, user agent and basic-auth user', () => {
    const http = fixtureEvents().filter((e) => e.event.dataset === 'zeek.http');
    expect(http).toHaveLength(3);
    expect(http[0]).toMatchObject({
      event: { category: ['network', 'web'], type: ['protocol'] },
      network: { protocol: 'http', transport: 'tcp', iana_number: '6' },
      url: {
        original: '/download/setup.exe?id=42&lang=en',
        domain: 'www.example.com',
        path: '/download/setup.exe',
        query: 'id=42&lang=en',
      },
      http: {
        version: '1.1',
        request: { method: 'GET', referrer: 'http://www.example.com/' },
        response: { status_code: 200 },
      },
      user_agent: { original: expect.stringContaining('Mozilla/5.0 (Windows NT 10.0; Win64; x64)') },
    });
    expect(http[1]).toMatchObject({
      source: { ip: '203.0.113.9', user: { name: 'admin' } },
      http: { request: { method: 'POST' }, response: { status_code: 401 } },
      url: { path: '/login' },
    });
    // Host header with a port: the domain is the host alone
    expect(http[2]).toMatchObject({ url: { domain: '203.0.113.50' }, destination: { port: 8080 } });
  });
});

describe('zeek notice', () => {
  it('maps a notice to an IDS alert with the note as the rule', () => {
    const notices = fixtureEvents().filter((e) => e.event.dataset === 'zeek.notice');
    expect(notices[0]).toMatchObject({
      '@timestamp': '2026-11-29T10:00:08.000Z',
      event: { kind: 'alert', category: ['network', 'intrusion_detection'], type: ['info'] },
      rule: { name: 'Scan::Port_Scan' },
      message: '203.0.113.9 scanned at least 15 unique ports of host 10.0.0.5 in 0m2s',
      source: { ip: '203.0.113.9' },
      destination: { ip: '10.0.0.5' },
    });
    expect(notices[1]).toMatchObject({
      rule: { name: 'SSL::Invalid_Server_Cert' },
      source: { ip: '10.0.0.5', port: 51500 },
      destination: { ip: '192.0.2.80', port: 443 },
      network: { transport: 'tcp' },
    });
  });
});

describe('zeek TSV header handling and rejections', () => {
  it('consumes every header line and keeps the column list per stream', () => {
    const ctx = contractContext();
    const results = stream(tsvHeader('conn', ['ts', 'id.orig_h', 'id.resp_h', 'proto', 'conn_state']), ctx);
    expect(results.every((r) => !r.ok && r.error.code === 'header')).toBe(true);
    expect(parse(['1795946400.5', '10.0.0.1', '10.0.0.2', 'tcp', 'SF'].join(T), ctx)).toMatchObject({
      source: { ip: '10.0.0.1' },
      event: { code: 'SF' },
    });
    // another stream has seen no header
    expect(
      runParser(zeekParser, ['1795946400.5', '10.0.0.1', '10.0.0.2', 'tcp', 'SF'].join(T), contractContext()),
    ).toMatchObject({
      ok: false,
      error: { code: 'syntax', message: expect.stringContaining('no #fields header seen') },
    });
  });

  it('honours a non-default separator and unset/empty markers', () => {
    const ctx = contractContext();
    stream(
      [
        '#separator \\x7c',
        '#unset_field|NA',
        '#empty_field|EMPTY',
        '#path|conn',
        '#fields|ts|id.orig_h|id.resp_h|proto|service',
      ],
      ctx,
    );
    const e = parse('1795946400.000000|10.0.0.1|10.0.0.2|udp|NA', ctx);
    expect(e).toMatchObject({ source: { ip: '10.0.0.1' }, network: { transport: 'udp' } });
    expect(e.network?.protocol).toBeUndefined();
  });

  it('rejects a record whose column count differs from #fields, and unsupported logs', () => {
    const ctx = contractContext();
    stream(tsvHeader('conn', ['ts', 'id.orig_h', 'id.resp_h']), ctx);
    expect(runParser(zeekParser, ['1795946400.0', '10.0.0.1'].join(T), ctx)).toMatchObject({
      ok: false,
      error: { code: 'syntax', message: expect.stringContaining('columns') },
    });
    const ssl = contractContext();
    stream(tsvHeader('ssl', ['ts', 'uid', 'version', 'cipher']), ssl);
    expect(
      runParser(zeekParser, ['1795946400.0', 'C1', 'TLSv13', 'TLS_AES_128_GCM_SHA256'].join(T), ssl),
    ).toMatchObject({
      ok: false,
      error: { code: 'unsupported', message: expect.stringContaining('ssl') },
    });
    expect(
      runParser(zeekParser, '{"_path":"weird","ts":1795946400,"name":"bad_TCP_checksum"}', ctx),
    ).toMatchObject({
      ok: false,
      error: { code: 'unsupported' },
    });
  });

  it('rejects malformed JSON, missing or bad ts, and foreign lines with a reason', () => {
    const ctx = contractContext();
    const bad = [
      '{"_path":"conn","ts":17959464',
      '{"_path":"conn","id.orig_h":"10.0.0.1"}',
      '{"_path":"conn","ts":"yesterday","id.orig_h":"10.0.0.1"}',
      '{"ts":1795946400,"foo":"bar"}',
      '# a comment',
      '#bogus\tvalue',
    ];
    for (const line of bad) {
      const r = runParser(zeekParser, line, ctx);
      expect(r.ok, line).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('syntax');
        expect(r.error.message.length).toBeGreaterThan(0);
      }
    }
  });
});
