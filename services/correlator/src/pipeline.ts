// One consumed batch of events → engine → alerts produced to the alerts topic (acks=all).
// The consumer loop commits the batch's offsets only after this resolves, so an alert is
// never lost; a re-delivered batch re-creates alerts with the same ids.
import type { Engine } from '@soc/rules';
import type { Alert, EcsEvent } from '@soc/schema';
import type { ComponentCounters, Logger } from '@soc/telemetry';
import type { KafkaMessage, Producer } from 'kafkajs';

export interface PipelineDeps {
  engine: () => Engine;
  producer: Producer;
  alertsTopic: string;
  counters: ComponentCounters;
  logger: Logger;
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
      for (const alert of engine.process(event)) {
        alerts.push(alert);
        deps.onAlert?.(alert, event);
      }
    }
    if (alerts.length === 0) return;
    await deps.producer.send({
      topic: deps.alertsTopic,
      acks: -1,
      messages: alerts.map((a) => ({ key: a.id, value: JSON.stringify(a) })),
    });
    deps.counters.sent.inc(alerts.length);
    for (const a of alerts)
      deps.logger.info({ alert: a.id, rule: a.rule.id, group: a.group, tenant: a.tenant }, 'alert');
  };
}
