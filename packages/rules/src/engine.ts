// The correlation engine: Sigma detection rules on every event, Sigma correlation rules over
// event-time sliding windows, per partition, with watermarks.
//
// Event time and lateness. Each partition keeps a watermark W = (latest event time seen) −
// (allowed lateness). Events that match a rule wait in a reorder buffer and are applied in
// (time, event id) order once W passes them, so out-of-order events within the lateness
// count exactly as if they had arrived in order. An event that sorts before one already
// applied is late: it is not counted, and is returned for the late-events topic.
//
// Windows are (t − timespan, t] per group (tenant + group-by values; no tenant for
// cross-tenant rules). A rule whose condition is false for an empty window fires on the
// event that makes it true. A rule whose condition holds for an empty window (lt: 1 ...)
// is an absence rule: it is decided as events leave the window, when W passes their expiry.
// Temporal rules with a negated term are decided when W passes the deadline.
//
// After firing, `reset` (default) clears the group; for `suppress` (default: the timespan)
// the group raises no new alert, and the alert is re-emitted with the same id, the next
// revision and the new counts (at most once per second of event time, and when the period
// ends). Alert ids hash (rule, tenant, group values, window end): the same events give the
// same alerts, whatever the batching, restarts or replays.
import type { Alert, EcsEvent } from '@soc/schema';
import { stableId } from '@soc/schema';
import { type FieldValue, getter, keyOf } from './fields.ts';
import { MinHeap } from './heap.ts';
import type { CompiledCorrelation, CompiledDetection, RuleSet } from './types.ts';

const MAX_EVIDENCE_IDS = 20;
const MAX_EVIDENCE_VALUES = 100;
const MAX_EPISODE_VALUES = 10_000;
const UPDATE_EVERY_MS = 1000;
const SWEEP_EVERY = 4096;
const CAP_ALERT_EVERY_MS = 3_600_000;

export interface EngineOptions {
  /** processing-time clock for alert.detected_at; tests and the CLI use event time */
  clock?: (eventTimeMs: number) => Date;
  /** how far behind the latest event time an event may arrive and still count */
  allowedLatenessMs?: number;
  /** live groups per rule and partition; beyond it the oldest group is evicted (counted, alerted) */
  maxGroupsPerRule?: number;
}

export interface EngineOutput {
  alerts: Alert[];
  /** events that arrived too late to count (they matched at least one correlation rule) */
  late: EcsEvent[];
}

/** One correlation input, extracted at arrival so the buffer holds no whole events. */
interface Feed {
  /** correlation index in the rule set */
  c: number;
  /** which of its refs matched */
  ref: number;
  groupValues: string[];
  value?: string | number;
}

interface Pending {
  ts: number;
  id: string;
  tenant: string;
  feeds: Feed[];
}

interface Timer {
  at: number;
  seq: number;
  c: number;
  key: string;
  kind: 'expiry' | 'deadline' | 'suppress_end';
  anchor?: number;
}

interface Episode {
  alert: Alert;
  lastEmit: number;
  dirty: boolean;
  values: Set<string> | null;
}

interface Group {
  tenant: string;
  values: string[];
  /** input times in the window, ascending; items before `head` are gone */
  times: number[];
  head: number;
  /** value per input (value_* types), parallel to times */
  vals: (string | number)[] | null;
  /** value → inputs in the window carrying it (value_count) */
  distinct: Map<string, number> | null;
  sum: number;
  /** temporal types: input times per ref */
  perRef: number[][] | null;
  /** temporal_ordered: the latest start of a chain ending at ref i */
  chain: number[] | null;
  /** temporal with negation: anchors waiting for their deadline */
  anchors: number[] | null;
  /** the latest input ids and times, a ring of MAX_EVIDENCE_IDS (evidence) */
  recentIds: string[];
  recentTs: number[];
  recentNext: number;
  latest: number;
  suppressedUntil: number;
  episode: Episode | null;
  /** the pending expiry timer of this group, if any */
  expiryAt: number | null;
}

export interface RuleStats {
  id: string;
  title: string;
  kind: 'detection' | 'correlation';
  matches: number;
  alerts: number;
  late: number;
  evictions: number;
  groups: number;
}

