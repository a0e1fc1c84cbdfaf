// The correlator at work, first stage: one engine for the events partitions this instance
// holds, running the detections and every correlation grouped by tenant + source.ip (the
// events topic's key). Each consumed batch runs through it; its alerts go to the alerts
// topic, its late events to the late-events topic, and the inputs of the other correlations
// to the repartition topic, keyed by each rule's own group key (see repartition.ts), through
// outboxes (publish.ts; alerts in one, late events and the repartition topic's records in
// another, so alerts never wait behind them): the next batch runs while they
// are sent. Every checkpoint interval the partition's state is taken between two batches,
// saved once the outboxes have delivered
// everything before it, and only then its offset committed. Rules reload from disk (file watch or
// POST /v1/rules/reload): a set that loads with errors is refused and the running one stays;
// rules that did not change keep their state, in both stages.
import {
  Engine,
  loadRuleDir,
  partitionOf,
  project,
  type RuleSet,
  type RuleSplit,
  type RuleStats,
  route,
  splitRuleSet,
} from '@soc/rules';
import type { Alert, EcsEvent } from '@soc/schema';
import type { ComponentCounters, Counter, Logger } from '@soc/telemetry';
import type { KafkaMessage, Message } from 'kafkajs';
import { CheckpointedPartitions, type CheckpointObserver, type CheckpointStore } from './checkpoints.ts';
import type { CorrelatorConfig } from './config.ts';
import { lateMessage, type Outbox, publish, Serial } from './publish.ts';
import type { RepartitionRuntime } from './repartition.ts';

export interface RuntimeDeps {
  config: CorrelatorConfig;
  outbox: Outbox;
  /** the repartition topic's records (inputs, watermark heartbeats) */
  forward: Outbox;
  /** late events (the forward outbox: they need not queue with the alerts) */
  bulk: Outbox;
  topics: { alerts: string; late: string; repartition: string };
  /** partitions of the repartition topic */
  repartitionPartitions: number;
  store: CheckpointStore;
  checkpoints?: CheckpointObserver;
  counters: ComponentCounters;
  reloads: Counter<'result'>;
  logger: Logger;
  signal: AbortSignal;
}

export class CorrelatorRuntime {
  private readonly d: RuntimeDeps;
  private split: RuleSplit;
  /** the first stage's engine (detections and source-keyed correlations) */
  engine: Engine;
  /** the second stage in this process, told about reloads */
  stage2: RepartitionRuntime | null = null;
  readonly partitions: CheckpointedPartitions;
  private readonly serial = new Serial();
  private readonly lastInput = new Map<number, number>();
  /** per events partition: the watermark last announced to the repartition topic */
  private readonly announced = new Map<number, { w: number; at: number }>();
  ruleErrors: string[] = [];

  constructor(deps: RuntimeDeps, rules: RuleSet) {
    this.d = deps;
    this.split = splitRuleSet(rules);
    this.engine = this.newEngine(this.split.local);
    this.partitions = new CheckpointedPartitions(
      deps.store,
      deps.config.CORRELATOR_CHECKPOINT_INTERVAL_MS,
      {
        snapshot: (p) => this.engine.snapshot(p),
        restore: (p, s) => this.engine.restore(p, s),
        drop: (p) => {
          this.engine.dropPartition(p);
          this.announced.delete(p);
          this.lastInput.delete(p);
        },
        flush: async () => {
          await Promise.all([deps.outbox.drain(), deps.forward.drain()]);
        },
      },
      deps.logger,
      deps.signal,
      deps.checkpoints,
    );
  }

  get units() {
    return this.split.units;
  }

  private newEngine(rules: RuleSet): Engine {
    return new Engine(rules, {
      allowedLatenessMs: this.d.config.CORRELATOR_ALLOWED_LATENESS_MS,
      maxGroupsPerRule: this.d.config.CORRELATOR_MAX_GROUPS_PER_RULE,
    });
  }

  /** Runs one consumed batch; resolves once its outputs are queued and the outbox has room. */
  async handleBatch(messages: KafkaMessage[], partition: number): Promise<void> {
    await this.serial.run(() => this.batch(messages, partition));
    await this.d.outbox.room();
    await this.d.forward.room();
  }

