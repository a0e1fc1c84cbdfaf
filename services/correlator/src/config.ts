// Correlator configuration.
import { fileURLToPath } from 'node:url';
import { commonEnv, env, loadConfig } from '@soc/config';
import { z } from 'zod';

const defaultRulesDir = fileURLToPath(new URL('../../../rules', import.meta.url));

export const correlatorEnv = z.object({
  ...commonEnv,
  /** folder of rule files (YAML, Sigma detection and correlation rules) */
  CORRELATOR_RULES_DIR: env.string(defaultRulesDir),
  /** Kafka consumer group: instances with the same group share the partitions */
  CORRELATOR_GROUP_ID: env.string('soc-correlator'),
  /** a new group starts at the oldest event (true) or at new events only (false) */
  CORRELATOR_FROM_BEGINNING: env.bool(true),
  /** address and port of /healthz, /readyz, /metrics */
  CORRELATOR_HOST: env.string('127.0.0.1'),
  CORRELATOR_PORT: env.port(8082),
});

export type CorrelatorConfig = z.infer<typeof correlatorEnv>;

export function loadCorrelatorConfig(vars: Record<string, string | undefined>): CorrelatorConfig {
  return loadConfig(correlatorEnv, vars, { ownPrefixes: ['CORRELATOR_'] });
}
