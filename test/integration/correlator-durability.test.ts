// The correlator under failure and scale-out, against the real Kafka broker: after a kill -9
// mid-stream and a restart, the set of alerts equals the uninterrupted run's; two instances
// on six partitions raise exactly the alerts of one.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  freePort,
  REPO_ROOT,
  type RunningService,
  startService,
  startServices,
  stopServices,
  waitReady,
  writeSensorsFile,
} from '@soc/devkit';
import { backgroundLines, portScanLines, rng } from '@soc/traffic';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { readTopic } from '../harness/kafka.ts';

const T0 = Date.UTC(2026, 10, 29, 9, 0, 0);
const started: RunningService[] = [];

/** 12 scans from different sources, spread over 4 minutes of event time, in background traffic. */
function traffic(): string[][] {
  const random = rng(11);
  const batches: string[][] = [];
  for (let b = 0; b < 24; b++) {
    const at = new Date(T0 + b * 10_000);
    const lines = backgroundLines(400, at, random);
    if (b % 2 === 0)
      lines.push(
        ...portScanLines(
          `203.0.113.${100 + b}`,
          '10.0.0.9',
          Array.from({ length: 24 }, (_, i) => 2000 + i),
          at,
          300,
        ),
      );
    batches.push(lines);
  }
  batches.push(backgroundLines(50, new Date(T0 + 300_000), random)); // moves the watermark past the last scan
  return batches;
}

async function pipeline(ns: string) {
  const dir = join(REPO_ROOT, 'test-results', 'logs', ns);
  const env = {
    KAFKA_BROKERS: inject('kafkaBrokers'),
    SOC_TOPIC_NAMESPACE: ns,
    INGEST_SENSORS_FILE: writeSensorsFile(dir, [{ id: 's', tenant: 'acme', token: 'tok' }]),
    INGEST_SYSLOG_UDP_PORT: '0',
    INGEST_SYSLOG_TCP_PORT: '0',
    CORRELATOR_GROUP_ID: `${ns}-correlator`,
    CORRELATOR_ALLOWED_LATENESS_MS: '1000',
    CORRELATOR_CHECKPOINT_INTERVAL_MS: '200',
    CORRELATOR_IDLE_ADVANCE_MS: '600000',
  };
  const { ingest } = await startServices({ services: ['ingest'], env, logDir: dir });
  started.push(ingest);
  const correlator = async () => {
    const s = await startService('correlator', await freePort(), { env, logDir: dir });
    started.push(s);
    await waitReady(s, 60_000);
    return s;
  };
  const post = async (lines: string[]) => {
    const res = await fetch(`${ingest.url}/v1/logs?format=iptables`, {
      method: 'POST',
      body: lines.join('\n'),
      headers: { authorization: 'Bearer tok' },
    });
    expect(res.status).toBe(200);
  };
  return { ns, correlator, post };
}

async function alertKeys(ns: string, count: number): Promise<string[]> {
  const alerts = await readTopic(inject('kafkaBrokers'), `${ns}.alerts.v1`, count, () => true, 60_000);
  return [...new Set(alerts.map((a) => `${a.value['id']}#${a.value['revision']}`))].sort();
}

const received = async (s: RunningService) =>
  Number(
    (await (await fetch(`${s.url}/metrics`)).text()).match(
      /^soc_correlator_received_total(?:\{[^}]*\})? (\d+)/m,
    )?.[1] ?? 0,
  );

afterAll(async () => {
  await stopServices(started);
});

describe('correlator durability and scale-out', () => {
  const batches = traffic();
  const total = batches.reduce((n, b) => n + b.length, 0);
  let reference: string[] = [];

  it('uninterrupted run (reference)', async () => {
    const p = await pipeline(`ref${randomBytes(3).toString('hex')}`);
    const c = await p.correlator();
    for (const b of batches) await p.post(b);
    await expect.poll(() => received(c), { timeout: 60_000 }).toBe(total);
    // 12 scans: each an alert and, as ports keep coming, revisions of it
    const all = await readTopic(
      inject('kafkaBrokers'),
      `${p.ns}.alerts.v1`,
      12,
      (a) => a.value['revision'] === 0,
      60_000,
    );
    expect(all).toHaveLength(12);
    await new Promise((r) => setTimeout(r, 1000)); // let the revisions arrive
    reference = await alertKeysAll(p.ns);
    expect(reference.length).toBeGreaterThan(12);
  });

  it('kill -9 mid-stream and restart: the same set of alerts', async () => {
    const p = await pipeline(`kill${randomBytes(3).toString('hex')}`);
    let c = await p.correlator();
    for (const b of batches.slice(0, 13)) await p.post(b);
    await expect.poll(() => received(c), { timeout: 60_000 }).toBeGreaterThan(2000);
    c.process.kill('SIGKILL');
    await c.exited;
    for (const b of batches.slice(13)) await p.post(b);
    c = await p.correlator();
    await expect
      .poll(async () => (await alertKeysAll(p.ns)).length, { timeout: 60_000, interval: 1000 })
      .toBeGreaterThanOrEqual(reference.length);
    expect(await alertKeysAll(p.ns)).toEqual(reference);
  });

  it('two instances on six partitions raise exactly the alerts of one', async () => {
    const p = await pipeline(`two${randomBytes(3).toString('hex')}`);
    await Promise.all([p.correlator(), p.correlator()]);
    for (const b of batches) await p.post(b);
    await expect
      .poll(async () => (await alertKeysAll(p.ns)).length, { timeout: 60_000, interval: 1000 })
      .toBeGreaterThanOrEqual(reference.length);
    expect(await alertKeysAll(p.ns)).toEqual(reference);
  });
});

/** Every alert on the topic so far (id#revision, deduplicated), read to the end. */
async function alertKeysAll(ns: string): Promise<string[]> {
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({ brokers: inject('kafkaBrokers').split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(`${ns}.alerts.v1`);
  await admin.disconnect();
  const count = offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  if (count === 0) return [];
  return alertKeys(ns, count);
}
