// The demo: the real services on their local default ports against the local stack, a
// traffic generator streaming background firewall traffic with a port scan every 20
// seconds, and the console URL. Ctrl-C stops everything it started.
import { join } from 'node:path';
import { startGenerator } from '@soc/traffic';
import { DEMO_TOKEN } from './sensors.ts';
import { REPO_ROOT, startServices, stopServices } from './services.ts';
import { nativeStack, nativeStackRunning } from './stack.ts';

const rate = Number(process.env['DEMO_EVENTS_PER_SECOND'] ?? 200);
const scanEvery = Number(process.env['DEMO_SCAN_EVERY_SECONDS'] ?? 20);
const logDir = join(REPO_ROOT, '.stack', 'logs');

const startedStack =
  !(process.env['KAFKA_BROKERS'] && process.env['CLICKHOUSE_URL']) && !nativeStackRunning();
if (startedStack) nativeStack('up');

const env: Record<string, string> = {
  KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
  CLICKHOUSE_URL: process.env['CLICKHOUSE_URL'] ?? 'http://127.0.0.1:8123',
};
console.log(`starting services (logs in ${logDir}) ...`);
const services = await startServices({
  env,
  logDir,
  ports: { ingest: 8080, fanout: 8081, correlator: 8082, sink: 8083 },
});
const generator = startGenerator({
  ingestUrl: services.ingest.url,
  token: DEMO_TOKEN,
  eventsPerSecond: rate,
  scanEverySeconds: scanEvery,
  scanPorts: 30,
  onScan: (source) => console.log(`${new Date().toISOString()}  simulated port scan from ${source}`),
  onError: (err) => console.error(`generator: ${err.message}`),
});

console.log(`
  SOC demo running: ${rate} firewall events/s, a port scan every ${scanEvery} s.

    console   ${services.fanout.url}/   (analyst token: soc_demo_analyst_local_only)
    ingest    POST ${services.ingest.url}/v1/logs?format=auto   (Authorization: Bearer ${DEMO_TOKEN})
    syslog    udp and tcp 127.0.0.1:5514
    metrics   ${services.ingest.url}/metrics  ${services.correlator.url}/metrics
    alerts    SELECT * FROM soc.alerts FINAL  (ClickHouse ${env.CLICKHOUSE_URL})

  Ctrl-C stops it all.
`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping ...');
  generator.stop();
  await stopServices(Object.values(services));
  if (startedStack) nativeStack('down');
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
