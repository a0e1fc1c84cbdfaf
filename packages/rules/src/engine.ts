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
//
// Cost. Detection rules are indexed by the field values they require (prefilter.ts), so
// an event runs only the rules it can match; group keys are built once per event for the
// rules that group alike; one-input groups are kept inline (group.ts).
import type { Alert, EcsEvent } from '@soc/schema';
import { stableId } from '@soc/schema';
import { beginPass, endPass } from './detection.ts';
import { type Getter, getter, keyOf } from './fields.ts';
import {
  append,
  cloneAlert,
  type Episode,
  evict,
  Group,
  identOf,
  keepsLone,
  Lone,
  loneMeasure,
  MAX_EVIDENCE_IDS,
  measure,
  measureHolds,
  recentIn,
  remember,
  SEP,
} from './group.ts';
import { FEED, Partition, type Pending, type Timer, type TimerKind } from './partition.ts';
import { Prefilter } from './prefilter.ts';
import { readSnapshot, writeSnapshot } from './snapshot.ts';
import { parseTimestamp } from './timestamp.ts';
import type { CompiledCorrelation, CompiledDetection, RuleSet } from './types.ts';

const MAX_EVIDENCE_VALUES = 100;
const MAX_EPISODE_VALUES = 10_000;
const UPDATE_EVERY_MS = 1000;
const SWEEP_EVERY = 4096;
/** event time after which advancing an idle partition sweeps it, without SWEEP_EVERY inputs */
const SWEEP_IDLE_MS = 10_000;
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
  readonly alerts: readonly Alert[];
  /** events that arrived too late to count (they matched at least one correlation rule) */
  readonly late: readonly EcsEvent[];
}

/** What most events give: shared, and frozen so that no caller can change it. */
const NOTHING: EngineOutput = Object.freeze({ alerts: Object.freeze([]), late: Object.freeze([]) });

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

export class Engine {
  readonly rules: RuleSet;
  private readonly clock: (ms: number) => Date;
  private readonly lateness: number;
  private readonly maxGroups: number;
  private readonly partitions = new Map<number, Partition>();
  private readonly index = new Map<CompiledCorrelation, number>();
  private readonly prefilter: Prefilter;
  /** per detection: the (correlation, ref) pairs it feeds, flat */
  private readonly feedsOf: number[][];
  private readonly valueGetters: Getter[][];
  private readonly groupGetters: Getter[][][];
  private readonly temporal: boolean[];
  private readonly lone: boolean[];
  /** per correlation and ref: the refs naming the same rule, ascending (a rule may be listed twice) */
  private readonly sameRefs: number[][][];
  private readonly detectionStats: { matches: number; alerts: number; late: number }[];
  private readonly correlationStats: { matches: number; alerts: number; late: number; evictions: number }[];
  // per event: which correlations were fed, and the group keys built, by grouping signature
  private eventSeq = 0;
  private readonly fedAt: Float64Array;
  private readonly signatureOf: number[][];
  private readonly keyAt: Float64Array;
  private readonly keys: (string | null)[];
  private readonly idents: (string[] | null)[];
  /** the ident of the key groupKey built last */
  private ident: string[] | null = null;
  private readonly matched: Int32Array;
  /** the event's correlation inputs so far, FEED slots each, in scratch[0, nFeeds) (kept allocated) */
  private readonly scratch: (number | string | undefined)[] = [];
  private nFeeds = 0;
  private scratchIdents: (string[] | null)[] | null = null;
  /** scratch arrays of each length, for joining key parts (setting an array's length costs a runtime call) */
  private readonly partsOf: string[][] = [];
  /** the alerts of the event being processed */
  private readonly outAlerts: Alert[] = [];

