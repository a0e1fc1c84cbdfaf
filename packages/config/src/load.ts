// Typed configuration from environment variables. Each service declares a zod object
// whose keys are the variable names (with a comment per variable), parses it once at
// boot, and passes the typed result on; nothing else reads process.env.
// Variables that start with one of the service's own prefixes but are not declared are
// rejected, so a typo (INGEST_PROT=...) fails at boot instead of being silently ignored.
import { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface LoadOptions {
  /** prefixes owned by this service, e.g. ['INGEST_']; unknown variables with them are errors */
  ownPrefixes?: string[];
}

export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined>,
  options: LoadOptions = {},
): z.infer<S> {
  const known = new Set(Object.keys(schema.shape));
  const unknown = Object.keys(env).filter(
    (key) => !known.has(key) && (options.ownPrefixes ?? []).some((p) => key.startsWith(p)),
  );
  if (unknown.length > 0) {
    throw new ConfigError(`unknown configuration variable(s): ${unknown.sort().join(', ')}`);
  }
  const input: Record<string, string> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return result.data;
}

/** Common variable types. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  int: (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
    z.coerce.number().int().min(min).max(max).default(fallback),
  string: (fallback: string) => z.string().min(1).default(fallback),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  list: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** a topic namespace: letters, digits, dot, dash, underscore */
  namespace: (fallback: string) =>
    z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, ".", "_" and "-" only')
      .default(fallback),
};

/** The variables every service shares: where Kafka is, where ClickHouse is, logging. */
export const commonEnv = {
  /** comma-separated host:port list of Kafka bootstrap brokers */
  KAFKA_BROKERS: env.list('127.0.0.1:9092'),
  /** topic namespace: topics are <ns>.events.v1, <ns>.alerts.v1, <ns>.dlq.v1 */
  SOC_TOPIC_NAMESPACE: env.namespace('soc'),
  /** pino log level */
  LOG_LEVEL: env.logLevel(),
};

export const clickhouseEnv = {
  /** ClickHouse HTTP endpoint */
  CLICKHOUSE_URL: z.url().default('http://127.0.0.1:8123'),
  /** ClickHouse database the services use (created by the migrations) */
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a plain identifier')
    .default('soc'),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
};
