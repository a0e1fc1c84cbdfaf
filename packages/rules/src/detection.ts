// A Sigma `detection` block compiled to one predicate: each named selection is a map
// (fields ANDed) or a list of maps (ORed); `condition` combines them (a list of
// conditions is ORed). Keyword lists (plain strings) are not supported: ECS events
// have no single message field to search.
//
// Alongside the predicate comes its requirement: fields the event must carry with one
// of a few values for the predicate to hold (event.category network, destination.port
// 22...), which the engine uses to index rules. Rules compiled together share their
// field conditions, and each is evaluated once per event while the engine runs a pass.
import { allOf, anyOf, type Condition, foldCondition, parseCondition } from './condition.ts';
import { compileFieldCondition, type FieldCondition, type Predicate, UnsupportedError } from './modifiers.ts';

/** Field → lower-cased values: for the predicate to hold, the field equals one of them (for each field listed). */
export type Requirement = ReadonlyMap<string, ReadonlySet<string>>;

export interface CompiledMatch {
  match: Condition;
  requires: Requirement;
}

/** Field conditions shared by the rules compiled together, by their source text. */
export type SharedConditions = Map<string, FieldCondition>;

// While the engine runs one event's detections it opens a pass; a shared field
// condition remembers its result for the pass. Outside a pass nothing is remembered.
let pass = 0;
let passes = 0;
export function beginPass(): void {
  pass = ++passes;
}
export function endPass(): void {
  pass = 0;
}

function remembered(p: Predicate): Predicate {
  let at = 0;
  let result = false;
  return (e) => {
    if (pass !== 0 && at === pass) return result;
    result = p(e);
    at = pass;
    return result;
  };
}

export function compileDetection(detection: Record<string, unknown>): Condition {
  return compileMatch(detection).match;
}

export function compileMatch(
  detection: Record<string, unknown>,
  shared: SharedConditions = new Map(),
): CompiledMatch {
  const { condition, timeframe, ...named } = detection;
  if (timeframe !== undefined)
    throw new UnsupportedError('detection.timeframe is deprecated: use a correlation rule');
  if (condition === undefined) throw new UnsupportedError('detection has no condition');
  const selections = new Map<string, CompiledMatch>();
  for (const [name, body] of Object.entries(named))
    selections.set(name, compileSelection(name, body, shared));
  const names = [...selections.keys()];
  const conditions = (Array.isArray(condition) ? condition : [condition]).map((c) => {
    if (typeof c !== 'string')
      throw new UnsupportedError('detection.condition must be a string or a list of strings');
    const tree = parseCondition(c, names);
    return {
      match: foldCondition<Condition>(tree, {
        and: allOf,
        or: anyOf,
        not: (inner) => (e) => !inner(e),
        ref: (name) => selections.get(name)!.match,
      }),
      requires: foldCondition<Requirement>(tree, {
        and: (parts) => parts.reduce(both),
        or: (parts) => parts.reduce(either),
        not: () => NONE,
        ref: (name) => selections.get(name)!.requires,
      }),
    };
  });
  return combine(conditions, anyOf, either);
}

function compileSelection(name: string, body: unknown, shared: SharedConditions): CompiledMatch {
  if (Array.isArray(body)) {
    if (body.length === 0) throw new UnsupportedError(`selection "${name}" is empty`);
    if (body.every((b) => typeof b === 'string' || typeof b === 'number')) {
      throw new UnsupportedError(`selection "${name}": keyword search is not supported`);
    }
    return combine(
      body.map((b, i) => compileSelection(`${name}[${i}]`, b, shared)),
      anyOf,
      either,
    );
  }
  if (body === null || typeof body !== 'object')
    throw new UnsupportedError(`selection "${name}" must be a map or a list of maps`);
  const fields = Object.entries(body as Record<string, unknown>).map(([k, v]): CompiledMatch => {
    const id = `${k}\u0000${JSON.stringify(v, (_, x) => (typeof x === 'number' && !Number.isFinite(x) ? `\u0000${x}` : x))}`;
    let f = shared.get(id);
    if (!f) {
      const compiled = compileFieldCondition(k, v);
      f = { match: remembered(compiled.match), keys: compiled.keys };
      shared.set(id, f);
    }
    const field = k.split('|')[0]!;
    return { match: f.match, requires: f.keys ? new Map([[field, new Set(f.keys)]]) : NONE };
  });
  if (fields.length === 0) throw new UnsupportedError(`selection "${name}" is empty`);
  return combine(fields, allOf, both);
}

function combine(
  parts: CompiledMatch[],
  join: (ps: Condition[]) => Condition,
  merge: (a: Requirement, b: Requirement) => Requirement,
): CompiledMatch {
  return { match: join(parts.map((p) => p.match)), requires: parts.map((p) => p.requires).reduce(merge) };
}

const NONE: Requirement = new Map();

/** Both hold: every field either requires (a list field may hold both values, so no intersection). */
export function both(a: Requirement, b: Requirement): Requirement {
  if (a.size === 0) return b;
  if (b.size === 0) return a;
  const out = new Map(a);
  for (const [f, s] of b) {
    const x = out.get(f);
    if (!x || s.size < x.size) out.set(f, s);
  }
  return out;
}

/** Either holds: the fields both require, with the values of both. */
function either(a: Requirement, b: Requirement): Requirement {
  const out = new Map<string, ReadonlySet<string>>();
  for (const [f, s] of a) {
    const t = b.get(f);
    if (t) out.set(f, new Set([...s, ...t]));
  }
  return out;
}
