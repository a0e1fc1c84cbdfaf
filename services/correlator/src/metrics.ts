// The correlator's metrics: per-rule gauges over both stages, watermark lag and reorder
// buffers per partition, the second stage's records, rule reloads, and checkpoint timings
// and sizes (see docs/operations.md for what each tells an operator).
import {
  type ComponentCounters,
  Counter,
  componentCounters,
  Gauge,
  Histogram,
  type Registry,
} from '@soc/telemetry';
import type { CheckpointObserver } from './checkpoints.ts';
import type { RepartitionRuntime } from './repartition.ts';
import type { CorrelatorRuntime } from './runtime.ts';

export function correlatorMetrics(
  registry: Registry,
  runtimeOf: () => CorrelatorRuntime | undefined,
  stage2Of: () => RepartitionRuntime | undefined,
): {
  counters: ComponentCounters;
  records: Counter<'kind'>;
  reloads: Counter<'result'>;
  checkpointObserver: (stage: string) => CheckpointObserver;
} {
  const perRule = (
    name: string,
    help: string,
    pick: 'matches' | 'alerts' | 'late' | 'evictions' | 'groups',
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['rule'],
      registers: [registry],
      collect() {
        for (const s of runtimeOf()?.stats() ?? []) this.set({ rule: s.id }, s[pick]);
      },
    });
  perRule('soc_correlator_rule_matches', 'Inputs matched per rule since start', 'matches');
  perRule('soc_correlator_rule_alerts', 'Alerts per rule since start', 'alerts');
  perRule('soc_correlator_rule_late_events', 'Events too late to count, per rule', 'late');
  perRule('soc_correlator_rule_evictions', 'Groups evicted at the state cap, per rule', 'evictions');
  perRule('soc_correlator_rule_state_groups', 'Live group keys per correlation rule', 'groups');
  /** A gauge per partition of either stage, from the stage's partition stats. */
  const perPartition = (
    name: string,
    help: string,
    value: (p: { watermark: number; buffered: number }) => number | null,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['stage', 'partition'],
      registers: [registry],
      collect() {
        const stages = [
          ['events', runtimeOf()?.engine.partitionStats() ?? []],
          ['repartition', stage2Of()?.partitionStats() ?? []],
        ] as const;
        for (const [stage, stats] of stages)
          for (const p of stats) {
            const v = value(p);
            if (v !== null) this.set({ stage, partition: String(p.partition) }, v);
          }
      },
    });
  perPartition(
    'soc_correlator_watermark_lag_seconds',
    'Processing time minus the watermark, per events partition (stage events) and repartition partition (stage repartition)',
    (p) => (Number.isFinite(p.watermark) ? (Date.now() - p.watermark) / 1000 : null),
  );
  perPartition(
    'soc_correlator_buffered_inputs',
    'Inputs waiting in the reorder buffer for the watermark',
    (p) => p.buffered,
  );
  const records = new Counter({
    name: 'soc_correlator_repartition_records_total',
    help: 'What the second stage read from the repartition topic: inputs (input, duplicate, unknown_unit) and records (heartbeat, invalid)',
    labelNames: ['kind'],
    registers: [registry],
  });
  const counters = componentCounters(registry, 'correlator');
  const checkpointSeconds = new Histogram({
    name: 'soc_correlator_checkpoint_seconds',
    help: 'Checkpoint steps: capture (copying the state; holds the event loop) and save (JSON in slices, compress, write, acknowledge)',
    labelNames: ['stage', 'step'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const checkpointBytes = new Gauge({
    name: 'soc_correlator_checkpoint_bytes',
    help: 'Compressed size of the last checkpoint, per partition',
    labelNames: ['stage', 'partition'],
    registers: [registry],
  });
  const checkpointObserver = (stage: string): CheckpointObserver => ({
    captured: (_p, seconds) => checkpointSeconds.observe({ stage, step: 'capture' }, seconds),
    saved: (p, seconds, bytes) => {
      checkpointSeconds.observe({ stage, step: 'save' }, seconds);
      checkpointBytes.set({ stage, partition: String(p) }, bytes);
    },
  });
  const reloads = new Counter({
    name: 'soc_correlator_rule_reloads_total',
    help: 'Rule set reloads, by result',
    labelNames: ['result'],
    registers: [registry],
  });
  return { counters, records, reloads, checkpointObserver };
}
