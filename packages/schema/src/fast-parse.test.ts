// The event schema's fast path agrees with zod: whatever it accepts, zod accepts with the
// same output (same keys, same order); whatever zod accepts it accepts too, unless a string
// holds characters outside the BMP (where zod counts code points) or a record key is
// "__proto__", which it leaves to zod. Checked on events generated from the schema itself,
// valid and corrupted.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  compact,
  compileParser,
  ecsEventSchema,
  fastCompactEventParser,
  fastEventParser,
  INVALID,
  isoTimestamp,
  validateEvent,
} from './index.ts';

// biome-ignore lint/suspicious/noExplicitAny: zod's internal definitions are untyped here
type Def = any;

/** Values the schema accepts (mostly), built from its definition. */
function arbitrary(schema: z.ZodType): fc.Arbitrary<unknown> {
  const def: Def = schema._zod.def;
  const checks: Def[] = (def.checks ?? []).map((c: Def) => c._zod.def);
  const num = (name: string, key: string, fallback: number) =>
    checks.find((c) => c.check === name)?.[key] ?? fallback;
  switch (def.type) {
    case 'optional':
      return arbitrary(def.innerType);
    case 'string': {
      if (def.format === 'datetime')
        return fc
          .date({ min: new Date('1970-01-01'), max: new Date('9999-12-31'), noInvalidDate: true })
          .map((d) => d.toISOString());
      const min = num('min_length', 'minimum', 0);
      const max = num('max_length', 'maximum', 200);
      const near = Math.max(min, max - 2);
      return fc.oneof(
        { weight: 4, arbitrary: fc.string({ minLength: min, maxLength: Math.min(max, 24) }) },
        fc.string({ minLength: near, maxLength: max + 1 }),
        fc.string({ unit: 'binary', minLength: min, maxLength: Math.min(max, 12) }),
      );
    }
    case 'number': {
      const min = num('greater_than', 'value', -1e6);
      const max = num('less_than', 'value', 1e12);
      const int = checks.some((c) => c.check === 'number_format');
      return fc.oneof(
        { weight: 4, arbitrary: int ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true }) },
        fc.constantFrom(min - 1, max + 1, min + 0.5, Number.NaN, Number.POSITIVE_INFINITY),
      );
    }
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries as Record<string, string>));
    case 'literal':
      return fc.constantFrom(...(def.values as unknown[]));
    case 'array':
      return fc.array(arbitrary(def.element), {
        minLength: num('min_length', 'minimum', 0),
        maxLength: Math.min(num('max_length', 'maximum', 4), 4),
      });
    case 'record':
      return fc.dictionary(arbitrary(def.keyType) as fc.Arbitrary<string>, arbitrary(def.valueType), {
        maxKeys: 3,
      });
    case 'object': {
      const shape = def.shape as Record<string, z.ZodType>;
      const required = Object.keys(shape).filter((k) => shape[k]!._zod.def.type !== 'optional');
      return fc.record(Object.fromEntries(Object.entries(shape).map(([k, s]) => [k, arbitrary(s)])), {
        requiredKeys: required,
      });
    }
    default:
      throw new Error(`no arbitrary for zod type ${def.type}`);
  }
}

/** Every (object, key) pair of a value, so a corruption can pick one. */
function slots(value: unknown, out: [Record<string, unknown>, string][] = []) {
  if (value !== null && typeof value === 'object')
    for (const k of Object.keys(value)) {
      out.push([value as Record<string, unknown>, k]);
      slots((value as Record<string, unknown>)[k], out);
    }
  return out;
}

const corrupted = fc
  .tuple(arbitrary(ecsEventSchema), fc.nat(), fc.nat(3), fc.anything(), fc.string({ maxLength: 3 }))
  .map(([event, at, how, value, key]) => {
    const all = slots(event);
    const [obj, k] = all[at % all.length]!;
    if (how === 0) obj[k] = value;
    else if (how === 1) delete obj[k];
    else if (how === 2) obj[`${k}${key}`] = value;
    else obj[k] = undefined;
    return event;
  });

/** Events as parsers build them: unset fields undefined, sub-objects left empty. */
const uncompacted = fc
  .tuple(arbitrary(ecsEventSchema), fc.array(fc.tuple(fc.nat(), fc.nat(4)), { maxLength: 4 }))
  .map(([event, changes]) => {
    for (const [at, how] of changes) {
      const all = slots(event);
      const [obj, k] = all[at % all.length]!;
      if (how === 0) obj[k] = undefined;
      else if (how === 1) obj[`${k}_x`] = undefined;
      else if (how === 2) obj[`${k}_x`] = {};
      else if (how === 3) obj[k] = {};
      else obj[k] = { a: undefined, b: {} };
    }
    return event;
  });

function agrees(value: unknown): void {
  same(fastEventParser(value), ecsEventSchema.safeParse(value), value);
}

function agreesCompacted(value: unknown): void {
  same(fastCompactEventParser(value), ecsEventSchema.safeParse(compact(value)), value);
}

function same(fast: unknown, slow: z.ZodSafeParseResult<unknown>, value: unknown): void {
  if (fast !== INVALID) {
    expect(slow.success).toBe(true);
    expect(fast).not.toBe(value);
    expect(fast).toStrictEqual(slow.data);
    expect(JSON.stringify(fast)).toBe(JSON.stringify(slow.data));
    return;
  }
  const json = JSON.stringify(value) ?? '';
  const astral = /[\uD800-\uDBFF][\uDC00-\uDFFF]/.test(json);
  if (!astral && !json.includes('"__proto__"')) expect(slow.success).toBe(false);
}

describe('fast event parser', () => {
  it('models every node of the event schema (none left to zod)', () => {
    expect(fastEventParser.delegated).toEqual([]);
  });
  it('accepts and returns exactly what zod does on generated events', () => {
    fc.assert(fc.property(arbitrary(ecsEventSchema), agrees), { numRuns: 3000 });
  });
  it('declines what zod rejects on corrupted events', () => {
    fc.assert(fc.property(corrupted, agrees), { numRuns: 5000 });
  });
  it('compacting, returns what zod returns for compact(event)', () => {
    expect(fastCompactEventParser.delegated).toEqual([]);
    fc.assert(fc.property(uncompacted, agreesCompacted), { numRuns: 3000 });
    fc.assert(fc.property(corrupted, agreesCompacted), { numRuns: 3000 });
  });
  it('takes only the years ClickHouse stores, as zod does', () => {
    const stamped = compileParser(z.strictObject({ '@timestamp': isoTimestamp }));
    expect(stamped.delegated).toEqual([]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9999 }), (year) => {
        const value = { '@timestamp': `${String(year).padStart(4, '0')}-06-01T12:00:00.000Z` };
        const inRange = year >= 1970 && year <= 2105;
        expect(isoTimestamp.safeParse(value['@timestamp']).success).toBe(inRange);
        const fast = stamped(value);
        expect(fast === INVALID).toBe(!inRange);
      }),
      { numRuns: 500 },
    );
  });
  it('leaves the error message to zod', () => {
    const r = validateEvent({ '@timestamp': 'yesterday' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain('@timestamp');
  });
});
