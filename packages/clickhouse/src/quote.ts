// The one way a value reaches SQL. ClickHouse 18.16 has no server-side query parameters,
// so every value from a request is validated by a schema first and then quoted here:
// string literals escape backslash, quote and control characters; identifiers must be
// plain names. Tested with fast-check and against the real server.
export class SqlValueError extends Error {
  override name = 'SqlValueError';
}

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
  '\r': '\\r',
  '\n': '\\n',
  '\t': '\\t',
};

const NEEDS_ESCAPE = /[\\'\0\b\f\r\n\t]/;
const TO_ESCAPE = /[\\'\0\b\f\r\n\t]/g;

export function quoteString(value: string): string {
  if (typeof value !== 'string') throw new SqlValueError('quoteString takes a string');
  if (!value.isWellFormed()) throw new SqlValueError('string is not well-formed Unicode');
  return `'${escapeQuoted(value)}'`;
}

/** The inside of a single-quoted literal, unchecked: `value` with its escapes, no quotes. */
export function escapeQuoted(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(TO_ESCAPE, (c) => ESCAPES[c] ?? c) : value;
}

export function quoteNumber(value: number): string {
  if (!Number.isFinite(value)) throw new SqlValueError('number must be finite');
  return String(value);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new SqlValueError(`not a plain identifier: ${JSON.stringify(name)}`);
  return `\`${name}\``;
}

/** Quotes a value by its type: strings, finite numbers, booleans, arrays of those. */
export function quoteValue(value: unknown): string {
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'number') return quoteNumber(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (Array.isArray(value)) return `[${value.map(quoteValue).join(', ')}]`;
  throw new SqlValueError(`cannot quote a value of type ${typeof value}`);
}

/**
 * A piece of SQL text built only by `sql` or `ident`: the one kind of value `sql` puts into
 * a statement without quoting it. A plain object with a `text` field is not one.
 */
export class Sql {
  readonly text: string;
  /** @internal use `sql` or `ident` */
  constructor(text: string, token: symbol) {
    if (token !== SQL_TOKEN) throw new SqlValueError('build SQL with sql`...` or ident(), not new Sql()');
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

const SQL_TOKEN = Symbol('sql');

/** A checked, quoted identifier to interpolate into `sql` (table, column or database name). */
export function ident(name: string): Sql {
  return new Sql(quoteIdentifier(name), SQL_TOKEN);
}

/**
 * Tagged template: the literal parts are taken as written, every interpolated value is quoted
 * by `quoteValue` (strings, finite numbers, booleans, arrays of those), except fragments made
 * by `sql`/`ident`, which are inserted as they are.
 *   sql`SELECT count() FROM ${ident(table)} WHERE tenant = ${tenant}`
 */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  let text = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    text += value instanceof Sql ? value.text : quoteValue(value);
    text += strings[i + 1] ?? '';
  }
  return new Sql(text, SQL_TOKEN);
}

/** Joins fragments (or quoted values) with a separator, e.g. a list for IN (...). */
export function sqlJoin(items: readonly unknown[], separator: ', ' | ' AND ' | ' OR ' = ', '): Sql {
  return new Sql(items.map((v) => (v instanceof Sql ? v.text : quoteValue(v))).join(separator), SQL_TOKEN);
}
