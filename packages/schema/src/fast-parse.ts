// A fast path for zod parsing on hot paths (ingest validates every event): compiles a zod
// schema into plain closures that either return exactly what `schema.parse` returns (a fresh
// copy, keys in schema order) or INVALID. INVALID means "not proven valid here", never
// "invalid": callers then run the zod schema itself, which stays the source of truth and
// gives the error message. So the fast path only has to be right when it accepts, and it
// declines whatever it does not model exactly: strings whose code-point length could differ
// from their UTF-16 length at a bound, symbol or "__proto__" keys in records.
// With `compact`, the compiled function returns what `schema.parse(compact(input))` would,
// in one pass: undefined values and objects left empty by that are dropped first.
// Schema nodes of a kind not modelled here are parsed by zod (correct, only slower) and
// listed in `delegated`, which a test keeps empty for the event schema.
import type { z } from 'zod';

export const INVALID: unique symbol = Symbol('INVALID');
export type FastParser<T> = ((input: unknown) => T | typeof INVALID) & { delegated: string[] };

type Fn = (input: unknown) => unknown;
// biome-ignore lint/suspicious/noExplicitAny: zod's internal definitions are untyped here
type Def = any;

/** What a compacting node returns for an object that compact() would drop. */
const EMPTY: unique symbol = Symbol('EMPTY');

interface Compile {
  path: string;
  delegated: string[];
  /** model compact() before the schema (never inside arrays: compact() leaves those alone) */
  compact: boolean;
}

export function compileParser<S extends z.ZodType>(
  schema: S,
  options: { compact?: boolean } = {},
): FastParser<z.output<S>> {
  const delegated: string[] = [];
  const fn = compileNode(schema, { path: '', delegated, compact: options.compact ?? false });
  const parse = ((input: unknown) => {
    const out = fn(input);
    return out === EMPTY ? INVALID : out;
  }) as FastParser<z.output<S>>;
  parse.delegated = delegated;
  return parse;
}

/** Removes keys whose value is undefined, recursively, and objects that end up empty. */
export function compact<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return (compactObject(value as Record<string, unknown>) ?? {}) as T;
}

/** The object without undefined values and empty sub-objects; undefined when nothing is left. */
function compactObject(o: Record<string, unknown>): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const k in o) {
    let v = o[k];
    if (v === undefined) continue;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      v = compactObject(v as Record<string, unknown>);
      if (v === undefined) continue;
    }
    out ??= {};
    out[k] = v;
  }
  return out;
}

function compileNode(schema: z.ZodType, c: Compile): Fn {
  const def: Def = schema._zod.def;
  const compiled = compileKnown(def, c);
  if (compiled) return compiled;
  c.delegated.push(c.path || '(root)');
  return (input) => {
    if (c.compact && isObject(input) && compactObject(input) === undefined) return EMPTY;
    const r = schema.safeParse(c.compact ? compact(input) : input);
    return r.success ? r.data : INVALID;
  };
}

function compileKnown(def: Def, c: Compile): Fn | undefined {
  switch (def.type) {
    case 'string':
      return stringNode(def);
    case 'number':
      return numberNode(def);
    case 'enum':
      return memberNode(Object.values(def.entries));
    case 'literal':
      return memberNode(def.values);
    case 'array':
      return arrayNode(def, c);
    case 'record':
      return recordNode(def, c);
    case 'object':
      return objectNode(def, c);
    default:
      return undefined; // optional is handled by its object; anything else goes to zod
  }
}

interface Bounds {
  min: number;
  max: number;
  /** regex checks a string must also pass */
  patterns: RegExp[];
  int: boolean;
  gte: number;
  lte: number;
}

/** The checks of a node, or undefined when one is not modelled. */
function bounds(def: Def): Bounds | undefined {
  const b: Bounds = { min: 0, max: Infinity, int: false, gte: -Infinity, lte: Infinity, patterns: [] };
  for (const check of def.checks ?? []) {
    const c: Def = check._zod.def;
    // length checks carry zod's "has a length" guard, always true for strings and arrays
    if (c.when && c.check !== 'min_length' && c.check !== 'max_length') return undefined;
    if (c.check === 'min_length') b.min = Math.max(b.min, c.minimum);
    else if (c.check === 'max_length') b.max = Math.min(b.max, c.maximum);
    else if (c.check === 'number_format' && c.format === 'safeint') b.int = true;
    else if (c.check === 'greater_than' && c.inclusive) b.gte = Math.max(b.gte, c.value);
    else if (c.check === 'less_than' && c.inclusive) b.lte = Math.min(b.lte, c.value);
    else if (c.check === 'string_format' && c.format === 'regex' && c.pattern instanceof RegExp)
      b.patterns.push(stateless(c.pattern));
    else return undefined;
  }
  return b;
}

function stringNode(def: Def): Fn | undefined {
  const b = bounds(def);
  if (!b || def.coerce) return undefined;
  let pattern: RegExp | undefined;
  if (def.format !== undefined) {
    // a datetime is its pattern and nothing else; other formats have extra logic
    if (def.format !== 'datetime' || !(def.pattern instanceof RegExp)) return undefined;
    pattern = stateless(def.pattern);
  }
  const { min, max, patterns } = b;
  return (v) => {
    if (typeof v !== 'string') return INVALID;
    const n = v.length;
    // zod counts code points; below 2*min or above max they can differ from UTF-16 units
    if (n > max || (n < 2 * min && codePoints(v) < min)) return INVALID;
    if (pattern && !pattern.test(v)) return INVALID;
    for (const p of patterns) if (!p.test(v)) return INVALID;
    return v;
  };
}