const order = (a: { ts: number; id: string }, b: { ts: number; id: string }) =>
  a.ts < b.ts || (a.ts === b.ts && a.id < b.id);

class Partition {
  maxTs = Number.NEGATIVE_INFINITY;
  released: { ts: number; id: string } | null = null;
  readonly buffer = new MinHeap<Pending>(order);
  readonly timers = new MinHeap<Timer>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));
  seq = 0;
  readonly groups: Map<string, Group>[];
  releasedCount = 0;
  lastCapAlert: number[];

  constructor(correlations: number) {
    this.groups = Array.from({ length: correlations }, () => new Map());
    this.lastCapAlert = new Array(correlations).fill(Number.NEGATIVE_INFINITY);
  }
}

export class Engine {
  readonly rules: RuleSet;
  private readonly clock: (ms: number) => Date;
  private readonly lateness: number;
  private readonly maxGroups: number;
  private readonly partitions = new Map<number, Partition>();
  private readonly index = new Map<CompiledCorrelation, number>();
  private readonly valueGetters: ((e: unknown) => FieldValue)[][];
  private readonly groupGetters: ((e: unknown) => FieldValue)[][][];
  private readonly detectionStats: { matches: number; alerts: number; late: number }[];
  private readonly correlationStats: { matches: number; alerts: number; late: number; evictions: number }[];

  constructor(rules: RuleSet, options: EngineOptions = {}) {
    this.rules = rules;
    this.clock = options.clock ?? (() => new Date());
    this.lateness = options.allowedLatenessMs ?? 0;
    this.maxGroups = options.maxGroupsPerRule ?? 1_000_000;
    rules.correlations.forEach((c, i) => {
      this.index.set(c, i);
    });
    this.valueGetters = rules.correlations.map((c) => (c.fields ?? []).map(getter));
    this.groupGetters = rules.correlations.map((c) => c.groupFields.map((fs) => fs.map(getter)));
    this.detectionStats = rules.detections.map(() => ({ matches: 0, alerts: 0, late: 0 }));
    this.correlationStats = rules.correlations.map(() => ({ matches: 0, alerts: 0, late: 0, evictions: 0 }));
  }

  private partition(p: number): Partition {
    let part = this.partitions.get(p);
    if (!part) {
      part = new Partition(this.rules.correlations.length);
      this.partitions.set(p, part);
    }
    return part;
  }

  /** The partition's watermark (event time up to which everything is decided). */
  watermark(p = 0): number {
    return this.partition(p).maxTs - this.lateness;
  }

  /** Runs one event: detection alerts at once, correlation inputs once the watermark passes. */
  process(event: EcsEvent, p = 0): EngineOutput {
    const out: EngineOutput = { alerts: [], late: [] };
    const ts = Date.parse(event['@timestamp']);
    if (Number.isNaN(ts)) return out;
    const part = this.partition(p);
    const feeds: Feed[] = [];
    const matchedDetections: number[] = [];
    this.rules.detections.forEach((d, di) => {
      if (!d.match(event)) return;
      matchedDetections.push(di);
      const stats = this.detectionStats[di]!;
      stats.matches++;
      if (d.standalone) {
        stats.alerts++;
        out.alerts.push(detectionAlert(d, event, this.clock(ts)));
      }
      for (const c of d.correlations) this.feed(c, c.refs.indexOf(d), event, feeds);
    });
    if (feeds.length > 0) {
      const pending: Pending = { ts, id: event.event.id, tenant: event.organization.id, feeds };
      if (part.released && !order(part.released, pending)) {
        out.late.push(event);
        for (const di of matchedDetections) this.detectionStats[di]!.late++;
        for (const f of feeds) this.correlationStats[f.c]!.late++;
      } else part.buffer.push(pending);
    }
    if (ts > part.maxTs) part.maxTs = ts;
    this.release(part, part.maxTs - this.lateness, out.alerts);
    return out;
  }

  /** Moves event time forward without an event (tests, and idle partitions at shutdown). */
  advance(toMs: number, p = 0): Alert[] {
    const part = this.partition(p);
    const alerts: Alert[] = [];
    if (toMs + this.lateness > part.maxTs) part.maxTs = toMs + this.lateness;
    this.release(part, toMs, alerts);
    this.sweep(part, toMs);
    return alerts;
  }

