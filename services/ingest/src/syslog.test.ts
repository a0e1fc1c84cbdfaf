// Syslog intake over TCP with a parse thread that dies while it holds a batch: the pool
// starts another thread, and the batch is parsed again there, so no accepted line is lost.
import { connect } from 'node:net';
import { type Sensor, SensorRegistry } from '@soc/ingest';
import { componentCounters, createLogger, createRegistry } from '@soc/telemetry';
import { afterAll, describe, expect, it } from 'vitest';
import type { Intake, SourcedBatch } from './intake.ts';
import { ParsePool } from './parse-pool.ts';
import { eventAt } from './prepare.ts';
import { SyslogIntake } from './syslog.ts';

const pool = new ParsePool({
  threads: 1,
  zonesFile: 'none',
  intelDir: 'none',
  logLevel: 'silent',
  logger: createLogger('test', 'silent'),
  enrichment: () => ({}),
});
afterAll(() => pool.close());

const line = (i: number) =>
  `<4>Nov 29 10:00:00 fw-demo kernel: [UFW BLOCK] IN=eth0 OUT= SRC=198.51.100.${i % 250} DST=10.0.0.1 ` +
  `LEN=60 TTL=52 ID=${i} PROTO=TCP SPT=${40000 + i} DPT=22 WINDOW=29200 SYN URGP=0`;

describe('syslog intake', () => {
  it('parses a batch again when its parse thread dies, and loses no line', async () => {
    const registry = createRegistry('test');
    const counters = componentCounters(registry, 'ingest');
    const published: string[] = [];
    const intake = {
      publish: async (batches: SourcedBatch[]) => {
        for (const { batch } of batches)
          for (let i = 0; i < batch.valueEnds.length; i++) published.push(String(eventAt(batch, i).value));
      },
    } as unknown as Intake;
    // the first batch's thread is killed as soon as it has the batch
    const prepare = pool.prepare.bind(pool);
    let kills = 0;
    pool.prepare = (jobs) => {
      const result = prepare(jobs);
      if (kills++ === 0)
        void (
          pool as unknown as { threads: { worker: { terminate(): unknown } }[] }
        ).threads[0]!.worker.terminate();
      return result;
    };
    const sensor = {
      id: 's',
      tenant: 'acme',
      token_sha256: 'ab'.repeat(32),
      format: 'iptables',
      syslog_sources: ['127.0.0.1/32'],
    } as Sensor;
    const syslog = new SyslogIntake({
      intake,
      pool,
      sensors: () => new SensorRegistry([sensor]),
      logger: createLogger('test', 'silent'),
      counters,
      defaultFormat: 'auto',
      keepOriginal: false,
      maxLineBytes: 4096,
      maxPendingLines: 10_000,
      flushMs: 5,
      maxBatch: 1000,
    });
    const port = await syslog.listenTcp('127.0.0.1', 0);
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.end(`${Array.from({ length: 300 }, (_, i) => line(i)).join('\n')}\n`);
    const deadline = Date.now() + 10_000;
    while (published.length < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await syslog.close();
    expect(kills).toBeGreaterThan(1);
    expect(published).toHaveLength(300);
    expect(new Set(published.map((v) => JSON.parse(v).source.port)).size).toBe(300);
    expect((await counters.errors.get()).values.find((v) => v.labels.stage === 'parse')?.value).toBe(1);
  });
});
