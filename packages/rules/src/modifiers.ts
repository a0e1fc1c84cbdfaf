// Sigma value matching: a field name with its modifiers ("destination.port|gte",
// "url|contains|all") and one or more values compile to one predicate over an event.
// Strings match case-insensitively with * and ? wildcards, as Sigma specifies; `cased`
// makes them case-sensitive. Supported: contains startswith endswith all re (i m s)
// cidr gt gte lt lte exists cased. Others are reported as unsupported.
//
// Plain values (no wildcard, no other modifier) of one field are tested together with
// one set lookup, and reported as the field's `keys`: the condition holds only when the
// field equals one of them, which lets the engine skip rules an event cannot match.
import { subnetTest } from './cidr.ts';
import { type FieldValue, getter } from './fields.ts';

export type Predicate = (event: unknown) => boolean;

export class UnsupportedError extends Error {
  override name = 'UnsupportedError';
}

const KNOWN = new Set([
  'contains',
  'startswith',
  'endswith',
  'all',
  're',
  'i',
  'm',
  's',
  'cidr',
  'gt',
  'gte',
  'lt',
  'lte',
  'exists',
  'cased',
]);

type ValueTest = (v: FieldValue) => boolean;

/** A value that matches by equality: exactly (numbers, booleans, `cased`), or lower-cased. */
interface Equality {
  exact?: string;
  lower?: string;
}

export interface FieldCondition {
  match: Predicate;
  /** lower-cased values the field (or one of its elements) must equal for `match` to hold; null: no such constraint */
  keys: string[] | null;
}

/** The key an event value is looked up by, against FieldCondition.keys. */
export function matchKey(x: FieldValue): string {
  return (typeof x === 'string' ? x : String(x)).toLowerCase();
}

export function compileFieldCondition(key: string, raw: unknown): FieldCondition {
  const [field, ...mods] = key.split('|');
  if (!field) throw new UnsupportedError(`empty field name in "${key}"`);
  for (const m of mods) {
    if (!KNOWN.has(m)) throw new UnsupportedError(`modifier "${m}" is not supported`);
  }
  if (mods.filter((m) => ['gt', 'gte', 'lt', 'lte'].includes(m)).length > 1) {
    throw new UnsupportedError(`"${key}": one comparison modifier per field; use two fields for a range`);
  }
  const get = getter(field);
  const values = Array.isArray(raw) ? raw : [raw];
  if (values.length === 0) throw new UnsupportedError(`"${key}" has an empty value list`);

  if (mods.includes('exists')) {
    const want = values[0];
    if (typeof want !== 'boolean') throw new UnsupportedError('exists takes true or false');
    return {
      match: (e) => {
        const v = get(e);
        return (v !== undefined && v !== null) === want;
      },
      keys: null,
    };
  }

  const compiled = values.map((value) => compileValue(value, mods));
  const keyOfEq = (q: Equality) => q.lower ?? q.exact!.toLowerCase();
  if (mods.includes('all')) {
    const tests = compiled.map((c) => c.test);
    const eq = compiled.find((c) => c.eq)?.eq;
    return {
      match: (e) => {
        const v = get(e);
        for (const t of tests) if (!anyElement(v, t)) return false;
        return true;
      },
      keys: eq ? [keyOfEq(eq)] : null,
    };
  }
  // any value: the equalities as one set lookup, the other tests after it
  const eqs = compiled.flatMap((c) => (c.eq ? [c.eq] : []));
  const others = compiled.flatMap((c) => (c.eq ? [] : [c.test]));
  const tests = eqs.length > 0 ? [equalityTest(eqs), ...others] : others;
  const test: ValueTest =
    tests.length === 1
      ? tests[0]!
      : (x) => {
          for (const t of tests) if (t(x)) return true;
          return false;
        };
  return {
    match: (e) => anyElement(get(e), test),
    keys: others.length === 0 ? eqs.map(keyOfEq) : null,
  };
}

/** An event value that is a list matches when any element does. */
function anyElement(v: FieldValue, test: ValueTest): boolean {
  if (!Array.isArray(v)) return test(v);
  for (const x of v) if (test(x)) return true;
  return false;
}

/** The numbers whose string form (lower-cased too, for the lower-cased values) is one of these. */
export function numbersMatching(exact: Iterable<string>, lower: Iterable<string>): Set<number> {
  const out = new Set<number>();
  const canonical = (s: string) => {
    const n = Number(s);
    if (s !== '' && String(n) === s) out.add(n);
  };
  for (const s of exact) canonical(s);
  for (const w of lower) {
    canonical(w);
    if (w === 'infinity') out.add(Number.POSITIVE_INFINITY);
    if (w === '-infinity') out.add(Number.NEGATIVE_INFINITY);
    if (w === 'nan') out.add(Number.NaN);
  }
  return out;
}

/**
 * Equality with any of several values: String(v) exactly, or lower-cased (same length, as
 * Sigma's case folding here requires). A number is looked up as a number (no string made).
 */
