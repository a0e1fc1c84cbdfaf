// ingest: log intake over HTTP and syslog → ECS events on Kafka. Wiring only; see
// http.ts, syslog.ts, intake.ts and files.ts.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { RateLimiter } from '@soc/ingest';
import { createKafka, createProducer, ensureTopics } from '@soc/kafka';
import { topicNames } from '@soc/schema';
import {
  Counter,
  closeServer,
  componentCounters,
  createLogger,
  createRegistry,
  Gauge,
  Histogram,
  listen,
  onShutdown,
  opsHandler,
  retry,
  sendJson,
} from '@soc/telemetry';
import { loadIngestConfig } from './config.ts';
import { loadIntel, loadSensors, loadZones, Reloadable } from './files.ts';
import { logsHandler } from './http.ts';
import { Intake } from './intake.ts';
import { ParsePool } from './parse-pool.ts';
import { SyslogIntake } from './syslog.ts';

const config = loadIngestConfig(process.env);
const logger = createLogger('ingest', config.LOG_LEVEL);
const registry = createRegistry('ingest');
const shutdown = onShutdown(logger);
const topics = topicNames(config.SOC_TOPIC_NAMESPACE);
const counters = componentCounters(registry, 'ingest');
const reloads = new Counter({
  name: 'soc_ingest_file_reloads_total',
  help: 'Reloads of sensors, zones and intel files, by result',
  labelNames: ['file', 'result'],
  registers: [registry],
});
const sensors = new Reloadable('sensors', loadSensors(config.INGEST_SENSORS_FILE), logger, reloads);
const zones = new Reloadable('zones', loadZones(config.INGEST_ZONES_FILE), logger, reloads);
const intel = new Reloadable('intel', loadIntel(config.INGEST_INTEL_DIR), logger, reloads);
sensors.watch(config.INGEST_SENSORS_FILE);
zones.watch(config.INGEST_ZONES_FILE);
intel.watch(config.INGEST_INTEL_DIR);
logger.info(
  { sensors: sensors.get().sensors.length, intel: intel.get()?.stats ?? [] },
  'configuration loaded',
);

const pool = new ParsePool({
  threads: config.INGEST_PARSE_THREADS,
  zonesFile: config.INGEST_ZONES_FILE,
  intelDir: config.INGEST_INTEL_DIR,
  logLevel: config.LOG_LEVEL,
  logger,
  enrichment: () => ({ zones: zones.get(), intel: intel.get() }),
});
zones.onReload(() => pool.reloaded('zones'));
intel.onReload(() => pool.reloaded('intel'));

const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'soc-ingest', logger });
const producer = createProducer(kafka);
let kafkaReady = false;
const intake = new Intake({
  producer,
  topics,
  kafkaTimeoutMs: config.INGEST_KAFKA_TIMEOUT_MS,
  maxRequestBytes: config.INGEST_KAFKA_MAX_REQUEST_BYTES,
  counters,
  enriched: new Counter({
    name: 'soc_ingest_enriched_total',
    help: 'Events enriched, by kind',
    labelNames: ['kind'],
    registers: [registry],
  }),
  logger,
});
const handleLogs = logsHandler({
  config,
  intake,
  pool,
  sensors: () => sensors.get(),
  limiter: new RateLimiter(),
  logger,
  counters,
  requestSeconds: new Histogram({
    name: 'soc_ingest_request_duration_seconds',
    help: 'POST /v1/logs latency, from request to Kafka acknowledgement',
    labelNames: ['status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  }),
});
const syslog = new SyslogIntake({
  intake,
  pool,
  sensors: () => sensors.get(),
  logger,
  counters,
  defaultFormat: config.INGEST_SYSLOG_FORMAT,
  keepOriginal: config.INGEST_KEEP_ORIGINAL,
  maxLineBytes: config.INGEST_MAX_LINE_BYTES,
  maxPendingLines: config.INGEST_SYSLOG_MAX_PENDING_LINES,
  flushMs: config.INGEST_SYSLOG_FLUSH_MS,
  maxBatch: config.INGEST_SYSLOG_MAX_BATCH,
});
new Gauge({
  name: 'soc_ingest_syslog_paused',
  help: '1 while syslog intake is paused by backpressure (TCP not read, UDP dropped)',
  registers: [registry],
  collect() {
    this.set(syslog.backpressured ? 1 : 0);
  },
});
const ops = opsHandler(registry, {
  check: () => (shutdown.stopping ? 'shutting down' : kafkaReady ? null : 'Kafka producer not connected'),
});
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/v1/logs') {
    if (shutdown.stopping) return sendJson(res, 503, { error: 'shutting down' }, { 'retry-after': '1' });
    void handleLogs(req, res, url);
    return;
  }
  ops(req, res).then((handled) => handled || sendJson(res, 404, { error: 'not found' }));
});

shutdown.add('kafka producer', () => producer.disconnect());
shutdown.add('parse threads', () => pool.close());
shutdown.add('http server', () => closeServer(server));
shutdown.add('syslog', () => syslog.close());
shutdown.add('file watchers', () => {
  for (const f of [sensors, zones, intel]) f.close();
});
const port = await listen(server, config.INGEST_PORT, config.INGEST_HOST);
const syslogPorts: Record<string, number> = {};
if (config.INGEST_SYSLOG_UDP_PORT > 0)
  syslogPorts['udp'] = await syslog.listenUdp(config.INGEST_SYSLOG_HOST, config.INGEST_SYSLOG_UDP_PORT);
if (config.INGEST_SYSLOG_TCP_PORT > 0)
  syslogPorts['tcp'] = await syslog.listenTcp(config.INGEST_SYSLOG_HOST, config.INGEST_SYSLOG_TCP_PORT);
if (config.INGEST_SYSLOG_TLS_PORT > 0) {
  syslogPorts['tls'] = await syslog.listenTcp(config.INGEST_SYSLOG_HOST, config.INGEST_SYSLOG_TLS_PORT, {
    cert: readFileSync(config.INGEST_SYSLOG_TLS_CERT_FILE),
    key: readFileSync(config.INGEST_SYSLOG_TLS_KEY_FILE),
  });
}
logger.info({ port, host: config.INGEST_HOST, syslog: syslogPorts, topics }, 'ingest listening');

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
    retriable: () => true,
    initialDelayMs: 500,
    maxDelayMs: 10_000,
    signal: shutdown.signal,
    onRetry: (err, attempt) => logger.warn({ err, attempt }, 'Kafka not reachable yet; retrying'),
  },
);
kafkaReady = true;
logger.info('ingest ready');
