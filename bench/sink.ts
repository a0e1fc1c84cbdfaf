// Sink benchmark on the real stack: how many event rows per second the sink moves from Kafka
// into ClickHouse at a given SINK_BATCH_MAX_ROWS, beside the ceiling of the server itself
// (clickhouse-client inserting the same rows from a file, FORMAT JSONEachRow).
//   1. N ECS events (iptables-like, ~0.9 KB each) are produced once to <ns>.events.v1;
//   2. per batch size and run: a fresh database and consumer group, the sink as a process;
//      the clock starts when it is ready and stops when count() reaches N;
//   3. the ceiling: the rows the sink would insert, written to a file and sent with
//      clickhouse-client (native port: CLICKHOUSE_TCP_PORT, default 9000).
// Every measurement runs --runs times; the median is reported.
// Usage: node bench/sink.ts [--events 200000] [--batches 1000,10000,50000] [--runs 2]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveStack, startServices, stopServices } from '@soc/devkit';
import { type EcsEvent, stableId } from '@soc/schema';
import { Kafka, logLevel } from 'kafkajs';
import { eventRow } from '../services/sink/src/event-rows.ts';
import { machineInfo } from './machine.ts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    batches: { type: 'string', default: '1000,10000,50000' },
    runs: { type: 'string', default: '2' },
  },
});
const N = Number(args.events);
const BATCHES = args.batches.split(',').map(Number);
const RUNS = Number(args.runs);

const stack = await resolveStack();
const ch = stack.clickhouseUrl;
const id = `bsink${Date.now().toString(36)}`;
const T0 = Date.now();

async function sql(query: string): Promise<string> {
  const res = await fetch(`${ch}/`, { method: 'POST', body: query });
  const text = await res.text();
  if (!res.ok) throw new Error(`ClickHouse: ${text}`);
  return text.trim();
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function event(i: number): EcsEvent {
  const ts = new Date(T0 - (i % 3600) * 1000).toISOString();
  const src = `198.51.${(i >> 8) % 256}.${i % 256}`;
  const original = `<4>1 ${ts} fw${i % 8} kernel - - - [UFW BLOCK] IN=eth0 OUT= MAC=00:16:3e:aa:bb:cc SRC=${src} DST=10.0.${i % 16}.5 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=${i % 65536} DF PROTO=TCP SPT=${40000 + (i % 20000)} DPT=${i % 1024} WINDOW=64240 RES=0x00 SYN URGP=0`;
  return {
    '@timestamp': ts,
    ecs: { version: '8.11.0' },
    event: {
      id: stableId(id, String(i)),
      kind: 'event',
      category: ['network'],
      type: ['connection', 'denied'],
      action: 'drop',
      outcome: 'failure',
      dataset: 'iptables.log',
      module: 'iptables',
      original,
      ingested: new Date(T0).toISOString(),
    },
    organization: { id: `tenant${i % 4}` },
    observer: { vendor: 'netfilter', product: 'iptables', type: 'firewall', name: `fw${i % 8}` },
    source: { ip: src, port: 40000 + (i % 20000), bytes: 60, packets: 1 },
    destination: { ip: `10.0.${i % 16}.5`, port: i % 1024 },
    network: { transport: 'tcp', iana_number: '6', direction: 'inbound' },
  };
}

console.log(`machine: ${await machineInfo(ch)}`);
console.log(`producing ${N} events to ${id}.events.v1 ...`);
const kafka = new Kafka({ brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ waitForLeaders: true, topics: [{ topic: `${id}.events.v1`, numPartitions: 6 }] });
await admin.disconnect();
const producer = kafka.producer();
await producer.connect();
const events = Array.from({ length: N }, (_, i) => event(i));
for (let i = 0; i < N; i += 2000) {
  await producer.send({
    topic: `${id}.events.v1`,
    compression: 0,
    messages: events.slice(i, i + 2000).map((e) => ({ key: e.organization.id, value: JSON.stringify(e) })),
  });
}
await producer.disconnect();
const avgBytes = Math.round(events.reduce((n, e) => n + JSON.stringify(e).length, 0) / N);
console.log(`${N} events produced, ${avgBytes} bytes each on average`);

const results: { what: string; rates: number[] }[] = [];
for (const batch of BATCHES) {
  const rates: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const db = `${id}_b${batch}_${run}`;
    const { sink } = await startServices({
      services: ['sink'],
      env: {
        KAFKA_BROKERS: stack.kafkaBrokers,
        CLICKHOUSE_URL: ch,
        SOC_TOPIC_NAMESPACE: id,
        CLICKHOUSE_DATABASE: db,
        SINK_GROUP_ID: `${db}-sink`,
        SINK_BATCH_MAX_ROWS: String(batch),
        SINK_BATCH_MAX_WAIT_MS: '1000',
        SINK_DLQ: 'false',
        SINK_ALERT_STATUS: 'false',
        LOG_LEVEL: 'warn',
      },
      logDir: join('test-results', 'logs', db),
    });
    const t0 = performance.now();
    const c0 = Number(await sql(`SELECT count() FROM ${db}.events`));
    let count = c0;
    while (count < N) {
      await new Promise((r) => setTimeout(r, 100));
      count = Number(await sql(`SELECT count() FROM ${db}.events`));
    }
    const seconds = (performance.now() - t0) / 1000;
    await stopServices([sink]);
    rates.push((N - c0) / seconds);
    console.log(
      `sink, batch ${batch}, run ${run + 1}: ${Math.round((N - c0) / seconds)} rows/s (${seconds.toFixed(1)} s)`,
    );
    await sql(`DROP DATABASE IF EXISTS ${db}`);
  }
  results.push({ what: `sink, SINK_BATCH_MAX_ROWS=${batch}`, rates });
}

// the ceiling: the same rows, straight from a file into the server's native protocol
const file = join(tmpdir(), `${id}.jsonl`);
writeFileSync(file, `${events.map((e) => JSON.stringify(eventRow(e))).join('\n')}\n`);
const tcpPort = process.env['CLICKHOUSE_TCP_PORT'] || '9000';
const ceiling: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const db = `${id}_ceiling_${run}`;
  execFileSync('node', ['packages/cli/src/main.ts', 'db', 'migrate', '--url', ch, '--database', db], {
    stdio: 'ignore',
  });
  const t0 = performance.now();
  execFileSync(
    'bash',
    [
      '-c',
      `clickhouse-client --port ${tcpPort} --date_time_input_format=best_effort --query "INSERT INTO ${db}.events FORMAT JSONEachRow" < ${file}`,
    ],
    { stdio: 'inherit' },
  );
  const seconds = (performance.now() - t0) / 1000;
  ceiling.push(N / seconds);
  console.log(
    `clickhouse-client, run ${run + 1}: ${Math.round(N / seconds)} rows/s (${seconds.toFixed(1)} s)`,
  );
  await sql(`DROP DATABASE IF EXISTS ${db}`);
}
results.push({ what: 'clickhouse-client INSERT FORMAT JSONEachRow (ceiling)', rates: ceiling });

console.log('\nmedian rows/s over', RUNS, 'runs:');
for (const r of results)
  console.log(`  ${r.what.padEnd(58)} ${String(Math.round(median(r.rates))).padStart(8)}`);
await stack.stop();
