// Ingest configuration: every variable, its unit and its local default.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { commonEnv, env, loadConfig } from '@soc/config';
import { z } from 'zod';

const local = (file: string) => fileURLToPath(new URL(`../../../deploy/local/${file}`, import.meta.url));
const optionalPath = z.string().default('');

export const ingestEnv = z
  .object({
    ...commonEnv,
    /** address the HTTP API listens on */
    INGEST_HOST: env.string('127.0.0.1'),
    /** port of POST /v1/logs, /healthz, /readyz, /metrics */
    INGEST_PORT: env.port(8080),
    /** sensors (tokens stored as SHA-256, tenant, default format, syslog sources); reloaded on change */
    INGEST_SENSORS_FILE: env.string(local('sensors.yaml')),
    /** network zones (YAML, CIDRs per zone) for network.direction; "none": no zone map; reloaded on change */
    INGEST_ZONES_FILE: optionalPath.default(local('zones.yaml')),
    /** folder of threat-intel lists (*.txt: IPs, CIDRs, domains); "none": no lists; reloaded on change */
    INGEST_INTEL_DIR: optionalPath.default(local('intel')),
    /** largest request body accepted, in bytes (compressed and decompressed) */
    INGEST_MAX_BODY_BYTES: env.int(16 * 1024 * 1024, 1024),
    /** longest line accepted, in bytes; longer lines are rejected and sent to the DLQ truncated */
    INGEST_MAX_LINE_BYTES: env.int(64 * 1024, 256),
    /** keep the raw line in event.original */
    INGEST_KEEP_ORIGINAL: env.bool(true),
    /** per-line errors listed in a response, at most */
    INGEST_MAX_ERRORS_REPORTED: env.int(100, 0, 10_000),
    /** lines per second a sensor may send (bursts up to twice that); a sensor entry may set its own */
    INGEST_RATE_LIMIT_LINES_PER_SECOND: env.int(100_000, 1),
    /** how long to wait for Kafka's acknowledgement before answering 503 / pausing syslog, in ms */
    INGEST_KAFKA_TIMEOUT_MS: env.int(5000, 100),
    /** bytes of messages per produce request; keep under the broker's max.message.bytes */
    INGEST_KAFKA_MAX_REQUEST_BYTES: env.int(768 * 1024, 1024),
    /**
     * threads that parse, enrich and serialize lines beside the main thread; 0: the main
     * thread does. Default: 1 with more than one core, else 0. A thread costs ~1 µs of CPU
     * per line in all (the batches cross between threads); bench/ingest.ts --parse-threads
     * measures what it pays on a machine
     */
    INGEST_PARSE_THREADS: env.int(availableParallelism() > 1 ? 1 : 0, 0, 64),
    /** partitions of the topics this service creates when they are missing */
    INGEST_TOPIC_PARTITIONS: env.int(6, 1, 1024),
    /** seconds a client should wait before retrying when Kafka is unavailable */
    INGEST_RETRY_AFTER_SECONDS: env.int(5, 1, 3600),
    /** address the syslog listeners bind to */
    INGEST_SYSLOG_HOST: env.string('127.0.0.1'),
    /** syslog over UDP port; 0 turns it off */
    INGEST_SYSLOG_UDP_PORT: env.port(5514),
    /** syslog over TCP port (RFC 6587 octet counting or LF framing); 0 turns it off */
    INGEST_SYSLOG_TCP_PORT: env.port(5514),
    /** syslog over TLS port; 0 turns it off; needs the certificate and key files */
    INGEST_SYSLOG_TLS_PORT: env.port(0),
    /** PEM certificate (chain) and private key for syslog over TLS */
    INGEST_SYSLOG_TLS_CERT_FILE: optionalPath,
    INGEST_SYSLOG_TLS_KEY_FILE: optionalPath,
    /** format of syslog lines from sensors that name none */
    INGEST_SYSLOG_FORMAT: env.string('auto'),
    /** syslog lines held waiting for Kafka before TCP senders are paused and UDP datagrams dropped */
    INGEST_SYSLOG_MAX_PENDING_LINES: env.int(50_000, 100),
    /** syslog batching: flush after this many ms or this many lines */
    INGEST_SYSLOG_FLUSH_MS: env.int(20, 1, 10_000),
    INGEST_SYSLOG_MAX_BATCH: env.int(5000, 1),
  })
  .superRefine((c, ctx) => {
    if (c.INGEST_SYSLOG_TLS_PORT > 0 && (!c.INGEST_SYSLOG_TLS_CERT_FILE || !c.INGEST_SYSLOG_TLS_KEY_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: ['INGEST_SYSLOG_TLS_PORT'],
        message: 'needs INGEST_SYSLOG_TLS_CERT_FILE and INGEST_SYSLOG_TLS_KEY_FILE',
      });
    }
  });

export type IngestConfig = z.infer<typeof ingestEnv>;

export function loadIngestConfig(vars: Record<string, string | undefined>): IngestConfig {
  return loadConfig(ingestEnv, vars, { ownPrefixes: ['INGEST_'] });
}
