// Shared helpers whose output must match a built-in exactly.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoString } from './common.ts';

describe('isoString', () => {
  it('formats like Date#toISOString', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(-1e13), max: new Date(1e15), noInvalidDate: true }), (d) => {
        expect(isoString(d)).toBe(d.toISOString());
      }),
      { numRuns: 20_000 },
    );
    for (const t of [0, 86_399_999, 951_782_400_000, 253_402_300_799_999, 253_402_300_800_000, -1])
      expect(isoString(new Date(t))).toBe(new Date(t).toISOString());
    expect(() => isoString(new Date(Number.NaN))).toThrow(RangeError);
  });
});
