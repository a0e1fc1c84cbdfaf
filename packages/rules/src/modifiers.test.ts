// Equality values are matched together (one set lookup, numbers as numbers); the result
// must be what testing each value on its own gives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFieldCondition } from './modifiers.ts';

/** One value on its own, as Sigma equality reads it: String(v), lower-cased unless `cased`. */
function reference(value: string | number | boolean, cased: boolean) {
  return (v: unknown): boolean => {
    if (v === undefined || v === null) return false;
    if (typeof value !== 'string') return v === value || String(v) === String(value);
    const s = typeof v === 'string' ? v : String(v);
    const want = cased ? value : value.toLowerCase();
    if (s.length !== want.length) return false; // lower-casing may change the length: no match then
    return (cased ? s : s.toLowerCase()) === want;
  };
}

const number = fc.oneof(
  fc.integer({ min: -3, max: 3000 }),
  fc.constantFrom(-0, 0.5, 1e21, -1e-7, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.double(),
);
const text = fc.oneof(
  number.map(String),
  number.map((n) => String(n).toUpperCase()),
  fc.constantFrom('22', ' 22', '022', 'Infinity', 'infinity', 'NAN', 'true', 'True', 'İ', 'i̇', 'ß', ''),
  fc.constantFrom('Allowed', 'ALLOWED', 'allowed', 'allowed\u0130'), // ASCII compared without lower-casing
  fc.string({ maxLength: 3 }),
);
const ruleValue = fc.oneof(number.filter(Number.isFinite), text, fc.boolean());
const eventValue = fc.oneof(number, text, fc.boolean(), fc.constant(null), fc.array(fc.oneof(number, text)));

describe('equality values', () => {
  it('match together exactly as each on its own', () => {
    fc.assert(
      fc.property(
        fc.array(ruleValue, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        eventValue,
        (values, cased, v) => {
          const plain = values.filter((x) => typeof x !== 'string' || !/[*?\\]/.test(x));
          if (plain.length === 0) return;
          const { match } = compileFieldCondition(cased ? 'f|cased' : 'f', plain);
          const each = plain.map((x) => reference(x, cased));
          const want = (Array.isArray(v) ? v : [v]).some((x) => each.some((t) => t(x)));
          expect(match({ f: v })).toBe(want);
        },
      ),
      { numRuns: 5000 },
    );
  });
});
