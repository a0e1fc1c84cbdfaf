// The correlation engine: runs every detection rule on each event and feeds matches into
// the correlation rules' per-group sliding windows, in event time.
//
// Window semantics: for an event at time t the window is (t − timespan, t] for its group
// (tenant + group-by values). A rule fires on the event that makes its condition true,
// without waiting for the window to end. After firing, the group's state is reset
// (`soc.action: reset`, the default) and the group is suppressed for `soc.suppress`
// (default: the timespan) of event time, so one ongoing scan gives one alert per period.
// Events are evaluated in arrival order against the latest event time seen for their
// group; an older event still counts if it lies inside that window.
// The alert id is a hash of (rule, tenant, group values, window end): replaying the same
// events gives the same alerts with the same ids.
import type { Alert, EcsEvent } from '@soc/schema';
import { stableId } from '@soc/schema';
import { type Getter, getter, keyOf } from './fields.ts';
import type { CompiledCorrelation, CompiledDetection, RuleSet } from './types.ts';

const MAX_EVIDENCE_IDS = 20;
const MAX_EVIDENCE_VALUES = 100;
const SWEEP_EVERY = 4096;

interface GroupState {
  /** event timestamps in the window, ascending (a deque: items before `head` are gone) */
  times: number[];
  head: number;
  /** value → latest time seen, ordered oldest first (value_count) */
  values: Map<string, number> | null;
  latest: number;
  suppressedUntil: number;
  /** the latest event ids in the window, with their times, for evidence */
  recent: { ts: number; id: string }[];
}

export interface RuleStats {
  matches: number;
  alerts: number;
}

export interface EngineOptions {
  /** processing-time clock for alert.detected_at; the CLI uses event time instead */
  clock?: (lastSeenMs: number) => Date;
}

class CorrelationRunner {
  readonly groups = new Map<string, GroupState>();
  readonly stats: RuleStats = { matches: 0, alerts: 0 };
  private readonly getters: Getter[];
  private readonly valueGetter: Getter | null;

  readonly rule: CompiledCorrelation;
  private readonly clock: (lastSeenMs: number) => Date;

  constructor(rule: CompiledCorrelation, clock: (lastSeenMs: number) => Date) {
    this.rule = rule;
    this.clock = clock;
    this.getters = rule.groupBy.map(getter);
    this.valueGetter = rule.type === 'value_count' && rule.field ? getter(rule.field) : null;
  }

  add(event: EcsEvent, ts: number, out: Alert[]): void {
    const tenant = event.organization.id;
    const groupValues: string[] = [];
    for (const g of this.getters) {
      const v = keyOf(g(event));
      if (v === undefined) return; // no value to group on: the event cannot belong to a group
      groupValues.push(v);
    }
    let value: string | undefined;
    if (this.valueGetter) {
      value = keyOf(this.valueGetter(event));
      if (value === undefined) return;
    }
    this.stats.matches++;
    const key = `${tenant}\u001f${groupValues.join('\u001f')}`;
    let state = this.groups.get(key);
    if (!state) {
      state = {
        times: [],
        head: 0,
        values: this.valueGetter ? new Map() : null,
        latest: ts,
        suppressedUntil: -Infinity,
        recent: [],
      };
      this.groups.set(key, state);
    }
    const now = Math.max(state.latest, ts);
    state.latest = now;
    if (now < state.suppressedUntil) return;
    const cutoff = now - this.rule.timespanMs;
    if (ts <= cutoff) return; // older than the group's current window

    insertSorted(state, ts);
    if (state.values && value !== undefined) {
      const prev = state.values.get(value);
      if (prev === undefined || ts >= prev) {
        state.values.delete(value);
        state.values.set(value, ts);
      }
    }
    state.recent.push({ ts, id: event.event.id });
    if (state.recent.length > MAX_EVIDENCE_IDS) state.recent.shift();
    evict(state, cutoff);

    const eventCount = state.times.length - state.head;
    const measured = state.values ? state.values.size : eventCount;
    if (!this.rule.threshold.test(measured)) return;

    this.stats.alerts++;
    const group: Record<string, string> = {};
    this.rule.groupBy.forEach((f, i) => {
      group[f] = groupValues[i]!;
    });
    const windowEnd = new Date(now).toISOString();
    out.push({
      id: stableId(this.rule.key, tenant, ...groupValues, windowEnd),
      tenant,
      rule: {
        id: this.rule.id,
        name: this.rule.title,
        version: this.rule.version,
        severity: this.rule.level,
        tags: this.rule.tags,
      },
      group,
      window_start: new Date(cutoff).toISOString(),
      window_end: windowEnd,
      first_seen: new Date(state.times[state.head]!).toISOString(),
      last_seen: windowEnd,
      detected_at: this.clock(now).toISOString(),
      event_count: eventCount,
      ...(state.values ? { distinct_count: state.values.size } : {}),
      evidence: {
        event_ids: state.recent.map((r) => r.id),
        values: state.values ? [...state.values.keys()].slice(0, MAX_EVIDENCE_VALUES) : [],
      },
      status: 'open',
    });
    if (this.rule.action === 'reset') {
      state.times = [];
      state.head = 0;
      state.values?.clear();
      state.recent = [];
    }
    state.suppressedUntil = now + this.rule.suppressMs;
  }

