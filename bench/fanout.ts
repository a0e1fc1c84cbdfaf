// Fan-out benchmark on the real stack (Kafka from the environment or the native local
// stack): the real fan-out service as a process, 1,000 WebSocket clients in a separate
// process (bench/fanout-clients.ts), alerts produced to Kafka with detected_at = send time.
//   1. memory per idle client (fan-out RSS before/after connecting the clients);
//   2. 100 alerts/s to 1,000 clients (100k deliveries/s): p50/p99 delay from the produce call
//      to the client, fan-out CPU;
//   3. the highest rate it sustains (every frame delivered, p99 < 1 s), stepping the rate
//      up, beside a bare `ws` broadcast of the same bytes (bench/fanout-bare.ts) as ceiling.
// Usage: node bench/fanout.ts [--clients 1000] [--rate 100] [--seconds 20] [--step-seconds 8]
//          [--linger ms] [--no-ramp]
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, REPO_ROOT, resolveStack, startService, stopServices, waitReady } from '@soc/devkit';
import { type Alert, stableId, topicNames } from '@soc/schema';
import { Kafka, logLevel } from 'kafkajs';
import { machineInfo } from './machine.ts';

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '20' },
    'step-seconds': { type: 'string', default: '8' },
    'no-ramp': { type: 'boolean', default: false },
    linger: { type: 'string', default: '' },
  },
});
const CLIENTS = Number(args.clients);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const STEP_SECONDS = Number(args['step-seconds']);
const STEPS = [100, 200, 300, 400, 600, 800, 1000, 1500, 2000, 3000];
const TOKEN = 'bench-analyst-token';

const stack = await resolveStack();
const id = `fbench${Date.now().toString(36)}`;
const logDir = join(REPO_ROOT, '.stack', 'logs', id);
const { mkdirSync, writeFileSync } = await import('node:fs');
mkdirSync(logDir, { recursive: true });
const analystsFile = join(logDir, 'analysts.yaml');
const { createHash } = await import('node:crypto');
writeFileSync(
  analystsFile,
  JSON.stringify({
    analysts: [
      {
        id: 'bench',
        token_sha256: createHash('sha256').update(TOKEN).digest('hex'),
        tenants: '*',
        role: 'analyst',
      },
    ],
  }),
);
const fanout = await startService('fanout', await freePort(), {
  env: {
    KAFKA_BROKERS: stack.kafkaBrokers,
    CLICKHOUSE_URL: stack.clickhouseUrl,
    SOC_TOPIC_NAMESPACE: id,
    CLICKHOUSE_DATABASE: id,
    FANOUT_GROUP_ID: `${id}-fanout`,
    FANOUT_ANALYSTS_FILE: analystsFile,
    ...(args.linger ? { FANOUT_LINGER_MS: args.linger } : {}),
    LOG_LEVEL: 'warn',
  },
  logDir,
});
await waitReady(fanout, 60_000);
const pid = fanout.process.pid!;

function rss(p: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}
function cpuTicks(p: number): number {
  const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime, in 1/100 s
}

