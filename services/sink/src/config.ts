// Sink configuration.
import { clickhouseEnv, commonEnv, env, loadConfig } from '@soc/config';
import { z } from 'zod';

export const sinkEnv = z.object({
  ...commonEnv,
  ...clickhouseEnv,
  /** Kafka consumer group of the sink */
  SINK_GROUP_ID: env.string('soc-sink'),
  /** address and port of /healthz, /readyz, /metrics */
  SINK_HOST: env.string('127.0.0.1'),
  SINK_PORT: env.port(8083),
  /** retries of one insert (after the first attempt) before the batch is left for redelivery */
  SINK_INSERT_RETRIES: env.int(20, 0, 1000),
});

export type SinkConfig = z.infer<typeof sinkEnv>;

export function loadSinkConfig(vars: Record<string, string | undefined>): SinkConfig {
  return loadConfig(sinkEnv, vars, { ownPrefixes: ['SINK_'] });
}
