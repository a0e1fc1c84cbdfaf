// correlator: events from Kafka → rules in event time → alerts to Kafka, with durable
// per-partition state. Wiring only; see runtime.ts, checkpoints.ts and admin.ts.
import { watch } from 'node:fs';
import { createServer } from 'node:http';
import { createKafka, createProducer, ensureTopics, startConsumerLoop } from '@soc/kafka';
import { loadRuleDir } from '@soc/rules';
import { topicNames } from '@soc/schema';
import {
  Counter,
  closeServer,
  componentCounters,
  createLogger,
  createRegistry,
  Gauge,
  listen,
  onShutdown,
  opsHandler,
  retry,
  sendJson,
} from '@soc/telemetry';
import { adminHandler } from './admin.ts';
import { CheckpointStore } from './checkpoints.ts';
import { loadCorrelatorConfig } from './config.ts';
import { CorrelatorRuntime } from './runtime.ts';

const config = loadCorrelatorConfig(process.env);
const logger = createLogger('correlator', config.LOG_LEVEL);
const registry = createRegistry('correlator');
const shutdown = onShutdown(logger);
const topics = topicNames(config.SOC_TOPIC_NAMESPACE);
const lateTopic = `${config.SOC_TOPIC_NAMESPACE}.late-events.v1`;
const stateTopic = `${config.SOC_TOPIC_NAMESPACE}.correlator-state.v1`;

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

const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'soc-correlator', logger });
const producer = createProducer(kafka);
const runtime = new CorrelatorRuntime(
  {
    config,
    producer,
    topics: { alerts: topics.alerts, late: lateTopic },
    store: new CheckpointStore(kafka, producer, stateTopic, config.CORRELATOR_GROUP_ID, logger),
    counters: componentCounters(registry, 'correlator'),
    reloads: new Counter({
      name: 'soc_correlator_rule_reloads_total',
      help: 'Rule set reloads, by result',
      labelNames: ['result'],
      registers: [registry],
    }),
    logger,
    signal: shutdown.signal,
  },
  rules,
);
runtime.ruleErrors = rules.errors.map((e) => `${e.file}:${e.line}: ${e.message}`);

const perRule = (name: string, help: string, pick: 'matches' | 'alerts' | 'late' | 'evictions' | 'groups') =>
  new Gauge({
    name,
    help,
    labelNames: ['rule'],
    registers: [registry],
    collect() {
      for (const s of runtime.engine.stats()) this.set({ rule: s.id }, s[pick]);
    },
  });
perRule('soc_correlator_rule_matches', 'Inputs matched per rule since start', 'matches');
perRule('soc_correlator_rule_alerts', 'Alerts per rule since start', 'alerts');
perRule('soc_correlator_rule_late_events', 'Events too late to count, per rule', 'late');
perRule('soc_correlator_rule_evictions', 'Groups evicted at the state cap, per rule', 'evictions');
perRule('soc_correlator_rule_state_groups', 'Live group keys per correlation rule', 'groups');
new Gauge({
  name: 'soc_correlator_watermark_lag_seconds',
  help: 'Processing time minus the partition watermark',
  labelNames: ['partition'],
  registers: [registry],
  collect() {
    for (const p of runtime.engine.partitionStats()) {
      if (Number.isFinite(p.watermark))
        this.set({ partition: String(p.partition) }, (Date.now() - p.watermark) / 1000);
    }
  },
});
new Gauge({
  name: 'soc_correlator_buffered_inputs',
  help: 'Inputs waiting in the reorder buffer for the watermark',
  labelNames: ['partition'],
  registers: [registry],
  collect() {
    for (const p of runtime.engine.partitionStats()) this.set({ partition: String(p.partition) }, p.buffered);
  },
});

let loop: Awaited<ReturnType<typeof startConsumerLoop>> | undefined;
const ops = opsHandler(registry, {
  check: () =>
    shutdown.stopping ? 'shutting down' : loop?.ready() ? null : 'consumer has no partitions yet',
});
const admin = adminHandler(() => runtime);
const server = createServer((req, res) => {
  if (admin(req, res)) return;
  ops(req, res).then((handled) => handled || sendJson(res, 404, { error: 'not found' }));
});
const port = await listen(server, config.CORRELATOR_PORT, config.CORRELATOR_HOST);
logger.info({ port }, 'ops and admin endpoints listening');
shutdown.add('http server', () => closeServer(server));
shutdown.add('kafka producer', () => producer.disconnect());

/** The events topic's partition count (6 when it does not exist yet and is created here). */
async function eventsPartitions(): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topics.events)) return 6;
    const meta = await admin.fetchTopicMetadata({ topics: [topics.events] });
    return meta.topics[0]?.partitions.length ?? 6;
  } finally {
    await admin.disconnect();
  }
}

let reloadTimer: NodeJS.Timeout | undefined;
const watcher = watch(config.CORRELATOR_RULES_DIR, { recursive: true }, () => {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => runtime.reload(), 300);
});
shutdown.add('rule watcher', () => watcher.close());

await retry(
  async () => {
    await ensureTopics(kafka, [
      { topic: topics.events, numPartitions: 6 },
      { topic: topics.alerts, numPartitions: 6 },
      { topic: lateTopic, numPartitions: 6 },
      {
        // partition p of the state topic holds the checkpoints of events partition p
        topic: stateTopic,
        numPartitions: await eventsPartitions(),
        configEntries: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'max.message.bytes', value: String(2 * 1024 * 1024) },
        ],
      },
    ]);
    await producer.connect();
  },
  {
    retries: 1000,
    retriable: () => true,
    initialDelayMs: 500,
    maxDelayMs: 10_000,
    signal: shutdown.signal,
    onRetry: (err) => logger.warn({ err }, 'Kafka not reachable yet; retrying'),
  },
);

const commitNext = new Map<number, string>();
loop = await startConsumerLoop({
  kafka,
  groupId: config.CORRELATOR_GROUP_ID,
  topic: topics.events,
  fromBeginning: config.CORRELATOR_FROM_BEGINNING,
  logger,
  signal: shutdown.signal,
  onAssignment: (partitions) => runtime.onAssignment(partitions),
  handleBatch: async (messages, ctx) => {
    await runtime.handleBatch(messages, ctx.partition);
    const next = String(Number(messages.at(-1)!.offset) + 1);
    const offset = await runtime.maybeCheckpoint(ctx.partition, next, !ctx.isRunning());
    if (offset !== null) commitNext.set(ctx.partition, offset);
  },
  commitOffset: (partition) => {
    const offset = commitNext.get(partition) ?? null;
    commitNext.delete(partition);
    return offset;
  },
});
const idle = setInterval(
  () => void runtime.advanceIdle().catch((err) => logger.error({ err }, 'idle advance failed')),
  1000,
);
shutdown.add('consumer', async () => {
  clearInterval(idle);
  await loop?.stop();
});
logger.info({ topic: topics.events, group: config.CORRELATOR_GROUP_ID }, 'correlator consuming');
