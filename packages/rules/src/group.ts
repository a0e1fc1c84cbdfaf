// Per-group correlation state. A group is keyed by tenant (or "*" for cross-tenant
// rules) and its group-by values, joined by U+001F. Most live groups have seen a single
// input and never fired: they are kept as a Lone (that input, inline), a few dozen
// bytes. A second input, a firing or a timer turns one into a Group, which holds the
// whole window.
import type { Alert } from '@soc/schema';
import type { CompiledCorrelation } from './types.ts';

export const MAX_EVIDENCE_IDS = 20;
export const SEP = '\u001f';

export interface Episode {
  alert: Alert;
  lastEmit: number;
  /** event time of the latest update when alert.last_seen does not show it yet (written when the alert is) */
  lastSeen: number | null;
  dirty: boolean;
  values: Set<string> | null;
}

/** A group with one input, that never fired (event_count, value_count, value_sum rules decided on arrival). */
export class Lone {
  t: number;
  id: string;
  value: string | number | undefined;
  /** tenant and group-by values, when the key cannot give them back (one of them holds U+001F) */
  ident: string[] | null;

  constructor(t: number, id: string, value: string | number | undefined, ident: string[] | null) {
    this.t = t;
    this.id = id;
    this.value = value;
    this.ident = ident;
  }
}

/**
 * Appends to a list: copied into one of the exact size while it is very short (a push
 * would give it room for 16 more, which a group of two or three inputs never uses),
 * pushed once it is longer.
 */
export function append<T>(list: T[], x: T): T[] {
  if (list.length >= 3) {
    list.push(x);
    return list;
  }
  return list.concat([x]);
}

/** Records an input in the evidence ring of the latest MAX_EVIDENCE_IDS. */
export function remember(g: Group, id: string, ts: number): void {
  const i = g.recentNext;
  if (i === g.recentIds.length) {
    g.recentIds = append(g.recentIds, id);
    g.recentTs = append(g.recentTs, ts);
  } else {
    g.recentIds[i] = id;
    g.recentTs[i] = ts;
  }
  g.recentNext = (i + 1) % MAX_EVIDENCE_IDS;
}

/** How many inputs in a value_count window carry one value; the inputs point at it, so leaving needs no lookup. */
export class Tally {
  readonly key: string;
  n = 0;

  constructor(key: string) {
    this.key = key;
  }
}

export class Group {
  ident: string[] | null = null;
  /** input times in the window, ascending; items before `head` are gone */
  times: number[] = [];
  head = 0;
  /** value per input (value_* types; value_count: its tally), parallel to times */
  vals: (number | Tally)[] | null;
  /** value → inputs in the window carrying it (value_count) */
  distinct: Map<string, Tally> | null;
  sum = 0;
  /** temporal types: input times per ref */
  perRef: number[][] | null;
  /** temporal_ordered: the latest start of a chain ending at ref i */
  chain: number[] | null;
  /** temporal with negation: anchors waiting for their deadline */
  anchors: number[] | null;
  /** the latest input ids and times, a ring of MAX_EVIDENCE_IDS (evidence) */
  recentIds: string[] = [];
  recentTs: number[] = [];
  recentNext = 0;
  latest: number;
  suppressedUntil = Number.NEGATIVE_INFINITY;
  episode: Episode | null = null;
  /** the pending expiry timer of this group, if any */
  expiryAt: number | null = null;

  constructor(c: CompiledCorrelation, latest: number) {
    const temporal = c.type === 'temporal' || c.type === 'temporal_ordered';
    this.vals = temporal || c.type === 'event_count' ? null : [];
    this.distinct = c.type === 'value_count' ? new Map() : null;
    this.perRef = temporal ? c.refs.map(() => []) : null;
    this.chain = c.type === 'temporal_ordered' ? c.refs.map(() => Number.NEGATIVE_INFINITY) : null;
    this.anchors = c.absenceTerms ? [] : null;
    this.latest = latest;
  }

