import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InsertBody } from './insert.ts';

describe('InsertBody', () => {
  it('holds the rows as UTF-8 lines, growing as needed (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 3000 }), { maxLength: 60 }), (rows) => {
        const body = new InsertBody();
        for (const row of rows) body.append(row);
        expect(body.rows).toBe(rows.length);
        expect(body.bytes().toString('utf8')).toBe(rows.map((r) => `${r}\n`).join(''));
        expect(body.byteLength).toBe(body.bytes().length);
      }),
      { numRuns: 200 },
    );
  });

  it('starts over on clear(), in the memory it has', () => {
    const body = new InsertBody();
    body.append('x'.repeat(200_000));
    const before = body.bytes().buffer;
    body.clear();
    expect(body.rows).toBe(0);
    expect(body.bytes().length).toBe(0);
    body.append('{"a":1}');
    body.append('{"a":2}');
    expect(body.bytes().toString()).toBe('{"a":1}\n{"a":2}\n');
    expect(body.bytes().buffer).toBe(before);
  });

  it('writes a lone surrogate as its three bytes (WTF-8), as ClickHouse stores a \\u escape', () => {
    const body = new InsertBody();
    body.append('a\ud800b\udc00c\ud83d\udee1\ud83d');
    expect(body.bytes().toString('hex')).toBe('61eda08062edb08063f09f9ba1eda0bd0a');
  });
});