  /** Applies everything buffered, as if the lateness had passed (end of input). */
  flush(p = 0): Alert[] {
    const part = this.partition(p);
    const alerts: Alert[] = [];
    this.release(part, part.maxTs, alerts);
    return alerts;
  }

  private feed(c: CompiledCorrelation, ref: number, event: unknown, feeds: Feed[]): void {
    const ci = this.index.get(c)!;
    if (feeds.some((f) => f.c === ci)) {
      if (c.type !== 'temporal' && c.type !== 'temporal_ordered') return; // counted once per event
      if (feeds.some((f) => f.c === ci && f.ref === ref)) return;
    }
    const getters = this.groupGetters[ci]![ref]!;
    const groupValues: string[] = [];
    for (const g of getters) {
      const v = keyOf(g(event));
      if (v === undefined) return; // no value to group on: the event belongs to no group
      groupValues.push(v);
    }
    let value: string | number | undefined;
    const vg = this.valueGetters[ci]!;
    if (vg.length > 0) {
      if (c.type === 'value_count') {
        const parts = vg.map((g) => keyOf(g(event)));
        if (parts.some((x) => x === undefined)) return;
        value = parts.join('\u001f');
      } else {
        const n = Number(vg[0]!(event));
        if (!Number.isFinite(n)) return;
        value = n;
      }
    }
    feeds.push({ c: ci, ref, groupValues, value });
  }

  private release(part: Partition, watermark: number, alerts: Alert[]): void {
    for (;;) {
      const next = part.buffer.peek();
      if (!next || next.ts > watermark) break;
      this.fireTimers(part, next.ts, alerts);
      part.buffer.pop();
      part.released = { ts: next.ts, id: next.id };
      for (const f of next.feeds)
        this.add(part, f.c, f.ref, next.ts, next.id, next.tenant, f.groupValues, f.value, alerts);
      if (++part.releasedCount % SWEEP_EVERY === 0) this.sweep(part, next.ts);
    }
    this.fireTimers(part, watermark, alerts);
  }

  private fireTimers(part: Partition, upTo: number, alerts: Alert[]): void {
    for (;;) {
      const t = part.timers.peek();
      if (!t || t.at > upTo) return;
      part.timers.pop();
      const c = this.rules.correlations[t.c]!;
      const group = part.groups[t.c]!.get(t.key);
      if (!group) continue;
      if (t.kind === 'suppress_end') {
        if (group.episode && group.suppressedUntil <= t.at) {
          if (group.episode.dirty && c.standalone) alerts.push(this.emitRevision(group.episode, t.at));
          group.episode = null;
        }
      } else if (t.kind === 'expiry') {
        group.expiryAt = null;
        this.evict(c, group, t.at - c.timespanMs);
        if (t.at >= group.suppressedUntil && this.measureHolds(c, group))
          this.fire(part, t.c, t.key, group, t.at, alerts);
        if (group.head < group.times.length) {
          group.expiryAt = group.times[group.head]! + c.timespanMs;
          this.schedule(part, { at: group.expiryAt, c: t.c, key: t.key, kind: 'expiry' });
        }
      } else if (t.kind === 'deadline' && group.anchors) {
        const anchor = t.anchor!;
        const i = group.anchors.indexOf(anchor);
        if (i < 0) continue;
        group.anchors.splice(i, 1);
        const present = new Set<number>();
        group.perRef!.forEach((times, r) => {
          if (times.some((x) => x > anchor - c.timespanMs && x <= anchor + c.timespanMs)) present.add(r);
        });
        if (t.at >= group.suppressedUntil && c.expr!(present))
          this.fire(part, t.c, t.key, group, t.at, alerts, anchor - c.timespanMs);
      }
      this.dropIfIdle(part, t.c, t.key, group, t.at);
    }
  }

  private schedule(part: Partition, timer: Omit<Timer, 'seq'>): void {
    part.timers.push({ ...timer, seq: part.seq++ });
  }

