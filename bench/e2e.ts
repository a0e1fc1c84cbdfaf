// End-to-end benchmark on the real stack (Kafka + ClickHouse from the environment or the
// native local stack) with the real services as processes:
//   1. throughput: N firewall lines posted to ingest by C concurrent senders in batches;
//      reports the ingest-accept rate and the rate through ingest → Kafka → correlator
//      (until the correlator has consumed every event);
//   2. latency, once the sink has stored the backlog of (1): background traffic at a fixed
//      rate with port scans injected; for each scan,
//      the time from posting the request that completes it to the alert arriving on the
//      alerts topic and on a WebSocket client (both observed from a worker thread,
//      e2e-observer.ts, so generating the traffic does not delay them; an alert can arrive
//      before the client has read its HTTP 200, so the clock starts at the request), beside
//      the request's own accept latency, and the time to Kafka split at the alert's
//      detected_at and at the record's producer timestamp.
// Usage: node bench/e2e.ts [--events 200000] [--batch 1000] [--senders 4] [--rate 2000] [--seconds 30] [--lateness 0]
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { resolveStack, startServices, stopServices, writeAnalystsFile, writeSensorsFile } from '@soc/devkit';
import { backgroundLines, portScanLines, rng } from '@soc/traffic';
import { Kafka, logLevel } from 'kafkajs';
import type { Observation } from './e2e-observer.ts';
import { machineInfo, percentile } from './machine.ts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '1000' },
    senders: { type: 'string', default: '4' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '30' },
    /** the correlator's allowed lateness: alerts wait for the watermark, so latency includes it */
    lateness: { type: 'string', default: '0' },
  },
});
const N = Number(args.events);
const BATCH = Number(args.batch);
const SENDERS = Number(args.senders);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);

const stack = await resolveStack();
const id = `bench${Date.now().toString(36)}`;
const services = await startServices({
  env: {
    KAFKA_BROKERS: stack.kafkaBrokers,
    CLICKHOUSE_URL: stack.clickhouseUrl,
    SOC_TOPIC_NAMESPACE: id,
    CLICKHOUSE_DATABASE: id,
    CORRELATOR_GROUP_ID: `${id}-correlator`,
    SINK_GROUP_ID: `${id}-sink`,
    FANOUT_GROUP_ID: `${id}-fanout`,
    LOG_LEVEL: 'warn',
    INGEST_KEEP_ORIGINAL: 'false',
    CORRELATOR_ALLOWED_LATENESS_MS: args.lateness,
    CORRELATOR_IDLE_ADVANCE_MS: '1000',
    INGEST_SENSORS_FILE: writeSensorsFile(`.stack/logs/${id}`, [
      { id: 'bench', tenant: 'bench', token: 'bench-token', rate_limit_lines_per_second: 10_000_000 },
    ]),
    FANOUT_ANALYSTS_FILE: writeAnalystsFile(`.stack/logs/${id}`, [
      { id: 'bench', token: 'bench-analyst', tenants: '*', role: 'admin' },
    ]),
    INGEST_SYSLOG_UDP_PORT: '0',
    INGEST_SYSLOG_TCP_PORT: '0',
  },
  logDir: `.stack/logs/${id}`,
});

async function post(lines: string[]): Promise<number> {
  const res = await fetch(`${services.ingest.url}/v1/logs?format=iptables`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', authorization: 'Bearer bench-token' },
    body: `${lines.join('\n')}\n`,
  });
  const body = (await res.json()) as { accepted: number };
  if (res.status !== 200) throw new Error(`ingest answered ${res.status}`);
  return body.accepted;
}

/** Events the sink has not yet stored (its lag gauge, refreshed every few seconds). */
async function sinkLag(): Promise<number> {
  const text = await (await fetch(`${services.sink.url}/metrics`)).text();
  const m = /^soc_sink_lag_messages\{[^}]*topic="[^"]*\.events\.v1"[^}]*\} (\d+)/m.exec(text);
  return m ? Number(m[1]) : 1;
}

