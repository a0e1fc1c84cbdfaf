// Durable correlation state. Each input partition's engine state is written, with the input
// offset it reflects, to the same-numbered partition of a compacted state topic, in chunks
// (a checkpoint can exceed Kafka's message size) followed by a manifest; the chunks of the
// previous checkpoint are then deleted (tombstones). Only then is the input offset committed,
// so the committed offset is never ahead of a checkpoint. On assignment, the newest manifest
// with all its chunks is restored and input before its offset is skipped: replaying from
// there gives exactly the alerts of an uninterrupted run (same ids), whatever was lost.
import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';
import { splitRequests } from '@soc/kafka';
import { type Logger, retry } from '@soc/telemetry';
import type { Kafka, Message, Producer } from 'kafkajs';
import { stringifyInSlices } from './json-slices.ts';

const CHUNK_BYTES = 512 * 1024;
// compressed on the thread pool: a large state would otherwise hold up the event loop
const gzipAsync = promisify(gzip);

export interface Checkpoint {
  offset: string;
  state: unknown;
}

interface Manifest {
  epoch: number;
  chunks: number;
  offset: string;
}

export class CheckpointStore {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly topic: string;
  private readonly owner: string;
  private readonly logger: Logger;
  private readonly epochs = new Map<number, Manifest>();

  constructor(kafka: Kafka, producer: Producer, topic: string, owner: string, logger: Logger) {
    this.kafka = kafka;
    this.producer = producer;
    this.topic = topic;
    this.owner = owner;
    this.logger = logger;
  }

  /**
   * Saves a partition's state (JSON text) with the input offset it reflects: the chunks, the
   * manifest naming them, then tombstones for the previous checkpoint's chunks, all on one
   * partition in that order, in as few requests as the size limit allows (usually one).
   */
  async save(partition: number, offset: string, json: string): Promise<number> {
    const previous = this.epochs.get(partition);
    const epoch = (previous?.epoch ?? 0) + 1;
    const data = await gzipAsync(json, { level: 1 });
    const messages: Message[] = [];
    for (let i = 0; i * CHUNK_BYTES < data.length; i++)
      messages.push({
        partition,
        key: `${this.owner}|${partition}|${epoch}|${i}`,
        value: data.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES),
      });
    const manifest: Manifest = { epoch, chunks: messages.length, offset };
    messages.push({ partition, key: `${this.owner}|${partition}|manifest`, value: JSON.stringify(manifest) });
    for (let i = 0; i < (previous?.chunks ?? 0); i++)
      messages.push({ partition, key: `${this.owner}|${partition}|${previous!.epoch}|${i}`, value: null });
    for (const request of splitRequests([{ topic: this.topic, messages }]))
      await this.producer.sendBatch({ acks: -1, topicMessages: request });
    this.epochs.set(partition, manifest);
    return data.length;
  }

  /** Reads the state topic to its end and returns the newest complete checkpoint per partition. */
  async loadAll(): Promise<Map<number, Checkpoint>> {
    const admin = this.kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(this.topic);
    await admin.disconnect();
    const remaining = new Map(
      ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, Number(e.high)]),
    );
    const manifests = new Map<number, Manifest>();
    const chunks = new Map<string, Buffer | null>();
    if (remaining.size > 0) {
      const consumer = this.kafka.consumer({ groupId: `${this.owner}-restore-${process.pid}-${Date.now()}` });
      await consumer.connect();
      await consumer.subscribe({ topic: this.topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ partition, message }) => {
              const key = message.key?.toString() ?? '';
              if (key.startsWith(`${this.owner}|`)) {
                if (key.endsWith('|manifest')) {
                  if (message.value)
                    manifests.set(partition, JSON.parse(message.value.toString()) as Manifest);
                } else chunks.set(key, message.value);
              }
              if (Number(message.offset) + 1 >= (remaining.get(partition) ?? 0)) remaining.delete(partition);
              if (remaining.size === 0) resolve();
            },
          })
          .catch(reject);
      });
      await consumer.disconnect();
    }
    const out = new Map<number, Checkpoint>();
    for (const [partition, m] of manifests) {
      const parts = Array.from({ length: m.chunks }, (_, i) =>
        chunks.get(`${this.owner}|${partition}|${m.epoch}|${i}`),
      );
      if (parts.some((p) => !p)) {
        this.logger.error(
          { partition, epoch: m.epoch },
          'checkpoint incomplete; the partition starts from its committed offset with empty state',
        );
        continue;
      }
      out.set(partition, {
        offset: m.offset,
        state: JSON.parse(gunzipSync(Buffer.concat(parts as Buffer[])).toString()),
      });
      this.epochs.set(partition, m);
    }
    return out;
  }
}

export interface PartitionStateHooks {
  /** a copy of the partition's state as plain JSON data (sharing nothing that changes later), or null when there is none yet */
  snapshot(partition: number): unknown;
  restore(partition: number, state: unknown): void;
  drop(partition: number): void;
  /** resolves once the outputs of all input so far are on Kafka (before a state is saved) */
  flush(): Promise<void>;
}

/** Told how long checkpoints take: taking the state (the event loop is held) and saving it. */
export interface CheckpointObserver {
  captured(partition: number, seconds: number): void;
  saved(partition: number, seconds: number, compressedBytes: number): void;
}

/** A partition's state taken between two batches (a copy: later input does not change it), to be saved. */
export interface Capture {
  partition: number;
  offset: string;
  state: unknown;
}

