// Fan-out configuration.
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { clickhouseEnv, commonEnv, env, loadConfig } from '@soc/config';
import { z } from 'zod';

const local = (file: string) => fileURLToPath(new URL(`../../../deploy/local/${file}`, import.meta.url));

export const fanoutEnv = z.object({
  ...commonEnv,
  ...clickhouseEnv,
  /** address and port of the console page, /v1/stream, /v1/alerts and the ops endpoints */
  FANOUT_HOST: env.string('127.0.0.1'),
  FANOUT_PORT: env.port(8081),
  /** prefix of this instance's Kafka consumer groups; a random suffix is added, so every instance reads every alert */
  FANOUT_GROUP_ID: env.string(`soc-fanout-${hostname()}`),
  /** analysts (tokens stored as SHA-256, tenant scope, role, expiry); reloaded on change */
  FANOUT_ANALYSTS_FILE: env.string(local('analysts.yaml')),
  /** recent messages kept in memory per topic partition, for resumes and "last N" */
  FANOUT_RING_PER_PARTITION: env.int(2000, 0, 1_000_000),
  /** most messages one resume reads back from Kafka; beyond that the client gets a gap notice */
  FANOUT_REPLAY_MAX: env.int(20_000, 0, 10_000_000),
  /** a client whose unsent data exceeds this many bytes stops getting live frames and is resynced once it drains */
  FANOUT_MAX_BUFFERED_BYTES: env.int(1024 * 1024, 1024),
  /** seconds a client may stay behind before it is closed with 4008 */
  FANOUT_SLOW_CLIENT_SECONDS: env.int(30, 1, 3600),
  /** ms a live frame may wait so that the frames of that window reach each client in one write */
  FANOUT_LINGER_MS: env.int(20, 0, 1000),
  /** seconds between heartbeats (WebSocket ping and a heartbeat frame) */
  FANOUT_HEARTBEAT_SECONDS: env.int(15, 1, 3600),
  /** partitions of the topics this service creates when they are missing */
  FANOUT_TOPIC_PARTITIONS: env.int(6, 1, 1024),
});

export type FanoutConfig = z.infer<typeof fanoutEnv>;

export function loadFanoutConfig(vars: Record<string, string | undefined>): FanoutConfig {
  return loadConfig(fanoutEnv, vars, { ownPrefixes: ['FANOUT_'] });
}