  /** Adds an input's value (value_* types) to the window, after its time. */
  addValue(v: string | number): void {
    if (this.distinct) {
      const k = String(v);
      let t = this.distinct.get(k);
      if (t === undefined) {
        t = new Tally(k);
        this.distinct.set(k, t);
      }
      t.n++;
      this.vals = append(this.vals!, t);
      return;
    }
    if (typeof v === 'number') {
      if (this.vals) this.vals = append(this.vals, v);
      this.sum += v;
    }
  }

  /** The same state as a Lone's (its one input added to a fresh group). */
  static of(c: CompiledCorrelation, lone: Lone): Group {
    const g = new Group(c, lone.t);
    g.ident = lone.ident;
    g.times = [lone.t];
    const v = lone.value;
    if (v !== undefined) g.addValue(v);
    remember(g, lone.id, lone.t);
    return g;
  }
}

export type GroupState = Group | Lone;

/** Whether a rule keeps its one-input groups as a Lone: decided on arrival only, no timers, no temporal state. */
export function keepsLone(c: CompiledCorrelation): boolean {
  return (
    (c.type === 'event_count' || c.type === 'value_count' || c.type === 'value_sum') && !c.evaluateOnExpiry
  );
}

/** What a Lone measures: one input, its value the sum. */
export function loneMeasure(c: CompiledCorrelation, lone: Lone): number {
  if (c.type === 'value_sum') return typeof lone.value === 'number' ? lone.value : 0;
  return 1;
}

/** The group's tenant and group-by values, from its key. */
export function identOf(c: CompiledCorrelation, key: string, ident: string[] | null): string[] {
  if (ident) return ident;
  return c.groupBy.length === 0 ? [key.slice(0, -1)] : key.split(SEP);
}

/** Drops the inputs at or before `cutoff` from the front of the window. */
export function evict(g: Group, cutoff: number): void {
  while (g.head < g.times.length && g.times[g.head]! <= cutoff) {
    if (g.vals) {
      const v = g.vals[g.head]!;
      if (typeof v === 'number') g.sum -= v;
      else if (--v.n === 0) g.distinct!.delete(v.key);
    }
    g.head++;
  }
  if (g.head > 64 && g.head * 2 > g.times.length) {
    g.times = g.times.slice(g.head);
    if (g.vals) g.vals = g.vals.slice(g.head);
    g.head = 0;
  }
}

export function measure(c: CompiledCorrelation, g: Group): number {
  const count = g.times.length - g.head;
  switch (c.type) {
    case 'event_count':
      return count;
    case 'value_count':
      return g.distinct!.size;
    case 'value_sum':
      return g.sum;
    case 'value_avg':
      return count === 0 ? Number.NaN : g.sum / count;
    case 'value_percentile': {
      if (count === 0) return Number.NaN;
      const sorted = (g.vals!.slice(g.head) as number[]).sort((a, b) => a - b);
      const rank = Math.max(1, Math.ceil(((c.percentile ?? 50) / 100) * sorted.length));
      return sorted[rank - 1]!;
    }
    default:
      return count;
  }
}

export function measureHolds(c: CompiledCorrelation, g: Group): boolean {
  const m = measure(c, g);
  return !Number.isNaN(m) && c.threshold!.test(m);
}

/** Evidence: the remembered input ids newer than `after`, oldest first. */
export function recentIn(g: Group, after: number): string[] {
  const out: string[] = [];
  const n = g.recentIds.length;
  for (let i = 0; i < n; i++) {
    const j = n < MAX_EVIDENCE_IDS ? i : (g.recentNext + i) % MAX_EVIDENCE_IDS;
    if (g.recentTs[j]! > after) out.push(g.recentIds[j]!);
  }
  return out;
}

/** A copy of an alert (its nested lists and maps too), in the same key order. */
export function cloneAlert(a: Alert): Alert {
  return {
    ...a,
    rule: { ...a.rule, tags: [...a.rule.tags] },
    group: { ...a.group },
    evidence: { ...a.evidence, event_ids: [...a.evidence.event_ids], values: [...a.evidence.values] },
  };
}
