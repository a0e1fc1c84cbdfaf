// A consumed batch of alerts → one ClickHouse insert, retried with backoff; the consumer
// loop commits offsets only after the insert returned. Malformed messages are counted and
// skipped (they cannot become rows); a replayed batch replaces rows by id
// (ReplacingMergeTree), so nothing is duplicated.
import type { ClickHouseClient } from '@soc/clickhouse';
import { alertSchema } from '@soc/schema';
import { type ComponentCounters, type Logger, retry } from '@soc/telemetry';
import type { KafkaMessage } from 'kafkajs';
import { alertRow } from './alert-rows.ts';

export interface WriterDeps {
  clickhouse: ClickHouseClient;
  table: string;
  counters: ComponentCounters;
  logger: Logger;
  retries: number;
  signal: AbortSignal;
}

export function alertBatchWriter(deps: WriterDeps) {
  return async (messages: KafkaMessage[]): Promise<void> => {
    const rows: ReturnType<typeof alertRow>[] = [];
    for (const m of messages) {
      deps.counters.received.inc();
      let value: unknown;
      try {
        value = JSON.parse(m.value?.toString('utf8') ?? '');
      } catch {
        deps.counters.dropped.inc({ reason: 'invalid_json' });
        continue;
      }
      const parsed = alertSchema.safeParse(value);
      if (!parsed.success) {
        deps.counters.dropped.inc({ reason: 'invalid_alert' });
        continue;
      }
      rows.push(alertRow(parsed.data));
    }
    if (rows.length === 0) return;
    await retry(() => deps.clickhouse.insert({ table: deps.table, values: rows, format: 'JSONEachRow' }), {
      retries: deps.retries,
      initialDelayMs: 200,
      maxDelayMs: 10_000,
      signal: deps.signal,
      onRetry: (err, attempt, delayMs) => {
        deps.counters.errors.inc({ stage: 'insert' });
        deps.logger.warn({ err, attempt, delayMs }, 'ClickHouse insert failed; retrying');
      },
    });
    deps.counters.sent.inc(rows.length);
  };
}
