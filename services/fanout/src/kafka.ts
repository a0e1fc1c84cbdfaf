// The two Kafka readers of a fan-out instance. Neither commits offsets: positions live in
// the clients' cursors, so every instance reads the whole of both topics with a consumer
// group of its own (a random suffix makes it the group's only member).
//   LiveReader  — tails the alerts and status topics from the given start offsets.
//   RangeReader — reads offset ranges on demand (resumes older than the rings): it joins
//                 once, keeps every partition paused, and for a request seeks the
//                 partition, resumes it until the range is read, then pauses it again.
import { randomBytes } from 'node:crypto';
import { alertSchema } from '@soc/schema';
import { alertMeta, statusEventSchema, type TopicKey } from '@soc/stream';
import type { Logger } from '@soc/telemetry';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { RangeSource } from './hub.ts';
import type { Entry } from './ring.ts';

export type Decoded =
  | { ok: true; entry: Entry }
  | { ok: false; reason: 'invalid_json' | 'invalid_alert' | 'invalid_status' };

/** Parses and validates one message; the raw text is kept for serialising frames without re-encoding. */
export function decodeMessage(kind: TopicKey, partition: number, m: KafkaMessage): Decoded {
  const raw = m.value?.toString('utf8') ?? '';
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'invalid_json' };
  }
  const base = { kind, partition, offset: Number(m.offset), ts: Number(m.timestamp), raw };
  if (kind === 'a') {
    const alert = alertSchema.safeParse(value);
    if (!alert.success) return { ok: false, reason: 'invalid_alert' };
    return { ok: true, entry: { ...base, meta: alertMeta(alert.data) } };
  }
  const status = statusEventSchema.safeParse(value);
  if (!status.success) return { ok: false, reason: 'invalid_status' };
  return { ok: true, entry: { ...base, status: status.data } };
}

export interface Topics {
  a: string;
  s: string;
}

function consumerFor(kafka: Kafka, groupPrefix: string) {
  return kafka.consumer({
    groupId: `${groupPrefix}-${randomBytes(4).toString('hex')}`,
    maxBytesPerPartition: 1_048_576,
    maxWaitTimeInMs: 50,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5_000 },
  });
}

export interface LiveReaderOptions {
  kafka: Kafka;
  groupPrefix: string;
  topics: Topics;
  start: { a: number[]; s: number[] };
  logger: Logger;
  onMessage(kind: TopicKey, partition: number, message: KafkaMessage): void;
}

export async function startLiveReader(
  options: LiveReaderOptions,
): Promise<{ consumer: Consumer; assigned(): boolean; stop(): Promise<void> }> {
  const consumer = consumerFor(options.kafka, options.groupPrefix);
  let assigned = false;
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    assigned = Object.keys(e.payload.memberAssignment).length > 0;
  });
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) assigned = false;
    options.logger.error({ err: e.payload.error, restart: e.payload.restart }, 'live consumer crashed');
  });
  const kindOf = new Map<string, TopicKey>([
    [options.topics.a, 'a'],
    [options.topics.s, 's'],
  ]);
  await consumer.connect();
  await consumer.subscribe({ topics: [options.topics.a, options.topics.s], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, isStale }) => {
      if (isStale()) return;
      const kind = kindOf.get(batch.topic)!;
      for (const m of batch.messages) options.onMessage(kind, batch.partition, m);
    },
  });
  for (const k of ['a', 's'] as const)
    for (const [partition, offset] of options.start[k].entries())
      consumer.seek({ topic: options.topics[k], partition, offset: String(offset) });
  return { consumer, assigned: () => assigned, stop: () => consumer.disconnect() };
}

interface Job {
  kind: TopicKey;
  partition: number;
  next: number;
  to: number;
  entries: Entry[];
  resolve(entries: Entry[]): void;
  timer: NodeJS.Timeout;
}

export interface RangeReaderOptions {
  kafka: Kafka;
  groupPrefix: string;
  topics: Topics;
  partitions: { a: number; s: number };
  logger: Logger;
  timeoutMs?: number;
}

export class RangeReader implements RangeSource {
  private consumer: Consumer | undefined;
  private readonly active = new Map<string, Job>();
  private readonly queued = new Map<string, Job[]>();
  private readonly options: RangeReaderOptions & { timeoutMs: number };

  constructor(options: RangeReaderOptions) {
    this.options = { timeoutMs: 15_000, ...options };
  }

  async start(): Promise<void> {
    const { topics } = this.options;
    const consumer = consumerFor(this.options.kafka, `${this.options.groupPrefix}-replay`);
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.a, topics.s], fromBeginning: true });
    const kindOf = new Map<string, TopicKey>([
      [topics.a, 'a'],
      [topics.s, 's'],
    ]);
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const kind = kindOf.get(batch.topic)!;
        const job = this.active.get(`${kind}${batch.partition}`);
        if (!job) return;
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          if (offset < job.next) continue;
          if (offset >= job.to) break;
          job.next = offset + 1;
          const d = decodeMessage(kind, batch.partition, m);
          if (d.ok) job.entries.push(d.entry);
        }
        if (job.next >= job.to || Number(batch.highWatermark) <= job.next) this.finish(job);
      },
    });
    // partition by partition (pausing a whole topic would be undone by the first per-partition pause)
    const all = (n: number) => Array.from({ length: n }, (_, p) => p);
    consumer.pause([
      { topic: topics.a, partitions: all(this.options.partitions.a) },
      { topic: topics.s, partitions: all(this.options.partitions.s) },
    ]);
  }

  read(kind: TopicKey, partition: number, from: number, to: number): Promise<Entry[]> {
    if (from >= to) return Promise.resolve([]);
    return new Promise((resolve) => {
      const job: Job = {
        kind,
        partition,
        next: from,
        to,
        entries: [],
        resolve,
        timer: undefined as unknown as NodeJS.Timeout,
      };
      const key = `${kind}${partition}`;
      if (this.active.has(key)) {
        const q = this.queued.get(key) ?? [];
        q.push(job);
        this.queued.set(key, q);
      } else this.begin(job);
    });
  }

  private begin(job: Job): void {
    const key = `${job.kind}${job.partition}`;
    const topic = this.options.topics[job.kind];
    this.active.set(key, job);
    job.timer = setTimeout(() => {
      this.options.logger.warn(
        { topic, partition: job.partition, next: job.next, to: job.to },
        'range read timed out',
      );
      this.finish(job);
    }, this.options.timeoutMs);
    this.consumer!.seek({ topic, partition: job.partition, offset: String(job.next) });
    this.consumer!.resume([{ topic, partitions: [job.partition] }]);
  }

  private finish(job: Job): void {
    const key = `${job.kind}${job.partition}`;
    if (this.active.get(key) !== job) return;
    clearTimeout(job.timer);
    this.active.delete(key);
    this.consumer!.pause([{ topic: this.options.topics[job.kind], partitions: [job.partition] }]);
    job.resolve(job.entries);
    const next = this.queued.get(key)?.shift();
    if (next) this.begin(next);
  }

  async stop(): Promise<void> {
    for (const job of this.active.values()) this.finish(job);
    await this.consumer?.disconnect();
  }
}
