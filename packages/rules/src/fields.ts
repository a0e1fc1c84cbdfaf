// Field access on nested ECS events by dotted path ("source.ip"), compiled once per
// field name. Values come back as strings, numbers or booleans; arrays are kept.
export type FieldValue = string | number | boolean | null | undefined | FieldValue[];
export type Getter = (event: unknown) => FieldValue;

const cache = new Map<string, Getter>();

export function getter(path: string): Getter {
  let g = cache.get(path);
  if (g) return g;
  const parts = path.split('.');
  g = (event) => {
    let v: unknown = event;
    for (const p of parts) {
      if (v === null || typeof v !== 'object') {
        v = undefined;
        break;
      }
      v = (v as Record<string, unknown>)[p];
    }
    // A flat key with dots ("source.ip" stored literally) also resolves.
    if (v === undefined && parts.length > 1 && event !== null && typeof event === 'object') {
      v = (event as Record<string, unknown>)[path];
    }
    return v as FieldValue;
  };
  cache.set(path, g);
  return g;
}

/** The string form used for grouping and distinct counting; undefined when absent. */
export function keyOf(value: FieldValue): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value))
    return value.length === 0 ? undefined : value.map((v) => keyOf(v) ?? '').join(',');
  return String(value);
}