/** The pattern without the global and sticky flags, whose lastIndex would make test() stateful. */
function stateless(pattern: RegExp): RegExp {
  return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function numberNode(def: Def): Fn | undefined {
  const b = bounds(def);
  if (!b || def.coerce) return undefined;
  const { int, gte, lte } = b;
  return (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return INVALID;
    if (int && !Number.isSafeInteger(v)) return INVALID;
    return v < gte || v > lte ? INVALID : v;
  };
}

function memberNode(values: unknown[]): Fn | undefined {
  if (!values.every((v) => typeof v === 'string')) return undefined;
  const set = new Set<unknown>(values);
  return (v) => (set.has(v) ? v : INVALID);
}

function arrayNode(def: Def, c: Compile): Fn | undefined {
  const b = bounds(def);
  if (!b) return undefined;
  const element = compileNode(def.element, { ...c, path: `${c.path}[]`, compact: false });
  const { min, max } = b;
  return (v) => {
    if (!Array.isArray(v) || v.length < min || v.length > max) return INVALID;
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const r = element(v[i]);
      if (r === INVALID) return INVALID;
      out[i] = r;
    }
    return out;
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function recordNode(def: Def, c: Compile): Fn | undefined {
  if (def.checks?.length || def.mode) return undefined;
  const key = compileNode(def.keyType, { ...c, path: `${c.path}{key}` });
  const value = compileNode(def.valueType, { ...c, path: `${c.path}{}` });
  const compacting = c.compact;
  return (v) => {
    if (!isObject(v) || Object.getOwnPropertySymbols(v).length > 0) return INVALID;
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const k of Object.getOwnPropertyNames(v)) {
      if (!Object.prototype.propertyIsEnumerable.call(v, k)) continue;
      if (k === '__proto__' || key(k) !== k) return INVALID;
      const x = v[k];
      if (compacting && x === undefined) continue;
      const r = value(x);
      if (r === INVALID) return INVALID;
      if (r === EMPTY) continue;
      out[k] = r;
      n++;
    }
    return compacting && n === 0 ? EMPTY : out;
  };
}

/**
 * A strict object becomes one generated function (straight-line code, so V8 gives every
 * property access its own inline cache): unknown keys are declined, fields are copied in
 * schema order, an optional field that is present but undefined stays present, as in zod.
 * Compacting, undefined fields are skipped instead, and an object with no field left is EMPTY.
 */
function objectNode(def: Def, c: Compile): Fn | undefined {
  if (def.checks?.length || def.catchall?._zod.def.type !== 'never') return undefined;
  const consts: unknown[] = [];
  const constant = (value: unknown) => `c${consts.push(value) - 1}`;
  const keys = Object.keys(def.shape as Record<string, z.ZodType>);
  const unknownKey = c.compact ? 'if (v[k] !== undefined) return INVALID;' : 'return INVALID;';
  let body = 'if (typeof v !== "object" || v === null || Array.isArray(v)) return INVALID;\n';
  body += `for (const k in v) switch (k) { ${keys.map((k) => `case ${JSON.stringify(k)}:`).join(' ')} break; default: ${unknownKey} }\n`;
  body += 'const out = {};\nlet x, r, n = 0;\n';
  for (const key of keys) {
    const child: z.ZodType = def.shape[key];
    const childDef: Def = child._zod.def;
    const optional = childDef.type === 'optional' && !childDef.checks?.length;
    const inner: z.ZodType = optional ? childDef.innerType : child;
    const k = JSON.stringify(key);
    const test = inlineTest(inner._zod.def, constant);
    const parse = test
      ? `if (${test}) return INVALID; r = x;`
      : `r = ${constant(compileNode(inner, { ...c, path: `${c.path}.${key}` }))}(x); if (r === INVALID) return INVALID;`;
    if (!c.compact) {
      const ifUndefined = optional ? `{ if (${k} in v) out[${k}] = undefined; }` : 'return INVALID;';
      body += `x = v[${k}];\nif (x === undefined) ${ifUndefined}\nelse { ${parse} out[${k}] = r; }\n`;
    } else if (optional) {
      body += `x = v[${k}];\nif (x !== undefined) { ${parse} if (r !== EMPTY) { out[${k}] = r; n++; } }\n`;
    } else {
      body += `x = v[${k}];\nif (x === undefined) return INVALID;\n${parse} if (r === EMPTY) return INVALID; out[${k}] = r; n++;\n`;
    }
  }
  body += c.compact ? 'return n === 0 ? EMPTY : out;' : 'return out;';
  const names = consts.map((_, i) => `c${i}`);
  return new Function('INVALID', 'EMPTY', ...names, `return (v) => {\n${body}\n};`)(
    INVALID,
    EMPTY,
    ...consts,
  ) as Fn;
}

/**
 * A condition on `x` that is true when a plain string of at most `max` UTF-16 units, or
 * a member of an enum, is not what `x` holds: the common leaves, checked in place.
 */
function inlineTest(def: Def, constant: (value: unknown) => string): string | undefined {
  if (def.type === 'enum' || def.type === 'literal') {
    const values: unknown[] = def.type === 'enum' ? Object.values(def.entries) : def.values;
    if (!values.every((v) => typeof v === 'string')) return undefined;
    return `!${constant(new Set(values))}.has(x)`;
  }
  if (def.type !== 'string' || def.format !== undefined || def.coerce) return undefined;
  const b = bounds(def);
  if (!b || b.min > 0) return undefined;
  return b.max === Infinity ? 'typeof x !== "string"' : `typeof x !== "string" || x.length > ${b.max}`;
}
