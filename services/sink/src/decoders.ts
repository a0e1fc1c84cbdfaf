// Kafka message → table row (its line of text: TSKV for events, JSONEachRow for the rest), per topic. A message that is not JSON or
// fails its schema is counted as dropped (by reason) and skipped: it can never become a row,
// so retrying it is pointless; its offset is committed with the batch around it.
import { alertSchema, ecsEventSchema, fastEventParser, INVALID } from '@soc/schema';
import type { KafkaMessage } from 'kafkajs';
import { alertRow } from './alert-rows.ts';
import { dlqMessageSchema, dlqRow } from './dlq-rows.ts';
import { eventRow } from './event-rows.ts';
import { statusChangeSchema, statusRow } from './status-rows.ts';
import type { Decoded } from './table-sink.ts';

function json(m: KafkaMessage): unknown {
  try {
    return JSON.parse(m.value?.toString('utf8') ?? '');
  } catch {
    return undefined;
  }
}

export function decodeEvent(m: KafkaMessage): Decoded {
  const value = json(m);
  if (value === undefined) return { dropped: 'invalid_json' };
  // the compiled fast path accepts what the schema accepts; zod decides the rest
  const fast = fastEventParser(value);
  if (fast !== INVALID) return { row: eventRow(fast) };
  const parsed = ecsEventSchema.safeParse(value);
  return parsed.success ? { row: eventRow(parsed.data) } : { dropped: 'invalid_event' };
}

export function decodeAlert(m: KafkaMessage): Decoded {
  const value = json(m);
  if (value === undefined) return { dropped: 'invalid_json' };
  const parsed = alertSchema.safeParse(value);
  return parsed.success ? { row: JSON.stringify(alertRow(parsed.data)) } : { dropped: 'invalid_alert' };
}

export function dlqDecoder(topic: string) {
  return (m: KafkaMessage, partition: number): Decoded => {
    const value = json(m);
    if (value === undefined) return { dropped: 'invalid_json' };
    const parsed = dlqMessageSchema.safeParse(value);
    return parsed.success
      ? { row: JSON.stringify(dlqRow(parsed.data, topic, partition, m.offset)) }
      : { dropped: 'invalid_dlq' };
  };
}

export function decodeStatusChange(m: KafkaMessage): Decoded {
  const value = json(m);
  if (value === undefined) return { dropped: 'invalid_json' };
  const parsed = statusChangeSchema.safeParse(value);
  return parsed.success
    ? { row: JSON.stringify(statusRow(parsed.data)) }
    : { dropped: 'invalid_status_change' };
}
