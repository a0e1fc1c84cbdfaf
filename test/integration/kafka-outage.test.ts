// Kafka stopped mid-stream: every line acknowledged before the stop is in Kafka after the
// restart; during the outage HTTP clients get 503 + Retry-After and TCP syslog senders are
// paused (ingest stops reading); after it, the held syslog lines arrive too.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { join } from 'node:path';
import {
  freePort,
  nativeStack,
  REPO_ROOT,
  type RunningService,
  startServices,
  stopServices,
  writeSensorsFile,
} from '@soc/devkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTopic } from '../harness/kafka.ts';

const ns = `out${randomBytes(4).toString('hex')}`;
const dir = join(REPO_ROOT, 'test-results', 'logs', ns);
const line = (src: string, port: number) =>
  `<4>1 2026-11-29T10:00:00.000Z fw01 kernel - - - [UFW BLOCK] IN=eth0 OUT= SRC=${src} DST=10.0.0.1 LEN=40 PROTO=TCP SPT=1 DPT=${port}`;
let ingest: RunningService;
let tcpPort: number;

const post = (lines: string[]) =>
  fetch(`${ingest.url}/v1/logs?format=iptables`, {
    method: 'POST',
    body: `${lines.join('\n')}\n`,
    headers: { authorization: 'Bearer outage' },
  });
const paused = async () =>
  (await (await fetch(`${ingest.url}/metrics`)).text()).match(
    /^soc_ingest_syslog_paused(?:\{[^}]*\})? (\d)/m,
  )?.[1];

beforeAll(async () => {
  if (inject('stackSource') !== 'native') {
    throw new Error(
      'this test stops and restarts Kafka: it needs the native stack (unset KAFKA_BROKERS/CLICKHOUSE_URL)',
    );
  }
  tcpPort = await freePort();
  ingest = (
    await startServices({
      services: ['ingest'],
      env: {
        KAFKA_BROKERS: inject('kafkaBrokers'),
        SOC_TOPIC_NAMESPACE: ns,
        INGEST_SENSORS_FILE: writeSensorsFile(dir, [
          { id: 'fw', tenant: 'acme', token: 'outage', syslog_sources: ['127.0.0.1/32'] },
        ]),
        INGEST_KAFKA_TIMEOUT_MS: '2000',
        INGEST_SYSLOG_UDP_PORT: '0',
        INGEST_SYSLOG_TCP_PORT: String(tcpPort),
        INGEST_SYSLOG_FORMAT: 'iptables',
        INGEST_SYSLOG_MAX_PENDING_LINES: '5000',
      },
      logDir: dir,
    })
  ).ingest;
});
afterAll(async () => {
  if (ingest) await stopServices([ingest]);
});

describe('Kafka outage', () => {
  it('loses nothing acknowledged, answers 503 meanwhile, and pauses TCP senders', async () => {
    const before = Array.from({ length: 200 }, (_, i) => line('198.51.100.80', i + 1));
    expect((await post(before)).status).toBe(200);

    const socket = connect(tcpPort, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.on('error', () => {});
    let written = 0;
    const write = (n: number) => {
      let chunk = '';
      for (let i = 0; i < n; i++) chunk += `${line('198.51.100.81', (written++ % 60000) + 1)}\n`;
      socket.write(chunk);
    };
    write(100);

    nativeStack('kafka-stop');
    try {
      const during = await post([line('198.51.100.82', 1)]);
      expect(during.status).toBe(503);
      expect(Number(during.headers.get('retry-after'))).toBeGreaterThan(0);

      // keep sending over TCP: ingest stops reading, so the data piles up on the sender
      for (let i = 0; i < 150; i++) write(1000); // ~20 MB: more than the kernel's socket buffers hold
      await expect.poll(paused, { timeout: 15_000 }).toBe('1');
      await new Promise((r) => setTimeout(r, 1000));
      expect(socket.writableLength).toBeGreaterThan(0);
    } finally {
      nativeStack('kafka-start');
    }

    await expect.poll(paused, { timeout: 60_000, interval: 500 }).toBe('0');
    socket.end();
    const after = Array.from({ length: 50 }, (_, i) => line('198.51.100.83', i + 1));
    await expect.poll(async () => (await post(after)).status, { timeout: 30_000, interval: 1000 }).toBe(200);

    const brokers = inject('kafkaBrokers');
    const src = (m: { value: Record<string, unknown> }) => (m.value['source'] as { ip: string }).ip;
    const acked = await readTopic(
      brokers,
      `${ns}.events.v1`,
      before.length,
      (m) => src(m) === '198.51.100.80',
      60_000,
    );
    expect(new Set(acked.map((m) => (m.value['destination'] as { port: number }).port)).size).toBe(
      before.length,
    );
    const held = await readTopic(
      brokers,
      `${ns}.events.v1`,
      written,
      (m) => src(m) === '198.51.100.81',
      90_000,
    );
    expect(held).toHaveLength(written);
    await readTopic(brokers, `${ns}.events.v1`, after.length, (m) => src(m) === '198.51.100.83', 30_000);
  });
});
