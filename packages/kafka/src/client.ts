// kafkajs adapters: one client per service with its log lines routed to pino, an
// idempotent acks=all producer, and topic creation at start.

import type { Logger } from '@soc/telemetry';
import { type Admin, Kafka, type KafkaConfig, logLevel, type Producer } from 'kafkajs';
import { FastDefaultPartitioner } from './partitioner.ts';

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** how long to wait for a broker connection before failing a request */
  connectionTimeoutMs?: number;
  /** retries for a single request inside kafkajs */
  retries?: number;
}

export function createKafka(options: KafkaOptions): Kafka {
  const log = options.logger.child({ component: 'kafkajs' });
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: 30_000,
    retry: { retries: options.retries ?? 5, initialRetryTime: 100, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }) => {
        const { message, ...rest } = entry;
        if (level === logLevel.ERROR) log.error(rest, message);
        else if (level === logLevel.WARN) log.warn(rest, message);
        else log.debug(rest, message);
      },
  };
  return new Kafka(config);
}

/** An idempotent producer: acks from all in-sync replicas, no duplicates on retry. */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: FastDefaultPartitioner,
  });
}

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  configEntries?: { name: string; value: string }[];
}

/** Waits until every partition of the topics has a leader (a topic another client just created may not yet). */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      if (meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline)
      throw new Error(`topics ${topics.join(', ')} have no leaders after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Creates the topics that do not exist yet, leaves existing ones alone, and waits until all have leaders. */
export async function ensureTopics(kafka: Kafka, topics: TopicSpec[]): Promise<void> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((t) => ({ ...t, replicationFactor: -1 })),
        });
      } catch (err) {
        // another service created them at the same moment: fine, as long as they exist now
        const now = new Set(await admin.listTopics());
        if (!missing.every((t) => now.has(t.topic))) throw err;
      }
    }
    await waitForLeaders(
      admin,
      topics.map((t) => t.topic),
    );
  } finally {
    await admin.disconnect();
  }
}