  /** Drops groups with nothing left in their window and no suppression running. */
  sweep(nowMs: number): void {
    for (const [key, state] of this.groups) {
      if (state.latest <= nowMs - this.rule.timespanMs && state.suppressedUntil <= nowMs)
        this.groups.delete(key);
    }
  }
}

function insertSorted(state: GroupState, ts: number): void {
  const t = state.times;
  if (t.length === state.head || t[t.length - 1]! <= ts) {
    t.push(ts);
    return;
  }
  let i = t.length - 1;
  while (i > state.head && t[i - 1]! > ts) i--;
  t.splice(i, 0, ts);
}

function evict(state: GroupState, cutoff: number): void {
  const t = state.times;
  while (state.head < t.length && t[state.head]! <= cutoff) state.head++;
  if (state.head > 1024 && state.head * 2 > t.length) {
    state.times = t.slice(state.head);
    state.head = 0;
  }
  state.recent = state.recent.filter((r) => r.ts > cutoff);
  if (state.values) {
    for (const [v, seen] of state.values) {
      if (seen > cutoff) break;
      state.values.delete(v);
    }
  }
}

export class Engine {
  private readonly runners: Map<CompiledCorrelation, CorrelationRunner>;
  private readonly detectionStats = new Map<CompiledDetection, RuleStats>();
  private processed = 0;
  private maxEventTime = -Infinity;
  private readonly clock: (lastSeenMs: number) => Date;

  readonly rules: RuleSet;

  constructor(rules: RuleSet, options: EngineOptions = {}) {
    this.rules = rules;
    this.clock = options.clock ?? (() => new Date());
    this.runners = new Map(rules.correlations.map((c) => [c, new CorrelationRunner(c, this.clock)]));
    for (const d of rules.detections) this.detectionStats.set(d, { matches: 0, alerts: 0 });
  }

  /** Runs one event through every rule; returns the alerts it completes. */
  process(event: EcsEvent): Alert[] {
    const out: Alert[] = [];
    const ts = Date.parse(event['@timestamp']);
    if (Number.isNaN(ts)) return out;
    if (ts > this.maxEventTime) this.maxEventTime = ts;
    // a correlation counts an event once, however many of its rules the event matches
    let fed: Set<CompiledCorrelation> | undefined;
    for (const d of this.rules.detections) {
      if (!d.match(event)) continue;
      const stats = this.detectionStats.get(d)!;
      stats.matches++;
      if (d.standalone) {
        stats.alerts++;
        out.push(singleEventAlert(d, event, this.clock(ts)));
      }
      for (const c of d.correlations) {
        fed ??= new Set();
        if (fed.has(c)) continue;
        fed.add(c);
        this.runners.get(c)!.add(event, ts, out);
      }
    }
    if (++this.processed % SWEEP_EVERY === 0) this.sweep();
    return out;
  }

  sweep(): void {
    for (const r of this.runners.values()) r.sweep(this.maxEventTime);
  }

  /** Per-rule counters and live group counts, for metrics. */
  stats(): { id: string; title: string; matches: number; alerts: number; groups: number }[] {
    return [
      ...[...this.detectionStats].map(([d, s]) => ({ id: d.id, title: d.title, ...s, groups: 0 })),
      ...[...this.runners.values()].map((r) => ({
        id: r.rule.id,
        title: r.rule.title,
        ...r.stats,
        groups: r.groups.size,
      })),
    ];
  }
}

function singleEventAlert(rule: CompiledDetection, event: EcsEvent, detectedAt: Date): Alert {
  const ts = event['@timestamp'];
  return {
    id: stableId(rule.key, event.organization.id, event.event.id),
    tenant: event.organization.id,
    rule: { id: rule.id, name: rule.title, version: rule.version, severity: rule.level, tags: rule.tags },
    group: {},
    window_start: ts,
    window_end: ts,
    first_seen: ts,
    last_seen: ts,
    detected_at: detectedAt.toISOString(),
    event_count: 1,
    evidence: { event_ids: [event.event.id], values: [] },
    status: 'open',
  };
}
