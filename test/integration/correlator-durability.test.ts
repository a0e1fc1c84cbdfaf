// The correlator under failure and scale-out, against the real Kafka broker: after a kill -9
// mid-stream and a restart, the set of alerts equals the uninterrupted run's; so it does when
// a second instance joins mid-stream; two instances on six partitions raise exactly the
// alerts of one. The traffic exercises both stages:
// port scans (grouped by source, run where the events are) and a DDoS against one
// destination and sensors going silent (grouped by destination and by sensor, repartitioned).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
import { backgroundLines, iptablesLine, portScanLines, rng } from '@soc/traffic';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { readTopic } from '../harness/kafka.ts';

const T0 = Date.UTC(2026, 10, 29, 9, 0, 0);
const started: RunningService[] = [];

const PORT_SCAN = 'Port scan from one source';
const DDOS = 'Distributed denial of service against one destination';
const SILENT = 'Sensor gone silent';

/**
 * 12 scans from different sources, spread over 4 minutes of event time, in background
 * traffic; a DDoS (150 sources denied to one address within 1.5 s); a second sensor that
 * logs for the first minute only; then, 15 minutes on, traffic that moves every partition's
 * watermark past the scans and the sensors' silence.
 */
function traffic(): string[][] {
  const random = rng(11);
  const batches: string[][] = [];
  for (let b = 0; b < 24; b++) {
    const at = new Date(T0 + b * 10_000);
    const lines = backgroundLines(400, at, random);
    if (b < 6)
      lines.push(
        iptablesLine({
          time: new Date(at.getTime() + 5000),
          source: '10.9.0.1',
          destination: '10.0.0.2',
          port: 53,
          observer: 'fw-branch',
        }),
      );
    if (b === 7)
      for (let i = 0; i < 150; i++)
        lines.push(
          iptablesLine({
            time: new Date(at.getTime() + 2000 + i * 10),
            source: `100.64.${Math.floor(i / 100)}.${1 + (i % 100)}`,
            destination: '10.0.0.50',
            port: 80,
          }),
        );
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
  batches.push(backgroundLines(300, new Date(T0 + 900_000), random));
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

const checkpointsSaved = async (s: RunningService) =>
  Number(
    (await (await fetch(`${s.url}/metrics`)).text()).match(
      /^soc_correlator_checkpoint_seconds_count\{[^}]*stage="events"[^}]*step="save"[^}]*\} (\d+)/m,
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
    // 12 scans: each an alert and, as ports keep coming, revisions of it; one DDoS; two
    // sensors silent (the branch one after its first minute, the main one before the jump)
    const first = (a: { value: Record<string, unknown> }) => a.value['revision'] === 0;
    const rule = (a: { value: Record<string, unknown> }) => (a.value['rule'] as { name: string }).name;
    const all = await readTopic(
      inject('kafkaBrokers'),
      `${p.ns}.alerts.v1`,
      15,
      (a) => first(a) && [PORT_SCAN, DDOS, SILENT].includes(rule(a)),
      60_000,
    );
    expect(all.filter((a) => rule(a) === PORT_SCAN)).toHaveLength(12);
    expect(all.filter((a) => rule(a) === DDOS).map((a) => a.value['group'])).toEqual([
      { 'destination.ip': '10.0.0.50' },
    ]);
    expect(
      all
        .filter((a) => rule(a) === SILENT)
        .map((a) => (a.value['group'] as Record<string, string>)['observer.name'])
        .sort(),
    ).toEqual(['fw-branch', 'fw-demo']);
    // the admin API says which rules are repartitioned, and finds their state
    const rules = (await (await fetch(`${c.url}/v1/rules`)).json()) as {
      repartitioned: { key: string; rules: string[] }[];
    };
    expect(rules.repartitioned.map((u) => u.key).sort()).toEqual([
      'cross-tenant|source.ip',
      'rules:1c1c3058-fb2d-4150-8983-9fd8621d7ab2',
      'tenant|destination.ip',
      'tenant|observer.name',
    ]);
    const state = await (
      await fetch(`${c.url}/v1/rules/ddos_many_sources/state?tenant=acme&group=10.0.0.50`)
    ).json();
    expect(state).toMatchObject({ repartitioned: true, repartition_partition: expect.any(Number) });
    await new Promise((r) => setTimeout(r, 1000)); // let the revisions arrive
    reference = await alertKeysAll(p.ns);
    expect(reference.length).toBeGreaterThan(15);
  });

  it('kill -9 mid-stream and restart: the same set of alerts', async () => {
    const p = await pipeline(`kill${randomBytes(3).toString('hex')}`);
    let c = await p.correlator();
    for (const b of batches.slice(0, 13)) await p.post(b);
    await expect.poll(() => received(c), { timeout: 60_000 }).toBeGreaterThan(2000);
    // checkpoints are saved in the background: kill once some exist, mid-stream
    await expect.poll(() => checkpointsSaved(c), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
    c.process.kill('SIGKILL');
    await c.exited;
    for (const b of batches.slice(13)) await p.post(b);
    c = await p.correlator();
    await expect
      .poll(async () => (await alertKeysAll(p.ns)).length, { timeout: 60_000, interval: 1000 })
      .toBeGreaterThanOrEqual(reference.length);
    expect(await alertKeysAll(p.ns)).toEqual(reference);
    // the restart went through checkpoints (restored state, skipped input), not a replay from zero
    const log = readFileSync(join(REPO_ROOT, 'test-results', 'logs', p.ns, 'correlator.log'), 'utf8');
    expect(log).toContain('correlation state restored');
  });

  it('a second instance joining mid-stream (partitions moving while checkpoints are saved) changes nothing', async () => {
    const p = await pipeline(`join${randomBytes(3).toString('hex')}`);
    const first = await p.correlator();
    for (const b of batches.slice(0, 10)) await p.post(b);
    await expect.poll(() => received(first), { timeout: 60_000 }).toBeGreaterThan(1500);
    await p.correlator();
    for (const b of batches.slice(10)) await p.post(b);
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