async function correlatorReceived(): Promise<number> {
  const text = await (await fetch(`${services.correlator.url}/metrics`)).text();
  const m = /^soc_correlator_received_total(?:\{[^}]*\})? (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

try {
  // 1. throughput
  const start = new Date(Date.now() - 3_600_000);
  const lines = backgroundLines(N, start, rng(42));
  const batches: string[][] = [];
  for (let i = 0; i < lines.length; i += BATCH) batches.push(lines.slice(i, i + BATCH));
  const t0 = performance.now();
  let next = 0;
  let accepted = 0;
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (next < batches.length) {
        const n = await post(batches[next++]!);
        accepted += n;
      }
    }),
  );
  const tAccepted = performance.now();
  while ((await correlatorReceived()) < N) await new Promise((r) => setTimeout(r, 50));
  const tCorrelated = performance.now();
  const acceptRate = accepted / ((tAccepted - t0) / 1000);
  const e2eRate = N / ((tCorrelated - t0) / 1000);
  // the latency phase starts from a steady state: the sink has stored the backlog too
  const settleBy = performance.now() + 180_000;
  while ((await sinkLag()) > 0 && performance.now() < settleBy) await new Promise((r) => setTimeout(r, 500));

  // 2. latency at a fixed rate, observed from another thread
  const observer = new Worker(new URL('./e2e-observer.ts', import.meta.url), {
    workerData: {
      brokers: stack.kafkaBrokers,
      topic: `${id}.alerts.v1`,
      groupId: `${id}-bench`,
      wsUrl: `${services.fanout.url.replace('http', 'ws')}/v1/stream`,
      token: 'bench-analyst',
    },
  });
  const wall = () => performance.timeOrigin + performance.now();
  const sentAt = new Map<string, number>();
  const toDetected: number[] = [];
  const detectedToSent: number[] = [];
  const sentToSeen: number[] = [];
  const acceptMs: number[] = [];
  const latencies: number[] = [];
  const toKafka: number[] = [];
  const kafkaSeen = new Set<string>();
  const wsSeen = new Set<string>();
  // the first alert of a scan; its later revisions are not timed
  observer.on('message', (o: Observation | string) => {
    if (typeof o === 'string') return;
    const at = sentAt.get(o.src);
    if (at === undefined) return;
    if (o.via === 'ws' && !wsSeen.has(o.src)) {
      wsSeen.add(o.src);
      latencies.push(o.at - at);
    } else if (o.via === 'kafka' && !kafkaSeen.has(o.src)) {
      kafkaSeen.add(o.src);
      toKafka.push(o.at - at);
      toDetected.push(o.detectedAt! - at);
      detectedToSent.push(o.sentAt! - o.detectedAt!);
      sentToSeen.push(o.at - o.sentAt!);
    }
  });
  await new Promise((resolve, reject) => {
    observer.once('error', reject);
    observer.on('message', (m) => m === 'ready' && resolve(undefined));
  });
  const random = rng(7);
  const tickMs = 100;
  const perTick = Math.round((RATE * tickMs) / 1000);
  let scans = 0;
  const deadline = performance.now() + SECONDS * 1000;
  while (performance.now() < deadline) {
    const tick = performance.now();
    const now = new Date();
    const batch = backgroundLines(perTick, now, random);
    let source: string | undefined;
    if (scans < 250 && Math.floor((tick - (deadline - SECONDS * 1000)) / 200) >= scans) {
      scans++;
      source = `203.0.${100 + Math.floor(scans / 250)}.${scans % 250}`;
      batch.push(
        ...portScanLines(
          source,
          '10.0.0.1',
          Array.from({ length: 20 }, (_, i) => 5000 + i),
          // after this batch's background lines, so each partition sees its events in time order
          new Date(now.getTime() + perTick),
          1,
        ),
      );
    }
    const postStart = performance.now();
    if (source) sentAt.set(source, wall());
    await post(batch);
    acceptMs.push(performance.now() - postStart);
    const wait = tickMs - (performance.now() - tick);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await new Promise((r) => setTimeout(r, 2000));
  const metrics = await (await fetch(`${services.correlator.url}/metrics`)).text();
  observer.postMessage('stop');
  await new Promise((resolve) => observer.on('message', (m) => m === 'stopped' && resolve(undefined)));
  await observer.terminate();
  toKafka.sort((a, b) => a - b);
  toDetected.sort((a, b) => a - b);
  detectedToSent.sort((a, b) => a - b);
  sentToSeen.sort((a, b) => a - b);
  latencies.sort((a, b) => a - b);
  acceptMs.sort((a, b) => a - b);
  const fmt = (xs: number[]) =>
    `p50 ${percentile(xs, 50).toFixed(1)} ms, p90 ${percentile(xs, 90).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms, max ${xs.at(-1)?.toFixed(1)} ms`;

  console.log(`machine:    ${await machineInfo(stack.clickhouseUrl)} (stack: ${stack.source})`);
  console.log(`throughput: ${N} events, batches of ${BATCH}, ${SENDERS} concurrent senders`);
  console.log(`  ingest accepted (Kafka acked)      ${acceptRate.toFixed(0)} events/s`);
  console.log(`  ingest → Kafka → correlator        ${e2eRate.toFixed(0)} events/s`);
  console.log(
    `latency:    ${RATE} events/s for ${SECONDS} s, allowed lateness ${args.lateness} ms, ${scans} port scans, ${latencies.length} alerts received`,
  );
  console.log(`  POST /v1/logs until Kafka-acked 200 ${fmt(acceptMs)}`);
  console.log(`  POST /v1/logs → alert detected     ${fmt(toDetected)} (the alert's detected_at)`);
  console.log(`  POST /v1/logs → alert on Kafka     ${fmt(toKafka)} (${toKafka.length} alerts)`);
  console.log(`    of which detected → sent         ${fmt(detectedToSent)} (the correlator's outbox)`);
  console.log(`    and sent → read here             ${fmt(sentToSeen)} (Kafka and the observer)`);
  console.log(`  POST /v1/logs → alert on WebSocket ${fmt(latencies)}`);
  console.log(`checkpoints (correlator): ${checkpointSummary(metrics)}`);
} finally {
  await stopServices(Object.values(services));
  await dropBenchData().catch((err) =>
    console.error(`could not remove the bench's topics and database: ${err}`),
  );
  await stack.stop();
}

