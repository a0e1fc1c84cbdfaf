// correlator: events from Kafka → rules in event time → alerts to Kafka. Wiring only.
import { createKafka, createProducer, ensureTopics, startConsumerLoop } from '@soc/kafka';
import { Engine, loadRuleDir } from '@soc/rules';
import { topicNames } from '@soc/schema';
import {
  closeServer,
  componentCounters,
  createLogger,
  createRegistry,
  Gauge,
  onShutdown,
  retry,
  startOpsServer,
} from '@soc/telemetry';
import { loadCorrelatorConfig } from './config.ts';
import { eventBatchHandler } from './pipeline.ts';

const config = loadCorrelatorConfig(process.env);
const logger = createLogger('correlator', config.LOG_LEVEL);
const registry = createRegistry('correlator');
const shutdown = onShutdown(logger);
const topics = topicNames(config.SOC_TOPIC_NAMESPACE);

const rules = loadRuleDir(config.CORRELATOR_RULES_DIR);
for (const e of rules.errors) logger.warn({ file: e.file, line: e.line }, `rule set aside: ${e.message}`);
logger.info(
  {
    dir: config.CORRELATOR_RULES_DIR,
    detections: rules.detections.length,
    correlations: rules.correlations.length,
    setAside: rules.errors.length,
  },
  'rules loaded',
);
const engine = new Engine(rules);
const ruleStat = (name: string, help: string, pick: 'matches' | 'alerts' | 'groups') =>
  new Gauge({
    name,
    help,
    labelNames: ['rule'],
    registers: [registry],
    collect() {
      for (const s of engine.stats()) this.set({ rule: s.id }, s[pick]);
    },
  });
ruleStat('soc_correlator_rule_matches', 'Events matched per rule since start', 'matches');
ruleStat('soc_correlator_rule_alerts', 'Alerts per rule since start', 'alerts');
ruleStat('soc_correlator_rule_state_groups', 'Live group keys per correlation rule', 'groups');

const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'soc-correlator', logger });
const producer = createProducer(kafka);
let loop: Awaited<ReturnType<typeof startConsumerLoop>> | undefined;
const ops = await startOpsServer(
  registry,
  {
    check: () =>
      shutdown.stopping ? 'shutting down' : loop?.ready() ? null : 'consumer has no partitions yet',
  },
  config.CORRELATOR_PORT,
  config.CORRELATOR_HOST,
);
logger.info({ port: ops.port }, 'ops endpoints listening');
shutdown.add('ops server', () => closeServer(ops.server));
shutdown.add('kafka producer', () => producer.disconnect());

await retry(
  async () => {
    await ensureTopics(kafka, [
      { topic: topics.events, numPartitions: 6 },
      { topic: topics.alerts, numPartitions: 6 },
    ]);
    await producer.connect();
  },
  {
    retries: 1000,
    initialDelayMs: 500,
    maxDelayMs: 10_000,
    signal: shutdown.signal,
    onRetry: (err) => logger.warn({ err }, 'Kafka not reachable yet; retrying'),
  },
);
loop = await startConsumerLoop({
  kafka,
  groupId: config.CORRELATOR_GROUP_ID,
  topic: topics.events,
  fromBeginning: config.CORRELATOR_FROM_BEGINNING,
  logger,
  signal: shutdown.signal,
  handleBatch: eventBatchHandler({
    engine: () => engine,
    producer,
    alertsTopic: topics.alerts,
    counters: componentCounters(registry, 'correlator'),
    logger,
    signal: shutdown.signal,
  }),
});
shutdown.add('consumer', () => loop?.stop());
logger.info({ topic: topics.events, group: config.CORRELATOR_GROUP_ID }, 'correlator consuming');
