// Ingest throughput on the real stack, end to end (accepted = acknowledged by Kafka):
//   1. HTTP POST /v1/logs, batches of --batch lines from --senders concurrent clients;
//   2. syslog over TCP, LF-framed, from --connections connections, until ingest has sent
//      every line to Kafka;
//   beside the ceiling: kcat -P producing the same lines raw into a topic of the same broker.
// Beside each rate, the CPU the ingest process spent per line (user + system, from /proc):
// on a shared machine it varies much less than the rate does. A few HTTP batches go first,
// unmeasured, so both rates are of warmed-up code.
// --profile writes a V8 CPU profile of the ingest process into its log folder;
// --parse-threads sets INGEST_PARSE_THREADS (0: parsing on ingest's main thread).
// Usage: node bench/ingest.ts [--lines 200000] [--batch 1000] [--senders 4] [--connections 2]
//                             [--parse-threads N] [--profile]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  freePort,
  REPO_ROOT,
  resolveStack,
  startServices,
  stopServices,
  writeSensorsFile,
} from '@soc/devkit';
import { backgroundLines, rng } from '@soc/traffic';
import { machineInfo } from './machine.ts';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '1000' },
    senders: { type: 'string', default: '4' },
    connections: { type: 'string', default: '2' },
    profile: { type: 'boolean', default: false },
    'parse-threads': { type: 'string' },
  },
});
const N = Number(values.lines);
const BATCH = Number(values.batch);
const stack = await resolveStack();
const id = `bi${Date.now().toString(36)}`;
const dir = join(REPO_ROOT, '.stack', 'logs', id);
mkdirSync(dir, { recursive: true });
const lines = backgroundLines(N, new Date(Date.UTC(2026, 10, 29, 10)), rng(9));
const file = join(dir, 'lines.txt');
writeFileSync(file, `${lines.join('\n')}\n`);
const tcpPort = await freePort();
const { ingest } = await startServices({
  services: ['ingest'],
  env: {
    KAFKA_BROKERS: stack.kafkaBrokers,
    SOC_TOPIC_NAMESPACE: id,
    LOG_LEVEL: 'warn',
    INGEST_KEEP_ORIGINAL: 'false',
    INGEST_SENSORS_FILE: writeSensorsFile(dir, [
      {
        id: 'bench',
        tenant: 'bench',
        token: 'bench',
        format: 'iptables',
        syslog_sources: ['127.0.0.0/8'],
        rate_limit_lines_per_second: 100_000_000,
      },
    ]),
    INGEST_SYSLOG_UDP_PORT: '0',
    INGEST_SYSLOG_TCP_PORT: String(tcpPort),
    ...(values['parse-threads'] ? { INGEST_PARSE_THREADS: values['parse-threads'] } : {}),
    ...(values.profile ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}` } : {}),
  },
  logDir: dir,
});
const sent = async () =>
  Number(
    (await (await fetch(`${ingest.url}/metrics`)).text()).match(
      /^soc_ingest_sent_total(?:\{[^}]*\})? (\d+)/m,
    )?.[1] ?? 0,
  );

/** CPU seconds (user + system) the ingest process has used so far. */
const CLOCK_TICKS = 100;
const ingestCpu = (): number => {
  const fields = readFileSync(`/proc/${ingest.process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
};
const perLine = (cpuSeconds: number) => `${((cpuSeconds / N) * 1e6).toFixed(1)} µs CPU/line`;

try {
  // kcat: the ceiling
  let kcat = Number.NaN;
  try {
    const t = performance.now();
    execFileSync('kcat', ['-P', '-b', stack.kafkaBrokers, '-t', `${id}.raw`, '-X', 'acks=all', '-l', file], {
      stdio: 'ignore',
    });
    kcat = N / ((performance.now() - t) / 1000);
  } catch (err) {
    console.error(
      `kcat not run (${(err as Error).message.split('\n')[0]}); apt-get install kcat for the ceiling`,
    );
  }

  // HTTP
  const batches: string[] = [];
  for (let i = 0; i < N; i += BATCH) batches.push(lines.slice(i, i + BATCH).join('\n'));
  const post = async (bodies: string[]) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: Number(values.senders) }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++]!;
          const res = await fetch(`${ingest.url}/v1/logs`, {
            method: 'POST',
            body,
            headers: { authorization: 'Bearer bench' },
          });
          if (res.status !== 200) throw new Error(`ingest answered ${res.status}`);
          await res.arrayBuffer();
        }
      }),
    );
  };
  // not measured: the first lines (a tenth, at most 20k) warm up ingest's code and connections
  await post(batches.slice(0, Math.max(1, Math.min(batches.length / 10, 20_000 / BATCH))));
  const c0 = ingestCpu();
  const t0 = performance.now();
  await post(batches);
  const http = N / ((performance.now() - t0) / 1000);
  const httpCpu = ingestCpu() - c0;

  // TCP syslog
  const before = await sent();
  const c1 = ingestCpu();
  const t1 = performance.now();
  const conns = Number(values.connections);
  await Promise.all(
    Array.from(
      { length: conns },
      (_, c) =>
        new Promise<void>((resolve, reject) => {
          const socket = connect(tcpPort, '127.0.0.1', () => {
            const mine = lines.filter((_, i) => i % conns === c);
            socket.end(`${mine.join('\n')}\n`, () => resolve());
          });
          socket.on('error', reject);
        }),
    ),
  );
  while ((await sent()) - before < N) await new Promise((r) => setTimeout(r, 20));
  const tcp = N / ((performance.now() - t1) / 1000);
  const tcpCpu = ingestCpu() - c1;

  console.log(`machine: ${await machineInfo()} (stack: ${stack.source})`);
  console.log(`${N} iptables lines (~${Math.round(lines.reduce((n, l) => n + l.length, 0) / N)} B each)`);
  console.log(
    `  kcat -P (raw lines, acks=all, ceiling)   ${Number.isNaN(kcat) ? 'n/a' : `${kcat.toFixed(0)} lines/s`}`,
  );
  console.log(
    `  HTTP → ECS → Kafka                        ${http.toFixed(0)} lines/s${Number.isNaN(kcat) ? '' : ` (${((http / kcat) * 100).toFixed(0)}% of kcat)`}, ${perLine(httpCpu)}`,
  );
  console.log(
    `  TCP syslog → ECS → Kafka                  ${tcp.toFixed(0)} lines/s${Number.isNaN(kcat) ? '' : ` (${((tcp / kcat) * 100).toFixed(0)}% of kcat)`}, ${perLine(tcpCpu)}`,
  );
} finally {
  await stopServices([ingest]);
  await stack.stop();
}