  private group(
    part: Partition,
    ci: number,
    key: string,
    tenant: string,
    values: string[],
    ts: number,
    alerts: Alert[],
  ): Group {
    const groups = part.groups[ci]!;
    let g = groups.get(key);
    if (g) return g;
    const c = this.rules.correlations[ci]!;
    if (groups.size >= this.maxGroups) {
      const oldest = groups.keys().next().value!;
      groups.delete(oldest);
      this.correlationStats[ci]!.evictions++;
      if (ts - part.lastCapAlert[ci]! >= CAP_ALERT_EVERY_MS) {
        part.lastCapAlert[ci] = ts;
        alerts.push(capAlert(c, this.maxGroups, ts, this.clock(ts)));
      }
    }
    const temporal = c.type === 'temporal' || c.type === 'temporal_ordered';
    g = {
      tenant,
      values,
      times: [],
      head: 0,
      vals:
        c.type === 'value_sum' ||
        c.type === 'value_avg' ||
        c.type === 'value_percentile' ||
        c.type === 'value_count'
          ? []
          : null,
      distinct: c.type === 'value_count' ? new Map() : null,
      sum: 0,
      perRef: temporal ? c.refs.map(() => []) : null,
      chain: c.type === 'temporal_ordered' ? c.refs.map(() => Number.NEGATIVE_INFINITY) : null,
      anchors: c.absenceTerms ? [] : null,
      recentIds: [],
      recentTs: [],
      recentNext: 0,
      latest: ts,
      suppressedUntil: Number.NEGATIVE_INFINITY,
      episode: null,
      expiryAt: null,
    };
    groups.set(key, g);
    return g;
  }

  private add(
    part: Partition,
    ci: number,
    ref: number,
    ts: number,
    id: string,
    tenant: string,
    groupValues: string[],
    value: string | number | undefined,
    alerts: Alert[],
  ): void {
    const c = this.rules.correlations[ci]!;
    const stats = this.correlationStats[ci]!;
    stats.matches++;
    const scope = c.crossTenant ? '*' : tenant;
    const key = `${scope}\u001f${groupValues.join('\u001f')}`;
    const g = this.group(part, ci, key, scope, groupValues, ts, alerts);
    g.latest = ts;
    g.recentIds[g.recentNext] = id;
    g.recentTs[g.recentNext] = ts;
    g.recentNext = (g.recentNext + 1) % MAX_EVIDENCE_IDS;

    if (g.perRef) {
      this.addTemporal(part, c, ci, key, g, ref, ts, alerts);
      return;
    }
    g.times.push(ts);
    if (g.vals && value !== undefined) g.vals.push(value);
    if (g.distinct && value !== undefined)
      g.distinct.set(String(value), (g.distinct.get(String(value)) ?? 0) + 1);
    if (typeof value === 'number') g.sum += value;
    this.evict(c, g, ts - c.timespanMs);
    // one pending expiry per group: the oldest input's; each firing schedules the next
    if (c.evaluateOnExpiry && g.expiryAt === null) {
      g.expiryAt = g.times[g.head]! + c.timespanMs;
      this.schedule(part, { at: g.expiryAt, c: ci, key, kind: 'expiry' });
    }

    if (ts < g.suppressedUntil && g.episode) {
      this.updateEpisode(g.episode, ts, id, value, c.standalone ? alerts : []);
      return;
    }
    if (c.evaluateOnAdd && this.measureHolds(c, g)) this.fire(part, ci, key, g, ts, alerts);
  }

