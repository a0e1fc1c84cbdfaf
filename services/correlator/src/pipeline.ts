// One consumed batch of events → engine → alerts produced to the alerts topic (acks=all).
// The engine's state has moved on once the events are processed, so the alerts are sent
// until Kafka acknowledges them (retrying with backoff) rather than re-running the batch;
// only at shutdown does this give up, leaving the batch uncommitted for redelivery. The
// consumer loop commits the batch's offsets only after this resolves. Window state lives in
// memory for now, so a restart forgets partial windows (alert ids stay deterministic).
import type { Engine } from '@soc/rules';
import type { Alert, EcsEvent } from '@soc/schema';
import { type ComponentCounters, type Logger, retry } from '@soc/telemetry';
import type { KafkaMessage, Producer } from 'kafkajs';

export interface PipelineDeps {
  engine: () => Engine;
  producer: Producer;
  alertsTopic: string;
  counters: ComponentCounters;
  logger: Logger;
  signal: AbortSignal;
  onAlert?: (alert: Alert, event: EcsEvent) => void;
}

export function eventBatchHandler(deps: PipelineDeps) {
  return async (messages: KafkaMessage[]): Promise<void> => {
    const engine = deps.engine();
    const alerts: Alert[] = [];
    for (const m of messages) {
      deps.counters.received.inc();
      let event: EcsEvent;
      try {
        event = JSON.parse(m.value?.toString('utf8') ?? '') as EcsEvent;
        if (typeof event?.['@timestamp'] !== 'string' || typeof event.organization?.id !== 'string') {
          throw new Error('not an ECS event');
        }
      } catch {
        deps.counters.dropped.inc({ reason: 'invalid_event' });
        continue;
      }
      for (const alert of engine.process(event).alerts) {
        alerts.push(alert);
        deps.onAlert?.(alert, event);
      }
    }
    if (alerts.length === 0) return;
    const records = alerts.map((a) => ({ key: a.id, value: JSON.stringify(a) }));
    await retry(() => deps.producer.send({ topic: deps.alertsTopic, acks: -1, messages: records }), {
      retries: Number.MAX_SAFE_INTEGER,
      // kafkajs marks "retries exhausted" as not retriable; here every failure is worth
      // another try, since giving up would lose alerts the engine will not raise again
      retriable: () => true,
      initialDelayMs: 200,
      maxDelayMs: 10_000,
      signal: deps.signal,
      onRetry: (err, attempt) => {
        deps.counters.errors.inc({ stage: 'produce' });
        deps.logger.warn(
          { err, attempt, alerts: alerts.length },
          'alerts not acknowledged by Kafka; retrying',
        );
      },
    });
    deps.counters.sent.inc(alerts.length);
    for (const a of alerts)
      deps.logger.info({ alert: a.id, rule: a.rule.id, group: a.group, tenant: a.tenant }, 'alert');
  };
}
