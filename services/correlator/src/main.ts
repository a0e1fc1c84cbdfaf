// correlator: events from Kafka → rules in event time → alerts to Kafka, with durable
// per-partition state, in two stages (see runtime.ts and repartition.ts). Wiring only.
import { watch } from 'node:fs';
import { createServer } from 'node:http';
import { createKafka, createProducer, ensureTopics, startConsumerLoop } from '@soc/kafka';
import { loadRuleDir } from '@soc/rules';
import { topicNames } from '@soc/schema';
import {
  closeServer,
  createLogger,
  createRegistry,
  listen,
  onShutdown,
  opsHandler,
  retry,
  sendJson,
} from '@soc/telemetry';
import type { KafkaMessage } from 'kafkajs';
import { adminHandler } from './admin.ts';
import { CheckpointStore } from './checkpoints.ts';
import { loadCorrelatorConfig } from './config.ts';
import { correlatorMetrics } from './metrics.ts';
import { Outbox } from './publish.ts';
import { RepartitionRuntime } from './repartition.ts';
import { CorrelatorRuntime } from './runtime.ts';

const config = loadCorrelatorConfig(process.env);
const logger = createLogger('correlator', config.LOG_LEVEL);
const registry = createRegistry('correlator');
const shutdown = onShutdown(logger);
const topics = topicNames(config.SOC_TOPIC_NAMESPACE);
const lateTopic = `${config.SOC_TOPIC_NAMESPACE}.late-events.v1`;
const stateTopic = `${config.SOC_TOPIC_NAMESPACE}.correlator-state.v1`;
// one repartition topic per consumer group: each group's first stage feeds its own second stage
const repartitionTopic = `${config.SOC_TOPIC_NAMESPACE}.correlator-repartition.${config.CORRELATOR_GROUP_ID.replace(/[^a-zA-Z0-9._-]/g, '_')}.v1`;

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
// three connections: alerts never queue behind repartitioned inputs or a large checkpoint
const forwardProducer = createProducer(kafka);
const stateProducer = createProducer(kafka);

let runtime: CorrelatorRuntime | undefined;
let stage2: RepartitionRuntime | undefined;

const { counters, records, reloads, checkpointObserver } = correlatorMetrics(
  registry,
  () => runtime,
  () => stage2,
);

let loop: Awaited<ReturnType<typeof startConsumerLoop>> | undefined;
let loop2: Awaited<ReturnType<typeof startConsumerLoop>> | undefined;
const ops = opsHandler(registry, {
  check: () =>
    shutdown.stopping ? 'shutting down' : loop?.ready() ? null : 'consumer has no partitions yet',
});
const admin = adminHandler(
  () => runtime,
  () => stage2,
);
const server = createServer((req, res) => {
  if (admin(req, res)) return;
  ops(req, res).then((handled) => handled || sendJson(res, 404, { error: 'not found' }));
});
const port = await listen(server, config.CORRELATOR_PORT, config.CORRELATOR_HOST);
logger.info({ port }, 'ops and admin endpoints listening');
shutdown.add('http server', () => closeServer(server));
shutdown.add('kafka producer', async () => {
  await producer.disconnect();
  await forwardProducer.disconnect();
  await stateProducer.disconnect();
});

/** A topic's partition count, or `fallback` when it does not exist yet (it is created with that many). */
async function partitionCount(topic: string, fallback: number): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) return fallback;
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    return meta.topics[0]?.partitions.length ?? fallback;
  } finally {
    await admin.disconnect();
  }
}

let reloadTimer: NodeJS.Timeout | undefined;
const watcher = watch(config.CORRELATOR_RULES_DIR, { recursive: true }, () => {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => runtime?.reload(), 300);
});
shutdown.add('rule watcher', () => watcher.close());

