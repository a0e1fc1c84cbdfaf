// Against the real ClickHouse server: migrations apply once and are idempotent, and
// every string the quoting function produces reads back byte-for-byte (fast-check).
import { randomBytes } from 'node:crypto';
import { createClickHouse, migrate, quoteIdentifier, quoteString } from '@soc/clickhouse';
import fc from 'fast-check';
import { afterAll, describe, expect, inject, it } from 'vitest';

const url = inject('clickhouseUrl');
const database = `it_${randomBytes(4).toString('hex')}`;
const client = createClickHouse({ url, database }, false);

afterAll(async () => {
  await client.command({ query: `DROP DATABASE IF EXISTS ${quoteIdentifier(database)}` });
  await client.close();
});

describe('ClickHouse', () => {
  it('applies the migrations once, then none', async () => {
    expect(await migrate({ url, database })).toEqual([1]);
    expect(await migrate({ url, database })).toEqual([]);
    const tables = await (
      await client.query({ query: `SHOW TABLES FROM ${quoteIdentifier(database)}`, format: 'JSONEachRow' })
    ).json<{ name: string }>();
    expect(tables.map((t) => t.name).sort()).toEqual(['alerts', 'schema_migrations']);
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
});
