// Fan-out configuration.
import { hostname } from 'node:os';
import { commonEnv, env, loadConfig } from '@soc/config';
import { z } from 'zod';

export const fanoutEnv = z.object({
  ...commonEnv,
  /** address and port of the console page, /v1/stream and the ops endpoints */
  FANOUT_HOST: env.string('127.0.0.1'),
  FANOUT_PORT: env.port(8081),
  /** Kafka consumer group, one per instance since every instance reads every alert; the
   *  default is unique per host (per pod): give each instance on one host its own */
  FANOUT_GROUP_ID: env.string(`soc-fanout-${hostname()}`),
  /** alerts kept in memory and sent to a client when it connects */
  FANOUT_BACKLOG: env.int(200, 0, 100_000),
  /** a client whose unsent data exceeds this many bytes is disconnected (code 1013) */
  FANOUT_MAX_BUFFERED_BYTES: env.int(4 * 1024 * 1024, 1024),
  /** seconds between WebSocket pings */
  FANOUT_HEARTBEAT_SECONDS: env.int(15, 1, 3600),
});

export type FanoutConfig = z.infer<typeof fanoutEnv>;

export function loadFanoutConfig(vars: Record<string, string | undefined>): FanoutConfig {
  return loadConfig(fanoutEnv, vars, { ownPrefixes: ['FANOUT_'] });
}
