// fanout: alerts and status changes from Kafka → WebSocket clients (/v1/stream), the triage
// and history API (/v1/alerts), and the analyst console. Wiring only; see hub.ts (stream),
// kafka.ts (readers), triage.ts and history.ts (status changes, ClickHouse), api.ts.
import { readFileSync, watch } from 'node:fs';
import { createServer } from 'node:http';
import { createClickHouse, migrate } from '@soc/clickhouse';
import { createKafka, createProducer, ensureTopics } from '@soc/kafka';
import { topicNames } from '@soc/schema';
import { AnalystRegistry, requestToken, STREAM_SUBPROTOCOL } from '@soc/stream';
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
import { WebSocketServer } from 'ws';
import { apiHandler } from './api.ts';
import { loadFanoutConfig } from './config.ts';
import { Hub } from './hub.ts';
import { decodeMessage, RangeReader, startLiveReader } from './kafka.ts';
import { serveStatic } from './static.ts';
import { Triage } from './triage.ts';

const config = loadFanoutConfig(process.env);
const logger = createLogger('fanout', config.LOG_LEVEL);
const registry = createRegistry('fanout');
const shutdown = onShutdown(logger);
const topics = topicNames(config.SOC_TOPIC_NAMESPACE);
const counters = componentCounters(registry, 'fanout');
const metric = {
  clients: new Gauge({
    name: 'soc_fanout_clients',
    help: 'Connected WebSocket clients',
    registers: [registry],
  }),
  gaps: new Counter({
    name: 'soc_fanout_gaps_total',
    help: 'Gap notices sent to clients, by reason',
    labelNames: ['reason'],
    registers: [registry],
  }),
  slowCloses: new Counter({
    name: 'soc_fanout_slow_client_closes_total',
    help: 'Clients closed with 4008 for staying behind',
    registers: [registry],
  }),
  replayed: new Counter({
    name: 'soc_fanout_replayed_total',
    help: 'Messages replayed to resuming or lagging clients, by source (ring, kafka)',
    labelNames: ['source'],
    registers: [registry],
  }),
  authFailures: new Counter({
    name: 'soc_fanout_auth_failures_total',
    help: 'Requests and connections refused for their token, by reason',
    labelNames: ['reason'],
    registers: [registry],
  }),
};
let hub: Hub | undefined;
new Gauge({
  name: 'soc_fanout_deliveries',
  help: 'Frames written to client sockets since start (one per client per frame)',
  registers: [registry],
  collect() {
    this.set(hub?.delivered ?? 0);
  },
});

// analysts: a bad file at start is fatal; a bad change later is logged and the old list stays
const loadAnalysts = () => AnalystRegistry.fromYaml(readFileSync(config.FANOUT_ANALYSTS_FILE, 'utf8'));
let analysts = loadAnalysts();
let reloadTimer: NodeJS.Timeout | undefined;
const watcher = watch(config.FANOUT_ANALYSTS_FILE, () => {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => {
    try {
      analysts = loadAnalysts();
      logger.info({ analysts: analysts.size }, 'analysts reloaded');
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'analysts reload failed; keeping the previous list');
    }
  }, 200);
});
watcher.on('error', (err) => logger.warn({ err }, 'cannot watch the analysts file'));
logger.info({ analysts: analysts.size, file: config.FANOUT_ANALYSTS_FILE }, 'analysts loaded');

const chOptions = {
  url: config.CLICKHOUSE_URL,
  database: config.CLICKHOUSE_DATABASE,
  username: config.CLICKHOUSE_USER,
  password: config.CLICKHOUSE_PASSWORD,
};
const clickhouse = createClickHouse(chOptions);
const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'soc-fanout', logger });
const producer = createProducer(kafka);
const triage = new Triage({
  producer,
  topic: topics.alertStatus,
  clickhouse,
  logger,
  onDropped: (reason) => counters.dropped.inc({ reason }),
});
let ready = false;
let liveAssigned: () => boolean = () => false;

