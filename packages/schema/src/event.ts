// The normalised event: a subset of the Elastic Common Schema (ECS 8.x), nested as ECS
// specifies. One schema for every service, parser and test. Field reference:
// https://www.elastic.co/guide/en/ecs/current/ecs-field-reference.html
import { z } from 'zod';
import { compileParser, INVALID } from './fast-parse.ts';

export const ECS_VERSION = '8.11.0';

/**
 * ISO 8601 in UTC with milliseconds, the only timestamp form on Kafka, within the years
 * ClickHouse's DateTime stores (1970 to 2105): an event outside them is refused at the door
 * instead of failing every insert of its batch.
 */
export const isoTimestamp = z.iso
  .datetime({ offset: false, precision: 3 })
  .regex(/^(?:19[7-9]\d|20\d\d|210[0-5])-/, 'the year must be between 1970 and 2105');

const port = z.number().int().min(0).max(65535);
const count = z.number().int().min(0);

export const eventKinds = ['alert', 'event', 'metric', 'state', 'signal', 'pipeline_error'] as const;
export const eventCategories = [
  'authentication',
  'configuration',
  'host',
  'intrusion_detection',
  'malware',
  'network',
  'process',
  'session',
  'threat',
  'web',
] as const;
export const eventTypes = [
  'access',
  'allowed',
  'connection',
  'denied',
  'end',
  'error',
  'info',
  'protocol',
  'start',
] as const;
export const eventOutcomes = ['success', 'failure', 'unknown'] as const;
export const networkDirections = ['inbound', 'outbound', 'internal', 'external', 'unknown'] as const;

const str = (max: number) => z.string().max(max).optional();

const endpoint = z.strictObject({
  ip: z.string().min(1).max(64).optional(),
  port: port.optional(),
  bytes: count.optional(),
  packets: count.optional(),
  mac: str(64),
  domain: str(255),
  address: str(255),
  /** the address after network address translation */
  nat: z.strictObject({ ip: str(64), port: port.optional() }).optional(),
  user: z.strictObject({ name: str(255) }).optional(),
  zone: str(128),
});

/** ECS threat.enrichments: an indicator list this event matched. */
const enrichment = z.strictObject({
  indicator: z.strictObject({
    type: z.enum(['ipv4-addr', 'ipv6-addr', 'domain-name', 'url', 'file']),
    ip: str(64),
    domain: str(255),
    provider: str(128),
    description: str(512),
  }),
  matched: z.strictObject({
    atomic: str(512),
    field: str(128),
    type: z.literal('indicator_match_rule').optional(),
  }),
});