/** The run's topics and database go: a bench writes hundreds of thousands of events each time. */
async function dropBenchData(): Promise<void> {
  const admin = new Kafka({ brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${id}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
  const res = await fetch(`${stack.clickhouseUrl}/`, {
    method: 'POST',
    body: `DROP DATABASE IF EXISTS ${id}`,
  });
  if (!res.ok) throw new Error(`ClickHouse: ${(await res.text()).slice(0, 300)}`);
}

/** Mean checkpoint step times and the largest compressed checkpoint, from the correlator's metrics. */
function checkpointSummary(text: string): string {
  const value = (re: RegExp) => [...text.matchAll(re)].map((m) => Number(m[1]));
  const parts: string[] = [];
  for (const stage of ['events', 'repartition'])
    for (const step of ['capture', 'save']) {
      const labels = `stage="${stage}",step="${step}"`;
      const sum = value(
        new RegExp(`^soc_correlator_checkpoint_seconds_sum\\{[^}]*${labels}[^}]*\\} (\\S+)`, 'gm'),
      )[0];
      const count = value(
        new RegExp(`^soc_correlator_checkpoint_seconds_count\\{[^}]*${labels}[^}]*\\} (\\S+)`, 'gm'),
      )[0];
      if (count) parts.push(`${stage} ${step} ${((sum! / count) * 1000).toFixed(1)} ms × ${count}`);
    }
  const bytes = value(/^soc_correlator_checkpoint_bytes\{[^}]*\} (\S+)/gm);
  if (bytes.length > 0) parts.push(`largest ${(Math.max(...bytes) / 1024).toFixed(0)} KiB compressed`);
  return parts.join(', ') || 'none';
}