const ops = opsHandler(registry, {
  check: () =>
    shutdown.stopping
      ? 'shutting down'
      : !ready
        ? 'not caught up with Kafka yet'
        : liveAssigned()
          ? null
          : 'consumer has no partitions',
});
const api = apiHandler({
  analysts: () => analysts,
  triage,
  hub: () => hub,
  clickhouse,
  logger,
  onAuthFailure: (reason) => metric.authFailures.inc({ reason }),
});
const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method === 'GET' && serveStatic(path, res)) return;
  ops(req, res)
    .then((handled) => handled || api(req, res))
    .then((handled) => handled || sendJson(res, 404, { error: 'not found' }))
    .catch((err) => {
      logger.error({ err }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    });
});
const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  maxPayload: 64 * 1024,
  // browsers offer "soc.v1, bearer.<token>": select soc.v1, never echo the token
  handleProtocols: (protocols) => (protocols.has(STREAM_SUBPROTOCOL) ? STREAM_SUBPROTOCOL : false),
});
server.on('upgrade', (req, socket, head) => {
  const refuse = (status: string) => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };
  if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/v1/stream') return refuse('404 Not Found');
  const auth = analysts.authenticate(
    requestToken(req.headers.authorization, req.headers['sec-websocket-protocol']),
  );
  if (!auth.ok) {
    metric.authFailures.inc({ reason: auth.reason });
    return refuse('401 Unauthorized');
  }
  if (!hub || !ready || shutdown.stopping) return refuse('503 Service Unavailable');
  const h = hub;
  wss.handleUpgrade(req, socket, head, (ws) => h.accept(ws, auth.analyst));
});
shutdown.add('http server', () => closeServer(server));
shutdown.add('clickhouse client', () => clickhouse.close());
const port = await listen(server, config.FANOUT_PORT, config.FANOUT_HOST);
logger.info(
  { port, host: config.FANOUT_HOST },
  'fanout listening: console at /, stream at /v1/stream, API at /v1/alerts',
);

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
logger.info({ applied }, 'ClickHouse migrations done');
await retry(
  () =>
    ensureTopics(kafka, [
      { topic: topics.alerts, numPartitions: config.FANOUT_TOPIC_PARTITIONS },
      {
        topic: topics.alertStatus,
        numPartitions: config.FANOUT_TOPIC_PARTITIONS,
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      },
    ]),
  { ...retryForever, onRetry: (err) => logger.warn({ err }, 'Kafka not reachable yet; retrying') },
);
// where each partition starts and ends now (retried: a topic just created may not have its leaders known yet)
const [alertOffsets, statusOffsets] = await retry(
  async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return await Promise.all([
        admin.fetchTopicOffsets(topics.alerts),
        admin.fetchTopicOffsets(topics.alertStatus),
      ]);
    } finally {
      await admin.disconnect();
    }
  },
  { ...retryForever, onRetry: (err) => logger.warn({ err }, 'cannot read topic offsets yet; retrying') },
);
const byPartition = (offsets: { partition: number; low: string; high: string }[]) =>
  [...offsets]
    .sort((x, y) => x.partition - y.partition)
    .map((o) => ({ low: Number(o.low), high: Number(o.high) }));
const alertParts = byPartition(alertOffsets);
const statusParts = byPartition(statusOffsets);
const seeded = await retry(() => triage.seedFromClickHouse(), {
  ...retryForever,
  onRetry: (err) => logger.warn({ err }, 'cannot read alert_status yet; retrying'),
});
const start = {
  a: alertParts.map((o) => Math.max(o.low, o.high - config.FANOUT_RING_PER_PARTITION)),
  s: statusParts.map((o) => o.low),
};
const rangeReader = new RangeReader({
  kafka,
  groupPrefix: config.FANOUT_GROUP_ID,
  topics: { a: topics.alerts, s: topics.alertStatus },
  partitions: { a: alertParts.length, s: statusParts.length },
  logger,
});
const liveHub = new Hub({
  partitions: { a: alertParts.length, s: statusParts.length },
  start,
  ringPerPartition: config.FANOUT_RING_PER_PARTITION,
  maxBufferedBytes: config.FANOUT_MAX_BUFFERED_BYTES,
  slowClientMs: config.FANOUT_SLOW_CLIENT_SECONDS * 1000,
  heartbeatMs: config.FANOUT_HEARTBEAT_SECONDS * 1000,
  replayMax: config.FANOUT_REPLAY_MAX,
  lingerMs: config.FANOUT_LINGER_MS,
  states: (id) => triage.store.get(id),
  range: rangeReader,
  logger,
  metrics: {
    clients: metric.clients,
    gaps: metric.gaps,
    slowCloses: metric.slowCloses,
    replayed: metric.replayed,
  },
});
hub = liveHub;
triage.attach(liveHub);
shutdown.add('websocket clients', () => {
  liveHub.closeAll();
  return new Promise<void>((resolve) => wss.close(() => resolve()));
});

await retry(() => producer.connect(), retryForever);
shutdown.add('producer', () => producer.disconnect());
await retry(() => rangeReader.start(), retryForever);
shutdown.add('range reader', () => rangeReader.stop());
const live = await retry(
  () =>
    startLiveReader({
      kafka,
      groupPrefix: config.FANOUT_GROUP_ID,
      topics: { a: topics.alerts, s: topics.alertStatus },
      start,
      logger,
      onMessage: (kind, partition, m) => {
        counters.received.inc();
        if (kind === 's') return triage.onMessage(partition, m);
        const d = decodeMessage('a', partition, m);
        if (!d.ok) {
          counters.dropped.inc({ reason: d.reason });
          liveHub.skip('a', partition, Number(m.offset));
          return;
        }
        liveHub.publish(d.entry);
        counters.sent.inc();
      },
    }),
  retryForever,
);
shutdown.add('live reader', () => live.stop());
liveAssigned = live.assigned;

// ready once everything that was on the topics at start has been read
const caughtUp = () =>
  alertParts.every((o, p) => (liveHub.pos.a[p] ?? 0) >= o.high) &&
  statusParts.every((o, p) => (liveHub.pos.s[p] ?? 0) >= o.high);
while (!caughtUp() && !shutdown.stopping) await new Promise((r) => setTimeout(r, 50));
triage.caughtUp = true;
ready = true;
logger.info(
  {
    topics: [topics.alerts, topics.alertStatus],
    partitions: { alerts: alertParts.length, status: statusParts.length },
    ring: liveHub.rings.a.reduce((n, r) => n + r.size, 0),
    triaged: triage.store.size,
    seeded,
  },
  'fanout ready',
);
