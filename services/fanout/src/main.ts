// fanout: alerts from Kafka → WebSocket clients, and the live console page. Wiring only.
import { createServer } from 'node:http';
import { createKafka, ensureTopics, startConsumerLoop } from '@soc/kafka';
import { alertSchema, topicNames } from '@soc/schema';
import {
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
import { loadFanoutConfig } from './config.ts';
import { Hub } from './hub.ts';
import { serveStatic } from './static.ts';

const config = loadFanoutConfig(process.env);
const logger = createLogger('fanout', config.LOG_LEVEL);
const registry = createRegistry('fanout');
const shutdown = onShutdown(logger);
const topics = topicNames(config.SOC_TOPIC_NAMESPACE);
const counters = componentCounters(registry, 'fanout');
const hub = new Hub({
  backlog: config.FANOUT_BACKLOG,
  maxBufferedBytes: config.FANOUT_MAX_BUFFERED_BYTES,
  heartbeatMs: config.FANOUT_HEARTBEAT_SECONDS * 1000,
  logger,
  clientsGauge: new Gauge({
    name: 'soc_fanout_clients',
    help: 'Connected WebSocket clients',
    registers: [registry],
  }),
});
let loop: Awaited<ReturnType<typeof startConsumerLoop>> | undefined;
const ops = opsHandler(registry, {
  check: () =>
    shutdown.stopping ? 'shutting down' : loop?.ready() ? null : 'consumer has no partitions yet',
});
const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method === 'GET' && serveStatic(path, res)) return;
  ops(req, res).then((handled) => handled || sendJson(res, 404, { error: 'not found' }));
});
server.on('upgrade', (req, socket, head) => {
  if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/v1/stream') {
    socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
    return;
  }
  hub.handleUpgrade(req, socket, head);
});
shutdown.add('http server', () => closeServer(server));
shutdown.add('websocket hub', () => hub.close());
const port = await listen(server, config.FANOUT_PORT, config.FANOUT_HOST);
logger.info({ port, host: config.FANOUT_HOST }, 'fanout listening: console at /, stream at /v1/stream');

const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'soc-fanout', logger });
await retry(() => ensureTopics(kafka, [{ topic: topics.alerts, numPartitions: 6 }]), {
  retries: 1000,
  initialDelayMs: 500,
  maxDelayMs: 10_000,
  signal: shutdown.signal,
  onRetry: (err) => logger.warn({ err }, 'Kafka not reachable yet; retrying'),
});
loop = await startConsumerLoop({
  kafka,
  groupId: config.FANOUT_GROUP_ID,
  topic: topics.alerts,
  fromBeginning: true,
  logger,
  signal: shutdown.signal,
  handleBatch: async (messages, ctx) => {
    for (const m of messages) {
      counters.received.inc();
      let value: unknown;
      try {
        value = JSON.parse(m.value?.toString('utf8') ?? '');
      } catch {
        counters.dropped.inc({ reason: 'invalid_json' });
        continue;
      }
      const alert = alertSchema.safeParse(value);
      if (!alert.success) {
        counters.dropped.inc({ reason: 'invalid_alert' });
        continue;
      }
      hub.publish(alert.data, `${ctx.partition}:${m.offset}`);
      counters.sent.inc();
    }
  },
});
shutdown.add('consumer', () => loop?.stop());
logger.info({ topic: topics.alerts, group: config.FANOUT_GROUP_ID }, 'fanout consuming');
