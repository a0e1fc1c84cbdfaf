// Reads messages from a topic with a throwaway consumer group, for assertions.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

export interface Read {
  key: string;
  value: Record<string, unknown>;
}

/** The first `count` messages (from the beginning) that pass `filter`; fails after the timeout. */
export async function readTopic(
  brokers: string,
  topic: string,
  count: number,
  filter: (m: Read) => boolean = () => true,
  timeoutMs = 20_000,
): Promise<Read[]> {
  const kafka = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `reader-${randomBytes(6).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const out: Read[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${out.length} of ${count} messages on ${topic}`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          const m = {
            key: String(message.key),
            value: JSON.parse(String(message.value)) as Record<string, unknown>,
          };
          if (!filter(m) || out.length >= count) return;
          out.push(m);
          if (out.length === count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
