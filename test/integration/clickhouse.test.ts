// Against the real ClickHouse server: migrations apply once and are idempotent, every string
// the quoting functions produce reads back byte-for-byte (fast-check), and the retention job
// drops expired day partitions and nothing else.
import { randomBytes } from 'node:crypto';
import {
  applyRetention,
  createClickHouse,
  migrate,
  parseVersion,
  quoteIdentifier,
  quoteString,
  serverVersion,
  sql,
  sqlJoin,
  supportsTtl,
} from '@soc/clickhouse';
import fc from 'fast-check';
import { afterAll, describe, expect, inject, it } from 'vitest';

const url = inject('clickhouseUrl');
const database = `it_${randomBytes(4).toString('hex')}`;
const client = createClickHouse({ url, database }, false);
const db = createClickHouse({ url, database });

afterAll(async () => {
  await client.command({ query: `DROP DATABASE IF EXISTS ${quoteIdentifier(database)}` });
  await Promise.all([client.close(), db.close()]);
});

async function rows<T>(query: string): Promise<T[]> {
  return (await db.query({ query, format: 'JSONEachRow' })).json<T>();
}

describe('ClickHouse', () => {
  it('applies the migrations once, then none', async () => {
    expect(await migrate({ url, database })).toEqual([1, 2, 3, 4, 5]);
    expect(await migrate({ url, database })).toEqual([]);
    const tables = await (
      await client.query({ query: `SHOW TABLES FROM ${quoteIdentifier(database)}`, format: 'JSONEachRow' })
    ).json<{ name: string }>();
    expect(tables.map((t) => t.name).sort()).toEqual([
      'alert_status',
      'alerts',
      'alerts_per_minute',
      'alerts_per_minute_mv',
      'dlq',
      'events',
      'events_per_minute',
      'events_per_minute_mv',
      'schema_migrations',
      'top_talkers_hourly',
      'top_talkers_hourly_mv',
    ]);
  });

  it('reads back every quoted string exactly, including injection attempts', async () => {
    const samples = fc.sample(fc.string({ unit: 'grapheme', maxLength: 40 }), 300);
    samples.push("'; DROP DATABASE x; --", '\\', "\\'", '\0\n\r\t\b\f', 'emoji 🛡️', '');
    const query = `SELECT ${samples.map((s, i) => `${quoteString(s)} AS c${i}`).join(', ')} FORMAT JSONEachRow`;
    const row = await (
      await client.query({ query: query.replace(' FORMAT JSONEachRow', ''), format: 'JSONEachRow' })
    ).json<Record<string, string>>();
    expect(samples.map((_, i) => row[0]?.[`c${i}`])).toEqual(samples);
  });

  it('runs sql`` statements whose values read back exactly (fast-check)', async () => {
    const values = fc.sample(fc.string({ unit: 'grapheme', maxLength: 30 }), 200);
    values.push("x' OR '1'='1", '`; DROP TABLE events; --', "\\\\'");
    const q = sql`SELECT ${values} AS v, has(${values}, ${values[0]!}) AS found, ${sqlJoin([1, 2.5, true])} AS n`;
    const [row] = await rows<{ v: string[]; found: number }>(q.text);
    expect(row?.v).toEqual(values);
    expect(row?.found).toBe(1);
  });

  it('drops day partitions older than the retention, keeps the recent ones and the other tables', async () => {
    const now = Date.now();
    const day = 86_400_000;
    const at = (ms: number) => new Date(ms).toISOString();
    const old = [0, 1, 2].map((i) => ({ event_id: `old${i}`, tenant: 't', timestamp: at(now - 40 * day) }));
    const recent = [0, 1].map((i) => ({ event_id: `new${i}`, tenant: 't', timestamp: at(now - i * day) }));
    await db.insert({ table: 'events', values: [...old, ...recent], format: 'JSONEachRow' });
    await db.insert({
      table: 'dlq',
      values: [{ id: 'd1', tenant: 't', reason: 'syntax: x', received_at: at(now - 40 * day) }],
      format: 'JSONEachRow',
    });
    // the 18.16 path (partition drop) on whatever server this is
    const result = await applyRetention(
      db,
      database,
      { events: 30, events_per_minute: 30, dlq: 0 },
      { version: parseVersion('18.16.1') },
    );
    expect(result.mode).toBe('drop-partitions');
    const oldDay = at(now - 40 * day)
      .slice(0, 10)
      .replaceAll('-', '');
    expect(result.dropped).toEqual([
      { table: 'events', partition: oldDay },
      { table: 'events_per_minute', partition: oldDay },
    ]);
    expect(await rows(`SELECT event_id FROM events FINAL ORDER BY event_id`)).toEqual([
      { event_id: 'new0' },
      { event_id: 'new1' },
    ]);
    expect(await rows(`SELECT toUInt32(sum(events)) AS n FROM events_per_minute`)).toEqual([{ n: 2 }]);
    expect(await rows(`SELECT count() AS n FROM dlq`)).toEqual([{ n: '1' }]);
    // a second run finds nothing more to drop
    expect(
      (await applyRetention(db, database, { events: 30 }, { version: parseVersion('18.16.1') })).dropped,
    ).toEqual([]);
  });

  it('gates TTL on the server version', async () => {
    const version = await serverVersion(db);
    const result = await applyRetention(db, database, { alerts: 365 });
    expect(result.mode).toBe(supportsTtl(version) ? 'ttl' : 'drop-partitions');
    const [table] = await rows<{ engine_full: string }>(
      sql`SELECT engine_full FROM system.tables WHERE database = ${database} AND name = ${'alerts'}`.text,
    );
    if (supportsTtl(version)) {
      expect(result.ttl).toEqual(['alerts']);
      expect(table?.engine_full).toContain('TTL window_start + toIntervalDay(365)');
      expect((await applyRetention(db, database, { alerts: 365 })).ttl).toEqual([]);
    } else {
      expect(table?.engine_full).not.toContain('TTL');
    }
  });
});
