// The correlator's second stage: rules grouped by something other than the events topic's
// key (tenant + source.ip) run here, on inputs the first stage routed to
// <ns>.correlator-repartition.<group>.v1 by each rule's own group key.
//
// Records: {"p":source partition,"w":source watermark,"i":[[source offset,[unit ids],event],
// ...]} — the inputs one first-stage batch sends here, each event with only the fields the
// units read — and watermark heartbeats {"p","w"}. A record's watermark is its source
// partition's as it was before the record's last input, and the first stage forwards only
// events at or after the watermark before them. So this partition's event time E — the
// least watermark over all source partitions, applied after each record's inputs — never
// passes an event still to come, and inputs applied in (time, id) order
// up to E count exactly as in one engine seeing everything: nothing is late here. A source
// re-sending after a restart is recognised by its offsets (per source partition, only
// increasing offsets are applied), so replays count once. State — the unit engines and the
// per-source offsets and watermarks — is checkpointed like the first stage's.
import { Engine, type RepartitionUnit, type RuleStats } from '@soc/rules';
import type { Alert, EcsEvent } from '@soc/schema';
import type { ComponentCounters, Counter, Logger } from '@soc/telemetry';
import type { KafkaMessage, Message } from 'kafkajs';
import { CheckpointedPartitions, type CheckpointObserver, type CheckpointStore } from './checkpoints.ts';
import type { CorrelatorConfig } from './config.ts';
import { lateMessage, type PublishDeps, publish } from './publish.ts';

/** Held back by the record's watermarks, not by a lateness: inputs wait until E passes them. */
const NO_OWN_WATERMARK = 1e15;

export interface RepartitionDeps extends PublishDeps {
  counters: ComponentCounters;
  logger: Logger;
  signal: AbortSignal;
  config: CorrelatorConfig;
  store: CheckpointStore;
  checkpoints?: CheckpointObserver;
  /** the events topic's partition count: every one of them bounds this stage's event time */
  sources: number;
  records: Counter<'kind'>;
}

interface Source {
  /** highest source offset applied */
  o: number;
  /** highest watermark announced */
  w: number;
}

interface Held {
  sources: Map<number, Source>;
  /** the event time applied so far (E) */
  done: number;
}

type Input = [offset: number, units: string[], event: EcsEvent];

interface RepartitionRecord {
  p: number;
  w: number | null;
  i?: Input[];
}

export class RepartitionRuntime {
  private readonly d: RepartitionDeps;
  engines = new Map<string, Engine>();
  private readonly held = new Map<number, Held>();
  readonly partitions: CheckpointedPartitions;

  constructor(deps: RepartitionDeps, units: RepartitionUnit[]) {
    this.d = deps;
    this.setUnits(units);
    this.partitions = new CheckpointedPartitions(
      deps.store,
      deps.config.CORRELATOR_CHECKPOINT_INTERVAL_MS,
      {
        snapshot: (q) => this.snapshot(q),
        restore: (q, s) => this.restore(q, s),
        drop: (q) => {
          this.held.delete(q);
          for (const e of this.engines.values()) e.dropPartition(q);
        },
        flush: () => deps.outbox.drain(),
      },
      deps.logger,
      deps.signal,
      deps.checkpoints,
    );
  }

  /** New units (after a reload); a unit that keeps its id keeps its state. */
  setUnits(units: RepartitionUnit[]): void {
    const next = new Map<string, Engine>();
    for (const u of units) {
      const engine = new Engine(u.rules, {
        allowedLatenessMs: NO_OWN_WATERMARK,
        maxGroupsPerRule: this.d.config.CORRELATOR_MAX_GROUPS_PER_RULE,
      });
      const old = this.engines.get(u.id);
      if (old) for (const q of old.partitionsHeld()) engine.restore(q, old.snapshot(q));
      next.set(u.id, engine);
    }
    this.engines = next;
  }

  private state(q: number): Held {
    let h = this.held.get(q);
    if (!h) {
      h = { sources: new Map(), done: Number.NEGATIVE_INFINITY };
      this.held.set(q, h);
    }
    return h;
  }