function equalityTest(eqs: Equality[]): ValueTest {
  const exact = new Set(eqs.flatMap((q) => (q.exact === undefined ? [] : [q.exact])));
  const lower = new Set(eqs.flatMap((q) => (q.lower === undefined ? [] : [q.lower])));
  const lengths = new Set([...lower].map((w) => w.length));
  const numbers = numbersMatching(exact, lower);
  if (exact.size === 1 && lower.size === 0) {
    const want = [...exact][0]!;
    return (v) => {
      if (typeof v === 'number') return numbers.has(v);
      return v !== undefined && v !== null && (typeof v === 'string' ? v : String(v)) === want;
    };
  }
  if (exact.size === 0 && lower.size === 1) {
    const want = [...lower][0]!;
    return (v) => {
      if (typeof v === 'number') return numbers.has(v);
      if (v === undefined || v === null) return false;
      const s = typeof v === 'string' ? v : String(v);
      return s === want || (s.length === want.length && equalsLowered(s, want));
    };
  }
  return (v) => {
    if (typeof v === 'number') return numbers.has(v);
    if (v === undefined || v === null) return false;
    const s = typeof v === 'string' ? v : String(v);
    if (exact.has(s) || lower.has(s)) return true;
    // a string that lower-casing leaves as it is was just looked up
    if (!lengths.has(s.length) || isLowerAscii(s)) return false;
    const l = s.toLowerCase();
    return l.length === s.length && lower.has(l);
  };
}

/** s.toLowerCase() === lower (the same length), without making a string while s is ASCII. */
function equalsLowered(s: string, lower: string): boolean {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c > 127) return s.toLowerCase() === lower;
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

function isLowerAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || (c >= 65 && c <= 90)) return false;
  }
  return true;
}

function compileValue(value: unknown, mods: string[]): { test: ValueTest; eq?: Equality } {
  if (value === null) return { test: (v) => v === undefined || v === null || v === '' };
  const numeric = ['gt', 'gte', 'lt', 'lte'].find((m) => mods.includes(m));
  if (numeric) {
    const n = Number(value);
    if (!Number.isFinite(n))
      throw new UnsupportedError(`${numeric} needs a number, got ${JSON.stringify(value)}`);
    // a finite number, or NaN (which compares false) for what is not one
    const usable = (v: FieldValue) => {
      if (v === undefined || v === null || v === '' || typeof v === 'boolean') return Number.NaN;
      const a = Number(v);
      return Number.isFinite(a) ? a : Number.NaN;
    };
    const test: ValueTest =
      numeric === 'gt'
        ? (v) => usable(v) > n
        : numeric === 'gte'
          ? (v) => usable(v) >= n
          : numeric === 'lt'
            ? (v) => usable(v) < n
            : (v) => usable(v) <= n;
    return { test };
  }
  if (mods.includes('cidr'))
    return { test: subnetTest(value, () => new UnsupportedError(`not a CIDR: ${JSON.stringify(value)}`)) };
  if (mods.includes('re')) {
    const flags =
      (mods.includes('i') ? 'i' : '') + (mods.includes('m') ? 'm' : '') + (mods.includes('s') ? 's' : '');
    let re: RegExp;
    try {
      re = new RegExp(String(value), flags);
    } catch (err) {
      throw new UnsupportedError(`invalid regular expression: ${(err as Error).message}`);
    }
    return { test: (v) => v !== undefined && v !== null && re.test(String(v)) };
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    const exact = String(value);
    return { test: equalityTest([{ exact }]), eq: { exact } };
  }
  if (typeof value !== 'string')
    throw new UnsupportedError(`value ${JSON.stringify(value)} is not a string, number, boolean or null`);

  let pattern = value;
  if (mods.includes('contains')) pattern = `*${pattern}*`;
  else if (mods.includes('startswith')) pattern = `${pattern}*`;
  else if (mods.includes('endswith')) pattern = `*${pattern}`;
  const cased = mods.includes('cased');
  const re = wildcardRegex(pattern, cased);
  if (re === null) {
    const plain = unescapeWildcards(pattern);
    const eq = cased ? { exact: plain } : { lower: plain.toLowerCase() };
    return { test: equalityTest([eq]), eq };
  }
  return { test: (v) => v !== undefined && v !== null && re.test(String(v)) };
}

/** A Sigma wildcard pattern as an anchored RegExp, or null when it has no wildcard. */
export function wildcardRegex(pattern: string, cased = false): RegExp | null {
  let out = '';
  let wild = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length && '*?\\'.includes(pattern[i + 1]!)) {
      out += escapeRe(pattern[++i]!);
    } else if (c === '*') {
      out += '.*';
      wild = true;
    } else if (c === '?') {
      out += '.';
      wild = true;
    } else out += escapeRe(c);
  }
  return wild ? new RegExp(`^${out}$`, cased ? 's' : 'is') : null;
}

function unescapeWildcards(pattern: string): string {
  return pattern.replace(/\\([*?\\])/g, '$1');
}

function escapeRe(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}