const compacted = [
  { name: 'cleanup.policy', value: 'compact' },
  { name: 'max.message.bytes', value: String(2 * 1024 * 1024) },
];
const { sources, repartitions } = await retry(
  async () => {
    const sources = await partitionCount(topics.events, 6);
    const repartitions = await partitionCount(repartitionTopic, sources);
    await ensureTopics(kafka, [
      { topic: topics.events, numPartitions: 6 },
      { topic: topics.alerts, numPartitions: 6 },
      { topic: lateTopic, numPartitions: 6 },
      // partition p of the state topic holds the checkpoints of events partition p and of
      // repartition partition p (under their own keys)
      { topic: stateTopic, numPartitions: Math.max(sources, repartitions), configEntries: compacted },
      {
        topic: repartitionTopic,
        numPartitions: repartitions,
        configEntries: [{ name: 'retention.ms', value: String(24 * 3_600_000) }],
      },
    ]);
    await producer.connect();
    await forwardProducer.connect();
    await stateProducer.connect();
    return { sources, repartitions };
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

const outbox = new Outbox({ producer, counters, logger, signal: shutdown.signal });
const forward = new Outbox({ producer: forwardProducer, counters, logger, signal: shutdown.signal });
// after the consumers stop, before the producers go: the last batches' outputs and
// checkpoints go out
shutdown.add('outbox', async () => {
  await outbox.drain();
  await forward.drain();
  await runtime?.partitions.settled();
  await stage2?.partitions.settled();
});
const outputs = {
  outbox,
  topics: { alerts: topics.alerts, late: lateTopic, repartition: repartitionTopic },
  counters,
  logger,
  signal: shutdown.signal,
};
const first = new CorrelatorRuntime(
  {
    ...outputs,
    forward,
    bulk: forward,
    config,
    repartitionPartitions: repartitions,
    store: new CheckpointStore(kafka, stateProducer, stateTopic, config.CORRELATOR_GROUP_ID, logger),
    checkpoints: checkpointObserver('events'),
    reloads,
  },
  rules,
);
first.ruleErrors = rules.errors.map((e) => `${e.file}:${e.line}: ${e.message}`);
const second = new RepartitionRuntime(
  {
    ...outputs,
    config,
    sources,
    records,
    store: new CheckpointStore(
      kafka,
      stateProducer,
      stateTopic,
      `${config.CORRELATOR_GROUP_ID}.repartition`,
      logger,
    ),
    checkpoints: checkpointObserver('repartition'),
  },
  first.units,
);
first.stage2 = second;
runtime = first;
stage2 = second;
logger.info(
  { repartitioned: first.units.map((u) => ({ key: u.id, rules: u.rules.correlations.map((c) => c.id) })) },
  'correlations grouped by another key than tenant + source.ip run on the repartition topic',
);

/** Consumes one stage's topic, committing offsets only at that stage's checkpoints. */
function consume(
  groupId: string,
  topic: string,
  fromBeginning: boolean,
  stage: {
    partitions: { onAssignment(p: number[]): void };
    handleBatch(m: KafkaMessage[], p: number): Promise<void>;
    checkpoint(p: number, next: string, force: boolean): Promise<string | null>;
  },
) {
  const commitNext = new Map<number, string>();
  return startConsumerLoop({
    kafka,
    groupId,
    topic,
    fromBeginning,
    logger,
    signal: shutdown.signal,
    onAssignment: (partitions) => stage.partitions.onAssignment(partitions),
    handleBatch: async (messages, ctx) => {
      await stage.handleBatch(messages, ctx.partition);
      const next = String(Number(messages.at(-1)!.offset) + 1);
      const stopping = !ctx.isRunning();
      const saved = stage.checkpoint(ctx.partition, next, stopping).then((offset) => {
        if (offset !== null) commitNext.set(ctx.partition, offset);
      });
      // a checkpoint is saved while the next batches run (its offset is committed with the
      // partition's next batch); the last one, at shutdown, is waited for
      if (stopping) await saved;
      else
        saved.catch((err) => {
          counters.errors.inc({ stage: 'checkpoint' });
          logger.error({ err, partition: ctx.partition }, 'checkpoint not saved; the next batch tries again');
        });
    },
    commitOffset: (partition) => {
      const offset = commitNext.get(partition) ?? null;
      commitNext.delete(partition);
      return offset;
    },
  });
}

// the second stage reads every record its first stages wrote, so a new group starts at the oldest
loop2 = await consume(`${config.CORRELATOR_GROUP_ID}.repartition`, repartitionTopic, true, {
  partitions: second.partitions,
  handleBatch: (m, p) => second.handleBatch(m, p),
  checkpoint: (p, next, force) => second.partitions.maybeCheckpoint(p, next, force),
});
loop = await consume(config.CORRELATOR_GROUP_ID, topics.events, config.CORRELATOR_FROM_BEGINNING, first);
const idle = setInterval(
  () => void first.advanceIdle().catch((err) => logger.error({ err }, 'idle advance failed')),
  1000,
);
const beat = setInterval(
  () => void first.heartbeats().catch((err) => logger.error({ err }, 'watermark heartbeat failed')),
  config.CORRELATOR_REPARTITION_HEARTBEAT_MS,
);
shutdown.add('consumer', async () => {
  clearInterval(idle);
  clearInterval(beat);
  await loop?.stop();
  await loop2?.stop();
});
logger.info(
  { topic: topics.events, repartition: repartitionTopic, group: config.CORRELATOR_GROUP_ID },
  'correlator consuming',
);