export const ecsEventSchema = z.strictObject({
  '@timestamp': isoTimestamp,
  ecs: z.strictObject({ version: z.string() }),
  event: z.strictObject({
    id: z.string().min(1).max(64),
    kind: z.enum(eventKinds),
    category: z.array(z.enum(eventCategories)).min(1),
    type: z.array(z.enum(eventTypes)).min(1),
    action: z.string().max(128).optional(),
    outcome: z.enum(eventOutcomes).optional(),
    severity: z.number().int().min(0).max(1000).optional(),
    dataset: z.string().max(128).optional(),
    module: z.string().max(64).optional(),
    original: z.string().optional(),
    ingested: isoTimestamp.optional(),
    code: str(64),
    reason: str(1024),
    provider: str(128),
    /** nanoseconds */
    duration: count.optional(),
    start: isoTimestamp.optional(),
    end: isoTimestamp.optional(),
    risk_score: z.number().min(0).max(100).optional(),
  }),
  organization: z.strictObject({ id: z.string().min(1).max(128) }),
  observer: z
    .strictObject({
      vendor: z.string().max(128).optional(),
      product: z.string().max(128).optional(),
      type: z.string().max(64).optional(),
      name: z.string().max(255).optional(),
      hostname: z.string().max(255).optional(),
      ingress: z.strictObject({ interface: z.strictObject({ name: z.string().max(64) }) }).optional(),
      egress: z.strictObject({ interface: z.strictObject({ name: z.string().max(64) }) }).optional(),
    })
    .optional(),
  source: endpoint.optional(),
  destination: endpoint.optional(),
  network: z
    .strictObject({
      transport: z.string().max(32).optional(),
      protocol: z.string().max(32).optional(),
      iana_number: z.string().max(3).optional(),
      direction: z.enum(networkDirections).optional(),
      bytes: count.optional(),
      packets: count.optional(),
      community_id: z.string().max(64).optional(),
      application: str(128),
      name: str(128),
      vlan: z.strictObject({ id: str(16) }).optional(),
    })
    .optional(),
  rule: z
    .strictObject({
      id: z.string().max(128).optional(),
      name: z.string().max(512).optional(),
      category: z.string().max(256).optional(),
    })
    .optional(),
  host: z.strictObject({ name: z.string().max(255) }).optional(),
  user: z.strictObject({ name: z.string().max(255) }).optional(),
  message: str(8192),
  log: z
    .strictObject({
      level: str(32),
      syslog: z
        .strictObject({
          priority: z.number().int().min(0).max(191).optional(),
          facility: z.strictObject({ code: z.number().int().min(0).max(23) }).optional(),
          severity: z.strictObject({ code: z.number().int().min(0).max(7) }).optional(),
          hostname: str(255),
          appname: str(128),
          procid: str(128),
          msgid: str(32),
          version: str(2),
          structured_data: z
            .record(z.string().max(64), z.record(z.string().max(64), z.string().max(1024)))
            .optional(),
        })
        .optional(),
    })
    .optional(),
  dns: z
    .strictObject({
      id: str(16),
      type: z.enum(['query', 'answer']).optional(),
      question: z.strictObject({ name: str(255), type: str(16), class: str(16) }).optional(),
      response_code: str(16),
      answers: z
        .array(z.strictObject({ data: str(512), type: str(16), ttl: count.optional() }))
        .max(50)
        .optional(),
    })
    .optional(),
  url: z
    .strictObject({ original: str(8192), domain: str(255), path: str(8192), query: str(8192) })
    .optional(),
  http: z
    .strictObject({
      version: str(16),
      request: z.strictObject({ method: str(16), referrer: str(8192) }).optional(),
      response: z.strictObject({ status_code: z.number().int().min(0).max(999).optional() }).optional(),
    })
    .optional(),
  user_agent: z.strictObject({ original: str(2048) }).optional(),
  tls: z
    .strictObject({
      version: str(16),
      version_protocol: str(16),
      cipher: str(128),
      client: z.strictObject({ server_name: str(255), ja3: str(64) }).optional(),
      server: z.strictObject({ subject: str(1024), issuer: str(1024), ja3s: str(64) }).optional(),
    })
    .optional(),
  file: z
    .strictObject({ name: str(1024), hash: z.record(z.string().max(16), z.string().max(128)).optional() })
    .optional(),
  cloud: z
    .strictObject({ provider: str(32), region: str(64), account: z.strictObject({ id: str(64) }).optional() })
    .optional(),
  threat: z.strictObject({ enrichments: z.array(enrichment).max(32) }).optional(),
  related: z
    .strictObject({
      ip: z.array(z.string().max(64)).max(16).optional(),
      hosts: z.array(z.string().max(255)).max(16).optional(),
    })
    .optional(),
  tags: z.array(z.string().max(128)).max(64).optional(),
  labels: z.record(z.string().max(64), z.string().max(256)).optional(),
});

export type EcsEvent = z.infer<typeof ecsEventSchema>;

/** The event schema's fast path (see fast-parse.ts); zod decides whatever it declines. */
export const fastEventParser = compileParser(ecsEventSchema);

/** The same for `compact(value)`: what parsers build, undefined fields and all. */
export const fastCompactEventParser = compileParser(ecsEventSchema, { compact: true });

/** Validates a value as an ECS event; returns the issues as one readable line on failure. */
export function validateEvent(value: unknown): { ok: true; event: EcsEvent } | { ok: false; reason: string } {
  const fast = fastEventParser(value);
  if (fast !== INVALID) return { ok: true, event: fast };
  const result = ecsEventSchema.safeParse(value);
  if (result.success) return { ok: true, event: result.data };
  const first = result.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  return { ok: false, reason: `schema: ${first.join('; ')}` };
}