  /** Applies one consumed batch; resolves once its alerts are queued and the outbox has room. */
  async handleBatch(messages: KafkaMessage[], q: number): Promise<void> {
    await this.partitions.ready();
    const h = this.state(q);
    const alerts: Alert[] = [];
    const late: Message[] = [];
    let inputs = 0;
    let duplicates = 0;
    for (const m of messages) {
      if (this.partitions.skip(q, m.offset)) continue;
      const r = parseRecord(m.value);
      if (!r) {
        this.d.records.inc({ kind: 'invalid' });
        continue;
      }
      let src = h.sources.get(r.p);
      if (!src) {
        src = { o: -1, w: Number.NEGATIVE_INFINITY };
        h.sources.set(r.p, src);
      }
      if (!r.i) this.d.records.inc({ kind: 'heartbeat' });
      for (const [o, units, event] of r.i ?? []) {
        if (o <= src.o) {
          duplicates++;
          continue;
        }
        src.o = o;
        inputs++;
        for (const id of units) {
          const engine = this.engines.get(id);
          if (!engine) {
            this.d.records.inc({ kind: 'unknown_unit' });
            continue;
          }
          const out = engine.process(event, q);
          alerts.push(...out.alerts);
          for (const e of out.late) late.push(lateMessage(e));
        }
      }
      if (r.w !== null && r.w > src.w) src.w = r.w;
    }
    if (inputs > 0) this.d.records.inc({ kind: 'input' }, inputs);
    if (duplicates > 0) this.d.records.inc({ kind: 'duplicate' }, duplicates);
    alerts.push(...this.advance(q, h));
    publish(this.d, alerts, late);
    await this.d.outbox.room();
  }

  /** This partition's event time: the least watermark over all source partitions. */
  eventTime(q: number): number {
    const h = this.held.get(q);
    if (!h) return Number.NEGATIVE_INFINITY;
    let e = Number.POSITIVE_INFINITY;
    for (let p = 0; p < this.d.sources; p++) e = Math.min(e, h.sources.get(p)?.w ?? Number.NEGATIVE_INFINITY);
    return e;
  }

  private advance(q: number, h: Held): Alert[] {
    const e = this.eventTime(q);
    if (!(e > h.done)) return [];
    h.done = e;
    const alerts: Alert[] = [];
    // up to E − 1 ms: an input still to come may carry time E itself
    for (const engine of this.engines.values()) alerts.push(...engine.advance(e - 1, q));
    return alerts;
  }

  private snapshot(q: number): unknown {
    const h = this.held.get(q);
    if (!h) return null;
    const engines: Record<string, unknown> = {};
    for (const [id, engine] of this.engines) {
      const s = engine.snapshot(q);
      if (s !== null) engines[id] = s;
    }
    return {
      v: 1,
      done: Number.isFinite(h.done) ? h.done : null,
      sources: [...h.sources].map(([p, s]) => [p, s.o, Number.isFinite(s.w) ? s.w : null]),
      engines,
    };
  }

  private restore(q: number, snapshot: unknown): void {
    const s = snapshot as {
      v?: number;
      done?: number | null;
      sources?: [number, number, number | null][];
      engines?: Record<string, unknown>;
    };
    if (s?.v !== 1 || !Array.isArray(s.sources)) throw new Error('unknown repartition snapshot version');
    const h: Held = { sources: new Map(), done: s.done ?? Number.NEGATIVE_INFINITY };
    for (const [p, o, w] of s.sources) h.sources.set(p, { o, w: w ?? Number.NEGATIVE_INFINITY });
    for (const [id, state] of Object.entries(s.engines ?? {})) this.engines.get(id)?.restore(q, state);
    this.held.set(q, h);
  }

  stats(): RuleStats[] {
    return [...this.engines.values()].flatMap((e) => e.stats());
  }

  partitionStats(): { partition: number; watermark: number; sources: number; buffered: number }[] {
    return [...this.held.keys()].map((q) => ({
      partition: q,
      watermark: this.eventTime(q),
      sources: this.held.get(q)!.sources.size,
      buffered: [...this.engines.values()].reduce(
        (n, e) => n + (e.partitionStats().find((s) => s.partition === q)?.buffered ?? 0),
        0,
      ),
    }));
  }
}

function parseRecord(value: Buffer | null): RepartitionRecord | null {
  try {
    const r = JSON.parse(value?.toString('utf8') ?? '') as RepartitionRecord;
    if (!Number.isInteger(r?.p) || r.p < 0) return null;
    if (r.w !== null && typeof r.w !== 'number') return null;
    if (r.i === undefined) return r;
    const ok =
      Array.isArray(r.i) &&
      r.i.every(
        (input) =>
          Array.isArray(input) &&
          Number.isInteger(input[0]) &&
          Array.isArray(input[1]) &&
          input[1].every((u) => typeof u === 'string') &&
          typeof input[2]?.['@timestamp'] === 'string' &&
          typeof input[2].organization?.id === 'string',
      );
    return ok ? r : null;
  } catch {
    return null;
  }
}
