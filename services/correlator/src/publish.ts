// Output of both correlator stages: alerts to the alerts topic, late events to the
// late-events topic, and any other messages (repartitioned inputs), acks=all, in requests
// under the broker's size limit sent in order, each resent until acknowledged — the engine
// has moved on, so nothing is recomputed.

import { splitRequests } from '@soc/kafka';
import type { Alert, EcsEvent } from '@soc/schema';
import { type ComponentCounters, type Logger, retry } from '@soc/telemetry';
import type { Message, Producer } from 'kafkajs';

export interface PublishDeps {
  producer: Producer;
  topics: { alerts: string; late: string };
  counters: ComponentCounters;
  logger: Logger;
  signal: AbortSignal;
}

export async function publish(
  d: PublishDeps,
  alerts: Alert[],
  late: EcsEvent[],
  extra: { topic: string; messages: Message[] }[] = [],
): Promise<void> {
  const topicMessages = [
    { topic: d.topics.alerts, messages: alerts.map((a) => ({ key: a.id, value: JSON.stringify(a) })) },
    {
      topic: d.topics.late,
      messages: late.map((e) => ({ key: e.organization.id, value: JSON.stringify(e) })),
    },
    ...extra,
  ].filter((t) => t.messages.length > 0);
  for (const request of splitRequests(topicMessages))
    await retry(() => d.producer.sendBatch({ acks: -1, topicMessages: request }), {
      retries: Number.MAX_SAFE_INTEGER,
      retriable: () => true,
      initialDelayMs: 200,
      maxDelayMs: 10_000,
      signal: d.signal,
      onRetry: (err, attempt) => {
        d.counters.errors.inc({ stage: 'produce' });
        d.logger.warn({ err, attempt }, 'output not acknowledged by Kafka; retrying');
      },
    });
  d.counters.sent.inc(alerts.length);
  if (late.length > 0) d.counters.dropped.inc({ reason: 'late' }, late.length);
  for (const a of alerts)
    d.logger.info(
      { alert: a.id, rule: a.rule.id, group: a.group, tenant: a.tenant, revision: a.revision },
      'alert',
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
