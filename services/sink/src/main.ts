// sink: alerts from Kafka → ClickHouse, offsets committed after each insert. Wiring only.
import { createClickHouse, migrate } from '@soc/clickhouse';
import { createKafka, ensureTopics, startConsumerLoop } from '@soc/kafka';
import { topicNames } from '@soc/schema';
import {
  closeServer,
  componentCounters,
  createLogger,
  createRegistry,
  onShutdown,
  retry,
  startOpsServer,
} from '@soc/telemetry';
import { loadSinkConfig } from './config.ts';
import { alertBatchWriter } from './writer.ts';

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
let loop: Awaited<ReturnType<typeof startConsumerLoop>> | undefined;
const ops = await startOpsServer(
  registry,
  {
    check: () =>
      shutdown.stopping ? 'shutting down' : loop?.ready() ? null : 'consumer has no partitions yet',
  },
  config.SINK_PORT,
  config.SINK_HOST,
);
shutdown.add('ops server', () => closeServer(ops.server));

const retryForever = { retries: 1000, initialDelayMs: 500, maxDelayMs: 10_000, signal: shutdown.signal };
const applied = await retry(() => migrate(chOptions), {
  ...retryForever,
  onRetry: (err) => logger.warn({ err }, 'ClickHouse not reachable yet; retrying migrations'),
});
logger.info({ database: config.CLICKHOUSE_DATABASE, applied }, 'ClickHouse migrations done');
const clickhouse = createClickHouse(chOptions);
shutdown.add('clickhouse client', () => clickhouse.close());

const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'soc-sink', logger });
await retry(() => ensureTopics(kafka, [{ topic: topics.alerts, numPartitions: 6 }]), {
  ...retryForever,
  onRetry: (err) => logger.warn({ err }, 'Kafka not reachable yet; retrying'),
});
loop = await startConsumerLoop({
  kafka,
  groupId: config.SINK_GROUP_ID,
  topic: topics.alerts,
  fromBeginning: true,
  logger,
  signal: shutdown.signal,
  maxWaitTimeMs: 500,
  handleBatch: alertBatchWriter({
    clickhouse,
    table: 'alerts',
    counters: componentCounters(registry, 'sink'),
    logger,
    retries: config.SINK_INSERT_RETRIES,
    signal: shutdown.signal,
  }),
});
shutdown.add('consumer', () => loop?.stop());
logger.info({ topic: topics.alerts, group: config.SINK_GROUP_ID }, 'sink consuming');
