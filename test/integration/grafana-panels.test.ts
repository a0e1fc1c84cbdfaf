// Every ClickHouse panel of the Grafana dashboards (deploy/grafana/dashboards) runs against the
// real server on a migrated database with rows in it: template variables are interpolated as
// Grafana does, the ClickHouse plugin's macros are expanded as the plugin does
// (grafana-clickhouse-datasource, pkg/macros), and each panel must return rows with exactly
// the columns its description declares ("Columns: a, b."). Prometheus panels must only name
// metrics that the services define.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClickHouse, migrate, quoteIdentifier } from '@soc/clickhouse';
import { REPO_ROOT } from '@soc/devkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chPanels, dashboards, declaredColumns, expandMacros, interpolate } from '../harness/grafana.ts';

const url = inject('clickhouseUrl');
const database = `gp_${randomBytes(4).toString('hex')}`;
const db = createClickHouse({ url, database });

async function run(sql: string) {
  const result = await db.query({ query: sql, format: 'JSON' });
  return result.json<Record<string, unknown>>();
}

const now = Date.now();
const at = (msAgo: number) => new Date(now - msAgo).toISOString();
const MIN = 60_000;

beforeAll(async () => {
  await migrate({ url, database });
  const events = [];
  for (let i = 0; i < 300; i++) {
    const tenant = i % 3 === 0 ? 'beta' : "acme's";
    const observer = i % 2 === 0 ? 'fw01' : 'ids01';
    events.push({
      timestamp: at((i % 120) * MIN),
      event_id: `e${i}`,
      tenant,
      observer_name: observer,
      event_dataset: observer === 'fw01' ? 'iptables.log' : 'suricata.alert',
      event_outcome: i % 5 === 0 ? 'success' : 'failure',
      event_ingested: at((i % 120) * MIN - 2000),
      source_ip: `198.51.100.${i % 7}`,
      destination_ip: `10.0.0.${i % 4}`,
      source_bytes: 100 + i,
      destination_bytes: 40,
      source_packets: 2,
      destination_packets: 1,
    });
  }
  // a sensor that went quiet an hour and a half ago
  for (let i = 0; i < 5; i++)
    events.push({
      timestamp: at(90 * MIN + i * MIN),
      event_id: `q${i}`,
      tenant: 'beta',
      observer_name: 'fw-quiet',
    });
  await db.insert({ table: 'events', values: events, format: 'JSONEachRow' });
  const severities = ['low', 'medium', 'high', 'critical'];
  const alerts = Array.from({ length: 24 }, (_, i) => ({
    id: `alert-${i}`,
    tenant: i % 3 === 0 ? 'beta' : "acme's",
    rule_id: `r${i % 4}`,
    rule_name: `Rule ${i % 4}`,
    severity: severities[i % 4],
    window_start: at(i * 10 * MIN + MIN),
    window_end: at(i * 10 * MIN),
    detected_at: at(i * 10 * MIN),
    detected_at_ms: now - i * 10 * MIN,
    event_count: 20,
    status: 'open',
  }));
  // one alert inserted twice (a replay): counted once everywhere
  await db.insert({ table: 'alerts', values: [...alerts, alerts[0]], format: 'JSONEachRow' });
  const change = (i: number, version: number, status: string, prev: string, minutesAfter: number) => ({
    alert_id: `alert-${i}`,
    tenant: i % 3 === 0 ? 'beta' : "acme's",
    version,
    status,
    previous_status: prev,
    actor: 'alice',
    changed_at: at(i * 10 * MIN - minutesAfter * MIN),
    changed_at_ms: now - i * 10 * MIN + minutesAfter * MIN,
  });
  await db.insert({
    table: 'alert_status',
    values: [
      change(2, 1, 'acknowledged', 'open', 3),
      change(2, 2, 'closed', 'acknowledged', 9),
      change(3, 1, 'assigned', 'open', 5),
      change(5, 1, 'closed', 'open', 1),
    ],
    format: 'JSONEachRow',
  });
  await db.insert({
    table: 'dlq',
    values: Array.from({ length: 12 }, (_, i) => ({
      id: `d${i}`,
      received_at: at(i * 7 * MIN),
      tenant: i % 2 === 0 ? 'beta' : "acme's",
      sensor: i % 2 === 0 ? 'fw01' : 'ids01',
      format: 'iptables',
      reason: 'syntax: not a netfilter log line',
      reason_code: 'syntax',
    })),
    format: 'JSONEachRow',
  });
});

afterAll(async () => {
  await db.command({ query: `DROP DATABASE IF EXISTS ${quoteIdentifier(database)}` });
  await db.close();
});