const kafka = new Kafka({ brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
const topic = topicNames(id).alerts;
let n = 0;
function alert(at: string): Alert {
  const i = n++;
  return {
    id: stableId(id, String(i)),
    tenant: `tenant-${i % 20}`,
    rule: {
      id: '0f6f4a5c-2b8e-4e7a-8d55-3c9e6b1a2f10',
      name: 'Port scan from one source',
      version: 'EIiE5a86',
      severity: 'high',
      tags: ['attack.discovery', 'attack.t1046'],
    },
    group: { 'source.ip': `203.0.113.${i % 250}` },
    window_start: at,
    window_end: at,
    first_seen: at,
    last_seen: at,
    detected_at: at,
    event_count: 20,
    distinct_count: 20,
    evidence: {
      event_ids: Array.from({ length: 20 }, (_, j) => stableId(String(i), String(j))),
      values: Array.from({ length: 20 }, (_, j) => String(1000 + j)),
    },
    status: 'open',
  };
}

/** Produces `perSecond` alerts a second in 10 ms ticks until stopped. */
function produceAt(perSecond: number, send: (at: string, count: number) => Promise<void>) {
  let due = 0;
  let inFlight = 0;
  const timer = setInterval(() => {
    due += perSecond / 100;
    const count = Math.floor(due);
    // one send at a time: alerts that come due meanwhile go in the next batch, stamped when it is sent
    if (count === 0 || inFlight > 0) return;
    due -= count;
    inFlight++;
    void send(new Date().toISOString(), count).finally(() => inFlight--);
  }, 10);
  return () => clearInterval(timer);
}
const toKafka = (at: string, count: number) =>
  producer
    .send({
      topic,
      acks: -1,
      messages: Array.from({ length: count }, () => {
        const a = alert(at);
        return { key: a.id, value: JSON.stringify(a) };
      }),
    })
    .then(() => {});

function child(file: string, argv: string[] = []): ChildProcess {
  return fork(join(REPO_ROOT, 'bench', file), argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}
function ask<T>(c: ChildProcess, msg: unknown): Promise<T> {
  return new Promise((resolve) => {
    c.once('message', (m) => resolve(m as T));
    c.send(msg as object);
  });
}
interface Report {
  frames: number;
  p50: number;
  p99: number;
  max: number;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

console.log(`machine: ${await machineInfo()}`);
console.log(`fan-out pid ${pid}, ${CLIENTS} clients in a separate process\n`);

// 1. memory per idle client
const clients = child('fanout-clients.ts');
await sleep(500);
const rss0 = rss(pid);
const wsUrl = `${fanout.url.replace('http', 'ws')}/v1/stream`;
const { connected } = await ask<{ connected: number }>(clients, {
  cmd: 'connect',
  url: wsUrl,
  n: CLIENTS,
  token: TOKEN,
  subscribe: true,
});
await sleep(2000);
const rss1 = rss(pid);
console.log(
  `1. idle clients: ${connected} connected; fan-out RSS ${(rss0 / 2 ** 20).toFixed(1)} → ${(rss1 / 2 ** 20).toFixed(1)} MiB = ${((rss1 - rss0) / connected / 1024).toFixed(1)} KiB per client`,
);

// 2. the target load
await ask(clients, { cmd: 'reset' });
const c0 = cpuTicks(pid);
const cc0 = cpuTicks(clients.pid!);
const t0 = performance.now();
const stop = produceAt(RATE, toKafka);
await sleep(SECONDS * 1000);
stop();
await sleep(1000);
const wall = (performance.now() - t0) / 1000;
const cpu = (cpuTicks(pid) - c0) / 100 / wall;
const clientCpu = (cpuTicks(clients.pid!) - cc0) / 100 / wall;
const r = await ask<Report>(clients, { cmd: 'report' });
console.log(
  `2. ${RATE} alerts/s × ${connected} clients for ${SECONDS} s: ${r.frames} deliveries (${Math.round(r.frames / SECONDS)}/s); ` +
    `delay p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms; fan-out CPU ${(cpu * 100).toFixed(0)}% of one core ` +
    `(clients' process ${(clientCpu * 100).toFixed(0)}%), RSS ${(rss(pid) / 2 ** 20).toFixed(1)} MiB`,
);
const metrics = await (await fetch(`${fanout.url}/metrics`)).text();
console.log(
  `   fan-out metrics: ${metrics
    .split('\n')
    .filter((l) => /^soc_fanout_(gaps|slow|replayed|deliveries|clients)/.test(l))
    .map((l) => l.replace(/\{?service="fanout"\}?,?/, ''))
    .join('; ')}`,
);
if (args['no-ramp']) {
  clients.kill();
  await stopServices([fanout]);
  await producer.disconnect();
  process.exit(0);
}

// 3. the highest sustained rate: fan-out, then the bare broadcast with the same clients
async function ramp(name: string, start: (rate: number) => () => void): Promise<number> {
  let best = 0;
  for (const rate of STEPS) {
    await ask(clients, { cmd: 'reset' });
    const n0 = n;
    const stopRate = start(rate);
    await sleep(STEP_SECONDS * 1000);
    stopRate();
    await sleep(1500);
    const rep = await ask<Report>(clients, { cmd: 'report' });
    // what was actually produced (the producer sends one batch at a time), to every client
    const offered = (n - n0) * connected;
    const ok = rep.frames >= offered * 0.99 && rep.p99 < 1000;
    console.log(
      `   ${name} ${rate} alerts/s: ${Math.round(rep.frames / STEP_SECONDS)} deliveries/s of ${Math.round(offered / STEP_SECONDS)} produced, p50 ${rep.p50} ms, p99 ${rep.p99} ms${ok ? '' : '  ← not sustained'}`,
    );
    if (!ok) break;
    best = Math.max(best, Math.round(rep.frames / STEP_SECONDS));
    await sleep(2000);
  }
  return best;
}
console.log('3. highest sustained rate');
const fanoutBest = await ramp('fan-out', (rate) => produceAt(rate, toKafka));
clients.kill();
await stopServices([fanout]);

const barePort = await freePort();
const bare = child('fanout-bare.ts', [String(barePort)]);
await new Promise((r) => bare.once('message', r));
const bareClients = child('fanout-clients.ts');
await sleep(500);
await ask(bareClients, { cmd: 'connect', url: `ws://127.0.0.1:${barePort}/`, n: CLIENTS, subscribe: false });
const sample = alert('__AT__');
const template = `{"type":"alert","cursor":"a0:123456,a1:123456,a2:123456,a3:123456,a4:123456,a5:123456,s0:0,s1:0,s2:0,s3:0,s4:0,s5:0","state":{"status":"open","version":0,"assignee":null},"alert":${JSON.stringify(sample)}}`;
let bareSent = 0;
const bareRamp = async (batched: boolean) => {
  let best = 0;
  for (const rate of STEPS) {
    await ask(bareClients, { cmd: 'reset' });
    await ask(bare, { cmd: 'rate', perSecond: rate, template, batched });
    await sleep(STEP_SECONDS * 1000);
    const { sent } = await ask<{ sent: number }>(bare, { cmd: 'stop' });
    await sleep(1500);
    const rep = await ask<Report>(bareClients, { cmd: 'report' });
    // sent counts from the server's start: the difference is this step's
    const offered = (sent - bareSent) * CLIENTS;
    bareSent = sent;
    const ok = rep.frames >= offered * 0.99 && rep.p99 < 1000 && offered > 0;
    console.log(
      `   bare ws ${batched ? 'batched ' : 'per alert'} ${rate} alerts/s: ${Math.round(rep.frames / STEP_SECONDS)} deliveries/s of ${Math.round(offered / STEP_SECONDS)} sent, p50 ${rep.p50} ms, p99 ${rep.p99} ms${ok ? '' : '  ← not sustained'}`,
    );
    if (!ok) break;
    best = Math.max(best, Math.round(rep.frames / STEP_SECONDS));
    await sleep(2000);
  }
  return best;
};
const bareBest = await bareRamp(false);
const bareBatchedBest = await bareRamp(true);
bareClients.kill();
bare.kill();
const pct = (x: number) => (x ? `${((100 * fanoutBest) / x).toFixed(0)}%` : '—');
console.log(
  `\nsustained deliveries/s: fan-out ${fanoutBest}; bare ws per-alert broadcast ${bareBest} (fan-out = ${pct(bareBest)}); ` +
    `bare batched broadcast ${bareBatchedBest} (fan-out = ${pct(bareBatchedBest)})`,
);
await producer.disconnect();
await fetch(`${stack.clickhouseUrl}/`, { method: 'POST', body: `DROP DATABASE IF EXISTS ${id}` }).catch(
  () => {},
);
await stack.stop();
process.exit(0);
