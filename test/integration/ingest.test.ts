// The ingest HTTP API against the real Kafka broker: accepted lines are on the events
// topic, rejected ones on the DLQ with their reason, and every kind of bad request gets a
// clear status and message.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { REPO_ROOT, type RunningService, startServices, stopServices } from '@soc/devkit';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postLines } from '../harness/pipeline.ts';

const ns = `it${randomBytes(4).toString('hex')}`;
const good = (port: number) =>
  `<4>1 2026-11-29T10:00:00.000Z fw01 kernel - - - [UFW BLOCK] IN=eth0 OUT= SRC=192.0.2.1 DST=10.0.0.1 LEN=40 PROTO=TCP SPT=1 DPT=${port}`;
let ingest: RunningService;

async function readTopic(
  topic: string,
  count: number,
): Promise<{ key: string; value: Record<string, unknown> }[]> {
  const kafka = new Kafka({ brokers: inject('kafkaBrokers').split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `${ns}-reader-${topic}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const out: { key: string; value: Record<string, unknown> }[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`only ${out.length} of ${count} messages on ${topic}`)),
      20_000,
    );
    void consumer.run({
      eachMessage: async ({ message }) => {
        out.push({ key: String(message.key), value: JSON.parse(String(message.value)) });
        if (out.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return out;
}

beforeAll(async () => {
  const services = await startServices({
    services: ['ingest'],
    env: {
      KAFKA_BROKERS: inject('kafkaBrokers'),
      SOC_TOPIC_NAMESPACE: ns,
      INGEST_TENANT: 'tenant-a',
      INGEST_MAX_BODY_BYTES: '4096',
      INGEST_MAX_LINE_BYTES: '512',
    },
    logDir: join(REPO_ROOT, 'test-results', 'logs', ns),
  });
  ingest = services.ingest;
});
afterAll(async () => {
  if (ingest) expect(await stopServices([ingest])).toEqual({ ingest: 0 });
});

describe('POST /v1/logs', () => {
  it('puts accepted lines on the events topic and rejected ones on the DLQ, after Kafka acknowledged', async () => {
    const { status, body } = await postLines(ingest.url, 'iptables', [
      good(22),
      'x'.repeat(600),
      'hello',
      good(23),
    ]);
    expect(status).toBe(200);
    expect(body).toMatchObject({ accepted: 2, rejected: 2 });
    expect(body.errors).toEqual([
      { line: 2, reason: 'line too long: 600 bytes, limit 512' },
      { line: 3, reason: expect.stringMatching(/^syntax: /) },
    ]);
    const events = await readTopic(`${ns}.events.v1`, 2);
    expect(events.map((e) => (e.value['destination'] as { port: number }).port).sort()).toEqual([22, 23]);
    expect(events[0]).toMatchObject({
      key: 'tenant-a|192.0.2.1',
      value: { organization: { id: 'tenant-a' } },
    });
    const dlq = await readTopic(`${ns}.dlq.v1`, 2);
    expect(dlq.map((d) => d.value['line']).sort()).toEqual([2, 3]);
    expect(dlq.find((d) => d.value['line'] === 3)?.value).toMatchObject({
      tenant: 'tenant-a',
      format: 'iptables',
      raw: 'hello',
      transport: 'http',
    });
  });

  it('answers every bad request with a clear status and reason', async () => {
    const unknown = await fetch(`${ingest.url}/v1/logs?format=nope`, { method: 'POST', body: 'x' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toContain('iptables');
    expect((await fetch(`${ingest.url}/v1/logs?format=iptables`)).status).toBe(405);
    const gz = await fetch(`${ingest.url}/v1/logs?format=iptables`, {
      method: 'POST',
      body: 'x',
      headers: { 'content-encoding': 'br' },
    });
    expect(gz.status).toBe(415);
    const big = await fetch(`${ingest.url}/v1/logs?format=iptables`, {
      method: 'POST',
      body: `${good(1)}\n`.repeat(100),
    });
    expect(big.status).toBe(413);
    const allBad = await postLines(ingest.url, 'suricata-eve', ['{"truncated":', 'not json']);
    expect(allBad.status).toBe(422);
    expect(allBad.body.errors.map((e) => e.line)).toEqual([1, 2]);
    const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
    expect(metrics).toMatch(/soc_ingest_dropped_total\{reason="syntax"[^}]*\} [1-9]/);
  });
});
