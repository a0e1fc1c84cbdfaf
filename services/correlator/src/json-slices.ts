// JSON text of a large plain-data value (a partition's state) written a slice at a time,
// with a turn of the event loop between slices: a checkpoint of several megabytes then holds
// up the batches behind it for a few milliseconds at a time instead of for the whole
// serialisation. The text is JSON.stringify's; the value must not change meanwhile (the
// engines' snapshots are copies).

/** Containers this close to the top, and arrays longer than this, are written part by part. */
const OPEN_DEPTH = 4;
const LONG_ARRAY = 64;
/** items written whole by one JSON.stringify call */
const LEAF_RUN = 256;

export async function stringifyInSlices(value: unknown, sliceMs = 4): Promise<string> {
  const out: string[] = [];
  let sliceStart = performance.now();

  const leaf = (v: unknown): void => {
    out.push(JSON.stringify(v) ?? '');
  };
  const opens = (v: unknown, depth: number): v is object =>
    v !== null &&
    typeof v === 'object' &&
    !('toJSON' in v) &&
    (depth < OPEN_DEPTH || (Array.isArray(v) && v.length > LONG_ARRAY));
  const yieldTurn = async (): Promise<void> => {
    await new Promise((resolve) => setImmediate(resolve));
    sliceStart = performance.now();
  };

  const walk = async (v: object, depth: number): Promise<void> => {
    if (Array.isArray(v)) {
      out.push('[');
      // runs of items that are written whole go through JSON.stringify together
      let run = 0;
      const flush = (end: number): void => {
        if (end > run) out.push(run > 0 ? ',' : '', JSON.stringify(v.slice(run, end)).slice(1, -1));
      };
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        if (opens(item, depth + 1)) {
          flush(i);
          if (i > 0) out.push(',');
          await walk(item, depth + 1);
          run = i + 1;
        } else if (i + 1 - run >= LEAF_RUN) {
          flush(i + 1);
          run = i + 1;
        } else continue;
        if (performance.now() - sliceStart >= sliceMs) await yieldTurn();
      }
      flush(v.length);
      out.push(']');
      return;
    }
    out.push('{');
    let first = true;
    for (const key of Object.keys(v)) {
      const item: unknown = (v as Record<string, unknown>)[key];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      out.push(first ? '' : ',', JSON.stringify(key), ':');
      first = false;
      if (opens(item, depth + 1)) await walk(item, depth + 1);
      else leaf(item);
      if (performance.now() - sliceStart >= sliceMs) await yieldTurn();
    }
    out.push('}');
  };

  if (opens(value, 0)) await walk(value, 0);
  else leaf(value);
  return out.join('');
}
