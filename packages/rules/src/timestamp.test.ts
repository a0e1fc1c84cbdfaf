import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTimestamp } from './timestamp.ts';

const same = (s: string): void => {
  expect(parseTimestamp(s)).toBe(Date.parse(s));
};

describe('parseTimestamp', () => {
  it('reads what Date.parse reads, for every instant', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) =>
        same(new Date(ms).toISOString()),
      ),
      { numRuns: 2000 },
    );
  });
  it('agrees with Date.parse on odd and invalid fields, and on other forms', () => {
    const two = (n: number) => String(n).padStart(2, '0');
    fc.assert(
      fc.property(
        fc.tuple(
          fc.integer({ min: 0, max: 9999 }),
          fc.integer({ min: 0, max: 13 }),
          fc.integer({ min: 0, max: 32 }),
          fc.integer({ min: 0, max: 25 }),
          fc.integer({ min: 0, max: 61 }),
          fc.integer({ min: 0, max: 61 }),
        ),
        ([y, mo, d, h, mi, s]) =>
          same(`${String(y).padStart(4, '0')}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(s)}.123Z`),
      ),
      { numRuns: 3000 },
    );
    for (const s of [
      '2026-02-30T00:00:00.000Z',
      '2026-11-29T10:00:00Z',
      '2026-11-29T10:00:00.000+01:00',
      '2026-11-29t10:00:00.000z',
      '2026-11-29T1x:00:00.000Z',
      '+002026-11-29T10:00:00.000Z',
      'yesterday',
      '',
    ])
      same(s);
  });
});
