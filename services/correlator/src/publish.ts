// Output of both correlator stages: alerts to the alerts topic, late events to the
// late-events topic, and any other messages (repartitioned inputs, watermark heartbeats).
//
// The engines do not wait for Kafka: a batch's outputs go into outboxes (the correlator
// has two, each on its own connection: alerts alone in one, everything else in the other)
// and the next batch runs while they are on the wire. An outbox sends in order, one request
// at a time (acks=all, under the broker's size limit), with everything that queued up
// meanwhile merged into the next request, and resends a request until it is acknowledged
// (the engine has moved on, so nothing is recomputed). A checkpoint drains them first: a
// saved state never reflects input whose outputs are not on Kafka. Too much queued makes the
// batches wait (backpressure), so a broker outage stops consumption instead of filling
// memory.

import { splitRequests } from '@soc/kafka';
import type { Alert, EcsEvent } from '@soc/schema';
import { type ComponentCounters, type Logger, retry } from '@soc/telemetry';
import type { Message, Producer, TopicMessages } from 'kafkajs';

export interface PublishDeps {
  /** alerts */
  outbox: Outbox;
  /** late events, when they should not queue with the alerts (the first stage's second outbox) */
  bulk?: Outbox;
  topics: { alerts: string; late: string };
}

export interface OutboxDeps {
  producer: Producer;
  counters: ComponentCounters;
  logger: Logger;
  signal: AbortSignal;
  /** queued messages beyond which `room()` waits */
  maxQueued?: number;
}

interface Entry {
  topicMessages: TopicMessages[];
  messages: number;
  /** told whether Kafka acknowledged the entry (false: sending gave up at shutdown) */
  onDone?: (acked: boolean) => void;
}

export class Outbox {
  private readonly d: OutboxDeps;
  private readonly maxQueued: number;
  private queue: Entry[] = [];
  private queued = 0;
  private sending = false;
  private failure: unknown = null;
  private waiters: (() => void)[] = [];

  constructor(deps: OutboxDeps) {
    this.d = deps;
    this.maxQueued = deps.maxQueued ?? 50_000;
  }

  /** Queues messages to send after everything queued before; `onDone` runs once that is settled. */
  push(topicMessages: TopicMessages[], onDone?: (acked: boolean) => void): void {
    const nonEmpty = topicMessages.filter((t) => t.messages.length > 0);
    if (nonEmpty.length === 0 && !onDone) return;
    if (this.failure) {
      onDone?.(false);
      return;
    }
    const messages = nonEmpty.reduce((n, t) => n + t.messages.length, 0);
    this.queue.push({ topicMessages: nonEmpty, messages, onDone });
    this.queued += messages;
    if (!this.sending) {
      this.sending = true;
      void this.pump();
    }
  }

  /** Resolves once everything queued so far is acknowledged; rejects if sending gave up (shutdown). */
  drain(): Promise<void> {
    return new Promise((resolve, reject) =>
      this.push([], (acked) => (acked ? resolve() : reject(this.failure))),
    );
  }

  /** Resolves when the queue is below its limit. */
  async room(): Promise<void> {
    while (this.queued > this.maxQueued && !this.failure)
      await new Promise<void>((r) => this.waiters.push(r));
    if (this.failure) throw this.failure;
  }

  get queuedMessages(): number {
    return this.queued;
  }

  private async pump(): Promise<void> {
    let entries: Entry[] = [];
    try {
      while (this.queue.length > 0) {
        entries = this.queue;
        this.queue = [];
        for (const request of splitRequests(mergeByTopic(entries)))
          await retry(() => this.d.producer.sendBatch({ acks: -1, topicMessages: request }), {
            retries: Number.MAX_SAFE_INTEGER,
            retriable: () => true,
            initialDelayMs: 200,
            maxDelayMs: 10_000,
            signal: this.d.signal,
            onRetry: (err, attempt) => {
              this.d.counters.errors.inc({ stage: 'produce' });
              this.d.logger.warn({ err, attempt }, 'output not acknowledged by Kafka; retrying');
            },
          });
        for (const e of entries) {
          this.queued -= e.messages;
          e.onDone?.(true);
        }
        entries = [];
        this.wake();
      }
    } catch (err) {
      // only at shutdown (the retry stops on the abort signal): whatever is queued is not
      // acknowledged, so the offsets stay uncommitted and the input is read again
      this.failure = err;
      for (const e of [...entries, ...this.queue]) e.onDone?.(false);
      this.queue = [];
      this.queued = 0;
      this.wake();
    } finally {
      this.sending = false;
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** One entry per topic, messages in queue order (Kafka orders per partition only). */
function mergeByTopic(entries: Entry[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const e of entries)
    for (const { topic, messages } of e.topicMessages) {
      const list = byTopic.get(topic);
      if (list) for (const m of messages) list.push(m);
      else byTopic.set(topic, [...messages]);
    }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/**
 * A late event for the late-events topic, keyed by tenant: the bytes it was consumed as when
 * the engine returned that very event (no second serialisation), else the event as JSON.
 */
export function lateMessage(event: EcsEvent, consumed?: { event: EcsEvent; value: Buffer | null }): Message {
  const value = consumed?.event === event && consumed.value ? consumed.value : JSON.stringify(event);
  return { key: event.organization.id, value };
}

/**
 * Queues a batch's outputs, alerts ahead of everything else (late events go to the bulk
 * outbox when there is one); counts and logs them once Kafka has them.
 */
export function publish(
  d: PublishDeps & { counters: ComponentCounters; logger: Logger },
  alerts: Alert[],
  late: Message[],
): void {
  if (late.length > 0)
    (d.bulk ?? d.outbox).push([{ topic: d.topics.late, messages: late }], (acked) => {
      if (acked) d.counters.dropped.inc({ reason: 'late' }, late.length);
    });
  if (alerts.length === 0) return;
  d.outbox.push(
    [{ topic: d.topics.alerts, messages: alerts.map((a) => ({ key: a.id, value: JSON.stringify(a) })) }],
    (acked) => {
      if (!acked) return;
      d.counters.sent.inc(alerts.length);
      for (const a of alerts)
        d.logger.info(
          { alert: a.id, rule: a.rule.id, group: a.group, tenant: a.tenant, revision: a.revision },
          'alert',
        );
    },
  );
}

/** Runs tasks one after another (the engines are not re-entrant across awaits). */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
