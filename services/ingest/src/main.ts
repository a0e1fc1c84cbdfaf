// ingest: HTTP log intake → ECS events on Kafka. Wiring only; see http.ts and batch.ts.
import { createServer } from 'node:http';
import { createKafka, createProducer, ensureTopics } from '@soc/kafka';
import { topicNames } from '@soc/schema';
import {
  closeServer,
  componentCounters,
  createLogger,
  createRegistry,
  Histogram,
  listen,
  onShutdown,
  opsHandler,
  retry,
  sendJson,
} from '@soc/telemetry';
import { loadIngestConfig } from './config.ts';
import { logsHandler } from './http.ts';

const config = loadIngestConfig(process.env);
const logger = createLogger('ingest', config.LOG_LEVEL);
const registry = createRegistry('ingest');
const shutdown = onShutdown(logger);
const topics = topicNames(config.SOC_TOPIC_NAMESPACE);
const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'soc-ingest', logger });
const producer = createProducer(kafka);
let kafkaReady = false;

const handleLogs = logsHandler({
  config,
  producer,
  topics,
  logger,
  counters: componentCounters(registry, 'ingest'),
  requestSeconds: new Histogram({
    name: 'soc_ingest_request_duration_seconds',
    help: 'POST /v1/logs latency, from request to Kafka acknowledgement',
    labelNames: ['status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  }),
});
const ops = opsHandler(registry, {
  check: () => (shutdown.stopping ? 'shutting down' : kafkaReady ? null : 'Kafka producer not connected'),
});
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/v1/logs') {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST' }, { allow: 'POST' });
    if (shutdown.stopping) return sendJson(res, 503, { error: 'shutting down' }, { 'retry-after': '1' });
    void handleLogs(req, res, url);
    return;
  }
  ops(req, res).then((handled) => handled || sendJson(res, 404, { error: 'not found' }));
});

shutdown.add('kafka producer', () => producer.disconnect());
shutdown.add('http server', () => closeServer(server));
const port = await listen(server, config.INGEST_PORT, config.INGEST_HOST);
logger.info({ port, host: config.INGEST_HOST, topics }, 'ingest listening');

await retry(
  async () => {
    const partitions = config.INGEST_TOPIC_PARTITIONS;
    await ensureTopics(kafka, [
      { topic: topics.events, numPartitions: partitions },
      { topic: topics.alerts, numPartitions: partitions },
      { topic: topics.dlq, numPartitions: partitions },
    ]);
    await producer.connect();
  },
  {
    retries: 1000,
    initialDelayMs: 500,
    maxDelayMs: 10_000,
    signal: shutdown.signal,
    onRetry: (err, attempt) => logger.warn({ err, attempt }, 'Kafka not reachable yet; retrying'),
  },
);
kafkaReady = true;
logger.info('ingest ready');