/**
 * Which partitions a consumer holds and how far their state reaches: restores checkpoints
 * on assignment, says which re-delivered input the restored state already reflects, and
 * saves a checkpoint every interval, returning the offset that may then be committed.
 */
export class CheckpointedPartitions {
  private readonly store: CheckpointStore;
  private readonly intervalMs: number;
  private readonly hooks: PartitionStateHooks;
  private readonly logger: Logger;
  private readonly signal: AbortSignal;
  private readonly observer: CheckpointObserver | undefined;
  /** per held partition: offsets below this were applied by the restored checkpoint */
  private readonly skipBelow = new Map<number, number>();
  private readonly lastCheckpoint = new Map<number, number>();
  /** per partition: the save in progress */
  private readonly saving = new Map<number, Promise<string | null>>();
  private readonly since = new Map<number, number>();
  private restoring: Promise<void> | null = null;
  held = new Set<number>();

  constructor(
    store: CheckpointStore,
    intervalMs: number,
    hooks: PartitionStateHooks,
    logger: Logger,
    signal: AbortSignal,
    observer?: CheckpointObserver,
  ) {
    this.observer = observer;
    this.store = store;
    this.intervalMs = intervalMs;
    this.hooks = hooks;
    this.logger = logger;
    this.signal = signal;
  }

  /** The partitions this member now holds: forget the others, restore the new ones. */
  onAssignment(partitions: number[]): void {
    const now = new Set(partitions);
    for (const p of this.held)
      if (!now.has(p)) {
        this.hooks.drop(p);
        this.since.delete(p);
      }
    const added = partitions.filter((p) => !this.held.has(p));
    for (const p of added) {
      this.since.set(p, Date.now());
      // partitions' checkpoints spread over the interval rather than all due at once
      this.lastCheckpoint.set(p, Date.now() - ((p * 0.618) % 1) * this.intervalMs);
    }
    this.held = now;
    if (added.length > 0) this.restoring = this.restore(added);
  }

  /** When this member was given the partition (processing time). */
  heldSince(partition: number): number {
    return this.since.get(partition) ?? Date.now();
  }

  /** Resolves once the state of newly assigned partitions is restored. */
  async ready(): Promise<void> {
    if (this.restoring) await this.restoring;
  }

  /** True for input the restored state already reflects. */
  skip(partition: number, offset: string): boolean {
    return Number(offset) < (this.skipBelow.get(partition) ?? -1);
  }

  private async restore(partitions: number[]): Promise<void> {
    const checkpoints = await retry(() => this.store.loadAll(), {
      retries: 1000,
      retriable: () => true,
      initialDelayMs: 500,
      maxDelayMs: 5000,
      signal: this.signal,
      onRetry: (err) => this.logger.warn({ err }, 'cannot read checkpoints yet; retrying'),
    });
    for (const p of partitions) {
      const cp = checkpoints.get(p);
      if (!cp) continue;
      try {
        this.hooks.restore(p, cp.state);
        this.skipBelow.set(p, Number(cp.offset));
        this.logger.info({ partition: p, offset: cp.offset }, 'correlation state restored');
      } catch (err) {
        this.logger.error(
          { err, partition: p },
          'checkpoint unreadable; starting the partition with empty state',
        );
      }
    }
  }

  /**
   * After a batch: the state to save when the partition's checkpoint is due (or forced),
   * taken now as a copy, so later input cannot change it; else null. Not due while the
   * partition's previous checkpoint is still being saved.
   */
  capture(partition: number, nextOffset: string, force = false): Capture | null {
    if (!force && this.saving.has(partition)) return null;
    const last = this.lastCheckpoint.get(partition) ?? 0;
    if (!force && Date.now() - last < this.intervalMs) return null;
    const started = performance.now();
    const state = this.hooks.snapshot(partition);
    if (state === null) return null;
    this.observer?.captured(partition, (performance.now() - started) / 1000);
    return { partition, offset: nextOffset, state };
  }

  /**
   * Saves a capture once the outputs before it are on Kafka (and the partition's previous
   * save is done), written out as JSON a slice at a time so other work runs in between;
   * returns the offset that may then be committed, or null when the partition was taken
   * away meanwhile (its new owner checkpoints it from its own state).
   */
  persist(c: Capture): Promise<string | null> {
    const before = this.saving.get(c.partition);
    const run = (async () => {
      if (before) await before.catch(() => undefined);
      await this.hooks.flush();
      const json = await stringifyInSlices(c.state);
      if (!this.held.has(c.partition)) return null;
      const started = performance.now();
      const bytes = await this.store.save(c.partition, c.offset, json);
      this.observer?.saved(c.partition, (performance.now() - started) / 1000, bytes);
      this.lastCheckpoint.set(c.partition, Date.now());
      this.skipBelow.delete(c.partition);
      return c.offset;
    })();
    this.saving.set(c.partition, run);
    const done = () => {
      if (this.saving.get(c.partition) === run) this.saving.delete(c.partition);
    };
    run.then(done, done);
    return run;
  }

  /** capture + persist: the offset to commit — only when a checkpoint was just saved. */
  async maybeCheckpoint(partition: number, nextOffset: string, force = false): Promise<string | null> {
    const c = this.capture(partition, nextOffset, force);
    return c ? this.persist(c) : null;
  }

  /** Resolves once every save in progress has finished (shutdown). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.saving.values()]);
  }
}
