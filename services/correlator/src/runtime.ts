// The correlator at work: one engine for the partitions this instance holds. Each consumed
// batch runs through the engine; its alerts go to the alerts topic and its late events to
// the late-events topic (acks=all, retried until acknowledged); every checkpoint interval
// the partition's state is saved and only then its offset committed. Rules reload from
// disk (file watch or POST /v1/rules/reload): a set that loads with errors is refused and
// the running one stays; rules that did not change keep their state.
import { Engine, loadRuleDir, type RuleSet } from '@soc/rules';
import type { Alert, EcsEvent } from '@soc/schema';
import { type ComponentCounters, type Counter, type Logger, retry } from '@soc/telemetry';
import type { KafkaMessage, Producer } from 'kafkajs';
import type { CheckpointStore } from './checkpoints.ts';
import type { CorrelatorConfig } from './config.ts';

export interface RuntimeDeps {
  config: CorrelatorConfig;
  producer: Producer;
  topics: { alerts: string; late: string };
  store: CheckpointStore;
  counters: ComponentCounters;
  reloads: Counter<'result'>;
  logger: Logger;
  signal: AbortSignal;
}

export class CorrelatorRuntime {
  private readonly d: RuntimeDeps;
  engine: Engine;
  /** per held partition: offsets below this were applied by the restored checkpoint */
  private readonly skipBelow = new Map<number, number>();
  private readonly lastCheckpoint = new Map<number, number>();
  private readonly lastInput = new Map<number, number>();
  private restoring: Promise<void> | null = null;
  private held = new Set<number>();
  ruleErrors: string[] = [];

  constructor(deps: RuntimeDeps, rules: RuleSet) {
    this.d = deps;
    this.engine = this.newEngine(rules);
  }

  private newEngine(rules: RuleSet): Engine {
    return new Engine(rules, {
      allowedLatenessMs: this.d.config.CORRELATOR_ALLOWED_LATENESS_MS,
      maxGroupsPerRule: this.d.config.CORRELATOR_MAX_GROUPS_PER_RULE,
    });
  }

  /** The partitions this member now holds: forget the others, restore the new ones. */
  onAssignment(partitions: number[]): void {
    const now = new Set(partitions);
    for (const p of this.held) if (!now.has(p)) this.engine.dropPartition(p);
    const added = partitions.filter((p) => !this.held.has(p));
    this.held = now;
    if (added.length > 0) this.restoring = this.restore(added);
  }

  private async restore(partitions: number[]): Promise<void> {
    const checkpoints = await retry(() => this.d.store.loadAll(), {
      retries: 1000,
      retriable: () => true,
      initialDelayMs: 500,
      maxDelayMs: 5000,
      signal: this.d.signal,
      onRetry: (err) => this.d.logger.warn({ err }, 'cannot read checkpoints yet; retrying'),
    });
    for (const p of partitions) {
      const cp = checkpoints.get(p);
      if (!cp) continue;
      try {
        this.engine.restore(p, cp.state);
        this.skipBelow.set(p, Number(cp.offset));
        this.d.logger.info({ partition: p, offset: cp.offset }, 'correlation state restored');
      } catch (err) {
        this.d.logger.error(
          { err, partition: p },
          'checkpoint unreadable; starting the partition with empty state',
        );
      }
    }
  }

  /** Runs one consumed batch; resolves once its alerts and late events are on Kafka. */
  async handleBatch(messages: KafkaMessage[], partition: number): Promise<void> {
    if (this.restoring) await this.restoring;
    const skip = this.skipBelow.get(partition) ?? -1;
    const alerts: Alert[] = [];
    const late: EcsEvent[] = [];
    for (const m of messages) {
      if (Number(m.offset) < skip) continue;
      this.d.counters.received.inc();
      let event: EcsEvent;
      try {
        event = JSON.parse(m.value?.toString('utf8') ?? '') as EcsEvent;
        if (typeof event?.['@timestamp'] !== 'string' || typeof event.organization?.id !== 'string')
          throw new Error('not an ECS event');
      } catch {
        this.d.counters.dropped.inc({ reason: 'invalid_event' });
        continue;
      }
      const out = this.engine.process(event, partition);
      alerts.push(...out.alerts);
      late.push(...out.late);
    }
    this.lastInput.set(partition, Date.now());
    await this.publish(alerts, late);
  }

  /** Advances idle partitions with the clock, so absence rules fire without new events. */
  async advanceIdle(): Promise<void> {
    const now = Date.now();
    const alerts: Alert[] = [];
    for (const p of this.held) {
      const last = this.lastInput.get(p) ?? now;
      if (now - last < this.d.config.CORRELATOR_IDLE_ADVANCE_MS) continue;
      const wm = this.engine.watermark(p);
      if (!Number.isFinite(wm)) continue;
      alerts.push(...this.engine.advance(wm + (now - last - this.d.config.CORRELATOR_IDLE_ADVANCE_MS), p));
      this.lastInput.set(p, now - this.d.config.CORRELATOR_IDLE_ADVANCE_MS);
    }
    await this.publish(alerts, []);
  }

  private async publish(alerts: Alert[], late: EcsEvent[]): Promise<void> {
    const topicMessages = [
      { topic: this.d.topics.alerts, messages: alerts.map((a) => ({ key: a.id, value: JSON.stringify(a) })) },
      {
        topic: this.d.topics.late,
        messages: late.map((e) => ({ key: e.organization.id, value: JSON.stringify(e) })),
      },
    ].filter((t) => t.messages.length > 0);
    if (topicMessages.length === 0) return;
    // the engine has moved on, so these are resent until acknowledged, not recomputed
    await retry(() => this.d.producer.sendBatch({ acks: -1, topicMessages }), {
      retries: Number.MAX_SAFE_INTEGER,
      retriable: () => true,
      initialDelayMs: 200,
      maxDelayMs: 10_000,
      signal: this.d.signal,
      onRetry: (err, attempt) => {
        this.d.counters.errors.inc({ stage: 'produce' });
        this.d.logger.warn({ err, attempt }, 'alerts not acknowledged by Kafka; retrying');
      },
    });
    this.d.counters.sent.inc(alerts.length);
    if (late.length > 0) this.d.counters.dropped.inc({ reason: 'late' }, late.length);
    for (const a of alerts)
      this.d.logger.info(
        { alert: a.id, rule: a.rule.id, group: a.group, tenant: a.tenant, revision: a.revision },
        'alert',
      );
  }

  /** After a batch: the offset to commit — only when a checkpoint was just saved. */
  async maybeCheckpoint(partition: number, nextOffset: string, force = false): Promise<string | null> {
    const last = this.lastCheckpoint.get(partition) ?? 0;
    if (!force && Date.now() - last < this.d.config.CORRELATOR_CHECKPOINT_INTERVAL_MS) return null;
    const state = this.engine.snapshot(partition);
    if (state === null) return null;
    await this.d.store.save(partition, { offset: nextOffset, state });
    this.lastCheckpoint.set(partition, Date.now());
    this.skipBelow.delete(partition);
    return nextOffset;
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
    const next = this.newEngine(rules);
    for (const p of this.engine.partitionsHeld()) next.restore(p, this.engine.snapshot(p));
    this.engine = next;
    this.d.reloads.inc({ result: 'ok' });
    this.d.logger.info(
      { detections: rules.detections.length, correlations: rules.correlations.length },
      'rules reloaded',
    );
    return { ok: true, errors: [] };
  }

  heldPartitions(): number[] {
    return [...this.held];
  }
}
