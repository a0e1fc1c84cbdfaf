// Shared helpers whose output must match a built-in exactly.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoString, isoTimestamp } from './common.ts';

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

/** isoTimestamp as it was written first: Date's parser on the normalised text. */
function referenceIsoTimestamp(text: string): Date | null {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (!m) return null;
  const frac = m[3] ? m[3].slice(0, 4).padEnd(4, '0') : '';
  let zone = m[4] ?? 'Z';
  if (zone !== 'Z' && zone.length === 5) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const d = new Date(`${m[1]}T${m[2]}${frac}${zone}`);
  return Number.isNaN(d.getTime()) ? null : d;
}

describe('isoTimestamp', () => {
  it('reads every text as Date does', () => {
    const digits = (n: number, max: number) =>
      fc.integer({ min: 0, max }).map((v) => String(v).padStart(n, '0'));
    const text = fc
      .tuple(
        digits(4, 9999),
        digits(2, 99),
        digits(2, 99),
        fc.constantFrom('T', ' '),
        digits(2, 99),
        digits(2, 99),
        digits(2, 99),
        fc.option(fc.stringMatching(/^\.\d{1,9}$/)),
        fc.option(fc.stringMatching(/^(Z|[+-]\d{2}:?\d{2})$/)),
      )
      .map(
        ([y, mo, d, t, h, mi, s, frac, zone]) =>
          `${y}-${mo}-${d}${t}${h}:${mi}:${s}${frac ?? ''}${zone ?? ''}`,
      );
    const near = fc
      .date({ min: new Date(-62e12), max: new Date(253402300799999), noInvalidDate: true })
      .map((d) => d.toISOString().replace(/^\+?0*(?=\d{4})/, ''));
    fc.assert(
      fc.property(fc.oneof(text, near, fc.string()), (t) => {
        expect(isoTimestamp(t)?.getTime()).toBe(referenceIsoTimestamp(t)?.getTime());
      }),
      { numRuns: 50_000 },
    );
    const edges = [
      '2024-02-29T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2000-02-29T23:59:59.999+23:59',
      '2026-04-31T10:00:00Z',
      '2026-12-31T24:00:00Z',
      '2026-12-31T23:59:60Z',
      '2026-01-01T00:00:00-24:00',
      '0099-06-01T00:00:00Z',
      '0100-06-01T00:00:00+0130',
      '9999-12-31T23:59:59.9999999-0000',
    ];
    for (const t of edges) expect(isoTimestamp(t)?.getTime(), t).toBe(referenceIsoTimestamp(t)?.getTime());
  });
});