  constructor(rules: RuleSet, options: EngineOptions = {}) {
    this.rules = rules;
    this.clock = options.clock ?? (() => new Date());
    this.lateness = options.allowedLatenessMs ?? 0;
    this.maxGroups = options.maxGroupsPerRule ?? 1_000_000;
    rules.correlations.forEach((c, i) => {
      this.index.set(c, i);
    });
    this.prefilter = new Prefilter(rules.detections);
    this.feedsOf = rules.detections.map((d) =>
      d.correlations.flatMap((c) => [this.index.get(c)!, c.refs.indexOf(d)]),
    );
    this.valueGetters = rules.correlations.map((c) => (c.fields ?? []).map(getter));
    this.groupGetters = rules.correlations.map((c) => c.groupFields.map((fs) => fs.map(getter)));
    this.temporal = rules.correlations.map((c) => c.type === 'temporal' || c.type === 'temporal_ordered');
    this.lone = rules.correlations.map(keepsLone);
    this.sameRefs = rules.correlations.map((c) =>
      c.refs.map((r) => c.refs.flatMap((other, i) => (other === r ? [i] : []))),
    );
    this.detectionStats = rules.detections.map(() => ({ matches: 0, alerts: 0, late: 0 }));
    this.correlationStats = rules.correlations.map(() => ({ matches: 0, alerts: 0, late: 0, evictions: 0 }));
    this.fedAt = new Float64Array(rules.correlations.length);
    const signatures = new Map<string, number>();
    this.signatureOf = rules.correlations.map((c) =>
      c.groupFields.map((fields) => {
        const s = `${c.crossTenant ? '*' : ''}${SEP}${fields.join(SEP)}`;
        if (!signatures.has(s)) signatures.set(s, signatures.size);
        return signatures.get(s)!;
      }),
    );
    this.keyAt = new Float64Array(signatures.size);
    this.keys = new Array(signatures.size).fill(null);
    this.idents = new Array(signatures.size).fill(null);
    this.matched = new Int32Array(rules.detections.length);
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
    const ts = parseTimestamp(event['@timestamp']);
    if (Number.isNaN(ts)) return { alerts: [], late: [] };
    // most events give nothing: the arrays are the engine's own until something is in them
    const alerts = this.outAlerts;
    alerts.length = 0;
    let late = false;
    const part = this.partition(p);
    const seq = ++this.eventSeq;
    const feeds = this.scratch;
    this.nFeeds = 0;
    this.scratchIdents = null;
    let matched = 0;
    const n = this.prefilter.candidates(event);
    const candidates = this.prefilter.out;
    beginPass();
    try {
      for (let k = 0; k < n; k++) {
        const di = candidates[k]!;
        const d = this.rules.detections[di]!;
        if (!d.match(event)) continue;
        this.matched[matched++] = di;
        const stats = this.detectionStats[di]!;
        stats.matches++;
        if (d.standalone) {
          stats.alerts++;
          alerts.push(detectionAlert(d, event, this.clock(ts)));
        }
        const pairs = this.feedsOf[di]!;
        for (let j = 0; j < pairs.length; j += 2) this.feedEvent(pairs[j]!, pairs[j + 1]!, event, seq, feeds);
      }
    } finally {
      endPass();
    }
    const nf = this.nFeeds;
    if (nf > 0) {
      const pending: Pending = {
        ts,
        id: event.event.id,
        tenant: event.organization.id,
        feeds: feeds.slice(0, nf),
        idents: this.scratchIdents,
      };
      if (
        part.releasedId !== null &&
        !(part.releasedTs < ts || (part.releasedTs === ts && part.releasedId < pending.id))
      ) {
        late = true;
        for (let k = 0; k < matched; k++) this.detectionStats[this.matched[k]!]!.late++;
        for (let j = 0; j < nf; j += FEED) this.correlationStats[feeds[j] as number]!.late++;
      } else part.buffer.push(pending);
    }
    if (ts > part.maxTs) part.maxTs = ts;
    this.release(part, part.maxTs - this.lateness, alerts);
    if (alerts.length === 0 && !late) return NOTHING;
    return { alerts: alerts.splice(0), late: late ? [event] : [] };
  }

