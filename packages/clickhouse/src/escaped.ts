// Values in ClickHouse's "escaped" text form, the one TabSeparated and TSKV rows are read in:
// a String is its text with backslash, tab and line feed escaped (\\ \t \n: the rest, quotes
// and other control characters included, is read as it is); an Array(String) is
// ['a','b'], each element a single-quoted literal as quote.ts writes them. Lone surrogates
// are left as they are (InsertBody writes them; see insert.ts). Checked byte for byte against
// rows sent as JSONEachRow on ClickHouse 18.16.
import { escapeQuoted } from './quote.ts';

const SPECIAL = /[\\\t\n]/;
const SPECIALS = /[\\\t\n]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n' };

/** A String value of a TabSeparated or TSKV row. */
export function escapedString(value: string): string {
  return SPECIAL.test(value) ? value.replace(SPECIALS, (c) => ESCAPES[c] ?? c) : value;
}

/** An Array(String) value of a TabSeparated or TSKV row. */
export function escapedArray(items: readonly string[]): string {
  let text = '[';
  for (let i = 0; i < items.length; i++) text += `${i === 0 ? "'" : ",'"}${escapeQuoted(items[i]!)}'`;
  return `${text}]`;
}