describe('Grafana dashboards', () => {
  it('have ClickHouse panels, and none uses a macro 18.16 cannot run', () => {
    expect(dashboards.map((d) => d.uid).sort()).toEqual([
      'soc-overview',
      'soc-pipeline-health',
      'soc-sensor-health',
    ]);
    expect(chPanels.length).toBeGreaterThanOrEqual(10);
    for (const { p } of chPanels)
      for (const t of p.targets)
        expect(t.rawSql, p.title).not.toMatch(/\$__timeInterval|_ms\b|toStartOfInterval/);
  });

  it('fills the tenant variable from ClickHouse', async () => {
    for (const d of dashboards) {
      for (const v of d.templating.list.filter((x) => x.type === 'query')) {
        const { meta, data } = (await run(v.query)) as unknown as {
          meta: { name: string }[];
          data: unknown[];
        };
        expect(meta.map((m) => m.name)).toEqual([v.name]);
        expect(data).toEqual([{ tenant: "acme's" }, { tenant: 'beta' }]);
      }
    }
  });

  for (const intervalSeconds of [20, 300]) {
    it.each(chPanels.map(({ d, p }) => [`${d.uid} / ${p.title}`, p] as const))(
      `%s returns its columns (interval ${intervalSeconds} s)`,
      async (_, panel) => {
        const range = { from: new Date(now - 6 * 60 * MIN), to: new Date(now + MIN), intervalSeconds };
        for (const target of panel.targets) {
          const sql = expandMacros(
            interpolate(target.rawSql!, { tenant: ["acme's", 'beta'], silence: 15 }),
            range,
          );
          const result = (await run(sql)) as unknown as {
            meta: { name: string }[];
            data: Record<string, unknown>[];
          };
          expect(result.meta.map((m) => m.name)).toEqual(declaredColumns(panel));
          expect(result.data.length, `${panel.title} returned no rows`).toBeGreaterThan(0);
        }
      },
    );
  }

  it('computes what the panels claim on known rows', async () => {
    const range = { from: new Date(now - 6 * 60 * MIN), to: new Date(now + MIN), intervalSeconds: 60 };
    const panel = (title: string) => chPanels.find(({ p }) => p.title === title)!.p;
    const rowsOf = async (title: string, vars: Record<string, string[] | number> = {}) =>
      (
        (await run(
          expandMacros(
            interpolate(panel(title).targets[0]!.rawSql!, {
              tenant: ["acme's", 'beta'],
              silence: 15,
              ...vars,
            }),
            range,
          ),
        )) as unknown as { data: Record<string, unknown>[] }
      ).data;
    expect(await rowsOf('Silent sensors')).toEqual([
      expect.objectContaining({
        tenant: 'beta',
        observer_name: 'fw-quiet',
        silent_minutes: expect.anything(),
      }),
    ]);
    const bySeverity = Object.fromEntries(
      (await rowsOf('MTTA / MTTR')).map((r) => [r['severity'], r]),
    ) as Record<string, Record<string, unknown>>;
    // alert-2 (high): acknowledged after 3 min, closed after 9; alert-3 (critical): assigned after 5
    expect(bySeverity['high']).toMatchObject({
      alerts: '6',
      acknowledged: '1',
      closed: '1',
      mtta_minutes: 3,
      mttr_minutes: 9,
    });
    expect(bySeverity['critical']).toMatchObject({ acknowledged: '1', closed: '0', mtta_minutes: 5 });
    const posture = await rowsOf('Per-tenant posture');
    expect(posture.reduce((n, r) => n + Number(r['alerts']), 0)).toBe(24);
    expect(posture.reduce((n, r) => n + Number(r['closed']), 0)).toBe(2);
    expect((await rowsOf('Per-tenant posture', { tenant: ['beta'] })).map((r) => r['tenant'])).toEqual([
      'beta',
    ]);
    // an injection attempt in a variable value stays a value
    expect(await rowsOf('Top rules', { tenant: ["x') OR 1=1 --"] })).toEqual([]);
  });

  it('chart only Prometheus metrics that the services define', () => {
    const sources = [
      ...['ingest', 'correlator', 'sink', 'fanout'].map((s) => join(REPO_ROOT, 'services', s, 'src')),
      join(REPO_ROOT, 'packages', 'telemetry', 'src'),
    ];
    const text = sources
      .flatMap((d) => readdirSync(d, { recursive: true, encoding: 'utf8' }).map((f) => join(d, f)))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const defined = new Set([...text.matchAll(/['`](soc_[a-z_]+)['`]/g)].map((m) => m[1]!));
    for (const c of ['ingest', 'correlator', 'sink', 'fanout'])
      for (const n of ['received_total', 'sent_total', 'dropped_total', 'errors_total'])
        defined.add(`soc_${c}_${n}`);
    // prom-client's default metrics, registered with the prefix soc_process_
    defined.add('soc_process_nodejs_eventloop_lag_seconds');
    const exprs = dashboards.flatMap((d) => d.panels.flatMap((p) => p.targets.map((t) => t.expr ?? '')));
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\b(soc_[a-z_]+)/g)].map((m) => m[1]!)));
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(defined.has(name.replace(/_(bucket|sum|count)$/, '')), name).toBe(true);
  });
});
