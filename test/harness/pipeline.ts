// Test fixture: a whole pipeline (ingest, correlator, sink, fanout as real processes) on
// its own Kafka topic namespace and ClickHouse database, so test files never share state.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type ClickHouseClient, createClickHouse } from '@soc/clickhouse';
import {
  REPO_ROOT,
  type RunningService,
  type ServiceName,
  startServices,
  stopServices,
  writeAnalystsFile,
  writeSensorsFile,
} from '@soc/devkit';
import type { Alert } from '@soc/schema';
import { inject } from 'vitest';
import WebSocket from 'ws';

/** The token of the sensor every test pipeline knows (tenant "e2e"). */
export const TEST_TOKEN = 'e2e-test-token';
/** The token of the analyst every test pipeline knows (tenant "e2e", role admin). */
export const ANALYST_TOKEN = 'e2e-analyst-token';

export interface Pipeline {
  id: string;
  namespace: string;
  database: string;
  services: Record<ServiceName, RunningService>;
  clickhouse: ClickHouseClient;
  stop(): Promise<Record<string, number | null>>;
}

export async function startPipeline(extraEnv: Record<string, string> = {}): Promise<Pipeline> {
  const id = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const env = {
    KAFKA_BROKERS: inject('kafkaBrokers'),
    CLICKHOUSE_URL: inject('clickhouseUrl'),
    SOC_TOPIC_NAMESPACE: id,
    CLICKHOUSE_DATABASE: id,
    CORRELATOR_GROUP_ID: `${id}-correlator`,
    SINK_GROUP_ID: `${id}-sink`,
    FANOUT_GROUP_ID: `${id}-fanout`,
    INGEST_SENSORS_FILE: writeSensorsFile(join(REPO_ROOT, 'test-results', 'logs', id), [
      { id: 'e2e-sensor', tenant: 'e2e', token: TEST_TOKEN, syslog_sources: ['127.0.0.0/8'] },
    ]),
    FANOUT_ANALYSTS_FILE: writeAnalystsFile(join(REPO_ROOT, 'test-results', 'logs', id), [
      { id: 'e2e-analyst', token: ANALYST_TOKEN, tenants: ['e2e'], role: 'admin' },
    ]),
    CORRELATOR_ALLOWED_LATENESS_MS: '1000',
    CORRELATOR_IDLE_ADVANCE_MS: '500',
    INGEST_SYSLOG_UDP_PORT: '0',
    INGEST_SYSLOG_TCP_PORT: '0',
    LOG_LEVEL: 'info',
    ...extraEnv,
  };
  const services = await startServices({ env, logDir: join(REPO_ROOT, 'test-results', 'logs', id) });
  const clickhouse = createClickHouse({ url: env.CLICKHOUSE_URL, database: id });
  return {
    id,
    namespace: id,
    database: id,
    services,
    clickhouse,
    async stop() {
      const codes = await stopServices(Object.values(services));
      await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${id}` }).catch(() => {});
      await clickhouse.close();
      return codes;
    },
  };
}

/** A WebSocket client on /v1/stream (analyst token, subscribed to everything) that collects every alert it receives. */
export async function streamClient(
  fanoutUrl: string,
  token = ANALYST_TOKEN,
): Promise<{ alerts: Alert[]; received: number[]; close(): void }> {
  const ws = new WebSocket(`${fanoutUrl.replace('http', 'ws')}/v1/stream`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const alerts: Alert[] = [];
  const received: number[] = [];
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { type: string; alert?: Alert };
    if (msg.type === 'alert' && msg.alert) {
      alerts.push(msg.alert);
      received.push(Date.now());
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  // live from now on: the stream sends nothing before the first subscribe
  ws.send(JSON.stringify({ type: 'subscribe' }));
  await new Promise<void>((resolve) =>
    ws.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'live') resolve();
    }),
  );
  return { alerts, received, close: () => ws.close() };
}

export async function postLines(ingestUrl: string, format: string, lines: string[], token = TEST_TOKEN) {
  const res = await fetch(`${ingestUrl}/v1/logs?format=${format}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', authorization: `Bearer ${token}` },
    body: `${lines.join('\n')}\n`,
  });
  return {
    status: res.status,
    body: (await res.json()) as {
      accepted: number;
      rejected: number;
      errors: { line: number; reason: string }[];
    },
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
