// Sink benchmark on the real stack: how many event rows per second the sink moves from Kafka
// into ClickHouse at a given SINK_BATCH_MAX_ROWS, beside the ceiling of the server itself
// (clickhouse-client inserting the same rows from a file, FORMAT TSKV as the sink sends them).
//   1. N ECS events (iptables-like, ~0.9 KB each) are produced once to <ns>.events.v1;
//   2. per batch size and run: a fresh database and consumer group, the sink as a process;
//      the clock starts when it is ready and stops when count() reaches N;
//   3. the ceiling: the rows the sink would insert, written to a file and sent with
//      clickhouse-client (native port: CLICKHOUSE_TCP_PORT, default 9000).
// With --rate R the events are produced at R per second while the sink runs (a topic per run),
// the load it sees in a pipeline, instead of a backlog it drains.
// Beside each rate, the CPU the sink process spent per row from ready to the last row (user +
// system, from /proc): on a shared machine it varies much less than the rate does.
// Every measurement runs --runs times; the median is reported.
// --profile writes a V8 CPU profile of each sink process into its log folder.
// Usage: node bench/sink.ts [--events 200000] [--batches 1000,10000,50000] [--runs 2] [--rate 0] [--profile] [--no-ceiling]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
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
    rate: { type: 'string', default: '0' },
    profile: { type: 'boolean', default: false },
    ceiling: { type: 'boolean', default: true },
  },
  allowNegative: true,
});
const N = Number(args.events);
const BATCHES = args.batches.split(',').map(Number);
const RUNS = Number(args.runs);
const RATE = Number(args.rate);

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
/** CPU seconds (user + system) a process has used so far. */
const CLOCK_TICKS = 100;
const cpuSeconds = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
};
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
const kafka = new Kafka({ brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
const events = Array.from({ length: N }, (_, i) => event(i));
const values = events.map((e) => JSON.stringify(e));
const avgBytes = Math.round(values.reduce((n, v) => n + v.length, 0) / N);

async function createTopic(topic: string) {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 6 }] });
  await admin.disconnect();
}

/** Produces the N events to `topic`: as fast as possible, or at RATE per second when RATE > 0. */
async function produce(topic: string) {
  const producer = kafka.producer();
  await producer.connect();
  const t0 = performance.now();
  for (let i = 0; i < N; ) {
    const due = RATE > 0 ? Math.min(N, Math.floor(((performance.now() - t0) / 1000) * RATE)) : N;
    if (due <= i) {
      await new Promise((r) => setTimeout(r, 10));
      continue;
    }
    const end = Math.min(due, i + 2000);
    await producer.send({
      topic,
      compression: 0,
      messages: values.slice(i, end).map((value, j) => ({ key: events[i + j]!.organization.id, value })),
    });
    i = end;
  }
  await producer.disconnect();
}

console.log(`machine: ${await machineInfo(ch)}`);
if (RATE === 0) {
  console.log(`producing ${N} events to ${id}.events.v1 ...`);
  await createTopic(`${id}.events.v1`);
  await produce(`${id}.events.v1`);
  console.log(`${N} events produced, ${avgBytes} bytes each on average`);
} else {
  console.log(`${N} events, ${avgBytes} bytes each on average, produced at ${RATE}/s while the sink runs`);
}

const results: { what: string; rates: number[]; cpu?: number[] }[] = [];
for (const batch of BATCHES) {
  const rates: number[] = [];
  const cpu: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const db = `${id}_b${batch}_${run}`;
    // at a fixed rate, every run has a topic of its own, produced to while the sink consumes it
    const namespace = RATE > 0 ? db : id;
    if (RATE > 0) await createTopic(`${namespace}.events.v1`);
    const { sink } = await startServices({
      services: ['sink'],
      env: {
        KAFKA_BROKERS: stack.kafkaBrokers,
        CLICKHOUSE_URL: ch,
        SOC_TOPIC_NAMESPACE: namespace,
        CLICKHOUSE_DATABASE: db,
        SINK_GROUP_ID: `${db}-sink`,
        SINK_BATCH_MAX_ROWS: String(batch),
        SINK_BATCH_MAX_WAIT_MS: '1000',
        SINK_DLQ: 'false',
        SINK_ALERT_STATUS: 'false',
        LOG_LEVEL: 'warn',
        ...(args.profile
          ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${join('test-results', 'logs', db)}` }
          : {}),
      },
      logDir: join('test-results', 'logs', db),
    });
    const pid = sink.process.pid!;
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    const c0 = Number(await sql(`SELECT count() FROM ${db}.events`));
    const producing = RATE > 0 ? produce(`${namespace}.events.v1`) : Promise.resolve();
    let count = c0;
    while (count < N) {
      await new Promise((r) => setTimeout(r, 100));
      count = Number(await sql(`SELECT count() FROM ${db}.events`));
    }
    await producing;
    const seconds = (performance.now() - t0) / 1000;
    const usPerRow = ((cpuSeconds(pid) - cpu0) / (N - c0)) * 1e6;
    await stopServices([sink]);
    rates.push((N - c0) / seconds);
    cpu.push(usPerRow);
    console.log(
      `sink, batch ${batch}, run ${run + 1}: ${Math.round((N - c0) / seconds)} rows/s (${seconds.toFixed(1)} s), ${usPerRow.toFixed(1)} µs CPU/row`,
    );
    await sql(`DROP DATABASE IF EXISTS ${db}`);
  }
  results.push({ what: `sink, SINK_BATCH_MAX_ROWS=${batch}`, rates, cpu });
}

// the ceiling: the same rows, straight from a file into the server's native protocol
const file = join(tmpdir(), `${id}.tskv`);
writeFileSync(file, `${events.map((e) => eventRow(e)).join('\n')}\n`);
const tcpPort = process.env['CLICKHOUSE_TCP_PORT'] || '9000';
const ceiling: number[] = [];
for (let run = 0; run < (args.ceiling ? RUNS : 0); run++) {
  const db = `${id}_ceiling_${run}`;
  execFileSync('node', ['packages/cli/src/main.ts', 'db', 'migrate', '--url', ch, '--database', db], {
    stdio: 'ignore',
  });
  const t0 = performance.now();
  execFileSync(
    'bash',
    [
      '-c',
      `clickhouse-client --port ${tcpPort} --date_time_input_format=best_effort --query "INSERT INTO ${db}.events FORMAT TSKV" < ${file}`,
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
if (args.ceiling) results.push({ what: 'clickhouse-client INSERT FORMAT TSKV (ceiling)', rates: ceiling });

console.log('\nmedian rows/s over', RUNS, 'runs:');
for (const r of results)
  console.log(
    `  ${r.what.padEnd(58)} ${String(Math.round(median(r.rates))).padStart(8)}${r.cpu ? `, ${median(r.cpu).toFixed(1)} µs CPU/row` : ''}`,
  );
await stack.stop();
