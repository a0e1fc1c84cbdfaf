// Sigma value matching: a field name with its modifiers ("destination.port|gte",
// "url|contains|all") and one or more values compile to one predicate over an event.
// Strings match case-insensitively with * and ? wildcards, as Sigma specifies; `cased`
// makes them case-sensitive. Supported: contains startswith endswith all re (i m s)
// cidr gt gte lt lte exists cased. Others are reported as unsupported.
import { BlockList, isIP } from 'node:net';
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

export function compileFieldCondition(key: string, raw: unknown): Predicate {
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
    return (e) => {
      const v = get(e);
      return (v !== undefined && v !== null) === want;
    };
  }

  const tests = values.map((value) => compileValue(value, mods));
  const all = mods.includes('all');
  return (e) => {
    const v = get(e);
    return all ? tests.every((t) => anyElement(v, t)) : tests.some((t) => anyElement(v, t));
  };
}

/** An event value that is a list matches when any element does. */
function anyElement(v: FieldValue, test: ValueTest): boolean {
  return Array.isArray(v) ? v.some((x) => test(x)) : test(v);
}

function compileValue(value: unknown, mods: string[]): ValueTest {
  if (value === null) return (v) => v === undefined || v === null || v === '';
  const numeric = ['gt', 'gte', 'lt', 'lte'].find((m) => mods.includes(m));
  if (numeric) {
    const n = Number(value);
    if (!Number.isFinite(n))
      throw new UnsupportedError(`${numeric} needs a number, got ${JSON.stringify(value)}`);
    const cmp = {
      gt: (a: number) => a > n,
      gte: (a: number) => a >= n,
      lt: (a: number) => a < n,
      lte: (a: number) => a <= n,
    }[numeric as 'gt'];
    return (v) => {
      if (v === undefined || v === null || v === '' || typeof v === 'boolean') return false;
      const a = Number(v);
      return Number.isFinite(a) && cmp(a);
    };
  }
  if (mods.includes('cidr')) {
    const list = new BlockList();
    const [net, bits] = String(value).split('/');
    const family = isIP(net ?? '');
    const prefix = Number(bits);
    if (!family || !Number.isInteger(prefix))
      throw new UnsupportedError(`not a CIDR: ${JSON.stringify(value)}`);
    list.addSubnet(net!, prefix, family === 4 ? 'ipv4' : 'ipv6');
    return (v) => {
      if (typeof v !== 'string') return false;
      const f = isIP(v);
      return f !== 0 && list.check(v, f === 4 ? 'ipv4' : 'ipv6');
    };
  }
  if (mods.includes('re')) {
    const flags =
      (mods.includes('i') ? 'i' : '') + (mods.includes('m') ? 'm' : '') + (mods.includes('s') ? 's' : '');
    let re: RegExp;
    try {
      re = new RegExp(String(value), flags);
    } catch (err) {
      throw new UnsupportedError(`invalid regular expression: ${(err as Error).message}`);
    }
    return (v) => v !== undefined && v !== null && re.test(String(v));
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    const s = String(value);
    return (v) => v === value || (v !== undefined && v !== null && String(v) === s);
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
    const want = cased ? plain : plain.toLowerCase();
    return (v) => {
      if (v === undefined || v === null) return false;
      const s = typeof v === 'string' ? v : String(v);
      if (s.length !== want.length) return false; // cheap miss before lower-casing
      return (cased ? s : s.toLowerCase()) === want;
    };
  }
  return (v) => v !== undefined && v !== null && re.test(String(v));
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
