// The transport-independent half of ingest: prepared batches (parsed, enriched and
// serialized: prepare.ts) from any transport are written to Kafka — events to the events
// topic, one record each, rejected lines to the dead-letter topic — acks=all, within a
// deadline, in produce requests shared with the batches other requests and connections
// published meanwhile. A batch Kafka did not acknowledge in time raises
// KafkaUnavailableError: HTTP answers 503, syslog holds the batch and stops reading.
import type { RejectedLine, Sensor } from '@soc/ingest';
import type { Topics } from '@soc/schema';
import type { ComponentCounters, Counter, Logger } from '@soc/telemetry';
import type { Message, Producer } from 'kafkajs';
import { eventAt, type PreparedBatch } from './prepare.ts';

export class KafkaUnavailableError extends Error {
  override name = 'KafkaUnavailableError';
}

export interface IntakeDeps {
  producer: Producer;
  topics: Topics;
  kafkaTimeoutMs: number;
  /** bytes per produce request, under the broker's max.message.bytes */
  maxRequestBytes: number;
  counters: ComponentCounters;
  enriched: Counter<'kind'>;
  logger: Logger;
}

export interface SourcedBatch {
  batch: PreparedBatch;
  sensor: Sensor;
  format: string;
  transport: 'http' | 'syslog-udp' | 'syslog-tcp' | 'syslog-tls';
  receivedAt: Date;
  /** the sender's address, for the dead-letter record */
  peer?: string;
}

type Tagged = { topic: string; m: Message; waiter: Waiter };

interface Waiter {
  /** messages of this publish call not yet acknowledged */
  left: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class Intake {
  private readonly deps: IntakeDeps;
  /** messages waiting for the next produce request, from every publish call since the last */
  private queue: Tagged[] = [];
  private sending = false;

  constructor(deps: IntakeDeps) {
    this.deps = deps;
  }

  private async send(topicMessages: { topic: string; messages: Message[] }[]): Promise<void> {
    const send = this.deps.producer.sendBatch({ acks: -1, topicMessages });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new KafkaUnavailableError(`Kafka did not acknowledge within ${this.deps.kafkaTimeoutMs} ms`),
          ),
        this.deps.kafkaTimeoutMs,
      );
    });
    try {
      await Promise.race([send, deadline]);
    } catch (err) {
      send.catch(() => {}); // it may still fail (or succeed) later; the caller resends either way
      this.deps.counters.errors.inc({ stage: 'kafka' });
      throw err instanceof KafkaUnavailableError
        ? err
        : new KafkaUnavailableError(String((err as Error).message ?? err));
    } finally {
      clearTimeout(timer);
    }
  }

  /** Writes the batches; resolves once Kafka acknowledged all of them. */
  async publish(items: SourcedBatch[]): Promise<void> {
    const events: Message[] = [];
    const dead: Message[] = [];
    for (const item of items) {
      const { valueEnds, intelHits } = item.batch;
      if (intelHits > 0) this.deps.enriched.inc({ kind: 'threat_intel' }, intelHits);
      for (let i = 0; i < valueEnds.length; i++) events.push(eventAt(item.batch, i));
      for (const r of item.batch.rejected) dead.push(deadLetter(r, item));
    }
    const received = events.length + dead.length;
    if (received === 0) return;
    this.deps.counters.received.inc(received);
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { left: received, resolve, reject };
      for (const m of events) this.queue.push({ topic: this.deps.topics.events, m, waiter });
      for (const m of dead) this.queue.push({ topic: this.deps.topics.dlq, m, waiter });
      if (!this.sending) void this.drain();
    });
    this.deps.counters.sent.inc(events.length);
    for (const item of items) {
      for (const r of item.batch.rejected) this.deps.counters.dropped.inc({ reason: reasonLabel(r.reason) });
    }
  }

  /**
   * Writes the queue out, one produce request at a time (the producer allows one in flight):
   * what concurrent publish calls queued meanwhile goes out together, in order. Kafka refuses
   * a record batch over max.message.bytes (1 MiB by default), so each request stays under
   * maxRequestBytes. A call resolves once its last message is acknowledged; when a request
   * fails, every call with a message not yet acknowledged fails with it.
   */
  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        const queued = this.queue;
        this.queue = [];
        let chunk: Tagged[] = [];
        try {
          for (chunk of chunks(queued, this.deps.maxRequestBytes)) {
            await this.send(byTopic(chunk));
            for (const t of chunk) if (--t.waiter.left === 0) t.waiter.resolve();
          }
        } catch (err) {
          const failed = new Set<Waiter>();
          for (let i = queued.indexOf(chunk[0]!); i < queued.length; i++) failed.add(queued[i]!.waiter);
          for (const w of failed) w.reject(err as Error);
        }
      }
    } finally {
      this.sending = false;
    }
  }
}

function byTopic(chunk: Tagged[]): { topic: string; messages: Message[] }[] {
  const topics = new Map<string, Message[]>();
  for (const { topic, m } of chunk) {
    const messages = topics.get(topic);
    if (messages) messages.push(m);
    else topics.set(topic, [m]);
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}

function* chunks<T extends { m: Message }>(items: T[], maxBytes: number): Generator<T[]> {
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const { value } = item.m;
    const size = (Buffer.isBuffer(value) ? value.length : Buffer.byteLength(String(value))) + 64;
    if (chunk.length > 0 && bytes + size > maxBytes) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

/** The metric label for a rejection reason: its code, before the first colon. */
export function reasonLabel(reason: string): string {
  const code = reason.split(':')[0] ?? 'invalid';
  return code.startsWith('line too long')
    ? 'line_too_long'
    : code.replace(/[^a-z0-9_]+/gi, '_').toLowerCase();
}

function deadLetter(r: RejectedLine, item: SourcedBatch): Message {
  return {
    key: item.sensor.tenant,
    value: JSON.stringify({
      tenant: item.sensor.tenant,
      sensor: item.sensor.id,
      format: item.format,
      transport: item.transport,
      peer: item.peer,
      line: r.line,
      reason: r.reason,
      raw: r.raw,
      received_at: item.receivedAt.toISOString(),
    }),
  };
}
