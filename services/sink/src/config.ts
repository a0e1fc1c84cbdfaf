// Sink configuration.
import { clickhouseEnv, commonEnv, env, loadConfig } from '@soc/config';
import { z } from 'zod';

const days = (fallback: number) => env.int(fallback, 0, 36_500);

export const sinkEnv = z.object({
  ...commonEnv,
  ...clickhouseEnv,
  /** Kafka consumer group of the sink (alerts); events and DLQ use <group>-events and <group>-dlq */
  SINK_GROUP_ID: env.string('soc-sink'),
  /** address and port of /healthz, /readyz, /metrics */
  SINK_HOST: env.string('127.0.0.1'),
  SINK_PORT: env.port(8083),
  /** retries of one insert (after the first attempt) before the batch is left for redelivery */
  SINK_INSERT_RETRIES: env.int(20, 0, 1000),
  /** rows per insert, at most: a batch is inserted when it has this many rows */
  SINK_BATCH_MAX_ROWS: env.int(10_000, 1, 1_000_000),
  /** milliseconds a row waits for its batch to fill before the batch is inserted anyway */
  SINK_BATCH_MAX_WAIT_MS: env.int(1_000, 1, 600_000),
  /** consume <ns>.events.v1 into the events table */
  SINK_EVENTS: env.bool(true),
  /** consume <ns>.dlq.v1 into the dlq table */
  SINK_DLQ: env.bool(true),
  /** consume <ns>.alert-status.v1 (alert triage changes) into the alert_status table */
  SINK_ALERT_STATUS: env.bool(true),
  /** milliseconds between refreshes of soc_sink_lag_messages */
  SINK_LAG_INTERVAL_MS: env.int(5_000, 100, 3_600_000),
  /** days of events kept (0: forever) */
  SINK_RETENTION_EVENTS_DAYS: days(30),
  /** days of alerts kept, by window start (0: forever) */
  SINK_RETENTION_ALERTS_DAYS: days(365),
  /** days of alert status history kept (0: forever) */
  SINK_RETENTION_ALERT_STATUS_DAYS: days(365),
  /** days of rejected lines (dlq table) kept (0: forever) */
  SINK_RETENTION_DLQ_DAYS: days(14),
  /** days of the dashboard aggregates (events_per_minute, alerts_per_minute, top_talkers_hourly) kept (0: forever) */
  SINK_RETENTION_AGGREGATES_DAYS: days(90),
});

export type SinkConfig = z.infer<typeof sinkEnv>;

export function loadSinkConfig(vars: Record<string, string | undefined>): SinkConfig {
  return loadConfig(sinkEnv, vars, { ownPrefixes: ['SINK_'] });
}

/** Retention in days per table, from the SINK_RETENTION_* variables. */
export function retentionDays(c: SinkConfig) {
  return {
    events: c.SINK_RETENTION_EVENTS_DAYS,
    alerts: c.SINK_RETENTION_ALERTS_DAYS,
    alert_status: c.SINK_RETENTION_ALERT_STATUS_DAYS,
    dlq: c.SINK_RETENTION_DLQ_DAYS,
    events_per_minute: c.SINK_RETENTION_AGGREGATES_DAYS,
    alerts_per_minute: c.SINK_RETENTION_AGGREGATES_DAYS,
    top_talkers_hourly: c.SINK_RETENTION_AGGREGATES_DAYS,
  };
}
