// The sink against the real Kafka and ClickHouse: events, alerts and rejected lines arrive in
// their tables; with ClickHouse stopped for a minute nothing is lost, the lag rises and drains
// after the restart, and every row is stored exactly once (replayed messages included).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ClickHouseClient, createClickHouse, quoteIdentifier } from '@soc/clickhouse';
import { REPO_ROOT, type RunningService, STACK_SCRIPT, startServices, stopServices } from '@soc/devkit';
import { type Alert, type EcsEvent, stableId, topicNames } from '@soc/schema';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const OUTAGE_MS = 60_000;
const ns = `snk${randomBytes(4).toString('hex')}`;
const topics = topicNames(ns);
const url = inject('clickhouseUrl');
let sink: RunningService;
let producer: Producer;
let ch: ClickHouseClient;
/** replays must be byte-identical: every timestamp is derived from one start time */
const T0 = Date.now();

/** Runs deploy/local/stack.sh for the ClickHouse these tests use (same port variables). */
function clickhouse(command: 'clickhouse-stop' | 'clickhouse-start') {
  execFileSync('bash', [STACK_SCRIPT, command], { stdio: 'inherit' });
}

function event(i: number, tenant = 'acme'): EcsEvent {
  return {
    '@timestamp': new Date(T0 - (i % 600) * 1000).toISOString(),
    ecs: { version: '8.11.0' },
    event: {
      id: stableId(ns, 'event', String(i)),
      kind: 'event',
      category: ['network'],
      type: ['denied'],
      action: 'drop',
      outcome: 'failure',
      dataset: 'iptables.log',
      ingested: new Date(T0 + 1000).toISOString(),
    },
    organization: { id: tenant },
    observer: { vendor: 'netfilter', product: 'iptables', type: 'firewall', name: `fw${i % 3}` },
    source: { ip: `198.51.100.${i % 250}`, port: 40_000 + (i % 1000), bytes: 60 },
    destination: { ip: '10.0.0.1', port: 22 },
    network: { transport: 'tcp' },
  };
}

function alert(i: number): Alert {
  const t = T0 - i * 1000;
  return {
    id: stableId(ns, 'alert', String(i)),
    tenant: 'acme',
    rule: { id: 'r1', name: 'Port scan', version: '1', severity: 'high', tags: ['attack.t1046'] },
    group: { 'source.ip': `198.51.100.${i % 250}` },
    window_start: new Date(t - 60_000).toISOString(),
    window_end: new Date(t).toISOString(),
    first_seen: new Date(t - 30_000).toISOString(),
    last_seen: new Date(t).toISOString(),
    detected_at: new Date(t + 100).toISOString(),
    event_count: 20,
    distinct_count: 20,
    evidence: { event_ids: ['e1'], values: ['22'] },
    status: 'open',
  };
}

const dlq = (i: number) => ({
  tenant: 'acme',
  sensor: 'fw',
  format: 'iptables',
  transport: 'http',
  line: i,
  reason: 'syntax: not a netfilter log line',
  raw: `garbage ${i}`,
  received_at: new Date(T0).toISOString(),
});

async function send(topic: string, values: unknown[], key = (i: number) => String(i)) {
  for (let i = 0; i < values.length; i += 1000) {
    await producer.send({
      topic,
      messages: values.slice(i, i + 1000).map((v, j) => ({ key: key(i + j), value: JSON.stringify(v) })),
    });
  }
}

