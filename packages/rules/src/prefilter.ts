// Which detection rules can match an event, without running them all. A rule whose
// predicate requires a field to equal one of a few values (event.category network,
// destination.port 22) is filed under those values, by the field that tells rules apart
// best; an event is run only against the rules filed under its own values, plus the
// rules that require nothing indexable, in rule order.
import { type FieldValue, type Getter, getter } from './fields.ts';
import { matchKey, numbersMatching } from './modifiers.ts';
import type { CompiledDetection } from './types.ts';

interface IndexedField {
  get: Getter;
  byKey: Map<string, number[]>;
  /** the same lists for numbers, by the numbers whose string form is the key */
  byNumber: Map<number, number[]>;
}

function file<K>(map: Map<K, number[]>, k: K, i: number): void {
  const list = map.get(k);
  if (list) list.push(i);
  else map.set(k, [i]);
}

export class Prefilter {
  /** candidate rule indexes of the last `candidates` call, ascending */
  readonly out: Int32Array;
  private readonly always: number[];
  private readonly fields: IndexedField[] = [];
  private readonly seen: Uint32Array;
  private stamp = 0;

  constructor(detections: readonly CompiledDetection[]) {
    this.out = new Int32Array(detections.length);
    this.seen = new Uint32Array(detections.length);
    // a field is more selective the more distinct values the rules require of it
    const distinct = new Map<string, Set<string>>();
    for (const d of detections)
      for (const [field, keys] of d.requires ?? []) {
        const set = distinct.get(field) ?? new Set();
        for (const k of keys) set.add(k);
        distinct.set(field, set);
      }
    const score = (field: string) => distinct.get(field)!.size;
    const byField = new Map<string, IndexedField>();
    this.always = [];
    detections.forEach((d, i) => {
      let best: string | undefined;
      for (const [field, keys] of d.requires ?? []) {
        if (
          best === undefined ||
          score(field) > score(best) ||
          (score(field) === score(best) && keys.size < d.requires!.get(best)!.size)
        )
          best = field;
      }
      if (best === undefined) {
        this.always.push(i);
        return;
      }
      let f = byField.get(best);
      if (!f) {
        f = { get: getter(best), byKey: new Map(), byNumber: new Map() };
        byField.set(best, f);
        this.fields.push(f);
      }
      for (const k of d.requires!.get(best)!) {
        file(f.byKey, k, i);
        for (const n of numbersMatching([k], [k])) file(f.byNumber, n, i);
      }
    });
  }

  /** Fills `out` with the rules that may match the event, ascending; returns how many. */
  candidates(event: unknown): number {
    const out = this.out;
    let n = 0;
    for (const i of this.always) out[n++] = i;
    if (this.fields.length === 0) return n;
    if (++this.stamp === 0xffffffff) {
      this.seen.fill(0);
      this.stamp = 1;
    }
    for (const f of this.fields) {
      const v = f.get(event);
      if (Array.isArray(v)) for (let k = 0; k < v.length; k++) n = this.add(f, v[k], n);
      else n = this.add(f, v, n);
    }
    // `always` is ascending; insert the others in place (few per event)
    for (let k = this.always.length; k < n; k++) {
      const x = out[k]!;
      let j = k - 1;
      while (j >= 0 && out[j]! > x) {
        out[j + 1] = out[j]!;
        j--;
      }
      out[j + 1] = x;
    }
    return n;
  }

  private add(f: IndexedField, x: FieldValue, n: number): number {
    if (x === undefined || x === null) return n;
    // keys are lower-cased: a value that is already (most are) needs no lower-cased copy
    let list: number[] | undefined;
    if (typeof x === 'string')
      list = f.byKey.get(x) ?? (hasUpper(x) ? f.byKey.get(x.toLowerCase()) : undefined);
    else if (typeof x === 'number') list = f.byNumber.get(x);
    else list = f.byKey.get(matchKey(x));
    if (!list) return n;
    for (const i of list) {
      if (this.seen[i] === this.stamp) continue;
      this.seen[i] = this.stamp;
      this.out[n++] = i;
    }
    return n;
  }
}

/** Whether lower-casing could change the string: an ASCII capital, or anything beyond ASCII. */
function hasUpper(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c > 127) return true;
  }
  return false;
}
