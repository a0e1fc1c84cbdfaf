// Field access on nested ECS events by dotted path ("source.ip"), compiled once per
// field name. Values come back as strings, numbers or booleans; arrays are kept.
export type FieldValue = string | number | boolean | null | undefined | FieldValue[];
export type Getter = (event: unknown) => FieldValue;

const cache = new Map<string, Getter>();

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object';

export function getter(path: string): Getter {
  let g = cache.get(path);
  if (g) return g;
  const parts = path.split('.');
  // the common one- and two-part paths get straight-line getters; a flat key with dots
  // ("source.ip" stored literally) also resolves when the nested path does not
  if (parts.length === 1) g = (event) => (isObject(event) ? (event[path] as FieldValue) : undefined);
  else if (parts.length === 2) {
    const [a, b] = parts as [string, string];
    g = (event) => {
      if (!isObject(event)) return undefined;
      const o = event[a];
      const v = isObject(o) ? o[b] : undefined;
      return (v === undefined ? event[path] : v) as FieldValue;
    };
  } else
    g = (event) => {
      let v: unknown = event;
      for (const p of parts) {
        if (!isObject(v)) {
          v = undefined;
          break;
        }
        v = v[p];
      }
      if (v === undefined && isObject(event)) v = event[path];
      return v as FieldValue;
    };
  cache.set(path, g);
  return g;
}

/** The string form used for grouping and distinct counting; undefined when absent. */
export function keyOf(value: FieldValue): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value))
    return value.length === 0 ? undefined : value.map((v) => keyOf(v) ?? '').join(',');
  return String(value);
}