async function metrics(): Promise<string> {
  return (await fetch(`${sink.url}/metrics`)).text();
}
function metric(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
const lag = async (topic: string) => metric(await metrics(), 'soc_sink_lag_messages', `topic="${topic}"`);

async function counts(table: string, id: string) {
  const [row] = await (
    await ch.query({
      query: `SELECT toUInt32(count()) AS rows, toUInt32(uniqExact(${id})) AS ids FROM ${table} FINAL`,
      format: 'JSONEachRow',
    })
  ).json<{ rows: number; ids: number }>();
  return row!;
}

beforeAll(async () => {
  const port = new URL(url).port || '80';
  if (
    inject('stackSource') === 'testcontainers' ||
    port !== (process.env['CLICKHOUSE_HTTP_PORT'] || '8123')
  ) {
    throw new Error(
      `this test stops and restarts ClickHouse with deploy/local/stack.sh: it needs the native stack, ` +
        `and CLICKHOUSE_HTTP_PORT (${process.env['CLICKHOUSE_HTTP_PORT'] || '8123'}) must match ${url}`,
    );
  }
  const kafka = new Kafka({ brokers: inject('kafkaBrokers').split(','), logLevel: logLevel.NOTHING });
  producer = kafka.producer({ allowAutoTopicCreation: false });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [topics.events, topics.alerts, topics.dlq].map((topic) => ({ topic, numPartitions: 3 })),
  });
  await admin.disconnect();
  await producer.connect();
  ch = createClickHouse({ url, database: ns });
  sink = (
    await startServices({
      services: ['sink'],
      env: {
        KAFKA_BROKERS: inject('kafkaBrokers'),
        CLICKHOUSE_URL: url,
        SOC_TOPIC_NAMESPACE: ns,
        CLICKHOUSE_DATABASE: ns,
        SINK_GROUP_ID: `${ns}-sink`,
        SINK_BATCH_MAX_ROWS: '700',
        SINK_BATCH_MAX_WAIT_MS: '300',
        SINK_LAG_INTERVAL_MS: '500',
      },
      logDir: join(REPO_ROOT, 'test-results', 'logs', ns),
    })
  ).sink;
});

afterAll(async () => {
  if (sink) expect(await stopServices([sink])).toEqual({ sink: 0 });
  await producer?.disconnect();
  await ch?.command({ query: `DROP DATABASE IF EXISTS ${quoteIdentifier(ns)}` }).catch(() => {});
  await ch?.close();
});

