// Intake's produce queue: publish calls made while a request is in flight share the next
// request; a failed request fails exactly the calls it had not yet acknowledged.
import type { Sensor } from '@soc/ingest';
import { ECS_VERSION, type EcsEvent, topicNames } from '@soc/schema';
import { Counter, componentCounters, createLogger, createRegistry } from '@soc/telemetry';
import type { Producer, TopicMessages } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { Intake, KafkaUnavailableError, type SourcedBatch } from './intake.ts';
import { type PreparedBatch, serialize } from './prepare.ts';

/** A producer that records requests and answers each when told to. */
function producer() {
  const requests: { topicMessages: TopicMessages[]; answer: (err?: Error) => void }[] = [];
  const p = {
    sendBatch: ({ topicMessages }: { topicMessages: TopicMessages[] }) =>
      new Promise((resolve, reject) => {
        requests.push({ topicMessages, answer: (err) => (err ? reject(err) : resolve([])) });
      }),
  };
  return { producer: p as unknown as Producer, requests };
}

function intake(p: Producer, maxRequestBytes = 1_000_000) {
  const registry = createRegistry('test');
  return new Intake({
    producer: p,
    topics: topicNames('t'),
    kafkaTimeoutMs: 60_000,
    maxRequestBytes,
    counters: componentCounters(registry, 'ingest'),
    enriched: new Counter({ name: 'e', help: 'e', labelNames: ['kind'], registers: [registry] }),
    logger: createLogger('test', 'silent'),
  });
}

const event = (n: number): EcsEvent => ({
  '@timestamp': '2026-11-29T10:00:00.000Z',
  ecs: { version: ECS_VERSION },
  event: { id: `e${n}`, kind: 'event', category: ['network'], type: ['info'] },
  organization: { id: 'acme' },
});

function batch(...ids: number[]): SourcedBatch[] {
  const parsed: PreparedBatch = { ...serialize(ids.map(event), {}), rejected: [], lines: ids.length };
  const sensor = { id: 's', tenant: 'acme' } as Sensor;
  return [{ batch: parsed, sensor, format: 'cef', transport: 'http', receivedAt: new Date() }];
}

const ids = (r: { topicMessages: TopicMessages[] }) =>
  r.topicMessages.flatMap((t) => t.messages.map((m) => JSON.parse(String(m.value)).event.id));
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('intake produce queue', () => {
  it('sends what was published during a request in the next one, in order', async () => {
    const { producer: p, requests } = producer();
    const i = intake(p);
    const first = i.publish(batch(1));
    await settle();
    const second = i.publish(batch(2, 3));
    const third = i.publish(batch(4));
    await settle();
    expect(requests.map(ids)).toEqual([['e1']]);
    requests[0]!.answer();
    await first;
    await settle();
    expect(requests.map(ids)).toEqual([['e1'], ['e2', 'e3', 'e4']]);
    requests[1]!.answer();
    await Promise.all([second, third]);
  });

  it('fails the calls a failed request had not acknowledged, and only those', async () => {
    const { producer: p, requests } = producer();
    // room for about two events per request
    const i = intake(p, 2 * (JSON.stringify(event(1)).length + 64));
    const first = i.publish(batch(1));
    await settle();
    const second = i.publish(batch(2, 3));
    const third = i.publish(batch(4));
    requests[0]!.answer();
    await first;
    await settle();
    expect(requests.map(ids)).toEqual([['e1'], ['e2', 'e3']]);
    requests[1]!.answer();
    await second;
    await settle();
    expect(requests.map(ids)).toEqual([['e1'], ['e2', 'e3'], ['e4']]);
    requests[2]!.answer(new Error('broker gone'));
    await expect(third).rejects.toBeInstanceOf(KafkaUnavailableError);
  });
});
