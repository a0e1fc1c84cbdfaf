// Ingest against the real Kafka broker, for every transport: tokens and tenant binding,
// limits, gzip (and a gzip bomb), invalid UTF-8, truncated JSON, a 10 MB line, garbage
// bytes — each gets a clear error and is counted, and the good lines of the same batch are
// kept; accepted lines are on the events topic, rejected ones on the DLQ.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { gzipSync } from 'node:zlib';
import {
  freePort,
  REPO_ROOT,
  type RunningService,
  startServices,
  stopServices,
  writeSensorsFile,
} from '@soc/devkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTopic } from '../harness/kafka.ts';

const ns = `it${randomBytes(4).toString('hex')}`;
const dir = join(REPO_ROOT, 'test-results', 'logs', ns);
const TOKEN_A = 'token-acme';
const TOKEN_B = 'token-beta';
const line = (port: number, src = '192.0.2.1') =>
  `<4>1 2026-11-29T10:00:00.000Z fw01 kernel - - - [UFW BLOCK] IN=eth0 OUT= SRC=${src} DST=10.0.0.1 LEN=40 PROTO=TCP SPT=1 DPT=${port}`;
const eve = (port: number) =>
  `{"timestamp":"2026-11-29T10:00:00.000000+0000","event_type":"flow","src_ip":"198.51.100.4","src_port":1,"dest_ip":"10.0.0.2","dest_port":${port},"proto":"TCP","organization":{"id":"evil"}}`;
let ingest: RunningService;
let ports: { udp: number; tcp: number; tls: number };

async function post(
  body: string | Buffer,
  opts: { token?: string; format?: string; headers?: Record<string, string> } = {},
) {
  const res = await fetch(`${ingest.url}/v1/logs${opts.format ? `?format=${opts.format}` : ''}`, {
    method: 'POST',
    body,
    headers: {
      ...(opts.token === undefined
        ? { authorization: `Bearer ${TOKEN_A}` }
        : opts.token
          ? { authorization: `Bearer ${opts.token}` }
          : {}),
      ...opts.headers,
    },
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Record<string, unknown> & { errors?: { line: number; reason: string }[] },
  };
}

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-days',
      '1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  ports = { udp: await freePort(), tcp: await freePort(), tls: await freePort() };
  const services = await startServices({
    services: ['ingest'],
    env: {
      KAFKA_BROKERS: inject('kafkaBrokers'),
      SOC_TOPIC_NAMESPACE: ns,
      INGEST_SENSORS_FILE: writeSensorsFile(dir, [
        {
          id: 'fw-acme',
          tenant: 'acme',
          token: TOKEN_A,
          format: 'iptables',
          syslog_sources: ['127.0.0.1/32'],
        },
        { id: 'ids-beta', tenant: 'beta', token: TOKEN_B, rate_limit_lines_per_second: 50 },
      ]),
      INGEST_MAX_BODY_BYTES: String(16 * 1024 * 1024),
      INGEST_MAX_LINE_BYTES: '65536',
      INGEST_SYSLOG_UDP_PORT: String(ports.udp),
      INGEST_SYSLOG_TCP_PORT: String(ports.tcp),
      INGEST_SYSLOG_TLS_PORT: String(ports.tls),
      INGEST_SYSLOG_TLS_CERT_FILE: join(dir, 'cert.pem'),
      INGEST_SYSLOG_TLS_KEY_FILE: join(dir, 'key.pem'),
    },
    logDir: dir,
  });
  ingest = services.ingest;
});
afterAll(async () => {
  if (ingest) expect(await stopServices([ingest])).toEqual({ ingest: 0 });
});