  /** Moves event time forward without an event (tests, and idle partitions at shutdown). */
  advance(toMs: number, p = 0): Alert[] {
    const part = this.partition(p);
    const alerts: Alert[] = [];
    if (toMs + this.lateness > part.maxTs) part.maxTs = toMs + this.lateness;
    this.release(part, toMs, alerts);
    // advanced often (the second stage after every batch): a full sweep only now and then
    if (part.releasedCount - part.sweptAtCount >= SWEEP_EVERY || toMs - part.sweptAt >= SWEEP_IDLE_MS)
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

  /** An event's input to correlation ci (its ref-th rule matched): once per event, temporal types once per ref. */
  private feedEvent(
    ci: number,
    ref: number,
    event: EcsEvent,
    seq: number,
    feeds: (number | string | undefined)[],
  ): void {
    if (this.fedAt[ci] === seq) {
      if (!this.temporal[ci]) return; // counted once per event
      for (let j = 0; j < this.nFeeds; j += FEED) if (feeds[j] === ci && feeds[j + 1] === ref) return;
    }
    const sig = this.signatureOf[ci]![ref]!;
    let key: string | null;
    let ident: string[] | null;
    if (this.keyAt[sig] === seq) {
      key = this.keys[sig]!;
      ident = this.idents[sig]!;
    } else {
      key = this.groupKey(ci, ref, event, null);
      ident = this.ident;
      this.keyAt[sig] = seq;
      this.keys[sig] = key;
      this.idents[sig] = ident;
    }
    if (key === null) return; // no value to group on: the event belongs to no group
    const value = this.valueOf(ci, event);
    if (value === null) return;
    const j = this.nFeeds;
    if (ident !== null || this.scratchIdents !== null) {
      this.scratchIdents ??= new Array(j / FEED).fill(null);
      this.scratchIdents.push(ident);
    }
    feeds[j] = ci;
    feeds[j + 1] = ref;
    feeds[j + 2] = key;
    feeds[j + 3] = value;
    this.nFeeds = j + FEED;
    this.fedAt[ci] = seq;
  }

  /** The group key of an input of correlation ci through its ref-th rule; null when a group-by value is missing. */
  private groupKey(ci: number, ref: number, source: unknown, tenant: string | null): string | null {
    const getters = this.groupGetters[ci]![ref]!;
    // joined in one go: a flat string, quick to hash and compare, holding nothing of the event
    const parts = this.scratchParts(getters.length + 1);
    let ambiguous = false;
    for (let i = 0; i < getters.length; i++) {
      const v = keyOf(getters[i]!(source));
      if (v === undefined) return null;
      if (v.includes(SEP)) ambiguous = true;
      parts[i + 1] = v;
    }
    const scope = this.rules.correlations[ci]!.crossTenant
      ? '*'
      : String(tenant ?? (source as EcsEvent).organization.id);
    if (scope.includes(SEP)) ambiguous = true;
    parts[0] = scope;
    this.ident = ambiguous ? parts.slice() : null;
    return getters.length === 0 ? scope + SEP : parts.join(SEP);
  }

  private scratchParts(n: number): string[] {
    let parts = this.partsOf[n];
    if (parts === undefined) {
      parts = new Array<string>(n).fill('');
      this.partsOf[n] = parts;
    }
    return parts;
  }

  /** The value an input carries (value_* types); undefined: none needed; null: missing. */
  private valueOf(ci: number, source: unknown): string | number | undefined | null {
    const vg = this.valueGetters[ci]!;
    if (vg.length === 0) return undefined;
    if (this.rules.correlations[ci]!.type === 'value_count') {
      if (vg.length === 1) {
        const k = keyOf(vg[0]!(source));
        return k === undefined ? null : k;
      }
      const parts = this.scratchParts(vg.length);
      for (let i = 0; i < vg.length; i++) {
        const k = keyOf(vg[i]!(source));
        if (k === undefined) return null;
        parts[i] = k;
      }
      return parts.join(SEP);
    }
    const n = Number(vg[0]!(source));
    return Number.isFinite(n) ? n : null;
  }

  private release(part: Partition, watermark: number, alerts: Alert[]): void {
    for (;;) {
      const next = part.buffer.peek();
      if (!next || next.ts > watermark) break;
      this.fireTimers(part, next.ts, alerts);
      part.buffer.pop();
      part.releasedTs = next.ts;
      part.releasedId = next.id;
      const feeds = next.feeds;
      for (let j = 0; j < feeds.length; j += FEED) {
        const ident = next.idents === null ? null : next.idents[j / FEED]!;
        const c = feeds[j] as number;
        const key = feeds[j + 2] as string;
        this.add(part, c, feeds[j + 1] as number, next.ts, next.id, key, ident, feeds[j + 3], alerts);
      }
      if (++part.releasedCount % SWEEP_EVERY === 0 && this.sweepDue(part)) this.sweep(part, next.ts);
    }
    this.fireTimers(part, watermark, alerts);
  }

  private fireTimers(part: Partition, upTo: number, alerts: Alert[]): void {
    for (;;) {
      const t = part.timers.peek();
      if (!t || t.at > upTo) return;
      part.timers.pop();
      const c = this.rules.correlations[t.c]!;
      const state = part.groups[t.c]!.get(t.key);
      if (!state) continue;
      // a one-input group has no timer of its own; one left by an evicted namesake changes nothing
      if (state instanceof Lone) continue;
      const group = state;
      if (t.kind === 'suppress_end') {
        if (group.episode && group.suppressedUntil <= t.at) {
          if (group.episode.dirty && c.standalone) alerts.push(this.emitRevision(group.episode, t.at));
          group.episode = null;
        }
      } else if (t.kind === 'expiry') {
        group.expiryAt = null;
        evict(group, t.at - c.timespanMs);
        if (t.at >= group.suppressedUntil && measureHolds(c, group))
          this.fire(part, t.c, t.key, group, t.at, alerts);
        if (group.head < group.times.length) {
          group.expiryAt = group.times[group.head]! + c.timespanMs;
          this.schedule(part, group.expiryAt, t.c, t.key, 'expiry');
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

  private schedule(
    part: Partition,
    at: number,
    c: number,
    key: string,
    kind: TimerKind,
    anchor?: number,
  ): void {
    const timer: Timer = { at, seq: part.seq++, c, key, kind };
    if (anchor !== undefined) timer.anchor = anchor;
    part.timers.push(timer);
  }

  /** Before a new group: at the cap, evicts the oldest group of the rule (counted, alerted once an hour). */
  private makeRoom(part: Partition, ci: number, ts: number, alerts: Alert[]): void {
    const groups = part.groups[ci]!;
    if (groups.size < this.maxGroups) return;
    const oldest = groups.keys().next().value!;
    groups.delete(oldest);
    this.correlationStats[ci]!.evictions++;
    if (ts - part.lastCapAlert[ci]! >= CAP_ALERT_EVERY_MS) {
      part.lastCapAlert[ci] = ts;
      alerts.push(capAlert(this.rules.correlations[ci]!, this.maxGroups, ts, this.clock(ts)));
    }
  }

  private promote(part: Partition, ci: number, key: string, lone: Lone): Group {
    const g = Group.of(this.rules.correlations[ci]!, lone);
    part.groups[ci]!.set(key, g);
    return g;
  }

  private add(
    part: Partition,
    ci: number,
    ref: number,
    ts: number,
    id: string,
    key: string,
    ident: string[] | null,
    value: string | number | undefined,
    alerts: Alert[],
  ): void {
    const c = this.rules.correlations[ci]!;
    this.correlationStats[ci]!.matches++;
    const groups = part.groups[ci]!;
    let state = groups.get(key);
    if (state === undefined) {
      this.makeRoom(part, ci, ts, alerts);
      if (this.lone[ci]) {
        // decided on arrival: a one-input group fires at once or waits inline
        const lone = new Lone(ts, id, value, ident);
        groups.set(key, lone);
        const m = loneMeasure(c, lone);
        if (!Number.isNaN(m) && c.threshold!.test(m))
          this.fire(part, ci, key, this.promote(part, ci, key, lone), ts, alerts);
        return;
      }
      state = new Group(c, ts);
      state.ident = ident;
      groups.set(key, state);
    } else if (state instanceof Lone) state = this.promote(part, ci, key, state);
    const g = state;
    g.latest = ts;
    remember(g, id, ts);

    if (g.perRef) {
      this.addTemporal(part, c, ci, key, g, ref, ts, alerts);
      return;
    }
    g.times = append(g.times, ts);
    if (value !== undefined) g.addValue(value);
    if (c.countCap !== undefined && g.times.length - g.head > c.countCap)
      g.head = g.times.length - c.countCap;
    evict(g, ts - c.timespanMs);
    // one pending expiry per group: the oldest input's; each firing schedules the next
    if (c.evaluateOnExpiry && g.expiryAt === null) {
      g.expiryAt = g.times[g.head]! + c.timespanMs;
      this.schedule(part, g.expiryAt, ci, key, 'expiry');
    }

    if (ts < g.suppressedUntil && g.episode) {
      this.updateEpisode(g.episode, ts, id, value, c.standalone ? alerts : []);
      return;
    }
    if (c.evaluateOnAdd && measureHolds(c, g)) this.fire(part, ci, key, g, ts, alerts);
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
    const perRef = g.perRef!;
    for (let r = 0; r < perRef.length; r++) {
      const times = perRef[r]!;
      while (times.length > 0 && times[0]! <= ts - keep) times.shift();
    }
    // a rule listed twice in a temporal_ordered correlation advances one step per event
    const refs = this.sameRefs[ci]![ref]!;
    for (let k = 0; k < refs.length; k++) perRef[refs[k]!] = append(perRef[refs[k]!]!, ts);
    if (ts < g.suppressedUntil && g.episode) {
      const last = (g.recentNext + MAX_EVIDENCE_IDS - 1) % MAX_EVIDENCE_IDS;
      this.updateEpisode(g.episode, ts, g.recentIds[last]!, undefined, c.standalone ? alerts : []);
      return;
    }
    if (c.type === 'temporal_ordered') {
      const chain = g.chain!;
      for (let k = refs.length - 1; k >= 0; k--) {
        const r = refs[k]!;
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
        g.anchors = append(g.anchors!, ts);
        this.schedule(part, ts + span, ci, key, 'deadline', ts);
      }
      return;
    }
    const ok = c.expr ? c.expr(present) : c.threshold!.test(present.size);
    if (ok) this.fire(part, ci, key, g, ts, alerts);
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
    const [tenant, ...values] = identOf(c, key, g.ident) as [string, ...string[]];
    const windowEnd = new Date(t).toISOString();
    const count = g.perRef
      ? g.perRef.reduce((n, times) => n + times.filter((x) => x > t - c.timespanMs).length, 0)
      : g.times.length - g.head;
    const group: Record<string, string> = {};
    c.groupBy.forEach((name, i) => {
      group[name] = values[i]!;
    });
    const first = g.perRef
      ? Math.min(...g.perRef.flat().filter((x) => x > t - c.timespanMs), t)
      : (g.times[g.head] ?? t);
    const distinct = g.distinct;
    const value =
      c.type === 'value_sum' || c.type === 'value_avg' || c.type === 'value_percentile'
        ? measure(c, g)
        : undefined;
    const alert: Alert = {
      id: stableId(c.key, tenant, ...values, windowEnd),
      tenant,
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
      ...(distinct ? { distinct_count: distinct.size } : {}),
      ...(value !== undefined && Number.isFinite(value) ? { value } : {}),
      evidence: {
        event_ids: recentIn(g, t - c.timespanMs),
        values: distinct ? firstKeys(distinct, MAX_EVIDENCE_VALUES).map((v) => v.replaceAll(SEP, ',')) : [],
      },
      status: 'open',
      revision: 0,
    };
    if (c.standalone) alerts.push(cloneAlert(alert));
    g.episode = {
      alert,
      lastEmit: t,
      lastSeen: null,
      dirty: false,
      values: distinct ? new Set(distinct.keys()) : null,
    };
    g.suppressedUntil = t + c.suppressMs;
    if (c.suppressMs > 0) this.schedule(part, g.suppressedUntil, ci, key, 'suppress_end');
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
      const ref = parent.refs.indexOf(c);
      const synthetic: Record<string, unknown> = { '@timestamp': windowEnd, ...group };
      const parentKey = this.groupKey(pi, ref, synthetic, tenant);
      if (parentKey === null) continue;
      const parentIdent = this.ident;
      const v = this.valueOf(pi, synthetic);
      if (v === null) continue;
      this.add(part, pi, ref, t, alert.id, parentKey, parentIdent, v, alerts);
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
    ep.lastSeen = ts;
    a.evidence.event_ids.push(id);
    if (a.evidence.event_ids.length > MAX_EVIDENCE_IDS) a.evidence.event_ids.shift();
    if (ep.values && value !== undefined && ep.values.size < MAX_EPISODE_VALUES) {
      const v = String(value);
      const size = ep.values.size;
      if (ep.values.add(v).size !== size) {
        a.distinct_count = ep.values.size;
        if (a.evidence.values.length < MAX_EVIDENCE_VALUES) a.evidence.values.push(v.replaceAll(SEP, ','));
      }
    }
    ep.dirty = true;
    if (ts - ep.lastEmit >= UPDATE_EVERY_MS) alerts.push(this.emitRevision(ep, ts));
  }

  private emitRevision(ep: Episode, ts: number): Alert {
    syncLastSeen(ep);
    ep.alert.revision = (ep.alert.revision ?? 0) + 1;
    ep.alert.detected_at = this.clock(ts).toISOString();
    ep.lastEmit = ts;
    ep.dirty = false;
    return cloneAlert(ep.alert);
  }

  private dropIfIdle(part: Partition, ci: number, key: string, g: Group, now: number): void {
    const c = this.rules.correlations[ci]!;
    const empty = g.perRef
      ? g.perRef.every((t) => t.length === 0 || t.at(-1)! <= now - c.timespanMs)
      : g.head >= g.times.length;
    if (empty && now >= g.suppressedUntil && !g.episode && (!g.anchors || g.anchors.length === 0))
      part.groups[ci]!.delete(key);
  }

  /**
   * Whether a sweep is due at this multiple of SWEEP_EVERY releases: with more live groups
   * than that, only at every 2^k-th multiple, so that a sweep visits at most about one group
   * per release. It is decided from the state alone (the release count is checkpointed and
   * the groups restored), so a restored partition sweeps when the uninterrupted one would.
   */
  private sweepDue(part: Partition): boolean {
    let groups = 0;
    for (const g of part.groups) groups += g.size;
    let period = SWEEP_EVERY;
    while (period < groups) period *= 2;
    return part.releasedCount % period === 0;
  }

  /** Forgets groups with nothing left in their window and nothing pending. */
  private sweep(part: Partition, now: number): void {
    part.sweptAt = now;
    part.sweptAtCount = part.releasedCount;
    part.groups.forEach((groups, ci) => {
      const c = this.rules.correlations[ci]!;
      groups.forEach((g, key) => {
        if (g instanceof Lone) {
          if (g.t <= now - c.timespanMs) groups.delete(key);
          return;
        }
        if (
          g.latest <= now - c.timespanMs * (c.absenceTerms ? 2 : 1) &&
          now >= g.suppressedUntil &&
          !g.episode &&
          !(g.anchors && g.anchors.length > 0)
        ) {
          if (c.evaluateOnExpiry && g.head < g.times.length) return; // an expiry timer still needs it
          groups.delete(key);
        }
      });
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
    const key = `${c.crossTenant ? '*' : tenant}${SEP}${groupValues.join(SEP)}`;
    for (const [p, part] of this.partitions) {
      const state = part.groups[ci]!.get(key);
      if (!state) continue;
      const g = state instanceof Lone ? Group.of(c, state) : state;
      return {
        rule: c.id,
        type: c.type,
        partition: p,
        watermark: new Date(part.maxTs - this.lateness).toISOString(),
        condition: c.threshold?.text ?? 'boolean',
        window_ms: c.timespanMs,
        measure: g.perRef ? g.perRef.map((t) => t.length) : measure(c, g),
        inputs_in_window: g.perRef ? g.perRef.flat().length : g.times.length - g.head,
        distinct_values: g.distinct ? firstKeys(g.distinct, MAX_EVIDENCE_VALUES) : undefined,
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
    return writeSnapshot(part, this.rules.correlations);
  }

  /** Restores a partition from a snapshot; rules that no longer exist are dropped. Throws on a snapshot it cannot read. */
  restore(p: number, snapshot: unknown): void {
    this.partitions.set(
      p,
      readSnapshot(snapshot, this.rules.correlations, new Partition(this.rules.correlations.length)),
    );
  }
}

/** The first n keys of a map, in insertion order. */
function firstKeys(m: Map<string, unknown>, n: number): string[] {
  const out: string[] = [];
  for (const k of m.keys()) {
    if (out.length === n) break;
    out.push(k);
  }
  return out;
}

/** Writes a pending last_seen into the episode's alert. */
function syncLastSeen(ep: Episode): void {
  if (ep.lastSeen === null) return;
  ep.alert.last_seen = new Date(ep.lastSeen).toISOString();
  ep.lastSeen = null;
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
