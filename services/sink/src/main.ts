// sink: events, alerts and rejected lines from Kafka → ClickHouse, in batches; offsets are
// committed only after the insert holding them succeeded (table-sink.ts). Wiring only.
import { createClickHouse, migrate, type TextInsertFormat } from '@soc/clickhouse';
import { createKafka, ensureTopics } from '@soc/kafka';
import { topicNames } from '@soc/schema';
import {
  Counter,
  closeServer,
  componentCounters,
  createLogger,
  createRegistry,
  onShutdown,
  retry,
  startOpsServer,
} from '@soc/telemetry';
import type { KafkaMessage } from 'kafkajs';
import { loadSinkConfig, retentionDays } from './config.ts';
import { decodeAlert, decodeEvent, decodeStatusChange, dlqDecoder } from './decoders.ts';
import { startLagMonitor } from './lag.ts';
import { startRetentionJob } from './retention-job.ts';
import { type Decoded, startTableSink, type TableSink } from './table-sink.ts';

const config = loadSinkConfig(process.env);
const logger = createLogger('sink', config.LOG_LEVEL);
const registry = createRegistry('sink');
const shutdown = onShutdown(logger);
const topics = topicNames(config.SOC_TOPIC_NAMESPACE);
const chOptions = {
  url: config.CLICKHOUSE_URL,
  database: config.CLICKHOUSE_DATABASE,
  username: config.CLICKHOUSE_USER,
  password: config.CLICKHOUSE_PASSWORD,
};
const sinks: TableSink[] = [];

let started = false;
const ops = await startOpsServer(
  registry,
  {
    check: () =>
      shutdown.stopping
        ? 'shutting down'
        : started && sinks.every((s) => s.ready())
          ? null
          : 'consumer has no partitions yet',
  },
  config.SINK_PORT,
  config.SINK_HOST,
);
shutdown.add('ops server', () => closeServer(ops.server));

const retryForever = {
  retries: 1000,
  // kafkajs marks exhausted connection retries as not retriable: at start, keep trying
  retriable: () => true,
  initialDelayMs: 500,
  maxDelayMs: 10_000,
  signal: shutdown.signal,
};
const applied = await retry(() => migrate(chOptions), {
  ...retryForever,
  onRetry: (err) => logger.warn({ err }, 'ClickHouse not reachable yet; retrying migrations'),
});
logger.info({ database: config.CLICKHOUSE_DATABASE, applied }, 'ClickHouse migrations done');
const clickhouse = createClickHouse(chOptions);
shutdown.add('clickhouse client', () => clickhouse.close());
const retention = startRetentionJob({
  clickhouse,
  database: config.CLICKHOUSE_DATABASE,
  days: retentionDays(config),
  registry,
  logger,
});
shutdown.add('retention job', () => retention.stop());

const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'soc-sink', logger });
const group = config.SINK_GROUP_ID;
// one consumer group per topic (kafkajs assigns every subscribed topic to every member);
// events, by far the most rows, are written as TSKV (see event-rows.ts)
interface Subscription {
  topic: string;
  table: string;
  groupId: string;
  decode(message: KafkaMessage, partition: number): Decoded;
  format: TextInsertFormat;
  on: boolean;
}
const subscriptions = (
  [
    {
      topic: topics.alerts,
      table: 'alerts',
      groupId: group,
      decode: decodeAlert,
      format: 'JSONEachRow',
      on: true,
    },
    {
      topic: topics.events,
      table: 'events',
      groupId: `${group}-events`,
      decode: decodeEvent,
      format: 'TSKV',
      on: config.SINK_EVENTS,
    },
    {
      topic: topics.dlq,
      table: 'dlq',
      groupId: `${group}-dlq`,
      decode: dlqDecoder(topics.dlq),
      format: 'JSONEachRow',
      on: config.SINK_DLQ,
    },
    {
      topic: topics.alertStatus,
      table: 'alert_status',
      groupId: `${group}-alert-status`,
      decode: decodeStatusChange,
      format: 'JSONEachRow',
      on: config.SINK_ALERT_STATUS,
    },
  ] satisfies Subscription[]
).filter((s) => s.on);
await retry(
  () =>
    ensureTopics(
      kafka,
      subscriptions.map((s) => ({
        topic: s.topic,
        numPartitions: 6,
        // the status topic is compacted (the fan-out reads the latest status per alert from it),
        // whichever service creates it first
        ...(s.topic === topics.alertStatus
          ? { configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }
          : {}),
      })),
    ),
  {
    ...retryForever,
    onRetry: (err) => logger.warn({ err }, 'Kafka not reachable yet; retrying'),
  },
);
const counters = componentCounters(registry, 'sink');
const inserted = new Counter({
  name: 'soc_sink_inserted_rows_total',
  help: 'Rows inserted into ClickHouse, by table',
  labelNames: ['table'],
  registers: [registry],
});
for (const { topic, table, groupId, decode, format } of subscriptions) {
  const sink = await startTableSink({
    topic,
    table,
    groupId,
    decode,
    format,
    kafka,
    clickhouse,
    maxRows: config.SINK_BATCH_MAX_ROWS,
    maxWaitMs: config.SINK_BATCH_MAX_WAIT_MS,
    retries: config.SINK_INSERT_RETRIES,
    counters,
    inserted,
    logger,
    signal: shutdown.signal,
  });
  sinks.push(sink);
  shutdown.add(`consumer ${topic}`, () => sink.stop());
}
started = true;
const lag = startLagMonitor({
  kafka,
  subscriptions,
  registry,
  intervalMs: config.SINK_LAG_INTERVAL_MS,
  logger,
});
shutdown.add('lag monitor', () => lag.stop());
logger.info(
  { subscriptions: subscriptions.map(({ topic, table, groupId }) => ({ topic, table, groupId })) },
  'sink consuming',
);