  private addTemporal(
    part: Partition,
    c: CompiledCorrelation,
    ci: number,
    key: string,
    g: Group,
    ref: number,
    ts: number,
    alerts: Alert[],
  ): void {
    const span = c.timespanMs;
    const keep = c.absenceTerms ? 2 * span : span;
    for (const times of g.perRef!) {
      while (times.length > 0 && times[0]! <= ts - keep) times.shift();
    }
    // a rule listed twice in a temporal_ordered correlation advances one step per event
    const refs = c.refs.map((r, i) => (r === c.refs[ref] ? i : -1)).filter((i) => i >= 0);
    for (const r of refs) g.perRef![r]!.push(ts);
    if (ts < g.suppressedUntil && g.episode) {
      const last = (g.recentNext + MAX_EVIDENCE_IDS - 1) % MAX_EVIDENCE_IDS;
      this.updateEpisode(g.episode, ts, g.recentIds[last]!, undefined, c.standalone ? alerts : []);
      return;
    }
    if (c.type === 'temporal_ordered') {
      const chain = g.chain!;
      for (const r of [...refs].sort((a, b) => b - a)) {
        if (r === 0) chain[0] = ts;
        else if (chain[r - 1]! > ts - span) chain[r] = Math.max(chain[r]!, chain[r - 1]!);
      }
      const last = c.refs.length - 1;
      if (refs.includes(last) && chain[last]! > ts - span)
        this.fire(part, ci, key, g, ts, alerts, chain[last]! - 1);
      return;
    }
    const present = new Set<number>();
    g.perRef!.forEach((times, r) => {
      if (times.some((x) => x > ts - span)) present.add(r);
    });
    if (c.absenceTerms) {
      // a negated rule seen now cancels the anchors it falls near
      if (c.negated.has(ref) && g.anchors!.length > 0) {
        g.anchors = g.anchors!.filter((a) => !(ts > a - span && ts <= a + span));
      }
      const positives = new Set([...present].filter((r) => !c.negated.has(r)));
      if (c.expr!(positives) && (g.anchors!.length === 0 || g.anchors!.at(-1)! <= ts - span)) {
        g.anchors!.push(ts);
        this.schedule(part, { at: ts + span, c: ci, key, kind: 'deadline', anchor: ts });
      }
      return;
    }
    const ok = c.expr ? c.expr(present) : c.threshold!.test(present.size);
    if (ok) this.fire(part, ci, key, g, ts, alerts);
  }

  private evict(c: CompiledCorrelation, g: Group, cutoff: number): void {
    while (g.head < g.times.length && g.times[g.head]! <= cutoff) {
      if (g.vals) {
        const v = g.vals[g.head]!;
        if (typeof v === 'number') g.sum -= v;
        if (g.distinct) {
          const k = String(v);
          const n = g.distinct.get(k)! - 1;
          if (n === 0) g.distinct.delete(k);
          else g.distinct.set(k, n);
        }
      }
      g.head++;
    }
    if (g.head > 64 && g.head * 2 > g.times.length) {
      g.times = g.times.slice(g.head);
      if (g.vals) g.vals = g.vals.slice(g.head);
      g.head = 0;
    }

    void c;
  }

