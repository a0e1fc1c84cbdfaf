import { componentCounters, createLogger, createRegistry } from '@soc/telemetry';
import fc from 'fast-check';
import type { Producer, ProducerBatch } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { Outbox } from './publish.ts';

/** A producer standing in for the broker in this unit test: records requests, fails when told. */
function fakeProducer(opts: { failFirst?: number; delayMs?: number } = {}) {
  const requests: ProducerBatch[] = [];
  let failures = opts.failFirst ?? 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const producer = {
    async sendBatch(batch: ProducerBatch) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, opts.delayMs ?? 1));
      inFlight--;
      if (failures > 0) {
        failures--;
        throw new Error('broker unavailable');
      }
      requests.push(batch);
      return [];
    },
  } as unknown as Producer;
  return { producer, requests, maxInFlight: () => maxInFlight };
}

function outbox(producer: Producer, maxQueued?: number) {
  const logger = createLogger('test', 'silent');
  const counters = componentCounters(createRegistry('test'), 'test');
  return new Outbox({ producer, counters, logger, signal: new AbortController().signal, maxQueued });
}

const sent = (requests: ProducerBatch[]) =>
  requests.flatMap((r) =>
    (r.topicMessages ?? []).flatMap((t) => t.messages.map((m) => `${t.topic}:${m.value}`)),
  );

describe('Outbox', () => {
  it('sends everything pushed, in push order per topic, one request at a time', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.tuple(fc.constantFrom('a', 'b'), fc.nat(999)), { maxLength: 5 }), {
          maxLength: 12,
        }),
        async (pushes) => {
          const { producer, requests, maxInFlight } = fakeProducer();
          const box = outbox(producer);
          const acked: number[] = [];
          pushes.forEach((msgs, i) => {
            box.push(
              ['a', 'b'].map((topic) => ({
                topic,
                messages: msgs.filter(([t]) => t === topic).map(([, v]) => ({ value: `${i}.${v}` })),
              })),
              (ok) => ok && acked.push(i),
            );
          });
          await box.drain();
          const expected = (topic: string) =>
            pushes.flatMap((msgs, i) =>
              msgs.filter(([t]) => t === topic).map(([, v]) => `${topic}:${i}.${v}`),
            );
          const got = sent(requests);
          expect(got.filter((s) => s.startsWith('a:'))).toEqual(expected('a'));
          expect(got.filter((s) => s.startsWith('b:'))).toEqual(expected('b'));
          expect(acked).toEqual(pushes.map((_, i) => i));
          expect(maxInFlight()).toBeLessThanOrEqual(1);
          expect(box.queuedMessages).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('merges what queued up while a request was on the wire into the next request', async () => {
    const { producer, requests } = fakeProducer({ delayMs: 20 });
    const box = outbox(producer);
    for (let i = 0; i < 10; i++) box.push([{ topic: 'a', messages: [{ value: String(i) }] }]);
    await box.drain();
    expect(sent(requests)).toEqual(Array.from({ length: 10 }, (_, i) => `a:${i}`));
    expect(requests.length).toBe(2); // the first push alone, then the nine that waited for it
  });

  it('resends a request Kafka did not acknowledge, and drain waits for it', async () => {
    const { producer, requests } = fakeProducer({ failFirst: 1 });
    const box = outbox(producer);
    box.push([{ topic: 'a', messages: [{ value: 'x' }] }]);
    await box.drain();
    expect(sent(requests)).toEqual(['a:x']);
  });

  it('makes batches wait while more than its limit is queued', async () => {
    const { producer } = fakeProducer({ delayMs: 30 });
    const box = outbox(producer, 5);
    box.push([{ topic: 'a', messages: Array.from({ length: 10 }, (_, i) => ({ value: String(i) })) }]);
    expect(box.queuedMessages).toBe(10);
    let roomAt = -1;
    await box.room().then(() => {
      roomAt = box.queuedMessages;
    });
    expect(roomAt).toBeLessThanOrEqual(5);
  });
});
