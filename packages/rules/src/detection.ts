// A Sigma `detection` block compiled to one predicate: each named selection is a map
// (fields ANDed) or a list of maps (ORed); `condition` combines them (a list of
// conditions is ORed). Keyword lists (plain strings) are not supported: ECS events
// have no single message field to search.
import { type Condition, compileCondition } from './condition.ts';
import { compileFieldCondition, type Predicate, UnsupportedError } from './modifiers.ts';

export function compileDetection(detection: Record<string, unknown>): Condition {
  const { condition, timeframe, ...named } = detection;
  if (timeframe !== undefined)
    throw new UnsupportedError('detection.timeframe is deprecated: use a correlation rule');
  if (condition === undefined) throw new UnsupportedError('detection has no condition');
  const selections = new Map<string, Predicate>();
  for (const [name, body] of Object.entries(named)) selections.set(name, compileSelection(name, body));
  const conditions = (Array.isArray(condition) ? condition : [condition]).map((c) => {
    if (typeof c !== 'string')
      throw new UnsupportedError('detection.condition must be a string or a list of strings');
    return compileCondition(c, selections);
  });
  return conditions.length === 1 ? conditions[0]! : (e) => conditions.some((c) => c(e));
}

function compileSelection(name: string, body: unknown): Predicate {
  if (Array.isArray(body)) {
    if (body.length === 0) throw new UnsupportedError(`selection "${name}" is empty`);
    if (body.every((b) => typeof b === 'string' || typeof b === 'number')) {
      throw new UnsupportedError(`selection "${name}": keyword search is not supported`);
    }
    const maps = body.map((b, i) => compileSelection(`${name}[${i}]`, b));
    return (e) => maps.some((m) => m(e));
  }
  if (body === null || typeof body !== 'object')
    throw new UnsupportedError(`selection "${name}" must be a map or a list of maps`);
  const fields = Object.entries(body as Record<string, unknown>).map(([k, v]) => compileFieldCondition(k, v));
  if (fields.length === 0) throw new UnsupportedError(`selection "${name}" is empty`);
  return (e) => fields.every((f) => f(e));
}
