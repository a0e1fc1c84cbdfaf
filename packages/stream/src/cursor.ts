// Stream cursors. A cursor is a position in the two topics the stream is made of: for every
// partition of <ns>.alerts.v1 ("a") and <ns>.alert-status.v1 ("s"), the next offset the
// client has not yet been given. Written as comma-separated `<topic><partition>:<offset>`
// items, e.g. `a0:18,a1:5,s0:4`; a partition that is absent counts as offset 0 (nothing
// seen). Every frame carries the cursor *after* it, so a client that resumes with the
// cursor of the last frame it processed gets exactly what followed.

export type TopicKey = 'a' | 's';
export const TOPIC_KEYS: readonly TopicKey[] = ['a', 's'];

/** next offset per partition, per topic */
export interface Position {
  a: number[];
  s: number[];
}

export const MAX_PARTITIONS = 1024;
const ITEM = /^([as])(\d{1,4}):(\d{1,16})$/;

export function emptyPosition(partitions: { a: number; s: number }): Position {
  return { a: new Array(partitions.a).fill(0), s: new Array(partitions.s).fill(0) };
}

export function copyPosition(p: Position): Position {
  return { a: p.a.slice(), s: p.s.slice() };
}

export function encodeCursor(p: Position): string {
  let out = '';
  for (const t of TOPIC_KEYS) {
    const offsets = p[t];
    for (let i = 0; i < offsets.length; i++) out += `${out ? ',' : ''}${t}${i}:${offsets[i] ?? 0}`;
  }
  return out;
}

/** Parses a cursor string; null when it is not one. Partitions beyond `partitions` are refused. */
export function decodeCursor(text: string, partitions: { a: number; s: number }): Position | null {
  if (typeof text !== 'string' || text.length > 40_000) return null;
  const p = emptyPosition(partitions);
  if (text === '') return p;
  for (const item of text.split(',')) {
    const m = ITEM.exec(item);
    if (!m) return null;
    const t = m[1] as TopicKey;
    const partition = Number(m[2]);
    const offset = Number(m[3]);
    if (partition >= p[t].length || !Number.isSafeInteger(offset)) return null;
    p[t][partition] = offset;
  }
  return p;
}

/** true when `a` is at or past `b` in every partition */
export function atOrPast(a: Position, b: Position): boolean {
  for (const t of TOPIC_KEYS) {
    for (let i = 0; i < b[t].length; i++) if ((a[t][i] ?? 0) < (b[t][i] ?? 0)) return false;
  }
  return true;
}

/** partition-wise maximum */
export function maxPosition(a: Position, b: Position): Position {
  const out = copyPosition(a);
  for (const t of TOPIC_KEYS) {
    for (let i = 0; i < b[t].length; i++) out[t][i] = Math.max(out[t][i] ?? 0, b[t][i] ?? 0);
  }
  return out;
}
