// Dashboard query latency over 10M events: a migrated database filled server-side (INSERT …
// SELECT from system.numbers, so the materialised views fill as in production), then every
// ClickHouse panel of the Grafana dashboards, macros expanded as the plugin does, run three
// times over the last 24 hours; prints the median per panel.
// Usage: node bench/dashboards.ts [--events 10000000] [--keep]
import { parseArgs } from 'node:util';
import { createClickHouse, migrate, quoteIdentifier } from '@soc/clickhouse';
import { resolveStack } from '@soc/devkit';
import { chPanels, expandMacros, interpolate } from '../test/harness/grafana.ts';
import { machineInfo } from './machine.ts';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '10000000' }, keep: { type: 'boolean', default: false } },
});
const N = Number(values.events);
const stack = await resolveStack();
const database = `dash_${Date.now().toString(36)}`;
await migrate({ url: stack.clickhouseUrl, database });
const db = createClickHouse({ url: stack.clickhouseUrl, database, requestTimeoutMs: 600_000 });
const now = Math.floor(Date.now() / 1000);

try {
  const t0 = performance.now();
  // 10 tenants, 40 sensors, 5000 sources, spread over the last 24 hours; 1 in 50 events an IDS alert
  await db.command({
    query: `INSERT INTO ${quoteIdentifier(database)}.events
      (timestamp, timestamp_ms, event_id, tenant, observer_name, observer_type, event_kind, event_category, event_type,
       event_action, event_outcome, event_dataset, event_ingested, source_ip, source_port, source_bytes,
       destination_ip, destination_port, destination_bytes, network_transport, network_direction, rule_name)
      SELECT
        toDateTime(${now} - (number % 86400)) AS timestamp,
        toUInt64(timestamp) * 1000 AS timestamp_ms,
        concat('e', toString(number)),
        concat('tenant-', toString(number % 10)),
        concat('fw', toString(number % 40)),
        if(number % 50 = 0, 'ids', 'firewall'),
        if(number % 50 = 0, 'alert', 'event'),
        ['network'],
        [if(number % 3 = 0, 'denied', 'allowed')],
        if(number % 3 = 0, 'drop', 'accept'),
        if(number % 3 = 0, 'failure', 'success'),
        if(number % 50 = 0, 'suricata.alert', 'iptables.log'),
        timestamp,
        concat('198.51.', toString(intDiv(number % 5000, 250)), '.', toString(number % 250)),
        toUInt16(1024 + number % 60000),
        toUInt64(100 + number % 5000),
        concat('10.0.', toString(number % 20), '.', toString(number % 200)),
        toUInt16(arrayElement([22, 53, 80, 443, 3389, 8080], 1 + number % 6)),
        toUInt64(40 + number % 900),
        'tcp',
        if(number % 2 = 0, 'inbound', 'outbound'),
        if(number % 50 = 0, 'ET SCAN Potential SSH Scan', '')
      FROM system.numbers LIMIT ${N}`,
  });
  const loadSeconds = (performance.now() - t0) / 1000;
  const range = { from: new Date((now - 86_400) * 1000), to: new Date(now * 1000), intervalSeconds: 300 };
  const rows: [string, number, number][] = [];
  for (const { d, p } of chPanels) {
    for (const target of p.targets) {
      const sql = expandMacros(
        interpolate(target.rawSql!, {
          tenant: Array.from({ length: 10 }, (_, i) => `tenant-${i}`),
          silence: 15,
        }),
        range,
      );
      const times: number[] = [];
      let count = 0;
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        const result = await db.query({ query: sql, format: 'JSONEachRow' });
        count = (await result.json()).length;
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      rows.push([`${d.uid} / ${p.title}`, times[1]!, count]);
    }
  }
  console.log(`machine: ${await machineInfo(stack.clickhouseUrl)} (stack: ${stack.source})`);
  console.log(
    `${N} events inserted server-side in ${loadSeconds.toFixed(1)} s (materialised views included)`,
  );
  for (const [name, ms, count] of rows)
    console.log(`  ${ms.toFixed(0).padStart(6)} ms  ${String(count).padStart(5)} rows  ${name}`);
  const sorted = rows.map((r) => r[1]).sort((a, b) => a - b);
  console.log(
    `median panel ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms, slowest ${sorted.at(-1)!.toFixed(0)} ms`,
  );
} finally {
  if (!values.keep) await db.command({ query: `DROP DATABASE IF EXISTS ${quoteIdentifier(database)}` });
  await db.close();
  await stack.stop();
}