describe('sink', () => {
  it('stores events, alerts and rejected lines, batching across Kafka fetches', async () => {
    await send(
      topics.events,
      Array.from({ length: 2000 }, (_, i) => event(i)),
    );
    await send(
      topics.alerts,
      Array.from({ length: 50 }, (_, i) => alert(i)),
    );
    await send(
      topics.dlq,
      Array.from({ length: 20 }, (_, i) => dlq(i)),
    );
    await producer.send({
      topic: topics.events,
      messages: [{ value: 'not json' }, { value: '{"event":{}}' }],
    });
    await expect
      .poll(() => counts('events', 'event_id'), { timeout: 30_000 })
      .toEqual({ rows: 2000, ids: 2000 });
    await expect.poll(() => counts('alerts', 'id'), { timeout: 30_000 }).toEqual({ rows: 50, ids: 50 });
    await expect.poll(() => counts('dlq', 'id'), { timeout: 30_000 }).toEqual({ rows: 20, ids: 20 });
    const change = {
      event_id: 'status-change-1',
      alert_id: alert(0).id,
      tenant: 'acme',
      version: 1,
      prev_version: 0,
      status: 'acknowledged',
      prev_status: 'open',
      assignee: null,
      action: 'acknowledge',
      reason: null,
      comment: null,
      actor: { id: 'alice', name: 'Alice' },
      at: new Date(T0 + 60_000).toISOString(),
    };
    await send(topics.alertStatus, [change, change], () => change.alert_id);
    await expect
      .poll(() => counts('alert_status', 'alert_id'), { timeout: 30_000 })
      .toEqual({ rows: 1, ids: 1 });
    const m = await metrics();
    expect(metric(m, 'soc_sink_inserted_rows_total', 'table="events"')).toBeGreaterThanOrEqual(2000);
    expect(metric(m, 'soc_sink_dropped_total', 'reason="invalid_json"')).toBe(1);
    expect(metric(m, 'soc_sink_dropped_total', 'reason="invalid_event"')).toBe(1);
    await expect.poll(() => lag(topics.events), { timeout: 15_000 }).toBe(0);
    // the dashboard views were fed by the same inserts
    const [perMinute] = await (
      await ch.query({
        query: 'SELECT toUInt32(sum(events)) AS n FROM events_per_minute',
        format: 'JSONEachRow',
      })
    ).json<{ n: number }>();
    expect(perMinute?.n).toBe(2000);
  });

  it('loses nothing and duplicates nothing while ClickHouse is down for a minute', {
    timeout: 300_000,
  }, async () => {
    clickhouse('clickhouse-stop');
    try {
      // produced during the outage, plus replays of rows already stored
      await send(
        topics.events,
        Array.from({ length: 5000 }, (_, i) => event(2000 + i)),
      );
      await send(
        topics.events,
        Array.from({ length: 300 }, (_, i) => event(i)),
      );
      await send(
        topics.alerts,
        Array.from({ length: 100 }, (_, i) => alert(i)),
      );
      await send(
        topics.dlq,
        Array.from({ length: 30 }, (_, i) => dlq(100 + i)),
      );
      await expect.poll(() => lag(topics.events), { timeout: 20_000 }).toBeGreaterThan(0);
      await expect
        .poll(async () => metric(await metrics(), 'soc_sink_errors_total', 'stage="insert"'), {
          timeout: 20_000,
        })
        .toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, OUTAGE_MS - 10_000));
      // still consuming nothing it cannot store: the backlog is in Kafka
      expect(await lag(topics.events)).toBeGreaterThan(1000);
    } finally {
      clickhouse('clickhouse-start');
    }
    await expect.poll(() => lag(topics.events), { timeout: 90_000, interval: 500 }).toBe(0);
    await expect.poll(() => lag(topics.alerts), { timeout: 30_000 }).toBe(0);
    await expect.poll(() => lag(topics.dlq), { timeout: 30_000 }).toBe(0);
    expect(await counts('events', 'event_id')).toEqual({ rows: 7000, ids: 7000 });
    expect(await counts('alerts', 'id')).toEqual({ rows: 100, ids: 100 });
    expect(await counts('dlq', 'id')).toEqual({ rows: 50, ids: 50 });
    const [perMinute] = await (
      await ch.query({
        query: 'SELECT toUInt32(uniqExactMerge(alerts)) AS n FROM alerts_per_minute',
        format: 'JSONEachRow',
      })
    ).json<{ n: number }>();
    expect(perMinute?.n).toBe(100);
  });

  it('rewinds and inserts again when an insert gives up', { timeout: 120_000 }, async () => {
    const ns2 = `${ns}r`;
    const t2 = topicNames(ns2);
    const impatient = (
      await startServices({
        services: ['sink'],
        env: {
          KAFKA_BROKERS: inject('kafkaBrokers'),
          CLICKHOUSE_URL: url,
          SOC_TOPIC_NAMESPACE: ns2,
          CLICKHOUSE_DATABASE: ns2,
          SINK_GROUP_ID: `${ns2}-sink`,
          SINK_INSERT_RETRIES: '1',
          SINK_BATCH_MAX_ROWS: '400',
          SINK_BATCH_MAX_WAIT_MS: '200',
        },
        logDir: join(REPO_ROOT, 'test-results', 'logs', ns2),
      })
    ).sink;
    const ch2 = createClickHouse({ url, database: ns2 });
    try {
      clickhouse('clickhouse-stop');
      try {
        await send(
          t2.events,
          Array.from({ length: 3000 }, (_, i) => event(i, 'rewind')),
        );
        // at most two attempts per insert: it gives up, rewinds, and tries again later
        await new Promise((r) => setTimeout(r, 15_000));
      } finally {
        clickhouse('clickhouse-start');
      }
      const stored = async () => {
        const [row] = await (
          await ch2.query({
            query: 'SELECT toUInt32(count()) AS rows, toUInt32(uniqExact(event_id)) AS ids FROM events FINAL',
            format: 'JSONEachRow',
          })
        ).json<{ rows: number; ids: number }>();
        return row;
      };
      await expect.poll(stored, { timeout: 60_000, interval: 500 }).toEqual({ rows: 3000, ids: 3000 });
      const log = readFileSync(join(REPO_ROOT, 'test-results', 'logs', ns2, 'sink.log'), 'utf8');
      expect(log).toContain('ClickHouse insert gave up; rewinding to redeliver the rows');
    } finally {
      expect(await stopServices([impatient])).toEqual({ sink: 0 });
      await ch2.command({ query: `DROP DATABASE IF EXISTS ${quoteIdentifier(ns2)}` }).catch(() => {});
      await ch2.close();
    }
  });
});
