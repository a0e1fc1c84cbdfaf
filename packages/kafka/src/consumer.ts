// A consumer loop with at-least-once delivery: each fetched batch goes to the handler,
// and its offsets are resolved and committed only after the handler's promise resolves
// (alerts produced, rows inserted). A handler that throws leaves the batch uncommitted;
// kafkajs then retries it. `ready` turns true once the group has partitions assigned.

import { type Logger, retry } from '@soc/telemetry';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';

export interface BatchContext {
  topic: string;
  partition: number;
  /** false once shutdown has begun: stop early and let the rest be re-delivered */
  isRunning(): boolean;
}

export interface ConsumerLoopOptions {
  kafka: Kafka;
  groupId: string;
  topic: string;
  fromBeginning: boolean;
  logger: Logger;
  handleBatch(messages: KafkaMessage[], ctx: BatchContext): Promise<void>;
  /** max bytes fetched per partition per request */
  maxBytesPerPartition?: number;
  /** how long a fetch waits for data when there is none */
  maxWaitTimeMs?: number;
  /** aborts start-up retries at shutdown */
  signal?: AbortSignal;
  /**
   * Which offset to commit after a handled batch (the next one to read, by default); null
   * commits nothing yet — for consumers that commit only at their own checkpoints.
   */
  commitOffset?: (partition: number, nextOffset: string) => string | null;
  /** told the partitions of `topic` this member holds after every rebalance */
  onAssignment?: (partitions: number[]) => void;
}

export interface ConsumerLoop {
  consumer: Consumer;
  ready(): boolean;
  stop(): Promise<void>;
}

export async function startConsumerLoop(options: ConsumerLoopOptions): Promise<ConsumerLoop> {
  const consumer = options.kafka.consumer({
    groupId: options.groupId,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 100,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5_000 },
  });
  let assigned = false;
  let crashed = false;
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    assigned = Object.keys(e.payload.memberAssignment).length > 0;
    options.onAssignment?.(e.payload.memberAssignment[options.topic] ?? []);
    options.logger.info(
      { groupId: options.groupId, assignment: e.payload.memberAssignment },
      'joined consumer group',
    );
  });
  consumer.on(consumer.events.CRASH, (e) => {
    crashed = !e.payload.restart;
    options.logger.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
  });
  await retry(
    async () => {
      await consumer.connect();
      await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning });
    },
    {
      retries: 30,
      initialDelayMs: 200,
      maxDelayMs: 5_000,
      signal: options.signal,
      onRetry: (err, attempt) => options.logger.warn({ err, attempt }, 'could not subscribe yet; retrying'),
    },
  );
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
      if (batch.messages.length === 0 || !isRunning() || isStale()) return;
      await options.handleBatch(batch.messages, {
        topic: batch.topic,
        partition: batch.partition,
        isRunning,
      });
      resolveOffset(batch.lastOffset());
      const next = String(Number(batch.lastOffset()) + 1);
      const offset = options.commitOffset ? options.commitOffset(batch.partition, next) : next;
      if (offset !== null) {
        await commitOffsetsIfNecessary({
          topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset }] }],
        });
      }
      await heartbeat();
    },
  });
  return {
    consumer,
    ready: () => assigned && !crashed,
    stop: () => consumer.disconnect(),
  };
}
