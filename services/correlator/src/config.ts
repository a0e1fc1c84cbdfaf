// Correlator configuration.
import { fileURLToPath } from 'node:url';
import { commonEnv, env, loadConfig } from '@soc/config';
import { z } from 'zod';

const defaultRulesDir = fileURLToPath(new URL('../../../rules', import.meta.url));

export const correlatorEnv = z.object({
  ...commonEnv,
  /** folder of rule files (YAML, Sigma detection and correlation rules); reloaded on change */
  CORRELATOR_RULES_DIR: env.string(defaultRulesDir),
  /** Kafka consumer group: instances with the same group share the partitions */
  CORRELATOR_GROUP_ID: env.string('soc-correlator'),
  /** a new group starts at the oldest event (true) or at new events only (false) */
  CORRELATOR_FROM_BEGINNING: env.bool(true),
  /** how far behind the newest event time an event may arrive and still count, in ms */
  CORRELATOR_ALLOWED_LATENESS_MS: env.int(2000, 0, 86_400_000),
  /**
   * how often each partition's state is checkpointed to Kafka (and its offset committed), in
   * ms. Each save writes the partition's whole state: at 5 s, on 2 cores at 10k events/s,
   * saves took about a quarter of a core and widened the alert latency's tail; a restart
   * replays at most this much input
   */
  CORRELATOR_CHECKPOINT_INTERVAL_MS: env.int(15_000, 100, 3_600_000),
  /** a partition without events for this long has its event time advanced with the clock, in ms */
  CORRELATOR_IDLE_ADVANCE_MS: env.int(10_000, 100, 86_400_000),
  /** how often each events partition's watermark is announced to the repartitioned rules, at most, in ms */
  CORRELATOR_REPARTITION_HEARTBEAT_MS: env.int(200, 10, 60_000),
  /** live groups per rule and partition; beyond it the oldest (created first) is evicted, counted and alerted */
  CORRELATOR_MAX_GROUPS_PER_RULE: env.int(500_000, 10),
  /** address and port of /healthz, /readyz, /metrics and the rules admin API */
  CORRELATOR_HOST: env.string('127.0.0.1'),
  CORRELATOR_PORT: env.port(8082),
});

export type CorrelatorConfig = z.infer<typeof correlatorEnv>;

export function loadCorrelatorConfig(vars: Record<string, string | undefined>): CorrelatorConfig {
  return loadConfig(correlatorEnv, vars, { ownPrefixes: ['CORRELATOR_'] });
}
