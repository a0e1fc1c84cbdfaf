import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadMigrations, splitStatements } from './client.ts';
import {
  ident,
  quoteIdentifier,
  quoteString,
  quoteValue,
  Sql,
  SqlValueError,
  sql,
  sqlJoin,
} from './quote.ts';

/** Reads a ClickHouse single-quoted literal back, as the server's lexer does. */
function unquote(literal: string): string {
  expect(literal.startsWith("'") && literal.endsWith("'")).toBe(true);
  const body = literal.slice(1, -1);
  const map: Record<string, string> = {
    '\\': '\\',
    "'": "'",
    '0': '\0',
    b: '\b',
    f: '\f',
    r: '\r',
    n: '\n',
    t: '\t',
  };
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "'") throw new Error(`unescaped quote at ${i}`);
    if (c === '\\') {
      const next = body[++i]!;
      out += map[next] ?? next;
    } else out += c;
  }
  return out;
}

describe('quoteString', () => {
  it('round-trips any well-formed string and never leaves a quote unescaped', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(unquote(quoteString(s))).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });
  it('neutralises injection attempts', () => {
    expect(quoteString("x' OR 1=1 --")).toBe("'x\\' OR 1=1 --'");
    expect(quoteString('a\\')).toBe("'a\\\\'");
  });
  it('rejects lone surrogates', () => {
    expect(() => quoteString('\uD800')).toThrow(SqlValueError);
  });
});

describe('quoteIdentifier and quoteValue', () => {
  it('accepts plain names only', () => {
    expect(quoteIdentifier('soc_test_1')).toBe('`soc_test_1`');
    for (const bad of ['', '1a', 'a-b', 'a`b', 'a b', 'x;DROP']) expect(() => quoteIdentifier(bad)).toThrow();
  });
  it('quotes arrays, numbers and booleans and refuses the rest', () => {
    expect(quoteValue(['a', 1, true])).toBe("['a', 1, 1]");
    expect(() => quoteValue(Number.NaN)).toThrow();
    expect(() => quoteValue({})).toThrow();
  });
});

describe('migrations', () => {
  it('are numbered, ordered and split into statements', () => {
    const migrations = loadMigrations();
    expect(migrations.map((m) => m.version)).toEqual(
      [...migrations.map((m) => m.version)].sort((a, b) => a - b),
    );
    expect(migrations.map((m) => `${m.version}_${m.name}`)).toEqual([
      '1_alerts',
      '2_events',
      '3_alert_status',
      '4_dlq',
      '5_dashboard_views',
    ]);
    expect(splitStatements('-- c\nSELECT 1;\nSELECT 2;\n')).toEqual(['SELECT 1', 'SELECT 2']);
  });
});

/** Splits the text of sql`a${x}b${y}c` back into its quoted parts, given the literal parts. */
function holes(text: string, literals: readonly string[]): string[] {
  const out: string[] = [];
  let rest = text;
  expect(rest.startsWith(literals[0]!)).toBe(true);
  rest = rest.slice(literals[0]!.length);
  for (let i = 1; i < literals.length; i++) {
    const next = literals[i]!;
    const at = next === '' ? rest.length : rest.lastIndexOf(next);
    out.push(rest.slice(0, at));
    rest = rest.slice(at + next.length);
  }
  return out;
}

describe('sql tagged template', () => {
  const scalar = fc.oneof(
    fc.string({ unit: 'grapheme' }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
  );
  it('quotes every interpolated value and keeps the literal parts exactly', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), scalar, (s, v) => {
        const q = sql`SELECT ${s} AS a, ${v} AS b WHERE 1`;
        const [a, b] = holes(q.text, ['SELECT ', ' AS a, ', ' AS b WHERE 1']);
        expect(unquote(a!)).toBe(s);
        expect(b).toBe(quoteValue(v));
      }),
      { numRuns: 2000 },
    );
  });
  it('never lets a string end its literal early, whatever it holds', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 5 }), (values) => {
        const q = sql`x IN (${sqlJoin(values)})`;
        const body = q.text.slice('x IN ('.length, -1);
        const literals = values.map(quoteString);
        expect(body).toBe(literals.join(', '));
        for (const [i, l] of literals.entries()) expect(unquote(l)).toBe(values[i]);
      }),
      { numRuns: 1000 },
    );
  });
  it('inserts only fragments it built itself without quoting', () => {
    const table = ident('events');
    expect(sql`SELECT count() FROM ${table} WHERE ${sql`tenant = ${"a'b"}`}`.text).toBe(
      "SELECT count() FROM `events` WHERE tenant = 'a\\'b'",
    );
    expect(() => sql`${{ text: 'DROP TABLE x' }}`).toThrow(SqlValueError);
    expect(() => new Sql('DROP TABLE x', Symbol('sql'))).toThrow(SqlValueError);
    expect(() => ident('a; DROP')).toThrow(SqlValueError);
    expect(() => sql`${Number.POSITIVE_INFINITY}`).toThrow(SqlValueError);
    expect(() => sql`${'\uD800'}`).toThrow(SqlValueError);
    expect(String(sql`${[1, 'a']}`)).toBe("[1, 'a']");
  });
});