  private measure(c: CompiledCorrelation, g: Group): number {
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

  private measureHolds(c: CompiledCorrelation, g: Group): boolean {
    const m = this.measure(c, g);
    return !Number.isNaN(m) && c.threshold!.test(m);
  }

  private fire(
    part: Partition,
    ci: number,
    key: string,
    g: Group,
    t: number,
    alerts: Alert[],
    windowStart?: number,
  ): void {
    const c = this.rules.correlations[ci]!;
    this.correlationStats[ci]!.alerts++;
    const windowEnd = new Date(t).toISOString();
    const count = g.perRef
      ? g.perRef.reduce((n, times) => n + times.filter((x) => x > t - c.timespanMs).length, 0)
      : g.times.length - g.head;
    const group: Record<string, string> = {};
    c.groupBy.forEach((name, i) => {
      group[name] = g.values[i]!;
    });
    const first = g.perRef
      ? Math.min(...g.perRef.flat().filter((x) => x > t - c.timespanMs), t)
      : (g.times[g.head] ?? t);
    const distinct = g.distinct ? [...g.distinct.keys()] : null;
    const value =
      c.type === 'value_sum' || c.type === 'value_avg' || c.type === 'value_percentile'
        ? this.measure(c, g)
        : undefined;
    const alert: Alert = {
      id: stableId(c.key, g.tenant, ...g.values, windowEnd),
      tenant: g.tenant,
      rule: {
        id: c.id,
        name: c.title,
        version: c.version,
        severity: c.level,
        tags: c.tags,
        ...(c.riskScore !== undefined ? { risk_score: c.riskScore } : {}),
      },
      group,
      window_start: new Date(windowStart ?? t - c.timespanMs).toISOString(),
      window_end: windowEnd,
      first_seen: new Date(first).toISOString(),
      last_seen: windowEnd,
      detected_at: this.clock(t).toISOString(),
      event_count: Math.max(1, count),
      ...(distinct ? { distinct_count: distinct.length } : {}),
      ...(value !== undefined && Number.isFinite(value) ? { value } : {}),
      evidence: {
        event_ids: recentIn(g, t - c.timespanMs),
        values: distinct
          ? distinct.slice(0, MAX_EVIDENCE_VALUES).map((v) => v.replaceAll('\u001f', ','))
          : [],
      },
      status: 'open',
      revision: 0,
    };
    if (c.standalone) alerts.push(structuredClone(alert));
    g.episode = { alert, lastEmit: t, dirty: false, values: distinct ? new Set(distinct) : null };
    g.suppressedUntil = t + c.suppressMs;
    if (c.suppressMs > 0) this.schedule(part, { at: g.suppressedUntil, c: ci, key, kind: 'suppress_end' });
    if (c.action === 'reset') {
      g.times = [];
      g.head = 0;
      if (g.vals) g.vals = [];
      g.distinct?.clear();
      g.sum = 0;
      g.recentIds = [];
      g.recentTs = [];
      g.recentNext = 0;
      if (g.perRef) g.perRef = c.refs.map(() => []);
      if (g.chain) g.chain = c.refs.map(() => Number.NEGATIVE_INFINITY);
    }
    // chaining: this alert is an input of the correlations that name this one
    for (const parent of c.correlations) {
      const pi = this.index.get(parent)!;
      const feeds: Feed[] = [];
      const synthetic: Record<string, unknown> = { '@timestamp': windowEnd, ...group };
      this.feed(parent, parent.refs.indexOf(c), synthetic, feeds);
      for (const f of feeds)
        this.add(
          part,
          pi,
          f.ref,
          t,
          alert.id,
          g.tenant === '*' ? g.tenant : g.tenant,
          f.groupValues,
          f.value,
          alerts,
        );
    }
  }

  private updateEpisode(
    ep: Episode,
    ts: number,
    id: string,
    value: string | number | undefined,
    alerts: Alert[],
  ): void {
    const a = ep.alert;
    a.event_count++;
    a.last_seen = new Date(ts).toISOString();
    a.evidence.event_ids.push(id);
    if (a.evidence.event_ids.length > MAX_EVIDENCE_IDS) a.evidence.event_ids.shift();
    if (ep.values && value !== undefined && ep.values.size < MAX_EPISODE_VALUES) {
      const v = String(value);
      if (!ep.values.has(v)) {
        ep.values.add(v);
        a.distinct_count = ep.values.size;
        if (a.evidence.values.length < MAX_EVIDENCE_VALUES)
          a.evidence.values.push(v.replaceAll('\u001f', ','));
      }
    }
    ep.dirty = true;
    if (ts - ep.lastEmit >= UPDATE_EVERY_MS) alerts.push(this.emitRevision(ep, ts));
  }

  private emitRevision(ep: Episode, ts: number): Alert {
    ep.alert.revision = (ep.alert.revision ?? 0) + 1;
    ep.alert.detected_at = this.clock(ts).toISOString();
    ep.lastEmit = ts;
    ep.dirty = false;
    return structuredClone(ep.alert);
  }

  private dropIfIdle(part: Partition, ci: number, key: string, g: Group, now: number): void {
    const c = this.rules.correlations[ci]!;
    const empty = g.perRef
      ? g.perRef.every((t) => t.length === 0 || t.at(-1)! <= now - c.timespanMs)
      : g.head >= g.times.length;
    if (empty && now >= g.suppressedUntil && !g.episode && (!g.anchors || g.anchors.length === 0))
      part.groups[ci]!.delete(key);
  }

  /** Forgets groups with nothing left in their window and nothing pending. */
  private sweep(part: Partition, now: number): void {
    part.groups.forEach((groups, ci) => {
      const c = this.rules.correlations[ci]!;
      for (const [key, g] of groups) {
        if (
          g.latest <= now - c.timespanMs * (c.absenceTerms ? 2 : 1) &&
          now >= g.suppressedUntil &&
          !g.episode &&
          !(g.anchors && g.anchors.length > 0)
        ) {
          if (c.evaluateOnExpiry && g.head < g.times.length) continue; // an expiry timer still needs it
          groups.delete(key);
        }
      }
    });
  }

  /** Drops a partition's state (it moved to another instance). */
  dropPartition(p: number): void {
    this.partitions.delete(p);
  }

  partitionsHeld(): number[] {
    return [...this.partitions.keys()];
  }

  /** Per-rule counters and live group counts, for metrics. */
  stats(): RuleStats[] {
    return [
      ...this.rules.detections.map((d, i) => ({
        id: d.id,
        title: d.title,
        kind: 'detection' as const,
        ...this.detectionStats[i]!,
        evictions: 0,
        groups: 0,
      })),
      ...this.rules.correlations.map((c, i) => ({
        id: c.id,
        title: c.title,
        kind: 'correlation' as const,
        ...this.correlationStats[i]!,
        groups: [...this.partitions.values()].reduce((n, p) => n + p.groups[i]!.size, 0),
      })),
    ];
  }

  /** Watermark lag per partition: latest event time minus watermark, and buffered inputs. */
  partitionStats(): {
    partition: number;
    maxTs: number;
    watermark: number;
    buffered: number;
    timers: number;
  }[] {
    return [...this.partitions].map(([p, part]) => ({
      partition: p,
      maxTs: part.maxTs,
      watermark: part.maxTs - this.lateness,
      buffered: part.buffer.size,
      timers: part.timers.size,
    }));
  }

  /** "Why didn't it fire?": a correlation's live state for one group. */
  inspect(ruleId: string, tenant: string, groupValues: string[]): Record<string, unknown> | null {
    const ci = this.rules.correlations.findIndex((c) => c.id === ruleId || c.name === ruleId);
    if (ci < 0) return null;
    const c = this.rules.correlations[ci]!;
    const key = `${c.crossTenant ? '*' : tenant}\u001f${groupValues.join('\u001f')}`;
    for (const [p, part] of this.partitions) {
      const g = part.groups[ci]!.get(key);
      if (!g) continue;
      return {
        rule: c.id,
        type: c.type,
        partition: p,
        watermark: new Date(part.maxTs - this.lateness).toISOString(),
        condition: c.threshold?.text ?? 'boolean',
        window_ms: c.timespanMs,
        measure: g.perRef ? g.perRef.map((t) => t.length) : this.measure(c, g),
        inputs_in_window: g.perRef ? g.perRef.flat().length : g.times.length - g.head,
        distinct_values: g.distinct ? [...g.distinct.keys()].slice(0, MAX_EVIDENCE_VALUES) : undefined,
        latest_input: new Date(g.latest).toISOString(),
        suppressed_until: Number.isFinite(g.suppressedUntil)
          ? new Date(g.suppressedUntil).toISOString()
          : null,
        open_alert: g.episode?.alert.id ?? null,
      };
    }
    return { rule: c.id, state: 'no live state for this group' };
  }

  /** The partition's whole state, as plain JSON (for checkpoints). */
  snapshot(p: number): unknown {
    const part = this.partitions.get(p);
    if (!part) return null;
    return {
      v: 1,
      maxTs: finite(part.maxTs),
      released: part.released,
      seq: part.seq,
      releasedCount: part.releasedCount,
      lastCapAlert: part.lastCapAlert.map(finite),
      buffer: part.buffer.toArray(),
      timers: part.timers.toArray(),
      groups: part.groups.map((groups, ci) => ({
        rule: stateKey(this.rules.correlations[ci]!),
        entries: [...groups].map(([k, g]) => [
          k,
          {
            ...g,
            distinct: g.distinct ? [...g.distinct] : null,
            suppressedUntil: finite(g.suppressedUntil),
            chain: g.chain?.map(finite) ?? null,
            episode: g.episode
              ? { ...g.episode, values: g.episode.values ? [...g.episode.values] : null }
              : null,
          },
        ]),
      })),
    };
  }

  /** Restores a partition from a snapshot; rules that no longer exist are dropped. */
  restore(p: number, snapshot: unknown): void {
    // biome-ignore lint/suspicious/noExplicitAny: a snapshot is untyped JSON checked field by field
    const s = snapshot as any;
    if (s?.v !== 1) throw new Error('unknown snapshot version');
    const part = new Partition(this.rules.correlations.length);
    part.maxTs = s.maxTs ?? Number.NEGATIVE_INFINITY;
    part.released = s.released;
    part.seq = s.seq;
    part.releasedCount = s.releasedCount;
    const byKey = new Map(this.rules.correlations.map((c, i) => [stateKey(c), i]));
    const remap = new Map<number, number>();
    (s.groups as { rule: string }[]).forEach((g, old) => {
      const now = byKey.get(g.rule);
      if (now !== undefined) remap.set(old, now);
    });
    (s.lastCapAlert as (number | null)[]).forEach((v, old) => {
      const now = remap.get(old);
      if (now !== undefined) part.lastCapAlert[now] = v ?? Number.NEGATIVE_INFINITY;
    });
    for (const pending of s.buffer as Pending[]) {
      const feeds = pending.feeds.filter((f) => remap.has(f.c)).map((f) => ({ ...f, c: remap.get(f.c)! }));
      if (feeds.length > 0) part.buffer.push({ ...pending, feeds });
    }
    for (const t of s.timers as Timer[]) {
      if (remap.has(t.c)) part.timers.push({ ...t, c: remap.get(t.c)! });
    }
    (
      s.groups as { rule: string; entries: [string, Group & { distinct: [string, number][] | null }][] }[]
    ).forEach((g, old) => {
      const now = remap.get(old);
      if (now === undefined) return;
      for (const [k, raw] of g.entries) {
        part.groups[now]!.set(k, {
          ...raw,
          distinct: raw.distinct ? new Map(raw.distinct) : null,
          suppressedUntil: raw.suppressedUntil ?? Number.NEGATIVE_INFINITY,
          chain: raw.chain ? raw.chain.map((x) => x ?? Number.NEGATIVE_INFINITY) : null,
          episode: raw.episode
            ? {
                ...raw.episode,
                values: raw.episode.values ? new Set(raw.episode.values as unknown as string[]) : null,
              }
            : null,
        });
      }
    });
    this.partitions.set(p, part);
  }
}

/** Evidence: the remembered input ids newer than `after`, oldest first. */
function recentIn(g: Group, after: number): string[] {
  const out: string[] = [];
  const n = g.recentIds.length;
  for (let i = 0; i < n; i++) {
    const j = n < MAX_EVIDENCE_IDS ? i : (g.recentNext + i) % MAX_EVIDENCE_IDS;
    if (g.recentTs[j]! > after) out.push(g.recentIds[j]!);
  }
  return out;
}

function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

function detectionAlert(rule: CompiledDetection, event: EcsEvent, detectedAt: Date): Alert {
  const ts = event['@timestamp'];
  return {
    id: stableId(rule.key, event.organization.id, event.event.id),
    tenant: event.organization.id,
    rule: {
      id: rule.id,
      name: rule.title,
      version: rule.version,
      severity: rule.level,
      tags: rule.tags,
      ...(rule.riskScore !== undefined ? { risk_score: rule.riskScore } : {}),
    },
    group: {},
    window_start: ts,
    window_end: ts,
    first_seen: ts,
    last_seen: ts,
    detected_at: detectedAt.toISOString(),
    event_count: 1,
    evidence: { event_ids: [event.event.id], values: [] },
    status: 'open',
    revision: 0,
  };
}

function capAlert(c: CompiledCorrelation, cap: number, ts: number, detectedAt: Date): Alert {
  const at = new Date(ts).toISOString();
  return {
    id: stableId('soc-state-cap', c.key, at),
    tenant: '*',
    rule: {
      id: 'soc-state-cap',
      name: 'Correlation state cap reached',
      version: '1',
      severity: 'high',
      tags: ['soc.health'],
    },
    group: { rule: c.id },
    window_start: at,
    window_end: at,
    first_seen: at,
    last_seen: at,
    detected_at: detectedAt.toISOString(),
    event_count: 1,
    evidence: {
      event_ids: [],
      values: [`${cap} live groups per partition; the oldest groups are being evicted`],
    },
    status: 'open',
    revision: 0,
  };
}

/** State survives a reload only for the same rule at the same version. */
function stateKey(c: CompiledCorrelation): string {
  return `${c.key}@${c.version}`;
}
