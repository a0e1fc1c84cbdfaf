// Ingest configuration: every variable, its unit and its local default.
import { commonEnv, env, loadConfig } from '@soc/config';
import { z } from 'zod';

export const ingestEnv = z.object({
  ...commonEnv,
  /** address the HTTP API listens on */
  INGEST_HOST: env.string('127.0.0.1'),
  /** port of POST /v1/logs, /healthz, /readyz, /metrics */
  INGEST_PORT: env.port(8080),
  /** tenant (organization.id) given to lines received over HTTP */
  INGEST_TENANT: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,128}$/)
    .default('demo'),
  /** largest request body accepted, in bytes */
  INGEST_MAX_BODY_BYTES: env.int(16 * 1024 * 1024, 1024),
  /** longest line accepted, in bytes; longer lines are rejected and sent to the DLQ truncated */
  INGEST_MAX_LINE_BYTES: env.int(64 * 1024, 256),
  /** keep the raw line in event.original */
  INGEST_KEEP_ORIGINAL: env.bool(true),
  /** per-line errors listed in a response, at most */
  INGEST_MAX_ERRORS_REPORTED: env.int(100, 0, 10_000),
  /** partitions of the topics this service creates when they are missing */
  INGEST_TOPIC_PARTITIONS: env.int(6, 1, 1024),
  /** seconds a client should wait before retrying when Kafka is unavailable */
  INGEST_RETRY_AFTER_SECONDS: env.int(5, 1, 3600),
});

export type IngestConfig = z.infer<typeof ingestEnv>;

export function loadIngestConfig(vars: Record<string, string | undefined>): IngestConfig {
  return loadConfig(ingestEnv, vars, { ownPrefixes: ['INGEST_'] });
}
