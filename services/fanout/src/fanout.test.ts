import { describe, expect, it } from 'vitest';
import { ForbiddenTenant, listQuerySchema, listSql, queryInput } from './history.ts';
import { textFrame } from './hub.ts';
import { type Entry, PartitionRing } from './ring.ts';

const entry = (offset: number): Entry => ({ kind: 'a', partition: 0, offset, ts: offset, raw: '{}' });

describe('PartitionRing', () => {
  it('keeps the newest entries and knows from which offset it covers everything', () => {
    const evicted: number[] = [];
    const ring = new PartitionRing(10, 3, (e) => evicted.push(e.offset));
    for (const o of [10, 11, 13, 14]) ring.add(entry(o));
    ring.skip(15);
    expect(ring.size).toBe(3);
    expect(evicted).toEqual([10]);
    expect(ring.coverFrom).toBe(11);
    expect(ring.next).toBe(16);
    expect(ring.slice(12, 16).map((e) => e.offset)).toEqual([13, 14]);
    expect([...ring.newestFirst()].map((e) => e.offset)).toEqual([14, 13, 11]);
  });
  it('with no capacity holds nothing and covers only what is next', () => {
    const ring = new PartitionRing(0, 0);
    ring.add(entry(0));
    expect(ring.coverFrom).toBe(1);
    expect(ring.size).toBe(0);
  });
});

describe('textFrame', () => {
  it('writes the three WebSocket length forms', () => {
    for (const n of [5, 200, 70_000]) {
      const f = textFrame('x'.repeat(n));
      expect(f[0]).toBe(0x81);
      const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
      expect(f.length).toBe(head + n);
      const len = n < 126 ? f[1] : n < 65_536 ? f.readUInt16BE(2) : Number(f.readBigUInt64BE(2));
      expect(len).toBe(n);
    }
  });
});

describe('GET /v1/alerts SQL', () => {
  const parse = (qs: string) => listQuerySchema.parse(queryInput(new URLSearchParams(qs)));
  it('always limits to the analyst scope and quotes every value', () => {
    const sql = listSql(parse("q=x' OR 1=1 --&rule_id=a,b&tag=attack.t1046"), new Set(['acme']));
    expect(sql).toContain("tenant IN ('acme')");
    expect(sql).toContain("position(lowerUTF8(v), 'x\\' or 1=1 --')");
    expect(sql).toContain("rule_id IN ('a', 'b')");
    expect(sql).toContain("hasAny(tags, ['attack.t1046'])");
  });
  it('refuses tenants outside the scope and malformed values', () => {
    expect(() => listSql(parse('tenant=globex'), new Set(['acme']))).toThrow(ForbiddenTenant);
    expect(listQuerySchema.safeParse(queryInput(new URLSearchParams('limit=9999'))).success).toBe(false);
    expect(listQuerySchema.safeParse(queryInput(new URLSearchParams("cursor=1~x'"))).success).toBe(false);
    expect(listQuerySchema.safeParse(queryInput(new URLSearchParams('since=yesterday'))).success).toBe(false);
    expect(listQuerySchema.safeParse(queryInput(new URLSearchParams('bogus=1'))).success).toBe(false);
  });
  it('pages by (detected_at_ms, id) and filters on the current status', () => {
    const sql = listSql(parse('cursor=1700000000000~AAAAAAAAAAAAAAAAAAAAAA&status=open&limit=10'), '*');
    expect(sql).toContain(
      "(detected_at_ms < 1700000000000 OR (detected_at_ms = 1700000000000 AND id < 'AAAAAAAAAAAAAAAAAAAAAA'))",
    );
    expect(sql).toContain(
      "id NOT IN (SELECT alert_id FROM alert_status GROUP BY alert_id HAVING argMax(status, version) != 'open')",
    );
    expect(sql).toMatch(/LIMIT 11$/);
    expect(sql).not.toContain('tenant IN');
  });
});
