import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadMigrations, splitStatements } from './client.ts';
import { quoteIdentifier, quoteString, quoteValue, SqlValueError } from './quote.ts';

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
    expect(migrations[0]?.name).toBe('alerts');
    expect(splitStatements('-- c\nSELECT 1;\nSELECT 2;\n')).toEqual(['SELECT 1', 'SELECT 2']);
  });
});