describe('HTTP', () => {
  it('binds the tenant to the token, never to the payload, and uses the token’s default format', async () => {
    expect((await post(line(1), { token: '' })).status).toBe(401);
    const wrong = await post(line(1), { token: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('Bearer');
    expect((await post(`${line(101)}\n`)).body).toMatchObject({ format: 'iptables', accepted: 1 });
    expect((await post(eve(102), { token: TOKEN_B })).status).toBe(400); // no default format for this sensor
    expect((await post(eve(102), { token: TOKEN_B, format: 'suricata-eve' })).body).toMatchObject({
      accepted: 1,
    });
    const events = await readTopic(inject('kafkaBrokers'), `${ns}.events.v1`, 2);
    const byPort = new Map(events.map((e) => [(e.value['destination'] as { port: number }).port, e.value]));
    expect(byPort.get(101)).toMatchObject({ organization: { id: 'acme' } });
    expect(byPort.get(102)).toMatchObject({ organization: { id: 'beta' } });
  });

  it('detects formats with format=auto and reports them', async () => {
    const r = await post([line(1), eve(2), line(3)].join('\n'), { format: 'auto' });
    expect(r.body).toMatchObject({ accepted: 3, detected: { iptables: 2, 'suricata-eve': 1 } });
  });

  it('keeps the good lines of a bad batch: invalid UTF-8, truncated JSON, a 10 MB line, garbage bytes', async () => {
    const body = Buffer.concat([
      Buffer.from(`${line(201)}\n`),
      Buffer.from([0x3c, 0x34, 0x3e, 0xc3, 0x28, 0x0a]), // invalid UTF-8
      Buffer.from(`${eve(202).slice(0, 40)}\n`), // truncated JSON (auto: not recognised as any format)
      Buffer.alloc(10 * 1024 * 1024, 0x41),
      Buffer.from('\n'),
      randomBytes(2000).map((b) => (b === 0x0a ? 0x20 : b)),
      Buffer.from(`\n${line(203)}\n`),
    ]);
    const r = await post(body, { format: 'auto' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ accepted: 2, rejected: 4 });
    expect(r.body.errors?.map((e) => [e.line, e.reason.split(':')[0]])).toEqual([
      [2, 'invalid UTF-8'],
      [3, 'unsupported'],
      [4, 'line too long'],
      [5, expect.stringMatching(/invalid UTF-8|unsupported/)],
    ]);
    const dlq = await readTopic(inject('kafkaBrokers'), `${ns}.dlq.v1`, 4);
    expect(dlq.find((d) => d.value['line'] === 4)?.value).toMatchObject({
      tenant: 'acme',
      sensor: 'fw-acme',
      transport: 'http',
      reason: 'line too long: 10485760 bytes, limit 65536',
    });
    expect(String(dlq.find((d) => d.value['line'] === 4)?.value['raw']).length).toBe(4096);
  });

  it('takes gzip bodies and stops a gzip bomb at the limit', async () => {
    const ok = await post(gzipSync(`${line(301)}\n${line(302)}\n`), {
      headers: { 'content-encoding': 'gzip' },
    });
    expect(ok.body).toMatchObject({ accepted: 2 });
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x41));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const r = await post(bomb, { headers: { 'content-encoding': 'gzip' } });
    expect(r.status).toBe(413);
    expect(String(r.body['error'])).toContain('once decompressed');
    expect((await post('x', { headers: { 'content-encoding': 'br' } })).status).toBe(415);
    expect((await post('not gzip at all', { headers: { 'content-encoding': 'gzip' } })).status).toBe(400);
    expect(
      (await post('a=b', { headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status,
    ).toBe(415);
  });

  it('limits each sensor’s rate with 429 and Retry-After', async () => {
    const lines = Array.from({ length: 120 }, (_, i) => eve(400 + i)).join('\n');
    expect((await post(lines, { token: TOKEN_B, format: 'suricata-eve' })).status).toBe(200);
    const limited = await post(eve(1), { token: TOKEN_B, format: 'suricata-eve' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await post(line(1))).status).toBe(200); // another sensor is not affected
  });

  it('answers unknown formats, other methods and oversized bodies clearly, and counts it all', async () => {
    const unknown = await post('x', { format: 'nope' });
    expect(unknown.status).toBe(400);
    expect(String(unknown.body['error'])).toContain('iptables');
    expect((await fetch(`${ingest.url}/v1/logs`)).status).toBe(405);
    const big = await fetch(`${ingest.url}/v1/logs`, {
      method: 'POST',
      body: Buffer.alloc(17 * 1024 * 1024, 0x41),
      headers: { authorization: `Bearer ${TOKEN_A}` },
    });
    expect(big.status).toBe(413);
    const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
    expect(metrics).toMatch(/soc_ingest_dropped_total\{reason="line_too_long"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/soc_ingest_dropped_total\{reason="rate_limited"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/soc_ingest_errors_total\{stage="auth"[^}]*\} [1-9]/);
  });
});

describe('syslog', () => {
  it('UDP: one datagram per message, tenant from the sender address; unknown senders are dropped and counted', async () => {
    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    for (const p of [501, 502]) udp.send(line(p, '198.51.100.50'), ports.udp, '127.0.0.1');
    const stranger = createSocket('udp4');
    await new Promise<void>((r) => stranger.bind(0, '127.0.0.2', () => r()));
    stranger.send(line(503, '198.51.100.50'), ports.udp, '127.0.0.1');
    const events = await readTopic(
      inject('kafkaBrokers'),
      `${ns}.events.v1`,
      2,
      (e) => (e.value['source'] as { ip: string }).ip === '198.51.100.50',
    );
    expect(events.map((e) => e.value['organization'])).toEqual([{ id: 'acme' }, { id: 'acme' }]);
    udp.close();
    stranger.close();
    await expect
      .poll(
        async () =>
          (await (await fetch(`${ingest.url}/metrics`)).text()).match(
            /reason="unknown_sender"[^}]*\} (\d+)/,
          )?.[1],
      )
      .toBe('1');
  });

  it('TCP: octet counting and LF framing mixed, bad frames to the DLQ, the rest kept', async () => {
    const socket = connect(ports.tcp, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const counted = line(601, '198.51.100.60');
    socket.write(`${Buffer.byteLength(counted)} ${counted}${line(602, '198.51.100.60')}\n`);
    socket.write(Buffer.from([0xc3, 0x28, 0x0a]));
    socket.end(`${line(603, '198.51.100.60')}\n`);
    const events = await readTopic(
      inject('kafkaBrokers'),
      `${ns}.events.v1`,
      3,
      (e) => (e.value['source'] as { ip: string }).ip === '198.51.100.60',
    );
    expect(events.map((e) => (e.value['destination'] as { port: number }).port).sort()).toEqual([
      601, 602, 603,
    ]);
    const dlq = await readTopic(
      inject('kafkaBrokers'),
      `${ns}.dlq.v1`,
      1,
      (d) => d.value['transport'] === 'syslog-tcp',
    );
    expect(dlq[0]?.value).toMatchObject({
      reason: 'invalid UTF-8',
      tenant: 'acme',
      sensor: 'fw-acme',
      peer: '127.0.0.1',
    });
  });

  it('TLS: the same over an encrypted connection', async () => {
    const socket = tlsConnect({ port: ports.tls, host: '127.0.0.1', rejectUnauthorized: false });
    await new Promise((r) => socket.once('secureConnect', r));
    socket.end(`${line(701, '198.51.100.70')}\n${line(702, '198.51.100.70')}\n`);
    const events = await readTopic(
      inject('kafkaBrokers'),
      `${ns}.events.v1`,
      2,
      (e) => (e.value['source'] as { ip: string }).ip === '198.51.100.70',
    );
    expect(events).toHaveLength(2);
  });
});
