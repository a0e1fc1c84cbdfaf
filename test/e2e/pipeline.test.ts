// End to end over real Kafka and ClickHouse: a port scan buried in background traffic,
// sent over HTTP, gives exactly one alert on the WebSocket stream, with the right source,
// count and window, and the same alert (same id) lands in ClickHouse.
import { backgroundLines, bury, portScanLines, rng } from '@soc/traffic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Pipeline, postLines, startPipeline, streamClient, waitFor } from '../harness/pipeline.ts';

describe('sensor to analyst', () => {
  let pipeline: Pipeline;
  beforeAll(async () => {
    pipeline = await startPipeline();
  });
  afterAll(async () => {
    const codes = await pipeline?.stop();
    // graceful SIGTERM: every service drains and exits 0
    expect(codes).toEqual({ ingest: 0, correlator: 0, sink: 0, fanout: 0 });
  });

  it('turns a buried port scan into exactly one alert, live and in ClickHouse', async () => {
    const client = await streamClient(pipeline.services.fanout.url);
    const start = new Date(Date.now() - 5_000);
    const scanner = '203.0.113.77';
    const ports = Array.from({ length: 25 }, (_, i) => 1000 + i * 3);
    const scan = portScanLines(scanner, '10.0.0.9', ports, start, 100);
    const traffic = bury(backgroundLines(3000, start, rng(7)), scan);
    // sent in three requests, like a sensor would batch them, plus two bad lines
    const chunks = [
      traffic.slice(0, 1000),
      [...traffic.slice(1000, 2000), 'garbage line'],
      [...traffic.slice(2000), ''],
    ];
    let accepted = 0;
    for (const chunk of chunks) {
      const { status, body } = await postLines(pipeline.services.ingest.url, 'iptables', chunk);
      expect(status).toBe(200);
      accepted += body.accepted;
      if (chunk.includes('garbage line'))
        expect(body.errors).toEqual([{ line: 1001, reason: expect.stringMatching(/^syntax/) }]);
    }
    expect(accepted).toBe(traffic.length);

    const alert = await waitFor('the alert on the WebSocket', () => client.alerts[0]);
    const t20 = start.getTime() + 19 * 100;
    expect(alert).toMatchObject({
      tenant: 'e2e',
      rule: {
        id: '0f6f4a5c-2b8e-4e7a-8d55-3c9e6b1a2f10',
        severity: 'high',
        tags: ['attack.discovery', 'attack.t1046'],
      },
      group: { 'source.ip': scanner },
      event_count: 20,
      distinct_count: 20,
      first_seen: new Date(start.getTime()).toISOString(),
      window_start: new Date(t20 - 60_000).toISOString(),
      window_end: new Date(t20).toISOString(),
      status: 'open',
    });
    expect(alert.evidence.values).toEqual(ports.slice(0, 20).map(String));

    const rows = await waitFor('the alert in ClickHouse', async () => {
      const result = await pipeline.clickhouse.query({
        query: 'SELECT id, tenant, rule_id, group_values, event_count, distinct_count FROM alerts FINAL',
        format: 'JSONEachRow',
      });
      const r = await result.json<{ id: string }>();
      return r.length > 0 ? r : undefined;
    });
    expect(rows).toEqual([
      {
        id: alert.id,
        tenant: 'e2e',
        rule_id: alert.rule.id,
        group_values: [scanner],
        event_count: 20,
        distinct_count: 20,
      },
    ]);

    // exactly one: nothing else arrives while the rest of the traffic is processed
    await new Promise((r) => setTimeout(r, 2000));
    expect(client.alerts.map((a) => a.id)).toEqual([alert.id]);
    client.close();
  });
});