  private async batch(messages: KafkaMessage[], partition: number): Promise<void> {
    await this.partitions.ready();
    const alerts: Alert[] = [];
    const late: Message[] = [];
    const bundles = new Map<number, Bundle>();
    const units = this.split.units;
    let received = 0;
    let sinceYield = 0;
    for (const m of messages) {
      // a large batch does not hold its alerts back: they leave every so many events
      if (++sinceYield >= ALERTS_EVERY && alerts.length > 0) {
        publish(this.d, alerts.splice(0), late.splice(0));
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (this.partitions.skip(partition, m.offset)) continue;
      received++;
      let event: EcsEvent;
      try {
        event = JSON.parse(m.value?.toString('utf8') ?? '') as EcsEvent;
        if (typeof event?.['@timestamp'] !== 'string' || typeof event.organization?.id !== 'string')
          throw new Error('not an ECS event');
      } catch {
        this.d.counters.dropped.inc({ reason: 'invalid_event' });
        continue;
      }
      const before = this.engine.watermark(partition);
      const out = this.engine.process(event, partition);
      alerts.push(...out.alerts);
      for (const e of out.late) late.push(lateMessage(e, { event, value: m.value }));
      if (units.length === 0) continue;
      // forwarded only when not behind this partition's watermark, with that watermark
      if (!(Date.parse(event['@timestamp']) >= before)) continue;
      let forwarded: string | undefined;
      for (const [q, ids] of route(units, event, this.d.repartitionPartitions)) {
        forwarded ??= JSON.stringify(
          project(event as unknown as Record<string, unknown>, this.split.forwardFields),
        );
        let bundle = bundles.get(q);
        if (!bundle) {
          bundle = new Bundle(partition, q);
          bundles.set(q, bundle);
        }
        bundle.add(
          `[${m.offset},${JSON.stringify(ids)},${forwarded}]`,
          Number.isFinite(before) ? before : null,
        );
      }
    }
    if (received > 0) this.d.counters.received.inc(received);
    this.lastInput.set(partition, Date.now());
    const routed = [...bundles.values()].flatMap((b) => b.messages());
    routed.push(...this.heartbeat(partition, Date.now()));
    publish(this.d, alerts, late);
    this.forwardOut(routed);
  }

  private forwardOut(messages: Message[]): void {
    if (messages.length > 0) this.d.forward.push([{ topic: this.d.topics.repartition, messages }]);
  }

  /**
   * The partition's watermark for the second stage, to every repartition partition, when it
   * moved (at most once per heartbeat interval). A partition that never had an event
   * announces the clock minus the idle period once it has been held that long.
   */
  private heartbeat(p: number, now: number): Message[] {
    if (this.split.units.length === 0) return [];
    let w = this.engine.watermark(p);
    const idle = this.d.config.CORRELATOR_IDLE_ADVANCE_MS;
    if (!Number.isFinite(w)) {
      if (now - this.partitions.heldSince(p) < idle) return [];
      w = now - idle;
    }
    const last = this.announced.get(p);
    if (last && (w <= last.w || now - last.at < this.d.config.CORRELATOR_REPARTITION_HEARTBEAT_MS)) return [];
    this.announced.set(p, { w, at: now });
    const value = `{"p":${p},"w":${w}}`;
    return Array.from({ length: this.d.repartitionPartitions }, (_, q) => ({
      partition: q,
      key: null,
      value,
    }));
  }

  /** Announces the watermarks of all held partitions that moved (timer). */
  heartbeats(): Promise<void> {
    return this.serial.run(async () => {
      const now = Date.now();
      const messages = [...this.partitions.held].flatMap((p) => this.heartbeat(p, now));
      this.forwardOut(messages);
    });
  }

  /** Advances idle partitions with the clock, so absence rules fire without new events. */
  advanceIdle(): Promise<void> {
    return this.serial.run(async () => {
      const now = Date.now();
      const idle = this.d.config.CORRELATOR_IDLE_ADVANCE_MS;
      const alerts: Alert[] = [];
      for (const p of this.partitions.held) {
        const last = this.lastInput.get(p) ?? now;
        if (now - last < idle) continue;
        const wm = this.engine.watermark(p);
        if (!Number.isFinite(wm)) continue;
        alerts.push(...this.engine.advance(wm + (now - last - idle), p));
        this.lastInput.set(p, now - idle);
      }
      publish(this.d, alerts, []);
    });
  }

  /**
   * After a batch: the offset to commit — only when a checkpoint was just saved. The state
   * is taken between batches; saving it holds up neither the timers nor the batches after.
   */
  async checkpoint(partition: number, nextOffset: string, force: boolean): Promise<string | null> {
    const c = await this.serial.run(async () => this.partitions.capture(partition, nextOffset, force));
    return c ? this.partitions.persist(c) : null;
  }

  /** Loads the rule folder again; refuses a set with errors; keeps the state of unchanged rules. */
  reload(): { ok: boolean; errors: string[] } {
    const rules = loadRuleDir(this.d.config.CORRELATOR_RULES_DIR);
    const errors = rules.errors.map((e) => `${e.file}:${e.line}: ${e.message}`);
    if (errors.length > 0) {
      this.d.reloads.inc({ result: 'rejected' });
      this.d.logger.error({ errors }, 'rule set refused: it does not load cleanly; the running rules stay');
      return { ok: false, errors };
    }
    const split = splitRuleSet(rules);
    const next = this.newEngine(split.local);
    for (const p of this.engine.partitionsHeld()) next.restore(p, this.engine.snapshot(p));
    this.split = split;
    this.engine = next;
    this.stage2?.setUnits(split.units);
    this.d.reloads.inc({ result: 'ok' });
    this.d.logger.info(
      {
        detections: rules.detections.length,
        correlations: rules.correlations.length,
        repartitioned: split.units.flatMap((u) => u.rules.correlations.map((c) => c.id)),
      },
      'rules reloaded',
    );
    return { ok: true, errors: [] };
  }

  /** Per-rule counters over both stages (a detection counts where it alerts, if it does). */
  stats(): RuleStats[] {
    const out = new Map<string, RuleStats>();
    for (const s of this.engine.stats()) out.set(s.id, s);
    for (const s of this.stage2?.stats() ?? [])
      if (s.kind === 'correlation' || !out.has(s.id)) out.set(s.id, s);
    return [...out.values()];
  }

  /** "Why didn't it fire?" for a rule of either stage. */
  inspect(ruleId: string, tenant: string, group: string[]): Record<string, unknown> | null {
    const local = this.engine.inspect(ruleId, tenant, group);
    if (local) return local;
    for (const e of this.stage2?.engines.values() ?? []) {
      const state = e.inspect(ruleId, tenant, group);
      if (!state) continue;
      const rule = e.rules.correlations.find((c) => c.id === ruleId || c.name === ruleId)!;
      const key = [rule.crossTenant ? '*' : tenant, ...group].join('\u001f');
      const partition = partitionOf(key, this.d.repartitionPartitions);
      const held = this.stage2!.partitions.held.has(partition);
      return {
        ...state,
        repartitioned: true,
        repartition_partition: partition,
        ...(held ? {} : { state: 'this group is on a repartition partition another instance holds; ask it' }),
      };
    }
    return null;
  }
}

/** Events of a batch processed before the alerts so far go to the outbox (and the loop yields so they are sent). */
const ALERTS_EVERY = 128;

/** Values of repartition records stay well under the broker's 1 MiB message limit. */
const MAX_BUNDLE_CHARS = 256 * 1024;

/**
 * The inputs one batch sends to one repartition partition, in order, as few records as
 * possible: {"p":source partition,"w":watermark before the record's last input,"i":[[offset,
 * [unit ids],event],...]}.
 */
class Bundle {
  private readonly source: number;
  private readonly target: number;
  private readonly done: Message[] = [];
  private inputs: string[] = [];
  private chars = 0;
  private w: number | null = null;

  constructor(source: number, target: number) {
    this.source = source;
    this.target = target;
  }

  add(input: string, w: number | null): void {
    if (this.chars > 0 && this.chars + input.length > MAX_BUNDLE_CHARS) this.seal();
    this.inputs.push(input);
    this.chars += input.length + 1;
    this.w = w;
  }

  private seal(): void {
    this.done.push({
      partition: this.target,
      key: null,
      value: `{"p":${this.source},"w":${this.w},"i":[${this.inputs.join(',')}]}`,
    });
    this.inputs = [];
    this.chars = 0;
  }

  messages(): Message[] {
    if (this.inputs.length > 0) this.seal();
    return this.done;
  }
}
